"""Beta and Dirichlet helpers, and branch calibration from case histories (issue 3, item 4).

The maths is written in pure Python so the library needs no numerical stack:

* :func:`regularized_incomplete_beta` is the regularised incomplete beta function
  ``I_x(a, b)``, evaluated by the continued fraction of Numerical Recipes
  (Press et al., *Numerical Recipes*, 3rd ed., section 6.4, ``betai``/``betacf``,
  modified Lentz's method) with :func:`math.lgamma` for the prefactor.
* :func:`beta_quantile` inverts it by Newton's method kept inside a bisection
  bracket, to about 1e-13 (relative), well within the 1e-10 the reports need.
* :func:`calibrate_branch` combines an expert prior with observed counts: the
  prior is ``Dirichlet(prior_strength * expert)``, the posterior is
  ``Dirichlet(prior_strength * expert + counts)`` (conjugacy), and each option's
  marginal is ``Beta(a_i, A - a_i)`` with ``A`` the sum of the parameters, which
  gives the central credible interval.
* :func:`count_branch_events` turns per-case event sequences into option counts
  per branch and reports journeys that do not fit the pathway as
  :class:`ConformanceFinding` objects instead of dropping them.

Nothing here knows a cohort, an age or a statutory number: branches, options and
event types are whatever the caller passes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Literal

from ._errors import InputError

#: How far a set of probabilities may stray from summing to 1 (a floating-point allowance).
PROBABILITY_TOLERANCE = 1e-9

_CF_MAX_ITERATIONS = 10_000
_CF_EPSILON = 1e-15
_CF_TINY = 1e-300
_QUANTILE_MAX_ITERATIONS = 400
_QUANTILE_RELATIVE_TOLERANCE = 1e-13


# --------------------------------------------------------------------------------------
# The Beta distribution
# --------------------------------------------------------------------------------------


def log_beta(a: float, b: float) -> float:
    """The logarithm of the beta function, ``log B(a, b)``, from :func:`math.lgamma`.

    >>> round(math.exp(log_beta(2.0, 3.0)), 12)  # B(2, 3) = 1! 2! / 4! = 1/12
    0.083333333333
    """
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def _check_shape(a: float, b: float) -> None:
    if not (math.isfinite(a) and math.isfinite(b) and a > 0 and b > 0):
        raise ValueError(f"beta shape parameters must be finite and positive, got a={a}, b={b}")


def _beta_continued_fraction(x: float, a: float, b: float) -> float:
    """The continued fraction for ``I_x(a, b)`` (Numerical Recipes ``betacf``, modified Lentz).

    Converges quickly for ``x < (a + 1) / (a + b + 2)``; the caller uses the symmetry
    ``I_x(a, b) = 1 - I_{1-x}(b, a)`` otherwise.
    """
    qab = a + b
    qap = a + 1.0
    qam = a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    if abs(d) < _CF_TINY:
        d = _CF_TINY
    d = 1.0 / d
    h = d
    for m in range(1, _CF_MAX_ITERATIONS + 1):
        m2 = 2 * m
        # Even step of the recurrence.
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        if abs(d) < _CF_TINY:
            d = _CF_TINY
        c = 1.0 + aa / c
        if abs(c) < _CF_TINY:
            c = _CF_TINY
        d = 1.0 / d
        h *= d * c
        # Odd step.
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        if abs(d) < _CF_TINY:
            d = _CF_TINY
        c = 1.0 + aa / c
        if abs(c) < _CF_TINY:
            c = _CF_TINY
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) <= _CF_EPSILON:
            return h
    raise ArithmeticError(  # pragma: no cover - needs shape parameters far beyond any count
        f"incomplete beta continued fraction did not converge for a={a}, b={b}, x={x}"
    )


def regularized_incomplete_beta(x: float, a: float, b: float) -> float:
    """The regularised incomplete beta function ``I_x(a, b)``: the Beta(a, b) CDF at ``x``.

    Implements Numerical Recipes (3rd ed., section 6.4) ``betai``: the prefactor
    ``x^a (1-x)^b / (a B(a, b))`` is taken in log space with :func:`math.lgamma`,
    and the continued fraction is evaluated on whichever side of the mean it
    converges fastest.

    Args:
        x: the point, in [0, 1].
        a: first shape parameter, > 0.
        b: second shape parameter, > 0.

    Returns:
        ``I_x(a, b)`` in [0, 1].

    Raises:
        ValueError: if ``x`` is outside [0, 1] or a shape parameter is not positive.

    >>> regularized_incomplete_beta(0.25, 1.0, 1.0)
    0.25
    >>> round(regularized_incomplete_beta(0.5, 2.0, 2.0), 12)
    0.5
    """
    _check_shape(a, b)
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"x must be in [0, 1], got {x}")
    if x == 0.0:
        return 0.0
    if x == 1.0:
        return 1.0
    log_front = a * math.log(x) + b * math.log1p(-x) - log_beta(a, b)
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        value = front * _beta_continued_fraction(x, a, b) / a
    else:
        value = 1.0 - front * _beta_continued_fraction(1.0 - x, b, a) / b
    return min(1.0, max(0.0, value))


def _beta_density(x: float, a: float, b: float, log_normaliser: float) -> float:
    if x <= 0.0 or x >= 1.0:
        return math.nan
    log_density = (a - 1.0) * math.log(x) + (b - 1.0) * math.log1p(-x) - log_normaliser
    if log_density > 700.0:
        return math.inf
    return math.exp(log_density)


def beta_quantile(p: float, a: float, b: float) -> float:
    """The inverse of :func:`regularized_incomplete_beta` in ``x``: the Beta(a, b) quantile.

    Newton's method on ``I_x(a, b) - p`` (the derivative is the Beta density), with
    every iterate kept inside a bracket that shrinks at each evaluation; a Newton
    step that would leave the bracket is replaced by bisection, so the search always
    converges. It stops when a step is below 1e-13 relative to the nearer of ``x`` and
    ``1 - x``, or when the bracket is down to neighbouring floating-point numbers.

    Args:
        p: the probability, in [0, 1].
        a: first shape parameter, > 0.
        b: second shape parameter, > 0.

    Returns:
        ``x`` in [0, 1] with ``I_x(a, b) = p``.

    >>> beta_quantile(0.3, 1.0, 1.0)
    0.3
    >>> round(beta_quantile(0.25, 2.0, 1.0), 12)  # I_x(2, 1) = x**2
    0.5
    """
    _check_shape(a, b)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be in [0, 1], got {p}")
    if p == 0.0:
        return 0.0
    if p == 1.0:
        return 1.0
    log_normaliser = log_beta(a, b)
    low, high = 0.0, 1.0
    x = a / (a + b)
    for _ in range(_QUANTILE_MAX_ITERATIONS):
        error = regularized_incomplete_beta(x, a, b) - p
        if error == 0.0:
            return x
        if error < 0.0:
            low = x
        else:
            high = x
        density = _beta_density(x, a, b, log_normaliser)
        candidate = x - error / density if density > 0.0 and math.isfinite(density) else math.nan
        if not low < candidate < high:
            candidate = 0.5 * (low + high)
        if candidate in (low, high, x):
            # The bracket is down to neighbouring floats: no closer answer exists.
            return candidate
        step = abs(candidate - x)
        x = candidate
        # Relative to the nearer end, so that quantiles close to 1 are found as finely
        # as those close to 0.
        if step <= _QUANTILE_RELATIVE_TOLERANCE * min(x, 1.0 - x):
            return x
    return x  # pragma: no cover - the bracket halves at worst, so 400 steps always suffice


def beta_interval(a: float, b: float, level: float) -> tuple[float, float]:
    """The central credible interval of Beta(a, b) holding ``level`` of the mass.

    The interval runs from the ``(1 - level) / 2`` to the ``(1 + level) / 2`` quantile
    (an equal-tailed interval).

    >>> beta_interval(1.0, 1.0, 0.9)
    (0.05, 0.95)
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"the interval level must be strictly between 0 and 1, got {level}")
    tail = (1.0 - level) / 2.0
    return beta_quantile(tail, a, b), beta_quantile(1.0 - tail, a, b)


