"""Lint for rule data: structural gaps and missing citations (``pathways check``).

Loading already rejects malformed data (errors). These checks find things that
load but deserve attention (warnings):

* ``service-without-successor``: a children's service ends with no adult service after it;
* ``unreachable``: a node no trigger or universal milestone leads to;
* ``uncited``: a rule (parameter, setting, cohort, node, gap, route branch) with no reference;
* ``stale-review``: the area's ``reviewed_on`` is older than the review interval (the
  parameter the baseline's ``area.yaml`` names as ``review_interval``);
* ``stale-probability``: a route branch's probability table was last reviewed
  longer ago than the review interval;
* ``unreachable-option``: a route branch option that no probability table lists.

A branch whose probabilities do not sum to 1, or a probability with no source,
does not load at all: ``pathways check`` reports it as an error (exit 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ._dates import add_months
from ._evaluate import value_on
from ._graph import PathwayGraph
from ._loader import Source


@dataclass(frozen=True, slots=True)
class Finding:
    """One lint finding."""

    code: str
    id: str
    message: str
    source: Source | None
    severity: str = "warning"

    def one_line(self) -> str:
        where = f"{self.source}: " if self.source else ""
        return f"{self.severity}: {where}'{self.id}': {self.message} [{self.code}]"


def check_pathway(graph: PathwayGraph, *, today: date) -> list[Finding]:
    """All lint findings for one area's pathway, sorted by code then id."""
    rules = graph.rules
    findings: list[Finding] = []

    for node in graph.nodes("service"):
        if node.phase == "children" and node.ends is not None and not graph.handover_successors(node.id):
            findings.append(Finding(
                "service-without-successor", node.id,
                f"children's service '{node.label}' ends with no adult service after it",
                rules.source(node.id),
            ))

    reachable = graph.reachable()
    for node in graph.nodes():
        if node.id not in reachable:
            findings.append(Finding("unreachable", node.id, f"no trigger or milestone leads to this {node.kind}",
                                    rules.source(node.id)))

    cited: list[tuple[str, tuple[object, ...]]] = [
        (item.id, item.references)
        for group in (rules.parameters, rules.settings, rules.cohorts, rules.nodes, rules.gaps)
        for item in group.values()
    ]
    for item_id, references in cited:
        if not references:
            findings.append(Finding("uncited", item_id, "rule has no citation (references)", rules.source(item_id)))
    for branch in rules.branches.values():
        if not branch.references:
            findings.append(Finding("uncited", branch.id, "route branch has no citation (references)",
                                    rules.branch_source(branch.id)))

    if rules.review_interval is not None:
        review = rules.parameters[rules.review_interval]
        months = int(value_on(review, today))
        for area in rules.areas.values():
            due = add_months(area.reviewed_on, months)
            if today > due:
                findings.append(Finding(
                    "stale-review", area.id,
                    f"master pathway last reviewed {area.reviewed_on.isoformat()}, more than {months} months ago",
                    None,
                ))
        for branch in rules.branches.values():
            where = rules.sources.get(f"probabilities:{branch.id}") or rules.branch_source(branch.id)
            for index, table in enumerate(branch.probabilities):
                if today > add_months(table.reviewed_on, months):
                    findings.append(Finding(
                        "stale-probability", branch.id,
                        f"probabilities[{index}] ({table.source}) last reviewed {table.reviewed_on.isoformat()}, "
                        f"more than {months} months ago",
                        where,
                    ))
    for branch in rules.branches.values():
        listed = {option for table in branch.probabilities for option in table.values}
        for option in branch.options:
            if option.id not in listed:
                findings.append(Finding("unreachable-option", branch.id,
                                        f"no probability table lists option '{option.id}'",
                                        rules.branch_source(branch.id)))
    findings.sort(key=lambda f: (f.code, f.id))
    return findings
