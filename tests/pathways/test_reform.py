"""Reforms: each kind of change, ordered composition, rejection, and an untouched baseline."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cohorts import Person, load_pathway, load_person
from pathways import GraphError, RuleDataError, birthday
from pathways._reform import Reform, apply_reforms, diff_rules, load_reform, reformed_pathway
from roadmaps import generate_roadmap, render_json

REFORMS = Path("examples/reforms")
PERSON = load_person("examples/people/yp-001-in-care-with-ehcp.yaml")
AS_OF = date(2026, 11, 23)


def reform(*changes: dict, name: str = "test") -> Reform:  # type: ignore[type-arg]
    return Reform.model_validate({"name": name, "description": "d", "changes": list(changes)})


def test_the_interface_example_loads() -> None:
    r = load_reform(REFORMS / "transition-assessment-by-16.yaml")
    assert r.name == "Transitions assessment by 16"
    assert r.references[0].seed == "003_8c5f617de2ef01a9.txt"
    assert r.changes[0].parameter == "transition-assessment-age"
    assert r.changes[0].value == 16 and r.changes[0].from_ == date(2027, 9, 1)


@pytest.mark.parametrize("path", sorted(REFORMS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_example_reform_applies_to_leicester(path: Path) -> None:
    base = load_pathway("leicester")
    new = reformed_pathway(base, [load_reform(path)])
    assert new.rules.reforms == (load_reform(path).name,)
    assert diff_rules(base.rules, new.rules) != diff_rules(base.rules, base.rules)


def test_parameter_change_from_a_date_keeps_the_old_value_before_it() -> None:
    rules = apply_reforms(load_pathway("england").rules, [load_reform(REFORMS / "transition-assessment-by-16.yaml")])
    # The England baseline is 18 (the s.58 window closes at 18; issue 12 point 10).
    assert rules.parameters["transition-assessment-age"].values == {date(2015, 4, 1): 18, date(2027, 9, 1): 16}


def test_parameter_change_without_a_date_applies_at_all_dates() -> None:
    rules = apply_reforms(load_pathway("england").rules,
                          [reform({"parameter": "transition-assessment-age", "value": 16})])
    assert list(rules.parameters["transition-assessment-age"].values.values()) == [16]
    roadmap = generate_roadmap(PERSON, as_of=AS_OF, pathway=reformed_pathway(load_pathway("england"), [
        reform({"parameter": "transition-assessment-age", "value": 16})]))
    entry = roadmap.milestone("transition-assessment")
    assert entry is not None and entry.date == date(2025, 1, 10)


def test_add_and_remove_nodes_and_edges() -> None:
    base = load_pathway("england")
    added = reformed_pathway(base, [load_reform(REFORMS / "post-19-health-transition-service.yaml")])
    assert added.handover_successors("childrens-therapies") == ("post-19-health-transition-service",)
    diff = diff_rules(base.rules, added.rules)
    assert diff["nodes"]["added"] == ["post-19-health-transition-service"]
    assert diff["edges"]["added"] == [{"from": "childrens-therapies", "to": "post-19-health-transition-service",
                                       "kind": "hands-over-to"}]
    removed = reformed_pathway(added, [reform({"remove_edge": {"from": "childrens-therapies",
                                                               "to": "post-19-health-transition-service",
                                                               "kind": "hands-over-to"}})])
    assert removed.handover_successors("childrens-therapies") == ()
    gone = reformed_pathway(base, [reform({"remove_node": "staying-put-end"})])
    assert "staying-put-end" not in gone.rules.nodes
    assert all("staying-put-end" not in (e.from_, e.to) for e in gone.rules.edges)


def test_a_new_successor_closes_the_handover_gap() -> None:
    person = Person(id="t", date_of_birth=date(2008, 12, 1), services=({"service": "childrens-therapies"},))  # type: ignore[arg-type]
    base = load_pathway("england")
    before = generate_roadmap(person, as_of=date(2026, 10, 1), pathway=base)
    after = generate_roadmap(person, as_of=date(2026, 10, 1), pathway=reformed_pathway(
        base, [load_reform(REFORMS / "post-19-health-transition-service.yaml")]))
    assert "childrens-service-ends-without-successor" in {g.rule for g in before.gaps}
    assert "childrens-service-ends-without-successor" not in {g.rule for g in after.gaps}


def test_add_and_remove_gap_rules() -> None:
    base = load_pathway("england")
    gap = dict(base.rules.gaps["legal-changes-not-explained"].model_dump(mode="json", by_alias=True, exclude_none=True))
    gap["id"] = "legal-changes-not-explained-at-17"
    gap["due"] = {"birthday": "chc-decision-age"}
    new = reformed_pathway(base, [reform({"add_gap": gap}), reform({"remove_gap": "legal-changes-not-explained"})])
    assert "legal-changes-not-explained-at-17" in new.rules.gaps
    assert "legal-changes-not-explained" not in new.rules.gaps
    fired = {g.rule for g in generate_roadmap(PERSON, as_of=AS_OF, pathway=new).gaps}
    assert "legal-changes-not-explained-at-17" in fired


def test_apply_overlay() -> None:
    new = reformed_pathway(load_pathway("leicester"), [load_reform(REFORMS / "leicester-adopts-peterborough-offer.yaml")])
    assert "childrens-community-nursing" in new.rules.nodes and "lac-nursing-service" in new.rules.nodes
    with pytest.raises(GraphError, match="already part of this pathway"):
        reformed_pathway(load_pathway("peterborough"), [reform({"apply_overlay": "peterborough"})])


def test_a_reform_limited_to_areas_leaves_other_areas_unchanged() -> None:
    limited = load_reform(REFORMS / "leicester-adopts-peterborough-offer.yaml")
    assert limited.areas == ("leicester",)
    for area in ("england", "peterborough"):
        base = load_pathway(area)
        assert reformed_pathway(base, [limited]) is base
    assert reformed_pathway(load_pathway("leicester"), [limited]).rules.reforms == (limited.name,)


def test_a_reform_limited_to_an_unknown_area_is_rejected() -> None:
    bad = Reform.model_validate(
        {"name": "x", "areas": ["atlantis"], "changes": [{"parameter": "transition-assessment-age", "value": 16}]}
    )
    with pytest.raises(GraphError, match="unknown area 'atlantis'"):
        reformed_pathway(load_pathway("england"), [bad])


def test_composition_is_ordered_and_deterministic() -> None:
    to_16 = reform({"parameter": "transition-assessment-age", "value": 16}, name="to 16")
    to_15 = reform({"parameter": "transition-assessment-age", "value": 15}, name="to 15")
    base = load_pathway("england")
    a = reformed_pathway(base, [to_16, to_15])
    b = reformed_pathway(base, [to_15, to_16])
    assert list(a.parameter("transition-assessment-age").values.values()) == [15]
    assert list(b.parameter("transition-assessment-age").values.values()) == [16]
    assert a.rules.reforms == ("to 16", "to 15")
    again = reformed_pathway(base, [to_16, to_15])
    assert render_json(generate_roadmap(PERSON, as_of=AS_OF, pathway=a)) == render_json(
        generate_roadmap(PERSON, as_of=AS_OF, pathway=again))


def test_a_reform_that_changes_nothing_gives_no_difference() -> None:
    same = reform({"parameter": "transition-assessment-age", "value": 18})
    base = load_pathway("england")
    new = reformed_pathway(base, [same])
    assert diff_rules(base.rules, new.rules)["parameters"]["changed"] == []
    assert render_json(generate_roadmap(PERSON, as_of=AS_OF, pathway=base)) == render_json(
        generate_roadmap(PERSON, as_of=AS_OF, pathway=new))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"parameter": "no-such-thing", "value": 3}, "unknown parameter 'no-such-thing'"),
        ({"remove_node": "no-such-node"}, "remove_node: unknown node"),
        ({"remove_node": "transition-assessment"}, "leaves the pathway invalid: dangling reference"),
        ({"add_edge": {"from": "age-25", "to": "age-14", "kind": "triggers"}}, "leaves the pathway invalid: cycle"),
        ({"remove_edge": {"from": "age-14", "to": "age-25", "kind": "triggers"}}, "remove_edge: no edge"),
        ({"apply_overlay": "atlantis"}, "unknown area 'atlantis'"),
    ],
)
def test_invalid_reforms_are_rejected_with_the_check_message(change: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(GraphError, match=message):
        apply_reforms(load_pathway("england").rules, [reform(change)])


def test_invalid_reform_file_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\ndescription: x\nchanges:\n  - parameter: transition-assessment-age\n    value: 16\n"
                    "  - remove_node: nowhere\n")
    with pytest.raises(GraphError) as err:
        apply_reforms(load_pathway("england").rules, [load_reform(path)])
    assert str(err.value).startswith(f"{path}:6: 'nowhere': remove_node: unknown node")
    path.write_text("name: bad\nchanges:\n  - parameter: transition-assessment-age\n")
    with pytest.raises(RuleDataError, match="'parameter' needs 'value'"):
        load_reform(path)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["transition-assessment-age", "pathway-review-months", "personal-adviser-core-age",
                     "ehcp-annual-review-months", "eligible-child-age"]),
    st.integers(1, 30),
    st.none() | st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 1, 1)),
)
def test_the_baseline_is_unchanged_after_any_reform(parameter: str, value: int, start: date | None) -> None:
    base = load_pathway("england")
    before_rules = {k: v.model_dump() for k, v in base.rules.parameters.items()}
    before = render_json(generate_roadmap(PERSON, as_of=AS_OF, pathway=base))
    change = {"parameter": parameter, "value": value, **({"from": start.isoformat()} if start else {})}
    reformed = reformed_pathway(base, [reform(change)])
    generate_roadmap(PERSON, as_of=AS_OF, pathway=reformed)
    assert {k: v.model_dump() for k, v in base.rules.parameters.items()} == before_rules
    assert render_json(generate_roadmap(PERSON, as_of=AS_OF, pathway=base)) == before
    assert load_pathway("england") is base


@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=date(1995, 1, 1), max_value=date(2020, 12, 31)))
def test_a_dated_lower_age_never_moves_a_deadline_later(birth: date) -> None:
    """In force from 2027-09-01: an 18th birthday (the end of the England window) before then
    keeps its date (the old rule was in force on it); from then the deadline is the 16th
    birthday or the start date."""
    base = load_pathway("england")
    reformed = reformed_pathway(base, [load_reform(REFORMS / "transition-assessment-by-16.yaml")])
    person = Person(id="p", date_of_birth=birth, care_needs_likely=True)
    before = generate_roadmap(person, as_of=AS_OF, pathway=base).milestone("transition-assessment")
    after = generate_roadmap(person, as_of=AS_OF, pathway=reformed).milestone("transition-assessment")
    assert before is not None and after is not None
    start = date(2027, 9, 1)
    assert before.date == birthday(birth, 18)
    if before.date < start:
        assert after.date == before.date
    else:
        assert after.date == max(birthday(birth, 16), start)


def test_a_one_person_comparison_displays_in_notebooks() -> None:
    from roadmaps._compare import compare_roadmaps

    base = load_pathway("england")
    pa_25 = load_reform(REFORMS / "personal-adviser-automatic-to-25.yaml")
    person = load_person("examples/people/yp-004-care-leaver-relevant.yaml")
    diff = compare_roadmaps(
        generate_roadmap(person, as_of=AS_OF, pathway=base),
        generate_roadmap(person, as_of=AS_OF, pathway=reformed_pathway(base, [pa_25])),
        (pa_25.name,),
    )
    page = diff._repr_html_()
    assert "personal-adviser-duties-end" in page and "+1461" in page and pa_25.name in page
    pd = pytest.importorskip("pandas")
    frame = diff.to_pandas()
    # The leaving-care service now ends with the duties (s.23C(6)), so it moves too.
    assert isinstance(frame, pd.DataFrame) and frame["days"].tolist() == [1461, 1461]
