"""Hostile and unlucky inputs, and a runner that checks the bad-input rule (docs/hardening.md).

Used by ``tests/test_fuzz_inputs.py`` (a fixed small budget, in CI) and by
``benchmarks/fuzz_inputs.py`` (a long run that prints figures). Each case runs
the real command in-process (``roadmaps.cli.main``), so a traceback anywhere
from reading the bytes to printing the roadmap fails it. The rule checked:

* the command returns 0 (success) or 2 (a user error), and raises nothing else;
* on 2, stderr is one line, ``error: …``, of at most :data:`MAX_ERROR_CHARS` characters;
* the run takes at most :data:`MAX_SECONDS` seconds.
"""

from __future__ import annotations

import contextlib
import io
import json
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from cohorts import person_to_mapping
from cohorts.testing import people
from roadmaps.cli import main

MAX_ERROR_CHARS = 300
MAX_SECONDS = 5.0
AS_OF = "2026-01-01"

PERSON_FIELDS = (
    "id", "date_of_birth", "ehcp", "care_episodes", "care_needs_likely", "continuing_care",
    "events", "primary_need", "year_group_offset", "services", "leaving_care", "area",
    "recorded_events",
)  # fmt: skip
EVENT_TYPES = ("ehcp-annual-review", "transition-assessment", "pathway-plan", "party")
SETTINGS = ("school", "further-education", "apprenticeship", "none", "college")

# Scalars as a YAML author might type them, including the ones YAML 1.1 read as something else.
RAW_SCALARS = (
    "012345", "0x1F", "0o17", "0b101", "12:30", "1_000", "yes", "no", "on", "off", "y", "n", "~",
    "null", "true", "False", ".inf", "-.inf", ".nan", "1e400", "1e5", "-0", "+3", "\u0661\u0662", "²", "\uff13",
    "2009-01-01", "2009-02-30", "20090101", "2009-01-01T00:00:00", "1230768000", "2009-1-1",
    "'2009-01-01'", '"\\u0000"', '"\\ud800"', "!!binary aGk=", "!!set {a: 1}", "!!python/none ''",
    "!!int 0x10", "!!float 12:30", "*undefined", "&a x", "<<", "=", "[1, 2", "{a: [}", "'unterminated",
    "9" * 120, "9" * 5000, "-" + "9" * 4301, "x" * 300, "\t", "a: b", "- x", "? x", "@x", "`x", "%x",
)  # fmt: skip

_unicode = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)
_short_text = st.one_of(
    _unicode,
    st.sampled_from([text for text in RAW_SCALARS if len(text) < 100]),
    st.text(alphabet="\x00\x07\x1b\r\n\t\u202e\u2028\ufeff\x85 \"'\\{}[]:#&*!|>%@,-?", max_size=20),
)
_hostile_text = _short_text | st.sampled_from(RAW_SCALARS) | st.integers(1, 200_000).map(lambda n: "x" * n)
_some_dates = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(["2009-02-29", "2008-02-29", "0000-01-01", "9999-12-31", "2009-13-01", "1900-01-01"]),
)
_dates = _some_dates | _hostile_text
_short_dates = _some_dates | _short_text
_numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**200), max_value=10**200),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
)
_leaf = st.one_of(st.none(), _hostile_text, _numbers, _dates)
_junk = st.recursive(_leaf, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_unicode, inner, max_size=4), max_leaves=12)


def _event(text: st.SearchStrategy[str], dates: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"type": text, "date": dates},
        optional={"extra": text},
    )


def _episode(text: st.SearchStrategy[str], dates: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"start": dates},
        optional={
            "end": st.none() | dates,
            "legal_status": st.sampled_from(["C2", "v3", "ZZ"]) | text,
            "placement": st.sampled_from(["foster", "U4", "nowhere"]) | text,
            "reason_ended": st.sampled_from(["E11", "adopted"]) | text,
        },
    )


def _long_list(
    kind: Any,
) -> st.SearchStrategy[list[Any]]:
    """Usually a few items with any values; sometimes thousands of one short item (fast to make)."""
    return st.one_of(
        st.lists(kind(_hostile_text, _dates), max_size=5),
        st.tuples(kind(_short_text, _short_dates), st.integers(900, 12_000)).map(lambda pair: [pair[0]] * pair[1]),
    )