# --------------------------------------------------------------------------------------
# Calibration: Dirichlet prior from expert values, updated with counts
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OptionEstimate:
    """The calibrated probability of one option of a branch.

    Attributes:
        option: the option id.
        expert: the expert (current rule-data) probability.
        estimate: the posterior mean, ``a_i / A``.
        lower: lower end of the central credible interval.
        upper: upper end of the central credible interval.
        count: the number of cases observed taking this option.
        expert_outside: whether the expert value falls outside [lower, upper].
    """

    option: str
    expert: float
    estimate: float
    lower: float
    upper: float
    count: int
    expert_outside: bool


@dataclass(frozen=True, slots=True)
class BranchCalibration:
    """The calibration report for one branch.

    Attributes:
        branch: the branch id.
        cases: the number of cases observed at the branch (the sum of the counts).
        prior_strength: the pseudo-count total given to the expert values.
        level: the credible level of the intervals (for example 0.9).
        options: one :class:`OptionEstimate` per option, in the expert's order.
    """

    branch: str
    cases: int
    prior_strength: float
    level: float
    options: tuple[OptionEstimate, ...]

    @property
    def expert_outside(self) -> bool:
        """True when any option's expert value falls outside its interval."""
        return any(option.expert_outside for option in self.options)

    def estimates(self) -> dict[str, float]:
        """The posterior means by option: an overlay of updated probabilities (sums to 1)."""
        return {option.option: option.estimate for option in self.options}


