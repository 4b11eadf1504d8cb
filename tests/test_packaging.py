"""Packaging conventions: sorted public names, dependencies behind one module each, rule data
inside the wheel, runnable examples.
"""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("package", ["pathways", "cohorts", "roadmaps"])
def test_all_is_sorted_and_importable(package: str) -> None:
    module = importlib.import_module(package)
    assert module.__all__ == sorted(module.__all__)
    for name in module.__all__:
        assert hasattr(module, name), name


def test_dependencies_point_one_way() -> None:
    for path in (ROOT / "pathways").rglob("*.py"):
        text = path.read_text()
        assert "from cohorts" not in text and "import cohorts" not in text, path
        assert "from roadmaps" not in text and "import roadmaps" not in text, path
    for path in (ROOT / "cohorts").rglob("*.py"):
        text = path.read_text()
        assert "from roadmaps" not in text and "import roadmaps" not in text, path


def _rule_ids(data: object) -> set[str]:
    """Every ``id`` in a parsed rule-data file, at any depth (nodes, parameters, options, …)."""
    if isinstance(data, dict):
        found = {data["id"]} if isinstance(data.get("id"), str) else set()
        return found.union(*(_rule_ids(value) for value in data.values()))
    if isinstance(data, list):
        return set().union(*(_rule_ids(item) for item in data))
    return set()


def _string_literals(path: Path) -> set[str]:
    """The string constants of a module, leaving out docstrings (their examples are prose)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
    }
    return {
        node.value for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    }


def test_no_rule_id_appears_in_the_engine() -> None:
    """The engine knows no cohort: the rule data names the rules that play its roles (area.yaml)."""
    ids = set().union(*(
        _rule_ids(yaml.safe_load(path.read_text(encoding="utf-8")))
        for path in (ROOT / "cohorts" / "data").rglob("*.yaml")
    ))
    assert {"school-year-start", "csa-first-september-birthday", "age-18", "england"} <= ids
    named = {
        path.name: sorted(_string_literals(path) & ids) for path in (ROOT / "pathways").glob("*.py")
    }
    assert {name: found for name, found in named.items() if found} == {}


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def test_no_module_imports_dateutil() -> None:
    """python-dateutil is a test dependency only (add_months is checked against it)."""
    offenders = [
        p for pkg in ("pathways", "cohorts", "roadmaps") for p in (ROOT / pkg).rglob("*.py")
        if any(name.split(".")[0] == "dateutil" for name in _imported_modules(p))
    ]
    assert offenders == []


def _modules_importing(top_level_name: str) -> list[str]:
    """The package modules with an absolute ``import X`` or ``from X import ...`` of that name."""
    found = []
    for pkg in ("pathways", "cohorts", "roadmaps"):
        for path in sorted((ROOT / pkg).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                if any(name.split(".")[0] == top_level_name for name in names):
                    found.append(path.relative_to(ROOT).as_posix())
                    break
    return found


def test_only_the_dot_module_imports_the_graphviz_package() -> None:
    """The Python ``graphviz`` package, a declared dependency, sits behind one backend module."""
    assert _modules_importing("graphviz") == ["pathways/_dot.py"]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert any(
        requirement.lower().startswith("graphviz") for requirement in project["dependencies"]
    )


def test_every_runtime_dependency_is_imported() -> None:
    """A dependency is declared because a module uses it (the others belong in an extra)."""
    runtime = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    distributions = {re.split(r"[<>=!~ \[;]", requirement, maxsplit=1)[0] for requirement in runtime}
    import_names = {"PyYAML": "yaml"}
    imported = {
        name.split(".")[0]
        for pkg in ("pathways", "cohorts", "roadmaps") for path in (ROOT / pkg).rglob("*.py")
        for name in _imported_modules(path)
    }
    assert {d for d in distributions if import_names.get(d, d.lower()) not in imported} == set()


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
    for wing in ("render", "population"):
        templates = ROOT / "roadmaps" / wing / "templates"
        for template in sorted(templates.iterdir()):
            assert f"roadmaps/{wing}/templates/{template.name}" in names
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
