"""synth on a full disk or interrupted (issue 13, point 9): no partial file is left behind."""

from __future__ import annotations

import errno
import os
from datetime import date
from pathlib import Path

import pytest

from cohorts import synthesise
from roadmaps.cli import main

AS_OF = date(2026, 1, 1)
NAMES = ["episodes.csv", "events.csv", "people.csv"]


def _disk_fills_after(monkeypatch: pytest.MonkeyPatch, good_calls: int, error: BaseException) -> None:
    """The disk 'fills up' when the files are made durable (after ``good_calls`` successful syncs)."""
    real = os.fsync
    calls = {"n": 0}

    def fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] > good_calls:
            raise error
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


def test_a_full_disk_leaves_no_folder_and_no_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _disk_fills_after(monkeypatch, 1, OSError(errno.ENOSPC, "No space left on device"))
    out = tmp_path / "new" / "synth"
    with pytest.raises(OSError, match="No space left"):
        synthesise(200, seed=1, out_dir=out, as_of=AS_OF)
    assert not (tmp_path / "new").exists()


def test_a_full_disk_leaves_the_old_files_as_they_were(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    synthesise(50, seed=1, out_dir=tmp_path, as_of=AS_OF)
    before = {name: (tmp_path / name).read_bytes() for name in NAMES}
    _disk_fills_after(monkeypatch, 2, OSError(errno.ENOSPC, "No space left on device"))
    with pytest.raises(OSError):
        synthesise(300, seed=2, out_dir=tmp_path, as_of=AS_OF)
    assert sorted(p.name for p in tmp_path.iterdir()) == NAMES  # no temporary file left
    assert {name: (tmp_path / name).read_bytes() for name in NAMES} == before


def test_an_interruption_leaves_nothing_behind(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _disk_fills_after(monkeypatch, 0, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        synthesise(100, seed=1, out_dir=tmp_path / "out", as_of=AS_OF)
    assert list(tmp_path.iterdir()) == []


def test_the_command_says_the_disk_is_full_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _disk_fills_after(monkeypatch, 0, OSError(errno.ENOSPC, "No space left on device"))
    out = tmp_path / "synth"
    assert main(["synth", "--n", "20", "--seed", "1", "--out", str(out), "--as-of", "2026-01-01"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"error: {out}: cannot write the files (No space left on device)\n"
    assert not out.exists()


def test_a_complete_run_leaves_only_the_three_files(tmp_path: Path) -> None:
    synthesise(30, seed=3, out_dir=tmp_path, as_of=AS_OF)
    assert sorted(p.name for p in tmp_path.iterdir()) == NAMES
