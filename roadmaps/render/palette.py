"""The colours of the timeline picture and the roadmap page, checked for WCAG 2.2 AA.

Every colour the SVG and HTML renderers use comes from here, so the contrast
test in ``tests/roadmaps/render/test_palette.py`` covers the whole page. Colour never
carries meaning alone: each status also has a shape and a word, and each gap a
warning triangle and a label.

WCAG 2.2 success criteria 1.4.3 (text, 4.5:1) and 1.4.11 (graphical objects
that carry meaning, 3:1) set the thresholds; :func:`contrast_pairs` lists every
foreground/background pair the renderers draw, with the threshold it must meet.

>>> round(contrast_ratio("#000000", "#ffffff"), 1)
21.0
"""

from __future__ import annotations

from dataclasses import dataclass

from roadmaps.model import AGENCIES, STATUSES, Agency, Severity, Status

# WCAG 2.2 SC 1.4.3 (normal text) and SC 1.4.11 (non-text contrast).
AA_TEXT = 4.5
AA_GRAPHIC = 3.0

BACKGROUND = "#ffffff"
TEXT = "#1a1a1a"
TEXT_MUTED = "#4f4f4f"
SURFACE = "#f1f3f5"  # table headers, zebra rows, the legend box
BORDER = "#6e6e6e"  # table rules and the axis: meaningful lines, so 3:1
GRID = "#d5d8dc"  # decorative year lines behind the marks; they carry no meaning
AGE_18 = "#3d3d3d"  # the line at the 18th birthday, when the law changes
AS_OF = "#1a1a1a"  # the dashed "as of" line
HANDOVER = "#3d3d3d"  # arrows from a service to its successor
ON_COLOUR = "#ffffff"  # text and glyphs drawn on a solid colour (badges, bars, marks)

STATUS_COLOURS: dict[Status, str] = {
    "done": "#1e6b34",
    "due": "#8a4b00",
    "overdue": "#b3261e",
    "upcoming": "#1d4f91",
    "not-applicable": "#5c5c5c",
}

AGENCY_COLOURS: dict[Agency, str] = {
    "education": "#2b5c8a",
    "health": "#00695c",
    "social-care": "#6a3d9a",
    "other": "#6b4a2e",
}

# Pale lane backgrounds; the lane name is written on them in the agency colour.
AGENCY_TINTS: dict[Agency, str] = {
    "education": "#eef3f9",
    "health": "#ebf5f3",
    "social-care": "#f3eff8",
    "other": "#f6f2ee",
}

# The timeline's Preparing for Adulthood lanes reuse the agency colours in order.
PFA_COLOURS: tuple[tuple[str, str], ...] = (
    ("#2b5c8a", "#eef3f9"),
    ("#6b4a2e", "#f6f2ee"),
    ("#6a3d9a", "#f3eff8"),
    ("#00695c", "#ebf5f3"),
    ("#4f4f4f", "#f1f3f5"),
)

GAP = "#a3195b"  # the warning triangle and gap labels: a hue no status or agency uses
GAP_TINT = "#fbeef4"  # background of a gap card on the page

SEVERITY_COLOURS: dict[Severity, str] = {
    "high": "#a3195b",
    "medium": "#8a4b00",
    "low": "#4f4f4f",
}


@dataclass(frozen=True, slots=True)
class ContrastPair:
    """A foreground drawn on a background, and the contrast it must reach."""

    name: str
    foreground: str
    background: str
    minimum: float


