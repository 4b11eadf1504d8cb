"""A population run: every young person through the same roadmap generator, then added up.

The three CSV files are streamed (:func:`roadmaps.population._input.iter_person_rows`),
sent in chunks to worker processes (:func:`roadmaps.population._input.map_population`,
or a Dask cluster with :mod:`roadmaps.population._dask`), and for each young person a worker
builds the :class:`~cohorts.Person`, calls :func:`~roadmaps.generate_roadmap`
(the one code path of single roadmaps) and reduces the roadmap to a small
:class:`~roadmaps.population._tally.PersonSummary` (:func:`summarise_row`). The worker
adds up the summaries of its chunk (:func:`tally_rows`), the parent merges the
chunk tallies (:class:`~roadmaps.population._tally.PopulationTally`) and publishes
the totals under disclosure control. Memory stays flat: only a few chunks are
in flight at a time, and a tally's size does not depend on the population.

**No row lost.** A row the reader rejects is in the rejection log with its
file, line and reason. A young person whose rows are valid but whom the
generator refuses (for example a care episode that starts before the date of
birth) is rejected too, never dropped: their people row goes into the log with
the generator's reason, with no value from the record, their episode and event
rows with "person row rejected", and those rows are moved from processed to
rejected, so ``rows_in == rows_processed + rows_rejected`` still holds; it is
checked at the end of every run.

**Areas.** When ``people.csv`` has an ``area`` column, a young person with an
area that has rule data (``england``, ``leicester``, ``peterborough``) is run
on that area's pathway, loaded once per process; any other value is reported
under its own name and run on the ``area`` argument's pathway (England by
default). An empty cell means the ``area`` argument.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import importlib
import os
import re
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from cohorts import Person, available_areas, load_pathway
from pathways import InputError, PathwayGraph, PathwaysError, age_on
from roadmaps import Roadmap, generate_roadmap
from roadmaps.rule_ids import (
    ADULT_REASSESSMENT,
    DEFAULT_AREA,
    ELIGIBLE_FOR_ADULT_CARE,
    LEAP_DAY_POLICY,
)

from ._disclosure import DEFAULT_SETTINGS, DisclosureSettings
from ._files import stop_on_signals
from ._import_common import EPISODES_FILE, EVENTS_FILE, PEOPLE_FILE, ImportReport, ImportResult
from ._input import (
    _REASON_PERSON_REJECTED,
    Accounting,
    PersonRow,
    ProgressBar,
    batched,
    capped_lines,
    iter_person_rows,
    map_population,
)
from ._tally import (
    FORECAST_YEARS,
    PersonSummary,
    PopulationResult,
    PopulationTally,
    age_band,
)

_AREA_NAME = re.compile(r"[a-z0-9][a-z0-9 '&.,()-]{0,79}")
_QUOTED = re.compile(r"'[^']*'")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# --- one young person ------------------------------------------------------------------


def summarise_roadmap(
    roadmap: Roadmap, *, area: str | None = None, asc_eligible_probability: float | None = None
) -> PersonSummary:
    """What one roadmap contributes to the population totals (no id, no date of birth).

    Args:
        roadmap: a roadmap from :func:`~roadmaps.generate_roadmap`.
        area: the area to report the young person under; by default the
            roadmap's area.
        asc_eligible_probability: the route probability of adult social care
            eligibility, when route probabilities exist (issue 3).

    Returns:
        the summary: area, cohorts, age band on the as-of date, one (rule, days
        overdue) per gap rule, (id, date, status) for each entry, and the gap
        rules that are "not recorded" for the young person.
    """
    policy = str(roadmap.settings.get(LEAP_DAY_POLICY, "mar1"))
    age = age_on(roadmap.date_of_birth, roadmap.as_of, "feb28" if policy == "feb28" else "mar1")
    worst: dict[str, int | None] = {}
    for gap in roadmap.gaps:
        days = gap.days_overdue
        if gap.rule not in worst:
            worst[gap.rule] = days
        else:
            previous = worst[gap.rule]
            if days is not None and (previous is None or days > previous):
                worst[gap.rule] = days
    entries: dict[str, tuple[str, date, str]] = {}
    for entry in roadmap.entries:
        entries.setdefault(entry.id, (entry.id, entry.date, entry.status))
    return PersonSummary(
        as_of=roadmap.as_of,
        area=area or roadmap.area,
        cohorts=tuple(sorted(roadmap.cohorts)),
        age_band=age_band(age),
        gaps=tuple(sorted(worst.items())),
        entries=tuple(entries[k] for k in sorted(entries)),
        asc_eligible_probability=asc_eligible_probability,
        not_recorded=tuple(sorted({gap.rule for gap in roadmap.not_recorded})),
    )


ASC_ELIGIBLE_OPTION = ELIGIBLE_FOR_ADULT_CARE
"""The route option (rule data, ``routes.yaml``) of being found eligible for adult social care."""


@functools.lru_cache(maxsize=1)
def _routes_module() -> Any:
    """The cohort route model (issue 3), or None when this installation has none."""
    try:
        return importlib.import_module("cohorts._routes")
    except ModuleNotFoundError as error:
        if error.name != "cohorts._routes":
            raise  # the module is there but broken: a bug, not a missing feature
        return None


def needs_eligibility_forecast(roadmap: Roadmap) -> bool:
    """True when the adult reassessment falls in the forecast window of the roadmap's as-of date.

    Only then does the young person count towards the expected number eligible
    for adult social care, so only then are their routes worked out.
    """
    entry = roadmap.milestone(ADULT_REASSESSMENT)
    first = roadmap.as_of.year + 1
    return entry is not None and first <= entry.date.year < first + FORECAST_YEARS


def adult_social_care_probability(
    person: Person,
    roadmap: Roadmap,
    *,
    pathway: PathwayGraph,
    settings: Mapping[str, str] | None = None,
) -> float | None:
    """The probability that the young person's routes lead to adult social care eligibility.

    From the route model (:func:`cohorts._routes.person_routes`, issue 3): the
    probability that a route takes the :data:`ASC_ELIGIBLE_OPTION` option at
    the adult social care decision (1 or 0 once the decision is recorded).

    Returns:
        None when the adult reassessment is outside the forecast window, when
        the adult social care decision is not on the young person's routes, or
        when no route model is installed.
    """
    if not needs_eligibility_forecast(roadmap):
        return None
    routes = _routes_module()
    if routes is None or not hasattr(routes, "person_routes"):
        return None
    person_routes = routes.person_routes(
        person, as_of=roadmap.as_of, pathway=pathway, settings=settings
    )
    for options in person_routes.option_probabilities().values():
        if ASC_ELIGIBLE_OPTION in options:
            return float(options[ASC_ELIGIBLE_OPTION])
    return None


@dataclasses.dataclass(frozen=True, slots=True)
class RejectedPerson:
    """A young person whose rows were valid but whom the roadmap generator refused.

    Attributes:
        line: the line of their row in ``people.csv``.
        reason: why, with no value from the record.
        episode_lines: the lines of their rows in ``episodes.csv``.
        event_lines: the lines of their rows in ``events.csv``.
    """

    line: int
    reason: str
    episode_lines: tuple[int, ...] = ()
    event_lines: tuple[int, ...] = ()


def generator_reason(error: PathwaysError) -> str:
    """A rejection reason from a generator error: the field and the problem, no values.

    >>> generator_reason(InputError("field 'care_episodes[0].start' is before the date of birth",
    ...                             file="people.csv:7"))
    "roadmap generator refused: field 'care_episodes[0].start' is before the date of birth"
    >>> generator_reason(InputError("field 'date_of_birth' is after the as-of date 2026-01-01"))
    "roadmap generator refused: field 'date_of_birth' is after the as-of date"
    """
    message = " ".join(error.message.split())
    field_name = ""
    match = re.match(r"field '([A-Za-z0-9_.\[\]]+)' ", message)
    if match:
        field_name = f"field '{match.group(1)}' "
        message = message[match.end() :]
    message = message.split(" (", 1)[0]
    message = _ISO_DATE.sub("", _QUOTED.sub("", message))
    message = " ".join(message.split()).rstrip(" :,")
    return f"roadmap generator refused: {field_name}{message}".rstrip()


def _row_area(row: PersonRow, default_area: str, known: frozenset[str]) -> tuple[str, str] | str:
    """(pathway area, reporting area) for a row, or a rejection reason."""
    text = row.extras.get("area", "")
    if not text:
        return default_area, default_area
    label = " ".join(text.lower().split())
    if label in known:
        return label, label
    if not _AREA_NAME.fullmatch(label):
        return "area is not a valid area name"
    return default_area, label


def summarise_row(
    row: PersonRow,
    *,
    as_of: date,
    default_area: str = DEFAULT_AREA,
    settings: Mapping[str, str] | None = None,
) -> PersonSummary | RejectedPerson:
    """One young person of a population file: build, generate the roadmap, summarise.

    Runs in a worker process; the pathway of each area is loaded once per
    process (:func:`cohorts.load_pathway` is cached).

    Returns:
        the summary, or a :class:`RejectedPerson` when the record or the
        generator refuses the young person.
    """
    area = _row_area(row, default_area, _known_areas())
    if isinstance(area, str):
        return _rejected(row, area)
    pathway_area, report_area = area
    pathway = load_pathway(pathway_area)
    try:
        person = row.to_person()
        roadmap = generate_roadmap(
            person,
            as_of=as_of,
            pathway=pathway,
            settings=settings,
            source=f"people.csv:{row.line}",
        )
        # The routes work from the same record, so they can refuse it too (for
        # example with dates near the year 9999).
        probability = adult_social_care_probability(
            person, roadmap, pathway=pathway, settings=settings
        )
    except PathwaysError as error:
        return _rejected(row, generator_reason(error))
    return summarise_roadmap(roadmap, area=report_area, asc_eligible_probability=probability)


def _rejected(row: PersonRow, reason: str) -> RejectedPerson:
    """A refused young person, with the lines of all their rows (all are rejected)."""
    return RejectedPerson(
        line=row.line,
        reason=reason,
        episode_lines=row.episode_lines,
        event_lines=row.event_lines,
    )


@dataclasses.dataclass(frozen=True, slots=True)
class ChunkTally:
    """What a worker sends back for a chunk of young people: their tally and the refused.

    Attributes:
        people: young people in the chunk (counted and refused together).
        tally: the raw counts of the young people summarised.
        rejected: the young people refused, in input order.
    """

    people: int
    tally: PopulationTally
    rejected: tuple[RejectedPerson, ...]


def tally_rows(
    rows: list[PersonRow],
    *,
    as_of: date,
    default_area: str = DEFAULT_AREA,
    settings: Mapping[str, str] | None = None,
) -> ChunkTally:
    """:func:`summarise_row` for each young person of a chunk, added up where it runs.

    A worker adds up its own chunk, so only a small tally travels back to the
    parent, which merges the tallies; the totals are the same as adding up
    the summaries one by one (a test checks).
    """
    tally = PopulationTally(as_of)
    rejected: list[RejectedPerson] = []
    for row in rows:
        outcome = summarise_row(row, as_of=as_of, default_area=default_area, settings=settings)
        if isinstance(outcome, RejectedPerson):
            rejected.append(outcome)
        else:
            tally.add(outcome)
    return ChunkTally(len(rows), tally, tuple(rejected))


# --- a whole population ----------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class PopulationRun:
    """The outcome of :func:`run_population_files` (or :func:`run_imported`).

    Attributes:
        result: the published totals.
        accounting: the row counts and the rejection log (balanced).
        area: the rules for young people with no area of their own.
        people_csv, episodes_csv, events_csv: the input files, as given.
        import_report: for a run straight from a return, what the import read,
            kept and rejected (written beside the population report).
    """

    result: PopulationResult
    accounting: Accounting
    area: str
    people_csv: Path
    episodes_csv: Path | None
    events_csv: Path | None
    import_report: ImportReport | None = None


def default_workers() -> int:
    """All the processors this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _has_area_column(people_csv: Path) -> bool:
    """Whether the header of ``people.csv`` has an ``area`` column (False if unreadable:
    the reader then reports the problem)."""
    try:
        with open(people_csv, encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(capped_lines(handle, people_csv)), [])
    except (OSError, UnicodeDecodeError, csv.Error, InputError):
        return False
    return "area" in (cell.strip().lower() for cell in header)


