"""The ``compare`` sub-command (issue 5).

``pathways compare PEOPLE_CSV [--episodes EPISODES_CSV] [--events EVENTS_CSV]
--reform REFORM.yaml [--reform MORE.yaml …] [--as-of YYYY-MM-DD] [--area AREA]
[--workers N] --out DIR`` runs every young person on the baseline and under the
reforms (applied together, in the order given) and writes ``compare.json``,
the tables, ``rejected.csv`` and a readable report (``compare.md``,
``compare.html``) into ``DIR``, plus the local-only list of young people whose
roadmap changes (``--no-people-list`` leaves it out). Exit 0 when the run
completes, even with rejected rows; 2 with one ``error:`` line for unusable
arguments, files or reforms (nothing written).
"""

from __future__ import annotations

import argparse

from ._population import add_population_inputs, population_options, print_accounting

NAME = "compare"
HELP = "baseline versus reform over a whole population: gaps, milestone moves, graph diff"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_population_inputs(p)
    p.add_argument(
        "--reform",
        action="append",
        required=True,
        metavar="REFORM.yaml",
        help="a reform to compare with the baseline (repeatable: applied together, in order)",
    )
    p.add_argument(
        "--no-people-list",
        action="store_true",
        help="do not write local-only/people-changed.csv (the list of young people, by id, "
        "whose roadmap changes)",
    )


def run(args: argparse.Namespace) -> int:
    from pathways import load_reform
    from roadmaps.population import (
        Scenario,
        check_out_dir,
        compare_population_files,
        write_comparison_report,
    )

    options = population_options(args)
    scenario = Scenario(tuple(load_reform(path) for path in args.reform))
    check_out_dir(args.out)  # fail before a long run, not after it
    run = compare_population_files(
        args.people_csv,
        args.episodes,
        args.events,
        scenarios=[scenario],
        list_changed=not args.no_people_list,
        **options,
    )
    written = write_comparison_report(run, args.out, people_list=not args.no_people_list)
    assert run.accounting is not None  # a run from files always has its accounting
    print_accounting(run.accounting)
    result = run.scenarios[0]
    print(f"reform: {result.name}; young people whose roadmap changes: {result.people_changed}")
    print(f"wrote {len(written)} files to {args.out}: compare.json, compare.html, compare.md, "
          "rejected.csv and tables/")  # fmt: skip
    if not args.no_people_list:
        print("local-only/people-changed.csv lists young people by id: for your own checks, "
              "not for publication")  # fmt: skip
    return 0
