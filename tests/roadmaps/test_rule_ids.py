"""Every rule-data id the roadmap layer names exists in the shipped rule data, as the kind it is used as."""

from __future__ import annotations

from cohorts import available_areas, load_pathway
from roadmaps import rule_ids

NODES = ("AGE_14", "AGE_18", "TRANSITION_ASSESSMENT", "ADULT_REASSESSMENT", "CARE_LEAVER_END", "EHCP_LATEST_END")
PARAMETERS = ("LEAVING_CARE_COUNT_FROM_AGE", "CARE_LEAVER_SUPPORT_AGE", "ROUTE_CALIBRATION_LEVEL", "ROUTE_EXPERT_PRIOR_CASES")
SETTINGS = ("LEAP_DAY_POLICY",)
OPTIONS = ("ELIGIBLE_FOR_ADULT_CARE",)
STATES = ("NEET", "NHS_CONTINUING_HEALTHCARE")


def test_every_named_id_is_listed_once() -> None:
    named = (*NODES, *PARAMETERS, *SETTINGS, *OPTIONS, *STATES, "DEFAULT_AREA")
    assert sorted(named) == rule_ids.__all__


def test_every_named_id_exists_in_the_rule_data() -> None:
    assert rule_ids.DEFAULT_AREA in available_areas()
    rules = load_pathway(rule_ids.DEFAULT_AREA).rules
    for name in NODES:
        assert getattr(rule_ids, name) in rules.nodes, name
    for name in PARAMETERS:
        assert getattr(rule_ids, name) in rules.parameters, name
    for name in SETTINGS:
        assert getattr(rule_ids, name) in rules.settings, name
    options = {option.id for branch in rules.branches.values() for option in branch.options}
    for name in OPTIONS:
        assert getattr(rule_ids, name) in options, name
    states = {
        state for branch in rules.branches.values() for option in branch.options
        for state in (getattr(option, "outcomes", None) or {}).values()
    }
    for name in STATES:
        assert getattr(rule_ids, name) in states, name