def _event_types(areas: Iterable[str]) -> frozenset[str]:
    types: set[str] = set()
    for area in areas:
        types.update(load_pathway(area).rules.events)
    return frozenset(types)


def _gap_rule_ids(areas: Iterable[str]) -> tuple[str, ...]:
    """Every gap rule of these areas: listed in the report even when no one has it."""
    rules: set[str] = set()
    for area in areas:
        rules.update(g.id for g in load_pathway(area).gap_rules())
    return tuple(sorted(rules))


def rule_labels(area: str, *, pathways: Iterable[PathwayGraph] = ()) -> dict[str, str]:
    """Plain-English titles of gap rules and roadmap entries, from the rule data.

    Args:
        area: the area whose titles win; the other areas' fill the rest.
        pathways: pathways whose titles come first (e.g. reformed pathways
            with nodes of their own).
    """
    labels: dict[str, str] = {}
    chosen = [
        *pathways,
        *(load_pathway(a) for a in (area, *(a for a in available_areas() if a != area))),
    ]
    for pathway in chosen:
        for gap in pathway.gap_rules():
            labels.setdefault(gap.id, gap.title)
        for node in pathway.nodes():
            labels.setdefault(node.id, node.label)
            if node.kind == "service":  # the roadmap's service entries (roadmaps._roadmap)
                labels.setdefault(f"{node.id}-start", f"{node.label} starts")
                labels.setdefault(f"{node.id}-end", f"{node.label} ends")
    return labels


