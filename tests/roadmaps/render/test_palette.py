"""The palette meets WCAG 2.2 AA, and the renderers use no colour outside it."""

from __future__ import annotations

import re

import pytest
from fixtures_roadmap import typical_roadmap, typical_routes

from roadmaps.render import palette as pal
from roadmaps.render._html import render_html
from roadmaps.render._svg import render_svg

PAIRS = pal.contrast_pairs()


@pytest.mark.parametrize("pair", PAIRS, ids=[p.name for p in PAIRS])
def test_every_pair_meets_aa(pair: pal.ContrastPair) -> None:
    ratio = pal.contrast_ratio(pair.foreground, pair.background)
    assert ratio >= pair.minimum, (
        f"{pair.name}: {pair.foreground} on {pair.background} is {ratio:.2f}:1, "
        f"needs {pair.minimum}:1"
    )


def test_thresholds_are_the_wcag_aa_ones() -> None:
    assert pal.AA_TEXT == 4.5
    assert pal.AA_GRAPHIC == 3.0
    text_pairs = [p for p in PAIRS if p.minimum == pal.AA_TEXT]
    assert len(text_pairs) > 40


@pytest.mark.parametrize(
    ("colour", "expected"),
    [("#ffffff", 1.0), ("#000000", 0.0), ("#fff", 1.0), ("#808080", 0.2158605)],
)
def test_relative_luminance(colour: str, expected: float) -> None:
    assert pal.relative_luminance(colour) == pytest.approx(expected, abs=1e-6)


def test_contrast_ratio_reference_values() -> None:
    assert pal.contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert pal.contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    # The lightest grey that passes AA on white, a well-known reference value.
    assert pal.contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert pal.contrast_ratio("#777777", "#ffffff") < 4.5


def test_contrast_ratio_is_symmetric() -> None:
    for pair in PAIRS[:20]:
        assert pal.contrast_ratio(pair.foreground, pair.background) == pytest.approx(
            pal.contrast_ratio(pair.background, pair.foreground)
        )


def test_bad_colour_is_rejected() -> None:
    with pytest.raises(ValueError, match="expected a colour"):
        pal.relative_luminance("#12345")


def test_every_status_agency_and_severity_has_a_colour() -> None:
    from roadmaps.model import AGENCIES, STATUSES

    assert set(pal.STATUS_COLOURS) == set(STATUSES)
    assert set(pal.AGENCY_COLOURS) == set(AGENCIES) == set(pal.AGENCY_TINTS)
    assert set(pal.SEVERITY_COLOURS) == {"high", "medium", "low"}


def _colours_in(text: str) -> set[str]:
    return {c.lower() for c in re.findall(r"#[0-9a-fA-F]{6}\b", text)}


@pytest.mark.parametrize("audience", ["practitioner", "family"])
def test_renderers_use_only_palette_colours(audience: str) -> None:
    roadmap = typical_roadmap()
    svg = render_svg(roadmap, audience=audience)  # type: ignore[arg-type]
    svg_pfa = render_svg(roadmap, lanes="pfa", audience=audience)  # type: ignore[arg-type]
    page = render_html(roadmap, audience=audience, routes=typical_routes())  # type: ignore[arg-type]
    used = _colours_in(svg) | _colours_in(svg_pfa) | _colours_in(page)
    assert used, "expected the renderers to use colours"
    assert used <= pal.all_colours(), used - pal.all_colours()
