"""The timeline SVG: valid XML, accessible, one mark per entry, gaps never by colour alone."""

from __future__ import annotations

import dataclasses
import itertools
import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date, timedelta

import pytest
from fixtures_roadmap import typical_roadmap
from hypothesis import given, settings
from hypothesis import strategies as st

from roadmaps.model import STATUSES, Entry, Roadmap, RuleRef
from roadmaps.render._svg import STATUS_SHAPES, _text_width, render_svg

NS = "{http://www.w3.org/2000/svg}"
VARIANTS = [
    (lanes, audience) for lanes in ("agency", "pfa") for audience in ("practitioner", "family")
]


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def _groups(root: ET.Element, cls: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{NS}g") if g.get("class") == cls]


def _texts(element: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in element.iter(f"{NS}text")]


@pytest.fixture(scope="module")
def roadmap() -> Roadmap:
    return typical_roadmap()


@pytest.mark.parametrize(("lanes", "audience"), VARIANTS)
def test_parses_and_is_labelled_for_screen_readers(
    roadmap: Roadmap, lanes: str, audience: str
) -> None:
    root = _parse(render_svg(roadmap, lanes=lanes, audience=audience))  # type: ignore[arg-type]
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    title, desc = root[0], root[1]
    assert title.tag == f"{NS}title" and (title.text or "").strip()
    assert desc.tag == f"{NS}desc" and len(desc.text or "") > 80
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert root.get("viewBox", "").startswith("0 0 ")


@pytest.mark.parametrize(("lanes", "audience"), VARIANTS)
def test_exactly_one_milestone_mark_per_entry(roadmap: Roadmap, lanes: str, audience: str) -> None:
    root = _parse(render_svg(roadmap, lanes=lanes, audience=audience))  # type: ignore[arg-type]
    marks = _groups(root, "milestone")
    assert len(marks) == len(roadmap.entries)
    assert Counter(m.get("data-id") for m in marks) == Counter(e.id for e in roadmap.entries)
    for mark in marks:
        assert mark.find(f"{NS}title") is not None, "each mark has its own accessible name"
        assert _texts(mark), "each mark is labelled with text"


def test_description_summarises_the_roadmap(roadmap: Roadmap) -> None:
    root = _parse(render_svg(roadmap))
    desc = root.find(f"{NS}desc")
    assert desc is not None and desc.text
    assert "as of 2 November 2026" in desc.text
    assert f"{len(roadmap.entries)} entries" in desc.text
    for gap in roadmap.gaps:
        assert gap.title in desc.text


def test_gaps_are_marked_with_a_symbol_and_a_label_not_colour_alone(roadmap: Roadmap) -> None:
    root = _parse(render_svg(roadmap))
    gaps = _groups(root, "gap")
    assert sorted(g.get("data-rule", "") for g in gaps) == sorted(g.rule for g in roadmap.gaps)
    for group in gaps:
        assert group.find(f"{NS}polygon") is not None, "warning triangle"
        texts = _texts(group)
        assert "!" in texts, "the triangle carries an exclamation mark"
        assert any(t.startswith("Gap: ") for t in texts), "and a text label"


def test_overdue_entries_stand_out(roadmap: Roadmap) -> None:
    root = _parse(render_svg(roadmap))
    overdue = [m for m in _groups(root, "milestone") if m.get("data-status") == "overdue"]
    assert len(overdue) == sum(e.status == "overdue" for e in roadmap.entries) > 0
    for mark in overdue:
        circle = next(mark.iter(f"{NS}circle"), None)
        assert circle is not None and float(circle.get("stroke-width", "0")) >= 3
        assert "!" in _texts(mark)
        label = [t for t in mark.iter(f"{NS}text") if (t.text or "").startswith("Overdue: ")]
        assert label and label[0].get("font-weight") == "bold"


def test_family_overdue_label_uses_plain_words(roadmap: Roadmap) -> None:
    root = _parse(render_svg(roadmap, audience="family"))
    texts = [t for m in _groups(root, "milestone") for t in _texts(m)]
    assert any(t.startswith("Late: ") for t in texts)
    assert not any(t.startswith("Overdue") for t in texts)


def test_each_status_has_its_own_shape(roadmap: Roadmap) -> None:
    root = _parse(render_svg(roadmap))
    shapes: dict[str, set[str]] = {}
    for mark in _groups(root, "milestone"):
        marker = next(g for g in mark.iter(f"{NS}g") if "marker" in g.get("class", "").split())
        shapes.setdefault(mark.get("data-status", ""), set()).add(marker.get("class", ""))
    assert set(shapes) == set(STATUSES), "the fixture has every status"
    assert all(len(classes) == 1 for classes in shapes.values())
    assert len({next(iter(c)) for c in shapes.values()}) == len(STATUSES)
    assert set(STATUS_SHAPES) == set(STATUSES)


def test_services_are_bars_and_handovers_are_arrows(roadmap: Roadmap) -> None:
    root = _parse(render_svg(roadmap))
    bars = _groups(root, "service")
    assert sorted(b.get("data-id", "") for b in bars) == sorted(s.id for s in roadmap.services)
    for bar in bars:
        assert bar.find(f"{NS}rect") is not None
    ids = {s.id for s in roadmap.services}
    expected = {(s.id, t) for s in roadmap.services for t in s.successors if t in ids}
    arrows = {
        (p.get("data-from"), p.get("data-to"))
        for p in root.iter(f"{NS}path")
        if p.get("class") == "handover"
    }
    assert arrows == expected
    assert all(
        p.get("marker-end") == "url(#rt-arrow)"
        for p in root.iter(f"{NS}path")
        if p.get("class") == "handover"
    )


def test_axis_shows_ages_years_as_of_and_18(roadmap: Roadmap) -> None:
    root = _parse(render_svg(roadmap))
    texts = set(_texts(root))
    assert {str(age) for age in range(14, 26)} <= texts
    assert {str(year) for year in range(2024, 2034)} <= texts
    assert "As of 2 Nov 2026" in texts
    classes = {p.get("class") for p in root.iter(f"{NS}path")}
    assert {"as-of", "age-18"} <= classes


def test_family_timeline_has_no_rule_ids(roadmap: Roadmap) -> None:
    root = _parse(render_svg(roadmap, audience="family"))
    text = " ".join(" ".join(e.itertext()) for e in root.iter())
    for entry in roadmap.entries:
        assert entry.rule.id not in text
    for gap in roadmap.gaps:
        assert gap.rule not in text
    assert "You are here: 2 Nov 2026" in text


@pytest.mark.parametrize(("lanes", "audience"), VARIANTS)
def test_output_is_deterministic_and_numbers_are_stable(
    roadmap: Roadmap, lanes: str, audience: str
) -> None:
    first = render_svg(roadmap, lanes=lanes, audience=audience)  # type: ignore[arg-type]
    again = render_svg(typical_roadmap(), lanes=lanes, audience=audience)  # type: ignore[arg-type]
    assert first == again
    shuffled = dataclasses.replace(roadmap, entries=tuple(reversed(roadmap.entries)))
    assert render_svg(shuffled, lanes=lanes, audience=audience) == first  # type: ignore[arg-type]
    root = _parse(first)
    for element in root.iter():
        for name in ("x", "y", "width", "height", "cx", "cy", "r"):
            value = element.get(name)
            if value is not None:
                assert re.fullmatch(r"-?\d+(\.\d)?", value), (name, value)
    ids = {e.get("id") for e in root.iter() if e.get("id")}
    assert ids == {"rt-title", "rt-desc", "rt-arrow"}


@pytest.mark.parametrize(("lanes", "audience"), VARIANTS)
def test_labels_in_a_row_do_not_overlap(roadmap: Roadmap, lanes: str, audience: str) -> None:
    root = _parse(render_svg(roadmap, lanes=lanes, audience=audience))  # type: ignore[arg-type]
    rows: dict[str, list[tuple[float, float, str]]] = {}
    for group in [*_groups(root, "milestone"), *_groups(root, "gap")]:
        for text in group.iter(f"{NS}text"):
            content = text.text or ""
            if content == "!":
                continue
            x = float(text.get("x", "0"))
            width = _text_width(
                content, float(text.get("font-size", "12")), text.get("font-weight") == "bold"
            )
            left = x - width if text.get("text-anchor") == "end" else x
            rows.setdefault(text.get("y", ""), []).append((left, left + width, content))
    assert rows
    for y, labels in rows.items():
        labels.sort()
        for (_, end, first), (start, _, second) in itertools.pairwise(labels):
            assert end <= start + 0.5, f"row y={y}: {first!r} overlaps {second!r}"


def test_text_is_escaped() -> None:
    roadmap = typical_roadmap()
    entry = dataclasses.replace(roadmap.entries[0], title='Review <b> & "plan"')
    svg = render_svg(dataclasses.replace(roadmap, entries=(entry, *roadmap.entries[1:])))
    root = _parse(svg)
    assert any('Review <b> & "plan"' in t for t in _texts(root))


def test_empty_roadmap_still_renders() -> None:
    roadmap = dataclasses.replace(typical_roadmap(), entries=(), gaps=(), services=())
    root = _parse(render_svg(roadmap))
    assert _groups(root, "milestone") == []
    assert root.find(f"{NS}desc") is not None


def test_unknown_options_are_rejected(roadmap: Roadmap) -> None:
    with pytest.raises(ValueError, match="lanes"):
        render_svg(roadmap, lanes="cohort")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="audience"):
        render_svg(roadmap, audience="board")  # type: ignore[arg-type]


