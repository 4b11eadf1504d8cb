"""The ``pathways`` command-line tool.

Every user error (bad input, bad rule data, a bad argument) prints one line,
``error: <message>``, on stderr and exits with code 2, with nothing on stdout.
A real bug keeps its traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import NoReturn

from pathways import InputError, PathwaysError

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        raise InputError(f"{self.prog}: {message} (see '{self.prog} --help')")


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (expected YYYY-MM-DD)") from None


def parse_assignment(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"'{text}' is not KEY=VALUE")
    return key.strip(), value.strip()


def write_output(text: str | bytes, out: str | None) -> None:
    """Write to a file (atomically, so nothing is half-written) or to stdout."""
    if out is None:
        if isinstance(text, bytes):
            sys.stdout.buffer.write(text)
        else:
            sys.stdout.write(text)
        return
    target = Path(out)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        if isinstance(text, bytes):
            tmp.write_bytes(text)
        else:
            tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write the output file ({exc.strerror})", file=out) from None


def split_overrides(pairs: Sequence[tuple[str, str]], pathway: object) -> tuple[dict[str, str], dict[str, object]]:
    """Split ``--set`` pairs into setting overrides and overridable-parameter overrides."""
    from pathways import Parameter  # local import keeps start-up light

    rules = pathway.rules  # type: ignore[attr-defined]
    settings: dict[str, str] = {}
    params: dict[str, object] = {}
    for key, value in pairs:
        if key in rules.settings:
            settings[key] = value
        elif key in rules.parameters:
            base = rules.parameters[key]
            if not base.overridable:
                raise InputError(f"parameter '{key}' is statutory and cannot be set; use a reform", id="--set")
            try:
                number: int | float = int(value)
            except ValueError:
                raise InputError(f"'{key}' needs a whole number (got '{value}')", id="--set") from None
            params[key] = Parameter.model_validate(
                {**base.model_dump(exclude={"values"}), "values": {min(base.values): number}}
            )
        else:
            raise InputError(f"'{key}' is neither a setting nor a parameter", id="--set")
    return settings, params


# ---------------------------------------------------------------- commands


def _add_person_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("person_file", metavar="PERSON_FILE", help="the young person's file (YAML or JSON)")
    p.add_argument("--as-of", type=parse_date, default=None, help="date to draw the roadmap up on (default: today)")
    p.add_argument("--area", default="england", help="england (default), leicester or peterborough")
    p.add_argument("--leap-day", choices=("mar1", "feb28"), default=None,
                   help="birthday of someone born on 29 February in other years (default: mar1)")
    p.add_argument("--set", dest="overrides", type=parse_assignment, action="append", default=[],
                   metavar="KEY=VALUE", help="a setting or overridable parameter, e.g. pathway-review-months=12")


def load_roadmap_inputs(args: argparse.Namespace) -> tuple[object, object, date, dict[str, str], dict[str, object]]:
    """Person, pathway, as-of date, settings and parameters from the common options."""
    from cohorts import load_pathway, load_person

    pathway = load_pathway(args.area)
    person = load_person(args.person_file)
    as_of = args.as_of or date.today()
    settings, params = split_overrides(args.overrides, pathway)
    if args.leap_day:
        settings["leap-day-policy"] = args.leap_day
    return person, pathway, as_of, settings, params


def cmd_roadmap(args: argparse.Namespace) -> int:
    from ._render import render_json, render_markdown, render_text
    from ._roadmap import generate_roadmap

    person, pathway, as_of, settings, params = load_roadmap_inputs(args)
    for cohort in args.cohort or ():
        if cohort not in pathway.rules.cohorts:  # type: ignore[attr-defined]
            known = ", ".join(sorted(pathway.rules.cohorts))  # type: ignore[attr-defined]
            raise InputError(f"unknown cohort '{cohort}' (choose from {known})", id="--cohort")
    diff = None
    if args.reform:
        from pathways._reform import load_reform, reformed_pathway

        from ._compare import compare_roadmaps

        reforms = [load_reform(path) for path in args.reform]
        baseline = generate_roadmap(
            person, as_of=as_of, pathway=pathway, settings=settings, parameters=params or None,  # type: ignore[arg-type]
            source=args.person_file, cohorts=tuple(args.cohort) if args.cohort else None,
        )
        pathway = reformed_pathway(pathway, reforms)  # type: ignore[arg-type]
    roadmap = generate_roadmap(
        person, as_of=as_of, pathway=pathway, settings=settings, parameters=params or None,  # type: ignore[arg-type]
        source=args.person_file, cohorts=tuple(args.cohort) if args.cohort else None,
    )
    if args.reform:
        diff = compare_roadmaps(baseline, roadmap, tuple(r.name for r in reforms))
        roadmap.extras["reform"] = diff.as_json()
    for _, after in ROADMAP_HOOKS:
        after(roadmap, args, person, pathway)
    def text() -> str:
        out = render_text(roadmap, explain=args.explain)
        if diff is not None:
            from ._compare import render_diff_text

            out += render_diff_text(diff)
        return out

    renderers: dict[str, Callable[[], str]] = {
        "text": text,
        "markdown": lambda: render_markdown(roadmap),
        "json": lambda: render_json(roadmap),
    }
    extra = RENDERERS.get(args.format)
    if extra is not None:
        write_output(extra(roadmap, args), args.output)
        return 0
    write_output(renderers[args.format](), args.output)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from cohorts import DATA_ROOT, FACT_TYPES
    from pathways import area_ids, load_pathway
    from pathways._check import check_pathway

    root = Path(args.rules_dir) if args.rules_dir else DATA_ROOT
    if not root.is_dir():
        raise InputError("not a rule-data directory", file=str(root))
    areas = area_ids(root)
    if not areas:
        raise InputError("no area folders with an area.yaml", file=str(root))
    today = args.as_of or date.today()
    seen: set[str] = set()
    lines: list[str] = []  # printed only once every area has loaded: an error leaves stdout empty
    for area in areas:
        graph = load_pathway(root, area, facts=FACT_TYPES)
        found = [f.one_line() for f in check_pathway(graph, today=today)]
        found += [line for extra in CHECKS for line in extra(graph)]
        for line in found:
            if line not in seen:
                seen.add(line)
                lines.append(f"{area}: {line}")
    total = len(lines)
    print("\n".join([*lines, f"checked {len(areas)} areas ({', '.join(areas)}): 0 errors, {total} warnings"]))
    return 1 if args.strict and total else 0


def cmd_graph(args: argparse.Namespace) -> int:
    from cohorts import load_pathway
    from pathways._check import check_pathway
    from pathways._dot import render_dot, to_dot

    pathway = load_pathway(args.area)
    if args.cohort and args.cohort not in pathway.rules.cohorts:
        raise InputError(f"unknown cohort '{args.cohort}' (choose from {', '.join(sorted(pathway.rules.cohorts))})",
                         id="--cohort")
    warnings = {f.id for f in check_pathway(pathway, today=date.today()) if f.code == "service-without-successor"}
    highlight: set[str] = set()
    if args.person:
        from cohorts import load_person

        from ._roadmap import generate_roadmap

        roadmap = generate_roadmap(load_person(args.person), as_of=date.today(), pathway=pathway,
                                   source=args.person)
        highlight = {e.id for e in roadmap.entries} | {s.id for s in roadmap.services}
    dot = to_dot(pathway, cohort=args.cohort, warnings=warnings, highlight=highlight)
    if args.format == "dot":
        write_output(dot, args.output)
    else:
        write_output(render_dot(dot, args.format), args.output)
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    from ._scenarios import run_scenario, scenario_files

    failed = 0
    files = [f for target in args.targets for f in scenario_files(Path(target))]
    if not files:
        raise InputError("no scenario files found", file=" ".join(args.targets))
    for path in files:
        if not path.is_file():
            raise InputError("no such scenario file", file=str(path))
        result = run_scenario(path)
        print(f"{'PASS' if result.passed else 'FAIL'}  {path}  {result.name}")
        for failure in result.failures:
            print(f"      {failure}")
        failed += not result.passed
    print(f"{len(files) - failed} passed, {failed} failed")
    return 1 if failed else 0


#: Extra roadmap formats (html, svg) registered by other modules: name -> renderer(roadmap, args).
RENDERERS: dict[str, Callable[[object, argparse.Namespace], str]] = {}
#: Extra checks run by ``pathways check``: graph -> warning lines.
CHECKS: list[Callable[[object], list[str]]] = []
#: Extra sub-commands: (name, help, add-arguments, handler).
COMMANDS: list[tuple[str, str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]] = []
#: Extra ``roadmap`` options: (add-arguments, after(roadmap, args, person, pathway)) run after generation.
ROADMAP_HOOKS: list[tuple[Callable[[argparse.ArgumentParser], None], Callable[..., None]]] = []

#: Modules that register sub-commands, formats and hooks when imported (one per capability).
EXTENSION_MODULES = (
    "roadmaps._cli_pictures",
    "roadmaps._cli_routes",
    "roadmaps._cli_population",
    "roadmaps._cli_compare",
    "roadmaps._cli_serve",
)
_registered = False


def _register_extensions() -> None:
    """Import the command modules that exist; each registers itself."""
    global _registered
    if _registered:
        return
    import importlib

    for module in EXTENSION_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
    _registered = True


def build_parser() -> argparse.ArgumentParser:
    _register_extensions()
    parser = _Parser(prog="pathways", description="Transition pathways to adulthood in England.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("roadmap", help="a young person's dated roadmap to 25, with gaps")
    _add_person_options(p)
    p.add_argument("--format", choices=("text", "markdown", "json", *sorted(RENDERERS)), default="text")
    p.add_argument("--cohort", action="append", help="show only this cohort's entries (repeatable)")
    p.add_argument("--explain", action="store_true", help="text format: say which inputs and rules made each line")
    p.add_argument("--reform", action="append", metavar="REFORM.yaml",
                   help="show the roadmap under this reform, marked with its differences (repeatable, in order)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    for add_arguments, _ in ROADMAP_HOOKS:
        add_arguments(p)
    p.set_defaults(handler=cmd_roadmap)

    p = sub.add_parser("check", help="validate rule data and lint the pathway structure")
    p.add_argument("rules_dir", metavar="RULES_DIR", nargs="?", help="rule-data directory (default: the shipped data)")
    p.add_argument("--as-of", type=parse_date, default=None, help="date for the review-age check (default: today)")
    p.add_argument("--strict", action="store_true", help="exit 1 when there are warnings")
    p.set_defaults(handler=cmd_check)

    p = sub.add_parser("graph", help="the pathway map as DOT, SVG or PNG")
    p.add_argument("--cohort", help="only this cohort (care-leavers, send, adult-social-care)")
    p.add_argument("--area", default="england")
    p.add_argument("--person", metavar="PERSON_FILE", help="highlight this young person's route")
    p.add_argument("--format", choices=("dot", "svg", "png"), default="dot")
    p.add_argument("-o", "--output", metavar="FILE")
    p.set_defaults(handler=cmd_graph)

    p = sub.add_parser("scenarios", help="run scenario files (person, as-of date, expected milestones and gaps)")
    p.add_argument("targets", metavar="FILE_OR_DIR", nargs="+", help="scenario YAML files or folders of them")
    p.set_defaults(handler=cmd_scenarios)

    for name, help_text, add_arguments, handler in COMMANDS:
        p = sub.add_parser(name, help=help_text)
        add_arguments(p)
        p.set_defaults(handler=handler)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
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


if __name__ == "__main__":  # pragma: no cover
    # Run the imported module's main, not this __main__ copy: extension modules register
    # their commands and formats into ``roadmaps._cli``.
    from roadmaps._cli import main as _main

    sys.exit(_main())
