"""``pathways routes``: every route from 14 to 25 for one young person, with how likely each is.

As everywhere in the command line, a user error is one ``error:`` line on
stderr and exit code 2.
"""

from __future__ import annotations

import argparse

from ._common import add_person_options, count, load_roadmap_inputs, with_reforms, write_output

NAME = "routes"
HELP = "every route from 14 to 25 for a young person, with how likely each is"
#: How many routes ``pathways routes`` lists by default.
DEFAULT_TOP = 10


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_person_options(p)
    p.add_argument("--top", type=count, default=DEFAULT_TOP, metavar="K",
                   help=f"how many of the most likely routes to list (default {DEFAULT_TOP})")
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    p.add_argument("--reform", action="append", metavar="REFORM.yaml",
                   help="use the probabilities (or rules) of this reform, e.g. a calibration (repeatable)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")


def run(args: argparse.Namespace) -> int:
    """Every route from 14 to 25 for one young person, with how likely each is."""
    from cohorts import person_routes
    from roadmaps.render import (
        render_routes_json,
        render_routes_markdown,
        render_routes_text,
        routes_view,
    )

    person, pathway, as_of, settings, params = load_roadmap_inputs(args)
    pathway = with_reforms(pathway, args.reform)
    routes = person_routes(
        person, as_of=as_of, pathway=pathway, settings=settings,  # type: ignore[arg-type]
        parameters=params or None, source=args.person_file,
    )
    view = routes_view(routes, top=args.top)
    renderers = {"text": render_routes_text, "markdown": render_routes_markdown, "json": render_routes_json}
    write_output(renderers[args.format](view), args.output)
    return 0
