"""The command-line tool, run as users run it: bad input is one line on stderr and exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path("examples/people/yp-001-in-care-with-ehcp.yaml").resolve()


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "roadmaps.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=60,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def write(tmp_path: Path, text: str, name: str = "person.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


GOOD = "id: t1\ndate_of_birth: 2009-01-10\ncare_needs_likely: true\n"


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("id: t1\ndate_of_birth: [2009\n", ("person.yaml", "malformed YAML")),
        (GOOD + "favourite_colour: blue\n", ("person.yaml", "favourite_colour", "unknown field")),
        ("id: t1\ndate_of_birth: 2030-01-01\n", ("person.yaml", "date_of_birth", "after the as-of date")),
        ("id: t1\ndate_of_birth: 2009-02-30\n", ("person.yaml", "date_of_birth", "not a valid date")),
        (GOOD + "care_episodes:\n  - {start: 2024-05-01, end: 2024-01-01}\n",
         ("person.yaml", "care_episodes[0]", "ends", "before it starts")),
        (GOOD + "events:\n  - {type: birthday-party, date: 2024-01-01}\n",
         ("person.yaml", "events[0].type", "unknown event type 'birthday-party'")),
        ("id: t1\n", ("person.yaml", "date_of_birth", "required")),
        (GOOD + "ehcp: {issued: 2016-05-01, setting: university}\n", ("ehcp.setting", "must be one of")),
        ("- just\n- a list\n", ("person.yaml", "mapping")),
    ],
)
def test_bad_person_files(tmp_path: Path, text: str, needles: tuple[str, ...]) -> None:
    result = run("roadmap", write(tmp_path, text), "--as-of", "2026-11-23")
    assert_one_line_error(result, *needles)


def test_malformed_json_person_file(tmp_path: Path) -> None:
    result = run("roadmap", write(tmp_path, '{"id": "t1", ', "p.json"), "--as-of", "2026-11-23")
    assert_one_line_error(result, "p.json", "malformed JSON")


def test_unknown_area() -> None:
    assert_one_line_error(run("roadmap", str(EXAMPLE), "--area", "atlantis"), "unknown area 'atlantis'")


def test_bad_as_of_date_and_missing_file() -> None:
    assert_one_line_error(run("roadmap", str(EXAMPLE), "--as-of", "2026-13-01"), "not a date")
    assert_one_line_error(run("roadmap", "no-such-file.yaml"), "no-such-file.yaml", "cannot read")


def test_bad_set_option() -> None:
    assert_one_line_error(run("roadmap", str(EXAMPLE), "--set", "age-of-majority=21"), "statutory")
    assert_one_line_error(run("roadmap", str(EXAMPLE), "--set", "colour=blue"), "neither a setting")


def test_roadmap_text_markdown_and_json() -> None:
    text = run("roadmap", str(EXAMPLE), "--as-of", "2026-11-23")
    assert text.returncode == 0 and "Roadmap for yp-001" in text.stdout and "pathway-plan-missing" in text.stdout
    markdown = run("roadmap", str(EXAMPLE), "--as-of", "2026-11-23", "--format", "markdown")
    assert markdown.stdout.startswith("# Roadmap for yp-001") and "| Date |" in markdown.stdout
    data = json.loads(run("roadmap", str(EXAMPLE), "--as-of", "2026-11-23", "--format", "json").stdout)
    assert data["person_id"] == "yp-001" and data["as_of"] == "2026-11-23" and data["area"] == "england"
    ids = {m["id"] for m in data["milestones"]}
    assert {"age-18", "transition-assessment", "leaving-care-eligible", "ehcp-latest-end"} <= ids


def test_leap_day_option_and_set(tmp_path: Path) -> None:
    person = write(tmp_path, "id: t1\ndate_of_birth: 2008-02-29\ncare_needs_likely: true\n")
    data = json.loads(run("roadmap", person, "--as-of", "2025-01-01", "--leap-day", "feb28", "--format", "json",
                          "--set", "transition-assessment-age=16").stdout)
    dates = {m["id"]: m["date"] for m in data["milestones"]}
    assert dates["age-18"] == "2026-02-28"
    assert dates["transition-assessment"] == "2024-02-29"
    assert data["settings"]["leap-day-policy"] == "feb28"


def test_output_file_is_written_whole(tmp_path: Path) -> None:
    out = tmp_path / "roadmap.md"
    result = run("roadmap", str(EXAMPLE), "--as-of", "2026-11-23", "--format", "markdown", "-o", str(out))
    assert result.returncode == 0 and result.stdout == ""
    assert out.read_text().startswith("# Roadmap")
    assert not list(tmp_path.glob(".*.tmp"))


def test_check_passes_on_shipped_data() -> None:
    result = run("check", "--as-of", "2026-11-23")
    assert result.returncode == 0, result.stderr
    assert "0 errors" in result.stdout and "uncited" not in result.stdout
    assert "service-without-successor" in result.stdout  # real structural gaps are reported


def test_check_reports_a_broken_rules_dir(tmp_path: Path) -> None:
    (tmp_path / "england").mkdir()
    (tmp_path / "england" / "area.yaml").write_text("id: england\nlabel: x\nreviewed_on: 2026-01-01\nsurprise: 1\n")
    assert_one_line_error(run("check", str(tmp_path)), "area.yaml", "unknown key 'surprise'")


def test_check_warns_about_a_stale_master_pathway() -> None:
    result = run("check", "--as-of", "2027-06-01")
    assert "stale-review" in result.stdout


def test_graph_dot_needs_no_binary() -> None:
    result = run("graph", "--format", "dot", "--cohort", "care-leavers")
    assert result.returncode == 0 and result.stdout.startswith("digraph pathway {")
    assert '"leaving-care-eligible"' in result.stdout and '"ehcp-latest-end"' not in result.stdout
    assert_one_line_error(run("graph", "--cohort", "pirates"), "unknown cohort")


def test_usage_errors_are_one_line() -> None:
    assert_one_line_error(run("roadmap"), "PERSON_FILE")
    assert_one_line_error(run("frobnicate"), "invalid choice")


def test_scenarios_command_runs_user_scenarios(tmp_path: Path) -> None:
    good = run("scenarios", "tests/scenarios")
    assert good.returncode == 0 and "0 failed" in good.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: wrong\nperson: {id: b, date_of_birth: 2009-01-10}\nas_of: 2026-11-23\n"
                   "expect:\n  milestones:\n    age-18: 2027-01-11\n")
    result = run("scenarios", str(bad))
    assert result.returncode == 1
    assert "FAIL" in result.stdout and "age-18: date 2027-01-10 != expected 2027-01-11" in result.stdout


def test_roadmap_rejects_an_unknown_cohort() -> None:
    assert_one_line_error(run("roadmap", str(EXAMPLE), "--cohort", "pirates"), "unknown cohort 'pirates'")


def test_the_person_files_area_is_used_unless_the_option_overrides_it(tmp_path: Path) -> None:
    person = write(tmp_path, GOOD + "area: leicester\n")
    assert "(leicester)" in run("roadmap", person, "--as-of", "2026-11-23").stdout.splitlines()[0]
    assert "(peterborough)" in run("roadmap", person, "--as-of", "2026-11-23", "--area", "peterborough").stdout
    assert "(england)" in run("roadmap", write(tmp_path, GOOD, "plain.yaml"), "--as-of", "2026-11-23").stdout


def test_an_unknown_care_code_is_one_line_naming_the_field(tmp_path: Path) -> None:
    person = write(tmp_path, GOOD + "care_episodes: [{start: 2024-01-01, end: 2024-05-01, reason_ended: E99}]\n")
    assert_one_line_error(run("roadmap", person, "--as-of", "2026-11-23"), "care_episodes[0]", "E99")
