"""The pathway engine: typed rule data, the pathway graph, dates and rule evaluation.

This package knows no particular cohort; the cohorts and their cited rule data
live in :mod:`cohorts`.
"""

from ._errors import GraphError, InputError, PathwaysError, RuleDataError
from ._yaml import load_yaml_text

__all__ = sorted(
    [
        "GraphError",
        "InputError",
        "PathwaysError",
        "RuleDataError",
        "load_yaml_text",
    ]
)