def _known_areas() -> frozenset[str]:
    return frozenset(available_areas())


@dataclasses.dataclass(frozen=True)
class OpenPopulation:
    """The three CSV files opened for a run: the rows, their accounting and the pathways.

    Attributes:
        default_area: the area of young people with no area of their own.
        areas: every area whose pathway the run may use (each already loaded).
        accounting: the row counts and rejection log, filled as ``rows`` is read.
        rows: the young people, streamed in id order.
        names: the file names of people, episodes and events (empty when absent).
    """

    default_area: str
    areas: tuple[str, ...]
    accounting: Accounting
    rows: Generator[PersonRow, None, None]
    names: tuple[str, str, str]

    def reject(self, refused: RejectedPerson) -> None:
        """Move a young person the generator refused from processed to rejected."""
        _account_rejection(self.accounting, refused, *self.names)


def open_population(
    people_csv: str | Path,
    episodes_csv: str | Path | None,
    events_csv: str | Path | None,
    *,
    as_of: date,
    area: str,
    accounting: Accounting | None = None,
) -> OpenPopulation:
    """Open a population's files for streaming, with every pathway it needs compiled.

    The pathways are compiled here, in the parent, so that forked workers
    inherit them.
    """
    people_path = Path(people_csv)
    default = load_pathway(area)
    areas = tuple(available_areas()) if _has_area_column(people_path) else (default.area,)
    for other in areas:
        load_pathway(other)
    accounting = Accounting() if accounting is None else accounting
    rows = iter_person_rows(
        people_path,
        None if episodes_csv is None else Path(episodes_csv),
        None if events_csv is None else Path(events_csv),
        as_of=as_of,
        accounting=accounting,
        known_event_types=_event_types(areas),
    )
    names = (
        people_path.name,
        Path(episodes_csv).name if episodes_csv is not None else "",
        Path(events_csv).name if events_csv is not None else "",
    )
    return OpenPopulation(default.area, areas, accounting, rows, names)


