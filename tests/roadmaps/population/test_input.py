"""Streaming population input: every row accounted for, the join right, memory flat."""

from __future__ import annotations

import csv
import io
import os
import random
import tempfile
import tracemalloc
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cohorts._person import Person, person_from_mapping
from cohorts._synth import synthesise, synthetic_event_types
from pathways import InputError
from roadmaps.population._input import (
    Accounting,
    PersonRow,
    ProgressBar,
    Rejection,
    RejectionLog,
    iter_people,
    iter_person_rows,
    map_population,
    write_rejected_csv,
)

AS_OF = date(2026, 1, 1)
EVENT_TYPES = synthetic_event_types()
PEOPLE_HEADER = (
    "id,date_of_birth,ehcp_issued,ehcp_setting,ehcp_setting_end,care_needs_likely,continuing_care"
)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="")
    return path


def _files(tmp_path: Path, people: str, episodes: str = "", events: str = "") -> tuple[Path, ...]:
    return (
        _write(tmp_path / "people.csv", people),
        _write(tmp_path / "episodes.csv", "id,start,end\n" + episodes),
        _write(tmp_path / "events.csv", "id,type,date\n" + events),
    )


def _read(paths: tuple[Path, ...], **kwargs: Any) -> tuple[list[Person], Accounting]:
    accounting = Accounting()
    kwargs.setdefault("known_event_types", EVENT_TYPES)
    people = list(iter_people(*paths, as_of=AS_OF, accounting=accounting, **kwargs))
    return people, accounting


# --- the happy path ------------------------------------------------------------------------


def test_reads_people_with_episodes_events_and_extras(tmp_path: Path) -> None:
    paths = _files(
        tmp_path,
        f"{PEOPLE_HEADER},primary_need,area,year_group_offset\n"
        "yp-2, 2009-01-10 ,2016-05-01,further-education,2031-12-31,Yes,N,autistic-spectrum-disorder,leicester,\n"
        "yp-1,2010-03-04,,,,,0,,,-1\n",
        "yp-2,2023-10-01,\nyp-2,2015-01-01,2016-01-01\n",
        "yp-2,transition-assessment,2026-01-05\nyp-2,transition-planning,2023-01-05\n",
    )
    people, accounting = _read(paths)
    assert [p.id for p in people] == ["yp-1", "yp-2"]  # in order of id
    first, second = people
    assert first.ehcp is None and first.year_group_offset == -1
    assert not first.care_needs_likely and not first.continuing_care
    assert second.date_of_birth == date(2009, 1, 10)
    assert second.ehcp is not None and second.ehcp.setting == "further-education"
    assert second.ehcp.setting_end == date(2031, 12, 31)
    assert second.care_needs_likely and not second.continuing_care
    assert [(e.start, e.end) for e in second.care_episodes] == [
        (date(2015, 1, 1), date(2016, 1, 1)),
        (date(2023, 10, 1), None),
    ]
    assert [e.type for e in second.events] == ["transition-planning", "transition-assessment"]
    assert second.primary_need == "autistic-spectrum-disorder"
    assert accounting.as_dict() == {"rows_in": 6, "rows_processed": 6, "rows_rejected": 0}
    assert accounting.rows_in_by_file == {"people.csv": 2, "episodes.csv": 2, "events.csv": 2}

    rows = list(iter_person_rows(*paths, as_of=AS_OF, accounting=Accounting()))
    assert [r.extras for r in rows] == [{}, {"area": "leicester"}]
    assert [r.to_person() for r in rows] == people


def test_episode_and_event_files_are_optional(tmp_path: Path) -> None:
    people = _write(tmp_path / "people.csv", f"{PEOPLE_HEADER}\nyp-1,2010-03-04,,,,,\n")
    accounting = Accounting()
    assert [p.id for p in iter_people(people, as_of=AS_OF, accounting=accounting)] == ["yp-1"]
    assert accounting.balanced


@pytest.mark.parametrize(("text", "value"), [(t, True) for t in ("true", "YES", "y", "1", "True")] + [(t, False) for t in ("false", "No", "n", "0", "")])  # fmt: skip
def test_yes_no_values(tmp_path: Path, text: str, value: bool) -> None:
    paths = _files(tmp_path, f"{PEOPLE_HEADER}\nyp-1,2010-03-04,,,,{text},{text}\n")
    (person,), _ = _read(paths)
    assert person.care_needs_likely is value and person.continuing_care is value


