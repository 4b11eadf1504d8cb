"""``pathways import`` and ``pathways population --ssda903``, run as a council analyst would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "returns"
YEARS = [
    FIXTURES / "ssda903_2024_header.csv",
    FIXTURES / "ssda903_2024_episodes.csv",
    FIXTURES / "ssda903_2025_header.csv",
    FIXTURES / "ssda903_2025_episodes.csv",
]


def cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "roadmaps.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=120)  # fmt: skip


def assert_one_line_error(result: subprocess.CompletedProcess[str], needle: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_import_then_population(tmp_path: Path) -> None:
    out = tmp_path / "imported"
    result = cli("import", "ssda903", *YEARS, "--oc3", FIXTURES / "ssda903_2025_oc3.csv",
                 "--uasc", FIXTURES / "ssda903_2025_uasc.csv", "--out", out)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "read 63 rows from 6 files: 52 kept, 11 rejected" in result.stdout
    assert "DfE checks failed: 142 (1 row), 144 (1 row)" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == [
        "episodes.csv", "events.csv", "import-report.json", "import-report.md", "people.csv"]
    report = tmp_path / "report"
    result = cli("population", out / "people.csv", "--episodes", out / "episodes.csv",
                 "--events", out / "events.csv", "--as-of", "2025-03-31", "--workers", "1",
                 "--out", report)  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads((report / "summary.json").read_text(encoding="utf-8"))
    assert summary["gaps"]["pathway-plan-missing"] == 0
    assert summary["not_recorded"]["pathway-plan-missing"] == 6
    assert "## Not recorded" in (report / "report.md").read_text(encoding="utf-8")


def test_population_straight_from_the_returns(tmp_path: Path) -> None:
    report = tmp_path / "report"
    result = cli("population", "--ssda903", FIXTURES / "ssda903_2025.xml",
                 "--cin", FIXTURES / "cin_2025.xml", "--as-of", "2025-03-31", "--workers", "1",
                 "--out", report)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "read 44 rows from 2 files" in result.stdout
    names = sorted(p.name for p in report.iterdir())
    assert "import-report.json" in names and "import-report.md" in names
    assert "people.csv" not in names and "episodes.csv" not in names  # no personal data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]
    imported = json.loads((report / "import-report.json").read_text(encoding="utf-8"))
    assert imported["source"] == "ssda903+cin"
    summary = json.loads((report / "summary.json").read_text(encoding="utf-8"))
    assert summary["rows_in"] == summary["rows_processed"] + summary["rows_rejected"]


def test_import_cin(tmp_path: Path) -> None:
    result = cli("import", "cin", FIXTURES / "cin_2025.xml", "--care-needs-likely", "no",
                 "--out", tmp_path / "cin")  # fmt: skip
    assert result.returncode == 0, result.stderr
    people = (tmp_path / "cin" / "people.csv").read_text(encoding="utf-8").splitlines()
    assert people[1] == "CINFX101,2009-06-17,,,,false,false,none,AUT LD"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["population", "--out", "x"], "give PEOPLE_CSV, or the returns"),
        (["population", "p.csv", "--ssda903", str(FIXTURES / "ssda903_2025.xml"), "--out", "x"],
         "not both"),
        (["import", "ssda903", str(FIXTURES / "cin_2025.xml"), "--out", "x"], "expected <EXPSSDA903>"),
        (["import", "cin", str(FIXTURES / "ssda903_2025.xml"), "--out", "x"], "expected <Message>"),
        (["import", "ssda903", str(FIXTURES / "README.md"), "--out", "x"], "not an SSDA903 table"),
        (["import", "sen2", "f.xml", "--out", "x"], "f.xml: cannot read the file"),
        (["import", "sen2", str(FIXTURES / "cin_2025.xml"), "--out", "x"], "not a SEN2 return"),
        (["import", "sen3", "f.xml", "--out", "x"], "invalid choice"),
    ],
)
def test_bad_arguments_and_files_are_one_line_errors(
    tmp_path: Path, args: list[str], needle: str
) -> None:
    result = cli(*args, cwd=tmp_path)
    assert_one_line_error(result, needle)
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_hostile_xml_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xml"
    entities = "".join(f'<!ENTITY e{i} "{f"&e{i - 1};" * 10 if i else "lol"}">' for i in range(10))
    bomb.write_text(f"<!DOCTYPE x [{entities}]><EXPSSDA903>&e9;</EXPSSDA903>", encoding="utf-8")
    result = cli("import", "ssda903", bomb, "--out", tmp_path / "out")
    assert_one_line_error(result, "document type declaration")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bomb.xml"]