@stop_on_signals()
def run_population_files(
    people_csv: str | Path,
    episodes_csv: str | Path | None = None,
    events_csv: str | Path | None = None,
    *,
    as_of: date,
    area: str = DEFAULT_AREA,
    workers: int | None = None,
    settings: DisclosureSettings = DEFAULT_SETTINGS,
    roadmap_settings: Mapping[str, str] | None = None,
    progress: bool | None = None,
    chunk_size: int = 500,
    dask_client: Any = None,
) -> PopulationRun:
    """Run a whole population from its three CSV files.

    Nothing is written: :func:`~roadmaps.population.write_population_report`
    writes the outputs of the run (check the output folder with
    :func:`~roadmaps.population.check_out_dir` before a long run).

    Args:
        people_csv: ``people.csv`` (see ``docs/strategy-lead-guide.md``).
        episodes_csv: ``episodes.csv``, or None.
        events_csv: ``events.csv``, or None.
        as_of: the as-of date for every roadmap.
        area: the rules for young people with no area of their own.
        workers: processes to use (default: all processors); 1 runs here.
        settings: disclosure control.
        roadmap_settings: named settings for every roadmap, e.g. the leap-day policy.
        progress: a progress bar on stderr; None shows it only on a terminal.
        chunk_size: young people per task sent to a worker (each worker
            adds up its chunk and sends back only the counts).
        dask_client: a ``distributed.Client`` to run on instead of local
            processes (the ``pathways[dask]`` extra).

    Returns:
        the published result and the accounting (already checked).

    Raises:
        InputError: an unusable file or argument.
    """
    workers = default_workers() if workers is None else workers
    if workers < 1:
        raise InputError(f"--workers must be at least 1 (got {workers})", id="--workers")
    opened = open_population(people_csv, episodes_csv, events_csv, as_of=as_of, area=area)
    result = _run_opened(
        opened,
        as_of=as_of,
        workers=workers,
        settings=settings,
        roadmap_settings=roadmap_settings,
        progress=progress,
        chunk_size=chunk_size,
        dask_client=dask_client,
    )
    return PopulationRun(
        result,
        opened.accounting,
        opened.default_area,
        Path(people_csv),
        None if episodes_csv is None else Path(episodes_csv),
        None if events_csv is None else Path(events_csv),
    )