def person_mappings() -> st.SearchStrategy[dict[str, Any]]:
    """A person record: mostly plausible (so the roadmap generator runs), with hostile values mixed in."""
    valid_dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 1, 1)).map(date.isoformat)
    dates = st.one_of(valid_dates, valid_dates, valid_dates, _dates)

    def event(text: st.SearchStrategy[str], any_dates: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
        return _event(st.sampled_from(EVENT_TYPES) | text, dates | any_dates)

    def episode(text: st.SearchStrategy[str], any_dates: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
        return _episode(text, dates | any_dates)

    return st.fixed_dictionaries(
        {
            "id": st.sampled_from(["yp-1", "012345"]) | _hostile_text | _numbers,
            "date_of_birth": st.sampled_from(["2009-01-10", "2012-02-29", "2008-08-31"]) | dates | _numbers,
        },
        optional={
            "ehcp": st.fixed_dictionaries(
                {"issued": dates, "setting": st.sampled_from(SETTINGS) | _hostile_text},
                optional={"setting_end": dates},
            )
            | _junk,
            "care_episodes": _long_list(episode) | _junk,
            "care_needs_likely": st.booleans() | _numbers | _hostile_text,
            "continuing_care": st.booleans() | _numbers | _hostile_text,
            "events": _long_list(event) | _junk,
            "primary_need": st.sampled_from(["ASD", "SLD"]) | _hostile_text,
            "year_group_offset": st.integers(-3, 3) | _numbers | _hostile_text,
            "services": st.lists(st.fixed_dictionaries({"service": st.sampled_from(["camhs", "x"]) | _hostile_text})),
            "leaving_care": st.dictionaries(st.sampled_from(["adviser_requested_on", "other"]), dates),
            "area": st.sampled_from(["leicester", "peterborough", "wales"]) | _hostile_text,
            "recorded_events": st.just("all") | st.lists(st.sampled_from(EVENT_TYPES) | _hostile_text, max_size=4),
            "junk": _junk,
        },
    ) | st.dictionaries(st.sampled_from(PERSON_FIELDS) | _unicode, _junk, max_size=5)


@st.composite
def plausible_person_mappings(draw: st.DrawFn) -> dict[str, Any]:
    """A valid person record (``cohorts.testing.people``), with one field or item made hostile."""
    data = person_to_mapping(draw(people()))
    target: Any = data
    key: Any = draw(st.sampled_from(PERSON_FIELDS))
    nested = [k for k in ("events", "care_episodes", "ehcp") if data.get(k)]
    if nested and draw(st.booleans()):
        section = data[draw(st.sampled_from(nested))]
        target = section if isinstance(section, dict) else draw(st.sampled_from(section))
        key = draw(st.sampled_from(sorted(target)))
    if draw(st.integers(0, 4)):  # most of the time; else the record stays valid
        target[key] = draw(_leaf)
    return data


def _to_yaml(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, width=10_000, sort_keys=False)


def _raw_yaml(pairs: list[tuple[str, str]]) -> str:
    """YAML written by hand: each value exactly as typed, unquoted (duplicates allowed)."""
    return "".join(f"{key}: {value}\n" for key, value in pairs)


def _raw_json(pairs: list[tuple[str, str]]) -> str:
    body = ", ".join(f"{json.dumps(key)}: {value}" for key, value in pairs)
    return "{" + body + "}"


_raw_values = st.one_of(
    st.sampled_from(RAW_SCALARS),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", '"\\ud800"', "[" * 70 + "]" * 70, "0" * 3]),
)
_raw_pairs = st.lists(
    st.tuples(st.sampled_from(PERSON_FIELDS) | _unicode, _raw_values | st.just('"2009-01-01"')),
    max_size=8,
).map(lambda pairs: [("id", "'yp-1'"), ("date_of_birth", "2009-01-10"), *pairs])


def _alias_bomb(depth: int, width: int) -> str:
    lines = ["a0: &a0 [x]"]
    for level in range(1, depth + 1):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * width)}]")
    lines.append(f"id: *a{depth}")
    return "\n".join(lines) + "\ndate_of_birth: 2009-01-10\n"


_attacks = st.one_of(
    st.builds(_alias_bomb, st.integers(1, 30), st.integers(1, 12)),
    st.just("a: &a [*a]\n"),
    st.integers(1, 300_000).map(lambda n: "x: " + "[" * n + "]" * n + "\n"),
    st.integers(1, 300_000).map(lambda n: "x: " + "{a: " * n + "1" + "}" * n + "\n"),
    st.integers(1, 100_000).map(lambda n: "- " * n + "x\n"),
    st.integers(1, 2_000).map(lambda n: "".join(" " * i + f"k{i}:\n" for i in range(n)) + " " * n + "v\n"),
    st.integers(1, 2_000_000).map(lambda n: "id: " + "9" * n + "\n"),
    st.integers(1, 1_500_000).map(lambda n: "id: '" + "y" * n + "'\ndate_of_birth: 2009-01-10\n"),
    st.integers(1, 60_000).map(
        lambda n: "id: a\ndate_of_birth: 2009-01-10\nevents:\n"
        + "  - {type: ehcp-annual-review, date: 2020-01-01}\n" * n
    ),
    st.sampled_from(["---\nid: a\n---\nid: b\n", "%YAML 1.1\n---\nid: a\n", "? [a]\n: b\n", "!!map {id: a}\n"]),
)