def test_byte_order_mark_crlf_quotes_and_blank_lines(tmp_path: Path) -> None:
    people = (
        "\ufeff" + PEOPLE_HEADER + "\r\n"
        "yp-1,2010-03-04,,,,,\r\n"
        "\r\n"
        '"yp-2","2010-03-04",,,,,\r\n'
        '"yp-3\nwith a newline",2010-03-04,,,,maybe,\r\n'
        "yp-4,2010-02-30,,,,,\r\n"
    )
    paths = _files(tmp_path, people)
    people_read, accounting = _read(paths)
    assert [p.id for p in people_read] == ["yp-1", "yp-2"]
    # Physical lines: the blank line 3 is not a row, and the quoted newline spans 5-6.
    assert list(accounting.rejections) == [
        Rejection("people.csv", 5, "care_needs_likely is not a yes/no value"),
        Rejection("people.csv", 7, "date_of_birth is not a real calendar date"),
    ]
    assert accounting.rows_in == 4 and accounting.balanced


# --- rejections ------------------------------------------------------------------------------

BAD_PEOPLE = [
    # (row, reason); the row's line is its position + 2
    ("ok-1,2009-01-10,2016-05-01,school,,yes,no", None),
    ("ok-2,2010-06-01,,,,no,no", None),
    ("ok-1,2009-01-10,2016-05-01,school,,yes,no", "duplicate id (an earlier row has the same id)"),
    ("bad-cols,2009-01-10,,,,no", "wrong number of columns (expected 7, found 6)"),
    ("bad-cols-2,2009-01-10,,,,no,no,extra", "wrong number of columns (expected 7, found 8)"),
    (",2009-01-10,,,,no,no", "id is empty"),
    ("no-dob,,,,,no,no", "date_of_birth is empty"),
    ("bad-dob,10/01/2009,,,,no,no", "date_of_birth is not a date in the form YYYY-MM-DD"),
    ("bad-dob-2,20090110,,,,no,no", "date_of_birth is not a date in the form YYYY-MM-DD"),
    ("impossible-dob,2009-02-29,,,,no,no", "date_of_birth is not a real calendar date"),
    ("future,2026-01-02,,,,no,no", "date_of_birth is after the as-of date"),
    ("bad-issued,2009-01-10,2016-13-01,school,,no,no", "ehcp_issued is not a real calendar date"),
    ("no-setting,2009-01-10,2016-01-01,,,no,no", "ehcp_setting is empty but ehcp_issued is given"),
    ("bad-setting,2009-01-10,2016-01-01,college,,no,no", "ehcp_setting is not a known setting"),
    ("bad-end,2009-01-10,2016-01-01,school,2031-1-1,no,no", "ehcp_setting_end is not a date in the form YYYY-MM-DD"),
    ("setting-only,2009-01-10,,school,,no,no", "ehcp_setting is given but ehcp_issued is empty"),
    ("end-only,2009-01-10,,,2031-01-01,no,no", "ehcp_setting_end is given but ehcp_issued is empty"),
    ("bad-bool,2009-01-10,,,,maybe,no", "care_needs_likely is not a yes/no value"),
    ("bad-bool-2,2009-01-10,,,,no,2", "continuing_care is not a yes/no value"),
    ("rejected-then-ok,2009-02-30,,,,no,no", "date_of_birth is not a real calendar date"),
    ("rejected-then-ok,2009-02-28,,,,no,no", None),
]  # fmt: skip
BAD_EPISODES = [
    ("ok-1,2020-01-01,2021-01-01", None),
    ("ok-1,2022-01-01,", None),
    ("ok-1,2021-06-01,2021-05-31", "episode ends before it starts"),
    ("ok-1,2021-06-01", "wrong number of columns (expected 3, found 2)"),
    ("ok-1,,2021-05-31", "start is empty"),
    ("ok-1,2021/06/01,", "start is not a date in the form YYYY-MM-DD"),
    ("ok-1,2021-06-01,2021-06-31", "end is not a real calendar date"),
    (",2021-06-01,", "id is empty"),
    ("nobody,2021-06-01,", "id not in people file"),
    ("zz-nobody,2021-06-01,", "id not in people file"),
    ("bad-dob,2021-06-01,", "person row rejected"),
    ("bad-cols,2021-06-01,", "person row rejected"),
    ("rejected-then-ok,2021-06-01,", None),
]  # fmt: skip
BAD_EVENTS = [
    ("ok-2,transition-planning,2024-01-01", None),
    ("ok-2,home-visit,2024-01-01", "unknown event type"),
    ("ok-2,,2024-01-01", "type is empty"),
    ("ok-2,pathway-plan,", "date is empty"),
    ("ok-2,pathway-plan,2024-02-30", "date is not a real calendar date"),
    ("ok-2,pathway-plan,2024-02-01,x", "wrong number of columns (expected 3, found 4)"),
    (",pathway-plan,2024-02-01", "id is empty"),
    ("aa-nobody,pathway-plan,2024-02-01", "id not in people file"),
    ("future,pathway-plan,2024-02-01", "person row rejected"),
    ("ok-1,pathway-plan,2024-02-01", None),
]  # fmt: skip


