"""Synthetic populations: deterministic, realistic in mix, and cited."""

from __future__ import annotations

import csv
import unicodedata
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from cohorts._synth import (
    DATA_FILE,
    load_synthetic_mix,
    synthesise,
    synthetic_event_types,
)
from pathways import RuleDataError
from pathways._dates import age_on
from roadmaps.population._input import Accounting, iter_people

AS_OF = date(2026, 1, 1)
SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
EVENT_TYPES = {
    "transition-planning", "ehcp-annual-review", "transition-assessment", "pathway-needs-assessment",
    "pathway-plan", "personal-adviser-appointed", "adult-care-decision", "chc-checklist", "chc-decision",
}  # fmt: skip


def _bytes(folder: Path) -> dict[str, bytes]:
    return {
        name: (folder / name).read_bytes() for name in ("people.csv", "episodes.csv", "events.csv")
    }


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    synthesise(500, 42, tmp_path / "a", as_of=AS_OF, bad_fraction=0.02)
    synthesise(500, 42, tmp_path / "b", as_of=AS_OF, bad_fraction=0.02)
    synthesise(500, 43, tmp_path / "c", as_of=AS_OF, bad_fraction=0.02)
    a, b, c = (_bytes(tmp_path / x) for x in "abc")
    assert a == b
    assert all(a[name] != c[name] for name in a)


def test_bad_rows_do_not_change_the_good_people(tmp_path: Path) -> None:
    clean = synthesise(300, 5, tmp_path / "clean", as_of=AS_OF)
    synthesise(300, 5, tmp_path / "bad", as_of=AS_OF, bad_fraction=0.1)
    clean_rows = set(clean.people_path.read_text(encoding="utf-8").splitlines())
    bad_rows = set((tmp_path / "bad" / "people.csv").read_text(encoding="utf-8").splitlines())
    assert len(clean_rows & bad_rows) > 200  # the unbroken rows are identical
    assert bad_rows - clean_rows


def test_files_have_the_interface_columns_and_line_endings(tmp_path: Path) -> None:
    result = synthesise(50, 1, tmp_path, as_of=AS_OF)
    people = result.people_path.read_text(encoding="utf-8")
    assert people.splitlines()[0] == (
        "id,date_of_birth,ehcp_issued,ehcp_setting,ehcp_setting_end,"
        "care_needs_likely,continuing_care,primary_need,area"
    )
    assert "\r" not in people
    assert result.episodes_path.read_text(encoding="utf-8").startswith("id,start,end\n")
    assert result.events_path.read_text(encoding="utf-8").startswith("id,type,date\n")


def test_zero_people_writes_only_headers(tmp_path: Path) -> None:
    result = synthesise(0, 1, tmp_path, as_of=AS_OF)
    assert result.rows == 0
    assert len(result.people_path.read_text(encoding="utf-8").splitlines()) == 1


def test_arguments_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="n must be"):
        synthesise(-1, 1, tmp_path, as_of=AS_OF)
    with pytest.raises(ValueError, match="bad_fraction"):
        synthesise(1, 1, tmp_path, as_of=AS_OF, bad_fraction=1.5)


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, str]]]:
    folder = tmp_path_factory.mktemp("population")
    result = synthesise(4_000, 2026, folder, as_of=AS_OF)
    return folder, _rows(result.people_path)


def test_people_are_13_to_25_with_valid_records(
    population: tuple[Path, list[dict[str, str]]],
) -> None:
    folder, people = population
    assert [p["id"] for p in people] == [f"syn-{i:07d}" for i in range(1, len(people) + 1)]
    ages = Counter(age_on(date.fromisoformat(p["date_of_birth"]), AS_OF) for p in people)
    assert set(ages) == set(range(13, 26))
    accounting = Accounting()
    read = list(
        iter_people(
            folder / "people.csv",
            folder / "episodes.csv",
            folder / "events.csv",
            as_of=AS_OF,
            accounting=accounting,
            known_event_types=frozenset(EVENT_TYPES),
        )
    )
    assert len(read) == len(people) and accounting.rows_rejected == 0
    for person in read:
        assert all(e.date <= AS_OF for e in person.events)
        assert all(
            e.start <= AS_OF and e.start >= person.date_of_birth for e in person.care_episodes
        )
        for first, second in zip(person.care_episodes, person.care_episodes[1:], strict=False):
            assert first.end is not None and first.end < second.start  # no overlaps