def _mutate(content: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """Overwrite, insert or delete a few bytes (positions wrap around the content)."""
    data = bytearray(content)
    for position, kind, chunk in edits:
        at = position % (len(data) + 1)
        if kind == 0:
            data[at : at + len(chunk)] = chunk
        elif kind == 1:
            data[at:at] = chunk
        else:
            del data[at : at + len(chunk) + 1]
    return bytes(data)


_edits = st.lists(st.tuples(st.integers(0, 10**7), st.integers(0, 2), st.binary(min_size=1, max_size=6)), max_size=4)
_encodings = st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "latin-1", "utf-16", "cp1252"])


def _encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="surrogatepass" if encoding.startswith("utf-8") else "replace")


def person_files() -> st.SearchStrategy[tuple[str, bytes]]:
    """(suffix, content) of a person file: structured, hand-typed, attacks, mutated or random bytes."""
    records = _weighted((1, person_mappings()), (2, plausible_person_mappings()))
    structured = st.tuples(records, st.booleans()).map(
        lambda pair: (".json", json.dumps(pair[0], ensure_ascii=False).encode("utf-8", "surrogatepass"))
        if pair[1]
        else (".yaml", _to_yaml(pair[0]).encode("utf-8", "surrogatepass"))
    )
    typed = st.one_of(
        _raw_pairs.map(lambda pairs: (".yaml", _raw_yaml(pairs))),
        _raw_pairs.map(lambda pairs: (".json", _raw_json(pairs))),
        _attacks.map(lambda text: (".yaml", text)),
        st.integers(1, 300_000).map(lambda n: (".json", '{"a": ' + "[" * n + "]" * n + "}")),
        st.integers(1, 100_000).map(lambda n: (".json", '{"id": ' + "9" * n + "}")),
    )
    encoded = st.tuples(typed, _encodings).map(lambda pair: (pair[0][0], _encode(pair[0][1], pair[1])))
    base = st.one_of(structured, encoded)
    mutated = st.tuples(base, _edits).map(lambda pair: (pair[0][0], _mutate(pair[0][1], pair[1])))
    random_bytes = st.tuples(st.sampled_from([".yaml", ".json", ".yml"]), st.binary(max_size=3_000))
    return _weighted((4, structured), (3, encoded), (2, mutated), (1, random_bytes))


# --- population CSVs ----------------------------------------------------------------------

PEOPLE_COLUMNS = (
    "id", "date_of_birth", "ehcp_issued", "ehcp_setting", "ehcp_setting_end",
    "care_needs_likely", "continuing_care",
)  # fmt: skip
_short_cells = st.one_of(
    st.sampled_from(["yp-1", "yp-2", "yp-3", "", "2009-01-10", "2016-05-01", "school", "yes", "no", "1", "0"]),
    st.sampled_from(["\u0661\u0662", "²", "0x1F", "-1", "1.5", "leicester", "wales", "LEICESTER "]),
    _short_dates,
    st.text(alphabet="\x00\r\n\",' ;\t\ufeff", max_size=6),
)
_cells = _short_cells | st.just("9" * 5000) | st.integers(1, 200_000).map(lambda n: "z" * n)


def _csv_text(header: list[str], rows: list[list[str]], newline: str, quote_all: bool) -> str:
    def cell(text: str) -> str:
        if quote_all or any(c in text for c in ',"\r\n'):
            return '"' + text.replace('"', '""') + '"'
        return text

    return "".join(",".join(cell(c) for c in line) + newline for line in [header, *rows])


