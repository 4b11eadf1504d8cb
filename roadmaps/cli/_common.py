"""What the ``pathways`` sub-commands share: the parser, argument types, output and the person options."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import NoReturn

from pathways import InputError, excerpt
from roadmaps.rule_ids import DEFAULT_AREA, LEAP_DAY_POLICY

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_WHOLE_NUMBER = re.compile(r"[-+]?[0-9]{1,18}")


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        raise InputError(f"{self.prog}: {message} (see '{self.prog} --help')")


def parse_date(text: str) -> date:
    """An argparse type: a date written YYYY-MM-DD (not 20260101, not 2026-W01-1)."""
    try:
        if _ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"{excerpt(text)} is not a date (expected YYYY-MM-DD)")


def parse_whole_number(text: str) -> int | None:
    """A whole number written in ASCII digits (at most 18, with an optional sign), or None.

    ``int()`` alone would take ``'١٢'`` (Arabic-Indic digits) as 12 and fail on
    ``'²'`` or on a number past Python's digit limit with a traceback.

    >>> parse_whole_number("12"), parse_whole_number("-3"), parse_whole_number("١٢")
    (12, -3, None)
    """
    text = text.strip()
    return int(text) if _WHOLE_NUMBER.fullmatch(text) else None


def integer(text: str) -> int:
    """An argparse type: a whole number (range checks are the command's)."""
    value = parse_whole_number(text)
    if value is None:
        too_long = re.fullmatch(r"[-+]?[0-9]+", text.strip()) is not None
        raise argparse.ArgumentTypeError(f"{excerpt(text)} is {'too large' if too_long else 'not a whole number'}")
    return value


def bounded(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        value = integer(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{excerpt(text)} must be from {low:,} to {high:,}")
        return value

    return parse


def parse_assignment(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"{excerpt(text)} is not KEY=VALUE")
    return key.strip(), value.strip()


def write_output(text: str | bytes, out: str | None) -> None:
    """Write to a file (atomically, so nothing is half-written) or to stdout."""
    if out is None:
        if isinstance(text, bytes):
            sys.stdout.buffer.write(text)
        else:
            sys.stdout.write(text)
        return
    target = Path(out)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        if isinstance(text, bytes):
            tmp.write_bytes(text)
        else:
            tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write the output file ({exc.strerror})", file=out) from None


def split_overrides(pairs: Sequence[tuple[str, str]], pathway: object) -> tuple[dict[str, str], dict[str, object]]:
    """Split ``--set`` pairs into setting overrides and overridable-parameter overrides."""
    from pathways import Parameter  # local import keeps start-up light

    rules = pathway.rules  # type: ignore[attr-defined]
    settings: dict[str, str] = {}
    params: dict[str, object] = {}
    for key, value in pairs:
        if key in rules.settings:
            settings[key] = value
        elif key in rules.parameters:
            base = rules.parameters[key]
            if not base.overridable:
                raise InputError(f"parameter '{key}' is statutory and cannot be set; use a reform", id="--set")
            number = parse_whole_number(value)
            if number is None:
                raise InputError(f"'{key}' needs a whole number (got {excerpt(value)})", id="--set")
            problem = base.out_of_bounds(number)
            if problem is not None:
                raise InputError(f"'{key}' {problem}", id="--set")
            params[key] = Parameter.model_validate(
                {**base.model_dump(exclude={"values"}), "values": {min(base.values): number}}
            )
        else:
            raise InputError(f"{excerpt(key)} is neither a setting nor a parameter", id="--set")
    return settings, params


def add_person_options(p: argparse.ArgumentParser) -> None:
    """The person file and the options every per-person command takes."""
    p.add_argument("person_file", metavar="PERSON_FILE", help="the young person's file (YAML or JSON)")
    p.add_argument("--as-of", type=parse_date, default=None, help="date to draw the roadmap up on (default: today)")
    p.add_argument("--area", default=None,
                   help="england, leicester or peterborough (default: the person file's area, else england)")
    p.add_argument("--leap-day", choices=("mar1", "feb28"), default=None,
                   help="birthday of someone born on 29 February in other years (default: mar1)")
    p.add_argument("--set", dest="overrides", type=parse_assignment, action="append", default=[],
                   metavar="KEY=VALUE", help="a setting or overridable parameter, e.g. pathway-review-months=12")


def load_roadmap_inputs(args: argparse.Namespace) -> tuple[object, object, date, dict[str, str], dict[str, object]]:
    """Person, pathway, as-of date, settings and parameters from the common options."""
    from cohorts import load_pathway, load_person

    person = load_person(args.person_file)
    pathway = load_pathway(args.area or person.area or DEFAULT_AREA)
    as_of = args.as_of or date.today()
    settings, params = split_overrides(args.overrides, pathway)
    if args.leap_day:
        settings[LEAP_DAY_POLICY] = args.leap_day
    return person, pathway, as_of, settings, params


def count(text: str) -> int:
    """An argparse type: a whole number, 0 or more."""
    value = integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{excerpt(text)} must be 0 or more")
    return value


def with_reforms(pathway: object, paths: list[str] | None) -> object:
    """The pathway with the reform files applied in order (unchanged without any)."""
    if not paths:
        return pathway
    from pathways import load_reform, reformed_pathway

    return reformed_pathway(pathway, [load_reform(path) for path in paths])  # type: ignore[arg-type]
