"""``pathways import``: turn a statutory return into the project's three files (issue 14).

``pathways import ssda903 FILE... [--oc3 OC3_CSV] [--uasc UASC_CSV] --out DIR``
reads the SSDA903 return: its CSV tables (each recognised by its columns:
Header, Episodes, OC3, UASC; other tables are noted and skipped) or its XML
files, several years at once (oldest first). ``pathways import sen2
FILE.xml... --out DIR`` reads the SEN2 return (EHC plans, requests and
reviews; each year's file, oldest first) and prints the share of new plans
issued within 20 weeks. ``pathways import cin FILE.xml... --out DIR`` reads
the Children in Need census.

Each writes ``people.csv``, ``episodes.csv`` and ``events.csv`` (as ``pathways
synth`` names them, so ``pathways population DIR/people.csv --episodes
DIR/episodes.csv --events DIR/events.csv`` runs on them) and the import
report, ``import-report.json`` and ``import-report.md``, into ``DIR``: all
new, or (on any error) as it was. The row accounting goes to stdout. Exit 0
when the import completes, even with rejected rows; 2 with one ``error:``
line for an unusable file (a malformed or hostile XML file included).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

NAME = "import"
HELP = "turn a statutory return (SSDA903, SEN2, CIN census) into people.csv, episodes.csv, events.csv"

if TYPE_CHECKING:
    from roadmaps.population import ImportResult


def add_arguments(p: argparse.ArgumentParser) -> None:
    returns = p.add_subparsers(dest="return_name", required=True, parser_class=type(p),
                               metavar="RETURN")  # fmt: skip
    ssda903 = returns.add_parser(
        "ssda903", help="the children looked after return (CSV tables or XML, several years)"
    )
    ssda903.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="Header and Episodes CSV files (recognised by their columns) or XML files, oldest first",
    )
    ssda903.add_argument("--oc3", action="append", default=[], metavar="OC3_CSV",
                         help="the OC3 table (care leavers); may be repeated")  # fmt: skip
    ssda903.add_argument("--uasc", action="append", default=[], metavar="UASC_CSV",
                         help="the UASC table; may be repeated")  # fmt: skip
    ssda903.add_argument("--out", metavar="DIR", required=True, help="folder for the outputs")
    sen2 = returns.add_parser("sen2", help="the SEN2 return (XML, 2023 onwards): EHC plans, "
                              "requests and reviews")  # fmt: skip
    sen2.add_argument("files", nargs="+", metavar="FILE.xml", help="SEN2 XML files, oldest first")
    sen2.add_argument("--out", metavar="DIR", required=True, help="folder for the outputs")
    cin = returns.add_parser("cin", help="the Children in Need census (XML), for disability")
    cin.add_argument("files", nargs="+", metavar="FILE.xml", help="CIN census XML files, oldest first")
    add_care_needs_option(cin)
    cin.add_argument("--out", metavar="DIR", required=True, help="folder for the outputs")


def add_care_needs_option(p: argparse.ArgumentParser) -> None:
    """``--care-needs-likely``: how a CIN disability sets ``care_needs_likely``."""
    p.add_argument(
        "--care-needs-likely",
        choices=("from-disability", "no"),
        default="from-disability",
        help="from-disability (default): true for a child with a disability recorded in the CIN "
        "census (an upper bound of the adult-social-care cohort); no: false for everyone",
    )


def run(args: argparse.Namespace) -> int:
    from roadmaps.population import import_cin, import_sen2, import_ssda903

    if args.return_name == "ssda903":
        result = import_ssda903(oc3=args.oc3, uasc=args.uasc, files=args.files)
    elif args.return_name == "sen2":
        result = import_sen2(*args.files)
    else:
        result = import_cin(*args.files, care_needs_likely=args.care_needs_likely)
    result.write(args.out)
    print_import(result)
    written = result.report.written
    people, episodes, events = (written[name] for name in ("people.csv", "episodes.csv", "events.csv"))
    print(f"wrote {people} young people, {episodes} episodes and {events} events to {args.out}: "
          "people.csv, episodes.csv, events.csv, import-report.json, import-report.md")  # fmt: skip
    return 0


def print_import(result: ImportResult) -> None:
    """The import's row accounting and the DfE checks that failed, on stdout."""
    report = result.report
    print(
        f"read {report.rows_read} rows from {len(report.files)} files: {report.rows_kept} kept, "
        f"{report.rows_rejected} rejected (rows read = kept + rejected: checked)"
    )
    failed = report.failed_checks()
    if failed:
        listed = ", ".join(f"{check} ({n} row{'' if n == 1 else 's'})" for check, n in failed.items())
        print(f"DfE checks failed: {listed}")
    for measure in report.timeliness:
        counts = measure.counts()  # exact: this is the analyst's own terminal, like the import folder
        share = counts["share_within"]
        print(f"new EHC plans issued in {measure.year} within {measure.weeks} weeks of the request: "
              f"{measure.within} of {measure.new_plans}"
              + ("" if share is None else f" ({share:.1%})")
              + f", excluding {measure.exceptions} with exceptions (exact counts, not for "
              "publication as they are)")  # fmt: skip
    if report.linked:
        linked = report.linked
        print(f"linked by UPN: {linked['in_both']} young people in both the SEN2 return and the "
              f"other returns, {linked['only_other']} only in the other returns, "
              f"{linked['only_sen2']} only in the SEN2 return")  # fmt: skip
