"""Fuzzing person files and population CSVs (issue 13): no traceback, one short error line, fast.

A fixed small budget runs in CI; ``benchmarks/fuzz_inputs.py`` runs the same
cases at length and prints the figures quoted in docs/hardening.md. The
strategies and the check are in ``tests/fuzz_strategies.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzz_strategies import person_files, population_files, run_person_file, run_population
from hypothesis import HealthCheck, given, settings

BUDGET = settings(
    max_examples=200,
    deadline=None,  # each run is timed by run_command (at most 5 s), not by hypothesis
    derandomize=True,  # the same cases on every CI run
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@BUDGET
@given(case=person_files())
def test_person_files_give_a_roadmap_or_one_short_error(folder: Path, case: tuple[str, bytes]) -> None:
    suffix, content = case
    run_person_file(suffix, content, folder)


@settings(BUDGET, max_examples=100)
@given(files=population_files())
def test_population_files_run_or_give_one_short_error(
    folder: Path, files: tuple[bytes, bytes | None, bytes | None]
) -> None:
    run_population(files, folder)
