"""Command-line numbers, dates and --set values under hostile input (issue 13, points 2 and 9):
one short error line and exit 2, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from roadmaps.cli import main

EXAMPLE = str(Path("examples/people/yp-001-in-care-with-ehcp.yaml").resolve())


def _one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and len(lines[0]) <= 300, captured.err
    return lines[0]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("²", "'²' is not a whole number"),  # "²".isdigit() is True, but int("²") fails
        ("\u0661\u0662", "'\u0661\u0662' is not a whole number"),  # int() takes Arabic-Indic digits as 12
        ("0x10", "'0x10' is not a whole number"),
        ("1e3", "'1e3' is not a whole number"),
        ("9" * 5000, "is too large"),  # int() fails past 4,300 digits
        ("99999999999999999999", "is too large"),
    ],
)
def test_whole_numbers_are_ascii_digits(capsys: pytest.CaptureFixture[str], tmp_path: Path, value: str, problem: str) -> None:
    line = _one_line_error(capsys, ["synth", "--n", value, "--seed", "1", "--out", str(tmp_path / "s")])
    assert "argument --n:" in line and problem in line
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        (["synth", "--n", "100000000", "--seed", "1"], "--n must be at most 10,000,000 (got 100,000,000)"),
        (["synth", "--n", "1", "--seed", "²"], "argument --seed: '²' is not a whole number"),
        (["population", "people.csv", "--workers", "100000"], "--workers must be at most 256"),
        (["population", "people.csv", "--workers", "\u0663"], "argument --workers: '\u0663' is not a whole number"),
        (["population", "people.csv", "--threshold", "10000000"], "--threshold must be at most 1,000,000"),
        (["population", "people.csv", "--threshold", "9" * 30], "argument --threshold:"),
        (["routes", EXAMPLE, "--top", "-1"], "'-1' must be 0 or more"),
        (["routes", EXAMPLE, "--top", "²"], "'²' is not a whole number"),
    ],
)
def test_numbers_have_caps(capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], problem: str) -> None:
    if argv[0] in ("synth", "population"):
        argv = [*argv, "--out", str(tmp_path / "out")]
    assert problem in _one_line_error(capsys, argv)


@pytest.mark.parametrize("value", ["20260101", "2026-W01-1", "2026-1-1", "\u0662\u0660\u0662\u0666-\u0660\u0661-\u0660\u0661", "2026-02-30", "x" * 10_000])
def test_as_of_is_written_yyyy_mm_dd(capsys: pytest.CaptureFixture[str], value: str) -> None:
    line = _one_line_error(capsys, ["roadmap", EXAMPLE, "--as-of", value])
    assert "is not a date (expected YYYY-MM-DD)" in line


@pytest.mark.parametrize(
    ("assignment", "problem"),
    [
        ("transition-assessment-age=-1", "'transition-assessment-age' must be from 0 to 30 years (got -1)"),
        ("transition-assessment-age=31", "must be from 0 to 30 years (got 31)"),
        ("pathway-review-months=0", "'pathway-review-months' must be from 1 to 120 months (got 0)"),
        ("pathway-review-months=\u0661\u0662", "needs a whole number (got '\u0661\u0662')"),
        ("pathway-review-months=" + "9" * 5000, "needs a whole number (got '999"),
        ("k" * 5000 + "=1", "is neither a setting nor a parameter"),
        ("leap-day-policy=" + "x" * 5000, "must be one of mar1, feb28 (got 'xxx"),
    ],
)
def test_set_values_are_range_checked_and_quoted_short(
    capsys: pytest.CaptureFixture[str], assignment: str, problem: str
) -> None:
    line = _one_line_error(capsys, ["roadmap", EXAMPLE, "--as-of", "2026-11-23", "--set", assignment])
    assert problem in line


def test_a_set_value_inside_the_bounds_is_used(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["roadmap", EXAMPLE, "--as-of", "2026-11-23", "--set", "transition-assessment-age=16"]
    assert main(argv) == 0
    assert "age 16" in capsys.readouterr().out
