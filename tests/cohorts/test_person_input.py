"""Person files under hostile and unlucky input (issue 13): text ids, strict dates, caps, short errors."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest

from cohorts import (
    MAX_CARE_EPISODES,
    MAX_EVENTS,
    MAX_PERSON_FILE_BYTES,
    MAX_TEXT_CHARS,
    check_person,
    load_pathway,
    load_person,
    person_from_mapping,
    person_from_text,
)
from pathways import InputError

DOB = "date_of_birth: 2009-01-10\n"


def _person(text: str, suffix: str = ".yaml") -> object:
    return person_from_text(text, source=f"p{suffix}", suffix=suffix)


def _error(text: str | bytes, suffix: str = ".yaml") -> str:
    started = time.perf_counter()
    with pytest.raises(InputError) as caught:
        person_from_text(text, source=f"p{suffix}", suffix=suffix)
    assert time.perf_counter() - started < 3
    line = caught.value.one_line()
    assert len(line) <= 300 and line.isprintable(), line[:300]
    return line


# --- 3. ids are text, and nothing is read as something else -----------------------------------


@pytest.mark.parametrize(
    ("written", "read"), [("012345", "012345"), ("12:30", "12:30"), ("0x1F", "0x1F"), ("yes", "yes"), ("1.50", "1.50")]
)
def test_a_yaml_id_is_read_as_written(written: str, read: str) -> None:
    assert _person(f"id: {written}\n{DOB}").id == read  # type: ignore[attr-defined]


def test_a_json_id_may_be_a_whole_number() -> None:
    assert _person('{"id": 12345, "date_of_birth": "2009-01-10"}', ".json").id == "12345"  # type: ignore[attr-defined]


@pytest.mark.parametrize("value", ["true", "false", "null"])
def test_true_false_and_null_are_not_ids(value: str) -> None:
    assert "field 'id' Input should be a valid string" in _error(f"id: {value}\n{DOB}")


@pytest.mark.parametrize("value", ["1230768000", "'1230768000'", "2009-01-10T00:00:00", "20090110", "true", "1e9"])
def test_a_date_must_be_written_yyyy_mm_dd(value: str) -> None:
    # pydantic alone reads 1230768000 as 2009-01-01 (a Unix time) and takes a midnight timestamp.
    assert "field 'date_of_birth' is not a valid date" in _error(f"id: a\ndate_of_birth: {value}\n")


def test_dates_from_python_are_still_dates() -> None:
    person = person_from_mapping({"id": "a", "date_of_birth": date(2009, 1, 10)})
    assert person.date_of_birth == date(2009, 1, 10)


def test_yes_and_no_still_answer_a_yes_no_field() -> None:
    person = _person(f"id: a\n{DOB}care_needs_likely: yes\ncontinuing_care: no\n")
    assert person.care_needs_likely is True and person.continuing_care is False  # type: ignore[attr-defined]


def test_json_duplicate_keys_are_refused() -> None:
    assert _error('{"id": "a", "id": "b", "date_of_birth": "2009-01-10"}', ".json") == "p.json: duplicate key 'id'"


# --- 1, 2 and 8: bombs, bytes and sizes ---------------------------------------------------------


def test_an_alias_bomb_in_a_person_file_is_refused_with_a_short_line() -> None:
    lines = ["a0: &a0 [lol]"] + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 13)]
    line = _error("\n".join(lines) + "\nid: *a12\n" + DOB)
    assert "the aliases expand to more than 100000 values" in line


def test_an_alias_bomb_that_fits_the_budget_is_quoted_only_as_an_excerpt() -> None:
    lines = ["a0: &a0 [lol]"] + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 5)]
    line = _error("\n".join(lines) + "\nid: a\ndate_of_birth: *a4\n")
    quoted = line.removeprefix("p.yaml: field 'date_of_birth' is not a valid date (got ")
    assert quoted.startswith("[[[") and quoted.endswith("; expected YYYY-MM-DD)") and len(quoted) < 100


def test_bytes_that_are_not_utf8_are_one_line() -> None:
    assert _error(b"id: caf\xe9\n" + DOB.encode()) == "p.yaml:1: the file is not UTF-8 text (byte 0xe9 cannot be read)"


def test_a_person_file_over_the_cap_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(f"id: a\n{DOB}".encode() + b"#" * MAX_PERSON_FILE_BYTES)
    with pytest.raises(InputError, match="the person file is larger than 1,000,000 bytes"):
        load_person(path)
    with pytest.raises(InputError, match="the person file is larger than 1,000,000 bytes"):
        load_person("/dev/zero")


def test_too_many_events_are_refused_before_they_are_checked() -> None:
    events = "events:\n" + "  - {type: ehcp-annual-review, date: 2020-01-01}\n" * (MAX_EVENTS + 1)
    assert f"field 'events' has {MAX_EVENTS + 1:,} events; at most {MAX_EVENTS:,} are accepted" in _error(
        f"id: a\n{DOB}{events}"
    )


def test_the_most_events_allowed_are_read() -> None:
    events = "events:\n" + "  - {type: ehcp-annual-review, date: 2020-01-01}\n" * MAX_EVENTS
    assert len(_person(f"id: a\n{DOB}{events}").events) == MAX_EVENTS  # type: ignore[attr-defined]


def test_too_many_care_episodes_are_refused() -> None:
    episodes = "care_episodes:\n" + "  - {start: 2020-01-01, end: 2020-02-01}\n" * (MAX_CARE_EPISODES + 1)
    assert "at most 1,000 are accepted" in _error(f"id: a\n{DOB}{episodes}")


def test_text_fields_have_a_length_cap() -> None:
    assert f"field 'id' String should have at most {MAX_TEXT_CHARS} characters" in _error(
        f"id: {'x' * (MAX_TEXT_CHARS + 1)}\n{DOB}"
    )


def test_an_unknown_event_type_is_quoted_short_with_a_short_list() -> None:
    person = _person(f"id: a\n{DOB}events:\n  - {{type: {'party' * 30}, date: 2020-01-01}}\n")
    with pytest.raises(InputError) as caught:
        check_person(load_pathway("england"), person, date(2026, 1, 1), source="p.yaml")  # type: ignore[arg-type]
    line = caught.value.one_line()
    assert len(line) <= 300
    assert "is an unknown event type 'partypartyparty" in line and "(known: adult-care-decision," in line
    assert line.endswith("…)")
