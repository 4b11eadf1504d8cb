"""Shared test set-up: scenario files are collected as tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from roadmaps._scenarios import run_scenario

SCENARIOS = Path(__file__).parent / "scenarios"


class ScenarioFile(pytest.File):
    def collect(self):  # type: ignore[no-untyped-def]
        yield ScenarioItem.from_parent(self, name=self.path.stem)


class ScenarioItem(pytest.Item):
    def runtest(self) -> None:
        result = run_scenario(self.path)
        if not result.passed:
            raise ScenarioFailure(result.failures)

    def repr_failure(self, excinfo, style=None):  # type: ignore[no-untyped-def]
        if isinstance(excinfo.value, ScenarioFailure):
            return "\n".join(excinfo.value.failures)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):  # type: ignore[no-untyped-def]
        return self.path, 0, f"scenario: {self.name}"


class ScenarioFailure(Exception):
    def __init__(self, failures: tuple[str, ...]) -> None:
        super().__init__("; ".join(failures))
        self.failures = failures


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.suffix == ".yaml" and file_path.parent == SCENARIOS:
        return ScenarioFile.from_parent(parent, path=file_path)
    return None
