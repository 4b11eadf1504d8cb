"""Baseline versus reform over a whole population (issue 5).

Every young person goes through the same roadmap generator as a single
roadmap, once on the baseline pathway and once on each reformed pathway
(:func:`pathways.reformed_pathway`, compiled once per process). The baseline
roadmap is made once per young person and reused for every scenario, so
comparing three reforms costs one baseline and three reform roadmaps, not six.

For each young person the worker reduces the two roadmaps to their
:class:`~roadmaps.population._tally.PersonSummary` (the same reduction as a
population run) and compares the summaries: the gap rules gained and lost,
and for each roadmap entry whether its date moved, and by how many days, or
whether it appears or disappears under the reform. The worker adds these up
for its chunk (:class:`ScenarioTally`); the parent merges the chunks and
publishes the totals under disclosure control (:func:`publish_scenario`).

**What is compared** (per scenario):

* per gap rule, young people with the gap before and after, the difference,
  and how many gained or lost it;
* per milestone (roadmap entry), young people whose date moves, in bins of
  days earlier or later (:data:`MOVE_BINS`), plus those for whom the entry is
  new or no longer applies, and the median move in days;
* the forecast before and after, and its difference;
* ``people_changed``: young people whose roadmap differs at all (a gap gained
  or lost, or an entry whose date or status changes, appears or disappears);
* the structural diff of each pathway used (:func:`pathways.diff_rules`).

**Disclosure control.** The baseline and the reform results are published as
population runs are. A difference is published only when it gives nothing
away: it is 0 when the two raw counts are equal, the difference of the two
published counts when both are published and it is not itself from 1 to 4 in
size, and the placeholder otherwise (publishing it then would reveal the
hidden count, or a count of a few young people). A difference hidden for being
small takes the reform's count with it (in ``gaps``, ``gap_shares`` and
``forecast``), so that it cannot be worked back. With rounding, the
differences are those of the rounded counts. The numbers gaining and
losing a rule are counts, shown as the placeholder from 1 to 4, and both
hidden when the difference is; when the difference is shown and one of them is hidden, the other is hidden too
(unless it is 0). Where the shown
difference would still pin hidden gained and lost values down (a hidden count
is 1 to 4: 4 gained and 1 lost are the only pair with a difference of 3), the
rule's after count and difference are hidden as well, in the comparison and in
the reform result's ``gaps`` and ``gap_shares`` (:func:`published_gap_change`;
a property test checks that no hidden value of a row can be worked out). The
milestone-move bins of one milestone form an additive table
and get primary and secondary suppression. The young people who gain or lose
a gap are listed by id only in the local file the analyst asked for
(``local-only/people-changed.csv``), never in an aggregate output.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import statistics
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from cohorts import Person, load_pathway
from pathways import InputError, PathwayGraph, PathwaysError, Reform, diff_rules, reformed_pathway
from roadmaps import generate_roadmap
from roadmaps.rule_ids import DEFAULT_AREA

from ._disclosure import (
    DEFAULT_SETTINGS,
    DisclosureSettings,
    Published,
    is_suppressed,
    suppress_count,
    suppress_table_1d,
)
from ._files import stop_on_signals
from ._input import Accounting, PersonRow, ProgressBar, batched, map_population
from ._run import (
    RejectedPerson,
    _gap_rule_ids,
    _known_areas,
    _rejected,
    _row_area,
    adult_social_care_probability,
    default_workers,
    generator_reason,
    open_population,
    rule_labels,
    summarise_roadmap,
)
from ._tally import PersonSummary, PopulationResult, PopulationTally

MOVE_BINS: tuple[tuple[str, int | None, int | None], ...] = (
    ("earlier-over-365", None, -366),
    ("earlier-181-365", -365, -181),
    ("earlier-91-180", -180, -91),
    ("earlier-31-90", -90, -31),
    ("earlier-1-30", -30, -1),
    ("later-1-30", 1, 30),
    ("later-31-90", 31, 90),
    ("later-91-180", 91, 180),
    ("later-181-365", 181, 365),
    ("later-over-365", 366, None),
)
"""Bins of a milestone's date move in days (label, first, last; None = open-ended)."""

NEW = "new"
"""The move label of an entry that appears only under the reform."""

REMOVED = "removed"
"""The move label of an entry that no longer applies under the reform."""

STATUS_ONLY = "status-only"
"""The move label of an entry whose date stays but whose status changes."""

MOVE_LABELS: tuple[str, ...] = (*(b[0] for b in MOVE_BINS), STATUS_ONLY, NEW, REMOVED)
"""Every column of the milestone-move table, in report order."""


def move_bin(days: int) -> str:
    """The bin of a date move of ``days`` (non-zero) days.

    >>> move_bin(-400), move_bin(-1), move_bin(365)
    ('earlier-over-365', 'earlier-1-30', 'later-181-365')
    """
    for label, first, last in MOVE_BINS:
        if (first is None or days >= first) and (last is None or days <= last):
            return label
    raise ValueError("a date move of 0 days has no bin")