def _bad_inputs(
    tmp_path: Path, order: random.Random | None = None
) -> tuple[tuple[Path, ...], list[Rejection]]:
    expected = []
    texts = []
    for name, header, rows in (
        ("people.csv", PEOPLE_HEADER, BAD_PEOPLE),
        ("episodes.csv", "id,start,end", BAD_EPISODES),
        ("events.csv", "id,type,date", BAD_EVENTS),
    ):
        rows = list(rows)
        if order is not None and name != "people.csv":  # people order decides duplicates
            order.shuffle(rows)
        expected += [Rejection(name, i + 2, reason) for i, (_, reason) in enumerate(rows) if reason]
        texts.append(header + "\n" + "".join(row + "\n" for row, _ in rows))
    people, episodes, events = texts
    return (
        _write(tmp_path / "people.csv", people),
        _write(tmp_path / "episodes.csv", episodes),
        _write(tmp_path / "events.csv", events),
    ), expected


def test_every_row_is_processed_or_rejected_with_its_line_and_reason(tmp_path: Path) -> None:
    paths, expected = _bad_inputs(tmp_path)
    people, accounting = _read(paths)
    assert [p.id for p in people] == ["ok-1", "ok-2", "rejected-then-ok"]
    ok_1 = people[0]
    assert len(ok_1.care_episodes) == 2 and [e.type for e in ok_1.events] == ["pathway-plan"]
    assert list(accounting.rejections) == expected
    rows_in = len(BAD_PEOPLE) + len(BAD_EPISODES) + len(BAD_EVENTS)
    assert accounting.rows_in == rows_in
    assert accounting.rows_processed == 3 + 3 + 2
    assert accounting.rows_rejected == len(expected)
    assert accounting.balanced
    accounting.check()

    out = tmp_path / "rejected.csv"
    accounting.rejections.write_csv(out)
    with open(out, encoding="utf-8", newline="") as handle:
        written = list(csv.reader(handle))
    assert written[0] == ["file", "line", "reason"]
    assert [Rejection(f, int(n), r) for f, n, r in written[1:]] == expected
    assert len(written) - 1 == accounting.rows_rejected


def test_shuffled_episode_and_event_files_give_the_same_result(tmp_path: Path) -> None:
    paths, _ = _bad_inputs(tmp_path)
    people, accounting = _read(paths)
    for seed in range(3):
        folder = tmp_path / f"shuffled-{seed}"
        folder.mkdir()
        shuffled_paths, expected = _bad_inputs(folder, random.Random(seed))
        shuffled, shuffled_accounting = _read(shuffled_paths, chunk_rows=2)
        assert shuffled == people
        assert list(shuffled_accounting.rejections) == expected
        assert shuffled_accounting.as_dict() == accounting.as_dict()


def test_reasons_never_repeat_personal_values(tmp_path: Path) -> None:
    paths, _ = _bad_inputs(tmp_path)
    _, accounting = _read(paths)
    values = set()  # the ids and every date-like cell
    for row, _ in BAD_PEOPLE + BAD_EPISODES + BAD_EVENTS:
        cells = row.split(",")
        values.update(
            cell for cell in cells[1:] if any(ch.isdigit() for ch in cell) and len(cell) > 2
        )
        values.add(cells[0] or "<no id>")
    for rejection in accounting.rejections:
        assert not any(value in rejection.reason for value in values), rejection


