"""Doctest set-up for the packages, whose examples run with the test suite.

``python -m pytest`` collects the doctests of ``pathways``, ``cohorts`` and ``roadmaps``
(``--doctest-modules`` in pyproject). Most examples are self-contained; the date examples
use ``CAL``, the England school calendar loaded from rule data, which ``pathways`` itself
cannot load (it knows no cohort).
"""

from __future__ import annotations

from typing import Any

import pytest

# Running ``python -m roadmaps.cli`` exits at import: it is the command, not a module to import.
collect_ignore = ["roadmaps/cli/__main__.py"]


@pytest.fixture(autouse=True)
def _school_calendar_for_doctests(
    request: pytest.FixtureRequest, doctest_namespace: dict[str, Any]
) -> None:
    if isinstance(request.node, pytest.DoctestItem) and "CAL" not in doctest_namespace:
        from cohorts import load_pathway

        doctest_namespace["CAL"] = load_pathway("england").rules.calendar