def _check_probabilities(branch: str, values: Mapping[str, float]) -> None:
    if not values:
        raise InputError("a branch needs at least one option", id=branch)
    for option, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(f"option {option!r} has a non-numeric probability", id=branch)
        if not (math.isfinite(value) and 0.0 <= value <= 1.0):
            raise InputError(
                f"option {option!r} has probability {value!r}, expected a number in [0, 1]",
                id=branch,
            )
    total = math.fsum(values.values())
    if abs(total - 1.0) > PROBABILITY_TOLERANCE:
        raise InputError(
            f"expert probabilities sum to {total!r}, expected 1 (within {PROBABILITY_TOLERANCE})",
            id=branch,
        )


def calibrate_branch(
    branch: str,
    expert: Mapping[str, float],
    counts: Mapping[str, int],
    *,
    prior_strength: float,
    level: float = 0.9,
) -> BranchCalibration:
    """Update one branch's expert probabilities with observed counts.

    The expert values become a ``Dirichlet(prior_strength * expert)`` prior, worth
    ``prior_strength`` cases; with counts ``n_i`` the posterior is
    ``Dirichlet(a)`` with ``a_i = prior_strength * expert_i + n_i``. Each option's
    estimate is the posterior mean ``a_i / A`` (``A = sum(a)``) and its interval the
    central ``level`` interval of the marginal ``Beta(a_i, A - a_i)``.

    Args:
        branch: the branch id (used in the report and in errors).
        expert: option id -> expert probability; must sum to 1.
        counts: option id -> number of cases observed taking it; missing options count 0.
        prior_strength: how many cases the expert values are worth (> 0).
        level: the credible level of the intervals, strictly between 0 and 1.

    Returns:
        The :class:`BranchCalibration` report.

    Raises:
        InputError: bad probabilities, a negative or non-integer count, an option the
            expert values do not know, or a non-positive prior strength.

    >>> report = calibrate_branch("b", {"yes": 0.5, "no": 0.5}, {"yes": 8, "no": 2},
    ...                           prior_strength=2.0)
    >>> report.cases, round(report.options[0].estimate, 3)
    (10, 0.75)
    """
    _check_calibration(branch, expert, counts, prior_strength, level)
    parameters = {
        option: prior_strength * value + counts.get(option, 0) for option, value in expert.items()
    }
    total = math.fsum(parameters.values())
    estimates = [
        _option_estimate(option, value, parameters[option], total, counts.get(option, 0), level)
        for option, value in expert.items()
    ]
    return BranchCalibration(
        branch=branch,
        cases=sum(counts.values()),
        prior_strength=float(prior_strength),
        level=level,
        options=tuple(estimates),
    )


def _check_calibration(
    branch: str,
    expert: Mapping[str, float],
    counts: Mapping[str, int],
    prior_strength: float,
    level: float,
) -> None:
    """The checks of :func:`calibrate_branch` on its inputs (raising its errors)."""
    _check_probabilities(branch, expert)
    if isinstance(prior_strength, bool) or not (
        isinstance(prior_strength, int | float)
        and math.isfinite(prior_strength)
        and prior_strength > 0
    ):
        raise InputError(
            f"the prior strength must be a positive number, got {prior_strength!r}", id=branch
        )
    if not 0.0 < level < 1.0:
        raise InputError(f"the credible level must be between 0 and 1, got {level!r}", id=branch)
    for option, count in counts.items():
        if option not in expert:
            raise InputError(
                f"observed option {option!r} is not an option of this branch", id=branch
            )
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise InputError(
                f"option {option!r} has count {count!r}, expected a whole number >= 0", id=branch
            )


def _option_estimate(
    option: str, expert: float, a: float, total: float, count: int, level: float
) -> OptionEstimate:
    """One option's posterior: the marginal ``Beta(a, total - a)`` of the Dirichlet."""
    rest = total - a
    if a <= 0.0:
        lower = upper = 0.0
    elif rest <= 0.0:
        lower = upper = 1.0
    else:
        lower, upper = beta_interval(a, rest, level)
    return OptionEstimate(
        option=option,
        expert=float(expert),
        estimate=a / total,
        lower=lower,
        upper=upper,
        count=count,
        expert_outside=not lower <= expert <= upper,
    )


