"""The pathway engine: typed rule data, the pathway graph, dates and rule evaluation.

This package knows no particular cohort; the cohorts and their cited rule data
live in :mod:`cohorts`.
"""

from ._check import Finding, check_pathway
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
from ._describe import describe_condition, describe_date
from ._dot import graphviz_available, render_dot, to_dot
from ._errors import GraphError, InputError, PathwaysError, RuleDataError
from ._evaluate import CompiledRules, Context, dated, value_on, weakest_status
from ._frames import to_frame
from ._graph import PathwayGraph, load_pathway
from ._loader import RuleSet, Source, area_ids, load_rules
from ._models import (
    Branch,
    Condition,
    DateExpr,
    Edge,
    GapRule,
    Node,
    Parameter,
    ProbabilityTable,
    Reference,
    RuleFile,
    Setting,
)
from ._reform import Reform, apply_reforms, diff_rules, load_reform, reformed_pathway
from ._routes import RouteAnalysis, RouteEdge, RouteGraph, RouteNode
from ._stats import BranchCalibration, BranchEvents, calibrate_branch, count_branch_events
from ._yaml import line_of, load_yaml_text

__all__ = [
    "Branch",
    "BranchCalibration",
    "BranchEvents",
    "CompiledRules",
    "Condition",
    "Context",
    "DateExpr",
    "DateOutOfRangeError",
    "Edge",
    "Finding",
    "GapRule",
    "GraphError",
    "InputError",
    "LEAP_DAY_POLICIES",
    "LeapDayPolicy",
    "Node",
    "Parameter",
    "PathwayGraph",
    "PathwaysError",
    "ProbabilityTable",
    "Reference",
    "Reform",
    "RouteAnalysis",
    "RouteEdge",
    "RouteGraph",
    "RouteNode",
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
    "calibrate_branch",
    "check_pathway",
    "compulsory_school_age_end",
    "count_branch_events",
    "dated",
    "describe_condition",
    "describe_date",
    "diff_rules",
    "fe_year_end_containing",
    "graphviz_available",
    "line_of",
    "load_pathway",
    "load_reform",
    "load_rules",
    "load_yaml_text",
    "reformed_pathway",
    "render_dot",
    "school_leaving_date",
    "school_year_end",
    "school_year_start",
    "to_dot",
    "to_frame",
    "value_on",
    "weakest_status",
    "year_group_end",
    "year_group_start",
]
