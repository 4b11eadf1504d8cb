"""One young person's roadmap: the generator, the roadmap model, comparisons and scenarios.

The wings hold what each use needs: :mod:`roadmaps.render` (text, Markdown,
JSON, HTML, SVG), :mod:`roadmaps.web` (the practitioner's web app),
:mod:`roadmaps.population` (population runs, disclosure control, comparison,
calibration) and :mod:`roadmaps.cli` (the ``pathways`` command). The renderers
most people need are re-exported here.
"""

from ._compare import MilestoneMove, RoadmapDiff, compare_roadmaps, render_diff_text
from ._roadmap import generate_roadmap
from ._scenarios import ScenarioResult, run_scenario, scenario_files
from .model import (
    AGENCIES,
    STATUSES,
    Agency,
    CareLeaverStatus,
    CareStatusPeriod,
    Citation,
    Entry,
    Gap,
    Roadmap,
    RuleRef,
    ServiceSpan,
    Severity,
    Status,
)
from .render import render_html, render_json, render_markdown, render_svg, render_text, roadmap_json

__all__ = [
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
]