def _run_opened(
    opened: OpenPopulation,
    *,
    as_of: date,
    workers: int,
    settings: DisclosureSettings,
    roadmap_settings: Mapping[str, str] | None,
    progress: bool | None,
    chunk_size: int,
    dask_client: Any,
) -> PopulationResult:
    """Tally the opened population on the workers and publish it (the accounting checked)."""
    per_chunk = functools.partial(
        tally_rows,
        as_of=as_of,
        default_area=opened.default_area,
        settings=dict(roadmap_settings) if roadmap_settings else None,
    )
    tally = _tally_chunks(
        opened,
        per_chunk,
        PopulationTally(as_of),
        workers=workers,
        chunk_size=chunk_size,
        progress=progress,
        dask_client=dask_client,
    )
    opened.accounting.check()
    return tally.publish(settings, gap_rules=_gap_rule_ids(opened.areas))


def run_imported(
    imported: ImportResult,
    *,
    as_of: date,
    area: str = "england",
    workers: int | None = None,
    settings: DisclosureSettings = DEFAULT_SETTINGS,
    roadmap_settings: Mapping[str, str] | None = None,
    progress: bool | None = None,
    chunk_size: int = 500,
    dask_client: Any = None,
) -> PopulationRun:
    """A population run straight from an imported return, with nothing written in between.

    The same run as :func:`run_population_files` on the files
    :meth:`ImportResult.write <roadmaps.population.ImportResult.write>` would
    write: its accounting counts the rows of those files (``people.csv``,
    ``episodes.csv`` and, from the SEN2 return, ``events.csv``, by their line
    numbers), which are held in memory only.
    The import report accounts for the rows of the returns themselves.

    Example::

        run = run_imported(import_ssda903(header=h, episodes=e), as_of=date(2026, 4, 1))
        write_population_report(run, "report/")
    """
    workers = default_workers() if workers is None else workers
    if workers < 1:
        raise InputError(f"--workers must be at least 1 (got {workers})", id="--workers")
    default = load_pathway(area)
    rows = imported.person_rows()
    accounting = Accounting()
    names = (PEOPLE_FILE, EPISODES_FILE, EVENTS_FILE if imported.events else "")
    accounting.rejections.register_file(PEOPLE_FILE)
    accounting.rejections.register_file(EPISODES_FILE)
    accounting.rows_in_by_file = {PEOPLE_FILE: len(rows), EPISODES_FILE: len(imported.episodes)}
    if imported.events:
        accounting.rejections.register_file(EVENTS_FILE)
        accounting.rows_in_by_file[EVENTS_FILE] = len(imported.events)
    accounting.rows_in = accounting.rows_processed = (
        len(rows) + len(imported.episodes) + len(imported.events)
    )
    accounting.people = len(rows)
    opened = OpenPopulation(default.area, (default.area,), accounting, (r for r in rows), names)
    result = _run_opened(
        opened,
        as_of=as_of,
        workers=workers,
        settings=settings,
        roadmap_settings=roadmap_settings,
        progress=progress,
        chunk_size=chunk_size,
        dask_client=dask_client,
    )
    return PopulationRun(
        result,
        accounting,
        default.area,
        Path(PEOPLE_FILE),
        Path(EPISODES_FILE),
        Path(EVENTS_FILE) if imported.events else None,
        import_report=imported.report,
    )


