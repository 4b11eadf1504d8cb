"""Population CSVs under hostile input (issue 13, points 2 and 8): caps with a reason, no row lost,
and a file that is not a CSV file is one short error."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest

from cohorts import MAX_CARE_EPISODES, MAX_EVENTS, MAX_TEXT_CHARS
from pathways import InputError
from roadmaps.cli import main
from roadmaps.population import (
    MAX_LINE_CHARS,
    MAX_ROW_CHARS,
    Accounting,
    Rejection,
    iter_person_rows,
)

AS_OF = date(2026, 1, 1)
HEADER = "id,date_of_birth,ehcp_issued,ehcp_setting,ehcp_setting_end,care_needs_likely,continuing_care\n"


def _read(
    tmp_path: Path, people: str | bytes, episodes: str | None = None, events: str | None = None
) -> tuple[list[str], Accounting]:
    paths: list[Path | None] = []
    for name, content in (("people.csv", people), ("episodes.csv", episodes), ("events.csv", events)):
        if content is None:
            paths.append(None)
            continue
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        paths.append(path)
    accounting = Accounting()
    rows = iter_person_rows(paths[0], paths[1], paths[2], as_of=AS_OF, accounting=accounting)  # type: ignore[arg-type]
    ids = [row.data["id"] for row in rows]
    accounting.check()
    return ids, accounting


def test_a_file_without_line_ends_is_refused_quickly() -> None:
    started = time.perf_counter()
    with pytest.raises(InputError, match=f"/dev/zero:1: the line is longer than {MAX_LINE_CHARS:,} characters"):
        iter_person_rows("/dev/zero", as_of=AS_OF, accounting=Accounting())
    assert time.perf_counter() - started < 5


def test_the_command_refuses_dev_zero_with_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["population", "/dev/zero", "--as-of", "2026-01-01", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is this a CSV file?" in err


def test_a_huge_line_later_in_the_file_names_its_line(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"people\.csv:3: the line is longer"):
        _read(tmp_path, HEADER + "yp-1,2010-03-04,,,,,\n" + "x" * (MAX_LINE_CHARS + 1) + "\n")


def test_a_long_row_or_id_is_rejected_and_counted(tmp_path: Path) -> None:
    long_id = "y" * (MAX_TEXT_CHARS + 1)
    people = HEADER + "yp-1,2010-03-04,,,,,\n" + f"yp-2,2010-03-04,,,,,{'z' * MAX_ROW_CHARS}\n"
    people += f"{long_id},2010-03-04,,,,,\nyp-3,2010-03-04,,,,,\n"
    ids, accounting = _read(
        tmp_path, people, "id,start,end\n" + f"{long_id},2020-01-01,\n", "id,type,date\n" + f"{long_id},x,2020-01-01\n"
    )
    assert ids == ["yp-1", "yp-3"]
    assert list(accounting.rejections) == [
        Rejection("people.csv", 3, f"row is longer than {MAX_ROW_CHARS} characters"),
        Rejection("people.csv", 4, f"id is longer than {MAX_TEXT_CHARS} characters"),
        Rejection("episodes.csv", 2, f"id is longer than {MAX_TEXT_CHARS} characters"),
        Rejection("events.csv", 2, f"id is longer than {MAX_TEXT_CHARS} characters"),
    ]


@pytest.mark.parametrize(
    ("section", "limit", "row", "reason"),
    [
        ("events", MAX_EVENTS, "yp-1,ehcp-annual-review,2020-01-01\n", f"more than {MAX_EVENTS} events for one young person"),
        ("episodes", MAX_CARE_EPISODES, "yp-1,2020-01-01,2020-01-02\n",
         f"more than {MAX_CARE_EPISODES} care episodes for one young person"),
    ],
)  # fmt: skip
def test_a_young_person_with_too_many_rows_is_rejected_with_every_row(
    tmp_path: Path, section: str, limit: int, row: str, reason: str
) -> None:
    people = HEADER + "yp-1,2009-01-10,,,,,\nyp-2,2009-01-10,,,,,\n"
    many = row * (limit + 5)
    kept = row.replace("yp-1", "yp-2") * limit
    episodes = "id,start,end\n" + (many + kept if section == "episodes" else "")
    events = "id,type,date\n" + (many + kept if section == "events" else "")
    ids, accounting = _read(tmp_path, people, episodes, events)
    assert ids == ["yp-2"]  # the other young person, with the most rows allowed, is kept
    rejected = list(accounting.rejections)
    assert rejected[0] == Rejection("people.csv", 2, reason)
    assert len(rejected) == 1 + limit + 5
    assert {r.reason for r in rejected[1:]} == {"person row rejected"}
    assert accounting.rows_processed == 1 + limit


@pytest.mark.parametrize("offset", ["\u0661\u0662", "²", "9" * 5000, "0x1", " 1.0"])
def test_a_year_group_offset_is_ascii_digits(tmp_path: Path, offset: str) -> None:
    ids, accounting = _read(tmp_path, HEADER.strip() + f",year_group_offset\nyp-1,2010-03-04,,,,,,{offset}\n")
    assert ids == []
    assert list(accounting.rejections) == [Rejection("people.csv", 2, "year_group_offset is not a whole number")]


def test_rows_of_many_widths_give_few_reasons(tmp_path: Path) -> None:
    people = HEADER + "".join("yp," * width + "\n" for width in range(8, 400))
    _, accounting = _read(tmp_path, people)
    reasons = accounting.rejections.counts_by_reason()
    assert len(reasons) <= 100
    assert "wrong number of columns (expected 7, found more than 100)" in reasons


def test_nul_bytes_a_byte_order_mark_and_cr_line_ends_are_read(tmp_path: Path) -> None:
    people = ("\ufeff" + HEADER + "yp-\x001,2010-03-04,,,,,\n").replace("\n", "\r").encode("utf-8")
    ids, _ = _read(tmp_path, people)
    assert ids == ["yp-\x001"]


def test_bytes_that_are_not_utf8_make_the_file_unusable(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"people\.csv.*the file is not UTF-8 text"):
        _read(tmp_path, HEADER.encode() + b"caf\xe9,2010-03-04,,,,,\n")
