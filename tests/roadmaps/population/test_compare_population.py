"""Baseline versus reform over a population: the same roadmaps as one person, safe outputs."""

from __future__ import annotations

import csv
import json
import re
import stat
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cohorts import load_pathway
from cohorts._synth import SynthResult, synthesise
from pathways._reform import Reform, load_reform, reformed_pathway
from roadmaps import generate_roadmap
from roadmaps._compare import compare_roadmaps
from roadmaps.cli import main
from roadmaps.population import _compare as compare
from roadmaps.population._compare import (
    ComparisonRun,
    PersonComparison,
    Scenario,
    compare_population,
    compare_population_files,
    compare_row,
    published_delta,
    published_gap_change,
)
from roadmaps.population._compare_report import report_html
from roadmaps.population._disclosure import DisclosureSettings, suppress_count
from roadmaps.population._input import Accounting, iter_people, iter_person_rows
from roadmaps.population._run import _event_types, run_population
from roadmaps.population._tally import PersonSummary, PopulationTally

AS_OF = date(2026, 11, 23)
REFORMS = Path("examples/reforms")
BY_16 = REFORMS / "transition-assessment-by-16.yaml"
PA_25 = REFORMS / "personal-adviser-automatic-to-25.yaml"
UNSUPPRESSED = DisclosureSettings(threshold=1)


def _reform(path: Path) -> Reform:
    return load_reform(path)


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    """A synthetic population with some broken rows."""
    folder = tmp_path_factory.mktemp("compare-population")
    return synthesise(400, seed=21, out_dir=folder, as_of=AS_OF, bad_fraction=0.05)


def _files(p: SynthResult) -> list[str]:
    return [str(p.people_path), "--episodes", str(p.episodes_path), "--events", str(p.events_path)]