def calibrate(
    experts: Mapping[str, Mapping[str, float]],
    counts: Mapping[str, Mapping[str, int]],
    *,
    prior_strength: float | Mapping[str, float],
    level: float = 0.9,
) -> tuple[BranchCalibration, ...]:
    """Calibrate every branch: :func:`calibrate_branch` applied branch by branch.

    Args:
        experts: branch id -> (option id -> expert probability).
        counts: branch id -> (option id -> observed count); a branch with no entry
            has no cases and keeps its expert values as the estimate.
        prior_strength: one pseudo-count total for all branches, or one per branch id.
        level: the credible level of the intervals.

    Returns:
        One report per branch, in the order of ``experts``.

    Raises:
        InputError: counts for a branch the experts do not know, a missing per-branch
            prior strength, or any error of :func:`calibrate_branch`.
    """
    unknown = sorted(set(counts) - set(experts))
    if unknown:
        raise InputError(f"counts given for unknown branches: {', '.join(unknown)}", id=unknown[0])
    reports = []
    for branch, expert in experts.items():
        if isinstance(prior_strength, Mapping):
            if branch not in prior_strength:
                raise InputError("no prior strength given for this branch", id=branch)
            strength = prior_strength[branch]
        else:
            strength = prior_strength
        reports.append(
            calibrate_branch(
                branch, expert, counts.get(branch, {}), prior_strength=strength, level=level
            )
        )
    return tuple(reports)


# --------------------------------------------------------------------------------------
# Counting options in event sequences, with conformance findings
# --------------------------------------------------------------------------------------

FindingKind = Literal["out-of-order", "skipped-step", "multiple-options"]


def _frozen_options(options: Mapping[str, Iterable[str]]) -> Mapping[str, frozenset[str]]:
    return MappingProxyType({option: frozenset(types) for option, types in options.items()})


@dataclass(frozen=True, slots=True)
class BranchEvents:
    """How a branch shows in an event log.

    Attributes:
        branch: the branch id.
        options: option id -> the event types that record a case taking that option.
            An event type may belong to one option only.
        requires: event types that must all be recorded on or before the date of the
            option event (for example an assessment before its decision).
    """

    branch: str
    options: Mapping[str, frozenset[str]] = field(hash=False)
    requires: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", _frozen_options(self.options))
        object.__setattr__(self, "requires", tuple(self.requires))
        if not self.options:
            raise InputError("a branch needs at least one option", id=self.branch)
        seen: dict[str, str] = {}
        for option, types in self.options.items():
            if not types:
                raise InputError(f"option {option!r} has no event types", id=self.branch)
            for event_type in types:
                if event_type in seen:
                    raise InputError(
                        f"event type {event_type!r} is given for options {seen[event_type]!r} "
                        f"and {option!r}",
                        id=self.branch,
                    )
                if event_type in self.requires:
                    raise InputError(
                        f"event type {event_type!r} is both an option and a required step",
                        id=self.branch,
                    )
                seen[event_type] = option

    def option_of(self, event_type: str) -> str | None:
        """The option that ``event_type`` records, or None."""
        for option, types in self.options.items():
            if event_type in types:
                return option
        return None


@dataclass(frozen=True, slots=True)
class ConformanceFinding:
    """A journey that does not fit the pathway at one branch.

    Attributes:
        case: the (anonymised) case id.
        kind: ``"out-of-order"`` (a required step recorded after the option),
            ``"skipped-step"`` (a required step never recorded) or
            ``"multiple-options"`` (more than one option recorded).
        branch: the branch id.
        detail: a plain-English explanation.
    """

    case: str
    kind: FindingKind
    branch: str
    detail: str


@dataclass(frozen=True, slots=True)
class EventCounts:
    """Option counts per branch, and the findings of journeys that did not fit.

    Attributes:
        counts: branch id -> (option id -> number of cases). Every option of every
            branch is present, with 0 when no case took it.
        findings: the conformance findings, sorted by case, branch and kind.
        excluded: branch id -> number of cases left out of the counts because they
            did not conform (always 0 when non-conforming cases are counted).
    """

    counts: Mapping[str, Mapping[str, int]] = field(hash=False)
    findings: tuple[ConformanceFinding, ...]
    excluded: Mapping[str, int] = field(hash=False)


