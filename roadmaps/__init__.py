"""One young person's roadmap: the generator, the renderers, the CLI and the web app."""

from ._html import render_html
from ._model import (
    AGENCIES,
    STATUSES,
    CareLeaverStatus,
    Citation,
    Entry,
    Gap,
    Roadmap,
    RuleRef,
    ServiceSpan,
)
from ._render import render_json, render_markdown, render_text, roadmap_json
from ._roadmap import generate_roadmap
from ._scenarios import ScenarioResult, run_scenario
from ._svg import render_svg

__all__ = [
    "AGENCIES",
    "CareLeaverStatus",
    "Citation",
    "Entry",
    "Gap",
    "Roadmap",
    "RuleRef",
    "STATUSES",
    "ScenarioResult",
    "ServiceSpan",
    "generate_roadmap",
    "render_html",
    "render_json",
    "render_markdown",
    "render_svg",
    "render_text",
    "roadmap_json",
    "run_scenario",
]
