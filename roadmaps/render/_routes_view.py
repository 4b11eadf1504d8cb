"""A young person's likely routes as plain data, and as text and Markdown worded for a family.

:func:`routes_view` turns a :class:`cohorts._routes.PersonRoutes` into the JSON
object of ``pathways routes`` (issue 3)::

    {"person_id", "total_routes": <int>, "probability_sum": <float>,
     "routes": [{"probability", "steps": [{"id", "label", "age"}]}],
     "outcomes": {<area>: {<state>: <probability>}}, "sources": [...]}

with additions: ``as_of``, ``area``, each route's ``in_words`` and each step's
``date``, ``branch`` and ``known``; ``branches`` (each branch point with the
probability of each option); ``outcome_labels``; ``family_summary`` (sentences
for a family, "about 8 in 10 young people in this situation …"); and
``caveat``. The renderers read only this dict, so the roadmap page, the HTML
page and the command line all say the same thing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from cohorts import PersonRoutes
from pathways import Reference
from roadmaps.rule_ids import NEET, NHS_CONTINUING_HEALTHCARE

#: The four Preparing for Adulthood (PfA) areas, in the order the Transitions Strategy lists them.
AREA_LABELS = {
    "employment": "Education and employment",
    "independent-living": "Independent living",
    "community": "Friends, relationships and community",
    "health": "Good health",
}
#: The state reported for an area on a route where no branch point sets it.
NOT_COVERED = "not-covered"
_STATE_WORDS = {
    NEET: "Not in education, employment or training",
    NHS_CONTINUING_HEALTHCARE: "NHS Continuing Healthcare",
    "not-covered": "Not covered by these routes",
}
CAVEAT = (
    "These numbers describe young people in a similar situation, not what will happen to one young "
    "person. Most of them are estimates by professionals (expert priors), not measurements, and they "
    "should never be used to decide what support someone gets."
)
SOURCE_WORDS = {
    "seed": "published local figure",
    "expert-prior": "professionals' estimate",
    "calibrated": "estimate updated from recorded journeys",
    "reform": "value changed by a reform",
    "recorded": "recorded in the young person's file",
}


def in_words(probability: float) -> str:
    """A probability as a family would say it.

    Halves round to even, so the two sides of a yes/no branch add up to 10
    (0.75 and 0.25 read "about 8 in 10" and "about 2 in 10").

    >>> [in_words(p) for p in (0.75, 0.25, 0.04, 0.004, 0.0, 0.97, 1.0)]
    ['about 8 in 10', 'about 2 in 10', 'about 4 in 100', 'fewer than 1 in 100', 'none', 'nearly all', 'all']
    """
    if probability <= 0.0:
        return "none"
    if probability >= 1.0:
        return "all"
    if probability >= 0.95:
        return "nearly all"
    if probability >= 0.095:
        return f"about {round(probability * 10)} in 10"
    if probability >= 0.01:
        return f"about {max(1, round(probability * 100))} in 100"
    return "fewer than 1 in 100"


def _lower_first(text: str) -> str:
    """Lower-case the first letter unless it starts an acronym (``NHS`` stays)."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def state_label(state: str) -> str:
    """A plain-English label for an outcome state id (``paid-work`` -> ``Paid work``)."""
    return _STATE_WORDS.get(state) or state.replace("-", " ").capitalize()


def _percent(probability: float) -> str:
    return f"{probability * 100:.1f}%"


def _reference_json(ref: Reference) -> dict[str, Any]:
    return ref.model_dump(mode="json", exclude_none=True)


def _sources(routes: PersonRoutes) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for point in routes.branch_points:
        branch = point.branch
        if point.known is not None and point.recorded is not None:
            event, when = point.recorded
            out.append({
                "branch": branch.id, "branch_label": branch.label, "source": "recorded",
                "option": point.known, "event": event, "date": when.isoformat(),
            })
            continue
        for index in point.tables:
            table = branch.probabilities[index]
            entry: dict[str, Any] = {
                "branch": branch.id,
                "branch_label": branch.label,
                "table": index,
                "situation": table.situation,
                "source": table.source,
                "values": dict(table.values),
                "reviewed_on": table.reviewed_on.isoformat(),
                "references": [_reference_json(ref) for ref in table.references],
            }
            if table.rationale:
                entry["rationale"] = " ".join(table.rationale.split())
            if table.prior_cases is not None:
                entry["prior_cases"] = table.prior_cases
            out.append(entry)
    return out


