"""A real browser opens the roadmap page: it draws something, and it prints on 3 A4 pages.

Headless Chromium from the Debian package (``apt-get install -y chromium``).
Without it the tests are skipped on a workstation, but they fail when the ``CI``
environment variable is set, so CI can never pass them silently. The page, the
screenshot and the PDF are kept in ``test-artifacts/`` (git-ignored) to look at.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import tempfile
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures_roadmap import typical_roadmap, typical_routes

from roadmaps.render import palette as pal
from roadmaps.render._html import render_html

CHROMIUM = Path("/usr/bin/chromium")
TIMEOUT_SECONDS = 60
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
WINDOW = (1280, 2000)
A4_POINTS = (595.0, 842.0)
MAX_PAGES = {"practitioner": 3, "family": 4}

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


@pytest.fixture(scope="module")
def chromium() -> str:
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return str(CHROMIUM)
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing; CI must install it (apt-get install -y chromium)")
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium)")


@pytest.fixture(scope="module", params=["practitioner", "family"])
def page_file(request: pytest.FixtureRequest) -> Iterator[tuple[str, Path]]:
    audience = str(request.param)
    ARTIFACTS.mkdir(exist_ok=True)
    # The practitioner copy carries the likely routes, as `--routes` would add them.
    routes = typical_routes() if audience == "practitioner" else None
    path = ARTIFACTS / f"roadmap-{audience}.html"
    path.write_text(
        render_html(typical_roadmap(), audience=audience, routes=routes),  # type: ignore[arg-type]
        encoding="utf-8",
    )
    yield audience, path


def _run_chromium(chromium: str, *arguments: str) -> None:
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        result = subprocess.run(
            [chromium, *FLAGS, f"--user-data-dir={profile}", *arguments],
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-2000:]


# --- a small PNG decoder (no Pillow) ---------------------------------------------------


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def decode_png(data: bytes) -> tuple[int, int, int, list[bytes]]:
    """Decode an 8-bit, non-interlaced PNG into (width, height, channels, rows)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, idat, header = 8, [], None
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    assert header is not None, "PNG without IHDR"
    width, height, depth, colour_type, _, _, interlace = header
    assert depth == 8 and interlace == 0, "only 8-bit, non-interlaced PNGs are expected"
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour_type]
    stride = width * channels
    raw = zlib.decompress(b"".join(idat))
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind_of_filter = raw[start]
        line = bytearray(raw[start + 1 : start + 1 + stride])
        if kind_of_filter == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 0xFF
        elif kind_of_filter == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
        elif kind_of_filter == 3:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind_of_filter == 4:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                upper_left = previous[i - channels] if i >= channels else 0
                line[i] = (line[i] + _paeth(left, previous[i], upper_left)) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, channels, rows


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def test_png_decoder_reads_a_known_image() -> None:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    # 2x2 RGB: filter None, then filter Up adding 1 to each byte.
    raw = b"\x00" + bytes([10, 20, 30, 40, 50, 60]) + b"\x02" + bytes([1] * 6)
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    assert decode_png(png) == (
        2,
        2,
        3,
        [bytes([10, 20, 30, 40, 50, 60]), bytes([11, 21, 31, 41, 51, 61])],
    )


# --- the browser checks -----------------------------------------------------------------


def test_screenshot_is_not_blank(chromium: str, page_file: tuple[str, Path]) -> None:
    audience, page = page_file
    png = ARTIFACTS / f"roadmap-{audience}.png"
    png.unlink(missing_ok=True)
    _run_chromium(
        chromium,
        f"--screenshot={png}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        page.as_uri(),
    )
    assert png.is_file(), "Chromium wrote no screenshot"
    width, height, channels, rows = decode_png(png.read_bytes())
    assert (width, height) == WINDOW
    pixels: Counter[tuple[int, ...]] = Counter()
    for row in rows:
        for x in range(0, width * channels, channels):
            pixels[tuple(row[x : x + 3])] += 1
    total = width * height
    background, count = pixels.most_common(1)[0]
    assert background == _rgb(pal.BACKGROUND), "the page background is the palette's"
    assert total - count > total * 0.08, "less than 8% of the screenshot is drawn on"
    assert len(pixels) > 200, "too few distinct colours for text and a timeline"
    dark = sum(n for rgb, n in pixels.items() if sum(rgb) < 3 * 90)
    assert dark > 5000, "no dark text pixels"
    # The inline SVG was drawn: its lane backgrounds and bar colours are on screen.
    for colour in (
        pal.AGENCY_TINTS["education"],
        pal.AGENCY_COLOURS["health"],
        pal.GAP_TINT if audience == "family" else pal.AGENCY_TINTS["social-care"],
    ):
        assert pixels[_rgb(colour)] > 500, f"{colour} is missing from the screenshot"


def _page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def test_page_counter_ignores_the_pages_tree() -> None:
    assert _page_count(b"<< /Type /Pages /Kids [] >> << /Type /Page >> <</Type/Page/X 1>>") == 2


def test_prints_on_few_a4_pages(chromium: str, page_file: tuple[str, Path]) -> None:
    audience, page = page_file
    pdf_path = ARTIFACTS / f"roadmap-{audience}.pdf"
    pdf_path.unlink(missing_ok=True)
    _run_chromium(chromium, "--no-pdf-header-footer", f"--print-to-pdf={pdf_path}", page.as_uri())
    assert pdf_path.is_file(), "Chromium wrote no PDF"
    pdf = pdf_path.read_bytes()
    pages = _page_count(pdf)
    assert 1 <= pages <= MAX_PAGES[audience], f"{audience} page prints on {pages} pages"
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert boxes, "no page sizes in the PDF"
    for width, height in boxes:
        assert abs(float(width) - A4_POINTS[0]) < 2 and abs(float(height) - A4_POINTS[1]) < 2


def test_artifacts_directory_is_ignored_by_git() -> None:
    gitignore = Path(__file__).resolve().parents[3] / ".gitignore"
    if not gitignore.is_file():
        pytest.skip("no .gitignore to check")
    assert "test-artifacts/" in gitignore.read_text(encoding="utf-8").split()


EXAMPLE_PAGES = sorted(Path(__file__).resolve().parents[3].glob("examples/output/*/roadmap.html"))


@pytest.mark.parametrize("page", EXAMPLE_PAGES, ids=lambda p: p.parent.name)
def test_real_example_roadmaps_print_on_three_pages(chromium: str, page: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    pdf_path = ARTIFACTS / f"{page.parent.name}.pdf"
    pdf_path.unlink(missing_ok=True)
    _run_chromium(chromium, "--no-pdf-header-footer", f"--print-to-pdf={pdf_path}", page.as_uri())
    pages = _page_count(pdf_path.read_bytes())
    assert 1 <= pages <= MAX_PAGES["practitioner"], f"{page.parent.name} prints on {pages} pages"
