"""Reading input files with a cap on their size, and strict JSON.

Every file the library reads whole (rule data, reforms, scenarios, person
files) goes through :func:`read_text_file`: at most ``max_bytes`` bytes are
read, so a device such as ``/dev/zero`` or a huge file is refused quickly
instead of filling memory, and bytes that are not UTF-8 are a one-line error
naming the line. :func:`load_json_text` is the JSON twin of
:func:`pathways.load_yaml_text`: duplicate keys are errors, nesting is limited,
``NaN`` and ``Infinity`` are refused and whole numbers have at most
:data:`pathways._yaml.MAX_NUMBER_DIGITS` digits (docs/hardening.md).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ._errors import InputError, PathwaysError, excerpt
from ._yaml import MAX_NESTING, MAX_NUMBER_DIGITS

MAX_FILE_BYTES = 1_000_000
"""The largest file (in bytes) read whole: a person file, a rule-data file, a reform or a scenario."""

_BOM = b"\xef\xbb\xbf"
# A JSON string, a bracket, or a quote that opens no complete string (then the JSON is malformed).
_JSON_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]|"', re.DOTALL)


class _Refused(Exception):
    def __init__(self, problem: str) -> None:
        self.problem = problem


def read_text_file(
    path: str | Path,
    *,
    what: str,
    error: type[PathwaysError] = InputError,
    max_bytes: int = MAX_FILE_BYTES,
    source: str | None = None,
) -> str:
    """The text of a UTF-8 file of at most ``max_bytes`` bytes (a byte-order mark is dropped).

    Args:
        path: the file.
        what: what the file is, for the message (``"person file"``).
        error: the error class to raise.
        max_bytes: the largest size accepted.
        source: the file's name in messages (default: ``path``).

    Raises:
        error: the file cannot be read, is larger than ``max_bytes`` or is not UTF-8.
    """
    name = str(path) if source is None else source
    try:
        with open(path, "rb") as handle:
            content = handle.read(max_bytes + 1)
    except OSError as exc:
        raise error(f"cannot read the {what} ({exc.strerror or type(exc).__name__})", file=name) from None
    if len(content) > max_bytes:
        raise error(f"the {what} is larger than {max_bytes:,} bytes", file=name)
    return decode_text(content, source=name, error=error)


def decode_text(content: bytes, *, source: str, error: type[PathwaysError] = InputError) -> str:
    """UTF-8 bytes as text (a byte-order mark is dropped), or ``error`` naming the first bad line.

    >>> decode_text(b"id: caf\\xe9", source="p.yaml")
    Traceback (most recent call last):
    pathways._errors.InputError: p.yaml:1: the file is not UTF-8 text (byte 0xe9 cannot be read)
    """
    if content.startswith(_BOM):
        content = content[len(_BOM) :]
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = content.count(b"\n", 0, exc.start) + 1
        byte = content[exc.start]
        raise error(
            f"the file is not UTF-8 text (byte {byte:#04x} cannot be read)", file=source, line=line
        ) from None


def load_json_text(text: str, *, source: str, error: type[PathwaysError] = InputError) -> Any:
    """Parse JSON strictly, raising ``error`` with the file (and line) on any problem.

    >>> load_json_text('{"id": "a", "id": "b"}', source="p.json")
    Traceback (most recent call last):
    pathways._errors.InputError: p.json: duplicate key 'id'
    """
    if _json_depth_exceeds(text, MAX_NESTING):
        raise error(f"nested more than {MAX_NESTING} levels deep", file=source)
    try:
        return json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_int=_whole_number,
            parse_constant=_no_constant,
        )
    except _Refused as exc:
        raise error(exc.problem, file=source) from None
    except json.JSONDecodeError as exc:
        raise error(f"malformed JSON: {exc.msg}", file=source, line=exc.lineno) from None
    except RecursionError:  # pragma: no cover - the nesting check comes first
        raise error(f"nested more than {MAX_NESTING} levels deep", file=source) from None


def _json_depth_exceeds(text: str, limit: int) -> bool:
    """Whether arrays and objects nest deeper than ``limit`` (one linear pass; strings skipped)."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for match in _JSON_TOKENS.finditer(text):
        first = text[match.start()]
        if first == '"':
            if match.end() - match.start() == 1:
                return False  # an unterminated string: json.loads reports it
        elif first in "[{":
            depth += 1
            if depth > limit:
                return True
        elif depth:
            depth -= 1
    return False


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Refused(f"duplicate key {excerpt(key)}")
        out[key] = value
    return out


def _whole_number(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _Refused(f"a number with more than {MAX_NUMBER_DIGITS} digits")
    return int(text)


def _no_constant(text: str) -> Any:
    raise _Refused(f"{text} is not a JSON number")
