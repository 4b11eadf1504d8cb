"""The one error tree of the library.

Every problem that a user can cause (bad rule data, a bad person file, an
invalid graph) is raised as a subclass of :class:`PathwaysError`. The command
line catches only this tree: it prints ``error: <message>`` on one line and
exits with code 2. Anything else is a bug and keeps its traceback.

    PathwaysError
    ├── RuleDataError      a rule-data file is malformed, uncited or inconsistent
    ├── InputError         a person file, CSV row or argument is unusable
    │   └── DateOutOfRangeError  a date rule runs past 9999-12-31 (pathways._dates)
    └── GraphError         the pathway graph is structurally invalid (cycles, dangling ids)

A message quotes a user's value only as a short :func:`excerpt`, and
:meth:`PathwaysError.one_line` keeps the whole line short and printable, so an
error never repeats a large or hostile input (docs/hardening.md).
"""

from __future__ import annotations

import reprlib

EXCERPT_CHARS = 60
"""The most characters of a user's value that a message quotes."""
LINE_CHARS = 290
"""The longest :meth:`PathwaysError.one_line` (a message is cut to fit, keeping at least 100 characters)."""
_MIN_MESSAGE_CHARS = 100


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    r"""A short, printable quotation of a value for an error message.

    Text longer than ``limit`` characters is cut with ``…``; control, format and
    other unprintable characters are escaped, so a message cannot carry terminal
    escapes or a huge input. Other values are quoted by a bounded ``repr``.

    >>> print(excerpt("party"), excerpt("a\x1b[31mred"), excerpt(["x"] * 100))
    'party' 'a\x1b[31mred' ['x', 'x', 'x', 'x', 'x', 'x', ...]
    >>> len(excerpt("x" * 1000))
    63
    """
    if not isinstance(value, str):
        text = printable(_REPR.repr(value))
        return text if len(text) <= limit else text[: limit - 1] + "…"
    quoted = printable(value[: limit + 1])
    if len(value) > limit or len(quoted) > limit:
        quoted = quoted[:limit] + "…"
    return f"'{quoted}'"


def printable(text: str) -> str:
    r"""``text`` with every unprintable character written as a Python escape.

    >>> print(printable("tab\there"))
    tab\there
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _bounded_repr() -> reprlib.Repr:
    bounded = reprlib.Repr()
    bounded.maxlevel, bounded.maxlist, bounded.maxtuple, bounded.maxdict = 3, 6, 6, 4
    bounded.maxstring = bounded.maxother = bounded.maxlong = EXCERPT_CHARS
    return bounded


_REPR = _bounded_repr()


class PathwaysError(Exception):
    """Base class for every error a user can fix.

    Args:
        message: what is wrong and what was expected, in plain English.
        file: the file (or CSV) concerned, when there is one.
        line: the 1-based line or row number, when known.
        id: the rule, node or field id concerned, when there is one.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        id: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.id = id
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """Render ``file:line: id: message`` on a single line of printable characters.

        The line is at most :data:`LINE_CHARS` characters unless the file name
        itself is very long (the message then keeps 100 characters).
        """
        where = ""
        if self.file:
            where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [p for p in (printable(where), excerpt(self.id) if self.id else "") if p]
        prefix = f"{': '.join(parts)}: " if parts else ""
        text = printable(" ".join(self.message.split()))
        room = max(_MIN_MESSAGE_CHARS, LINE_CHARS - len(prefix))
        if len(text) > room:  # a safety net: messages quote values as short excerpts already
            text = text[: room - 1] + "…"
        return prefix + text


class RuleDataError(PathwaysError):
    """Rule data is malformed: unknown or duplicate keys, bad values, missing citations."""


class InputError(PathwaysError):
    """A young person's record, a population CSV or a command-line argument is unusable."""


class GraphError(PathwaysError):
    """The pathway graph is invalid: a dangling reference or a forbidden cycle."""