def _channel(value: int) -> float:
    """Linearise one sRGB channel (WCAG 2.x definition of relative luminance)."""
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _rgb(colour: str) -> tuple[int, int, int]:
    text = colour.lstrip("#")
    if len(text) == 3:
        text = "".join(ch * 2 for ch in text)
    if len(text) != 6:
        raise ValueError(f"expected a colour like #1a2b3c, got {colour!r}")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def relative_luminance(colour: str) -> float:
    """The relative luminance of an sRGB colour, from 0 (black) to 1 (white).

    As defined in WCAG 2.2 ("relative luminance"): 0.2126 R + 0.7152 G + 0.0722 B
    over the linearised channels.

    >>> relative_luminance("#ffffff")
    1.0
    >>> relative_luminance("#000000")
    0.0
    """
    r, g, b = (_channel(v) for v in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """The WCAG contrast ratio (L1 + 0.05) / (L2 + 0.05), from 1 to 21, in either order.

    >>> round(contrast_ratio("#767676", "#ffffff"), 2)
    4.54
    """
    a, b = relative_luminance(first), relative_luminance(second)
    lighter, darker = max(a, b), min(a, b)
    return (lighter + 0.05) / (darker + 0.05)


def contrast_pairs() -> tuple[ContrastPair, ...]:
    """Every foreground/background pair the renderers draw, with its AA threshold."""
    pairs: list[ContrastPair] = []

    def text(name: str, fg: str, bg: str) -> None:
        pairs.append(ContrastPair(name, fg, bg, AA_TEXT))

    def graphic(name: str, fg: str, bg: str) -> None:
        pairs.append(ContrastPair(name, fg, bg, AA_GRAPHIC))

    for bg_name, bg in (("background", BACKGROUND), ("surface", SURFACE)):
        text(f"text on {bg_name}", TEXT, bg)
        text(f"muted text on {bg_name}", TEXT_MUTED, bg)
        text(f"gap text on {bg_name}", GAP, bg)
        graphic(f"border on {bg_name}", BORDER, bg)
    text("text on gap card", TEXT, GAP_TINT)
    text("gap heading on gap card", GAP, GAP_TINT)
    graphic("gap card edge", GAP, GAP_TINT)
    for status in STATUSES:
        colour = STATUS_COLOURS[status]
        text(f"badge text on {status}", ON_COLOUR, colour)
        text(f"{status} text on background", colour, BACKGROUND)
        text(f"{status} text on surface", colour, SURFACE)
        for agency in AGENCIES:
            graphic(f"{status} mark on {agency} lane", colour, AGENCY_TINTS[agency])
    for severity, colour in SEVERITY_COLOURS.items():
        text(f"badge text on {severity} severity", ON_COLOUR, colour)
    text("glyph on gap mark", ON_COLOUR, GAP)
    for agency in AGENCIES:
        colour, tint = AGENCY_COLOURS[agency], AGENCY_TINTS[agency]
        text(f"{agency} lane name on its lane", colour, tint)
        text(f"text on {agency} lane", TEXT, tint)
        text(f"muted text on {agency} lane", TEXT_MUTED, tint)
        text(f"gap label on {agency} lane", GAP, tint)
        text(f"overdue label on {agency} lane", STATUS_COLOURS["overdue"], tint)
        text(f"label on {agency} service bar", ON_COLOUR, colour)
        graphic(f"{agency} service bar on its lane", colour, tint)
        graphic(f"{agency} service bar on the services lane", colour, SURFACE)
        graphic(f"gap mark on {agency} lane", GAP, tint)
        graphic(f"handover arrow on {agency} lane", HANDOVER, tint)
        graphic(f"as-of line on {agency} lane", AS_OF, tint)
        graphic(f"age-18 line on {agency} lane", AGE_18, tint)
    for index, (colour, tint) in enumerate(PFA_COLOURS):
        text(f"PfA lane {index} name", colour, tint)
        text(f"text on PfA lane {index}", TEXT, tint)
        text(f"gap label on PfA lane {index}", GAP, tint)
        text(f"overdue label on PfA lane {index}", STATUS_COLOURS["overdue"], tint)
        graphic(f"gap mark on PfA lane {index}", GAP, tint)
        for status in STATUSES:
            graphic(f"{status} mark on PfA lane {index}", STATUS_COLOURS[status], tint)
    return tuple(pairs)


def all_colours() -> frozenset[str]:
    """Every colour in the palette, lower-case, for checking that renderers use no other."""
    colours = {
        BACKGROUND,
        TEXT,
        TEXT_MUTED,
        SURFACE,
        BORDER,
        GRID,
        AGE_18,
        AS_OF,
        HANDOVER,
        ON_COLOUR,
        GAP,
        GAP_TINT,
        *STATUS_COLOURS.values(),
        *AGENCY_COLOURS.values(),
        *AGENCY_TINTS.values(),
        *SEVERITY_COLOURS.values(),
    }
    for colour, tint in PFA_COLOURS:
        colours.update((colour, tint))
    return frozenset(c.lower() for c in colours)
