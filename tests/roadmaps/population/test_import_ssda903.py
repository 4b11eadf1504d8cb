"""Importing the SSDA903: fake returns written to the spec, statuses worked out by hand.

The fixtures (tests/fixtures/returns/, invented children) are two years of the return,
2023/24 and 2024/25. Every status below is on 31 March 2025, the end of the 2024/25 year,
worked out from the episodes by the rules in cohorts/_care_status.py:

* FX0101: four 17-day short breaks a year (V3), 136 days since 14: short breaks do not
  count (CPPCR 2010 reg 48), so no status.            FX0109: V4, open: no status either.
* FX0102: born 1 May 2008, looked after from 15 April 2023, placed for adoption with
  her foster carers on 1 October 2023 (A5), adopted 1 September 2024 (E12): eligible at
  16 (1 May 2024); she had lived with her adopters 6 months before care ended, so she
  left as a qualifying care leaver, not a relevant child (Care Leavers Regs 2010 reg 3).
* FX0103: born 1 October 2008, special guardianship order 1 June 2024 (E45), before 16:
  a qualifying care leaver from his 16th birthday (Children Act 1989 s.24(1A)).
* FX0104: born 15 August 2008, looked after 10 January to 1 December 2024, returned
  home (E4A): eligible from 16, relevant from 1 December 2024 until 6 months at home.
* FX0105: born 10 May 2008, left 20 May 2024 (E4B) as an eligible child, home for 6
  months (qualifying from 20 November 2024), back in care 15 January 2025: eligible.
* FX0106: overlapping episodes (the first ends 30 September, the next starts 15
  September): the first is ended on 15 September; looked after from 1 June 2024, so
  eligible from 31 August 2024 (the 91st day ended).
* FX0107: two open episodes: the first is closed on the day the second starts; looked
  after from 1 May 2024, aged 16: eligible from 31 July 2024.
* FX0108: looked after since 2021, stayed put at 18 on 14 July 2024 (E17): former relevant.
* FX0110: a holiday episode inside a longer one is rejected; left home 1 January 2025
  (E4A) as an eligible child: relevant.
* FX0112: the two years disagree on the date of birth: the later (10 January 2009) is
  used; looked after since June 2023, so eligible from 16 (10 January 2025).
"""

from __future__ import annotations

import csv
import json
import os
import stat
from datetime import date
from pathlib import Path

import pytest

