"""Routes for one young person from the shipped rule data (issue 3): properties and conventions.

Property tests run synthetic young people (:mod:`cohorts.testing`) through every
area and check that the graph is a proper probability graph, that the exact
computations agree with brute force, and that the options open to a young person
follow the law (a supported internship needs an EHC plan, Staying Put needs care
on the 18th birthday).
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cohorts import Person, available_areas, load_pathway, person_context, resolve_settings
from cohorts._routes import END_MILESTONE, START_MILESTONE, PersonRoutes, person_routes
from cohorts.testing import as_of_dates, people
from pathways._models import PROBABILITY_SOURCES
from pathways._routes import RouteGraph

AREAS = available_areas()
PFA_AREAS = {"employment", "independent-living", "community", "health"}
SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
TODAY = date(2026, 11, 23)
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "people" / "yp-001-in-care-with-ehcp.yaml"


def _brute_force(graph: RouteGraph) -> list[tuple[float, tuple[str, ...]]]:
    """Every route by depth-first search, with its exact probability (small graphs only)."""
    out: list[tuple[float, tuple[str, ...]]] = []

    def walk(node: str, path: tuple[str, ...]) -> None:
        edges = graph.successors(node)
        if not edges:
            out.append((graph.route_probability(path), path))
        for edge in edges:
            walk(edge.target, (*path, edge.target))

    walk(graph.start, (graph.start,))
    return out


def _routes(person: Person, as_of: date, area: str) -> PersonRoutes:
    return person_routes(person, as_of=as_of, area=area)


# ------------------------------------------------------------------ properties


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people(), as_of_dates(), st.sampled_from(AREAS))
def test_every_branch_of_every_person_sums_to_one(person: Person, as_of: date, area: str) -> None:
    routes = _routes(person, as_of, area)
    graph = routes.graph
    for branch, options in graph.branch_probabilities().items():
        assert math.isclose(math.fsum(options.values()), 1.0, abs_tol=1e-9), branch
        assert all(0.0 <= p <= 1.0 for p in options.values())
    for edge in graph.edges():
        if len(graph.successors(edge.source)) == 1:
            assert edge.probability == 1.0
    analysis = routes.analyse(top=3)
    assert abs(analysis.probability_sum - 1.0) <= 1e-9
    assert isinstance(analysis.total_routes, int) and analysis.total_routes >= 1
    for branch_id, options in routes.option_probabilities(analysis).items():
        assert math.isclose(math.fsum(options.values()), 1.0, abs_tol=1e-9), branch_id
    for area_id, outcome in analysis.outcomes.items():
        assert area_id in PFA_AREAS
        assert math.isclose(math.fsum(outcome.states.values()) + outcome.unset, 1.0, abs_tol=1e-9)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people(), as_of_dates(), st.sampled_from(AREAS), st.integers(min_value=1, max_value=25))
def test_top_k_is_sorted_and_agrees_with_brute_force(person: Person, as_of: date, area: str, k: int) -> None:
    graph = _routes(person, as_of, area).graph
    every = _brute_force(graph)
    assert graph.count_routes() == len(every)
    assert math.isclose(math.fsum(p for p, _ in every), 1.0, abs_tol=1e-9)
    top = graph.top_routes(k)
    probabilities = [route.probability for route in top]
    assert probabilities == sorted(probabilities, reverse=True)
    expected = sorted((p for p, _ in every if p > 0.0), reverse=True)[:k]
    assert probabilities == expected
    for route in top:
        assert route.probability == graph.route_probability(route.ids)
        assert route.ids[0] == START_MILESTONE and route.ids[-1] == END_MILESTONE


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people(), as_of_dates(), st.sampled_from(AREAS))
def test_options_follow_the_law_and_the_person(person: Person, as_of: date, area: str) -> None:
    routes = _routes(person, as_of, area)
    pathway = load_pathway(area)
    ctx, status = person_context(pathway, person, as_of, resolve_settings(pathway))
    options = {step.option for step in routes.steps.values()}
    branches = {point.branch.id for point in routes.branch_points}
    if person.ehcp is None:
        # statute.md 1.13: a supported internship needs an EHC plan.
        assert not options & {"supported-internship", "specialist-college"}
        assert not branches & {"school-setting", "ehcp-19-to-25"}
    else:
        assert {"school-setting", "ehcp-19-to-25"} <= branches
    if not status.looked_after_on_18th_birthday:
        assert "staying-put" not in options  # statute.md 3.6
    assert ("care-leaver-support-21-to-25" in branches) == (status.former_relevant_from is not None)
    assert ("adult-continuing-healthcare" in branches) == person.continuing_care
    assert ("adult-social-care-decision" in branches) == ("adult-social-care" in ctx.cohorts)
    dates = [point.date for point in routes.branch_points]
    assert dates == sorted(dates)
    for step in routes.steps.values():
        if step.branch is not None:
            assert step.option in {o.id for o in pathway.rules.branches[step.branch].options}


@settings(max_examples=40, deadline=None)
@given(people(), as_of_dates())
def test_the_same_person_gives_the_same_graph(person: Person, as_of: date) -> None:
    first = _routes(person, as_of, "england")
    second = _routes(person, as_of, "england")
    assert first.graph.edges() == second.graph.edges()
    assert [r.ids for r in first.analyse(5).routes] == [r.ids for r in second.analyse(5).routes]


# ------------------------------------------------------------------ worked examples


def test_a_young_person_with_no_cohort_has_two_branch_points() -> None:
    routes = person_routes(Person(id="p", date_of_birth=date(2012, 3, 1)), as_of=TODAY)
    assert [p.branch.id for p in routes.branch_points] == ["post-16-destination", "living-situation"]
    assert routes.graph.count_routes() == 5 * 3
    analysis = routes.analyse(top=1)
    assert [s.id for s in analysis.routes[0].steps] == [START_MILESTONE, "fe-college", "family-home", END_MILESTONE]
    assert analysis.routes[0].probability == pytest.approx(0.40 * 0.70)
    assert dict(analysis.outcomes["employment"].states) == pytest.approx(
        {"education-or-training": 0.75, "paid-work": 0.13, "not-in-education-employment-or-training": 0.12})


def test_example_person_routes_are_exact() -> None:
    from cohorts import load_person

    person = load_person(EXAMPLE)
    routes = person_routes(person, as_of=TODAY, area="leicester")
    analysis = routes.analyse(top=10)
    assert analysis.total_routes == 1496
    assert abs(analysis.probability_sum - 1.0) <= 1e-12
    assert routes.option_probabilities(analysis)["adult-social-care-decision"] == pytest.approx(
        {"eligible-for-adult-care": 0.8, "not-eligible-for-adult-care": 0.2})
    # The EHC plan at 19 depends on the post-16 destination at 16: the graph remembers it.
    assert any("@" in node for node in routes.steps)
    steps = {s.option: s for s in routes.steps.values()}
    assert (steps["fe-college"].age, steps["eligible-for-adult-care"].date) == (16, date(2027, 1, 10))


def test_ehcp_destination_depends_on_the_setting_and_care_leavers_can_stay_put() -> None:
    looked_after = Person.model_validate({
        "id": "c", "date_of_birth": "2011-05-01", "care_episodes": [{"start": "2020-01-01"}],
    })
    routes = person_routes(looked_after, as_of=TODAY)
    living = routes.option_probabilities()["living-situation"]
    assert living["staying-put"] == pytest.approx(0.35)
    post16 = routes.option_probabilities()["post-16-destination"]
    assert post16["not-in-education-employment-or-training"] == pytest.approx(0.22)


def test_a_recorded_option_is_known() -> None:
    person = Person.model_validate({
        "id": "r", "date_of_birth": "2008-02-01", "care_needs_likely": True,
        "events": [{"type": "adult-care-not-eligible", "date": "2026-01-15"},
                   {"type": "post16-destination-fe", "date": "2024-09-01"}],
    })
    before = person_routes(person, as_of=date(2025, 1, 1))
    after = person_routes(person, as_of=TODAY)
    assert before.option_probabilities()["adult-social-care-decision"]["eligible-for-adult-care"] == 0.75
    known = {p.branch.id: p for p in after.branch_points}
    assert known["adult-social-care-decision"].known == "not-eligible-for-adult-care"
    assert known["adult-social-care-decision"].recorded == ("adult-care-not-eligible", date(2026, 1, 15))
    assert after.option_probabilities()["adult-social-care-decision"] == {"not-eligible-for-adult-care": 1.0}
    assert after.graph.count_routes() == 1 * 1 * 3  # FE known, not eligible known, living open
    assert after.option_probabilities()["living-situation"] == pytest.approx(
        {"family-home": 0.70, "supported-living": 0.05, "own-tenancy": 0.25})


def test_routes_are_cached_but_not_shared_between_areas() -> None:
    person = Person(id="a", date_of_birth=date(2011, 4, 4), care_needs_likely=True)
    england = person_routes(person, as_of=TODAY)
    leicester = person_routes(person, as_of=TODAY, area="leicester")
    assert england.option_probabilities()["adult-social-care-decision"]["eligible-for-adult-care"] == 0.75
    assert leicester.option_probabilities()["adult-social-care-decision"]["eligible-for-adult-care"] == 0.8


# ------------------------------------------------------------------ rule-data conventions


def _tables(area: str):  # type: ignore[no-untyped-def]
    rules = load_pathway(area).rules
    return [(branch, index, table) for branch in rules.branches.values()
            for index, table in enumerate(branch.probabilities)]


@pytest.mark.parametrize("area", AREAS)
def test_every_probability_has_a_source_a_review_date_and_a_situation(area: str) -> None:
    for branch, index, table in _tables(area):
        where = f"{branch.id} probabilities[{index}]"
        assert table.source in PROBABILITY_SOURCES, where
        assert table.reviewed_on <= TODAY, where
        assert table.situation, where
        if table.source == "seed":
            assert any(ref.seed and ref.quote for ref in table.references), where
        else:
            assert table.rationale and table.rationale.strip(), where
        assert math.isclose(math.fsum(table.values.values()), 1.0, abs_tol=1e-9), where


@pytest.mark.parametrize("area", AREAS)
def test_branches_are_cited_and_options_are_recorded_by_known_events(area: str) -> None:
    rules = load_pathway(area).rules
    for branch in rules.branches.values():
        assert branch.references and branch.question, branch.id
        listed = {option for table in branch.probabilities for option in table.values}
        for option in branch.options:
            assert option.id in listed, option.id
            assert option.events and set(option.events) <= set(rules.events), option.id
            assert set(option.outcomes) <= PFA_AREAS, option.id
            assert option.family_text and option.family_text[0].islower(), option.id


def test_the_seed_figures_are_where_the_catalogue_says() -> None:
    leicester = load_pathway("leicester").rules.branches
    england = load_pathway("england").rules.branches
    asc = leicester["adult-social-care-decision"].probabilities
    assert [(t.source, t.values["eligible-for-adult-care"]) for t in asc] == [("seed", 0.8), ("seed", 0.75)]
    assert "80%" in asc[0].references[0].quote and "75%" in asc[1].references[0].quote  # type: ignore[operator]
    setting = leicester["school-setting"].default_table
    assert (setting.source, setting.values["specialist-provision"]) == ("seed", 0.5)
    assert "50%" in (setting.references[0].quote or "")
    # England has no national figures: the same numbers are labelled expert priors there.
    assert {t.source for b in england.values() for t in b.probabilities} == {"expert-prior"}


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    for a, b in (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"'), ("\u2013", "-"), ("\u2014", "-")):
        text = text.replace(a, b)
    return re.sub(r"\s+", " ", text).strip().lower()


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the shared seed documents are not beside this checkout")
@pytest.mark.parametrize("area", AREAS)
def test_every_route_quote_appears_in_its_seed_file(area: str) -> None:
    texts = {p.name: _normalise(p.read_text(encoding="utf-8", errors="replace")) for p in SEEDS.glob("*.txt")}
    rules = load_pathway(area).rules
    refs = [(b.id, r) for b in rules.branches.values() for r in b.references]
    refs += [(b.id, r) for b in rules.branches.values() for t in b.probabilities for r in t.references]
    for rule_id, ref in refs:
        if ref.seed:
            assert ref.seed in texts, rule_id
            for fragment in (ref.quote or "").split("…"):
                assert _normalise(fragment) in texts[ref.seed], f"{rule_id}: {fragment!r}"
