"""The rule-data ids the roadmap layer names, in one place (a test checks each exists).

The engine (``pathways``) names no rule id; the roadmap layer names a few: the
milestones a population forecast follows, the ages a roadmap starts and ends
at, the settings a renderer explains, the route states a family summary words,
and the baseline area. Everything else comes from the rule data itself.
"""

#: The baseline area every overlay extends, and the default when none is given.
DEFAULT_AREA = "england"

# Milestones (``cohorts/data/england/*.yaml`` nodes).
AGE_14 = "age-14"
AGE_18 = "age-18"
TRANSITION_ASSESSMENT = "transition-assessment"
ADULT_REASSESSMENT = "adult-reassessment"
CARE_LEAVER_END = "care-leaver-end"
EHCP_LATEST_END = "ehcp-latest-end"

# Parameters.
LEAVING_CARE_COUNT_FROM_AGE = "leaving-care-count-from-age"  # a roadmap starts at this age
CARE_LEAVER_SUPPORT_AGE = "care-leaver-support-age"  # ... and runs to this one
ROUTE_CALIBRATION_LEVEL = "route-calibration-level"
ROUTE_EXPERT_PRIOR_CASES = "route-expert-prior-cases"

# Settings.
LEAP_DAY_POLICY = "leap-day-policy"

# Route options and the states they lead to (``cohorts/data/england/routes.yaml``).
ELIGIBLE_FOR_ADULT_CARE = "eligible-for-adult-care"
NEET = "not-in-education-employment-or-training"
NHS_CONTINUING_HEALTHCARE = "nhs-continuing-healthcare"

__all__ = [
    "ADULT_REASSESSMENT",
    "AGE_14",
    "AGE_18",
    "CARE_LEAVER_END",
    "CARE_LEAVER_SUPPORT_AGE",
    "DEFAULT_AREA",
    "EHCP_LATEST_END",
    "ELIGIBLE_FOR_ADULT_CARE",
    "LEAP_DAY_POLICY",
    "LEAVING_CARE_COUNT_FROM_AGE",
    "NEET",
    "NHS_CONTINUING_HEALTHCARE",
    "ROUTE_CALIBRATION_LEVEL",
    "ROUTE_EXPERT_PRIOR_CASES",
    "TRANSITION_ASSESSMENT",
]
