"""Synthetic populations: the three CSV files of a population run, made up from cited proportions.

:func:`synthesise` writes ``people.csv``, ``episodes.csv`` and ``events.csv``
for ``n`` young people aged 13 to 25 on the as-of date, in one or more of the
three cohorts (looked after or care leavers, EHC plans, likely adult care
needs), with a mix of on-time, late and missing events. Every proportion comes
from ``cohorts/data/synthetic.yaml``, where each is cited to a seed file or
marked as an assumption with its reason.

The same ``n``, ``seed``, ``as_of`` and ``bad_fraction`` always give
byte-identical files. Rows are written as they are made, so memory stays flat
however large ``n`` is. Ids are ``syn-0000001``, ``syn-0000002``, …

With ``bad_fraction > 0`` a share of rows is deliberately broken (bad or
impossible dates, unknown settings or event types, bad yes/no values, wrong
column counts, dates of birth after the as-of date, duplicate ids, unknown
ids, episodes ending before they start) for testing the rejection accounting.
The broken rows are drawn from a separate random stream, so the good rows do
not depend on ``bad_fraction``.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as folder:
...     result = synthesise(100, seed=1, out_dir=folder, as_of=date(2026, 1, 1))
>>> result.people, result.expected_rejected
(100, 0)
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import os
import random
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pathways import (
    Reference,
    RuleDataError,
    add_months,
    age_on,
    birthday,
    line_of,
    load_yaml_text,
)

from ._person import EHCP_SETTINGS

DATA_FILE = Path(__file__).parent / "data" / "synthetic.yaml"

ANNUAL_REVIEW = "ehcp-annual-review"
Condition = Literal["ehcp", "care-needs-likely", "continuing-care", "leaving-care-eligible"]
_DAYS_PER_YEAR = 365.25  # converts the ages in years of the rule data into days
_DAYS_PER_WEEK = 7

PEOPLE_HEADER = (
    "id,date_of_birth,ehcp_issued,ehcp_setting,ehcp_setting_end,"
    "care_needs_likely,continuing_care,primary_need,area\n"
)
EPISODES_HEADER = "id,start,end\n"
EVENTS_HEADER = "id,type,date\n"


# --- the rule data -----------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Parameter(_Strict):
    label: str = Field(min_length=1)
    unit: str = Field(min_length=1)
    values: dict[date, Any] = Field(min_length=1)
    status: Literal["cited", "derived", "assumption"]
    references: tuple[Reference, ...] = ()  # cited as the pathway rule data is
    derivation: str | None = None
    reason: str | None = None

    @model_validator(mode="after")
    def _justified(self) -> _Parameter:
        if self.status in ("cited", "derived") and not self.references:
            raise ValueError(f"a {self.status} value needs references")
        if self.status == "derived" and not self.derivation:
            raise ValueError("a derived value needs a derivation")
        if self.status == "assumption" and not self.reason:
            raise ValueError("an assumption needs a reason")
        return self

    def value_on(self, as_of: date) -> Any:
        """The value that applies on ``as_of`` (the earliest one before any applies)."""
        dates = sorted(self.values)
        applicable = [d for d in dates if d <= as_of]
        return self.values[applicable[-1] if applicable else dates[0]]


class _File(_Strict):
    id: str
    label: str
    parameters: dict[str, _Parameter]


class _Proportion(_Strict):
    value: float = Field(ge=0, le=1)


class _Range(_Strict):
    value: tuple[float, float]

    @model_validator(mode="after")
    def _ordered(self) -> _Range:
        if self.value[0] > self.value[1]:
            raise ValueError("a range is [low, high] with low <= high")
        return self


class _Weights(_Strict):
    value: dict[str, float] = Field(min_length=1)

    @model_validator(mode="after")
    def _positive(self) -> _Weights:
        if any(w < 0 for w in self.value.values()) or sum(self.value.values()) <= 0:
            raise ValueError("weights are at least 0 and add up to more than 0")
        return self


class _Number(_Strict):
    value: float = Field(ge=0)


class EventTiming(_Strict):
    """When one kind of event happens, for the young people it applies to."""

    applies_to: tuple[Condition, ...] = Field(min_length=1)
    on_time: tuple[float, float]
    late: tuple[float, float]
    share_on_time: float = Field(ge=0, le=1)
    share_late: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _consistent(self) -> EventTiming:
        if self.share_on_time + self.share_late > 1:
            raise ValueError("share_on_time + share_late is more than 1")
        for window in (self.on_time, self.late):
            if window[0] > window[1]:
                raise ValueError("an age window is [from, to] with from <= to")
        return self


class _EventTimings(_Strict):
    value: dict[str, EventTiming] = Field(min_length=1)


_KINDS: dict[str, type[_Strict]] = {
    "age-range": _Range,
    "share-looked-after": _Proportion,
    "ehcp-given-looked-after": _Proportion,
    "send-given-looked-after": _Proportion,
    "care-needs-without-ehcp": _Proportion,
    "care-needs-likely-given-ehcp": _Proportion,
    "care-needs-likely-given-looked-after": _Proportion,
    "continuing-care-given-ehcp": _Proportion,
    "specialist-provision-given-ehcp": _Proportion,
    "post-16-ages": _Range,
    "ehcp-setting-from-19": _Weights,
    "setting-end-recorded": _Proportion,
    "setting-end-years-ahead": _Range,
    "ehcp-issue-age": _Range,
    "primary-need": _Weights,
    "area": _Weights,
    "looked-after-end-age": _Number,
    "first-entry-age": _Range,
    "episodes-per-child": _Weights,
    "episode-length-days": _Range,
    "days-between-episodes": _Range,
    "leaving-care-weeks": _Number,
    "leaving-care-count-from-age": _Number,
    "leaving-care-looked-after-from-age": _Number,
    "annual-review-interval-months": _Number,
    "annual-review-jitter-days": _Range,
    "annual-review-missed": _Proportion,
    "annual-review-window-years": _Number,
    "event-timing": _EventTimings,
}


@dataclass(frozen=True, slots=True)
class SyntheticMix:
    """The parameters of :file:`synthetic.yaml` that apply on one as-of date, by id."""

    values: dict[str, Any]

    def __getitem__(self, parameter_id: str) -> Any:
        return self.values[parameter_id]


def load_synthetic_mix(as_of: date, path: str | Path = DATA_FILE) -> SyntheticMix:
    """Load and check the synthetic-population rule data, taking the values that apply on ``as_of``.

    Raises:
        RuleDataError: the file is malformed, a parameter is missing, unknown,
            uncited or out of range. The message names the file, line and id.
    """
    path = Path(path)
    return SyntheticMix(_load(path, path.read_text(encoding="utf-8"), as_of))


def _parse(path: Path, text: str) -> tuple[_File, Any]:
    source = str(path)
    data = load_yaml_text(text, source=source, error=RuleDataError)
    try:
        return _File.model_validate(data), data
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        raise RuleDataError(
            f"field '{where}': {error['msg']}", file=source, line=line_of(data, error["loc"])
        ) from None


def _load(path: Path, text: str, as_of: date) -> dict[str, Any]:
    source = str(path)
    parsed, data = _parse(path, text)
    unknown = sorted(set(parsed.parameters) - set(_KINDS))
    if unknown:
        raise RuleDataError(
            "unknown parameter",
            file=source,
            line=line_of(data, ("parameters", unknown[0])),
            id=unknown[0],
        )
    missing = sorted(set(_KINDS) - set(parsed.parameters))
    if missing:
        raise RuleDataError("missing parameter", file=source, id=missing[0])
    values: dict[str, Any] = {}
    for parameter_id, kind in _KINDS.items():
        raw = parsed.parameters[parameter_id].value_on(as_of)
        try:
            values[parameter_id] = kind.model_validate({"value": raw}).value  # type: ignore[attr-defined]
        except ValidationError as exc:
            error = exc.errors()[0]
            raise RuleDataError(
                f"value is not valid: {error['msg']}",
                file=source,
                line=line_of(data, ("parameters", parameter_id, "values")),
                id=parameter_id,
            ) from None
    settings = values["ehcp-setting-from-19"]
    if set(settings) - set(EHCP_SETTINGS):
        raise RuleDataError(
            f"unknown setting; expected some of {', '.join(EHCP_SETTINGS)}",
            file=source,
            line=line_of(data, ("parameters", "ehcp-setting-from-19")),
            id="ehcp-setting-from-19",
        )
    if ANNUAL_REVIEW in values["event-timing"]:
        raise RuleDataError(
            f"'{ANNUAL_REVIEW}' is timed by the annual-review parameters, not event-timing",
            file=source,
            line=line_of(data, ("parameters", "event-timing")),
            id="event-timing",
        )
    return values


@cache
def _default_mix(as_of: date) -> SyntheticMix:
    return load_synthetic_mix(as_of)


def synthetic_event_types(path: str | Path = DATA_FILE) -> frozenset[str]:
    """Every event type a synthetic population may use, whatever the as-of date.

    >>> sorted(synthetic_event_types())[:3]
    ['adult-care-decision', 'chc-checklist', 'chc-decision']
    """
    path = Path(path)
    types = {ANNUAL_REVIEW}
    parameter = _parse(path, path.read_text(encoding="utf-8"))[0].parameters["event-timing"]
    for on_date in parameter.values:
        types.update(_EventTimings.model_validate({"value": parameter.values[on_date]}).value)
    return frozenset(types)


# --- the generator -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SynthResult:
    """What :func:`synthesise` wrote.

    Attributes:
        people_path, episodes_path, events_path: the three files.
        people: young people made (a duplicated row counts once).
        people_rows, episode_rows, event_rows: data rows written to each file.
        bad_rows: rows deliberately broken (including extra duplicate and
            unknown-id rows).
        expected_rejected: rows a reader should reject, counting the episode
            and event rows of a rejected young person, when it is given the
            nine event types as ``known_event_types``.
    """

    people_path: Path
    episodes_path: Path
    events_path: Path
    people: int
    people_rows: int
    episode_rows: int
    event_rows: int
    bad_rows: int
    expected_rejected: int

    @property
    def rows(self) -> int:
        """Data rows in the three files together."""
        return self.people_rows + self.episode_rows + self.event_rows


class _WeightedChoice:
    __slots__ = ("choices", "cumulative", "total")

    def __init__(self, weights: dict[str, float]) -> None:
        self.choices = list(weights)
        self.cumulative = list(itertools.accumulate(weights.values()))
        self.total = self.cumulative[-1]

    def draw(self, rng: random.Random) -> str:
        return self.choices[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


def _days(years: float) -> int:
    return round(years * _DAYS_PER_YEAR)


def _iso(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


_PEOPLE_FAULTS = (
    "bad-date",
    "impossible-date",
    "unknown-setting",
    "bad-yes-no",
    "wrong-columns",
    "born-after-as-of",
    "duplicate-id",
)
_EPISODE_FAULTS = ("ends-before-start", "bad-date", "unknown-id", "wrong-columns")
_EVENT_FAULTS = ("unknown-type", "impossible-date", "unknown-id", "wrong-columns")


@dataclass
class _Counts:
    people_rows: int = 0
    episode_rows: int = 0
    event_rows: int = 0
    bad_rows: int = 0
    expected_rejected: int = 0
    unknown_ids: int = 0


def synthesise(
    n: int,
    seed: int,
    out_dir: str | Path,
    *,
    as_of: date,
    bad_fraction: float = 0.0,
    mix: SyntheticMix | None = None,
) -> SynthResult:
    """Write a synthetic population of ``n`` young people into ``out_dir``.

    Args:
        n: how many young people.
        seed: the random seed; the same seed gives the same files.
        out_dir: the folder for ``people.csv``, ``episodes.csv`` and
            ``events.csv`` (created if missing; existing files are replaced).
            The files are written under temporary names in the folder and
            renamed when all three are complete, so a failure (a full disk, an
            interruption) leaves no partial file and the old files, if any,
            unchanged.
        as_of: the as-of date: ages are 13 to 25 on it and no event is after it.
        bad_fraction: the share of rows to break on purpose (0 to 1).
        mix: the parameters; by default ``cohorts/data/synthetic.yaml``.

    Returns:
        the paths and row counts, with the number of rows a reader should reject.
    """
    if n < 0:
        raise ValueError(f"n must be at least 0 (got {n})")
    if not 0 <= bad_fraction <= 1:
        raise ValueError(f"bad_fraction must be between 0 and 1 (got {bad_fraction})")
    mix = _default_mix(as_of) if mix is None else mix
    out = Path(out_dir)
    made = [folder for folder in (out, *out.parents) if not folder.exists()]
    out.mkdir(parents=True, exist_ok=True)
    paths = (out / "people.csv", out / "episodes.csv", out / "events.csv")
    temporary = tuple(path.with_name(f".{path.name}.{os.getpid()}.tmp") for path in paths)
    counts = _Counts()
    generator = _Generator(mix, as_of, random.Random(seed), random.Random(f"bad-rows:{seed}"))
    try:
        _write_files(generator, n, bad_fraction, counts, temporary)
        for done, path in zip(temporary, paths, strict=True):
            os.replace(done, path)
    except BaseException:
        # Nothing half-written is left: no temporary file, and no folder this call made.
        for done in temporary:
            done.unlink(missing_ok=True)
        for folder in made:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    return SynthResult(
        people_path=paths[0],
        episodes_path=paths[1],
        events_path=paths[2],
        people=n,
        people_rows=counts.people_rows,
        episode_rows=counts.episode_rows,
        event_rows=counts.event_rows,
        bad_rows=counts.bad_rows,
        expected_rejected=counts.expected_rejected,
    )


def _write_files(
    generator: _Generator, n: int, bad_fraction: float, counts: _Counts, paths: tuple[Path, ...]
) -> None:
    """Write the three CSV files of ``n`` young people to ``paths`` and make them durable."""
    with (
        open(paths[0], "w", encoding="utf-8", newline="") as people_file,
        open(paths[1], "w", encoding="utf-8", newline="") as episodes_file,
        open(paths[2], "w", encoding="utf-8", newline="") as events_file,
    ):
        files = (people_file, episodes_file, events_file)
        for handle, header in zip(files, (PEOPLE_HEADER, EPISODES_HEADER, EVENTS_HEADER), strict=True):
            handle.write(header)
        lines: tuple[list[str], list[str], list[str]] = ([], [], [])
        for number in range(1, n + 1):
            generator.person(number, bad_fraction, counts, *lines)
            if len(lines[0]) >= 5_000:
                for handle, pending in zip(files, lines, strict=True):
                    handle.write("".join(pending))
                    pending.clear()
        for handle, pending in zip(files, lines, strict=True):
            handle.write("".join(pending))
            handle.flush()
            os.fsync(handle.fileno())


class _Membership(NamedTuple):
    """Which cohorts one synthetic young person is in (``send``: an EHC plan or SEN support)."""

    looked_after: bool
    ehcp: bool
    send: bool
    care_needs_likely: bool
    continuing_care: bool


class _Ehcp(NamedTuple):
    """An EHC plan's cells of ``people.csv`` (all empty without a plan)."""

    issued_ordinal: int
    issued: str
    setting: str
    setting_end: str