_BASE = typical_roadmap()
_RULE = RuleRef(id="test.rule", status="verified")


@st.composite
def _entries(draw: st.DrawFn) -> tuple[Entry, ...]:
    count = draw(st.integers(min_value=0, max_value=40))
    entries = []
    for index in range(count):
        offset = draw(st.integers(min_value=-400, max_value=(_BASE.end - _BASE.start).days + 400))
        on = _BASE.start + timedelta(days=offset)
        window = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=400)))
        entries.append(
            Entry(
                id=f"entry-{index}",
                kind="milestone",
                date=on,
                age_years=17,
                age_months=0,
                title=draw(st.text(alphabet="abcdefghij KLMNOP&<>'", min_size=1, max_size=60)),
                description="",
                agency=draw(st.sampled_from(("education", "health", "social-care", "other"))),
                owner="someone",
                owner_id=None,
                status=draw(st.sampled_from(STATUSES)),
                rule=_RULE,
                cohorts=(),
                window_start=on - timedelta(days=window) if window else None,
                pfa_area=draw(st.sampled_from((None, "employment", "good-health", "home"))),
            )
        )
    return tuple(entries)


@settings(max_examples=40, deadline=None)
@given(entries=_entries(), lanes=st.sampled_from(("agency", "pfa")))
def test_any_entries_give_valid_svg_with_one_mark_each(
    entries: tuple[Entry, ...], lanes: str
) -> None:
    roadmap = dataclasses.replace(_BASE, entries=entries)
    svg = render_svg(roadmap, lanes=lanes)  # type: ignore[arg-type]
    root = _parse(svg)
    assert len(_groups(root, "milestone")) == len(entries)
    assert render_svg(roadmap, lanes=lanes) == svg  # type: ignore[arg-type]


def test_axis_stretches_to_an_entry_after_the_25th_birthday(roadmap: Roadmap) -> None:
    late = max(e.date for e in roadmap.entries)
    assert late > roadmap.end  # ehcp-latest-end: 31 July after the 25th birthday
    root = _parse(render_svg(roadmap))
    mark = next(m for m in _groups(root, "milestone") if m.get("data-id") == "ehcp-latest-end")
    circle = next(mark.iter(f"{NS}circle"), None)
    assert circle is not None
    view_width = float(root.get("viewBox", "0 0 0 0").split()[2])
    assert float(circle.get("cx", "0")) < view_width
    assert date(2034, 7, 31) == late
