"""``pathways graph``: the pathway map as DOT, SVG or PNG, optionally with one young person's route."""

from __future__ import annotations

import argparse
from datetime import date

from pathways import InputError
from roadmaps.rule_ids import DEFAULT_AREA

from ._common import write_output

NAME = "graph"
HELP = "the pathway map as DOT, SVG or PNG"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cohort", help="only this cohort (care-leavers, send, adult-social-care)")
    p.add_argument("--area", default=DEFAULT_AREA)
    p.add_argument("--person", metavar="PERSON_FILE", help="highlight this young person's route")
    p.add_argument("--format", choices=("dot", "svg", "png"), default="dot")
    p.add_argument("-o", "--output", metavar="FILE")


def run(args: argparse.Namespace) -> int:
    from cohorts import load_pathway
    from pathways import check_pathway, render_dot, to_dot

    pathway = load_pathway(args.area)
    if args.cohort and args.cohort not in pathway.rules.cohorts:
        raise InputError(f"unknown cohort '{args.cohort}' (choose from {', '.join(sorted(pathway.rules.cohorts))})",
                         id="--cohort")
    warnings = {f.id for f in check_pathway(pathway, today=date.today()) if f.code == "service-without-successor"}
    highlight: set[str] = set()
    if args.person:
        from cohorts import load_person
        from roadmaps import generate_roadmap

        roadmap = generate_roadmap(load_person(args.person), as_of=date.today(), pathway=pathway,
                                   source=args.person)
        highlight = {e.id for e in roadmap.entries} | {s.id for s in roadmap.services}
    dot = to_dot(pathway, cohort=args.cohort, warnings=warnings, highlight=highlight)
    if args.format == "dot":
        write_output(dot, args.output)
    else:
        write_output(render_dot(dot, args.format), args.output)
    return 0