_NO_EHCP = _Ehcp(0, "", "", "")


class _Generator:
    """Draws one young person at a time and appends their CSV lines."""

    def __init__(
        self, mix: SyntheticMix, as_of: date, rng: random.Random, bad: random.Random
    ) -> None:
        self.mix = mix
        self.as_of = as_of
        self.as_of_ordinal = as_of.toordinal()
        self.rng = rng
        self.bad = bad
        low, high = mix["age-range"]
        self.age_low, self.age_high = int(low), int(high)
        self.age_days = (_days(self.age_low), _days(self.age_high + 1) - 1)
        self.primary_need = _WeightedChoice(mix["primary-need"])
        self.area = _WeightedChoice(mix["area"])
        self.setting_from_19 = _WeightedChoice(mix["ehcp-setting-from-19"])
        self.episodes_per_child = _WeightedChoice(mix["episodes-per-child"])
        # P(SEN Support only | looked after, no EHC plan), so that P(SEND | looked after) is cited.
        ehcp, send = mix["ehcp-given-looked-after"], mix["send-given-looked-after"]
        self.send_without_ehcp = max(0.0, (send - ehcp) / (1 - ehcp)) if ehcp < 1 else 0.0
        self.timings = [
            (kind, frozenset(timing.applies_to), timing)
            for kind, timing in mix["event-timing"].items()
        ]

    # -- one person --

    def person(
        self,
        number: int,
        bad_fraction: float,
        counts: _Counts,
        people_lines: list[str],
        episode_lines: list[str],
        event_lines: list[str],
    ) -> None:
        person_id = f"syn-{number:07d}"
        dob = self._date_of_birth()
        dob_ordinal = dob.toordinal()
        who = self._membership()
        plan = self._ehcp(dob_ordinal, age_on(dob, self.as_of)) if who.ehcp else _NO_EHCP
        need = self.primary_need.draw(self.rng) if who.send else ""
        area = self.area.draw(self.rng)

        episodes = self._episodes(dob) if who.looked_after else []
        eligible = bool(episodes) and self._leaving_care_eligible(dob, episodes)
        conditions = {
            condition
            for condition, holds in (
                ("ehcp", who.ehcp),
                ("care-needs-likely", who.care_needs_likely),
                ("continuing-care", who.continuing_care),
                ("leaving-care-eligible", eligible),
            )
            if holds
        }
        events = self._events(dob_ordinal, conditions)
        if who.ehcp:
            events += self._annual_reviews(plan.issued_ordinal)

        person_cells = [
            person_id,
            dob.isoformat(),
            plan.issued,
            plan.setting,
            plan.setting_end,
            "true" if who.care_needs_likely else "false",
            "true" if who.continuing_care else "false",
            need,
            area,
        ]
        episode_cells = [
            [person_id, _iso(start), "" if end is None else _iso(end)] for start, end in episodes
        ]
        event_cells = [[person_id, kind, _iso(when)] for kind, when in events]
        if bad_fraction:
            self._break_rows(
                bad_fraction, person_cells, episode_cells, event_cells, counts, people_lines
            )
        people_lines.append(",".join(person_cells) + "\n")
        counts.people_rows += 1
        for cells in episode_cells:
            episode_lines.append(",".join(cells) + "\n")
        for cells in event_cells:
            event_lines.append(",".join(cells) + "\n")
        counts.episode_rows += len(episode_cells)
        counts.event_rows += len(event_cells)

    def _membership(self) -> _Membership:
        """Which cohorts the young person is in: looked after, EHC plan (or SEN support), care needs."""
        rng, mix = self.rng, self.mix
        looked_after = rng.random() < mix["share-looked-after"]
        if looked_after:
            has_ehcp = rng.random() < mix["ehcp-given-looked-after"]
            send = has_ehcp or rng.random() < self.send_without_ehcp
            likely_share = (
                mix["care-needs-likely-given-ehcp"]
                if has_ehcp
                else mix["care-needs-likely-given-looked-after"]
            )
            care_needs_likely = rng.random() < likely_share
        elif rng.random() < mix["care-needs-without-ehcp"]:
            has_ehcp, send, care_needs_likely = False, False, True
        else:
            has_ehcp, send = True, True
            care_needs_likely = rng.random() < mix["care-needs-likely-given-ehcp"]
        continuing_care = has_ehcp and rng.random() < mix["continuing-care-given-ehcp"]
        return _Membership(looked_after, has_ehcp, send, care_needs_likely, continuing_care)

    def _ehcp(self, dob_ordinal: int, age: int) -> _Ehcp:
        """The EHC plan's issue date, the setting named in it and, sometimes, when that setting ends."""
        rng, mix = self.rng, self.mix
        low, high = mix["ehcp-issue-age"]
        latest = min(_days(high), self.as_of_ordinal - dob_ordinal)
        issued_ordinal = dob_ordinal + rng.randint(min(_days(low), latest), latest)
        setting = self._setting(age)
        setting_end = ""
        if setting in ("further-education", "apprenticeship") and (
            rng.random() < mix["setting-end-recorded"]
        ):
            ahead = rng.uniform(*mix["setting-end-years-ahead"])
            setting_end = _iso(self.as_of_ordinal + _days(ahead))
        return _Ehcp(issued_ordinal, _iso(issued_ordinal), setting, setting_end)

    def _date_of_birth(self) -> date:
        low, high = self.age_days
        while True:
            dob = date.fromordinal(self.as_of_ordinal - self.rng.randint(low, high))
            if self.age_low <= age_on(dob, self.as_of) <= self.age_high:
                return dob

    def _setting(self, age: int) -> str:
        post_16_from, post_16_to = self.mix["post-16-ages"]
        if age < post_16_from:
            return "school"
        if age <= post_16_to:
            specialist = self.rng.random() < self.mix["specialist-provision-given-ehcp"]
            return "school" if specialist else "further-education"
        return self.setting_from_19.draw(self.rng)

    def _episodes(self, dob: date) -> list[tuple[int, int | None]]:
        rng, mix = self.rng, self.mix
        dob_ordinal = dob.toordinal()
        care_ends = birthday(dob, int(mix["looked-after-end-age"])).toordinal()
        limit = min(care_ends, self.as_of_ordinal + 1)  # the first day no episode may start
        low, high = mix["first-entry-age"]
        latest = min(_days(high), limit - 1 - dob_ordinal)
        start = dob_ordinal + rng.randint(min(_days(low), latest), latest)
        length_low, length_high = (int(x) for x in mix["episode-length-days"])
        gap_low, gap_high = (int(x) for x in mix["days-between-episodes"])
        wanted = int(self.episodes_per_child.draw(rng))
        episodes: list[tuple[int, int | None]] = []
        for _ in range(wanted):
            if start >= limit:
                break
            end: int | None = min(start + rng.randint(length_low, length_high), care_ends)
            if end is not None and end > self.as_of_ordinal:
                end = None  # still looked after on the as-of date
            episodes.append((start, end))
            if end is None or end >= care_ends:
                break
            start = end + rng.randint(gap_low, gap_high)
        return episodes

    def _leaving_care_eligible(self, dob: date, episodes: list[tuple[int, int | None]]) -> bool:
        mix = self.mix
        counts_from = birthday(dob, int(mix["leaving-care-count-from-age"])).toordinal()
        looked_after_from = birthday(
            dob, int(mix["leaving-care-looked-after-from-age"])
        ).toordinal()
        days = 0
        after_16 = False
        for start, end in episodes:
            stop = self.as_of_ordinal + 1 if end is None else end
            days += max(0, stop - max(start, counts_from))
            after_16 = after_16 or stop > looked_after_from
        return after_16 and days >= mix["leaving-care-weeks"] * _DAYS_PER_WEEK

    def _events(self, dob_ordinal: int, conditions: set[str]) -> list[tuple[str, int]]:
        rng = self.rng
        events: list[tuple[str, int]] = []
        for kind, applies_to, timing in self.timings:
            if applies_to.isdisjoint(conditions):
                continue
            draw = rng.random()
            if draw < timing.share_on_time:
                window = timing.on_time
            elif draw < timing.share_on_time + timing.share_late:
                window = timing.late
            else:
                continue  # missing
            when = dob_ordinal + rng.randint(_days(window[0]), _days(window[1]))
            if when <= self.as_of_ordinal:
                events.append((kind, when))
        return events

    def _annual_reviews(self, issued_ordinal: int) -> list[tuple[str, int]]:
        rng, mix = self.rng, self.mix
        interval = int(mix["annual-review-interval-months"])
        jitter_low, jitter_high = (int(x) for x in mix["annual-review-jitter-days"])
        window_start = self.as_of_ordinal - _days(mix["annual-review-window-years"])
        issued = date.fromordinal(issued_ordinal)
        # Start a little before the window without computing each earlier review.
        reviews_before = (window_start - jitter_high - issued_ordinal) / (
            _DAYS_PER_YEAR * interval / 12
        )
        reviews = []
        for k in itertools.count(max(1, int(reviews_before))):
            if interval % 12 == 0:  # whole years: the anniversary, much cheaper than months
                due = birthday(issued, k * interval // 12).toordinal()
            else:
                due = add_months(issued, interval * k).toordinal()
            if due + jitter_low > self.as_of_ordinal:
                break
            if due + jitter_high < window_start:
                continue
            when = due + rng.randint(jitter_low, jitter_high)
            missed = rng.random() < mix["annual-review-missed"]
            if not missed and window_start <= when <= self.as_of_ordinal:
                reviews.append((ANNUAL_REVIEW, when))
        return reviews

    # -- deliberately broken rows --

    def _break_rows(
        self,
        bad_fraction: float,
        person: list[str],
        episodes: list[list[str]],
        events: list[list[str]],
        counts: _Counts,
        people_lines: list[str],
    ) -> None:
        bad = self.bad
        broken_rows = 0
        for cells in episodes:
            if bad.random() < bad_fraction:
                self._break_episode(bad.choice(_EPISODE_FAULTS), cells, counts)
                broken_rows += 1
        for cells in events:
            if bad.random() < bad_fraction:
                self._break_event(bad.choice(_EVENT_FAULTS), cells, counts)
                broken_rows += 1
        counts.bad_rows += broken_rows
        if bad.random() >= bad_fraction:
            counts.expected_rejected += broken_rows
            return
        fault = bad.choice(_PEOPLE_FAULTS)
        counts.bad_rows += 1
        if fault == "duplicate-id":
            # Write the row twice: the reader uses the first and rejects the second.
            counts.expected_rejected += 1 + broken_rows
            people_lines.append(",".join(person) + "\n")
            counts.people_rows += 1
            return
        # The whole young person is rejected: their own row and every episode and event row.
        counts.expected_rejected += 1 + len(episodes) + len(events)
        year = int(person[1][:4])
        if fault == "bad-date":
            person[1] = f"{person[1][8:10]}/{person[1][5:7]}/{year}"
        elif fault == "impossible-date":
            person[1] = f"{year}-02-30"
        elif fault == "unknown-setting":
            person[2] = person[2] or person[1]
            person[3] = "residential-college"
        elif fault == "bad-yes-no":
            person[5] = "maybe"
        elif fault == "wrong-columns":
            person.append("extra")
        else:  # born-after-as-of
            person[1] = _iso(self.as_of_ordinal + bad.randint(1, 400))

    def _unknown_id(self, counts: _Counts) -> str:
        counts.unknown_ids += 1
        return f"syn-unknown-{counts.unknown_ids:07d}"

    def _break_episode(self, fault: str, cells: list[str], counts: _Counts) -> None:
        if fault == "ends-before-start":
            start = date.fromisoformat(cells[1]).toordinal()
            cells[2] = _iso(start - self.bad.randint(1, 60))
        elif fault == "bad-date":
            cells[1] = cells[1].replace("-", "/")
        elif fault == "unknown-id":
            cells[0] = self._unknown_id(counts)
        else:
            cells.append("extra")

    def _break_event(self, fault: str, cells: list[str], counts: _Counts) -> None:
        if fault == "unknown-type":
            cells[1] = "home-visit"
        elif fault == "impossible-date":
            cells[2] = cells[2][:5] + "13" + cells[2][7:]
        elif fault == "unknown-id":
            cells[0] = self._unknown_id(counts)
        else:
            cells.append("extra")
