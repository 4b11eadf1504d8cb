"""The pathway engine: typed rule data, the pathway graph, dates and rule evaluation.

This package knows no particular cohort; the cohorts and their cited rule data
live in :mod:`cohorts`.
"""

from ._dates import (
    LEAP_DAY_POLICIES,
    DateOutOfRangeError,
    LeapDayPolicy,
    SchoolCalendar,
    add_days,
    add_months,
    add_weeks,
    age_on,
    age_years_months,
    birthday,
    compulsory_school_age_end,
    fe_year_end_containing,
    school_leaving_date,
    school_year_end,
    school_year_start,
    year_group_end,
    year_group_start,
)
from ._errors import GraphError, InputError, PathwaysError, RuleDataError
from ._evaluate import CompiledRules, Context, dated, value_on, weakest_status
from ._graph import PathwayGraph, load_pathway
from ._loader import RuleSet, Source, area_ids, load_rules
from ._models import (
    Condition,
    DateExpr,
    Edge,
    GapRule,
    Node,
    Parameter,
    Reference,
    RuleFile,
    Setting,
)
from ._reform import Reform, apply_reforms, diff_rules, load_reform, reformed_pathway
from ._yaml import load_yaml_text

__all__ = [
    "CompiledRules",
    "Condition",
    "Context",
    "DateExpr",
    "DateOutOfRangeError",
    "Edge",
    "GapRule",
    "GraphError",
    "InputError",
    "LEAP_DAY_POLICIES",
    "LeapDayPolicy",
    "Node",
    "Parameter",
    "PathwayGraph",
    "PathwaysError",
    "Reference",
    "Reform",
    "RuleDataError",
    "RuleFile",
    "RuleSet",
    "SchoolCalendar",
    "Setting",
    "Source",
    "add_days",
    "add_months",
    "add_weeks",
    "age_on",
    "age_years_months",
    "apply_reforms",
    "area_ids",
    "birthday",
    "compulsory_school_age_end",
    "dated",
    "diff_rules",
    "fe_year_end_containing",
    "load_pathway",
    "load_reform",
    "load_rules",
    "load_yaml_text",
    "reformed_pathway",
    "school_leaving_date",
    "school_year_end",
    "school_year_start",
    "value_on",
    "weakest_status",
    "year_group_end",
    "year_group_start",
]
