"""A hand-made, realistic roadmap for the renderer tests.

A young person in care with an EHC plan and likely care needs after 18, in
Leicester, seen at 17 years 5 months. The entries, gaps and services imitate
what the generator produces; when it is ready, :func:`typical_roadmap` can be
swapped for ``generate_roadmap`` on an example person.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from roadmaps.model import (
    Agency,
    CareLeaverStatus,
    Citation,
    Entry,
    Gap,
    Roadmap,
    RuleRef,
    ServiceSpan,
    Severity,
    Status,
)

DATE_OF_BIRTH = date(2009, 5, 20)
AS_OF = date(2026, 11, 2)
COHORTS = ("looked-after-and-care-leavers", "send-ehcp", "adult-social-care")

CARE_ACT_S58 = Citation(instrument="Care Act 2014", provision="s.58")
CARE_ACT_S66 = Citation(instrument="Care Act 2014", provision="s.66")
CFA_S44 = Citation(instrument="Children and Families Act 2014", provision="s.44")
CFA_S46 = Citation(instrument="Children and Families Act 2014", provision="s.46")
SEND_REG_46 = Citation(instrument="SEND Regulations 2014 (SI 2014/1530)", provision="reg 46")
SEND_COP_8 = Citation(instrument="SEND Code of Practice 0-25 (2015)", provision="para 8.9")
EDUCATION_ACT_S8 = Citation(instrument="Education Act 1996", provision="s.8(3)")
FLRA_S1 = Citation(instrument="Family Law Reform Act 1969", provision="s.1(1)")
MCA_S2 = Citation(instrument="Mental Capacity Act 2005", provision="s.2(5)")
CA_1989_S19B = Citation(instrument="Children Act 1989", provision="Sch 2 para 19B")
CARE_LEAVERS_REG_42 = Citation(instrument="Care Planning Regulations 2010", provision="reg 42")
CA_1989_S23C = Citation(instrument="Children Act 1989", provision="s.23C")
NICE_QS140 = Citation(
    title="NICE QS140 statement 1",
    url="https://www.nice.org.uk/guidance/qs140/chapter/Quality-statement-1-Planning-transition",
)
CHC_FRAMEWORK = Citation(
    title="Children and Young People's Continuing Care National Framework 2016, paras 116-117"
)
NHS_AHC = Citation(
    url="https://www.england.nhs.uk/learning-disabilities/improving-health/annual-health-checks/"
)
DLA_GOV_UK = Citation(
    title="gov.uk: DLA when your child turns 16",
    url="https://www.gov.uk/disability-living-allowance-children/when-your-child-turns-16",
)
LEICESTER_STRATEGY = Citation(
    title="Leicester Transitions Strategy delivery plan",
    seed="003_8c5f617de2ef01a9.txt",
    quote="transitions assessment before 17",
)


def _rule(rule_id: str, status: str, *citations: Citation) -> RuleRef:
    return RuleRef(id=rule_id, status=status, citations=citations)


def _age(on: date) -> tuple[int, int]:
    years = on.year - DATE_OF_BIRTH.year - ((on.month, on.day) < (5, 20))
    last = DATE_OF_BIRTH.replace(year=DATE_OF_BIRTH.year + years)
    months = (on.year - last.year) * 12 + on.month - last.month - (on.day < last.day)
    return years, months


def _entry(
    entry_id: str,
    kind: str,
    on: date,
    title: str,
    description: str,
    agency: Agency,
    owner: str,
    status: Status,
    rule: RuleRef,
    *,
    window_start: date | None = None,
    done_on: date | None = None,
    pfa_area: str | None = None,
    cohorts: tuple[str, ...] = COHORTS,
) -> Entry:
    years, months = _age(on)
    return Entry(
        id=entry_id,
        kind=kind,
        date=on,
        age_years=years,
        age_months=months,
        title=title,
        description=description,
        agency=agency,
        owner=owner,
        owner_id=owner.lower().replace(" ", "-"),
        status=status,
        rule=rule,
        cohorts=cohorts,
        window_start=window_start,
        done_on=done_on,
        pfa_area=pfa_area,
        explanation=(f"rule {rule.id} applies to this young person",),
    )


SEND_TEAM = "SEND team"
HEALTH_ICB = "Integrated Care Board"
LEAVING_CARE = "Leaving care team"
SOCIAL_WORKER = "Social worker"
ADULT_TRANSITIONS = "Adult social care transitions team"
COLLEGE = "College"


def typical_entries() -> tuple[Entry, ...]:
    """About 28 entries over the four agencies, with every status."""
    return (
        # Education
        _entry("year-9-start", "milestone", date(2023, 9, 1), "Year 9 starts",
               "Planning for adult life should start in Year 9.", "education", "School",
               "done", _rule("send.year-9-start", "verified", SEND_COP_8), pfa_area="employment"),
        _entry("ehcp-year-9-review", "review", date(2024, 3, 12),
               "Year 9 EHCP review with a focus on adult life",
               "The review looked at work, living, friends and health.", "education", SEND_TEAM,
               "done", _rule("send.year-9-pfa-review", "verified", SEND_COP_8),
               done_on=date(2024, 3, 12), pfa_area="employment"),
        _entry("ehcp-annual-review-2025", "review", date(2025, 3, 12), "EHCP annual review",
               "The plan was reviewed, including the move to college.", "education", SEND_TEAM,
               "done", _rule("send.annual-review", "verified", CFA_S44),
               done_on=date(2025, 3, 3), pfa_area="employment"),
        _entry("compulsory-school-age-end", "milestone", date(2025, 6, 27),
               "End of compulsory school age",
               "You can leave school, but must stay in education or training until 18.",
               "education", "School", "done",
               _rule("education.compulsory-school-age-end", "verified", EDUCATION_ACT_S8),
               pfa_area="employment"),
        _entry("ehcp-annual-review-2026", "review", date(2026, 3, 12), "EHCP annual review",
               "The plan must be reviewed at least every 12 months.", "education", SEND_TEAM,
               "overdue", _rule("send.annual-review", "verified", CFA_S44),
               pfa_area="employment"),
        _entry("ehcp-annual-review-2027", "review", date(2027, 3, 12), "EHCP annual review",
               "The review should plan for life after college.", "education", SEND_TEAM,
               "upcoming", _rule("send.annual-review", "verified", CFA_S44),
               pfa_area="employment"),
        _entry("college-course-end", "service-end", date(2028, 7, 31), "College course ends",
               "Your current college course is planned to end.", "education", COLLEGE,
               "upcoming", _rule("send.setting-end", "local", LEICESTER_STRATEGY),
               pfa_area="employment"),
        _entry("ehcp-latest-end", "milestone", date(2034, 7, 31),
               "Latest date your EHCP can last",
               "An EHC plan can continue to the end of the college year in which you turn 25.",
               "education", SEND_TEAM, "upcoming",
               _rule("send.ehcp-latest-end", "verified", CFA_S46, SEND_REG_46),
               pfa_area="employment"),
        # Health
        _entry("annual-health-check-first", "assessment", date(2023, 6, 5),
               "First annual health check with your GP",
               "People aged 14 or over with a learning disability can have a yearly check.",
               "health", "GP", "done", _rule("health.annual-health-check", "verified", NHS_AHC),
               done_on=date(2023, 6, 5), pfa_area="health"),
        _entry("chc-notify-icb", "milestone", date(2023, 5, 20),
               "Health services told you may need adult CHC",
               "The ICB should know at 14 that you may need adult continuing healthcare.",
               "health", HEALTH_ICB, "done",
               _rule("health.chc-notify-at-14", "verified", CHC_FRAMEWORK), pfa_area="health"),
        _entry("chc-checklist", "assessment", date(2026, 5, 20), "Adult CHC checklist",
               "A screening checklist for adult NHS Continuing Healthcare.", "health",
               HEALTH_ICB, "overdue", _rule("health.chc-checklist", "verified", CHC_FRAMEWORK),
               window_start=date(2025, 5, 20), pfa_area="health"),
        _entry("chc-decision-in-principle", "assessment", date(2026, 11, 20),
               "Decision in principle on adult CHC",
               "The ICB should decide soon after 17 whether adult CHC is likely.", "health",
               HEALTH_ICB, "due", _rule("health.chc-decision-in-principle", "ambiguous",
                                        CHC_FRAMEWORK),
               window_start=date(2026, 5, 20), pfa_area="health"),
        _entry("camhs-transfer", "service-end", date(2027, 5, 20),
               "Move from CAMHS to adult mental health services",
               "Planning should start at least 6 months before the move.", "health", "CAMHS",
               "upcoming", _rule("health.camhs-transfer", "unverified", NICE_QS140),
               window_start=date(2026, 11, 20), pfa_area="health"),
        _entry("annual-health-check-2027", "assessment", date(2027, 6, 5),
               "Annual health check with your GP", "Your yearly check with your doctor.",
               "health", "GP", "upcoming", _rule("health.annual-health-check", "verified",
                                                 NHS_AHC), pfa_area="health"),
        # Social care
        _entry("leaving-care-eligible", "milestone", date(2025, 5, 20),
               "You become an eligible child (care leaver)",
               "You have been looked after for 13 weeks since 14 and are now 16.", "social-care",
               SOCIAL_WORKER, "done", _rule("care.eligible-child", "verified", CA_1989_S19B),
               pfa_area="independent-living"),
        _entry("personal-adviser-appointed", "plan", date(2025, 5, 20),
               "Personal adviser (PA) appointed", "A PA helps you plan for leaving care.",
               "social-care", LEAVING_CARE, "done",
               _rule("care.personal-adviser", "verified", CA_1989_S19B),
               done_on=date(2025, 6, 2), pfa_area="independent-living"),
        _entry("pathway-needs-assessment", "assessment", date(2025, 8, 20),
               "Pathway needs assessment",
               "An assessment of what you need to leave care well.", "social-care",
               SOCIAL_WORKER, "done",
               _rule("care.pathway-needs-assessment", "verified", CARE_LEAVERS_REG_42),
               done_on=date(2025, 8, 1), pfa_area="independent-living"),
        _entry("pathway-plan", "plan", date(2025, 8, 20), "Pathway plan written",
               "Your plan for leaving care.", "social-care", SOCIAL_WORKER, "done",
               _rule("care.pathway-plan", "verified", CARE_LEAVERS_REG_42),
               done_on=date(2025, 9, 15), pfa_area="independent-living"),
        _entry("pathway-plan-review", "review", date(2026, 3, 15), "Pathway plan review",
               "Your pathway plan must be reviewed at least every 6 months.", "social-care",
               LEAVING_CARE, "overdue",
               _rule("care.pathway-plan-review", "unverified", CARE_LEAVERS_REG_42),
               pfa_area="independent-living"),
        _entry("transition-assessment", "assessment", date(2026, 5, 20),
               "Transition assessment for adult care",
               "An assessment of the care and support you are likely to need after 18.",
               "social-care", ADULT_TRANSITIONS, "overdue",
               _rule("care-act.transition-assessment", "local", CARE_ACT_S58,
                     LEICESTER_STRATEGY), pfa_area="independent-living"),
        _entry("staying-put-decision", "plan", date(2027, 2, 20),
               "Decide whether you will stay put with your foster carers",
               "Staying put lets you live with your foster carers after 18.", "social-care",
               LEAVING_CARE, "upcoming", _rule("care.staying-put", "verified", CA_1989_S23C),
               pfa_area="independent-living"),
        _entry("adult-reassessment", "assessment", date(2027, 5, 20),
               "Adult care and CHC decisions due",
               "Decisions on adult care and NHS Continuing Healthcare should be made by 18.",
               "social-care", ADULT_TRANSITIONS, "upcoming",
               _rule("care-act.adult-decision-at-18", "verified", CARE_ACT_S66),
               pfa_area="independent-living"),
        _entry("care-leaver-end", "service-end", date(2034, 5, 20),
               "Personal adviser support ends",
               "Leaving care support from a PA lasts until you are 25.", "social-care",
               LEAVING_CARE, "upcoming", _rule("care.personal-adviser-to-25", "verified",
                                               CA_1989_S23C), pfa_area="community"),
        # Other
        _entry("age-16", "milestone", date(2025, 5, 20), "You turn 16",
               "The Mental Capacity Act applies to you from 16.", "other", "You", "done",
               _rule("law.mca-from-16", "verified", MCA_S2)),
        _entry("dla-to-pip", "deadline", date(2025, 6, 17), "Claim PIP by the date in the letter",
               "DLA for children stops at 16. Claim PIP instead.", "other", "DWP", "done",
               _rule("benefits.dla-to-pip", "verified", DLA_GOV_UK),
               done_on=date(2025, 6, 10), pfa_area="independent-living"),
        _entry("deputyship-planning", "plan", date(2027, 5, 20),
               "Plan who can make decisions for you",
               "Think about a lasting power of attorney or a deputy.", "other", "Family",
               "due", _rule("law.deputyship-planning", "unverified", MCA_S2),
               window_start=date(2025, 5, 20), pfa_area="independent-living"),
        _entry("age-18", "milestone", date(2027, 5, 20), "You turn 18: you are an adult in law",
               "Parental responsibility ends.", "other", "You", "upcoming",
               _rule("law.age-of-majority", "verified", FLRA_S1)),
        _entry("age-21", "milestone", date(2030, 5, 20), "You turn 21", "", "other", "You",
               "upcoming", _rule("law.age-21", "verified", CA_1989_S23C)),
        _entry("age-25", "milestone", date(2034, 5, 20), "You turn 25", "", "other", "You",
               "upcoming", _rule("law.age-25", "verified", CFA_S46)),
        _entry("youth-offending-check", "review", date(2026, 9, 1), "Youth justice check",
               "Does not apply: no youth justice involvement.", "other", "YOS",
               "not-applicable", _rule("justice.yjs-to-probation", "unverified")),
    )  # fmt: skip


def _gap(
    rule: str,
    severity: Severity,
    title: str,
    message: str,
    action: str,
    duty: RuleRef,
    owner: str,
    agency: Agency,
    *,
    since: date | None = None,
    milestone: str | None = None,
    catalogue: str | None = None,
) -> Gap:
    days = (AS_OF - since).days if since else None
    return Gap(
        rule=rule,
        severity=severity,
        title=title,
        message=message,
        action=action,
        duty=duty,
        owner=owner,
        agency=agency,
        since=since,
        days_overdue=days,
        milestone=milestone,
        catalogue=catalogue,
    )


def typical_gaps() -> tuple[Gap, ...]:
    """Five gaps with every severity; one has no date."""
    return (
        _gap("transition-assessment-overdue", "high", "Transition assessment is late",
             "The transition assessment for adult care was due by 20 May 2026 and has not "
             "been done.",
             "Ask the adult social care transitions team to assess now, so support is ready "
             "at 18.",
             _rule("care-act.transition-assessment", "local", CARE_ACT_S58, LEICESTER_STRATEGY),
             ADULT_TRANSITIONS, "social-care", since=date(2026, 5, 20),
             milestone="transition-assessment", catalogue="G05"),
        _gap("chc-checklist-overdue", "high", "Adult CHC checklist not done",
             "No checklist for adult NHS Continuing Healthcare has been recorded.",
             "Ask the ICB continuing care team to complete the checklist.",
             _rule("health.chc-checklist", "verified", CHC_FRAMEWORK), HEALTH_ICB, "health",
             since=date(2026, 5, 20), milestone="chc-checklist", catalogue="G14"),
        _gap("ehcp-annual-review-overdue", "medium", "EHCP review is late",
             "The EHC plan has not been reviewed in the last 12 months.",
             "Ask the SEND team for a review meeting date.",
             _rule("send.annual-review", "verified", CFA_S44), SEND_TEAM, "education",
             since=date(2026, 3, 12), milestone="ehcp-annual-review-2026"),
        _gap("pathway-plan-review-overdue", "medium", "Pathway plan review is late",
             "The pathway plan has not been reviewed for more than 6 months.",
             "Ask your personal adviser to arrange a review.",
             _rule("care.pathway-plan-review", "unverified", CARE_LEAVERS_REG_42),
             LEAVING_CARE, "social-care", since=date(2026, 3, 15),
             milestone="pathway-plan-review"),
        _gap("adult-mental-health-successor-missing", "low",
             "No adult mental health service named yet",
             "CAMHS ends at 18 and no adult service has been named.",
             "Ask CAMHS to name the adult team and plan a joint meeting.",
             _rule("health.camhs-transfer", "unverified", NICE_QS140), "CAMHS", "health",
             milestone="camhs-transfer", catalogue="G21"),
    )  # fmt: skip


def _span(
    service_id: str,
    label: str,
    agency: Agency,
    start: date | None,
    end: date | None,
    successors: tuple[str, ...] = (),
    beyond_statutory: str | None = None,
) -> ServiceSpan:
    return ServiceSpan(
        id=service_id,
        label=label,
        agency=agency,
        start=start,
        end=end,
        successors=successors,
        rule=_rule(f"service.{service_id}", "verified", CARE_ACT_S58),
        cohorts=COHORTS,
        beyond_statutory=beyond_statutory,
    )


def typical_services() -> tuple[ServiceSpan, ...]:
    """Services with handovers, one open-ended, one starting before 14."""
    return (
        _span("ehc-plan", "EHC plan", "education", date(2016, 5, 1), date(2034, 7, 31)),
        _span("fe-college", "FE college course", "education", date(2025, 9, 1),
              date(2028, 7, 31), ("supported-internship",)),
        _span("supported-internship", "Supported internship", "education", date(2028, 9, 1),
              date(2029, 7, 31)),
        _span("camhs", "CAMHS", "health", date(2021, 2, 1), date(2027, 5, 20),
              ("adult-mental-health",)),
        _span("adult-mental-health", "Adult mental health", "health", date(2027, 5, 20), None),
        _span("children-continuing-care", "Children's continuing care", "health",
              date(2022, 1, 1), date(2027, 5, 20), ("adult-chc",)),
        _span("adult-chc", "Adult NHS CHC", "health", date(2027, 5, 20), None),
        _span("transitions-mental-health-team", "Transitions mental health team (16-25)",
              "health", date(2025, 5, 20), date(2034, 5, 20),
              beyond_statutory="Leicester: a transitions team for ages 16 to 25"),
        _span("looked-after", "Looked after by the council", "social-care", date(2023, 10, 1),
              date(2027, 5, 20), ("personal-adviser", "staying-put")),
        _span("personal-adviser", "Personal adviser", "social-care", date(2025, 6, 2),
              date(2034, 5, 20)),
        _span("staying-put", "Staying put", "social-care", date(2027, 5, 20),
              date(2030, 5, 20)),
        _span("childrens-disability-team", "Children's disability team", "social-care",
              date(2019, 9, 1), date(2027, 5, 20), ("adult-social-care",)),
        _span("adult-social-care", "Adult social care", "social-care", date(2027, 5, 20), None),
    )  # fmt: skip


def typical_roadmap() -> Roadmap:
    """The roadmap the renderer tests use."""
    return Roadmap(
        person_id="yp-fixture-01",
        as_of=AS_OF,
        area="leicester",
        settings={"leap_day_policy": "mar1", "transition_assessment_age": 17},
        date_of_birth=DATE_OF_BIRTH,
        cohorts=COHORTS,
        start=date(2023, 5, 20),
        end=date(2034, 5, 20),
        entries=tuple(sorted(typical_entries(), key=lambda e: (e.date, e.id))),
        gaps=typical_gaps(),
        services=typical_services(),
        care_status=CareLeaverStatus(
            status_on_as_of="eligible",
            weeks_looked_after_since_14=161.4,
            eligible_from=date(2025, 5, 20),
        ),
    )


def typical_routes() -> dict[str, Any]:
    """A routes section shaped like ``pathways routes --format json`` (issue 3)."""
    return {
        "person_id": "yp-fixture-01",
        "total_routes": 1344,
        "probability_sum": 1.0,
        "routes": [
            {
                "probability": 0.412,
                "steps": [
                    {"id": "fe-college", "label": "FE college", "age": 16},
                    {"id": "asc-eligible", "label": "Eligible for adult social care", "age": 18},
                    {"id": "supported-internship", "label": "Supported internship", "age": 19},
                    {"id": "supported-living", "label": "Supported living", "age": 21},
                ],
            },
            {
                "probability": 0.187,
                "steps": [
                    {"id": "fe-college", "label": "FE college", "age": 16},
                    {"id": "asc-eligible", "label": "Eligible for adult social care", "age": 18},
                    {"id": "ehcp-ceases", "label": "EHC plan ends", "age": 19},
                    {"id": "family-home", "label": "Living in the family home", "age": 21},
                ],
            },
            {
                "probability": 0.064,
                "steps": [
                    {"id": "fe-college", "label": "FE college", "age": 16},
                    {"id": "asc-not-eligible", "label": "Not eligible: signposted", "age": 18},
                    {"id": "neet", "label": "Not in education, employment or training", "age": 19},
                ],
            },
            {
                "probability": 0.004,
                "steps": [
                    {"id": "apprenticeship", "label": "Apprenticeship", "age": 17},
                    {"id": "own-tenancy", "label": "Own tenancy", "age": 20},
                ],
            },
        ],
        "outcomes": {
            "employment": {"paid-work": 0.28, "education-or-training": 0.31, "neither": 0.41},
            "independent-living": {
                "own-tenancy": 0.12,
                "supported-living": 0.46,
                "family-home": 0.42,
            },
            "friends-relationships-community": {"connected": 0.63, "isolated": 0.37},
            "good-health": {"needs-met": 0.71, "needs-unmet": 0.29},
        },
        "sources": [
            "seed-catalogue.md 6: about 80% assessed by the transitions team are eligible",
            "expert prior, reviewed 2026-01-15",
        ],
    }
