"""Fixtures of the web app's tests: the app, its test client, population files and a
watched working directory.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from web_helpers import SECRET, TODAY

from roadmaps.web._app import create_app


@pytest.fixture
def app() -> Any:
    return create_app(secret=SECRET, today=lambda: TODAY)


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture(scope="module")
def population_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    from cohorts._synth import synthesise

    folder = tmp_path_factory.mktemp("population")
    synthesise(300, seed=7, out_dir=folder, as_of=TODAY, bad_fraction=0.02)
    return {
        name: (folder / f"{name}.csv").read_bytes() for name in ("people", "episodes", "events")
    }


@pytest.fixture
def watched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Path]]:
    """A fresh working directory and temporary directory (nothing else writes there)."""
    cwd, tmp = tmp_path / "cwd", tmp_path / "tmp"
    cwd.mkdir()
    tmp.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    assert tempfile.gettempdir() == str(tmp)
    yield cwd, tmp
