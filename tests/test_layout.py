"""Layout conventions of the packages: the exact public names, who may import what, and size.

Each wing re-exports its public names from ``__init__`` with an ``__all__`` asserted here
exactly (as httpx does in ``tests/test_exported_members.py``): adding or removing a public
name is a decision, made in this file too. The other checks read the source with
:mod:`ast`: no module imports another package's private module, the modules import each
other without a cycle, and no function is longer than a screen.
"""

from __future__ import annotations

import ast
import functools
import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("pathways", "cohorts", "roadmaps")
MAX_FUNCTION_LINES = 80

# --- the exact public names ---------------------------------------------------------------

PUBLIC_NAMES = {
    "pathways": [
        "AGENCIES",
        "Agency",
        "Branch",
        "BranchCalibration",
        "BranchEvents",
        "CalendarRoles",
        "CompiledRules",
        "Condition",
        "Context",
        "DateExpr",
        "DateOutOfRangeError",
        "Edge",
        "FIRST_SEPTEMBER_READINGS",
        "Finding",
        "FirstSeptemberReading",
        "GapRule",
        "GraphError",
        "InputError",
        "LEAP_DAY_POLICIES",
        "LeapDayPolicy",
        "MAX_FILE_BYTES",
        "Node",
        "Parameter",
        "PathwayGraph",
        "PathwaysError",
        "ProbabilityTable",
        "Reference",
        "ReferenceFields",
        "Reform",
        "RouteAnalysis",
        "RouteEdge",
        "RouteGraph",
        "RouteNode",
        "RuleDataError",
        "RuleFile",
        "RuleSet",
        "SEVERITIES",
        "SchoolCalendar",
        "Setting",
        "Severity",
        "Source",
        "add_days",
        "add_months",
        "add_weeks",
        "age_on",
        "age_years_months",
        "apply_reforms",
        "area_ids",
        "birthday",
        "calibrate_branch",
        "check_pathway",
        "compulsory_school_age_end",
        "count_branch_events",
        "dated",
        "decode_text",
        "describe_condition",
        "describe_date",
        "diff_rules",
        "excerpt",
        "fe_year_end_containing",
        "graphviz_available",
        "line_of",
        "load_json_text",
        "load_pathway",
        "load_reform",
        "load_rules",
        "load_yaml_text",
        "read_text_file",
        "reformed_pathway",
        "render_dot",
        "school_leaving_date",
        "school_year_end",
        "school_year_start",
        "to_dot",
        "to_frame",
        "value_on",
        "weakest_status",
        "year_group_end",
        "year_group_start",
    ],
    "cohorts": [
        "AreaMove",
        "CEASE_REASONS",
        "CareCodes",
        "CareEpisode",
        "CareStatus",
        "DATA_ROOT",
        "EHCP_SETTINGS",
        "EhcPlan",
        "Event",
        "FACT_TYPES",
        "MAX_CARE_EPISODES",
        "MAX_EVENTS",
        "MAX_PERSON_FILE_BYTES",
        "MAX_TEXT_CHARS",
        "PHASE_TRANSFER_KINDS",
        "Person",
        "PersonRoutes",
        "PhaseTransfer",
        "ServiceUse",
        "SynthResult",
        "available_areas",
        "care_codes",
        "care_status",
        "check_person",
        "load_pathway",
        "load_person",
        "person_care_status",
        "person_context",
        "person_facts",
        "person_from_mapping",
        "person_from_text",
        "person_routes",
        "person_to_mapping",
        "resolve_settings",
        "synthesise",
    ],
    "roadmaps": [
        "AGENCIES",
        "Agency",
        "CareLeaverStatus",
        "CareStatusPeriod",
        "Citation",
        "Entry",
        "Gap",
        "MilestoneMove",
        "Roadmap",
        "RoadmapDiff",
        "RuleRef",
        "STATUSES",
        "ScenarioResult",
        "ServiceSpan",
        "Severity",
        "Status",
        "compare_roadmaps",
        "generate_roadmap",
        "render_diff_text",
        "render_html",
        "render_json",
        "render_markdown",
        "render_svg",
        "render_text",
        "roadmap_json",
        "run_scenario",
        "scenario_files",
    ],
    "roadmaps.render": [
        "GlossaryTerm",
        "glossary_for",
        "load_glossary",
        "render_html",
        "render_json",
        "render_markdown",
        "render_routes_json",
        "render_routes_markdown",
        "render_routes_text",
        "render_svg",
        "render_text",
        "roadmap_html",
        "roadmap_json",
        "routes_view",
        "template_environment",
        "visible_text",
    ],
    "roadmaps.web": [
        "ServerSettings",
        "WebLimits",
        "create_app",
        "listen_sockets",
        "make_server",
        "serve",
        "serve_in_thread",
        "stop_server",
    ],
    "roadmaps.population": [
        "Accounting",
        "CalibrationReport",
        "ComparisonRun",
        "DEFAULT_SETTINGS",
        "DisclosureSettings",
        "FORECAST_MILESTONES",
        "ImportReport",
        "ImportResult",
        "MAX_LINE_CHARS",
        "MAX_ROW_CHARS",
        "PersonRow",
        "PersonSummary",
        "PlanTimeliness",
        "PopulationResult",
        "PopulationRun",
        "PopulationTally",
        "Published",
        "Rejection",
        "Scenario",
        "ScenarioResult",
        "aggregate",
        "calibrate_event_log",
        "check_out_dir",
        "compare_population",
        "compare_population_files",
        "connect",
        "dask_available",
        "default_workers",
        "import_cin",
        "import_sen2",
        "import_ssda903",
        "iter_people",
        "iter_person_rows",
        "merge_imports",
        "open_population",
        "render_reform_yaml",
        "render_report_json",
        "render_report_markdown",
        "report_html",
        "rule_labels",
        "run_imported",
        "run_population",
        "run_population_files",
        "simulate_event_log",
        "summaries_of_files",
        "summarise_roadmap",
        "suppress_count",
        "write_comparison_report",
        "write_event_log",
        "write_population_report",
        "write_rejected_csv",
    ],
    "roadmaps.cli": [
        "build_parser",
        "main",
    ],
    "roadmaps.rule_ids": [
        "ADULT_REASSESSMENT",
        "AGE_14",
        "AGE_18",
        "CARE_LEAVER_END",
        "CARE_LEAVER_SUPPORT_AGE",
        "DEFAULT_AREA",
        "EHCP_LATEST_END",
        "ELIGIBLE_FOR_ADULT_CARE",
        "LEAP_DAY_POLICY",
        "LEAVING_CARE_COUNT_FROM_AGE",
        "NEET",
        "NHS_CONTINUING_HEALTHCARE",
        "ROUTE_CALIBRATION_LEVEL",
        "ROUTE_EXPERT_PRIOR_CASES",
        "TRANSITION_ASSESSMENT",
    ],
    "roadmaps.model": [
        "AGENCIES",
        "Agency",
        "CareLeaverStatus",
        "CareStatusPeriod",
        "Citation",
        "Entry",
        "Gap",
        "Roadmap",
        "RuleRef",
        "STATUSES",
        "ServiceSpan",
        "Severity",
        "Status",
    ],
}