def test_a_row_the_csv_parser_refuses_is_rejected_and_reading_goes_on(tmp_path: Path) -> None:
    huge = "x" * (csv.field_size_limit() + 1)
    paths = _files(
        tmp_path,
        f"{PEOPLE_HEADER}\nyp-1,2010-03-04,,,,,\nyp-2,{huge},,,,,\nyp-3,2010-03-04,,,,,\n",
    )
    people, accounting = _read(paths)
    assert [p.id for p in people] == ["yp-1", "yp-3"]
    assert list(accounting.rejections) == [Rejection("people.csv", 3, "malformed CSV row")]
    assert accounting.balanced


def test_year_group_offset_must_be_a_whole_number(tmp_path: Path) -> None:
    paths = _files(
        tmp_path,
        f"{PEOPLE_HEADER},year_group_offset\nyp-1,2010-03-04,,,,,,1.5\nyp-2,2010-03-04,,,,,,1\n",
    )
    people, accounting = _read(paths)
    assert [(p.id, p.year_group_offset) for p in people] == [("yp-2", 1)]
    assert list(accounting.rejections) == [
        Rejection("people.csv", 2, "year_group_offset is not a whole number")
    ]


def test_unknown_event_types_are_accepted_without_a_vocabulary(tmp_path: Path) -> None:
    paths = _files(
        tmp_path, f"{PEOPLE_HEADER}\nyp-1,2010-03-04,,,,,\n", "", "yp-1,home-visit,2024-01-01\n"
    )
    (person,), accounting = _read(paths, known_event_types=None)
    assert [e.type for e in person.events] == ["home-visit"]
    assert accounting.balanced


def test_episode_code_columns_are_optional_and_checked(tmp_path: Path) -> None:
    """legal_status, placement and reason_ended go into the care episodes; a bad code rejects
    that episode row only, with a reason naming the column."""
    paths = _files(tmp_path, f"{PEOPLE_HEADER}\nyp-1,2008-03-04,,,,,\n")
    _write(
        paths[1],
        "id,start,end,legal_status,placement,reason_ended\n"
        "yp-1,2024-01-01,2024-02-01,v3,K2,e4a\n"  # codes in any case
        "yp-1,2024-03-01,2024-06-01,C2,foster,returned-home\n"  # plain words too
        "yp-1,2024-07-01,,,,\n"  # all optional
        "yp-1,2024-08-01,2024-09-01,ZZ,,\n"
        "yp-1,2024-08-01,2024-09-01,,Q9,\n"
        "yp-1,2024-08-01,2024-09-01,,,E99\n"
        "yp-1,2024-08-01,,,,E4A\n",
    )
    (person,), accounting = _read(paths)
    assert [(e.legal_status, e.placement, e.reason_ended) for e in person.care_episodes] == [
        ("V3", "K2", "E4A"),
        ("C2", "foster", "returned-home"),
        (None, None, None),
    ]
    assert [(r.line, r.reason) for r in accounting.rejections] == [
        (5, "legal_status is not a known SSDA903 legal status code (LS)"),
        (6, "placement is not a known SSDA903 placement code (PLACE) or placement kind"),
        (7, "reason_ended is not a known SSDA903 reason code (REC) or reason kind"),
        (8, "reason_ended is given but end is empty"),
    ]
    assert accounting.rows_in == 1 + 7 and accounting.balanced


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("", "all"),  # default with an events file: every type is recorded
        ("all", "all"),
        ("none", ()),
        ("pathway-plan; transition-assessment", ("pathway-plan", "transition-assessment")),
    ],
)
def test_recorded_events_column(tmp_path: Path, cell: str, expected: object) -> None:
    paths = _files(tmp_path, f"{PEOPLE_HEADER},recorded_events\nyp-1,2008-03-04,,,,,,{cell}\n")
    (person,), accounting = _read(paths)
    assert person.recorded_events == expected
    assert accounting.balanced


def test_recorded_events_with_an_unknown_type_rejects_the_row(tmp_path: Path) -> None:
    paths = _files(
        tmp_path,
        f"{PEOPLE_HEADER},recorded_events\nyp-1,2008-03-04,,,,,,home-visit\n",
        "yp-1,2024-01-01,\n",
    )
    people, accounting = _read(paths)
    assert people == []
    assert [(r.file, r.reason) for r in accounting.rejections] == [
        ("people.csv", "recorded_events names an unknown event type"),
        ("episodes.csv", "person row rejected"),
    ]


