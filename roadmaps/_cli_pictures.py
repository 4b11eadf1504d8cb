"""``pathways roadmap --format html|svg`` with ``--audience`` and ``--lanes`` (issue 6)."""

from __future__ import annotations

import argparse
from typing import Any

from ._cli import RENDERERS, ROADMAP_HOOKS


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--audience", choices=("practitioner", "family"), default="practitioner",
                        help="html/svg: practitioner (citations and rule ids, the default) or family (easy read)")
    parser.add_argument("--lanes", choices=("agency", "pfa"), default="agency",
                        help="svg: one lane per agency (default) or per Preparing for Adulthood area")


def _nothing_after(*_: Any) -> None:
    return None


def _html(roadmap: Any, args: argparse.Namespace) -> str:
    from ._html import render_html

    return render_html(roadmap, audience=args.audience, routes=roadmap.extras.get("routes"))


def _svg(roadmap: Any, args: argparse.Namespace) -> str:
    from ._svg import render_svg

    return render_svg(roadmap, lanes=args.lanes, audience=args.audience)


RENDERERS["html"] = _html
RENDERERS["svg"] = _svg
ROADMAP_HOOKS.append((_add_arguments, _nothing_after))