from cohorts import load_pathway
from pathways import InputError
from roadmaps import generate_roadmap
from roadmaps.population import (
    Accounting,
    ImportResult,
    import_ssda903,
    iter_person_rows,
    run_imported,
    summaries_of_files,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "returns"
AS_OF = date(2025, 3, 31)
YEAR_1 = [FIXTURES / "ssda903_2024_header.csv", FIXTURES / "ssda903_2024_episodes.csv"]
YEAR_2 = [FIXTURES / "ssda903_2025_header.csv", FIXTURES / "ssda903_2025_episodes.csv"]
OC3 = FIXTURES / "ssda903_2025_oc3.csv"
UASC = FIXTURES / "ssda903_2025_uasc.csv"
XML = FIXTURES / "ssda903_2025.xml"

STATUS = {
    "FX0101": None,
    "FX0102": "qualifying",
    "FX0103": "qualifying",
    "FX0104": "relevant",
    "FX0105": "eligible",
    "FX0106": "eligible",
    "FX0107": "eligible",
    "FX0108": "former-relevant",
    "FX0109": None,
    "FX0110": "relevant",
    "FX0112": "eligible",
    "FX0113": None,
    "FX0114": None,
}


@pytest.fixture(scope="module")
def imported() -> ImportResult:
    return import_ssda903(files=[*YEAR_1, *YEAR_2], oc3=OC3, uasc=UASC)


def _statuses(result: ImportResult) -> dict[str, str | None]:
    pathway = load_pathway("england")
    out = {}
    for person in result.to_people():
        roadmap = generate_roadmap(person, as_of=AS_OF, pathway=pathway)
        out[person.id] = roadmap.care_status.status_on_as_of if roadmap.care_status else None
    return out


def test_care_leaver_status_of_each_imported_child(imported: ImportResult) -> None:
    assert _statuses(imported) == STATUS


def test_every_row_is_kept_or_rejected_with_its_file_line_and_checks(imported: ImportResult) -> None:
    report = imported.report
    read = {Path(f.file).name: (f.rows_read, f.rows_kept, f.rows_rejected) for f in report.files}
    assert read == {
        "ssda903_2024_header.csv": (9, 7, 2),
        "ssda903_2024_episodes.csv": (13, 12, 1),
        "ssda903_2025_header.csv": (14, 13, 1),
        "ssda903_2025_episodes.csv": (23, 17, 6),
        "ssda903_2025_oc3.csv": (3, 2, 1),
        "ssda903_2025_uasc.csv": (1, 1, 0),
    }
    assert report.rows_read == 63 == report.rows_kept + report.rows_rejected
    rejected = {(Path(r.file).name, r.line): (r.reason, r.checks) for r in report.rejections}
    assert rejected == {
        ("ssda903_2024_header.csv", 9): ("the child died (REC E2, or OC3 IN_TOUCH DIED): left out (died)", ()),
        ("ssda903_2024_header.csv", 10): (
            "DOB differs from the child's header in a file given later (that one is used)", ("203",)),
        ("ssda903_2024_episodes.csv", 13): ("the child died (REC E2, or OC3 IN_TOUCH DIED): left out (died)", ()),
        ("ssda903_2025_header.csv", 12): ("the child died (REC E2, or OC3 IN_TOUCH DIED): left out (died)", ()),
        ("ssda903_2025_episodes.csv", 10): (
            "the same episode appears again in this file (duplicate-episode-row)", ("501",)),
        ("ssda903_2025_episodes.csv", 19): (
            "the episode lies inside an earlier one (episode-inside-another)", ("501",)),
        ("ssda903_2025_episodes.csv", 20): ("the child died (REC E2, or OC3 IN_TOUCH DIED): left out (died)", ()),
        ("ssda903_2025_episodes.csv", 22): ("LS is not a known legal status code", ("144",)),
        ("ssda903_2025_episodes.csv", 23): ("REC is given but DEC is empty", ("148",)),
        ("ssda903_2025_episodes.csv", 24): ("CHILD is not in any header file", ("INT03",)),
        ("ssda903_2025_oc3.csv", 4): ("CHILD is not in any header file", ("INT06",)),
    }  # fmt: skip
    assert report.written == {"people.csv": 13, "episodes.csv": 22, "events.csv": 0}


def test_the_dfe_checks_that_failed_are_reported_by_rule_number(imported: ImportResult) -> None:
    failed = imported.report.failed_checks()
    assert failed == {
        "142": 1,  # FX0107's first episode left open
        "144": 1,
        "148": 1,
        "203": 1,
        "388": 1,  # FX0106: X1 but the next episode does not start on its end date
        "433": 2,  # FX0106 and FX0107's continuation episodes
        "501": 3,  # FX0106's overlap, FX0104's duplicate, FX0110's inner episode
        "INT03": 1,
        "INT06": 1,
    }
    check = next(c for c in imported.report.checks if c.check == "142")
    assert check.message == "A new episode has started, but the previous episode has not ended."
    assert [(Path(f).name, line, outcome) for f, line, outcome in check.rows] == [
        ("ssda903_2025_episodes.csv", 15, "kept")
    ]


def test_overlaps_and_open_episodes_are_repaired_by_named_rules(imported: ImportResult) -> None:
    repairs = {r.rule: [(Path(f).name, n) for f, n in r.rows] for r in imported.report.repairs}
    assert repairs["close-open-episode"] == [("ssda903_2025_episodes.csv", 15)]
    assert repairs["trim-overlapped-episode"] == [("ssda903_2025_episodes.csv", 13)]
    assert len(repairs["episode-in-several-returns"]) == 7  # the 2023/24 copies still open then
    assert repairs["child-in-several-returns"] == [("ssda903_2024_header.csv", n) for n in range(2, 9)]
    episodes = {(e.id, e.start): e for e in imported.episodes}
    trimmed = episodes["FX0106", date(2024, 6, 1)]
    assert (trimmed.end, trimmed.reason_ended) == (date(2024, 9, 15), "")
    closed = episodes["FX0107", date(2024, 5, 1)]
    assert (closed.end, closed.reason_ended) == (date(2024, 8, 1), "")


def test_years_are_stitched_into_one_history(imported: ImportResult) -> None:
    """An episode open at the end of 2023/24 and closed in 2024/25 is written once, closed."""
    fx0105 = [(e.start, e.end, e.reason_ended) for e in imported.episodes if e.id == "FX0105"]
    assert fx0105 == [(date(2023, 9, 1), date(2024, 5, 20), "E4B"), (date(2025, 1, 15), None, "")]
    fx0102 = [(e.start, e.placement, e.reason_ended) for e in imported.episodes if e.id == "FX0102"]
    assert fx0102 == [(date(2023, 4, 15), "U4", "X1"), (date(2023, 10, 1), "A5", "E12")]
    assert "FX0111" not in {p.id for p in imported.people}  # died
    assert {p.id: p.date_of_birth for p in imported.people}["FX0112"] == date(2009, 1, 10)


def test_the_order_of_the_years_does_not_undo_a_closed_episode() -> None:
    """A later return closes what an earlier left open, whichever order the files come in."""
    forward = import_ssda903(files=[*YEAR_1, *YEAR_2])
    backward = import_ssda903(files=[*YEAR_2, *YEAR_1])
    closed = {(e.id, e.start, e.end) for e in forward.episodes}
    assert closed == {(e.id, e.start, e.end) for e in backward.episodes}


def test_xml_gives_the_same_records_as_the_csv_tables() -> None:
    from_csv = import_ssda903(files=YEAR_2)
    from_xml = import_ssda903(files=[XML])
    assert from_xml.people == from_csv.people
    assert from_xml.episodes == from_csv.episodes
    assert from_xml.report.rows_read == 14 + 22  # every CHILD and EPISODE element (no FX0999)
    assert from_xml.report.rows_read == from_xml.report.rows_kept + from_xml.report.rows_rejected


def test_xml_on_one_line_counts_every_record(tmp_path: Path) -> None:
    """Exports often put a whole XML file on one line: each record still counts once."""
    one_line = tmp_path / "minified.xml"
    one_line.write_text("".join(line.strip() for line in XML.read_text(encoding="utf-8").splitlines()),
                        encoding="utf-8")  # fmt: skip
    result = import_ssda903(files=[one_line])
    assert result.episodes == import_ssda903(files=[XML]).episodes
    report = result.report
    assert report.rows_read == 36 == report.rows_kept + report.rows_rejected
    assert {r.line for r in report.rejections} == {1}


def test_dataframes_are_read_like_files() -> None:
    pd = pytest.importorskip("pandas")
    header = pd.read_csv(YEAR_2[0], dtype=str, keep_default_na=False)
    episodes = pd.read_csv(YEAR_2[1], dtype=str)  # empty cells as NaN
    from_frames = import_ssda903(header=header, episodes=episodes)
    from_files = import_ssda903(header=YEAR_2[0], episodes=YEAR_2[1])
    assert from_frames.people == from_files.people
    assert from_frames.episodes == from_files.episodes
    names = [f.file for f in from_frames.report.files]
    assert names == ["header DataFrame 1", "episodes DataFrame 1"]
    lines = {r.line for r in from_frames.report.rejections}
    assert lines == {r.line for r in from_files.report.rejections}  # line = position + 2
    frames = from_files.to_frames()
    assert list(frames["episodes"].columns) == ["id", "start", "end", "legal_status", "placement",
                                                "reason_ended"]  # fmt: skip
    assert len(frames["events"]) == 0


def test_iso_dates_and_parsed_dates_are_accepted_too() -> None:
    pd = pytest.importorskip("pandas")
    header = pd.DataFrame({"CHILD": ["FX1"], "DOB": [pd.Timestamp("2008-01-02")]})
    episodes = pd.DataFrame({"CHILD": ["FX1", "FX1"], "DECOM": ["2024-01-01", "01/02/2024"],
                             "LS": ["c2", "C2"], "PLACE": ["U4", "u4"], "DEC": ["01/02/2024", None],
                             "REC": ["X1", None]})  # fmt: skip
    result = import_ssda903(header=header, episodes=episodes)
    assert result.people[0].date_of_birth == date(2008, 1, 2)
    assert [(e.start, e.end, e.legal_status) for e in result.episodes] == [
        (date(2024, 1, 1), date(2024, 2, 1), "C2"), (date(2024, 2, 1), None, "C2")]


def test_written_files_run_in_a_population_and_duties_are_not_recorded(
    imported: ImportResult, tmp_path: Path
) -> None:
    out = tmp_path / "imported"
    imported.write(out)
    assert sorted(p.name for p in out.iterdir()) == [
        "episodes.csv", "events.csv", "import-report.json", "import-report.md", "people.csv"]
    assert (out / "events.csv").read_text(encoding="utf-8") == "id,type,date\n"
    accounting = Accounting()
    files = (out / "people.csv", out / "episodes.csv", out / "events.csv")
    rows = list(iter_person_rows(*files, as_of=AS_OF, accounting=accounting))
    assert accounting.balanced and accounting.rows_in == 13 + 22
    assert all(row.data["recorded_events"] == [] for row in rows)
    summaries = {s.not_recorded for s in summaries_of_files(*files, as_of=AS_OF)
                 if hasattr(s, "not_recorded")}  # fmt: skip
    assert any("pathway-plan-missing" in rules for rules in summaries)
    pathway = load_pathway("england")
    fx0108 = next(p for p in imported.to_people() if p.id == "FX0108")
    roadmap = generate_roadmap(fx0108, as_of=AS_OF, pathway=pathway)
    assert "pathway-plan-missing" not in {g.rule for g in roadmap.gaps}
    assert "pathway-plan-missing" in {g.rule for g in roadmap.not_recorded}


def test_run_imported_counts_not_recorded_and_writes_no_personal_data(imported: ImportResult) -> None:
    run = run_imported(imported, as_of=AS_OF, workers=1)
    assert run.accounting.balanced and run.accounting.rows_in == 13 + 22
    assert run.result.gaps["pathway-plan-missing"] == 0
    # FX0104, FX0105, FX0106, FX0107, FX0108 and FX0110 are due a pathway plan (FX0112 is not
    # yet): the return cannot show one, so none of them is a gap.
    assert run.result.not_recorded["pathway-plan-missing"] == 6
    assert run.import_report is imported.report


def test_the_output_folder_is_private_and_replaced_whole(imported: ImportResult, tmp_path: Path) -> None:
    out = tmp_path / "out"
    imported.write(out)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o700
    (out / "people.csv").write_text("stale", encoding="utf-8")
    imported.write(out)  # an earlier import's folder is replaced, all of it
    assert (out / "people.csv").read_text(encoding="utf-8").startswith("id,date_of_birth")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # nothing left beside it
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(InputError, match="holds other files"):
        imported.write(other)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other", "out"]


def test_the_report_has_no_value_from_any_row(imported: ImportResult) -> None:
    text = imported.report.to_json() + imported.report.to_markdown()
    for path in (*YEAR_1, *YEAR_2, OC3):
        for row in csv.DictReader(path.read_text(encoding="utf-8").splitlines()):
            for column, value in row.items():
                if column in {"CHILD", "DOB", "DECOM", "DEC", "UPN"} and value:
                    assert value not in text, (column, value)
    data = json.loads(imported.report.to_json())
    assert data["rows_read"] == data["rows_kept"] + data["rows_rejected"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("A,B\n1,2\n", "not an SSDA903 table"),
        ("CHILD,SEX,DOB,DUC,ETHNIC,UPN,MOTHER,MC_DOB\n", "more than one SSDA903 table"),
        ("", "the file is empty"),
    ],
)
def test_unusable_files_are_one_line_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "table.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        import_ssda903(files=[path])