def test_cessation_columns_are_optional_and_checked(tmp_path: Path) -> None:
    """ehcp_ceased and ehcp_cease_reason go into the EHC plan; a file without them loads as
    before, and a bad cessation rejects the row with a reason naming the column."""
    header = f"{PEOPLE_HEADER},ehcp_ceased,ehcp_cease_reason,upn"
    paths = _files(
        tmp_path,
        f"{header}\n"
        "yp-1,2005-10-21,2016-11-01,further-education,,,,2024-09-13,higher-education,H999000200011\n"
        "yp-2,2008-03-04,2016-11-01,school,,,,,,\n"
        "yp-3,2008-03-04,,,,,,2024-09-13,,\n"
        "yp-4,2008-03-04,2016-11-01,school,,,,2016-10-31,,\n"
        "yp-5,2008-03-04,2016-11-01,school,,,,2024-09-13,went-abroad,\n"
        "yp-6,2008-03-04,2016-11-01,school,,,,,other,\n"
        "yp-7,2008-03-04,2016-11-01,school,,,,13/09/2024,,\n",
    )
    people, accounting = _read(paths)
    plans = {p.id: p.ehcp for p in people}
    assert plans["yp-1"] is not None
    assert (plans["yp-1"].ceased, plans["yp-1"].cease_reason) == (date(2024, 9, 13), "higher-education")
    assert plans["yp-2"] is not None and plans["yp-2"].ceased is None
    assert [(r.line, r.reason) for r in accounting.rejections] == [
        (4, "ehcp_ceased is given but ehcp_issued is empty"),
        (5, "ehcp_ceased is before ehcp_issued"),
        (6, "ehcp_cease_reason is not a known reason"),
        (7, "ehcp_cease_reason is given but ehcp_ceased is empty"),
        (8, "ehcp_ceased is not a date in the form YYYY-MM-DD"),
    ]
    rows = list(iter_person_rows(*paths, as_of=AS_OF, accounting=Accounting()))
    assert all("upn" not in row.extras for row in rows)  # the link column is never passed on
    assert accounting.balanced


def test_a_person_that_fails_model_validation_is_rejected_with_its_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The row checks match the model; simulate a stricter model to exercise the fallback.
    from roadmaps.population import _input as _population_io

    def strict(row: PersonRow) -> Person:
        if row.data["id"] == "yp-1":
            Person.model_validate({**row.data, "date_of_birth": "not a date"})
        return Person.model_validate(row.data)

    monkeypatch.setattr(_population_io, "_validated_person", strict)
    paths = _files(
        tmp_path,
        f"{PEOPLE_HEADER}\nyp-1,2010-03-04,,,,,\nyp-2,2010-03-04,,,,,\n",
        "yp-1,2020-01-01,\n",
        "yp-1,pathway-plan,2024-01-01\n",
    )
    people, accounting = _read(paths)
    assert [p.id for p in people] == ["yp-2"]
    assert list(accounting.rejections) == [
        Rejection("people.csv", 2, "field 'date_of_birth' is not valid"),
        Rejection("episodes.csv", 2, "person row rejected"),
        Rejection("events.csv", 2, "person row rejected"),
    ]
    assert accounting.balanced


# --- unusable files ----------------------------------------------------------------------------


