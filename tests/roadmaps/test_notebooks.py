"""The example notebooks run from top to bottom (so they cannot rot) and show what they promise."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("pandas")

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "examples").glob("*.ipynb"))


def _execute(path: Path) -> object:
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    )
    client.execute()
    return notebook


def _outputs(notebook: object) -> list[dict]:  # type: ignore[type-arg]
    return [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]  # type: ignore[attr-defined]


def test_there_is_an_example_notebook() -> None:
    assert [p.name for p in NOTEBOOKS] == ["reform-analysis.ipynb"]
    notebook = nbformat.read(NOTEBOOKS[0], as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")


def test_the_reform_notebook_runs_and_compares_three_reforms() -> None:
    notebook = _execute(ROOT / "examples" / "reform-analysis.ipynb")
    outputs = _outputs(notebook)
    assert not [o for o in outputs if o["output_type"] == "error"]
    html = "\n".join(o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {}))
    for name in ("Transitions assessment by 16", "Personal adviser support automatic to 25",
                 "Leicester adopts Peterborough&#x27;s offer"):  # fmt: skip
        assert name in html
    assert "<svg" in html  # the comparison's difference charts
    assert "Young people with each gap" in html  # the baseline population result
    text = "\n".join(o.get("text", "") for o in outputs if o["output_type"] == "stream")
    assert "rows in 12900 = processed 12900 + rejected 0" in text
    assert "Changes under reform: Transitions assessment by 16" in text
    assert "transition-assessment:" in text and "days)" in text