# --- scenarios --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Scenario:
    """Reforms applied together, in order, to compare with the baseline.

    Attributes:
        reforms: the reforms, applied in this order.
        name: a label for reports; by default the reform names joined with " + ".
    """

    reforms: tuple[Reform, ...]
    name: str = ""

    def __post_init__(self) -> None:
        if not self.reforms:
            raise InputError("a scenario needs at least one reform", id="--reform")
        if not self.name:
            object.__setattr__(self, "name", " + ".join(r.name for r in self.reforms))

    @functools.cached_property
    def key(self) -> str:
        """A fingerprint of the reforms' content (the per-process cache key)."""
        text = json.dumps([r.model_dump(mode="json") for r in self.reforms], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def reform_names(self) -> list[str]:
        return [r.name for r in self.reforms]


def as_scenario(value: Scenario | Reform | Sequence[Reform]) -> Scenario:
    """A :class:`Scenario` from a scenario, one reform or reforms to apply together."""
    if isinstance(value, Scenario):
        return value
    if isinstance(value, Reform):
        return Scenario((value,))
    return Scenario(tuple(value))


_reformed: dict[tuple[str, str], PathwayGraph] = {}
_REFORMED_KEPT = 48  # reformed pathways kept per process (the roadmap plan cache holds 64)


def scenario_pathway(area: str, scenario: Scenario) -> PathwayGraph:
    """The area's pathway under the scenario, built once per process.

    Raises:
        GraphError: a reform names an unknown id or leaves the graph invalid
            (the ``pathways check`` message, with the reform file and line).
    """
    key = (area, scenario.key)
    pathway = _reformed.get(key)
    if pathway is None:
        pathway = reformed_pathway(load_pathway(area), scenario.reforms)
        if len(_reformed) >= _REFORMED_KEPT:  # a notebook may try many reforms: keep the latest
            del _reformed[next(iter(_reformed))]
        _reformed[key] = pathway
    return pathway


# --- one young person --------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class PersonChange:
    """How one young person's roadmap changes under a scenario (from their two summaries).

    Attributes:
        gained: gap rules they have only under the reform.
        lost: gap rules they have only on the baseline.
        moves: (entry id, move label, days or None) for each entry whose date
            or status changes, or that appears or disappears.
    """

    gained: tuple[str, ...]
    lost: tuple[str, ...]
    moves: tuple[tuple[str, str, int | None], ...]

    @property
    def changed(self) -> bool:
        return bool(self.gained or self.lost or self.moves)


NO_CHANGE = PersonChange((), (), ())
"""The change of a young person whose roadmap is the same under a scenario."""


def person_change(baseline: PersonSummary, reform: PersonSummary) -> PersonChange:
    """Compare one young person's baseline and reform summaries.

    >>> d = date(2026, 1, 1)
    >>> before = PersonSummary(d, "england", (), "16-17", gaps=(("a", 3),),
    ...                        entries=(("x", date(2027, 1, 1), "upcoming"),))
    >>> after = PersonSummary(d, "england", (), "16-17", gaps=(("b", None),),
    ...                       entries=(("x", date(2026, 12, 1), "upcoming"),))
    >>> person_change(before, after)
    PersonChange(gained=('b',), lost=('a',), moves=(('x', 'earlier-31-90', -31),))
    """
    rules_before = {rule for rule, _ in baseline.gaps}
    rules_after = {rule for rule, _ in reform.gaps}
    entries_before = {e[0]: e for e in baseline.entries}
    entries_after = {e[0]: e for e in reform.entries}
    moves: list[tuple[str, str, int | None]] = []
    for entry_id in sorted(entries_before.keys() | entries_after.keys()):
        a, b = entries_before.get(entry_id), entries_after.get(entry_id)
        if a is None:
            moves.append((entry_id, NEW, None))
        elif b is None:
            moves.append((entry_id, REMOVED, None))
        elif a[1] != b[1]:
            days = (b[1] - a[1]).days
            moves.append((entry_id, move_bin(days), days))
        elif a[2] != b[2]:
            moves.append((entry_id, STATUS_ONLY, 0))
    return PersonChange(
        gained=tuple(sorted(rules_after - rules_before)),
        lost=tuple(sorted(rules_before - rules_after)),
        moves=tuple(moves),
    )


class ScenarioRefused(InputError):
    """The generator refused a young person under a scenario but not on the baseline.

    Attributes:
        scenario: the scenario's position (from 0).
    """

    def __init__(self, message: str, *, scenario: int) -> None:
        super().__init__(message)
        self.scenario = scenario


@dataclasses.dataclass(frozen=True, slots=True)
class PersonComparison:
    """One young person's baseline summary and, per scenario, their reform summary and change."""

    baseline: PersonSummary
    reforms: tuple[PersonSummary, ...]
    changes: tuple[PersonChange, ...]


def compare_person(
    person: Person,
    *,
    as_of: date,
    pathway: PathwayGraph,
    scenario_pathways: Sequence[PathwayGraph],
    area: str | None = None,
    settings: Mapping[str, str] | None = None,
    source: str = "<person>",
) -> PersonComparison:
    """One baseline roadmap and one roadmap per scenario for a young person, compared.

    Raises:
        PathwaysError: the generator refuses the young person on the baseline
            or under a scenario (the message says which).
    """
    roadmap = generate_roadmap(person, as_of=as_of, pathway=pathway, settings=settings, source=source)
    probability = adult_social_care_probability(person, roadmap, pathway=pathway, settings=settings)
    baseline = summarise_roadmap(roadmap, area=area, asc_eligible_probability=probability)
    reforms: list[PersonSummary] = []
    changes: list[PersonChange] = []
    for index, reformed in enumerate(scenario_pathways):
        if reformed is pathway:  # no reform of the scenario applies to this area's pathway
            reforms.append(baseline)
            changes.append(NO_CHANGE)
            continue
        try:
            after = generate_roadmap(
                person, as_of=as_of, pathway=reformed, settings=settings, source=source
            )
        except PathwaysError as error:
            raise ScenarioRefused(error.message, scenario=index) from error
        p = adult_social_care_probability(person, after, pathway=reformed, settings=settings)
        summary = summarise_roadmap(after, area=area, asc_eligible_probability=p)
        reforms.append(summary)
        changes.append(person_change(baseline, summary))
    return PersonComparison(baseline, tuple(reforms), tuple(changes))


def compare_row(
    row: PersonRow,
    *,
    as_of: date,
    scenarios: tuple[Scenario, ...],
    default_area: str = DEFAULT_AREA,
    settings: Mapping[str, str] | None = None,
) -> PersonComparison | RejectedPerson:
    """:func:`compare_person` for one young person of a population file (runs in a worker)."""
    area = _row_area(row, default_area, _known_areas())
    if isinstance(area, str):
        return _rejected(row, area)
    pathway_area, report_area = area
    try:
        person = row.to_person()
        return compare_person(
            person,
            as_of=as_of,
            pathway=load_pathway(pathway_area),
            scenario_pathways=[scenario_pathway(pathway_area, s) for s in scenarios],
            area=report_area,
            settings=settings,
            source=f"people.csv:{row.line}",
        )
    except ScenarioRefused as error:
        return _rejected(row, f"{generator_reason(error)} (under reform scenario {error.scenario + 1})")
    except PathwaysError as error:
        return _rejected(row, generator_reason(error))


# --- adding up ----------------------------------------------------------------------------


@dataclasses.dataclass
class ScenarioTally:
    """Raw counts of one scenario over (part of) a population; never published as is."""

    reform: PopulationTally
    people_changed: int = 0
    gained: Counter[str] = dataclasses.field(default_factory=Counter)
    lost: Counter[str] = dataclasses.field(default_factory=Counter)
    moves: Counter[tuple[str, str]] = dataclasses.field(default_factory=Counter)
    move_days: Counter[tuple[str, int]] = dataclasses.field(default_factory=Counter)

    def add(self, summary: PersonSummary, change: PersonChange) -> None:
        self.reform.add(summary)
        if not change.changed:
            return
        self.people_changed += 1
        self.gained.update(change.gained)
        self.lost.update(change.lost)
        for entry_id, label, days in change.moves:
            self.moves[entry_id, label] += 1
            if days:
                self.move_days[entry_id, days] += 1

    def merge(self, other: ScenarioTally) -> ScenarioTally:
        self.reform.merge(other.reform)
        self.people_changed += other.people_changed
        for name in ("gained", "lost", "moves", "move_days"):
            getattr(self, name).update(getattr(other, name))
        return self


@dataclasses.dataclass(frozen=True, slots=True)
class ChangedPerson:
    """A young person whose roadmap changes under a scenario: for the local list only.

    Attributes:
        scenario: the scenario's position (from 0).
        id: the young person's id.
        line: their line in ``people.csv``, or their position in the list (from 0)
            for young people given in memory.
        change: what changes.
    """

    scenario: int
    id: str
    line: int
    change: PersonChange


@dataclasses.dataclass
class CompareTally:
    """Raw counts of the baseline and every scenario; mergeable across chunks."""

    baseline: PopulationTally
    scenarios: list[ScenarioTally]

    @classmethod
    def empty(cls, as_of: date, n_scenarios: int) -> CompareTally:
        return cls(PopulationTally(as_of), [ScenarioTally(PopulationTally(as_of)) for _ in range(n_scenarios)])

    def add(self, comparison: PersonComparison) -> None:
        self.baseline.add(comparison.baseline)
        for tally, summary, change in zip(self.scenarios, comparison.reforms, comparison.changes, strict=True):
            tally.add(summary, change)

    def merge(self, other: CompareTally) -> CompareTally:
        self.baseline.merge(other.baseline)
        for mine, theirs in zip(self.scenarios, other.scenarios, strict=True):
            mine.merge(theirs)
        return self


@dataclasses.dataclass(frozen=True, slots=True)
class CompareChunk:
    """What a worker sends back for a chunk: the counts, the refused and the changed."""

    people: int
    tally: CompareTally
    rejected: tuple[RejectedPerson, ...]
    changed: tuple[ChangedPerson, ...]


def compare_rows(
    rows: list[PersonRow],
    *,
    as_of: date,
    scenarios: tuple[Scenario, ...],
    default_area: str = DEFAULT_AREA,
    settings: Mapping[str, str] | None = None,
    list_changed: bool = True,
) -> CompareChunk:
    """:func:`compare_row` for each young person of a chunk, added up where it runs."""
    tally = CompareTally.empty(as_of, len(scenarios))
    rejected: list[RejectedPerson] = []
    changed: list[ChangedPerson] = []
    for row in rows:
        outcome = compare_row(
            row, as_of=as_of, scenarios=scenarios, default_area=default_area, settings=settings
        )
        if isinstance(outcome, RejectedPerson):
            rejected.append(outcome)
            continue
        tally.add(outcome)
        if list_changed:
            for index, change in enumerate(outcome.changes):
                if change.changed:
                    changed.append(ChangedPerson(index, str(row.data["id"]), row.line, change))
    return CompareChunk(len(rows), tally, tuple(rejected), tuple(changed))


# --- publishing ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class MilestoneMoves:
    """Young people whose milestone changes under a scenario, by how much (published).

    Attributes:
        bins: move label (:data:`MOVE_LABELS`) -> young people.
        total: young people whose entry changes at all.
        median_days: the median date move in days of those whose date moved,
            or None when that count is below the threshold.
    """

    bins: dict[str, Published]
    total: Published
    median_days: float | None


@dataclasses.dataclass(frozen=True, slots=True)
class GapChange:
    """One gap rule before and after (published counts)."""

    rule: str
    baseline: Published
    reform: Published
    delta: Published
    gained: Published
    lost: Published


def published_delta(
    before_raw: int,
    after_raw: int,
    before: Published,
    after: Published,
    settings: DisclosureSettings = DEFAULT_SETTINGS,
) -> Published:
    """The difference after - before, published only when it reveals no small count.

    It is 0 when the raw counts are equal; the placeholder when either count
    is hidden (it would give the hidden one away) or when it is itself from 1
    to ``threshold - 1`` in size (a difference that small can be a count of a
    few young people); otherwise the difference of the *published* counts (of
    the rounded counts, when counts are rounded). The caller hides what
    would give a hidden difference back (:func:`published_gap_change`,
    :func:`_forecast_delta`).

    >>> published_delta(3, 3, "<5", "<5"), published_delta(10, 22, 10, 22)
    (0, 12)
    >>> published_delta(3, 12, "<5", 12), published_delta(10, 12, 10, 12)
    ('<5', '<5')
    >>> published_delta(13, 19, 15, 20, DisclosureSettings(rounding="base5"))
    5
    """
    if before_raw == after_raw:
        return 0
    if is_suppressed(before) or is_suppressed(after):
        return settings.placeholder
    delta = int(after) - int(before)
    if settings.method != "primary" and settings.is_small(abs(delta)):
        return settings.placeholder
    return delta


def published_gain_loss(
    gained: int, lost: int, delta: Published, settings: DisclosureSettings
) -> tuple[Published, Published]:
    """The published numbers gaining and losing a rule (gained - lost = delta).

    >>> s = DisclosureSettings()
    >>> published_gain_loss(3, 20, -17, s), published_gain_loss(3, 0, 3, s)
    (('<5', '<5'), ('<5', 0))
    >>> published_gain_loss(12, 10, "<5", s)
    ('<5', '<5')
    """
    shown_gained, shown_lost = suppress_count(gained, settings), suppress_count(lost, settings)
    if settings.method == "primary":
        return shown_gained, shown_lost
    if is_suppressed(delta):  # both shown would give the hidden difference back
        return (settings.placeholder if gained else 0), (settings.placeholder if lost else 0)
    if is_suppressed(shown_gained) and not is_suppressed(shown_lost) and lost:
        shown_lost = settings.placeholder
    elif is_suppressed(shown_lost) and not is_suppressed(shown_gained) and gained:
        shown_gained = settings.placeholder
    return shown_gained, shown_lost


def _preimage(published: Published, settings: DisclosureSettings) -> range:
    """The raw counts that publish as ``published`` (a hidden count: 1 to threshold - 1)."""
    if isinstance(published, str):
        return range(1, settings.threshold)
    base = settings.rounding_base
    low = max(0, published - base // 2)
    return range(low, published - base // 2 + base)


def gain_loss_pinned(
    gained: Published, lost: Published, delta: Published, settings: DisclosureSettings
) -> bool:
    """Whether a hidden number gaining or losing a rule follows from the published difference.

    A hidden count is 1 to ``threshold - 1``; gained minus lost is the
    difference (give or take the rounding, when counts are rounded). When only
    one value of a hidden count fits, it is known.

    >>> s = DisclosureSettings()
    >>> gain_loss_pinned("<5", "<5", 3, s), gain_loss_pinned("<5", "<5", 1, s)
    (True, False)
    >>> gain_loss_pinned("<5", 0, 2, s), gain_loss_pinned(12, 30, -18, s)
    (True, False)
    """
    if not isinstance(delta, int) or not (is_suppressed(gained) or is_suppressed(lost)):
        return False
    slack = settings.rounding_base - 1  # the difference of two rounded counts is off by less
    deltas = range(delta - slack, delta + slack + 1)
    fits = [
        (g, lo)
        for g in _preimage(gained, settings)
        for lo in _preimage(lost, settings)
        if g - lo in deltas
    ]
    return any(
        is_suppressed(shown) and len({fit[k] for fit in fits}) < 2
        for k, shown in enumerate((gained, lost))
    )


def published_gap_change(
    rule: str,
    before_raw: int,
    after_raw: int,
    gained_raw: int,
    lost_raw: int,
    before: Published,
    after: Published,
    settings: DisclosureSettings,
) -> GapChange:
    """One gap rule's row of the comparison, with nothing hidden left recoverable.

    ``before`` and ``after`` are the counts as the baseline and reform results
    publish them. When the difference is hidden because it is small
    (:func:`published_delta`), the after count is hidden with it (gained and
    lost are hidden whenever the difference is). When the published difference would
    pin down hidden numbers gaining and losing the rule
    (:func:`gain_loss_pinned`), the after count and the difference are hidden
    as well: the before count, gained and lost then leave the after count
    open, since gained and lost could be any pair of hidden values.
    """
    delta = published_delta(before_raw, after_raw, before, after, settings)
    if is_suppressed(delta) and not is_suppressed(before):
        after = settings.placeholder
    gained, lost = published_gain_loss(gained_raw, lost_raw, delta, settings)
    if settings.method != "primary" and gain_loss_pinned(gained, lost, delta, settings):
        after = delta = settings.placeholder
    return GapChange(rule, before, after, delta, gained, lost)


def _median(days: Counter[int]) -> float:
    return float(statistics.median(days.elements()))


@dataclasses.dataclass(frozen=True)
class ScenarioResult:
    """The published comparison of one scenario with the baseline.

    Attributes:
        name: the scenario's label.
        reforms: the names of its reforms, in order.
        descriptions: their descriptions, in order.
        result: the population result under the scenario.
        gaps: per gap rule, before and after, the difference, gained and lost.
        forecast_delta: year -> milestone -> difference of the forecast counts.
        expected_eligible_delta: year -> difference of the expected number
            eligible for adult social care (None where either is hidden).
        people_changed: young people whose roadmap changes at all.
        milestone_moves: entry id -> the moves (only entries that change).
        graph_diff: area -> structural diff of the pathway.
        labels: plain-English titles of the gap rules and entries (with the
            reform's own nodes).
    """

    name: str
    reforms: tuple[str, ...]
    descriptions: tuple[str, ...]
    result: PopulationResult
    gaps: dict[str, GapChange]
    forecast_delta: dict[str, dict[str, Published]]
    expected_eligible_delta: dict[str, float | None] | None
    people_changed: Published
    milestone_moves: dict[str, MilestoneMoves]
    graph_diff: dict[str, dict[str, Any]]
    labels: dict[str, str] = dataclasses.field(default_factory=dict, repr=False)

    @property
    def delta_gaps(self) -> dict[str, Published]:
        """Gap rule -> difference (reform - baseline)."""
        return {rule: change.delta for rule, change in self.gaps.items()}

    def gaps_frame(self) -> Any:
        """The gap changes as a pandas DataFrame (needs the pandas extra)."""
        from pathways import to_frame

        return to_frame(
            (dataclasses.asdict(change) for change in self.gaps.values()),
            columns=["rule", "baseline", "reform", "delta", "gained", "lost"],
        )

    def moves_frame(self) -> Any:
        """The milestone moves as a pandas DataFrame, one row per (milestone, move)."""
        from pathways import to_frame

        return to_frame(
            (
                {"milestone": entry_id, "move": label, "young_people": value}
                for entry_id, moves in self.milestone_moves.items()
                for label, value in moves.bins.items()
            ),
            columns=["milestone", "move", "young_people"],
        )

    to_pandas = gaps_frame

    def __repr__(self) -> str:
        return (
            f"ScenarioResult(name={self.name!r}, people_changed={self.people_changed!r}, "
            f"gap_rules_changed={sum(1 for c in self.gaps.values() if c.delta != 0)}, "
            f"milestones_moved={len(self.milestone_moves)})"
        )

    def _repr_html_(self) -> str:
        from ._view import scenario_html_fragment

        return scenario_html_fragment(self)


def publish_scenario(
    scenario: Scenario,
    tally: ScenarioTally,
    baseline_raw: PopulationTally,
    baseline: PopulationResult,
    *,
    settings: DisclosureSettings,
    gap_rules: Sequence[str],
    pathways: Mapping[str, PathwayGraph],
    baseline_area: str,
) -> ScenarioResult:
    """Put one scenario's counts through disclosure control."""
    reformed_rules = {g.id for a in pathways for g in scenario_pathway(a, scenario).gap_rules()}
    rule_ids = tuple(sorted(set(gap_rules) | reformed_rules | set(tally.gained) | set(tally.lost)))
    result = tally.reform.publish(settings, gap_rules=rule_ids)
    before_raw, after_raw = _gap_totals(baseline_raw), _gap_totals(tally.reform)
    gaps = {
        rule: published_gap_change(
            rule,
            before_raw[rule],
            after_raw[rule],
            tally.gained[rule],
            tally.lost[rule],
            baseline.gaps.get(rule, 0),
            result.gaps.get(rule, 0),
            settings,
        )
        for rule in rule_ids
    }
    forecast_delta = _forecast_delta(baseline_raw, tally.reform, baseline, result, settings)
    result = _hide_pinned(result, gaps, forecast_delta, baseline, settings)
    return ScenarioResult(
        name=scenario.name,
        reforms=tuple(scenario.reform_names),
        descriptions=tuple(" ".join(r.description.split()) for r in scenario.reforms),
        result=result,
        gaps=gaps,
        forecast_delta=forecast_delta,
        expected_eligible_delta=_expected_eligible_delta(baseline, result),
        people_changed=suppress_count(tally.people_changed, settings),
        milestone_moves=_milestone_moves(tally, settings),
        graph_diff={
            area: diff_rules(pathway.rules, scenario_pathway(area, scenario).rules)
            for area, pathway in sorted(pathways.items())
        },
        labels=rule_labels(
            baseline_area, pathways=[scenario_pathway(a, scenario) for a in sorted(pathways)]
        ),
    )


def _hide_pinned(
    result: PopulationResult,
    gaps: Mapping[str, GapChange],
    forecast_delta: Mapping[str, Mapping[str, Published]],
    baseline: PopulationResult,
    settings: DisclosureSettings,
) -> PopulationResult:
    """The reform's result with the counts that the comparison hides hidden too.

    :func:`published_gap_change` hides a rule's after count when the
    difference is hidden for being small or would pin down hidden numbers
    gaining and losing it; a forecast count is hidden when its difference is
    hidden while the baseline count is shown (it would give the difference
    back). The reform's headline figures (``gaps``, ``gap_shares``,
    ``forecast``) must not show them either; its tables, which the comparison
    does not write, are left as they are.
    """
    pinned = {rule for rule, c in gaps.items() if c.reform != result.gaps.get(rule, 0)}
    forecast = {
        year: {
            milestone: (
                settings.placeholder
                if is_suppressed(forecast_delta[year][milestone])
                and not is_suppressed(baseline.forecast[year][milestone])
                else value
            )
            for milestone, value in row.items()
        }
        for year, row in result.forecast.items()
    }
    if not pinned and forecast == result.forecast:
        return result
    return dataclasses.replace(
        result,
        gaps={r: gaps[r].reform if r in pinned else v for r, v in result.gaps.items()},
        gap_shares={r: None if r in pinned else v for r, v in result.gap_shares.items()},
        forecast=forecast,
    )


def _forecast_delta(
    baseline_raw: PopulationTally,
    reform_raw: PopulationTally,
    baseline: PopulationResult,
    result: PopulationResult,
    settings: DisclosureSettings,
) -> dict[str, dict[str, Published]]:
    """Year -> milestone -> the published difference of the forecast counts."""
    before = _forecast_totals(baseline_raw)
    after = _forecast_totals(reform_raw)
    return {
        year: {
            milestone: published_delta(
                before[milestone, year],
                after[milestone, year],
                baseline.forecast[year][milestone],
                result.forecast[year][milestone],
                settings,
            )
            for milestone in milestones
        }
        for year, milestones in result.forecast.items()
    }


def _expected_eligible_delta(
    baseline: PopulationResult, result: PopulationResult
) -> dict[str, float | None] | None:
    """Year -> difference of the expected numbers eligible (None where either is hidden)."""
    if result.expected_eligible is None or baseline.expected_eligible is None:
        return None
    delta: dict[str, float | None] = {}
    for year, after in result.expected_eligible.items():
        before = baseline.expected_eligible.get(year)
        if (
            before is not None
            and not isinstance(before.expected, str)
            and not isinstance(after.expected, str)
        ):
            delta[year] = round(after.expected - before.expected, 2)
        else:
            delta[year] = None
    return delta


def _milestone_moves(tally: ScenarioTally, settings: DisclosureSettings) -> dict[str, MilestoneMoves]:
    """Per milestone that moves for someone: the published move bins and median days."""
    moves: dict[str, MilestoneMoves] = {}
    for entry_id in sorted({e for e, _ in tally.moves}):
        table = suppress_table_1d({label: tally.moves[entry_id, label] for label in MOVE_LABELS}, settings)
        days = Counter({d: n for (e, d), n in tally.move_days.items() if e == entry_id})
        n_days = sum(days.values())
        median = _median(days) if n_days >= settings.threshold else None
        moves[entry_id] = MilestoneMoves(dict(table.cells), table.total, median)
    return moves


def _gap_totals(tally: PopulationTally) -> Counter[str]:
    """Raw young people per gap rule (each is counted once per rule in ``gap_year``)."""
    totals: Counter[str] = Counter()
    for (rule, _year), n in tally.gap_year.items():
        totals[rule] += n
    return totals


def _forecast_totals(tally: PopulationTally) -> Counter[tuple[str, str]]:
    totals: Counter[tuple[str, str]] = Counter()
    for (milestone, year, _area), n in tally.forecast.items():
        totals[milestone, year] += n
    return totals


# --- a whole population ----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ComparisonRun:
    """The outcome of :func:`compare_population_files` or :func:`compare_population`.

    Attributes:
        baseline: the published baseline result.
        scenarios: one published comparison per scenario, in the order given.
        accounting: the row counts and rejection log (balanced), or None for
            young people given in memory.
        area: the rules for young people with no area of their own.
        changed_people: the local list of young people whose roadmap changes
            (for the analyst only; never part of an aggregate output).
    """

    baseline: PopulationResult
    scenarios: tuple[ScenarioResult, ...]
    accounting: Accounting | None
    area: str
    as_of: date
    settings: DisclosureSettings
    changed_people: tuple[ChangedPerson, ...] = ()

    def scenario(self, name_or_index: str | int) -> ScenarioResult:
        """One scenario's comparison, by position or name."""
        if isinstance(name_or_index, int):
            return self.scenarios[name_or_index]
        for result in self.scenarios:
            if result.name == name_or_index:
                return result
        raise KeyError(name_or_index)

    def only(self, index: int) -> ComparisonRun:
        """This run reduced to one scenario (for writing its ``compare.json``)."""
        return dataclasses.replace(
            self,
            scenarios=(self.scenarios[index],),
            changed_people=tuple(
                dataclasses.replace(p, scenario=0) for p in self.changed_people if p.scenario == index
            ),
        )

    def gaps_frame(self) -> Any:
        """Every scenario's gap changes in one pandas DataFrame (a ``scenario`` column)."""
        from pathways import to_frame

        return to_frame(
            (
                {"scenario": s.name, **dataclasses.asdict(change)}
                for s in self.scenarios
                for change in s.gaps.values()
            ),
            columns=["scenario", "rule", "baseline", "reform", "delta", "gained", "lost"],
        )

    to_pandas = gaps_frame

    def __repr__(self) -> str:
        return (
            f"ComparisonRun(as_of={self.as_of.isoformat()!r}, area={self.area!r}, "
            f"young_people={self.baseline.young_people!r}, scenarios={list(self.scenarios)!r})"
        )

    def _repr_html_(self) -> str:
        from ._view import run_html_fragment

        return run_html_fragment(self)


def _scenarios(values: Iterable[Scenario | Reform | Sequence[Reform]]) -> tuple[Scenario, ...]:
    scenarios = tuple(as_scenario(v) for v in values)
    if not scenarios:
        raise InputError("give at least one reform to compare with the baseline", id="--reform")
    return scenarios


@stop_on_signals()
def compare_population_files(
    people_csv: str | Path,
    episodes_csv: str | Path | None = None,
    events_csv: str | Path | None = None,
    *,
    scenarios: Iterable[Scenario | Reform | Sequence[Reform]],
    as_of: date,
    area: str = DEFAULT_AREA,
    workers: int | None = None,
    settings: DisclosureSettings = DEFAULT_SETTINGS,
    roadmap_settings: Mapping[str, str] | None = None,
    progress: bool | None = None,
    chunk_size: int = 250,
    list_changed: bool = True,
) -> ComparisonRun:
    """Compare reform scenarios with the baseline over a population in its three CSV files.

    Each young person's baseline roadmap is made once and compared with their
    roadmap under every scenario. The files are read as a population run reads
    them (same checks, same ``rejected.csv`` accounting).

    Args:
        people_csv, episodes_csv, events_csv: the population (see
            ``docs/strategy-lead-guide.md``).
        scenarios: what to compare: each a :class:`Scenario`, one
            :class:`~pathways.Reform`, or a list of reforms applied together.
        as_of: the as-of date for every roadmap.
        area: the rules for young people with no area of their own.
        workers: processes (default: all processors); 1 runs here.
        settings: disclosure control.
        roadmap_settings: named settings for every roadmap.
        progress: a progress bar on stderr; None shows it only on a terminal.
        chunk_size: young people per task sent to a worker.
        list_changed: keep the local list of young people whose roadmap changes.

    Raises:
        InputError: unusable files or arguments.
        GraphError: a reform names an unknown id or leaves a pathway invalid.
    """
    chosen = _scenarios(scenarios)
    workers = default_workers() if workers is None else workers
    if workers < 1:
        raise InputError(f"--workers must be at least 1 (got {workers})", id="--workers")
    opened = open_population(people_csv, episodes_csv, events_csv, as_of=as_of, area=area)
    pathways = {a: load_pathway(a) for a in opened.areas}
    try:
        for scenario in chosen:  # check every reform on every pathway before the run
            for a in opened.areas:
                scenario_pathway(a, scenario)
    except PathwaysError:
        opened.rows.close()
        raise
    per_chunk = functools.partial(
        compare_rows,
        as_of=as_of,
        scenarios=chosen,
        default_area=opened.default_area,
        settings=dict(roadmap_settings) if roadmap_settings else None,
        list_changed=list_changed,
    )
    tally = CompareTally.empty(as_of, len(chosen))
    changed: list[ChangedPerson] = []
    bar = ProgressBar(None, show=progress)
    results: Iterator[CompareChunk] = map_population(
        batched(opened.rows, chunk_size), per_chunk, workers=workers, chunk_size=1, progress=False
    )
    try:
        for chunk in results:
            tally.merge(chunk.tally)
            changed.extend(chunk.changed)
            for refused in chunk.rejected:
                opened.reject(refused)
            bar.update(chunk.people)
    finally:
        opened.rows.close()
        bar.close()
    opened.accounting.check()
    return _publish_run(
        tally, chosen, opened.accounting, opened.default_area, as_of, settings, pathways, changed
    )


def compare_population(
    people: Iterable[Person],
    *,
    scenarios: Iterable[Scenario | Reform | Sequence[Reform]],
    as_of: date,
    area: str = DEFAULT_AREA,
    settings: DisclosureSettings = DEFAULT_SETTINGS,
    roadmap_settings: Mapping[str, str] | None = None,
) -> ComparisonRun:
    """Compare scenarios with the baseline for young people already in memory (notebooks).

    Raises:
        InputError: a young person cannot be evaluated; the message names their
            position in ``people`` (counting from 0) and the problem.
    """
    chosen = _scenarios(scenarios)
    pathway = load_pathway(area)
    reformed = [scenario_pathway(pathway.area, s) for s in chosen]
    tally = CompareTally.empty(as_of, len(chosen))
    changed: list[ChangedPerson] = []
    for index, person in enumerate(people):
        try:
            comparison = compare_person(
                person, as_of=as_of, pathway=pathway, scenario_pathways=reformed,
                settings=roadmap_settings,
            )
        except PathwaysError as error:
            raise InputError(f"young person {index}: {generator_reason(error)}") from None
        tally.add(comparison)
        for k, change in enumerate(comparison.changes):
            if change.changed:
                changed.append(ChangedPerson(k, person.id, index, change))
    return _publish_run(tally, chosen, None, pathway.area, as_of, settings, {pathway.area: pathway}, changed)


def _publish_run(
    tally: CompareTally,
    scenarios: tuple[Scenario, ...],
    accounting: Accounting | None,
    area: str,
    as_of: date,
    settings: DisclosureSettings,
    pathways: Mapping[str, PathwayGraph],
    changed: list[ChangedPerson],
) -> ComparisonRun:
    gap_rules = _gap_rule_ids(pathways)
    baseline = tally.baseline.publish(settings, gap_rules=gap_rules)
    results = tuple(
        publish_scenario(
            scenario, scenario_tally, tally.baseline, baseline,
            settings=settings, gap_rules=gap_rules, pathways=pathways, baseline_area=area,
        )
        for scenario, scenario_tally in zip(scenarios, tally.scenarios, strict=True)
    )
    return ComparisonRun(baseline, results, accounting, area, as_of, settings, tuple(changed))