def test_missing_required_column_is_an_input_error(tmp_path: Path) -> None:
    people = _write(tmp_path / "people.csv", "id,date_of_birth,ehcp_issued\nyp-1,2010-01-01,\n")
    with pytest.raises(InputError, match=r"people\.csv: missing required column 'ehcp_setting'"):
        iter_people(people, as_of=AS_OF, accounting=Accounting())
    episodes = _write(tmp_path / "episodes.csv", "id,start\n")
    good = _write(tmp_path / "good.csv", PEOPLE_HEADER + "\n")
    with pytest.raises(InputError, match="missing required column 'end'"):
        iter_people(good, episodes, as_of=AS_OF, accounting=Accounting())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read the file"),
        ("", "the file is empty"),
        (f"{PEOPLE_HEADER},id\n", "column 'id' appears twice"),
    ],
)
def test_unusable_people_file(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "people.csv"
    if content is not None:
        _write(path, content)
    with pytest.raises(InputError, match=message) as caught:
        iter_people(path, as_of=AS_OF, accounting=Accounting())
    assert "\n" not in str(caught.value)


def test_a_file_that_is_not_utf8_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(PEOPLE_HEADER.encode() + b"\nyp-1,2010-01-01,,,,,\nyp-\xff,2010-01-01,,,,,\n")
    # Raised when the bad bytes are read: for a small file, when the header is checked.
    with pytest.raises(InputError, match="not UTF-8"):
        list(iter_people(path, as_of=AS_OF, accounting=Accounting()))


def test_same_file_names_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    people = _write(tmp_path / "people.csv", PEOPLE_HEADER + "\n")
    events = _write(tmp_path / "a" / "people.csv", "id,type,date\n")
    with pytest.raises(InputError, match="different names"):
        iter_people(people, None, events, as_of=AS_OF, accounting=Accounting())


# --- the streaming join against a naive one ----------------------------------------------


def _naive_join(folder: Path) -> dict[str, Person]:
    """Everything in memory with csv.DictReader: the obviously correct join."""

    def rows(name: str) -> list[dict[str, str]]:
        with open(folder / name, encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))

    people: dict[str, dict[str, Any]] = {}
    for row in rows("people.csv"):
        data: dict[str, Any] = {
            "id": row["id"],
            "date_of_birth": row["date_of_birth"],
            "care_needs_likely": row["care_needs_likely"] == "true",
            "continuing_care": row["continuing_care"] == "true",
            "care_episodes": [],
            "events": [],
            "recorded_events": "all",  # an events file is given: it is the source of every event
        }
        if row["ehcp_issued"]:
            data["ehcp"] = {
                "issued": row["ehcp_issued"],
                "setting": row["ehcp_setting"],
                "setting_end": row["ehcp_setting_end"] or None,
            }
        if row["primary_need"]:
            data["primary_need"] = row["primary_need"]
        people[row["id"]] = data
    for row in rows("episodes.csv"):
        people[row["id"]]["care_episodes"].append(
            {"start": row["start"], "end": row["end"] or None}
        )
    for row in rows("events.csv"):
        people[row["id"]]["events"].append({"type": row["type"], "date": row["date"]})
    for data in people.values():
        data["care_episodes"].sort(key=lambda e: (e["start"], e["end"] or ""))
        data["events"].sort(key=lambda e: (e["date"], e["type"]))
    return {pid: person_from_mapping(data) for pid, data in people.items()}


def _shuffle_file(path: Path, rng: random.Random) -> None:
    header, *lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    rng.shuffle(lines)
    path.write_text(header + "".join(lines), encoding="utf-8", newline="")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_streaming_join_equals_a_naive_join(tmp_path: Path, seed: int) -> None:
    result = synthesise(400, seed, tmp_path, as_of=AS_OF)
    expected = _naive_join(tmp_path)
    paths = (result.people_path, result.episodes_path, result.events_path)
    # Small chunks force the external sort through many temporary files.
    people, accounting = _read(paths, chunk_rows=37)
    assert {p.id: p for p in people} == expected
    assert [p.id for p in people] == sorted(expected)
    assert accounting.as_dict() == {
        "rows_in": result.rows,
        "rows_processed": result.rows,
        "rows_rejected": 0,
    }

    rng = random.Random(seed)
    for path in paths:
        _shuffle_file(path, rng)
    shuffled, _ = _read(paths, chunk_rows=37)
    assert shuffled == people


def test_many_chunk_files_are_merged_along_the_way(tmp_path: Path) -> None:
    # Chunks of 5 rows make well over the 64 chunk files kept open at once.
    result = synthesise(300, 8, tmp_path, as_of=AS_OF)
    paths = (result.people_path, result.episodes_path, result.events_path)
    assert result.event_rows > 64 * 5
    people, accounting = _read(paths, chunk_rows=5)
    assert {p.id: p for p in people} == _naive_join(tmp_path)
    assert accounting.balanced


@pytest.mark.parametrize("seed", [4, 5])
def test_synthetic_bad_rows_are_all_accounted_for(tmp_path: Path, seed: int) -> None:
    result = synthesise(600, seed, tmp_path, as_of=AS_OF, bad_fraction=0.05)
    assert result.bad_rows > 0
    paths = (result.people_path, result.episodes_path, result.events_path)
    people, accounting = _read(paths, chunk_rows=101)
    assert accounting.rows_in == result.rows
    assert accounting.rows_rejected == result.expected_rejected
    assert accounting.balanced
    assert len(people) <= result.people
    lines = {path.name: path.read_text(encoding="utf-8").splitlines() for path in paths}
    for rejection in accounting.rejections:
        # every rejected line exists and is a data row
        assert 2 <= rejection.line <= len(lines[rejection.file])