def test_mix_follows_the_cited_proportions(population: tuple[Path, list[dict[str, str]]]) -> None:
    folder, people = population
    mix = load_synthetic_mix(AS_OF)
    looked_after = {r["id"] for r in _rows(folder / "episodes.csv")}
    share = len(looked_after) / len(people)
    assert abs(share - mix["share-looked-after"]) < 0.03
    in_care = [p for p in people if p["id"] in looked_after]
    with_plan = sum(bool(p["ehcp_issued"]) for p in in_care) / len(in_care)
    assert abs(with_plan - mix["ehcp-given-looked-after"]) < 0.04
    send = sum(bool(p["primary_need"]) for p in in_care) / len(in_care)
    assert abs(send - mix["send-given-looked-after"]) < 0.05
    every_cohort = [
        p["id"] in looked_after or p["ehcp_issued"] or p["care_needs_likely"] == "true"
        for p in people
    ]
    assert all(every_cohort)  # everyone is in at least one cohort
    plans = [p for p in people if p["ehcp_issued"]]
    assert {p["ehcp_setting"] for p in plans} >= {"school", "further-education", "none"}


def test_events_are_varied_on_time_late_and_missing(
    population: tuple[Path, list[dict[str, str]]],
) -> None:
    folder, people = population
    events = _rows(folder / "events.csv")
    assert {e["type"] for e in events} == EVENT_TYPES
    born = {p["id"]: date.fromisoformat(p["date_of_birth"]) for p in people}
    planning_ages = [
        (date.fromisoformat(e["date"]) - born[e["id"]]).days / 365.25
        for e in events
        if e["type"] == "transition-planning"
    ]
    on_time = sum(age < 14 for age in planning_ages)
    late = sum(age >= 14 for age in planning_ages)
    assert on_time > 0 and late > 0
    eligible = [p for p in people if p["ehcp_issued"] or p["care_needs_likely"] == "true"]
    old_enough = [p for p in eligible if age_on(born[p["id"]], AS_OF) >= 18]
    planned = {e["id"] for e in events if e["type"] == "transition-planning"}
    missing = [p for p in old_enough if p["id"] not in planned]
    assert 0 < len(missing) < len(old_enough)


def test_event_types_are_the_nine_of_the_person_file() -> None:
    assert synthetic_event_types() == EVENT_TYPES


# --- the rule data ----------------------------------------------------------------------------


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    for fancy, plain in (("\u2018", "'"), ("\u2019", "'"), ("\u201c", '"'), ("\u201d", '"'), ("\u2013", "-")):  # fmt: skip
        text = text.replace(fancy, plain)
    return " ".join(text.split())


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed files are not beside the repository")
def test_every_seed_quote_is_verbatim() -> None:
    import yaml

    data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    seeds = {
        p.name: _normalise(p.read_text(encoding="utf-8", errors="replace"))
        for p in SEEDS.glob("*.txt")
    }
    quoted = 0
    for parameter_id, parameter in data["parameters"].items():
        for reference in parameter.get("references", []):
            if "seed" in reference:
                assert reference["seed"] in seeds, parameter_id
                assert _normalise(reference["quote"]) in seeds[reference["seed"]], parameter_id
                quoted += 1
    assert quoted >= 10


def test_every_parameter_is_cited_or_an_explained_assumption() -> None:
    import yaml

    data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    for parameter_id, parameter in data["parameters"].items():
        assert parameter["status"] in {"cited", "derived", "assumption"}, parameter_id
        if parameter["status"] == "assumption":
            assert len(parameter["reason"]) > 20, parameter_id
        else:
            assert parameter["references"], parameter_id


def _edited(tmp_path: Path, old: str, new: str) -> Path:
    text = DATA_FILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "synthetic.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("  share-looked-after:\n", "  share-looked-afterr:\n", "unknown parameter"),
        ("      2019-01-01: 0.28\n", "      2019-01-01: 1.28\n", "value is not valid"),
        (
            "    reason: The seeds give no figure for adult care needs among looked-after children.\n",
            "",
            "an assumption needs a reason",
        ),
        ("    status: cited\n", "    status: guessed\n", "status"),
        ("  area:\n    label:", "  area:\n    colour: red\n    label:", "colour"),
        (
            "        quote: \"'young people' can refer to people up to age 25\"\n",
            "",
            "a seed reference needs the quote",
        ),
        ("        provision: s.44(1)\n", "        provision: s.44(1)\n        page: 12\n", "page"),
        (
            "        leicester: 60\n",
            "        leicester: 60\n        leicester: 1\n",
            "duplicate key",
        ),
    ],
)
def test_bad_rule_data_names_the_file_and_line(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    path = _edited(tmp_path, old, new)
    with pytest.raises(RuleDataError, match=message) as caught:
        load_synthetic_mix(AS_OF, path)
    assert str(path) in str(caught.value)
    assert caught.value.line is not None or caught.value.id is not None
