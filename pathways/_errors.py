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
"""

from __future__ import annotations


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
        """Render ``file:line: id: message`` on a single line."""
        where = ""
        if self.file:
            where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [p for p in (where, f"'{self.id}'" if self.id else "") if p]
        text = " ".join(self.message.split())
        return f"{': '.join(parts)}: {text}" if parts else text


class RuleDataError(PathwaysError):
    """Rule data is malformed: unknown or duplicate keys, bad values, missing citations."""


class InputError(PathwaysError):
    """A young person's record, a population CSV or a command-line argument is unusable."""


class GraphError(PathwaysError):
    """The pathway graph is invalid: a dangling reference or a forbidden cycle."""