@pytest.fixture(scope="module")
def cli_run(population: SynthResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("compare-out") / "out"
    code = main(["compare", *_files(population), "--reform", str(BY_16), "--as-of", AS_OF.isoformat(),
                 "--workers", "2", "--out", str(out)])  # fmt: skip
    assert code == 0
    return out


def _people(p: SynthResult) -> list:  # type: ignore[type-arg]
    return list(iter_people(p.people_path, p.episodes_path, p.events_path, as_of=AS_OF,
                            accounting=Accounting(), known_event_types=_event_types(["england"])))  # fmt: skip


# --- the interface -------------------------------------------------------------------------


def test_compare_json_has_the_interface_keys(cli_run: Path, population: SynthResult) -> None:
    data = json.loads((cli_run / "compare.json").read_text(encoding="utf-8"))
    assert data["reforms"] == ["Transitions assessment by 16"]
    assert set(data["baseline"]["gaps"]) == set(data["reform"]["gaps"]) == set(data["delta"]["gaps"])
    for value in data["delta"]["gaps"].values():
        assert isinstance(value, int) or value == "<5"
    assert isinstance(data["people_changed"], int) or data["people_changed"] == "<5"
    assert data["rows_in"] == data["rows_processed"] + data["rows_rejected"]
    assert data["rows_rejected"] > 0  # the synthetic file has broken rows
    with open(cli_run / "rejected.csv", encoding="utf-8", newline="") as handle:
        assert len(list(csv.DictReader(handle))) == data["rows_rejected"]
    moves = data["milestone_moves"]["transition-assessment"]
    assert moves["median_days"] < 0  # due earlier under the reform
    assert all(k in compare.MOVE_LABELS for k in moves["moves"])
    diff = data["graph_diff"]["england"]
    assert diff["parameters"]["changed"] == ["transition-assessment-age"]
    assert diff["nodes"] == {"added": [], "removed": [], "changed": []}


def test_the_outputs_are_the_same_bytes_on_a_rerun(cli_run: Path, population: SynthResult, tmp_path: Path) -> None:
    out = tmp_path / "again"
    assert main(["compare", *_files(population), "--reform", str(BY_16), "--as-of", AS_OF.isoformat(),
                 "--workers", "1", "--out", str(out)]) == 0  # fmt: skip
    for path in sorted(p for p in cli_run.rglob("*") if p.is_file()):
        assert (out / path.relative_to(cli_run)).read_bytes() == path.read_bytes(), path.name


def test_reforms_compose_in_the_order_given(population: SynthResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "two"
    code = main(["compare", *_files(population), "--reform", str(PA_25), "--reform", str(BY_16),
                 "--as-of", AS_OF.isoformat(), "--workers", "1", "--out", str(out)])  # fmt: skip
    assert code == 0
    data = json.loads((out / "compare.json").read_text(encoding="utf-8"))
    assert data["reforms"] == ["Personal adviser support automatic to 25", "Transitions assessment by 16"]
    assert "young people whose roadmap changes" in capsys.readouterr().out


def test_a_reform_that_changes_nothing_gives_an_all_zero_delta(population: SynthResult, tmp_path: Path) -> None:
    same = tmp_path / "same.yaml"
    same.write_text(
        # England and Peterborough close the window at 18; Leicester's local 17 is left alone.
        "name: Nothing changes\ndescription: The transition assessment window still closes at 18.\n"
        "areas: [england, peterborough]\n"
        "changes:\n  - {parameter: transition-assessment-age, value: 18}\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    assert main(["compare", *_files(population), "--reform", str(same), "--as-of", AS_OF.isoformat(),
                 "--workers", "1", "--out", str(out)]) == 0  # fmt: skip
    data = json.loads((out / "compare.json").read_text(encoding="utf-8"))
    assert data["delta"]["gaps"] and set(data["delta"]["gaps"].values()) == {0}
    assert {v for row in data["delta"]["forecast"].values() for v in row.values()} == {0}
    assert set(data["gained"]["gaps"].values()) == set(data["lost"]["gaps"].values()) == {0}
    assert data["people_changed"] == 0 and data["milestone_moves"] == {}
    assert data["baseline"] == data["reform"]
    for diff in data["graph_diff"].values():
        assert all(not items for section in diff.values() for items in section.values())
    assert (out / "local-only" / "people-changed.csv").read_text(encoding="utf-8").count("\n") == 1


def test_an_invalid_reform_is_rejected_with_the_check_message(
    population: SynthResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: Bad\ndescription: d\nchanges:\n  - {remove_node: no-such-node}\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["compare", *_files(population), "--reform", str(bad), "--as-of", AS_OF.isoformat(),
                 "--out", str(out)]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "bad.yaml:4" in err
    assert "no-such-node" in err and "Traceback" not in err
    assert not out.exists()


def test_compare_needs_a_reform(population: SynthResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", str(population.people_path), "--out", str(tmp_path / "o")]) == 2
    assert "--reform" in capsys.readouterr().err


# --- the same roadmaps as one young person -------------------------------------------------------


def test_each_change_is_the_difference_of_the_two_single_roadmaps(population: SynthResult) -> None:
    scenario = Scenario((_reform(BY_16), _reform(PA_25)))
    rows = iter_person_rows(
        population.people_path, population.episodes_path, population.events_path, as_of=AS_OF,
        accounting=Accounting(), known_event_types=_event_types(["england", "leicester", "peterborough"]),
    )  # fmt: skip
    checked = changed = 0
    for row in rows:
        area = row.extras.get("area") or "england"
        if area not in ("england", "leicester", "peterborough"):
            continue
        base = load_pathway(area)
        reformed = reformed_pathway(base, scenario.reforms)
        outcome = compare_row(row, as_of=AS_OF, scenarios=(scenario,))
        if not isinstance(outcome, PersonComparison):
            continue
        person = row.to_person()
        before = generate_roadmap(person, as_of=AS_OF, pathway=base)
        after = generate_roadmap(person, as_of=AS_OF, pathway=reformed)
        diff = compare_roadmaps(before, after, ())
        change = outcome.changes[0]
        assert set(change.gained) == set(diff.gaps_opened) - {g.rule for g in before.gaps}
        assert set(change.lost) == set(diff.gaps_closed) - {g.rule for g in after.gaps}
        assert {m[0] for m in change.moves} <= {m.id for m in diff.moved}
        for entry_id, _, days in change.moves:
            move = next(m for m in diff.moved if m.id == entry_id)
            if days:
                assert move.days == days
        checked += 1
        changed += change.changed
    assert checked > 50 and changed > 5


def test_totals_equal_independent_population_runs(population: SynthResult) -> None:
    people = _people(population)
    by_16, pa_25 = _reform(BY_16), _reform(PA_25)
    run = compare_population(people, scenarios=[by_16, [pa_25]], as_of=AS_OF, settings=UNSUPPRESSED)
    base = load_pathway("england")
    baseline = run_population(people, as_of=AS_OF, settings=UNSUPPRESSED, pathway=base)
    assert run.baseline.gaps == baseline.gaps and run.baseline.forecast == baseline.forecast
    for index, reform in enumerate((by_16, pa_25)):
        alone = run_population(people, as_of=AS_OF, settings=UNSUPPRESSED,
                               pathway=reformed_pathway(base, [reform]))  # fmt: skip
        result = run.scenario(index)
        assert result.result.gaps == alone.gaps
        assert result.result.forecast == alone.forecast
        for rule, change in result.gaps.items():
            assert change.delta == alone.gaps.get(rule, 0) - baseline.gaps.get(rule, 0)
            assert change.gained - change.lost == change.delta  # type: ignore[operator]
        for year, row in result.forecast_delta.items():
            for milestone, delta in row.items():
                assert delta == alone.forecast[year][milestone] - baseline.forecast[year][milestone]
        changed = [p for p in run.changed_people if p.scenario == index]
        assert result.people_changed == len(changed)
        moved = Counter(entry for p in changed for entry, _, _ in p.change.moves)
        assert {e: m.total for e, m in result.milestone_moves.items()} == dict(moved)
    assert run.scenario("Transitions assessment by 16") is run.scenario(0)


def test_the_baseline_roadmap_is_made_once_and_reused(population: SynthResult, monkeypatch: pytest.MonkeyPatch) -> None:
    people = _people(population)[:40]
    calls = Counter[str]()
    real = compare.generate_roadmap

    def counting(person, **kwargs):  # type: ignore[no-untyped-def]
        calls[kwargs["pathway"].rules.reforms] += 1
        return real(person, **kwargs)

    monkeypatch.setattr(compare, "generate_roadmap", counting)
    reforms = [_reform(BY_16), _reform(PA_25), _reform(REFORMS / "post-19-health-transition-service.yaml")]
    compare_population(people, scenarios=reforms, as_of=AS_OF)
    assert calls[()] == len(people)  # one baseline roadmap per young person, for three reforms
    assert sum(calls.values()) == 4 * len(people)


# --- disclosure control ------------------------------------------------------------------------


def _aggregate_files(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*") if p.is_file() and "local-only" not in p.parts
                  and p.name != "rejected.csv")  # fmt: skip


def test_no_identifier_or_date_of_birth_in_aggregate_outputs(cli_run: Path, population: SynthResult) -> None:
    with open(population.people_path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    ids = {r["id"] for r in rows if r["id"]}
    births = {r["date_of_birth"] for r in rows if re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["date_of_birth"] or "")}
    text = "\n".join(p.read_text(encoding="utf-8") for p in _aggregate_files(cli_run))
    tokens = set(re.findall(r"[A-Za-z0-9_-]+", text))
    assert not ids & tokens
    assert not {b for b in births if b in text}
    local_path = cli_run / "local-only" / "people-changed.csv"
    # It lists young people by id: the owner alone may read it, whatever the umask.
    assert stat.S_IMODE(local_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(local_path.parent.stat().st_mode) == 0o700
    local = local_path.read_text(encoding="utf-8")
    assert local.startswith("id,people_csv_line,gaps_gained,gaps_lost,milestones_changed\n")
    listed = local.count("\n") - 1
    data = json.loads((cli_run / "compare.json").read_text(encoding="utf-8"))
    assert data["people_changed"] == "<5" or data["people_changed"] == listed


def test_no_published_count_is_from_1_to_4(cli_run: Path) -> None:
    data = json.loads((cli_run / "compare.json").read_text(encoding="utf-8"))
    not_counts = {"rows_in", "rows_processed", "rows_rejected", "rows_in_by_file", "suppression",
                  "delta", "median_days", "graph_diff", "as_of"}  # fmt: skip

    def small(value: object) -> list[object]:
        if isinstance(value, dict):
            return [v for k, item in value.items() if k not in not_counts for v in small(item)]
        if isinstance(value, list):
            return [v for item in value for v in small(item)]
        return [value] if type(value) is int and 0 < value < 5 else []

    assert small(data) == []
    for name in ("gap-changes", "milestone-moves"):
        with open(cli_run / "tables" / f"{name}.csv", encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                for key in ("baseline", "reform", "gained", "lost", "young_people"):
                    assert row.get(key) not in {"1", "2", "3", "4"}, (name, key)


@given(st.integers(0, 30), st.integers(0, 30), st.sampled_from(["none", "base5"]))
def test_a_published_difference_never_reveals_a_hidden_or_small_count(
    before: int, after: int, rounding: str
) -> None:
    settings = DisclosureSettings(rounding=rounding)  # type: ignore[arg-type]
    b, a = suppress_count(before, settings), suppress_count(after, settings)
    delta = published_delta(before, after, b, a, settings)
    if isinstance(delta, int):
        if delta != 0:
            assert isinstance(b, int) and isinstance(a, int) and delta == a - b
        assert not 0 < abs(delta) < 5  # a difference of 1 to 4 could be a few young people
    else:
        assert delta == settings.placeholder and before != after


def test_no_published_difference_is_from_1_to_4_and_none_can_be_worked_back(cli_run: Path) -> None:
    data = json.loads((cli_run / "compare.json").read_text(encoding="utf-8"))
    delta, baseline, reform = data["delta"], data["baseline"], data["reform"]
    pairs = [(delta["gaps"][r], baseline["gaps"][r], reform["gaps"][r]) for r in delta["gaps"]]
    pairs += [
        (delta["forecast"][y][m], baseline["forecast"][y][m], reform["forecast"][y][m])
        for y in delta["forecast"]
        for m in delta["forecast"][y]
    ]
    for d, before, after in pairs:
        assert d == "<5" or not 0 < abs(d) < 5
        if d == "<5" and before != "<5":
            assert after == "<5"  # else the difference is after minus before
        if d not in ("<5", 0):  # a 0 is shown whenever the two counts are equal
            assert after != "<5" and before != "<5" and d == after - before


def test_a_small_forecast_difference_is_hidden_with_the_reform_count() -> None:
    def person(when: date) -> PersonSummary:
        return PersonSummary(as_of=AS_OF, area="england", cohorts=("send",), age_band="16-17",
                             entries=(("age-18", when, "upcoming"),))  # fmt: skip

    disclosure = DisclosureSettings()
    baseline_raw = PopulationTally(AS_OF).add_all([person(date(2028, 5, 1))] * 30
                                                  + [person(date(2029, 5, 1))] * 40)  # fmt: skip
    # Under the reform two young people reach 18 in 2029 instead of 2028.
    reform_raw = PopulationTally(AS_OF).add_all([person(date(2028, 5, 1))] * 28
                                                + [person(date(2029, 5, 1))] * 42)  # fmt: skip
    baseline, result = baseline_raw.publish(disclosure), reform_raw.publish(disclosure)
    assert (baseline.forecast["2028"]["age-18"], result.forecast["2028"]["age-18"]) == (30, 28)
    delta = compare._forecast_delta(baseline_raw, reform_raw, baseline, result, disclosure)
    assert delta["2028"]["age-18"] == delta["2029"]["age-18"] == "<5"
    shown = compare._hide_pinned(result, {}, delta, baseline, disclosure)
    assert shown.forecast["2028"]["age-18"] == shown.forecast["2029"]["age-18"] == "<5"
    rounded = DisclosureSettings(rounding="base5")
    baseline, result = baseline_raw.publish(rounded), reform_raw.publish(rounded)
    delta = compare._forecast_delta(baseline_raw, reform_raw, baseline, result, rounded)
    assert (delta["2028"]["age-18"], delta["2029"]["age-18"]) == (0, 0)  # 30, 28 and 40, 42 round alike


def test_a_small_difference_hides_the_reform_count_it_comes_from() -> None:
    disclosure = DisclosureSettings()
    change = published_gap_change("r", 100, 102, 12, 10, 100, 102, disclosure)
    assert (change.baseline, change.reform, change.delta) == (100, "<5", "<5")
    assert (change.gained, change.lost) == ("<5", "<5")  # 12 - 10 would give the 2 back
    change = published_gap_change("r", 100, 130, 40, 10, 100, 130, disclosure)
    assert (change.reform, change.delta, change.gained, change.lost) == (130, 30, 40, 10)


def _published_row(before: int, gained: int, lost: int, settings: DisclosureSettings) -> tuple:  # type: ignore[type-arg]
    after = before + gained - lost
    change = published_gap_change("r", before, after, gained, lost, suppress_count(before, settings),
                                  suppress_count(after, settings), settings)  # fmt: skip
    return change.baseline, change.reform, change.delta, change.gained, change.lost


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 9), st.integers(0, 9), st.integers(0, 14), st.sampled_from(["none", "base5"]))
def test_no_hidden_count_of_a_gap_row_can_be_worked_out(
    gained: int, lost: int, before: int, rounding: str
) -> None:
    """Every hidden value of the row (before, after, gained, lost) fits at least two raw rows
    that publish exactly the same row, with or without rounding."""
    disclosure = DisclosureSettings(rounding=rounding)  # type: ignore[arg-type]
    if before + gained - lost < 0:
        return
    shown = _published_row(before, gained, lost, disclosure)
    assert all(v == "<5" or not 0 < v < 5 for v in (shown[0], shown[1], shown[3], shown[4]))  # type: ignore[operator]
    fits = [
        (b, b + g - lo, g, lo)
        for b in range(30)
        for g in range(14)
        for lo in range(14)
        if b + g - lo >= 0 and _published_row(b, g, lo, disclosure) == shown
    ]
    assert (before, before + gained - lost, gained, lost) in fits
    for position, value in ((0, shown[0]), (1, shown[1]), (3, shown[3]), (4, shown[4])):
        if value == "<5":
            column = {0: 0, 1: 1, 3: 2, 4: 3}[position]
            assert len({fit[column] for fit in fits}) >= 2, (shown, fits[:5])


def test_doctests_of_the_comparison_module() -> None:
    import doctest

    assert doctest.testmod(compare).failed == 0


# --- reports and notebooks -------------------------------------------------------------------------


def test_html_report_is_self_contained(cli_run: Path) -> None:
    page = (cli_run / "compare.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en-GB">' in page
    assert not re.search(r"<(script|link|img|iframe)\b", page) and "http" not in page
    assert page.count("<svg") == 1 and 'role="img"' in page
    markdown = (cli_run / "compare.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Reform comparison: Transitions assessment by 16")
    assert "## Gaps before and after" in markdown and "## Milestones that move" in markdown


@pytest.fixture(scope="module")
def two_scenarios(population: SynthResult) -> ComparisonRun:
    return compare_population_files(
        population.people_path, population.episodes_path, population.events_path,
        scenarios=[_reform(BY_16), _reform(PA_25)], as_of=AS_OF, workers=1, progress=False,
    )  # fmt: skip


def test_the_report_page_carries_the_nonce_it_is_given(two_scenarios: ComparisonRun) -> None:
    page = report_html(two_scenarios.only(1))
    assert "<style>\n" in page and "nonce" not in page
    served = report_html(two_scenarios.only(1), nonce="n0nce")
    assert served == page.replace("<style>", '<style nonce="n0nce">', 1)


def test_comparisons_display_in_notebooks_and_convert_to_pandas(two_scenarios: ComparisonRun) -> None:
    pytest.importorskip("pandas")
    run = two_scenarios
    page = run._repr_html_()
    assert "Transitions assessment by 16" in page and "Personal adviser" in page and "<svg" in page
    assert "<svg" in run.scenarios[0]._repr_html_()
    frame = run.gaps_frame()
    assert list(frame.columns) == ["scenario", "rule", "baseline", "reform", "delta", "gained", "lost"]
    assert len(frame) == sum(len(s.gaps) for s in run.scenarios)
    moves = run.scenarios[0].moves_frame()
    assert set(moves["milestone"]) == set(run.scenarios[0].milestone_moves)
    with pytest.raises(ValueError, match="one scenario"):
        from roadmaps.population._compare_report import compare_dict

        compare_dict(run)
    assert run.only(1).scenarios[0].name == "Personal adviser support automatic to 25"


def test_a_reform_for_another_area_costs_nothing_and_changes_nothing(
    population: SynthResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = Counter[str]()
    real = compare.generate_roadmap

    def counting(person, **kwargs):  # type: ignore[no-untyped-def]
        calls[kwargs["pathway"].area] += 1
        return real(person, **kwargs)

    monkeypatch.setattr(compare, "generate_roadmap", counting)
    leicester_only = _reform(REFORMS / "leicester-adopts-peterborough-offer.yaml")
    run = compare_population_files(
        population.people_path, population.episodes_path, population.events_path,
        scenarios=[leicester_only], as_of=AS_OF, workers=1, progress=False, settings=UNSUPPRESSED,
    )  # fmt: skip
    areas = Counter(row.split(",")[-1].strip() for row in population.people_path.read_text().splitlines()[1:])
    assert run.accounting is not None and calls["peterborough"] <= areas["peterborough"]
    assert calls["leicester"] > areas["leicester"] * 1.5  # baseline and reform roadmaps
    assert run.scenarios[0].graph_diff["peterborough"]["nodes"]["added"] == []
    assert run.scenarios[0].graph_diff["leicester"]["nodes"]["added"]
    assert {p.scenario for p in run.changed_people} == {0}
