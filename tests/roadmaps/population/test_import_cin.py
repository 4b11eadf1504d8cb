"""Importing the Children in Need census: disability for the adult-care cohort, every row counted."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from cohorts import load_pathway
from pathways import InputError
from roadmaps import generate_roadmap
from roadmaps.population import import_cin, import_ssda903, merge_imports, run_imported

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "returns"
CIN = FIXTURES / "cin_2025.xml"
AS_OF = date(2025, 3, 31)


def test_children_and_their_disabilities() -> None:
    result = import_cin(CIN)
    people = {p.id: (p.date_of_birth, p.disability, p.care_needs_likely) for p in result.people}
    assert people == {
        "CINFX101": (date(2009, 6, 17), ("AUT", "LD"), True),
        "CINFX102": (date(2008, 11, 30), ("NONE",), False),
        "CINFX103": (date(2010, 2, 9), (), False),  # no Disabilities recorded
        "FX0104": (date(2008, 8, 15), ("HEAR",), True),
    }
    assert result.episodes == ()
    people_csv = result.csv_texts()["people.csv"].splitlines()
    assert people_csv[0].endswith(",recorded_events,disability")
    assert people_csv[1] == "CINFX101,2009-06-17,,,,true,false,none,AUT LD"


def test_every_child_is_kept_or_rejected_with_a_reason() -> None:
    report = import_cin(CIN).report
    assert (report.rows_read, report.rows_kept, report.rows_rejected) == (8, 4, 4)
    assert [(r.line, r.reason, r.checks) for r in report.rejections] == [
        (78, "an unborn child (only an expected date of birth): left out", ()),
        (95, "the child died (PersonDeathDate): left out (died)", ()),
        (116, "LAchildID appears again in the same file (an earlier Child has it)", ("8510",)),
        (136, "Disability is not a known CIN disability code", ("8540",)),
    ]
    assert report.failed_checks() == {"8510": 1, "8540": 2}  # the bad code, and none recorded


def test_disability_can_be_left_out_of_the_cohort() -> None:
    result = import_cin(CIN, care_needs_likely="no")
    assert not any(p.care_needs_likely for p in result.people)
    assert {p.id: p.disability for p in result.people}["CINFX101"] == ("AUT", "LD")


def test_a_disabled_child_is_in_the_adult_social_care_cohort() -> None:
    pathway = load_pathway("england")
    people = {p.id: p for p in import_cin(CIN).to_people()}
    roadmap = generate_roadmap(people["CINFX101"], as_of=AS_OF, pathway=pathway)
    assert "adult-social-care" in roadmap.cohorts
    roadmap = generate_roadmap(people["CINFX102"], as_of=AS_OF, pathway=pathway)
    assert "adult-social-care" not in roadmap.cohorts


def test_joined_with_the_ssda903_by_the_child_id() -> None:
    ssda903 = import_ssda903(files=[FIXTURES / "ssda903_2025_header.csv",
                                    FIXTURES / "ssda903_2025_episodes.csv"])  # fmt: skip
    joined = merge_imports([ssda903, import_cin(CIN)])
    fx0104 = next(p for p in joined.people if p.id == "FX0104")
    assert fx0104.care_needs_likely and fx0104.disability == ("HEAR",)
    assert [e.id for e in joined.episodes].count("FX0104") == 1
    assert len(joined.people) == len(ssda903.people) + 3
    assert "1 young people are in more than one return (linked by the child's id)." in joined.report.notes
    assert joined.report.rows_read == ssda903.report.rows_read + 8
    run = run_imported(joined, as_of=AS_OF, workers=1)
    assert run.accounting.balanced


def test_several_years_and_other_collections(tmp_path: Path) -> None:
    later = tmp_path / "cin_2026.xml"
    later.write_text(CIN.read_text(encoding="utf-8").replace("<Disability>LD</Disability>", ""),
                     encoding="utf-8")  # fmt: skip
    result = import_cin(CIN, later)
    assert {p.id: p.disability for p in result.people}["CINFX101"] == ("AUT",)  # the later year
    assert result.report.rows_read == 16 == result.report.rows_kept + result.report.rows_rejected
    other = tmp_path / "sen2.xml"
    other.write_text(CIN.read_text(encoding="utf-8").replace(">CIN<", ">SEN2<"), encoding="utf-8")
    with pytest.raises(InputError, match="not a CIN census"):
        import_cin(other)
    with pytest.raises(InputError, match="no CIN census file"):
        import_cin()
