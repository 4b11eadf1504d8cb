"""Importing the SEN2 return: a fake return written to the spec, every figure worked out by hand.

The fixture (tests/fixtures/returns/sen2_2025.xml, invented young people) is the census of
January 2025, so its requests and new plans are those of calendar year 2024. The ids are given
in the order the young people first appear, leaving out those rejected: Alpha SEN2-000001, …,
Lima SEN2-000012, Oscar SEN2-000013, Quebec SEN2-000014 (Mike died, November's date of birth
is not a date, Papa repeats Alpha's UPN).

The 20-week measure for 2024, by hand (days from the request received to the plan issued;
within 20 weeks means at most 140 days):

* Alpha: 4 March to 8 July 2024 = 27 + 30 + 31 + 30 + 8 = 126 days (18 weeks): within.
* Bravo: 5 February to 8 July 2024 = 24 + 31 + 30 + 31 + 30 + 8 = 154 days (22 weeks): late.
* Foxtrot: 1 April to 19 August 2024 = 29 + 31 + 30 + 31 + 19 = 140 days: within (the last day).
* Golf: 175 days, but an exception applies (Week20 = 1): left out of both counts.
* Lima (transferred in) and Quebec (assessed by another authority) are not new plans of this
  authority; Charlie, Delta, Echo, Hotel, Kilo and Oscar are historical.

So 3 new plans excluding exceptions, 2 within 20 weeks (66.7%), 1 exception left out.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from cohorts import load_pathway
from pathways import InputError
from roadmaps import Roadmap, generate_roadmap
from roadmaps.population import (
    DisclosureSettings,
    ImportResult,
    PlanTimeliness,
    import_sen2,
    import_ssda903,
    merge_imports,
    run_imported,
    run_population_files,
    write_population_report,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "returns"
SEN2 = FIXTURES / "sen2_2025.xml"
SSDA903 = [FIXTURES / "ssda903_2025_upn_header.csv", FIXTURES / "ssda903_2025_upn_episodes.csv"]
AS_OF = date(2025, 4, 1)
NAMES = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel", "India",
         "Juliet", "Kilo", "Lima", "Oscar", "Quebec"]  # fmt: skip
ID = {name: f"SEN2-{n:06d}" for n, name in enumerate(NAMES, start=1)}


@pytest.fixture(scope="module")
def imported() -> ImportResult:
    return import_sen2(SEN2)


def _plan(result: ImportResult, name: str) -> tuple[object, ...] | None:
    person = next(p for p in result.people if p.id == ID[name])
    plan = person.ehcp
    if plan is None:
        return None
    return (plan.issued, plan.setting, plan.setting_end, plan.ceased, plan.cease_reason)


def test_each_young_persons_plan_and_setting(imported: ImportResult) -> None:
    plans = {name: _plan(imported, name) for name in NAMES}
    assert plans == {
        "Alpha": (date(2024, 7, 8), "school", None, None, ""),  # a URN: a school
        "Bravo": (date(2024, 7, 8), "school", None, None, ""),
        "Charlie": (date(2016, 11, 1), "further-education", None, date(2024, 9, 13), "higher-education"),
        "Delta": (date(2015, 6, 22), "supported-internship", None, None, ""),  # the WBP flag
        "Echo": (date(2019, 7, 1), "neet", None, None, ""),  # the placement not left
        "Foxtrot": (date(2024, 8, 19), "elective-home-education", None, None, ""),  # SENSetting
        "Golf": (date(2024, 7, 1), "school", None, None, ""),
        "Hotel": (date(2019, 6, 3), "school", None, None, ""),
        "India": None,  # a request not yet decided
        "Juliet": None,  # a request refused
        "Kilo": (date(2018, 7, 2), "school", None, None, ""),
        "Lima": (date(2024, 3, 18), "school", None, None, ""),
        "Oscar": (date(2017, 8, 7), "school", None, None, ""),
        "Quebec": (date(2024, 5, 6), "school", None, None, ""),
    }  # fmt: skip
    upns = {p.id: p.upn for p in imported.people}
    assert upns[ID["India"]] is None  # UPNunknown
    assert upns[ID["Kilo"]] is None  # a wrong check letter
    assert upns[ID["Alpha"]] == "H999000200011"


def test_the_twenty_week_measure_worked_out_by_hand(imported: ImportResult) -> None:
    (measure,) = imported.report.timeliness
    assert measure == PlanTimeliness(year=2024, weeks=20, new_plans=3, within=2, exceptions=1)
    counts = measure.counts()
    assert counts["share_within"] == 0.6667 and counts["later"] == 1
    markdown = imported.report.to_markdown()
    assert "| 2024 | 3 | 2 | 1 | 66.7% | 1 |" in markdown
    assert "exact counts, because this report is a local file" in markdown
    data = json.loads(imported.report.to_json())
    assert data["new_plan_timeliness"]["years"] == [counts]


def test_the_measure_through_disclosure_control() -> None:
    settings = DisclosureSettings()
    small = PlanTimeliness(2024, 20, 3, 2, 1).counts(settings)
    assert (small["new_plans_excluding_exceptions"], small["within_weeks"], small["later"]) == (
        "<5", "<5", "<5")  # fmt: skip
    assert small["share_within"] is None and small["exceptions_left_out"] == "<5"
    larger = PlanTimeliness(2024, 20, 40, 37, 6).counts(settings)
    # 3 late would be hidden, and 37 within hidden too, or 40 - 37 gives it away.
    assert (larger["new_plans_excluding_exceptions"], larger["within_weeks"], larger["later"]) == (
        40, "<5", "<5")  # fmt: skip
    assert larger["share_within"] is None and larger["exceptions_left_out"] == 6


def test_every_row_is_kept_or_rejected_with_a_reason(imported: ImportResult) -> None:
    report = imported.report
    assert (report.rows_read, report.rows_kept, report.rows_rejected) == (35, 28, 7)
    assert [(r.line, r.reason) for r in report.rejections] == [
        (418, "the young person died (CeaseReason 8): left out (died)"),  # Mike
        (426, "the young person died (CeaseReason 8): left out (died)"),  # and his request
        (444, "PersonBirthDate is not a date (yyyy-mm-dd)"),  # November
        (452, "its Person is rejected"),
        (501, "ReceivedDate is not a date (yyyy-mm-dd)"),  # Oscar's second request only
        (507, "the same UPN or unique learner number is on an earlier Person in this file"),
        (515, "the same UPN or unique learner number is on an earlier Person in this file"),
    ]
    assert report.written == {"people.csv": 14, "episodes.csv": 0, "events.csv": 17}
    assert report.failed_checks() == {}  # no public list of SEN2 rule numbers


def test_requests_and_reviews_become_events(imported: ImportResult) -> None:
    events = {(e.id, e.type, e.date) for e in imported.events}
    assert (ID["India"], "ehc-assessment-request", date(2024, 11, 4)) in events
    assert (ID["Delta"], "ehcp-annual-review", date(2024, 6, 10)) in events
    assert not any(e.id == ID["Juliet"] for e in imported.events)  # refused: no plan is due
    assert {p.recorded_events for p in imported.people} == {
        ("ehc-assessment-request", "ehcp-annual-review")}  # fmt: skip
    people_csv = imported.csv_texts()["people.csv"].splitlines()
    assert people_csv[0].endswith(",recorded_events,ehcp_ceased,ehcp_cease_reason,upn")
    assert people_csv[3] == (
        "SEN2-000003,2005-10-21,2016-11-01,further-education,,false,false,"
        "ehc-assessment-request ehcp-annual-review,2024-09-13,higher-education,M999000200033"
    )
    assert imported.csv_texts()["episodes.csv"] == "id,start,end,legal_status,placement,reason_ended\n"


def test_roadmaps_of_the_imported_young_people(imported: ImportResult) -> None:
    pathway = load_pathway("england")
    people = {p.id: p for p in imported.to_people()}

    def roadmap(name: str) -> Roadmap:
        return generate_roadmap(people[ID[name]], as_of=AS_OF, pathway=pathway)

    charlie = roadmap("Charlie")
    ceased = charlie.milestone("ehcp-ceased")
    assert ceased is not None and ceased.date == date(2024, 9, 13)
    assert not [e for e in charlie.entries if e.id == "ehcp-annual-review" and e.date > ceased.date]
    assert "not-in-education-employment-or-training" in {g.rule for g in roadmap("Echo").gaps}
    assert "ehc-assessment-late" in {g.rule for g in roadmap("India").gaps}  # 20 weeks on 24 March
    assert "ehc-assessment-late" not in {g.rule for g in roadmap("Juliet").gaps}
    delta = people[ID["Delta"]].ehcp
    assert delta is not None and delta.setting == "supported-internship"


def test_linked_to_the_ssda903_by_upn() -> None:
    joined = merge_imports([import_sen2(SEN2), import_ssda903(files=SSDA903)])
    assert joined.report.linked == {"in_both": 1, "only_sen2": 13, "only_other": 3}
    assert joined.report.source == "ssda903+sen2"
    fx0201 = next(p for p in joined.people if p.id == "FX0201")  # Hotel: one person, both records
    assert fx0201.ehcp is not None and fx0201.ehcp.issued == date(2019, 6, 3)
    assert [e.start for e in joined.episodes if e.id == "FX0201"] == [date(2022, 4, 1)]
    assert {(e.type, e.date) for e in joined.events if e.id == "FX0201"} == {
        ("ehc-assessment-request", date(2019, 1, 14)), ("ehcp-annual-review", date(2024, 5, 20))}
    ids = {p.id for p in joined.people}
    assert ID["Hotel"] not in ids and ID["Kilo"] in ids  # a wrong check letter links nothing
    assert {"FX0203", "FX0204"} <= ids  # UN4 and the wrong check letter: only in the SSDA903
    assert len(joined.people) == 4 + 14 - 1
    assert joined.report.rows_read == 35 + 8 == joined.report.rows_kept + joined.report.rows_rejected
    assert joined.report.timeliness == import_sen2(SEN2).report.timeliness
    assert any("Linked by UPN" in note for note in joined.report.notes)
    run = run_imported(joined, as_of=AS_OF, workers=1)
    assert run.accounting.balanced
    assert run.accounting.rows_in == 17 + 4 + 17  # people, episodes, events


def test_written_files_give_the_same_run_as_the_import_in_memory(
    imported: ImportResult, tmp_path: Path
) -> None:
    out = tmp_path / "imported"
    imported.write(out)
    files = (out / "people.csv", out / "episodes.csv", out / "events.csv")
    from_files = run_population_files(*files, as_of=AS_OF, workers=1)
    in_memory = run_imported(imported, as_of=AS_OF, workers=1)
    assert from_files.accounting.as_dict() == in_memory.accounting.as_dict() == {
        "rows_in": 14 + 17, "rows_processed": 14 + 17, "rows_rejected": 0}  # fmt: skip
    assert from_files.result.gaps == in_memory.result.gaps
    assert from_files.result.not_recorded == in_memory.result.not_recorded


def test_a_published_report_controls_the_measure_and_holds_no_personal_data(
    imported: ImportResult, tmp_path: Path
) -> None:
    run = run_imported(merge_imports([imported, import_ssda903(files=SSDA903)]), as_of=AS_OF,
                       workers=1)  # fmt: skip
    written = write_population_report(run, tmp_path / "report")
    report = json.loads((tmp_path / "report" / "import-report.json").read_text(encoding="utf-8"))
    (year,) = report["new_plan_timeliness"]["years"]
    assert (year["new_plans_excluding_exceptions"], year["within_weeks"], year["share_within"]) == (
        "<5", "<5", None)  # fmt: skip
    assert report["linked_by_upn"] == {"in_both": "<5", "only_other": "<5", "only_sen2": 13}
    text = "".join(path.read_text(encoding="utf-8") for path in written if path.is_file())
    for value in ("H999000200011", "Y999000200088", "Fixture", "Alpha", "2016-05-14", "SEN2-000002"):
        assert value not in text, value


def test_several_years_are_one_history(tmp_path: Path) -> None:
    earlier = tmp_path / "sen2_2024.xml"
    text = SEN2.read_text(encoding="utf-8").replace("<Year>2025</Year>", "<Year>2024</Year>")
    earlier.write_text(text.replace("<PersonBirthDate>2012-11-02", "<PersonBirthDate>2012-11-03"),
                       encoding="utf-8")  # fmt: skip
    result = import_sen2(earlier, SEN2)
    report = result.report
    assert report.rows_read == 70 == report.rows_kept + report.rows_rejected
    # India (no UPN) and Kilo (no valid UPN) cannot be matched across the years.
    assert len(result.people) == 14 + 2
    assert [(t.year, t.new_plans, t.within, t.exceptions) for t in report.timeliness] == [
        (2023, 0, 0, 0), (2024, 3, 2, 1)]  # fmt: skip
    repaired = {r.rule: len(r.rows) for r in report.repairs}
    assert repaired == {"person-in-several-returns": 11}
    bravo = [r.reason for r in report.rejections if r.file == str(earlier) and r.line in {62, 70}]
    assert bravo == ["PersonBirthDate differs from the young person's record in a file given later "
                     "(that one is used)"] * 2  # fmt: skip


def _one_person(tmp_path: Path, plan: str, placement: str = "") -> Path:
    path = tmp_path / "one.xml"
    path.write_text(
        "<Message><Header><CollectionDetails><Collection>SEN2</Collection><Year>2025</Year>"
        "</CollectionDetails></Header><Persons><Person><PersonBirthDate>2005-01-01</PersonBirthDate>"
        "<Requests><ReceivedDate>2019-01-07</ReceivedDate><RequestOutcome>H</RequestOutcome>"
        f"<Assessment><AssessmentOutcome>H</AssessmentOutcome><NamedPlan>{plan}</NamedPlan>"
        f"</Assessment><ActivePlans>{placement}</ActivePlans></Requests></Person></Persons></Message>",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("plan", "placement", "setting"),
    [
        ("<StartDate>2019-06-03</StartDate><PlanWPB>A</PlanWPB><PlanDetail><UKPRN>1</UKPRN></PlanDetail>",
         "", "apprenticeship"),  # the other spelling of the flag
        ("<StartDate>2019-06-03</StartDate>", "<PlacementDetail><UKPRN>1</UKPRN><WPB>A</WPB></PlacementDetail>",
         "apprenticeship"),
        ("<StartDate>2019-06-03</StartDate>", "<PlacementDetail><UKPRN>1</UKPRN><WBP>X</WBP></PlacementDetail>",
         "further-education"),  # a code that does not say which: the college's setting
        ("<StartDate>2019-06-03</StartDate>", "<PlacementDetail><SENsetting>NIEO</SENsetting></PlacementDetail>",
         "none"),
        ("<StartDate>2019-06-03</StartDate>", "<PlacementDetail><SENsetting>OLA</SENsetting></PlacementDetail>",
         "other"),
        ("<StartDate>2019-06-03</StartDate>", "", "other"),  # no setting at all
    ],
)  # fmt: skip
def test_settings_and_the_two_spellings(tmp_path: Path, plan: str, placement: str, setting: str) -> None:
    result = import_sen2(_one_person(tmp_path, plan, placement))
    (person,) = result.people
    assert person.ehcp is not None and person.ehcp.setting == setting
    unknown = any("work-based learning flag" in note for note in result.report.notes)
    assert unknown == ("<WBP>X" in placement)


@pytest.mark.parametrize(
    ("plan", "placement", "reason"),
    [
        ("<StartDate>2019-06-03</StartDate>", "<PlacementDetail><SENsetting>ZZZ</SENsetting></PlacementDetail>",
         "SENsetting is not a known code"),
        ("<StartDate>2019-06-03</StartDate><CeaseDate>2024-01-01</CeaseDate><CeaseReason>12</CeaseReason>", "",
         "CeaseReason is not a known code"),
        ("<StartDate>2019-06-03</StartDate><CeaseReason>3</CeaseReason>", "",
         "CeaseReason is given but CeaseDate is empty"),
        ("<StartDate>2019-06-03</StartDate><CeaseDate>2018-01-01</CeaseDate>", "",
         "CeaseDate is before StartDate"),
        ("<StartDate>2018-12-03</StartDate>", "", "NamedPlan StartDate is before the request's ReceivedDate"),
        ("", "", "NamedPlan StartDate is empty"),
        ("<StartDate>2019-06-03</StartDate>", "<ReviewMeeting>tomorrow</ReviewMeeting>",
         "ReviewMeeting is not a date (yyyy-mm-dd)"),
    ],
)  # fmt: skip
def test_a_bad_request_is_rejected_with_its_person(
    tmp_path: Path, plan: str, placement: str, reason: str
) -> None:
    report = import_sen2(_one_person(tmp_path, plan, placement)).report
    assert [r.reason for r in report.rejections] == [  # the Person, then its request
        "no Requests of the Person could be read (each is rejected)", reason]  # fmt: skip
    assert report.rows_read == 2 == report.rows_rejected


def test_the_report_has_no_value_from_any_row(imported: ImportResult) -> None:
    text = imported.report.to_json() + imported.report.to_markdown()
    for value in ("Fixture", "Alpha", "H999000200011", "2016-05-14", "2024-03-04", "999901", "ZZ9"):
        assert value not in text, value


def test_unusable_files_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no SEN2 file"):
        import_sen2()
    with pytest.raises(InputError, match="not a SEN2 return"):
        import_sen2(FIXTURES / "cin_2025.xml")
    with pytest.raises(InputError, match="given twice"):
        import_sen2(SEN2, SEN2)
    with pytest.raises(InputError, match="two SEN2 imports"):
        merge_imports([import_sen2(SEN2), import_sen2(SEN2)])
    bomb = tmp_path / "bomb.xml"
    bomb.write_text('<!DOCTYPE m [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><Message>&b;</Message>',
                    encoding="utf-8")  # fmt: skip
    with pytest.raises(InputError, match="document type declaration") as caught:
        import_sen2(bomb)
    assert "\n" not in caught.value.one_line()


def _cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "roadmaps.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_the_command_line(tmp_path: Path) -> None:
    out = tmp_path / "imported"
    result = _cli("import", "sen2", SEN2, "--out", out)
    assert result.returncode == 0, result.stderr
    assert "read 35 rows from 1 files: 28 kept, 7 rejected" in result.stdout
    assert ("new EHC plans issued in 2024 within 20 weeks of the request: 2 of 3 (66.7%), "
            "excluding 1 with exceptions") in result.stdout  # fmt: skip
    assert "wrote 14 young people, 0 episodes and 17 events" in result.stdout
    report = tmp_path / "report"
    result = _cli("population", "--ssda903", SSDA903[0], "--ssda903", SSDA903[1], "--sen2", SEN2,
                  "--as-of", "2025-04-01", "--workers", "1", "--out", report)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "linked by UPN: 1 young people in both" in result.stdout
    assert "people.csv" not in {p.name for p in report.iterdir()}
    bomb = tmp_path / "bomb.xml"
    bomb.write_text('<!DOCTYPE m [<!ENTITY e SYSTEM "file:///etc/passwd">]><Message>&e;</Message>',
                    encoding="utf-8")  # fmt: skip
    result = _cli("import", "sen2", bomb, "--out", tmp_path / "never")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "document type" in lines[0]
    assert "Traceback" not in result.stderr and not (tmp_path / "never").exists()
