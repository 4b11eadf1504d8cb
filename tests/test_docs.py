"""The documentation's links and the code paths it names still exist after the layout moved."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
CODE_PATH = re.compile(r"`((?:pathways|cohorts|roadmaps|tests|scripts|benchmarks|examples)/[\w./-]+\.(?:py|yaml|html|md))`")


def test_relative_links_point_at_files() -> None:
    broken = [
        f"{page.relative_to(ROOT)}: {target}"
        for page in PAGES
        for target in LINK.findall(page.read_text(encoding="utf-8"))
        if "://" not in target and not target.startswith("mailto:")
        and not (page.parent / target).exists()
    ]
    assert broken == []


def test_code_paths_named_in_the_docs_exist() -> None:
    missing = [
        f"{page.relative_to(ROOT)}: {path}"
        for page in PAGES
        for path in CODE_PATH.findall(page.read_text(encoding="utf-8"))
        if "*" not in path and not (ROOT / path).exists()
    ]
    assert missing == []