def count_branch_events(
    cases: Mapping[str, Sequence[tuple[str, date]]],
    branches: Iterable[BranchEvents],
    *,
    count_nonconforming: bool = True,
) -> EventCounts:
    """Count the option each case took at each branch, reporting journeys that do not fit.

    For each case and branch, the events whose type records an option of the branch
    are found. A case with none has not reached the branch (or its outcome is not yet
    known) and is not counted. Otherwise the case took the option of its earliest such
    event, and these findings are reported:

    * ``multiple-options``: events for more than one option were recorded;
    * ``skipped-step``: a required event type was never recorded;
    * ``out-of-order``: a required event type was recorded only after the option.

    Events are put in date order first (a stable sort, so same-day events keep the
    order given). Case ids appear only in the findings, never in the counts.

    Args:
        cases: case id -> the events of that case as (event type, date) pairs.
        branches: how each branch shows in the log.
        count_nonconforming: whether a case with a finding at a branch still counts
            (with its earliest option) there; if False it is left out and tallied in
            ``excluded``.

    Returns:
        The :class:`EventCounts`.

    Raises:
        InputError: two branch descriptions share an id.
    """
    branch_list = list(branches)
    ids = [branch.branch for branch in branch_list]
    duplicates = sorted({branch_id for branch_id in ids if ids.count(branch_id) > 1})
    if duplicates:
        raise InputError("branch described twice", id=duplicates[0])
    option_index = _option_index(branch_list)
    counts = {branch.branch: dict.fromkeys(branch.options, 0) for branch in branch_list}
    excluded = dict.fromkeys(ids, 0)
    findings: list[ConformanceFinding] = []
    for case in sorted(cases):
        first_seen, chosen = _options_taken(cases[case], option_index)
        for position in sorted(chosen):
            branch = branch_list[position]
            option = chosen[position][0][0]
            case_findings = _conformance(case, branch, chosen[position], first_seen)
            findings.extend(case_findings)
            if case_findings and not count_nonconforming:
                excluded[branch.branch] += 1
            else:
                counts[branch.branch][option] += 1
    findings.sort(key=lambda finding: (finding.case, finding.branch, finding.kind, finding.detail))
    return EventCounts(
        counts=MappingProxyType(
            {branch: MappingProxyType(options) for branch, options in counts.items()}
        ),
        findings=tuple(findings),
        excluded=MappingProxyType(excluded),
    )


def _option_index(branches: Sequence[BranchEvents]) -> dict[str, list[tuple[int, str]]]:
    """Event type -> the (branch position, option) pairs it records.

    Indexed once, so each case costs time in its own events, not in all branches.
    """
    index: dict[str, list[tuple[int, str]]] = {}
    for position, branch in enumerate(branches):
        for option, types in branch.options.items():
            for event_type in types:
                index.setdefault(event_type, []).append((position, option))
    return index


def _options_taken(
    events: Sequence[tuple[str, date]], option_index: Mapping[str, list[tuple[int, str]]]
) -> tuple[dict[str, date], dict[int, list[tuple[str, date]]]]:
    """One case's events in date order: the first date of each event type, and the
    options recorded at each branch (by position), in the order recorded."""
    first_seen: dict[str, date] = {}
    chosen: dict[int, list[tuple[str, date]]] = {}
    for event_type, when in sorted(events, key=lambda event: event[1]):
        first_seen.setdefault(event_type, when)
        for position, option in option_index.get(event_type, ()):
            chosen.setdefault(position, []).append((option, when))
    return first_seen, chosen


def _conformance(
    case: str,
    branch: BranchEvents,
    recorded: Sequence[tuple[str, date]],
    first_seen: Mapping[str, date],
) -> list[ConformanceFinding]:
    """How one case's journey at a branch does not fit it; the earliest option counts."""
    option, when = recorded[0]
    findings: list[ConformanceFinding] = []
    distinct = list(dict.fromkeys(name for name, _ in recorded))
    if len(distinct) > 1:
        findings.append(
            ConformanceFinding(
                case,
                "multiple-options",
                branch.branch,
                f"options recorded in this order: {', '.join(distinct)}; "
                f"the earliest, {option!r}, is taken as the option",
            )
        )
    for required in branch.requires:
        seen = first_seen.get(required)
        if seen is None:
            findings.append(
                ConformanceFinding(
                    case,
                    "skipped-step",
                    branch.branch,
                    f"no {required!r} event before option {option!r} on {when}",
                )
            )
        elif seen > when:
            findings.append(
                ConformanceFinding(
                    case,
                    "out-of-order",
                    branch.branch,
                    f"{required!r} on {seen} comes after option {option!r} on {when}",
                )
            )
    return findings