@pytest.mark.parametrize("package", sorted(PUBLIC_NAMES))
def test_public_names_are_exactly_these(package: str) -> None:
    module = importlib.import_module(package)
    assert module.__all__ == PUBLIC_NAMES[package]
    assert PUBLIC_NAMES[package] == sorted(PUBLIC_NAMES[package])
    for name in module.__all__:
        assert hasattr(module, name), name


# --- reading the source ---------------------------------------------------------------------


@dataclass(frozen=True)
class Import:
    """One imported module (or name) as Python resolves it, with where the import is."""

    #: The module ``from X import ...`` or ``import X`` names, made absolute.
    module: str
    #: The names after ``import`` in ``from X import a, b``; () for ``import X``.
    names: tuple[str, ...]
    line: int
    #: Runs when the module is imported: not in a function nor in an ``if TYPE_CHECKING:`` block.
    top_level: bool


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    tree: ast.Module

    @property
    def package(self) -> str:
        """The package the module lives in (a package's ``__init__`` lives in itself)."""
        if self.path.name == "__init__.py":
            return self.name
        return self.name.rpartition(".")[0]

    @property
    def where(self) -> str:
        return self.path.relative_to(ROOT).as_posix()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@functools.cache
def package_modules() -> dict[str, Module]:
    """Every module of the three packages, parsed, by dotted name."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = _module_name(path)
            modules[name] = Module(
                name, path, ast.parse(path.read_text(encoding="utf-8"), str(path))
            )
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _statements(body: list[ast.stmt], top_level: bool) -> Iterator[tuple[ast.stmt, bool]]:
    """Every statement, with whether it runs at import time."""
    for statement in body:
        yield statement, top_level
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from _statements(statement.body, False)
        elif isinstance(statement, ast.If) and _is_type_checking(statement.test):
            yield from _statements(statement.body, False)
            yield from _statements(statement.orelse, top_level)
        else:
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                for child in getattr(statement, field, []):
                    if isinstance(child, ast.stmt):
                        yield from _statements([child], top_level)
                    elif isinstance(child, ast.ExceptHandler | ast.match_case):
                        yield from _statements(child.body, top_level)


def imports_of(module: Module) -> Iterator[Import]:
    for statement, top_level in _statements(module.tree.body, True):
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                yield Import(alias.name, (), statement.lineno, top_level)
        elif isinstance(statement, ast.ImportFrom):
            names = tuple(alias.name for alias in statement.names)
            if statement.level:
                base = module.package.split(".")
                base = base[: len(base) - (statement.level - 1)]
                target = ".".join([*base, statement.module] if statement.module else base)
            else:
                target = statement.module or ""
            yield Import(target, names, statement.lineno, top_level)


def _owner_of_private(dotted: str) -> str | None:
    """The package whose private module ``dotted`` names (``pathways._dates`` → ``pathways``)."""
    parts = dotted.split(".")
    for index, part in enumerate(parts):
        if part.startswith("_") and not part.startswith("__"):
            return ".".join(parts[:index])
    return None


# --- who may import what --------------------------------------------------------------------


def test_no_module_imports_another_packages_private_module() -> None:
    """A private module (``_name``) is imported only from the package it lives in.

    ``roadmaps/render/_svg.py`` may import ``roadmaps.render._text`` and the public
    ``roadmaps``, but not ``roadmaps.model`` (its parent's private module) nor
    ``pathways._dates``; ``from .. import _model`` counts too.
    """
    modules = package_modules()
    offenders = []
    for module in modules.values():
        for imported in imports_of(module):
            if imported.module.split(".")[0] not in PACKAGES:
                continue
            targets = [imported.module]
            targets += [
                f"{imported.module}.{name}"
                for name in imported.names
                if f"{imported.module}.{name}" in modules
            ]
            for target in targets:
                owner = _owner_of_private(target)
                if owner is not None and owner != module.package:
                    offenders.append(f"{module.where}:{imported.line} imports {target}")
    assert offenders == []


def import_graph(modules: dict[str, Module]) -> nx.DiGraph[str]:
    """Which module imports which when it is imported (``__init__`` re-exports included)."""
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(modules)
    for module in modules.values():
        for imported in imports_of(module):
            if not imported.top_level:
                continue
            submodules = [
                f"{imported.module}.{name}"
                for name in imported.names
                if f"{imported.module}.{name}" in modules
            ]
            names_not_modules = len(submodules) < len(imported.names) or not imported.names
            targets = submodules + ([imported.module] if names_not_modules else [])
            for target in targets:
                if target in modules and target != module.name:
                    graph.add_edge(module.name, target, line=imported.line)
    return graph


def test_modules_import_each_other_without_a_cycle() -> None:
    """Importing any module first never needs a module that is still half-imported.

    A wing that imports the ``roadmaps`` facade while ``roadmaps/__init__.py`` re-exports
    from that wing is such a cycle: it works only while the imports keep their order.
    """
    graph = import_graph(package_modules())
    cycles = sorted(" -> ".join([*cycle, cycle[0]]) for cycle in nx.simple_cycles(graph))
    assert cycles == []


def test_no_function_is_longer_than_a_screen() -> None:
    too_long = [
        f"{module.where}:{node.lineno} {node.name} ({lines} lines)"
        for module in package_modules().values()
        for node in ast.walk(module.tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (lines := (node.end_lineno or node.lineno) - node.lineno + 1) > MAX_FUNCTION_LINES
    ]
    assert too_long == []


def test_test_modules_have_unique_names() -> None:
    """No two files in ``tests/`` share a name, as pytest imports each by its bare name.

    ``tests/`` has no ``__init__.py``. Conftest files are the exception pytest handles itself.
    """
    names = sorted(
        path.name for path in (ROOT / "tests").rglob("*.py") if path.name != "conftest.py"
    )
    repeated = sorted({name for name in names if names.count(name) > 1})
    assert repeated == []
