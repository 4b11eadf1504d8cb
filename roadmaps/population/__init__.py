"""Population runs: every young person's roadmap, added up, with disclosure control.

Read the project's three CSV files (people, episodes, events), or import them
from the statutory returns councils hold (the SSDA903, the SEN2 return and the
Children in Need census: :func:`import_ssda903`, :func:`import_sen2`,
:func:`import_cin`, joined by :func:`merge_imports`), run each young
person through the roadmap generator, tally gaps and forecasts, publish them
through disclosure control, and write the reports (after the run, from its
result); compare a baseline with reforms over a population; calibrate route
probabilities against an event log.
Every input row is accounted for: rows in = rows processed + rows rejected.
"""

from ._calibrate import (
    CalibrationReport,
    calibrate_event_log,
    render_reform_yaml,
    render_report_json,
    render_report_markdown,
    simulate_event_log,
    write_event_log,
)
from ._compare import (
    ComparisonRun,
    Scenario,
    ScenarioResult,
    compare_population,
    compare_population_files,
)
from ._compare_report import write_comparison_report
from ._dask import connect, dask_available
from ._disclosure import DEFAULT_SETTINGS, DisclosureSettings, Published, suppress_count
from ._import_cin import import_cin
from ._import_common import ImportReport, ImportResult, PlanTimeliness, merge_imports
from ._import_sen2 import import_sen2
from ._import_ssda903 import import_ssda903
from ._input import (
    MAX_LINE_CHARS,
    MAX_ROW_CHARS,
    Accounting,
    PersonRow,
    Rejection,
    iter_people,
    iter_person_rows,
    write_rejected_csv,
)
from ._report import check_out_dir, report_html, write_population_report
from ._run import (
    PopulationRun,
    default_workers,
    open_population,
    rule_labels,
    run_imported,
    run_population,
    run_population_files,
    summaries_of_files,
    summarise_roadmap,
)
from ._tally import FORECAST_MILESTONES, PersonSummary, PopulationResult, PopulationTally, aggregate

__all__ = [
    "Accounting",
    "CalibrationReport",
    "ComparisonRun",
    "DEFAULT_SETTINGS",
    "DisclosureSettings",
    "FORECAST_MILESTONES",
    "ImportReport",
    "ImportResult",
    "MAX_LINE_CHARS",
    "MAX_ROW_CHARS",
    "PersonRow",
    "PersonSummary",
    "PlanTimeliness",
    "PopulationResult",
    "PopulationRun",
    "PopulationTally",
    "Published",
    "Rejection",
    "Scenario",
    "ScenarioResult",
    "aggregate",
    "calibrate_event_log",
    "check_out_dir",
    "compare_population",
    "compare_population_files",
    "connect",
    "dask_available",
    "default_workers",
    "import_cin",
    "import_sen2",
    "import_ssda903",
    "iter_people",
    "iter_person_rows",
    "merge_imports",
    "open_population",
    "render_reform_yaml",
    "render_report_json",
    "render_report_markdown",
    "report_html",
    "rule_labels",
    "run_imported",
    "run_population",
    "run_population_files",
    "simulate_event_log",
    "summaries_of_files",
    "summarise_roadmap",
    "suppress_count",
    "write_comparison_report",
    "write_event_log",
    "write_population_report",
    "write_rejected_csv",
]
