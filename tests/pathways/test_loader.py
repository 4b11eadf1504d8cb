"""The strict loader: every malformed rule file fails with the file, line and id."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cohorts import DATA_ROOT, FACT_TYPES
from pathways import GraphError, RuleDataError, load_pathway, load_rules


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    """A writable copy of the shipped rule data."""
    target = tmp_path / "data"
    shutil.copytree(DATA_ROOT, target)
    return target


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_shipped_rule_data_loads_for_every_area() -> None:
    for area in ("england", "leicester", "peterborough"):
        graph = load_pathway(DATA_ROOT, area, facts=FACT_TYPES)
        assert graph.rules.chain[0] == "england"
        assert len(list(graph.nodes("milestone"))) > 10


def test_unknown_key_names_file_line_and_id(rules_dir: Path) -> None:
    path = rules_dir / "england" / "send.yaml"
    text = path.read_text().replace("    unit: weeks\n", "    unit: weeks\n    colour: blue\n", 1)
    path.write_text(text)
    with pytest.raises(RuleDataError) as err:
        load_rules(rules_dir, "england", facts=FACT_TYPES)
    message = str(err.value)
    assert "send.yaml" in message and "unknown key 'colour'" in message
    assert "'ehc-assessment-weeks'" in message
    assert f":{_line_of(path, 'colour: blue')}:" in message


def test_duplicate_key_is_an_error(rules_dir: Path) -> None:
    path = rules_dir / "england" / "send.yaml"
    path.write_text(path.read_text().replace("    unit: weeks\n", "    unit: weeks\n    unit: days\n", 1))
    with pytest.raises(RuleDataError, match=r"send\.yaml:\d+: duplicate key 'unit'"):
        load_rules(rules_dir, "england", facts=FACT_TYPES)


def test_duplicate_id_across_files(rules_dir: Path) -> None:
    path = rules_dir / "england" / "extra.yaml"
    path.write_text("nodes:\n  - {id: age-18, kind: milestone, label: again, date: {birthday: age-of-majority},"
                    " references: [{url: 'https://example.org'}]}\n")
    with pytest.raises(RuleDataError) as err:
        load_rules(rules_dir, "england", facts=FACT_TYPES)
    assert "extra.yaml:2: 'age-18': duplicate id (first defined at " in str(err.value)
    assert "data/england/common.yaml:" in str(err.value)


def test_dangling_parameter_reference(rules_dir: Path) -> None:
    path = rules_dir / "england" / "extra.yaml"
    path.write_text("nodes:\n  - id: age-99\n    kind: milestone\n    label: x\n"
                    "    date: {birthday: no-such-parameter}\n")
    with pytest.raises(GraphError) as err:
        load_rules(rules_dir, "england", facts=FACT_TYPES)
    assert str(err.value).endswith(
        "data/england/extra.yaml:2: 'age-99': dangling reference: unknown parameter 'no-such-parameter'")


def test_dangling_edge_end(rules_dir: Path) -> None:
    (rules_dir / "england" / "extra.yaml").write_text("edges:\n  - {from: age-14, to: nowhere, kind: triggers}\n")
    with pytest.raises(GraphError, match=r"extra\.yaml:2: 'nowhere': dangling reference"):
        load_rules(rules_dir, "england", facts=FACT_TYPES)


def test_unknown_fact_is_rejected(rules_dir: Path) -> None:
    (rules_dir / "england" / "extra.yaml").write_text(
        "nodes:\n  - {id: is-tall, kind: trigger, label: Tall, when: {fact: height}}\n")
    with pytest.raises(GraphError, match="unknown fact 'height'"):
        load_rules(rules_dir, "england", facts=FACT_TYPES)


def test_cycle_in_edges_is_rejected(rules_dir: Path) -> None:
    (rules_dir / "england" / "extra.yaml").write_text("edges:\n  - {from: age-25, to: age-14, kind: triggers}\n")
    with pytest.raises(GraphError, match=r"cycle in edges: .*age-14"):
        load_rules(rules_dir, "england", facts=FACT_TYPES)


def test_reviews_edges_may_form_cycles(rules_dir: Path) -> None:
    (rules_dir / "england" / "extra.yaml").write_text("edges:\n  - {from: age-25, to: age-14, kind: reviews}\n")
    load_rules(rules_dir, "england", facts=FACT_TYPES)


def test_cycle_in_milestone_dates_is_rejected(rules_dir: Path) -> None:
    (rules_dir / "england" / "extra.yaml").write_text(
        "nodes:\n"
        "  - {id: loop-a, kind: milestone, label: a, date: {milestone: loop-b}}\n"
        "  - {id: loop-b, kind: milestone, label: b, date: {milestone: loop-a}}\n")
    with pytest.raises(GraphError, match="cycle in date or condition definitions"):
        load_rules(rules_dir, "england", facts=FACT_TYPES)


def test_seed_reference_needs_a_quote(rules_dir: Path) -> None:
    (rules_dir / "england" / "extra.yaml").write_text(
        "parameters:\n  - id: made-up\n    label: x\n    unit: years\n    values: {2020-01-01: 3}\n"
        "    references: [{seed: 003_8c5f617de2ef01a9.txt}]\n")
    with pytest.raises(RuleDataError, match="needs the quote"):
        load_rules(rules_dir, "england", facts=FACT_TYPES)


def test_local_override_must_say_how_it_goes_beyond_the_statute(rules_dir: Path) -> None:
    path = rules_dir / "leicester" / "overlay.yaml"
    text = path.read_text()
    start = text.index("    beyond_statutory: >\n      The Care Act")
    end = text.index("nodes:")
    path.write_text(text[:start] + "\n" + text[end:])
    with pytest.raises(RuleDataError, match="beyond_statutory"):
        load_rules(rules_dir, "leicester", facts=FACT_TYPES)


def test_unknown_area(rules_dir: Path) -> None:
    with pytest.raises(RuleDataError, match="unknown area 'atlantis' \\(known areas: england, leicester, peterborough\\)"):
        load_rules(rules_dir, "atlantis", facts=FACT_TYPES)


def test_overlay_changes_do_not_touch_the_baseline() -> None:
    england = load_pathway(DATA_ROOT, "england", facts=FACT_TYPES)
    leicester = load_pathway(DATA_ROOT, "leicester", facts=FACT_TYPES)
    # England: s.58 applies until 18 (verified); Leicester's "before 17" is local (issue 12 point 10).
    assert england.parameter("transition-assessment-age").status == "verified"
    assert list(england.parameter("transition-assessment-age").values.values()) == [18]
    assert leicester.parameter("transition-assessment-age").status == "local"
    assert list(leicester.parameter("transition-assessment-age").values.values()) == [17]
    assert "lac-nursing-service" in leicester.rules.nodes
    assert "lac-nursing-service" not in england.rules.nodes
    assert leicester.handover_successors("camhs") == ("adult-mental-health", "transitions-mental-health-team")
    assert england.handover_successors("camhs") == ("adult-mental-health",)


# --- the rules that play the engine's roles (area.yaml) ---------------------------------------


def _edit_area(rules_dir: Path, area: str, old: str, new: str) -> Path:
    path = rules_dir / area / "area.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return path


def test_a_calendar_role_needs_a_parameter_of_its_unit(rules_dir: Path) -> None:
    path = _edit_area(rules_dir, "england", "school_leaving_month: school-leaving-month",
                      "school_leaving_month: school-leaving-weekday")
    with pytest.raises(RuleDataError) as err:
        load_rules(rules_dir, "england", facts=FACT_TYPES)
    assert str(err.value).endswith(
        f"area.yaml:{_line_of(path, 'school_leaving_month:')}: 'england': calendar.school_leaving_month "
        "names parameter 'school-leaving-weekday' in weekday; it must be in month")


def test_a_calendar_role_names_a_known_parameter(rules_dir: Path) -> None:
    _edit_area(rules_dir, "england", "fe_year_end: fe-year-end", "fe_year_end: fe-year-ends")
    with pytest.raises(RuleDataError, match=r"calendar\.fe_year_end names unknown parameter 'fe-year-ends'"):
        load_rules(rules_dir, "england", facts=FACT_TYPES)


def test_every_calendar_role_is_required(rules_dir: Path) -> None:
    _edit_area(rules_dir, "england", "  fe_year_end: fe-year-end\n", "")
    with pytest.raises(RuleDataError, match="missing key 'fe_year_end'"):
        load_rules(rules_dir, "england", facts=FACT_TYPES)


def test_the_review_interval_is_a_parameter_in_months(rules_dir: Path) -> None:
    _edit_area(rules_dir, "england", "review_interval: master-pathway-review-months",
               "review_interval: age-of-majority")
    with pytest.raises(RuleDataError, match="review_interval names parameter 'age-of-majority' in years"):
        load_rules(rules_dir, "england", facts=FACT_TYPES)


def test_the_first_september_setting_has_the_two_readings(rules_dir: Path) -> None:
    _edit_area(rules_dir, "england", "first_september_birthday: csa-first-september-birthday",
               "first_september_birthday: leap-day-policy")
    with pytest.raises(RuleDataError, match="names setting 'leap-day-policy', whose choices are not cohort, term"):
        load_rules(rules_dir, "england", facts=FACT_TYPES)


def test_only_the_baseline_names_roles(rules_dir: Path) -> None:
    _edit_area(rules_dir, "leicester", "extends: england\n",
               "extends: england\nreview_interval: master-pathway-review-months\n")
    with pytest.raises(RuleDataError, match="'leicester': only the baseline area sets 'review_interval'"):
        load_rules(rules_dir, "leicester", facts=FACT_TYPES)


def test_without_a_first_september_setting_the_cohort_reading_applies(rules_dir: Path) -> None:
    _edit_area(rules_dir, "england", "  first_september_birthday: csa-first-september-birthday\n", "")
    rules = load_rules(rules_dir, "england", facts=FACT_TYPES)
    assert rules.first_september_setting is None
    assert load_rules(DATA_ROOT, "england", facts=FACT_TYPES).first_september_setting == (
        "csa-first-september-birthday")
