"""Scenario files: the expectations a scenario can state and how failures are worded."""

from __future__ import annotations

from pathlib import Path

from roadmaps._scenarios import run_scenario

PERSON = """\
name: gaps_since
person:
  id: s
  date_of_birth: 2013-05-05
  events:
    - {type: ehc-assessment-request, date: 2026-04-20}
as_of: 2026-11-23
expect:
  gaps: [ehc-assessment-late]
  gaps_since:
"""


def _run(tmp_path: Path, since: str) -> tuple[str, ...]:
    path = tmp_path / "s.yaml"
    path.write_text(PERSON + since, encoding="utf-8")
    return run_scenario(path).failures


def test_gaps_since_checks_the_first_late_day(tmp_path: Path) -> None:
    found = _run(tmp_path, "    ehc-assessment-late: 2000-01-01\n")
    assert len(found) == 1 and found[0].startswith("gap ehc-assessment-late: since ")
    assert found[0].endswith("!= expected 2000-01-01")


def test_gaps_since_reports_a_gap_that_did_not_fire(tmp_path: Path) -> None:
    failures = _run(tmp_path, "    annual-health-check-missed: 2026-01-01\n")
    assert failures == ("gap annual-health-check-missed: expected since 2026-01-01 but the gap did not fire with a date",)