def _tally_chunks(
    opened: OpenPopulation,
    per_chunk: Callable[[list[PersonRow]], ChunkTally],
    tally: PopulationTally,
    *,
    workers: int,
    chunk_size: int,
    progress: bool | None,
    dask_client: Any,
) -> PopulationTally:
    """Add up the young people in chunks on the workers (or a Dask cluster) into ``tally``.

    Each worker sends back its chunk's tally, merged here; the young people it
    refused move from processed to rejected. The rows are closed at the end.
    """
    chunks = batched(opened.rows, chunk_size)
    bar = ProgressBar(None, show=progress)
    try:
        if dask_client is not None:
            from ._dask import map_population_dask

            results: Iterator[ChunkTally] = map_population_dask(
                chunks, per_chunk, client=dask_client, chunk_size=1, progress=False
            )
        else:
            results = map_population(
                chunks, per_chunk, workers=workers, chunk_size=1, progress=False
            )
        for chunk in results:
            tally.merge(chunk.tally)
            for rejected in chunk.rejected:
                opened.reject(rejected)
            bar.update(chunk.people)
    finally:
        opened.rows.close()
        bar.close()
    return tally


def _account_rejection(
    accounting: Accounting,
    rejected: RejectedPerson,
    people_name: str,
    episodes_name: str,
    events_name: str,
) -> None:
    """Move a refused young person's rows from processed to rejected."""
    log = accounting.rejections
    log.add(people_name, rejected.line, rejected.reason)
    moved = 1
    for name, lines in (
        (episodes_name, rejected.episode_lines),
        (events_name, rejected.event_lines),
    ):
        for line in lines:
            log.add(name, line, _REASON_PERSON_REJECTED)
            moved += 1
    accounting.rows_processed -= moved
    accounting.people -= 1


def run_population(
    people: Iterable[Person],
    *,
    as_of: date,
    area: str = DEFAULT_AREA,
    settings: DisclosureSettings = DEFAULT_SETTINGS,
    roadmap_settings: Mapping[str, str] | None = None,
    pathway: PathwayGraph | None = None,
) -> PopulationResult:
    """The population totals of young people already in memory (for notebooks).

    The same generator and the same aggregation as :func:`run_population_files`,
    in this process.

    >>> from cohorts import Person
    >>> people = [Person(id=f"p{i}", date_of_birth=date(2010, 3, i + 1)) for i in range(6)]
    >>> run_population(people, as_of=date(2026, 1, 1)).forecast["2028"]["age-18"]
    6

    Raises:
        InputError: a young person cannot be evaluated; the message names their
            position in ``people`` (counting from 0) and the problem.
    """
    pathway = pathway or load_pathway(area)
    tally = PopulationTally(as_of)
    for index, person in enumerate(people):
        try:
            roadmap = generate_roadmap(
                person, as_of=as_of, pathway=pathway, settings=roadmap_settings
            )
            probability = adult_social_care_probability(
                person, roadmap, pathway=pathway, settings=roadmap_settings
            )
        except PathwaysError as error:
            raise InputError(f"young person {index}: {generator_reason(error)}") from None
        tally.add(summarise_roadmap(roadmap, asc_eligible_probability=probability))
    gap_rules = tuple(sorted(g.id for g in pathway.gap_rules()))
    return tally.publish(settings, gap_rules=gap_rules)


def summaries_of_files(
    people_csv: str | Path,
    episodes_csv: str | Path | None = None,
    events_csv: str | Path | None = None,
    *,
    as_of: date,
    area: str = DEFAULT_AREA,
    accounting: Accounting | None = None,
) -> Iterator[PersonSummary | RejectedPerson]:
    """Each young person's summary (or rejection), in this process and in id order.

    For checks and notebooks: the same per-person function as a population run.
    """
    opened = open_population(
        people_csv, episodes_csv, events_csv, as_of=as_of, area=area, accounting=accounting
    )
    summarise: Callable[[PersonRow], PersonSummary | RejectedPerson] = functools.partial(
        summarise_row, as_of=as_of, default_area=opened.default_area
    )
    return map(summarise, opened.rows)
