"""Regenerate the committed example outputs in examples/output/ (run after changing rules or renderers).

    python scripts/make_examples.py            # write the files
    python scripts/make_examples.py --check    # exit 1 if any committed file is out of date

Every example young person is drawn up as of the same fixed date, so the files are
byte-for-byte reproducible. Pathway maps are written as DOT (no binary needed) and,
when the Graphviz program is installed, as SVG too (SVG is not part of --check,
because its bytes depend on the Graphviz version).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cohorts import load_pathway, load_person  # noqa: E402
from pathways._dot import graphviz_available, render_dot, to_dot  # noqa: E402
from roadmaps import generate_roadmap, render_json, render_markdown  # noqa: E402
from roadmaps.render._html import render_html  # noqa: E402
from roadmaps.render._svg import render_svg  # noqa: E402

AS_OF = date(2026, 11, 23)
OUT = ROOT / "examples" / "output"


def area_for(path: Path) -> str:
    for area in ("leicester", "peterborough"):
        if area in path.stem:
            return area
    return "england"


def outputs() -> dict[str, str]:
    """Every checked output: relative path -> text."""
    files: dict[str, str] = {}
    for path in sorted((ROOT / "examples" / "people").glob("*.yaml")):
        area = area_for(path)
        roadmap = generate_roadmap(load_person(path), as_of=AS_OF, area=area)
        stem = path.stem
        files[f"{stem}/roadmap.md"] = render_markdown(roadmap)
        files[f"{stem}/roadmap.json"] = render_json(roadmap)
        files[f"{stem}/roadmap.html"] = render_html(roadmap, audience="practitioner")
        files[f"{stem}/roadmap-family.html"] = render_html(roadmap, audience="family")
        files[f"{stem}/timeline.svg"] = render_svg(roadmap)
    for area in ("england", "leicester", "peterborough"):
        files[f"pathway-{area}.dot"] = to_dot(load_pathway(area))
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report out-of-date files instead of writing")
    args = parser.parse_args()
    stale = []
    for name, text in outputs().items():
        target = OUT / name
        if args.check:
            if not target.is_file() or target.read_text(encoding="utf-8") != text:
                stale.append(name)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    if args.check:
        for name in stale:
            print(f"out of date: examples/output/{name} (run: python scripts/make_examples.py)")
        return 1 if stale else 0
    if graphviz_available():
        for area in ("england", "leicester", "peterborough"):
            (OUT / f"pathway-{area}.svg").write_bytes(render_dot(to_dot(load_pathway(area)), "svg"))
    print(f"wrote examples/output ({len(list(OUT.rglob('*.*')))} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