def test_temporary_files_are_deleted_even_when_stopped_early(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = synthesise(300, 9, tmp_path / "in", as_of=AS_OF)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    paths = (result.people_path, result.episodes_path, result.events_path)
    people = iter_people(*paths, as_of=AS_OF, accounting=Accounting(), chunk_rows=50)
    next(people)
    assert os.listdir(scratch)  # spilled chunks exist while reading
    people.close()
    assert os.listdir(scratch) == []
    list(iter_people(*paths, as_of=AS_OF, accounting=Accounting(), chunk_rows=50))
    assert os.listdir(scratch) == []


def test_memory_stays_flat_as_the_input_grows(tmp_path: Path) -> None:
    peaks = []
    for n in (1_500, 6_000):
        result = synthesise(n, 11, tmp_path / str(n), as_of=AS_OF)
        paths = (result.people_path, result.episodes_path, result.events_path)
        tracemalloc.start()
        try:
            for _ in iter_person_rows(
                *paths, as_of=AS_OF, accounting=Accounting(), chunk_rows=1_000
            ):
                pass
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    # Four times the input, well under twice the memory (an in-memory join would be ~4x).
    assert peaks[1] < 1.6 * peaks[0], peaks


# --- rejection log and rejected.csv ---------------------------------------------------------


def test_rejection_log_orders_by_file_then_line_and_counts_reasons() -> None:
    log = RejectionLog()
    for name in ("people.csv", "episodes.csv"):
        log.register_file(name)
    log.add("episodes.csv", 3, "id not in people file")
    log.add("people.csv", 9, "id is empty")
    log.add("people.csv", 2, "id is empty")
    assert [tuple(r) for r in log] == [
        ("people.csv", 2, "id is empty"),
        ("people.csv", 9, "id is empty"),
        ("episodes.csv", 3, "id not in people file"),
    ]
    assert log.counts_by_reason() == {"id is empty": 2, "id not in people file": 1}
    assert len(log) == 3


def test_write_rejected_csv_has_exactly_the_three_columns(tmp_path: Path) -> None:
    out = tmp_path / "rejected.csv"
    count = write_rejected_csv(out, [Rejection("people.csv", 4, "a reason, with a comma")])
    assert count == 1
    assert (
        out.read_text(encoding="utf-8")
        == 'file,line,reason\npeople.csv,4,"a reason, with a comma"\n'
    )


# --- running over a population ------------------------------------------------------------


def _age_in_days(row: PersonRow) -> tuple[str, int]:
    person = row.to_person()
    return person.id, (AS_OF - person.date_of_birth).days


def test_map_population_in_order_on_one_or_two_workers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = synthesise(2_500, 12, tmp_path, as_of=AS_OF)
    paths = (result.people_path, result.episodes_path, result.events_path)
    outputs = []
    for workers in (1, 2):
        accounting = Accounting()
        rows = iter_person_rows(*paths, as_of=AS_OF, accounting=accounting)
        outputs.append(list(map_population(rows, _age_in_days, workers=workers, chunk_size=100)))
        assert accounting.balanced
    assert outputs[0] == outputs[1]
    assert [pid for pid, _ in outputs[0]] == sorted(f"syn-{i:07d}" for i in range(1, 2_501))
    assert capsys.readouterr().err == ""  # stderr is not a terminal here: no progress bar


def test_map_population_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="workers"):
        list(map_population([1], abs, workers=0))
    with pytest.raises(ValueError, match="chunk_size"):
        list(map_population([1], abs, workers=1, chunk_size=0))


def test_progress_bar_draws_only_when_shown() -> None:
    stream = io.StringIO()
    bar = ProgressBar(total=10, stream=stream, show=True)
    bar.update(4)
    bar.close()
    text = stream.getvalue()
    assert text.startswith("\r[") and "4/10 young people" in text and text.endswith("\n")
    silent = io.StringIO()
    bar = ProgressBar(total=10, stream=silent)  # a StringIO is not a terminal
    bar.update(10)
    bar.close()
    assert silent.getvalue() == ""
    unknown_total = io.StringIO()
    bar = ProgressBar(stream=unknown_total, show=True)
    bar.update(3)
    bar.close()
    assert "3 young people" in unknown_total.getvalue()