def _plausible_cell(column: str, other: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A cell that usually fits its column (so rows get through to the roadmap generator)."""
    dates = st.dates(min_value=date(1995, 1, 1), max_value=date(2027, 1, 1)).map(date.isoformat)
    by_column: dict[str, st.SearchStrategy[str]] = {
        "id": st.sampled_from(["yp-1", "yp-2", "yp-3", "yp-4"]),
        "date_of_birth": dates,
        "ehcp_issued": st.just("") | dates,
        "ehcp_setting": st.sampled_from(["", "school", "further-education", "none"]),
        "ehcp_setting_end": st.just("") | dates,
        "care_needs_likely": st.sampled_from(["", "yes", "no", "TRUE", "0"]),
        "continuing_care": st.sampled_from(["", "y", "n"]),
        "area": st.sampled_from(["", "leicester", "peterborough", "Leicester ", "wales"]),
        "year_group_offset": st.sampled_from(["", "0", "-1", "1"]),
        "start": dates,
        "end": st.just("") | dates,
        "type": st.sampled_from(EVENT_TYPES),
        "date": dates,
    }
    plausible = by_column.get(column, _short_cells)
    return st.one_of(plausible, plausible, plausible, plausible, other)


def _rows(header: list[str]) -> st.SearchStrategy[list[list[str]]]:
    row = st.tuples(*(_plausible_cell(column, _cells) for column in header)).map(list)
    short_row = st.tuples(*(_plausible_cell(column, _short_cells) for column in header)).map(list)
    misfit = st.lists(_cells, max_size=len(header) + 2)
    many = st.tuples(short_row, st.integers(1, 12_000)).map(lambda pair: [pair[0]] * pair[1])
    return st.one_of(st.lists(row, max_size=8), st.lists(row | misfit, max_size=8), many)


def _csv_file(columns: tuple[str, ...], extra: tuple[str, ...] = ()) -> st.SearchStrategy[bytes]:
    header = _weighted(
        (4, st.just(list(columns))),
        (2, st.permutations([*columns, *extra]).map(list)),
        (1, st.lists(st.sampled_from([*columns, *extra, "ID", "", "id"]), max_size=10)),
    )
    lines = header.flatmap(lambda names: st.tuples(st.just(names), _rows(names)))
    text = st.builds(
        lambda pair, newline, quote_all: _csv_text(pair[0], pair[1], newline, quote_all),
        lines,
        st.sampled_from(["\n", "\r\n", "\r"]),
        st.booleans(),
    )
    encodings = st.sampled_from(["utf-8"] * 10 + ["utf-8-sig", "latin-1", "utf-16"])
    encoded = st.tuples(text, encodings).map(lambda pair: _encode(pair[0], pair[1]))
    mutated = st.tuples(encoded, _edits).map(lambda pair: _mutate(pair[0], pair[1]))
    rare = st.one_of(mutated, st.binary(max_size=2_000), st.just(b""))
    return _weighted((7, encoded), (3, rare))


def _weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """One of the strategies, picked in proportion to its weight (``one_of`` picks evenly)."""
    table = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.integers(0, len(table) - 1).flatmap(lambda index: table[index])


def population_files() -> st.SearchStrategy[tuple[bytes, bytes | None, bytes | None]]:
    """(people.csv, episodes.csv or None, events.csv or None) contents."""
    return st.tuples(
        _csv_file(PEOPLE_COLUMNS, ("area", "year_group_offset", "primary_need", "notes")),
        st.none() | _csv_file(("id", "start", "end")),
        st.none() | _csv_file(("id", "type", "date")),
    )


# --- running a case -------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What one run of the command gave: its exit code, stderr's first line and its time."""

    code: int
    error: str
    seconds: float


def run_command(argv: list[str], folder: Path) -> Outcome:
    """Run ``pathways ARGV`` in-process in ``folder`` (short relative paths) and check the rule.

    Raises:
        AssertionError: the bad-input rule is broken (the message says how).
        Exception: anything the command raised (a traceback: a bug).
    """
    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    with contextlib.chdir(folder), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    seconds = time.perf_counter() - started
    lines = err.getvalue().splitlines()
    error = lines[0] if lines else ""
    assert code in (0, 2), f"exit code {code}"
    if code == 2:
        assert len(lines) == 1, f"{len(lines)} lines on stderr: {lines[:3]!r}"
        assert error.startswith("error: "), error[:200]
        assert len(error) <= MAX_ERROR_CHARS, f"error line of {len(error)} characters: {error[:200]!r}"
        assert error.isprintable(), repr(error[:200])
    assert seconds <= MAX_SECONDS, f"took {seconds:.1f} s"
    return Outcome(code, error, seconds)


def run_person_file(suffix: str, content: bytes, folder: Path) -> Outcome:
    """``pathways roadmap`` on this content."""
    name = f"person{suffix}"
    (folder / name).write_bytes(content)
    return run_command(["roadmap", name, "--as-of", AS_OF], folder)


def run_population(files: tuple[bytes, bytes | None, bytes | None], folder: Path) -> Outcome:
    """``pathways population`` on these CSV contents, with one worker."""
    people, episodes, events = files
    (folder / "people.csv").write_bytes(people)
    argv = ["population", "people.csv", "--as-of", AS_OF, "--workers", "1", "--out", "out"]
    if episodes is not None:
        (folder / "episodes.csv").write_bytes(episodes)
        argv += ["--episodes", "episodes.csv"]
    if events is not None:
        (folder / "events.csv").write_bytes(events)
        argv += ["--events", "events.csv"]
    return run_command(argv, folder)
