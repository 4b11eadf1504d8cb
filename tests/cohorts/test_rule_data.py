"""Convention tests over the whole shipped rule data: cited, quoted, named and complete."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from cohorts import DATA_ROOT, available_areas, load_pathway
from pathways import PathwayGraph, Reference
from pathways._check import check_pathway
from pathways._models import ID_PATTERN

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
AREAS = available_areas()

STABLE_MILESTONES = {
    "age-14", "age-16", "age-17", "age-18", "age-21", "age-25", "year-9-start",
    "compulsory-school-age-end", "transition-assessment", "adult-reassessment",
    "leaving-care-eligible", "pathway-needs-assessment", "care-leaver-end", "ehcp-latest-end",
}  # fmt: skip
STABLE_GAPS = {"transition-assessment-overdue", "pathway-plan-missing", "late-transition-planning"}
REQUIRED_EVENTS = {
    "transition-planning", "ehcp-annual-review", "transition-assessment", "pathway-needs-assessment",
    "pathway-plan", "personal-adviser-appointed", "adult-care-decision", "chc-checklist", "chc-decision",
}  # fmt: skip


def _all_references(graph: PathwayGraph) -> list[tuple[str, Reference]]:
    rules = graph.rules
    items = [*rules.parameters.values(), *rules.settings.values(), *rules.cohorts.values(),
             *rules.nodes.values(), *rules.gaps.values()]
    return [(item.id, ref) for item in items for ref in item.references]


def test_areas_are_england_and_two_overlays() -> None:
    assert AREAS == ("england", "leicester", "peterborough")


@pytest.mark.parametrize("area", AREAS)
def test_every_rule_is_cited(area: str) -> None:
    graph = load_pathway(area)
    rules = graph.rules
    for item in [*rules.parameters.values(), *rules.settings.values(), *rules.cohorts.values(),
                 *rules.nodes.values(), *rules.gaps.values()]:
        assert item.references, f"{item.id} has no citation"
    assert not [f for f in check_pathway(graph, today=date(2026, 11, 23)) if f.code == "uncited"]


@pytest.mark.parametrize("area", AREAS)
def test_check_finds_no_unreachable_nodes(area: str) -> None:
    findings = check_pathway(load_pathway(area), today=date(2026, 11, 23))
    assert [f.id for f in findings if f.code == "unreachable"] == []


def test_local_rules_cite_their_seed_file() -> None:
    england = load_pathway("england")
    for area in ("leicester", "peterborough"):
        graph = load_pathway(area)
        for node_id, node in graph.rules.nodes.items():
            if node_id not in england.rules.nodes:
                assert any(ref.seed for ref in node.references), node_id
                assert node.status == "local", node_id


def test_overlay_services_say_where_they_go_beyond_the_statutory_floor() -> None:
    england = load_pathway("england")
    for area in ("leicester", "peterborough"):
        graph = load_pathway(area)
        extra = [n for n in graph.nodes("service") if n.id not in england.rules.nodes and n.phase == "all-age"]
        assert extra
        for node in extra:
            assert node.beyond_statutory, node.id
        for override in graph.rules.overridden.values():
            assert override.beyond_statutory


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    for a, b in (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"'), ("\u2013", "-"), ("\u2014", "-")):
        text = text.replace(a, b)
    return re.sub(r"\s+", " ", text).strip().lower()


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the shared seed documents are not beside this checkout")
@pytest.mark.parametrize("area", AREAS)
def test_every_seed_quote_appears_in_its_seed_file(area: str) -> None:
    texts = {p.name: _normalise(p.read_text(encoding="utf-8", errors="replace")) for p in SEEDS.glob("*.txt")}
    for rule_id, ref in _all_references(load_pathway(area)):
        if ref.seed is None:
            continue
        assert ref.seed in texts, f"{rule_id}: unknown seed file {ref.seed}"
        for fragment in (ref.quote or "").split("…"):
            fragment = _normalise(fragment)
            if fragment:
                assert fragment in texts[ref.seed], f"{rule_id}: quote not found in {ref.seed}: {fragment!r}"


@pytest.mark.parametrize("area", AREAS)
def test_ids_are_kebab_case(area: str) -> None:
    rules = load_pathway(area).rules
    for rule_id in [*rules.parameters, *rules.settings, *rules.cohorts, *rules.events, *rules.nodes, *rules.gaps]:
        assert ID_PATTERN.match(rule_id), rule_id


def test_stable_ids_and_event_types_exist() -> None:
    rules = load_pathway("england").rules
    assert set(rules.nodes) >= STABLE_MILESTONES
    assert {n.id for n in rules.nodes.values() if n.stable} == STABLE_MILESTONES
    assert set(rules.gaps) >= STABLE_GAPS
    assert set(rules.events) >= REQUIRED_EVENTS


def test_at_least_15_individual_gap_rules_from_the_catalogue() -> None:
    gaps = load_pathway("england").rules.gaps.values()
    assert len(gaps) >= 15
    catalogued = {c for g in gaps for c in g.catalogue}
    assert all(re.fullmatch(r"G(0[1-9]|[12][0-9]|3[0-2])", c) for c in catalogued)
    assert len(catalogued) >= 15
    for gap in gaps:
        assert gap.message and gap.action and gap.severity
        assert gap.family_message, gap.id


def test_names_follow_the_conventions() -> None:
    graph = load_pathway("leicester")
    for node in graph.nodes("trigger"):
        assert re.match(r"^(has|is|likely|receives|looked|known)-", node.id), node.id
    for node in graph.nodes("milestone"):
        assert node.date is not None


def test_rule_data_ships_in_the_package() -> None:
    assert (DATA_ROOT / "england" / "area.yaml").is_file()
    assert DATA_ROOT.parent.name == "cohorts"
