"""Tests for the Beta helpers, branch calibration and event-log conformance (issue 3, item 4)."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathways._errors import InputError
from pathways._stats import (
    BranchEvents,
    beta_interval,
    beta_quantile,
    calibrate,
    calibrate_branch,
    count_branch_events,
    log_beta,
    regularized_incomplete_beta,
)

unit = st.floats(min_value=0.0, max_value=1.0)
inner = st.floats(min_value=1e-6, max_value=1.0 - 1e-6)
shape = st.floats(min_value=0.2, max_value=80.0)


# ------------------------------------------------------------------ incomplete beta


@given(unit)
def test_uniform_cdf_is_identity(x: float) -> None:
    assert math.isclose(regularized_incomplete_beta(x, 1.0, 1.0), x, abs_tol=1e-14)


@given(unit)
def test_beta_2_2_closed_form(x: float) -> None:
    assert math.isclose(
        regularized_incomplete_beta(x, 2.0, 2.0), 3 * x**2 - 2 * x**3, abs_tol=1e-14
    )


@given(unit, st.floats(min_value=0.2, max_value=30.0))
def test_one_sided_closed_forms(x: float, a: float) -> None:
    # I_x(a, 1) = x**a and I_x(1, b) = 1 - (1 - x)**b.
    assert math.isclose(regularized_incomplete_beta(x, a, 1.0), x**a, abs_tol=1e-13)
    assert math.isclose(regularized_incomplete_beta(x, 1.0, a), 1 - (1 - x) ** a, abs_tol=1e-13)


@given(unit)
def test_arcsine_closed_form(x: float) -> None:
    # Beta(1/2, 1/2) is the arcsine distribution: I_x = (2 / pi) asin(sqrt(x)); near 1 the
    # reflected form avoids the cancellation in asin (1 - x is exact there, by Sterbenz).
    if x <= 0.5:
        expected = 2 / math.pi * math.asin(math.sqrt(x))
    else:
        expected = 1 - 2 / math.pi * math.asin(math.sqrt(1 - x))
    assert math.isclose(regularized_incomplete_beta(x, 0.5, 0.5), expected, abs_tol=1e-13)


@given(shape)
def test_symmetric_shapes_put_half_below_one_half(a: float) -> None:
    assert math.isclose(regularized_incomplete_beta(0.5, a, a), 0.5, abs_tol=1e-13)


@given(st.integers(min_value=0, max_value=2**20), shape, shape)
def test_reflection(k: int, a: float, b: float) -> None:
    x = k / 2**20  # so that 1 - x is exact
    left = regularized_incomplete_beta(x, a, b)
    right = regularized_incomplete_beta(1 - x, b, a)
    assert math.isclose(left + right, 1.0, abs_tol=1e-12)


@pytest.mark.parametrize("n", [1, 5, 20, 60])
@pytest.mark.parametrize("p", [0.03, 0.3, 0.5, 0.77])
def test_binomial_tail_identity(n: int, p: float) -> None:
    # P(X >= k) for X ~ Binomial(n, p) equals I_p(k, n - k + 1), computed exactly here.
    q = Fraction(p)
    for k in range(1, n + 1):
        tail = sum(math.comb(n, j) * q**j * (1 - q) ** (n - j) for j in range(k, n + 1))
        assert math.isclose(regularized_incomplete_beta(p, k, n - k + 1), tail, abs_tol=1e-13)


def test_known_value_and_log_beta() -> None:
    # I_0.25(3, 2) = 4 x^3 - 3 x^4 at x = 1/4 = 13/256.
    assert math.isclose(regularized_incomplete_beta(0.25, 3.0, 2.0), 13 / 256, rel_tol=1e-13)
    assert math.isclose(math.exp(log_beta(0.5, 0.5)), math.pi, rel_tol=1e-14)


@given(unit, unit, shape, shape)
def test_monotone_in_x(x: float, y: float, a: float, b: float) -> None:
    low, high = sorted((x, y))
    assert regularized_incomplete_beta(low, a, b) <= regularized_incomplete_beta(high, a, b) + 1e-15


def test_large_shapes_converge() -> None:
    # Counts in the tens of thousands; the normal approximation gives the value near the mean.
    value = regularized_incomplete_beta(0.5, 20_000.0, 20_000.0)
    assert math.isclose(value, 0.5, abs_tol=1e-10)


@pytest.mark.parametrize(
    ("x", "a", "b"), [(-0.1, 1.0, 1.0), (1.1, 1.0, 1.0), (0.5, 0.0, 1.0), (0.5, 1.0, math.nan)]
)
def test_bad_arguments(x: float, a: float, b: float) -> None:
    with pytest.raises(ValueError):
        regularized_incomplete_beta(x, a, b)


# ------------------------------------------------------------------ quantiles


@settings(max_examples=200)
@given(inner, st.floats(min_value=1.0, max_value=80.0), st.floats(min_value=1.0, max_value=80.0))
def test_quantile_round_trip(p: float, a: float, b: float) -> None:
    x = beta_quantile(p, a, b)
    assert 0.0 <= x <= 1.0
    assert math.isclose(regularized_incomplete_beta(x, a, b), p, abs_tol=1e-10)


@settings(max_examples=200)
@given(inner, shape, shape)
def test_quantile_is_as_close_as_floats_allow(p: float, a: float, b: float) -> None:
    # With a shape below 1 the density is unbounded at an end, and near there neighbouring
    # floats can differ in I_x by much more than 1e-10: p must lie between the values of
    # I at the floats just either side of the answer.
    x = beta_quantile(p, a, b)
    window = max(4 * math.ulp(x), 1e-12 * min(x, 1 - x))
    below = regularized_incomplete_beta(max(0.0, x - window), a, b)
    above = regularized_incomplete_beta(min(1.0, x + window), a, b)
    assert below - 1e-12 <= p <= above + 1e-12


@given(st.floats(min_value=0.01, max_value=0.99), st.floats(min_value=0.5, max_value=40.0))
def test_quantile_closed_forms(p: float, a: float) -> None:
    assert math.isclose(beta_quantile(p, 1.0, 1.0), p, abs_tol=1e-10)
    assert math.isclose(beta_quantile(p, a, 1.0), p ** (1 / a), abs_tol=1e-10)
    assert math.isclose(beta_quantile(p, 0.5, 0.5), math.sin(math.pi * p / 2) ** 2, abs_tol=1e-10)
    assert math.isclose(beta_quantile(0.5, a, a), 0.5, abs_tol=1e-10)


@given(st.floats(min_value=0.05, max_value=0.95), shape, shape)
def test_quantile_inverts_cdf(x: float, a: float, b: float) -> None:
    p = regularized_incomplete_beta(x, a, b)
    if not 1e-6 < p < 1 - 1e-6:
        return  # too far in a tail for x to be recoverable from p
    density = math.exp((a - 1) * math.log(x) + (b - 1) * math.log1p(-x) - log_beta(a, b))
    # The error in x is the error in p over the density.
    assert math.isclose(beta_quantile(p, a, b), x, abs_tol=1e-10 + 1e-13 / density)


def test_interval_is_central() -> None:
    low, high = beta_interval(3.0, 7.0, 0.9)
    assert math.isclose(regularized_incomplete_beta(low, 3.0, 7.0), 0.05, abs_tol=1e-12)
    assert math.isclose(regularized_incomplete_beta(high, 3.0, 7.0), 0.95, abs_tol=1e-12)
    with pytest.raises(ValueError):
        beta_interval(3.0, 7.0, 1.0)


# ------------------------------------------------------------------ calibration


def test_calibration_combines_prior_and_counts() -> None:
    report = calibrate_branch(
        "asc-decision",
        {"eligible": 0.8, "signposted": 0.2},
        {"eligible": 30, "signposted": 60},
        prior_strength=10.0,
        level=0.9,
    )
    assert report.cases == 90
    eligible, signposted = report.options
    assert math.isclose(eligible.estimate, (8 + 30) / 100)
    assert math.isclose(signposted.estimate, (2 + 60) / 100)
    assert eligible.count == 30
    low, high = beta_interval(38.0, 62.0, 0.9)
    assert (eligible.lower, eligible.upper) == (low, high)
    assert eligible.expert_outside
    assert signposted.expert_outside
    assert report.expert_outside
    assert math.isclose(math.fsum(report.estimates().values()), 1.0)


def test_no_cases_keeps_the_expert_value() -> None:
    report = calibrate_branch("b", {"x": 0.25, "y": 0.75}, {}, prior_strength=4.0)
    assert report.cases == 0
    assert [option.estimate for option in report.options] == [0.25, 0.75]
    assert not report.expert_outside


def test_an_option_experts_rule_out_and_nobody_takes() -> None:
    report = calibrate_branch("b", {"x": 0.0, "y": 1.0}, {"y": 5}, prior_strength=2.0)
    x, y = report.options
    assert (x.estimate, x.lower, x.upper) == (0.0, 0.0, 0.0)
    assert (y.estimate, y.lower, y.upper) == (1.0, 1.0, 1.0)
    assert not report.expert_outside


@pytest.mark.parametrize(
    ("expert", "counts", "strength", "message"),
    [
        ({"x": 0.5, "y": 0.4}, {}, 1.0, "sum to"),
        ({"x": 1.5, "y": -0.5}, {}, 1.0, r"\[0, 1\]"),
        ({"x": 0.5, "y": 0.5}, {"z": 3}, 1.0, "not an option"),
        ({"x": 0.5, "y": 0.5}, {"x": -3}, 1.0, "whole number"),
        ({"x": 0.5, "y": 0.5}, {"x": 2.5}, 1.0, "whole number"),
        ({"x": 0.5, "y": 0.5}, {}, 0.0, "prior strength"),
        ({}, {}, 1.0, "at least one option"),
    ],
)
def test_calibration_errors(
    expert: dict[str, float], counts: dict[str, int], strength: float, message: str
) -> None:
    with pytest.raises(InputError, match=message) as error:
        calibrate_branch("b", expert, counts, prior_strength=strength)
    assert error.value.id == "b"


def test_calibrate_many_branches() -> None:
    experts = {"a": {"x": 0.5, "y": 0.5}, "b": {"p": 1.0}}
    reports = calibrate(experts, {"a": {"x": 3}}, prior_strength={"a": 2.0, "b": 1.0})
    assert [report.branch for report in reports] == ["a", "b"]
    with pytest.raises(InputError, match="unknown branches"):
        calibrate(experts, {"c": {"x": 1}}, prior_strength=1.0)
    with pytest.raises(InputError, match="no prior strength"):
        calibrate(experts, {}, prior_strength={"a": 1.0})


# ------------------------------------------------------------------ event logs


def test_conformance_findings_are_reported_not_dropped() -> None:
    day = date(2030, 1, 1)
    branch = BranchEvents(
        "asc-decision",
        {"eligible": frozenset({"asc-eligible"}), "signposted": frozenset({"asc-signposted"})},
        requires=("asc-assessment",),
    )
    cases = {
        "c1": [("asc-assessment", day), ("asc-eligible", day + timedelta(30))],
        "c2": [("asc-signposted", day)],  # skipped the assessment
        "c3": [("asc-eligible", day), ("asc-assessment", day + timedelta(5))],  # out of order
        "c4": [
            ("asc-assessment", day),
            ("asc-signposted", day + timedelta(9)),
            ("asc-eligible", day + timedelta(90)),
        ],
        "c5": [("unrelated", day)],  # never reached the branch
        # listed out of date order: sorted first, so this one conforms
        "c6": [("asc-eligible", day + timedelta(3)), ("asc-assessment", day)],
    }
    result = count_branch_events(cases, [branch])
    assert dict(result.counts["asc-decision"]) == {"eligible": 3, "signposted": 2}
    kinds = [(finding.case, finding.kind) for finding in result.findings]
    assert kinds == [("c2", "skipped-step"), ("c3", "out-of-order"), ("c4", "multiple-options")]
    assert all(finding.branch == "asc-decision" for finding in result.findings)
    assert "signposted, eligible" in result.findings[2].detail
    assert result.excluded["asc-decision"] == 0

    strict = count_branch_events(cases, [branch], count_nonconforming=False)
    assert dict(strict.counts["asc-decision"]) == {"eligible": 2, "signposted": 0}
    assert strict.excluded["asc-decision"] == 3
    assert strict.findings == result.findings


def test_branch_description_errors() -> None:
    with pytest.raises(InputError, match="options"):
        BranchEvents("b", {"x": frozenset({"e"}), "y": frozenset({"e"})})
    with pytest.raises(InputError, match="required step"):
        BranchEvents("b", {"x": frozenset({"e"})}, requires=("e",))
    with pytest.raises(InputError, match="no event types"):
        BranchEvents("b", {"x": frozenset()})
    twice = BranchEvents("b", {"x": frozenset({"e"})})
    with pytest.raises(InputError, match="twice"):
        count_branch_events({}, [twice, twice])


def simulate_event_log(
    rng: random.Random, truths: dict[str, dict[str, float]]
) -> tuple[dict[str, list[tuple[str, date]]], dict[str, int]]:
    """Cases drawn from known probabilities, with a few journeys that do not fit."""
    cases: dict[str, list[tuple[str, date]]] = {}
    injected = {"skipped-step": 0, "out-of-order": 0, "multiple-options": 0}
    for branch, truth in truths.items():
        options = list(truth)
        weights = list(truth.values())
        for number in range(rng.randint(50, 300)):
            start = date(2030, 1, 1) + timedelta(days=rng.randint(0, 700))
            option = rng.choices(options, weights)[0]
            events = [(f"{branch}:review", start), (f"{branch}:{option}", start + timedelta(30))]
            roll = rng.random()
            if roll < 0.02:
                events = events[1:]
                injected["skipped-step"] += 1
            elif roll < 0.04:
                events[0] = (events[0][0], start + timedelta(60))
                injected["out-of-order"] += 1
            elif roll < 0.06:
                other = rng.choice([name for name in options if name != option])
                events.append((f"{branch}:{other}", start + timedelta(400)))
                injected["multiple-options"] += 1
            rng.shuffle(events)  # an export is not necessarily in date order
            cases[f"{branch}-case-{number}"] = events
    return cases, injected


def test_calibration_recovers_simulated_probabilities() -> None:
    rng = random.Random(20_260_301)
    truths: dict[str, dict[str, float]] = {}
    experts: dict[str, dict[str, float]] = {}
    for number in range(200):
        size = rng.randint(2, 4)
        true_weights = [rng.gammavariate(2.0, 1.0) for _ in range(size)]
        # A deliberately wrong expert prior, drawn independently of the truth.
        expert_weights = [rng.gammavariate(2.0, 1.0) for _ in range(size)]
        names = [f"option-{i}" for i in range(size)]
        truths[f"branch-{number:03d}"] = {
            name: w / sum(true_weights) for name, w in zip(names, true_weights, strict=True)
        }
        experts[f"branch-{number:03d}"] = {
            name: w / sum(expert_weights) for name, w in zip(names, expert_weights, strict=True)
        }
    cases, injected = simulate_event_log(rng, truths)
    descriptions = [
        BranchEvents(
            branch,
            {option: frozenset({f"{branch}:{option}"}) for option in truth},
            requires=(f"{branch}:review",),
        )
        for branch, truth in truths.items()
    ]
    events = count_branch_events(cases, descriptions)
    found = dict.fromkeys(injected, 0)
    for finding in events.findings:
        found[finding.kind] += 1
    assert found == injected
    assert sum(sum(counts.values()) for counts in events.counts.values()) == len(cases)

    reports = calibrate(experts, events.counts, prior_strength=5.0, level=0.95)
    covered = [
        option.lower <= truths[report.branch][option.option] <= option.upper
        for report in reports
        for option in report.options
    ]
    assert sum(covered) / len(covered) >= 0.90
    # Per branch: the share of its options recovered, averaged over branches.
    shares = [
        sum(
            option.lower <= truths[report.branch][option.option] <= option.upper
            for option in report.options
        )
        / len(report.options)
        for report in reports
    ]
    assert sum(shares) / len(shares) >= 0.90
    binary = [report for report in reports if len(report.options) == 2]
    assert len(binary) >= 40
    recovered = [
        all(
            option.lower <= truths[report.branch][option.option] <= option.upper
            for option in report.options
        )
        for report in binary
    ]
    assert sum(recovered) / len(recovered) >= 0.90
    # The wrong expert values are caught in most branches.
    assert sum(report.expert_outside for report in reports) / len(reports) >= 0.5
    for report in reports:
        assert report.cases == sum(events.counts[report.branch].values())
        assert math.isclose(math.fsum(report.estimates().values()), 1.0, abs_tol=1e-12)