def routes_view(routes: PersonRoutes, *, top: int = 10) -> dict[str, Any]:
    """The routes of one young person as the ``pathways routes`` JSON object.

    Args:
        routes: the person's route graph (:func:`cohorts._routes.person_routes`).
        top: how many of the most likely routes to list.

    Raises:
        InputError: ``top`` is not a whole number >= 0.
    """
    analysis = routes.graph.analyse(top=top)
    steps = routes.steps
    route_list = []
    for route in analysis.routes:
        route_list.append({
            "probability": route.probability,
            "in_words": in_words(route.probability),
            "steps": [
                {
                    "id": steps[node.id].option,
                    "label": steps[node.id].label,
                    "age": steps[node.id].age,
                    "date": steps[node.id].date.isoformat(),
                    "branch": steps[node.id].branch,
                    "known": steps[node.id].known,
                }
                for node in route.steps
            ],
        })
    outcomes: dict[str, dict[str, float]] = {}
    for area in AREA_LABELS:
        found = analysis.outcomes.get(area)
        states = dict(found.states) if found is not None else {}
        unset = found.unset if found is not None else 1.0
        if unset > 0.0:
            states[NOT_COVERED] = unset
        outcomes[area] = states
    options = routes.option_probabilities(analysis)
    branches = []
    for point in routes.branch_points:
        branch = point.branch
        probabilities = options.get(branch.id, {})
        branches.append({
            "id": branch.id,
            "label": branch.label,
            "question": branch.question,
            "age": point.age,
            "date": point.date.isoformat(),
            "known": point.known,
            "sources": sorted({branch.probabilities[i].source for i in point.tables})
            if point.known is None else ["recorded"],
            "options": [
                {
                    "id": option.id,
                    "label": option.label,
                    "family_text": option.family_text,
                    "probability": probabilities[option.id],
                    "in_words": in_words(probabilities[option.id]),
                }
                for option in branch.options if option.id in probabilities
            ],
        })
    view: dict[str, Any] = {
        "person_id": routes.person_id,
        "as_of": routes.as_of.isoformat(),
        "area": routes.area,
        "total_routes": analysis.total_routes,
        "probability_sum": analysis.probability_sum,
        "routes": route_list,
        "outcomes": outcomes,
        "outcome_labels": {
            "areas": dict(AREA_LABELS),
            "states": {state: state_label(state) for area in outcomes.values() for state in area},
        },
        "branches": branches,
        "sources": _sources(routes),
        "caveat": CAVEAT,
    }
    view["family_summary"] = family_summary(view)
    return view


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def family_summary(view: dict[str, Any]) -> list[str]:
    """Sentences for a family: what is likely at each branch point, and by 25.

    >>> view = {"branches": [{"label": "Adult social care decision", "age": 18, "known": None,
    ...     "sources": ["seed"], "options": [
    ...     {"id": "y", "label": "Eligible", "family_text": "are found eligible for adult social care",
    ...      "probability": 0.8, "in_words": "about 8 in 10"},
    ...     {"id": "n", "label": "Not eligible", "family_text": "are not eligible",
    ...      "probability": 0.2, "in_words": "about 2 in 10"}]}], "outcomes": {}}
    >>> family_summary(view)[0]
    'At 18 (adult social care decision): about 8 in 10 young people in this situation are found eligible for adult social care, and about 2 in 10 are not eligible. This is a published local figure.'
    """
    sentences = []
    for branch in view["branches"]:
        head = f"At {branch['age']} ({_lower_first(branch['label'])})"
        if branch["known"] is not None:
            option = next(o for o in branch["options"] if o["id"] == branch["known"])
            sentences.append(f"{head}: recorded in the young person's file: {_lower_first(option['label'])}.")
            continue
        ranked = sorted((o for o in branch["options"] if o["probability"] > 0.0),
                        key=lambda o: -o["probability"])
        parts = [f"{o['in_words']} {o['family_text']}" for o in ranked]
        parts[0] = f"{ranked[0]['in_words']} young people in this situation {ranked[0]['family_text']}"
        clauses = ", ".join(parts[:-1]) + (", and " if len(parts) > 1 else "") + parts[-1]
        kinds = [SOURCE_WORDS[s] for s in branch["sources"]]
        source = f"This is a {' and a '.join(kinds)}." if kinds else ""
        sentences.append(f"{head}: {clauses}. {source}".strip())
    for area, states in view["outcomes"].items():
        shown = sorted(((p, s) for s, p in states.items() if s != NOT_COVERED and p > 0.0), key=lambda x: -x[0])
        if not shown:
            continue
        label = AREA_LABELS.get(area, area)
        parts = [f"{in_words(p)} {_lower_first(state_label(s))}" for p, s in shown]
        sentences.append(f"{label} by 25: " + "; ".join(parts) + ".")
    return [_capitalise(s) for s in sentences]


