"""The ``pathways`` command-line tool: the entry point and the list of sub-commands.

Every user error (bad input, bad rule data, a bad argument) prints one line,
``error: <message>``, on stderr and exits with code 2, with nothing on stdout.
A real bug keeps its traceback.

Each sub-command is a module of this package with ``NAME``, ``HELP``,
``add_arguments(parser)`` and ``run(args) -> exit code``, listed here in
:data:`COMMANDS`. The modules import their heavy dependencies inside ``run``,
so ``pathways --help`` starts fast.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from pathways import PathwaysError

from . import (
    _calibrate,
    _check,
    _compare,
    _graph,
    _import,
    _population,
    _roadmap,
    _routes,
    _scenarios,
    _serve,
    _synth,
)
from ._common import Parser

EXIT_USAGE = 2

#: The sub-commands, in the order ``pathways --help`` lists them.
COMMANDS = (
    _roadmap, _check, _graph, _scenarios, _routes, _calibrate, _import, _population, _synth,
    _compare, _serve,
)  # fmt: skip


def build_parser() -> Parser:
    """The argument parser with every sub-command."""
    parser = Parser(prog="pathways", description="Transition pathways to adulthood in England.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for command in COMMANDS:
        p = sub.add_parser(command.NAME, help=command.HELP)
        command.add_arguments(p)
        p.set_defaults(handler=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``pathways`` with these arguments (default: the command line); return the exit code."""
    try:
        args = build_parser().parse_args(argv)
        code: int = args.handler(args)
        return code
    except PathwaysError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
