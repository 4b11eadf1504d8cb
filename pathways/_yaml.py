"""Strict YAML reading: duplicate keys are errors and every mapping knows its line.

The document is built here from the parser's events, in one pass with no
recursion, so that a hostile file is refused early and cheaply
(docs/hardening.md):

* **No silent conversions** (the YAML 1.2 core schema, without its octal and
  hexadecimal integers): ``true``/``false`` are the only booleans (``yes``,
  ``no``, ``on`` and ``off`` stay text), integers are decimal (``012345`` is
  12345 and ``0x1F`` stays text), ``12:30`` is text (YAML 1.1 read it as 750),
  and timestamps are not resolved: dates stay strings until the pydantic models
  parse them, so an impossible date such as 2009-02-30 is reported as a field
  error rather than a YAML crash.
* **Ids are text.** The value of an ``id`` key is kept as written when it looks
  like a number: ``id: 012345`` is ``'012345'``.
* **Budgets.** At most :data:`MAX_YAML_VALUES` values once every alias is
  expanded (an "alias bomb" of nested anchors is refused before it grows), at
  most :data:`MAX_NESTING` levels of nesting, and no alias that refers to a
  node containing it.
* **No tags** other than ``!!str``, ``!!seq`` and ``!!map`` (``!!binary``,
  ``!!set``, ``!!python/...`` are refused), keys are text (a list or a mapping
  is not a key), and merge keys (``<<``) have no special meaning.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from ._errors import PathwaysError, RuleDataError, excerpt, printable

# Only the loaders' parsers are used (their events), not their constructors.
try:  # the C parser is much faster; fall back to pure Python where it is absent
    _Parser: type[Any] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Parser = yaml.SafeLoader

MAX_YAML_VALUES = 100_000
"""The most values (scalars, lists and mappings) a YAML document may hold, aliases expanded."""
MAX_NESTING = 64
"""The deepest nesting of lists and mappings accepted in a YAML or JSON document."""
MAX_NUMBER_DIGITS = 100
"""The most digits of a whole number (a longer one is refused, not converted)."""

_TEXT_KEYS = frozenset({"id"})
_PROBLEM_CHARS = 120


class LineDict(dict[str, Any]):
    """A mapping read from YAML that remembers the line of itself and of each key."""

    line: int
    key_lines: dict[str, int]


class LineList(list[Any]):
    """A sequence read from YAML that remembers the line of each item."""

    line: int
    item_lines: list[int]


class _Refused(Exception):
    """A document this loader refuses, with the 1-based line where it was found."""

    def __init__(self, problem: str, line: int | None) -> None:
        self.problem, self.line = problem, line


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INT = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_SPECIAL_FLOATS = {
    ".inf": float("inf"), ".Inf": float("inf"), ".INF": float("inf"),
    "+.inf": float("inf"), "+.Inf": float("inf"), "+.INF": float("inf"),
    "-.inf": float("-inf"), "-.Inf": float("-inf"), "-.INF": float("-inf"),
    ".nan": float("nan"), ".NaN": float("nan"), ".NAN": float("nan"),
}  # fmt: skip
_STR_TAGS = frozenset({"!", "tag:yaml.org,2002:str"})
_SEQ_TAGS = frozenset({None, "!", "tag:yaml.org,2002:seq"})
_MAP_TAGS = frozenset({None, "!", "tag:yaml.org,2002:map"})
_NO_KEY = object()
_OPEN_BRACKETS = re.compile(r"[\[{]")
_BRACKETS = re.compile(r"[\[\]{}]")


def load_yaml_text(
    text: str,
    *,
    source: str,
    error: type[PathwaysError] = RuleDataError,
    max_values: int = MAX_YAML_VALUES,
) -> Any:
    """Parse one YAML document strictly, raising ``error`` with the file and line on any problem.

    Mappings come back as :class:`LineDict` and lists as :class:`LineList`. An
    alias is the same object as its anchor (it is not copied), but counts
    towards ``max_values`` as every value it stands for.

    >>> data = load_yaml_text("id: 012345\\nwhen: 12:30\\nok: yes\\nn: 0x1F", source="example")
    >>> data
    {'id': '012345', 'when': '12:30', 'ok': 'yes', 'n': '0x1F'}
    >>> load_yaml_text("a: &a [x, x]\\nb: [*a, *a]", source="f", max_values=8)
    Traceback (most recent call last):
    pathways._errors.RuleDataError: f:2: the aliases expand to more than 8 values
    """
    try:
        if flow_depth_exceeds(text, MAX_NESTING):
            # Checked before parsing: libyaml takes quadratic time over deep flow nesting.
            raise _Refused(f"nested more than {MAX_NESTING} levels deep", None)
        return _Builder(text, max_values).document()
    except _Refused as exc:
        raise error(exc.problem, file=source, line=exc.line) from None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise error(f"malformed YAML: {_problem(exc.problem or '')}", file=source, line=line) from None
    except yaml.YAMLError as exc:
        raise error(f"malformed YAML: {_problem(str(exc))}", file=source) from None
    except UnicodeEncodeError:  # a lone surrogate: the C parser reads UTF-8
        raise error("the text is not valid Unicode", file=source) from None


def _problem(text: str) -> str:
    """The parser's description of a problem, on one short line."""
    text = printable(" ".join(text.split()))
    return text if len(text) <= _PROBLEM_CHARS else text[: _PROBLEM_CHARS - 1] + "…"


