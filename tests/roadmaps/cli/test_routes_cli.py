"""``pathways routes``, ``pathways calibrate`` and ``pathways roadmap --routes`` (issue 3).

The calibration property: an event log simulated from known probabilities, written
to CSV and read back by the calibration, recovers the probabilities within the
reported intervals in at least 90% of branches.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cohorts import load_pathway
from roadmaps.cli import main
from roadmaps.population._calibrate import (
    calibrate_event_log,
    report_json,
    simulate_event_log,
    write_event_log,
)

EXAMPLE = str(Path(__file__).resolve().parents[3] / "examples" / "people" / "yp-001-in-care-with-ehcp.yaml")
AS_OF = "2026-11-23"
PFA_AREAS = {"employment", "independent-living", "community", "health"}


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed entry point, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-c", "import sys; from roadmaps.cli import main; sys.exit(main())", *args],
        capture_output=True, text=True, timeout=120,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


# ------------------------------------------------------------------ pathways routes


def test_routes_json_has_the_interface_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(capsys, "routes", EXAMPLE, "--as-of", AS_OF, "--area", "leicester",
                              "--top", "3", "--format", "json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert {"person_id", "total_routes", "probability_sum", "routes", "outcomes", "sources"} <= set(data)
    assert data["person_id"] == "yp-001"
    assert isinstance(data["total_routes"], int) and data["total_routes"] == 1496
    assert isinstance(data["probability_sum"], float) and abs(data["probability_sum"] - 1.0) <= 1e-9
    assert len(data["routes"]) == 3
    probabilities = [route["probability"] for route in data["routes"]]
    assert probabilities == sorted(probabilities, reverse=True)
    for route in data["routes"]:
        assert isinstance(route["probability"], float)
        assert route["steps"][0]["id"] == "age-14" and route["steps"][-1]["id"] == "age-25"
        for step in route["steps"]:
            assert {"id", "label", "age"} <= set(step) and isinstance(step["age"], int)
    assert set(data["outcomes"]) == PFA_AREAS
    for states in data["outcomes"].values():
        assert abs(sum(states.values()) - 1.0) <= 1e-9
    assert data["outcomes"]["community"]["adult-care-and-support"] == pytest.approx(0.8)
    assert {s["source"] for s in data["sources"]} == {"seed", "expert-prior"}
    assert all(s["reviewed_on"] and (s["references"] or s["rationale"]) for s in data["sources"])
    assert any("about 8 in 10 young people in this situation" in s for s in data["family_summary"])


def test_routes_output_is_deterministic(capsys: pytest.CaptureFixture[str]) -> None:
    first = run_main(capsys, "routes", EXAMPLE, "--as-of", AS_OF, "--format", "json")
    second = run_main(capsys, "routes", EXAMPLE, "--as-of", AS_OF, "--format", "json")
    assert first == second


def test_routes_text_and_markdown_are_worded_for_a_family(capsys: pytest.CaptureFixture[str]) -> None:
    code, text, _ = run_main(capsys, "routes", EXAMPLE, "--as-of", AS_OF, "--area", "leicester")
    assert code == 0
    text = " ".join(text.split())  # the text is wrapped at 100 columns
    assert "not what will happen to one young person" in text
    assert "about 8 in 10 young people in this situation are found eligible for adult social care" in text
    assert "Possible routes: 1,496" in text and "Where the numbers come from" in text
    code, markdown, _ = run_main(capsys, "routes", EXAMPLE, "--as-of", AS_OF, "--format", "markdown", "--top", "2")
    assert code == 0 and markdown.startswith("## Likely routes from 14 to 25")
    assert "| 1 | About" in markdown and "| 3 |" not in markdown


def test_routes_can_use_a_reform(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reform = tmp_path / "reform.yaml"
    reform.write_text("name: everyone eligible\nchanges:\n  - set_probability: {branch: adult-social-care-decision,"
                      " option: eligible-for-adult-care, value: 1}\n")
    code, out, _ = run_main(capsys, "routes", EXAMPLE, "--as-of", AS_OF, "--format", "json", "--reform", str(reform))
    assert code == 0
    data = json.loads(out)
    # The other option stays on the map (it is still a route) with probability 0.
    assert data["outcomes"]["community"] == {"adult-care-and-support": 1.0, "signposted-to-community-support": 0.0}
    assert "reform" in {s["source"] for s in data["sources"]}


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (("routes",), ("PERSON_FILE",)),
        (("routes", EXAMPLE, "--top", "-1"), ("--top", "0 or more")),
        (("routes", EXAMPLE, "--top", "many"), ("--top", "not a whole number")),
        (("routes", EXAMPLE, "--area", "atlantis"), ("unknown area 'atlantis'",)),
        (("routes", "no-such-person.yaml"), ("no-such-person.yaml", "cannot read")),
        (("routes", EXAMPLE, "--as-of", "2009-13-01"), ("not a date",)),
        (("routes", EXAMPLE, "--as-of", "2001-01-01"), ("after the as-of date",)),
        (("routes", EXAMPLE, "--format", "pdf"), ("invalid choice",)),
        (("routes", EXAMPLE, "--reform", "missing-reform.yaml"), ("cannot read the reform file",)),
    ],
)
def test_routes_bad_input_is_one_line(args: tuple[str, ...], needles: tuple[str, ...]) -> None:
    assert_one_line_error(run_cli(*args), *needles)


# ------------------------------------------------------------------ pathways roadmap --routes


def test_roadmap_json_gains_a_routes_object(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(capsys, "roadmap", EXAMPLE, "--as-of", AS_OF, "--format", "json",
                            "--routes", "--routes-top", "2")
    assert code == 0
    routes = json.loads(out)["routes"]
    assert routes["total_routes"] == 1496 and len(routes["routes"]) == 2
    assert routes["family_summary"] and routes["caveat"]
    code, out, _ = run_main(capsys, "roadmap", EXAMPLE, "--as-of", AS_OF, "--format", "json")
    assert "routes" not in json.loads(out)


# ------------------------------------------------------------------ pathways calibrate


def _simulated_log(tmp_path: Path, truth: dict[str, dict[str, float]], cases: int, seed: int) -> Path:
    rows = simulate_event_log(load_pathway("england"), truth, cases=cases, seed=seed)
    path = tmp_path / f"events-{seed}.csv"
    write_event_log(path, rows)
    return path


def _recovered(report: dict[str, object], truth: dict[str, dict[str, float]]) -> list[bool]:
    out = []
    for branch in report["branches"]:  # type: ignore[attr-defined]
        expected = truth[branch["branch"]]
        out.append(all(o["lower"] <= expected.get(o["option"], 0.0) <= o["upper"] for o in branch["options"]))
    return out


@st.composite
def branch_truths(draw: st.DrawFn) -> dict[str, dict[str, float]]:
    """Known probabilities for every branch: every option at least 1/(10 K), so it is seen."""
    truth = {}
    for branch in load_pathway("england").rules.branches.values():
        weights = [draw(st.integers(min_value=1, max_value=10)) for _ in branch.options]
        total = sum(weights)
        truth[branch.id] = {o.id: w / total for o, w in zip(branch.options, weights, strict=True)}
    return truth


@settings(max_examples=3, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(branch_truths(), st.integers(min_value=0, max_value=10**6))
def test_calibration_recovers_simulated_probabilities(
    tmp_path_factory: pytest.TempPathFactory, truth: dict[str, dict[str, float]], seed: int
) -> None:
    folder = tmp_path_factory.mktemp("calibration")
    pathway = load_pathway("england")
    hits: list[bool] = []
    for replicate in range(25):
        path = _simulated_log(folder, truth, cases=800, seed=seed + replicate)
        report = calibrate_event_log(path, pathway=pathway, as_of=date(2026, 11, 23))
        hits += _recovered(report_json(report), truth)
    assert sum(hits) / len(hits) >= 0.9, f"{sum(hits)} of {len(hits)} branches recovered"


def test_calibrate_end_to_end_through_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(7)
    truth = {}
    for branch in load_pathway("england").rules.branches.values():
        weights = [rng.uniform(0.2, 1.0) for _ in branch.options]
        truth[branch.id] = {o.id: w / sum(weights) for o, w in zip(branch.options, weights, strict=True)}
    log = _simulated_log(tmp_path, truth, cases=1500, seed=3)
    with log.open("a", encoding="utf-8") as out:
        out.write("odd-1,chc-eligible,2021-01-01\n")  # no checklist first: a skipped step
        out.write("odd-2,chc-checklist,2021-03-01\nodd-2,chc-eligible,2021-02-01\n")  # out of order
        out.write("odd-3,post16-destination-fe,2020-09-01\nodd-3,post16-destination-neet,2020-10-01\n")
        out.write("odd-4,birthday-party,2021-01-01\nodd-4,chc-eligible,2021-02-30\n,chc-eligible,2021-01-01\n")
        out.write("odd-5,chc-eligible\n")
    code, out, err = run_main(capsys, "calibrate", str(log), "--out", str(tmp_path / "report.json"),
                              "--as-of", AS_OF)
    assert code == 0 and err == "", err
    assert "wrote" in out and "conformance findings" in out
    report = json.loads((tmp_path / "report.json").read_text())
    markdown = (tmp_path / "report.md").read_text()
    hits = _recovered(report, truth)
    assert sum(hits) / len(hits) >= 6 / 7
    # Every non-fitting journey is reported, and no case id appears anywhere in the report.
    kinds = {(f["branch"], f["kind"]): f["cases"] for f in report["findings"]}
    assert kinds == {("adult-continuing-healthcare", "skipped-step"): 1,
                     ("adult-continuing-healthcare", "out-of-order"): 1,
                     ("post-16-destination", "multiple-options"): 1}
    assert report["findings_total"] == 3
    assert report["rejected_by_reason"] == {
        "date is not a real calendar date": 1, "id is empty": 1, "unknown event type": 1,
        "wrong number of columns (expected 3, found 2)": 1}
    assert report["rows"]["rows_in"] == report["rows"]["rows_used"] + report["rows"]["rows_rejected"]
    for text in (markdown, json.dumps(report)):
        assert "sim-" not in text and "odd-" not in text and "2021-02-01" not in text
    for branch in report["branches"]:
        assert {"expert", "estimate", "lower", "upper", "cases", "expert_outside"} <= set(branch["options"][0])
        assert branch["cases"] >= 1500
    assert "Journeys that do not fit the pathway (3 findings)" in markdown
    # The YAML is a reform: the calibrated values feed straight back into the routes.
    code, out, _ = run_main(capsys, "routes", EXAMPLE, "--as-of", AS_OF, "--format", "json",
                            "--reform", str(tmp_path / "report.yaml"))
    assert code == 0
    sources = json.loads(out)["sources"]
    setting = next(s for s in sources if s["branch"] == "school-setting")
    assert setting["source"] == "calibrated" and setting["reviewed_on"] == AS_OF
    assert setting["values"]["specialist-provision"] == pytest.approx(truth["school-setting"]["specialist-provision"],
                                                                      abs=0.05)


def test_calibrate_can_leave_out_nonconforming_cases(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "events.csv"
    log.write_text("id,type,date\na,chc-eligible,2021-01-01\nb,chc-checklist,2021-01-01\nb,chc-eligible,2021-02-01\n")
    code, _, _ = run_main(capsys, "calibrate", str(log), "--out", str(tmp_path / "r"), "--as-of", AS_OF,
                          "--exclude-nonconforming")
    assert code == 0
    branch = next(b for b in json.loads((tmp_path / "r.json").read_text())["branches"]
                  if b["branch"] == "adult-continuing-healthcare")
    assert (branch["cases"], branch["excluded"]) == (1, 1)


@pytest.mark.parametrize(
    ("content", "extra", "needles"),
    [
        ("id,type\na,chc-eligible\n", (), ("missing required column 'date'",)),
        ("id,type,date\na,chc-checklist,2021-01-01\n", (), ("no case in the event log reached a route branch",)),
        ("id,type,date\n", ("--level", "1.5"), ("--level", "between 0 and 1")),
        ("id,type,date\n", ("--prior-cases", "0"), ("--prior-cases", "positive")),
        ("id,type,date\n", ("--area", "atlantis"), ("unknown area 'atlantis'",)),
    ],
)
def test_calibrate_bad_input_is_one_line(tmp_path: Path, content: str, extra: tuple[str, ...],
                                         needles: tuple[str, ...]) -> None:
    log = tmp_path / "events.csv"
    log.write_text(content)
    result = run_cli("calibrate", str(log), "--out", str(tmp_path / "out"), *extra)
    assert_one_line_error(result, *needles)
    assert not list(tmp_path.glob("out*"))


def test_calibrate_needs_out_and_a_readable_log(tmp_path: Path) -> None:
    assert_one_line_error(run_cli("calibrate", str(tmp_path / "none.csv"), "--out", str(tmp_path / "x")),
                          "cannot read")
    assert_one_line_error(run_cli("calibrate", str(tmp_path / "none.csv")), "--out")