def test_a_header_is_needed_and_a_file_counts_once() -> None:
    with pytest.raises(InputError, match="no SSDA903 Header"):
        import_ssda903(episodes=YEAR_2[1])
    with pytest.raises(InputError, match="given twice"):
        import_ssda903(files=[*YEAR_2, YEAR_2[0]])
    with pytest.raises(InputError, match="no column 'DOB'"):
        import_ssda903(header=YEAR_2[1])  # the episodes file given as the header


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ('<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><EXPSSDA903>&b;</EXPSSDA903>',
         "document type declaration"),
        ('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><EXPSSDA903>&e;</EXPSSDA903>',
         "document type declaration"),
        ("<EXPSSDA903><CHILD><HEADER>", "malformed XML"),
        ("<Message/>", "expected <EXPSSDA903>"),
        ("<EXPSSDA903>" + "<a>" * 100 + "</a>" * 100 + "</EXPSSDA903>", "nested more than"),
        ("\x00\xff garbage", "malformed XML"),
    ],
)
def test_hostile_or_malformed_xml_is_refused(tmp_path: Path, xml: str, message: str) -> None:
    path = tmp_path / "return.xml"
    path.write_bytes(xml.encode("latin-1"))
    with pytest.raises(InputError, match=message) as caught:
        import_ssda903(files=[path])
    assert "\n" not in caught.value.one_line()