# ---------------------------------------------------------------- renderers


def render_routes_json(view: dict[str, Any]) -> str:
    """The view as JSON text (keys in a fixed order, so the output is the same on every run)."""
    return json.dumps(view, indent=2, ensure_ascii=False) + "\n"


def _route_line(route: dict[str, Any]) -> str:
    steps = [f"{s['label']} ({s['age']})" for s in route["steps"] if s["branch"] is not None]
    return " -> ".join(steps) if steps else "no branch points"


def render_routes_text(view: Mapping[str, Any], *, sources: bool = True) -> str:
    """Plain text for the terminal, a case note or a letter to the family."""
    total = view["total_routes"]
    lines = [
        f"Likely routes for {view['person_id']} from 14 to 25, as of {view['as_of']} ({view['area']})",
        "",
        *_wrap(view["caveat"]),
        "",
        f"Possible routes: {total:,} (their probabilities add up to {view['probability_sum']:.12g}).",
        "",
        "What is likely",
        "--------------",
    ]
    for sentence in view["family_summary"]:
        lines += _wrap(sentence, bullet="- ")
    title = f"The {len(view['routes'])} most likely routes"
    lines += ["", title, "-" * len(title)]
    for number, route in enumerate(view["routes"], 1):
        head = f"{number}. {_capitalise(route['in_words'])} ({_percent(route['probability'])}): "
        lines += _wrap(head + _route_line(route), indent=" " * 4)
    if sources:
        lines += ["", "Where the numbers come from", "---------------------------"]
        for entry in view["sources"]:
            lines += _wrap(_source_line(entry), bullet="- ")
    return "\n".join(lines) + "\n"


def _source_line(entry: dict[str, Any]) -> str:
    if entry["source"] == "recorded":
        return f"{entry['branch']}: {entry['option']} (recorded: {entry['event']} on {entry['date']})"
    values = ", ".join(f"{k} {v:g}" for k, v in entry["values"].items())
    cite = "; ".join(
        f"seed {r['seed']}: \"{r['quote']}\"" if r.get("seed") else (r.get("title") or r.get("instrument") or "")
        for r in entry["references"]
    )
    why = f" {entry['rationale']}" if entry.get("rationale") else ""
    refs = f" Evidence: {cite}." if cite else ""
    return (f"{entry['branch']} ({entry['situation'] or 'all'}): {values}. "
            f"{SOURCE_WORDS[entry['source']].capitalize()}, reviewed {entry['reviewed_on']}.{why}{refs}")


def _wrap(text: str, *, bullet: str = "", indent: str | None = None, width: int = 100) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width=width, initial_indent=bullet, break_on_hyphens=False,
                         subsequent_indent=indent if indent is not None else " " * len(bullet)) or [""]


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_routes_markdown(view: Mapping[str, Any], *, heading_level: int = 2) -> str:
    """Markdown: the family summary, the most likely routes and the sources, as one section."""
    h = "#" * heading_level
    out = [f"{h} Likely routes from 14 to 25", "", f"> {view['caveat']}", ""]
    out += [f"There are **{view['total_routes']:,}** possible routes for young people in this situation.", ""]
    out += [f"- {_md(s)}" for s in view["family_summary"]]
    out += ["", f"{h}# The most likely routes", "", "| # | How likely | Route |", "|---|---|---|"]
    for number, route in enumerate(view["routes"], 1):
        out.append(f"| {number} | {_capitalise(route['in_words'])} ({_percent(route['probability'])}) "
                   f"| {_md(_route_line(route))} |")
    out += ["", f"{h}# Outcomes by 25 (Preparing for Adulthood areas)", "", "| Area | Outcome | How likely |",
            "|---|---|---|"]
    for area, states in view["outcomes"].items():
        for state, probability in sorted(states.items(), key=lambda item: -item[1]):
            out.append(f"| {AREA_LABELS.get(area, area)} | {_md(state_label(state))} "
                       f"| {in_words(probability)} ({_percent(probability)}) |")
    out += ["", f"{h}# Where the numbers come from", ""]
    out += [f"- {_md(_source_line(entry))}" for entry in view["sources"]]
    return "\n".join(out) + "\n"
