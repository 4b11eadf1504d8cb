"""``pathways roadmap``: one young person's dated roadmap to 25, with gaps.

Text, Markdown and JSON, or a self-contained HTML page or SVG timeline
(``--audience``, ``--lanes``); ``--reform`` marks the differences a reform
makes, and ``--routes`` adds the likely routes from 14 to 25.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable
from typing import Any

from pathways import InputError

from ._common import add_person_options, count, load_roadmap_inputs, split_overrides, write_output

NAME = "roadmap"
HELP = "a young person's dated roadmap to 25, with gaps"
FORMATS = ("html", "json", "markdown", "svg", "text")
#: How many routes ``pathways roadmap --routes`` shows by default.
DEFAULT_ROUTES_TOP = 5


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_person_options(p)
    p.add_argument("--format", choices=("text", "markdown", "json", "html", "svg"), default="text")
    p.add_argument("--cohort", action="append", help="show only this cohort's entries (repeatable)")
    p.add_argument("--explain", action="store_true", help="text format: say which inputs and rules made each line")
    p.add_argument("--reform", action="append", metavar="REFORM.yaml",
                   help="show the roadmap under this reform, marked with its differences (repeatable, in order)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p.add_argument("--audience", choices=("practitioner", "family"), default="practitioner",
                   help="html/svg: practitioner (citations and rule ids, the default) or family (easy read)")
    p.add_argument("--lanes", choices=("agency", "pfa"), default="agency",
                   help="svg: one lane per agency (default) or per Preparing for Adulthood area")
    p.add_argument("--routes", action="store_true",
                   help="add the likely routes from 14 to 25, worded for a family (JSON: a 'routes' object)")
    p.add_argument("--routes-top", type=count, default=DEFAULT_ROUTES_TOP, metavar="K",
                   help=f"with --routes: how many of the most likely routes to show (default {DEFAULT_ROUTES_TOP})")


def run(args: argparse.Namespace) -> int:
    from roadmaps import compare_roadmaps, generate_roadmap

    person, pathway, as_of, settings, params = load_roadmap_inputs(args)
    for cohort in args.cohort or ():
        if cohort not in pathway.rules.cohorts:  # type: ignore[attr-defined]
            known = ", ".join(sorted(pathway.rules.cohorts))  # type: ignore[attr-defined]
            raise InputError(f"unknown cohort '{cohort}' (choose from {known})", id="--cohort")
    cohorts = tuple(args.cohort) if args.cohort else None
    diff = None
    if args.reform:
        from pathways import load_reform, reformed_pathway

        reforms = [load_reform(path) for path in args.reform]
        baseline = generate_roadmap(
            person, as_of=as_of, pathway=pathway, settings=settings, parameters=params or None,  # type: ignore[arg-type]
            source=args.person_file, cohorts=cohorts,
        )
        pathway = reformed_pathway(pathway, reforms)  # type: ignore[arg-type]
    roadmap = generate_roadmap(
        person, as_of=as_of, pathway=pathway, settings=settings, parameters=params or None,  # type: ignore[arg-type]
        source=args.person_file, cohorts=cohorts,
    )
    if args.reform:
        diff = compare_roadmaps(baseline, roadmap, tuple(r.name for r in reforms))
        roadmap = dataclasses.replace(roadmap, reform=diff)
    if args.routes:
        roadmap = dataclasses.replace(roadmap, routes=_routes(roadmap, args, person, pathway))
    write_output(_renderer(args, roadmap, diff)(), args.output)
    return 0


def _renderer(args: argparse.Namespace, roadmap: Any, diff: Any) -> Callable[[], str]:
    from roadmaps.render import render_html, render_json, render_markdown, render_svg, render_text

    def text() -> str:
        out = render_text(roadmap, explain=args.explain)
        if diff is not None:
            from roadmaps import render_diff_text

            out += render_diff_text(diff)
        return out

    renderers: dict[str, Callable[[], str]] = {
        "text": text,
        "markdown": lambda: render_markdown(roadmap),
        "json": lambda: render_json(roadmap),
        "html": lambda: render_html(roadmap, audience=args.audience),
        "svg": lambda: render_svg(roadmap, lanes=args.lanes, audience=args.audience),
    }
    return renderers[args.format]


def _routes(roadmap: Any, args: argparse.Namespace, person: Any, pathway: Any) -> Any:
    """The ``routes`` view (:func:`roadmaps.render.routes_view`) for ``--routes``."""
    from cohorts import person_routes
    from roadmaps.render import routes_view

    _, params = split_overrides(args.overrides, pathway)
    routes = person_routes(
        person, as_of=roadmap.as_of, pathway=pathway, settings=roadmap.settings,
        parameters=params or None, source=args.person_file,
    )
    return routes_view(routes, top=args.routes_top)