def flow_depth_exceeds(text: str, limit: int) -> bool:
    """Whether ``[``/``{`` brackets nest deeper than ``limit`` (counting brackets in quotes too)."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for match in _BRACKETS.finditer(text):
        if _OPEN_BRACKETS.match(match.group()):
            depth += 1
            if depth > limit:
                return True
        elif depth:
            depth -= 1
    return False


class _Frame:
    """A list or mapping being built: its value, anchor, expanded size and pending key."""

    __slots__ = ("anchor", "key", "key_line", "size", "value")

    def __init__(self, value: LineDict | LineList, anchor: str | None) -> None:
        self.value = value
        self.anchor = anchor
        self.size = 1
        self.key: Any = _NO_KEY
        self.key_line = 0


class _Builder:
    """Builds the document from the parser's events with an explicit stack."""

    def __init__(self, text: str, max_values: int) -> None:
        self.parser = _Parser(text)
        self.max_values = max_values
        self.total = 0
        self.stack: list[_Frame] = []
        # anchor -> (value, expanded size); None while the anchored node is being built
        self.anchors: dict[str, tuple[Any, int] | None] = {}

    def document(self) -> Any:
        parser = self.parser
        try:
            parser.get_event()  # StreamStartEvent
            if parser.check_event(yaml.StreamEndEvent):
                return None
            parser.get_event()  # DocumentStartEvent
            value = self._root()
            parser.get_event()  # DocumentEndEvent
            if not parser.check_event(yaml.StreamEndEvent):
                line = parser.peek_event().start_mark.line + 1
                raise _Refused("expected a single document, found a second one", line)
            return value
        finally:
            dispose = getattr(parser, "dispose", None)
            if dispose is not None:
                dispose()

    def _count(self, size: int, line: int) -> None:
        self.total += size
        if self.total > self.max_values:
            what = "the aliases expand to" if size > 1 else "the document holds"
            raise _Refused(f"{what} more than {self.max_values} values", line)

    def _root(self) -> Any:
        parser, stack = self.parser, self.stack
        while True:
            event = parser.get_event()
            line = event.start_mark.line + 1
            if isinstance(event, yaml.ScalarEvent):
                self._count(1, line)
                done = self._emit(self._scalar(event, line), 1, line, event)
            elif isinstance(event, yaml.AliasEvent):
                value, size = self._alias(event.anchor, line)
                self._count(size, line)
                done = self._emit(value, size, line, None)
            elif isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                self._count(1, line)
                self._open(event, line)
                continue
            else:  # SequenceEndEvent or MappingEndEvent
                frame = stack.pop()
                if frame.anchor is not None:
                    self.anchors[frame.anchor] = (frame.value, frame.size)
                done = self._emit(frame.value, frame.size, frame.value.line, None)
            if done:
                return done[0]

    def _open(self, event: Any, line: int) -> None:
        if len(self.stack) >= MAX_NESTING:
            raise _Refused(f"nested more than {MAX_NESTING} levels deep", line)
        if isinstance(event, yaml.SequenceStartEvent):
            if event.tag not in _SEQ_TAGS:
                raise _Refused(f"the YAML tag {excerpt(event.tag)} is not accepted", line)
            items = LineList()
            items.item_lines = []
            value: LineDict | LineList = items
        else:
            if event.tag not in _MAP_TAGS:
                raise _Refused(f"the YAML tag {excerpt(event.tag)} is not accepted", line)
            mapping = LineDict()
            mapping.key_lines = {}
            value = mapping
        value.line = line
        if event.anchor is not None:
            self.anchors[event.anchor] = None
        self.stack.append(_Frame(value, event.anchor))

    def _alias(self, anchor: str | None, line: int) -> tuple[Any, int]:
        if anchor is None or anchor not in self.anchors:
            raise _Refused(f"unknown alias {excerpt(anchor)}", line)
        found = self.anchors[anchor]
        if found is None:
            raise _Refused(f"the alias {excerpt(anchor)} refers to a node that contains it", line)
        return found

    def _scalar(self, event: Any, line: int) -> Any:
        tag, text = event.tag, event.value
        if tag is not None and tag not in _STR_TAGS:
            raise _Refused(f"the YAML tag {excerpt(tag)} is not accepted", line)
        if tag is None and event.implicit[0]:  # a plain scalar: resolve it
            parent = self.stack[-1] if self.stack else None
            as_written = parent is not None and parent.key in _TEXT_KEYS
            if as_written and text not in _NULLS and text not in _BOOLS:
                value: Any = text  # an id that looks like a number is kept as written
            else:
                value = _resolve(text, line)
        else:
            value = text
        if event.anchor is not None:
            self.anchors[event.anchor] = (value, 1)
        return value

    def _emit(self, value: Any, size: int, line: int, scalar: Any) -> tuple[Any] | None:
        """Put a finished value into its parent; ``(value,)`` when it is the whole document."""
        if not self.stack:
            return (value,)
        parent = self.stack[-1]
        parent.size += size
        container = parent.value
        if isinstance(container, LineList):
            container.append(value)
            container.item_lines.append(line)
            return None
        assert isinstance(container, LineDict)
        if parent.key is _NO_KEY:
            parent.key, parent.key_line = _key_text(value, scalar, line), line
            if parent.key in container:
                raise _Refused(f"duplicate key {excerpt(parent.key)}", line)
            return None
        key = parent.key
        container[key] = value
        container.key_lines[key] = parent.key_line
        parent.key = _NO_KEY
        return None


def _key_text(value: Any, scalar: Any, line: int) -> str:
    """A mapping key as text: a scalar key as written (``012`` stays ``012``)."""
    if scalar is not None:
        return str(scalar.value)
    if isinstance(value, str):  # an alias of a text scalar
        return value
    if isinstance(value, (LineDict, LineList)):
        raise _Refused("a key must be text, not a list or a mapping", line)
    return str(value)


def _resolve(text: str, line: int) -> Any:
    """The value of a plain scalar under the YAML 1.2 core schema (decimal integers only)."""
    if not text or text[0] not in "0123456789-+.tTfFnN~":
        return text or None
    if text in _NULLS:
        return None
    if text in _BOOLS:
        return _BOOLS[text]
    if _INT.fullmatch(text):
        if len(text.lstrip("+-")) > MAX_NUMBER_DIGITS:
            raise _Refused(f"a number with more than {MAX_NUMBER_DIGITS} digits", line)
        return int(text)
    if _FLOAT.fullmatch(text):
        return float(text)
    return _SPECIAL_FLOATS.get(text, text)


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
