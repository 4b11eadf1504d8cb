"""Route branches as rule data: the strict loader, ``pathways check``, overlays and reforms (issue 3).

A branch whose probabilities do not sum to 1, or a probability with no source, must
not load: the error names the file, the line and the branch.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from cohorts import DATA_ROOT, FACT_TYPES
from pathways import GraphError, PathwayGraph, RuleDataError, load_pathway, load_rules
from pathways._check import check_pathway
from pathways._models import ProbabilityTable
from pathways._reform import Reform, apply_reforms, load_reform
from roadmaps.cli import main

FIRST_TABLE = "        values: {specialist-provision: 0.5, mainstream-provision: 0.5}\n"


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    """A writable copy of the shipped rule data."""
    target = tmp_path / "data"
    shutil.copytree(DATA_ROOT, target)
    return target


def _routes(rules_dir: Path, area: str = "england") -> Path:
    return rules_dir / area / "routes.yaml"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def _load_error(rules_dir: Path, area: str = "england") -> RuleDataError | GraphError:
    with pytest.raises((RuleDataError, GraphError)) as err:
        load_rules(rules_dir, area, facts=FACT_TYPES)
    return err.value


# ------------------------------------------------------------------ what loads


def test_shipped_branches_load_in_every_area() -> None:
    for area in ("england", "leicester", "peterborough"):
        rules = load_rules(DATA_ROOT, area, facts=FACT_TYPES)
        assert list(rules.branches) == [
            "school-setting", "post-16-destination", "adult-social-care-decision",
            "adult-continuing-healthcare", "living-situation", "ehcp-19-to-25",
            "care-leaver-support-21-to-25",
        ]
        assert rules.branch_source("post-16-destination").file.endswith("england/routes.yaml")


def test_leicester_replaces_the_adult_social_care_tables_with_seed_figures() -> None:
    england = load_rules(DATA_ROOT, "england", facts=FACT_TYPES).branches["adult-social-care-decision"]
    leicester = load_rules(DATA_ROOT, "leicester", facts=FACT_TYPES)
    branch = leicester.branches["adult-social-care-decision"]
    assert [t.source for t in england.probabilities] == ["expert-prior"]
    assert [t.source for t in branch.probabilities] == ["seed", "seed"]
    assert [t.values["eligible-for-adult-care"] for t in branch.probabilities] == [0.8, 0.75]
    assert [t.prior_cases for t in branch.probabilities] == [40, 375]
    assert leicester.sources["probabilities:adult-social-care-decision"].file.endswith("leicester/routes.yaml")


# ------------------------------------------------------------------ what is rejected


def test_probabilities_that_do_not_sum_to_one_are_rejected_with_file_line_and_id(rules_dir: Path) -> None:
    path = _routes(rules_dir)
    _edit(path, FIRST_TABLE, "        values: {specialist-provision: 0.6, mainstream-provision: 0.5}\n")
    error = _load_error(rules_dir)
    assert isinstance(error, RuleDataError)
    assert error.file is not None and error.file.endswith("routes.yaml")
    assert error.id == "school-setting"
    assert error.line == _line_of(path, "      - otherwise: true")
    assert "sum to 1.1" in error.message and "expected 1" in error.message


def test_a_probability_with_no_source_is_rejected(rules_dir: Path) -> None:
    path = _routes(rules_dir)
    text = path.read_text()
    start = text.index(FIRST_TABLE)
    end = text.index("        source: expert-prior\n", start)
    path.write_text(text[:end] + text[end + len("        source: expert-prior\n"):])
    error = _load_error(rules_dir)
    assert error.id == "school-setting" and "missing key 'source'" in error.message
    assert error.file is not None and error.file.endswith("routes.yaml") and error.line is not None


def test_an_unknown_source_is_rejected(rules_dir: Path) -> None:
    _edit(_routes(rules_dir), "        source: expert-prior\n", "        source: a-hunch\n")
    error = _load_error(rules_dir)
    assert error.id == "school-setting" and "source" in error.message


def test_a_seed_probability_needs_a_seed_quote(rules_dir: Path) -> None:
    # The first table cites a seed quote; claiming 'seed' without one is rejected.
    path = _routes(rules_dir)
    _edit(path, "        source: expert-prior\n", "        source: seed\n")
    _edit(path, "        references:\n          - {seed: 003_8c5f617de2ef01a9.txt, quote: \"Of those",
          "        references:\n          - {title: \"A report\", url: \"https://example.org\"}\n"
          "          - {title: \"x\", url: \"https://example.org/x\", quote: \"Of those")
    error = _load_error(rules_dir)
    assert error.id == "school-setting" and "seed reference" in error.message


def test_an_expert_prior_needs_a_rationale(rules_dir: Path) -> None:
    path = _routes(rules_dir)
    text = path.read_text()
    start = text.index("        rationale: >\n          No national figure")
    end = text.index("        references:", start)
    path.write_text(text[:start] + text[end:])
    error = _load_error(rules_dir)
    assert error.id == "school-setting" and "rationale" in error.message


def test_a_probability_outside_zero_and_one_is_rejected(rules_dir: Path) -> None:
    _edit(_routes(rules_dir), FIRST_TABLE, "        values: {specialist-provision: 1.5, mainstream-provision: -0.5}\n")
    assert "expected a number in [0, 1]" in _load_error(rules_dir).message


def test_a_table_naming_an_unknown_option_is_rejected(rules_dir: Path) -> None:
    _edit(_routes(rules_dir), FIRST_TABLE, "        values: {specialist-provision: 0.5, home-school: 0.5}\n")
    error = _load_error(rules_dir)
    assert error.id == "school-setting" and "'home-school', which is not an option" in error.message


def test_the_last_table_must_be_otherwise(rules_dir: Path) -> None:
    _edit(_routes(rules_dir), "      - otherwise: true\n        situation: young people with an EHC plan\n",
          "      - when: {fact: has_ehcp}\n        situation: young people with an EHC plan\n")
    error = _load_error(rules_dir)
    assert error.id == "school-setting" and "otherwise" in error.message


def test_a_dangling_fact_in_a_table_condition_is_rejected(rules_dir: Path) -> None:
    path = _routes(rules_dir)
    _edit(path, "      - when: {cohort: care-leavers}\n        situation: looked-after",
          "      - when: {fact: favourite_colour}\n        situation: looked-after")
    error = _load_error(rules_dir)
    assert isinstance(error, GraphError)
    assert error.id == "post-16-destination" and "unknown fact 'favourite_colour'" in error.message
    assert error.file is not None and error.file.endswith("routes.yaml")


def test_after_must_name_an_option_of_an_earlier_branch(rules_dir: Path) -> None:
    path = _routes(rules_dir)
    _edit(path, "      - after: [specialist-provision]\n", "      - after: [ehcp-continues]\n")
    error = _load_error(rules_dir)
    assert error.id == "post-16-destination" and "'ehcp-continues'" in error.message
    assert "branch defined before this one" in error.message


def test_after_may_not_name_an_option_of_the_same_branch(rules_dir: Path) -> None:
    _edit(_routes(rules_dir), "      - after: [specialist-provision]\n", "      - after: [fe-college]\n")
    assert "same branch" in _load_error(rules_dir).message


def test_duplicate_branch_and_option_ids_are_rejected(rules_dir: Path) -> None:
    path = _routes(rules_dir)
    _edit(path, "  - id: living-situation\n", "  - id: post-16-destination\n")
    error = _load_error(rules_dir)
    assert error.id == "post-16-destination" and "duplicate id" in error.message
    shutil.copy(DATA_ROOT / "england" / "routes.yaml", path)
    path.write_text(path.read_text().replace("own-tenancy", "apprenticeship"))
    error = _load_error(rules_dir)
    assert "option 'apprenticeship' is already an option of branch 'post-16-destination'" in error.message


def test_an_option_event_must_be_in_the_event_vocabulary(rules_dir: Path) -> None:
    _edit(_routes(rules_dir), "events: [school-setting-specialist]", "events: [school-setting-special]")
    error = _load_error(rules_dir)
    assert error.id == "school-setting" and "unknown event type 'school-setting-special'" in error.message


def test_an_overlay_override_of_an_unknown_branch_is_rejected(rules_dir: Path) -> None:
    _edit(_routes(rules_dir, "leicester"), "  - branch: school-setting\n", "  - branch: school-settings\n")
    error = _load_error(rules_dir, "leicester")
    assert error.id == "school-settings" and "unknown branch" in error.message
    assert error.file is not None and error.file.endswith("leicester/routes.yaml")


def test_an_overlay_override_that_does_not_sum_to_one_is_rejected(rules_dir: Path) -> None:
    path = _routes(rules_dir, "leicester")
    _edit(path, "values: {eligible-for-adult-care: 0.8, not-eligible-for-adult-care: 0.2}",
          "values: {eligible-for-adult-care: 0.8, not-eligible-for-adult-care: 0.3}")
    error = _load_error(rules_dir, "leicester")
    assert "sum to" in error.message and error.file is not None and error.file.endswith("leicester/routes.yaml")


def test_table_model_rejects_a_bad_sum_directly() -> None:
    with pytest.raises(ValueError, match="sum to"):
        ProbabilityTable.model_validate({"otherwise": True, "values": {"a": 0.3, "b": 0.3}, "source": "expert-prior",
                                         "rationale": "x", "reviewed_on": "2026-01-01"})
    table = ProbabilityTable.model_validate(
        {"otherwise": True, "values": {"a": 0.1, "b": 0.2, "c": 0.7}, "source": "expert-prior",
         "rationale": "x", "reviewed_on": "2026-01-01"})
    assert table.is_default


# ------------------------------------------------------------------ pathways check


def _check(rules_dir: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    code = main(["check", str(rules_dir), "--as-of", "2026-11-23", *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_check_passes_on_the_shipped_branches(rules_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _check(rules_dir, capsys)
    assert code == 0 and err == ""
    assert "stale-probability" not in out and "unreachable-option" not in out and "uncited" not in out


def test_check_rejects_a_branch_that_does_not_sum_to_one(rules_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _routes(rules_dir)
    _edit(path, FIRST_TABLE, "        values: {specialist-provision: 0.4, mainstream-provision: 0.5}\n")
    code, out, err = _check(rules_dir, capsys)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    line = _line_of(path, "      - otherwise: true")
    assert f"routes.yaml:{line}: 'school-setting':" in lines[0] and "sum to 0.9" in lines[0]


def test_check_rejects_a_probability_with_no_source(rules_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _routes(rules_dir)
    text = path.read_text()
    start = text.index("        values:\n          school-sixth-form: 0.35")
    end = text.index("        source: expert-prior\n", start)
    path.write_text(text[:end] + text[end + len("        source: expert-prior\n"):])
    code, out, err = _check(rules_dir, capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "'post-16-destination'" in err and "missing key 'source'" in err
    assert "routes.yaml:" in err


def test_check_warns_about_stale_probabilities_and_unlisted_options(
    rules_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # An option no table lists can never be taken: a warning, not an error.
    _edit(_routes(rules_dir), "        events: [living-supported-lodgings]\n",
          "        events: [living-supported-lodgings]\n"
          "      - id: caravan\n        label: A caravan\n        family_text: live in a caravan\n")
    code = main(["check", str(rules_dir), "--as-of", "2027-06-01"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert "'caravan'" in out and "[unreachable-option]" in out
    assert "[stale-probability]" in out and "last reviewed 2026-11-23" in out


def test_lint_finds_nothing_on_shipped_branches() -> None:
    graph = load_pathway(DATA_ROOT, "leicester", facts=FACT_TYPES)
    codes = {f.code for f in check_pathway(graph, today=date(2026, 11, 23))}
    assert not codes & {"stale-probability", "unreachable-option", "uncited"}


# ------------------------------------------------------------------ reforms: set_probability


def _england() -> PathwayGraph:
    return load_pathway(DATA_ROOT, "england", facts=FACT_TYPES)


def _reform(*changes: dict[str, object]) -> Reform:
    return Reform.model_validate({"name": "test", "changes": list(changes)})


def test_set_probability_of_one_option_rescales_the_others_in_every_table() -> None:
    rules = apply_reforms(_england().rules, [_reform(
        {"set_probability": {"branch": "living-situation", "option": "supported-living", "value": 0.5}}
    )])
    branch = rules.branches["living-situation"]
    for table in branch.probabilities:
        assert table.values["supported-living"] == 0.5
        assert abs(sum(table.values.values()) - 1.0) < 1e-12
        assert table.source == "reform" and table.rationale
    default = branch.default_table.values
    assert default["family-home"] == pytest.approx(0.70 * 0.5 / 0.98)
    assert _england().rules.branches["living-situation"].default_table.values["supported-living"] == 0.02


def test_set_probability_values_replace_the_default_table() -> None:
    rules = apply_reforms(_england().rules, [_reform({"set_probability": {
        "branch": "adult-social-care-decision", "source": "calibrated", "rationale": "from a log",
        "reviewed_on": "2027-01-01", "prior_cases": 110,
        "values": {"eligible-for-adult-care": 0.6, "not-eligible-for-adult-care": 0.4},
    }})])
    table = rules.branches["adult-social-care-decision"].default_table
    assert table.values == {"eligible-for-adult-care": 0.6, "not-eligible-for-adult-care": 0.4}
    assert (table.source, table.reviewed_on, table.prior_cases) == ("calibrated", date(2027, 1, 1), 110)


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"branch": "no-such-branch", "option": "x", "value": 0.5}, "unknown branch"),
        ({"branch": "living-situation", "option": "caravan", "value": 0.5}, "'caravan' is not an option"),
        ({"branch": "adult-social-care-decision", "values": {"eligible-for-adult-care": 0.9,
                                                            "not-eligible-for-adult-care": 0.2}}, "sum to"),
    ],
)
def test_bad_set_probability_is_rejected(change: dict[str, object], needle: str) -> None:
    with pytest.raises(GraphError) as err:
        apply_reforms(_england().rules, [_reform({"set_probability": change})])
    assert needle in err.value.message and "set_probability" in err.value.message


def test_set_probability_cannot_scale_up_options_of_zero(tmp_path: Path) -> None:
    path = tmp_path / "reform.yaml"
    path.write_text(
        "name: certain\nchanges:\n"
        "  - set_probability: {branch: school-setting, option: specialist-provision, value: 1}\n"
        "  - set_probability: {branch: school-setting, option: specialist-provision, value: 0.5}\n"
    )
    with pytest.raises(GraphError) as err:
        apply_reforms(_england().rules, [load_reform(path)])
    assert err.value.file == str(path) and err.value.line == 4
    assert "cannot be scaled up" in err.value.message


def test_set_probability_needs_one_form() -> None:
    with pytest.raises(ValueError, match="either 'option' and 'value', or 'values'"):
        _reform({"set_probability": {"branch": "school-setting"}})
    with pytest.raises(ValueError, match="both 'option' and 'value'"):
        _reform({"set_probability": {"branch": "school-setting", "option": "x"}})
