"""Strict YAML reading: duplicate keys are errors and every mapping knows its line.

Timestamps are *not* resolved by YAML: dates stay strings until the pydantic
models parse them, so an impossible date such as 2009-02-30 is reported as a
field error rather than a YAML crash.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from ._errors import PathwaysError, RuleDataError

try:  # the C parser is much faster; fall back to pure Python where it is absent
    _BaseLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseLoader = yaml.SafeLoader


class LineDict(dict[str, Any]):
    """A mapping read from YAML that remembers the line of itself and of each key."""

    line: int
    key_lines: dict[str, int]


class LineList(list[Any]):
    """A sequence read from YAML that remembers the line of each item."""

    line: int
    item_lines: list[int]


class _DuplicateKey(Exception):
    def __init__(self, key: str, line: int) -> None:
        self.key, self.line = key, line


class _StrictLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    pass


# Keep dates as strings: drop the implicit timestamp resolver.
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        key = key if isinstance(key, str) else str(key)
        if key in out:
            raise _DuplicateKey(key, key_node.start_mark.line + 1)
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _construct_sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> LineList:
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def load_yaml_text(
    text: str, *, source: str, error: type[PathwaysError] = RuleDataError
) -> Any:
    """Parse YAML strictly, raising ``error`` with the file and line on any problem."""
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except _DuplicateKey as exc:
        raise error(f"duplicate key '{exc.key}'", file=source, line=exc.line) from None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise error(f"malformed YAML: {exc.problem}", file=source, line=line) from None
    except yaml.YAMLError as exc:
        raise error(f"malformed YAML: {exc}", file=source) from None


def line_of(data: Any, loc: tuple[int | str, ...]) -> int | None:
    """The line of the deepest element of ``loc`` that YAML recorded, if any."""
    line = getattr(data, "line", None)
    node = data
    for part in loc:
        if isinstance(node, LineDict) and isinstance(part, str) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
        line = getattr(node, "line", line) if isinstance(node, LineDict) else line
    return line


def looks_like_date(value: Any) -> bool:
    """True for a YYYY-MM-DD string (YAML leaves dates as strings here)."""
    return isinstance(value, str) and bool(_ISO_DATE.match(value))
