"""Packaging conventions: sorted public names, rule data inside the wheel, runnable examples."""

from __future__ import annotations

import importlib
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("package", ["pathways", "cohorts", "roadmaps"])
def test_all_is_sorted_and_importable(package: str) -> None:
    module = importlib.import_module(package)
    assert module.__all__ == sorted(module.__all__)
    for name in module.__all__:
        assert hasattr(module, name), name


def test_dependencies_point_one_way() -> None:
    for path in (ROOT / "pathways").glob("*.py"):
        text = path.read_text()
        assert "from cohorts" not in text and "import cohorts" not in text, path
        assert "from roadmaps" not in text and "import roadmaps" not in text, path
    for path in (ROOT / "cohorts").glob("*.py"):
        text = path.read_text()
        assert "from roadmaps" not in text and "import roadmaps" not in text, path


def test_only_the_dates_module_imports_dateutil() -> None:
    offenders = [
        p for pkg in ("pathways", "cohorts", "roadmaps") for p in (ROOT / pkg).rglob("*.py")
        if "dateutil" in p.read_text() and p.name != "_dates.py"
    ]
    assert offenders == []


@pytest.mark.slow
def test_wheel_contains_the_rule_data(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    wheel = next(tmp_path.glob("*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for area in ("england", "leicester", "peterborough"):
        assert f"cohorts/data/{area}/area.yaml" in names
    assert "cohorts/data/england/care-leavers.yaml" in names
    templates = ROOT / "roadmaps" / "render" / "templates"
    for template in sorted(templates.iterdir()):
        assert f"roadmaps/render/templates/{template.name}" in names
    assert "roadmaps/render/templates/page.html" in names
    assert any(n.startswith("roadmaps/") for n in names)


def test_examples_run() -> None:
    for person in sorted((ROOT / "examples" / "people").glob("*.yaml")):
        area = next((a for a in ("leicester", "peterborough") if a in person.stem), "england")
        result = subprocess.run(
            [sys.executable, "-m", "roadmaps.cli", "roadmap", str(person), "--as-of", "2026-11-23", "--area", area],
            capture_output=True, text=True, timeout=60,
        )
        assert result.returncode == 0, (person, result.stderr)
        assert "Roadmap for" in result.stdout
    for script in sorted((ROOT / "examples").glob("*.py")):
        result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=ROOT)
        assert result.returncode == 0, (script, result.stderr[-2000:])


def test_committed_example_outputs_are_current() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_examples.py"), "--check"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
