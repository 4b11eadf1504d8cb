"""What a population run leaves on disk (issue 13, points 4 and 5, and the rounding setting).

Spilled rows are private and encrypted and go away on every exit Python sees
(the end, an error, SIGTERM); an output folder is replaced as a group, so a
failure or a kill while writing leaves it all old or all new.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from cohorts._synth import SynthResult, synthesise
from pathways import InputError
from roadmaps.cli import main
from roadmaps.population import _files
from roadmaps.population import _report as report
from roadmaps.population._files import SPILL_PREFIX, SpillCipher, replace_folder
from roadmaps.population._input import Accounting, iter_person_rows

AS_OF = date(2026, 1, 1)
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    return synthesise(1500, seed=13, out_dir=tmp_path_factory.mktemp("people"), as_of=AS_OF)


def _inputs(p: SynthResult) -> list[str]:
    return [str(p.people_path), "--episodes", str(p.episodes_path), "--events", str(p.events_path)]


def _spill_folders(tmp: Path) -> list[Path]:
    return sorted(tmp.glob(f"{SPILL_PREFIX}*"))


def _folder_bytes(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# A population run in a child process that spills early (100 rows per sorted chunk) and
# reads its young people slowly (the spilled chunks stay open meanwhile), so that the test
# can stop it mid-run.
_SLOW_RUN = """
import sys, time
from roadmaps.population import _input
_input.iter_person_rows.__kwdefaults__["chunk_rows"] = 100
person_row = _input._person_row
def slow(*args):
    time.sleep(0.01)
    return person_row(*args)
_input._person_row = slow
from roadmaps.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _start(args: list[str], tmp: Path, script: str = _SLOW_RUN) -> subprocess.Popen[str]:
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", script, *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip


def _wait_for(condition: Callable[[], bool], process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


# --- spilled rows -------------------------------------------------------------------------


def test_sigterm_mid_run_removes_every_spill_file(population: SynthResult, tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    out = tmp_path / "out"
    process = _start(["population", *_inputs(population), "--as-of", AS_OF.isoformat(),
                      "--workers", "2", "--out", str(out)], tmp)  # fmt: skip
    _wait_for(lambda: any(f.is_dir() and any(f.iterdir()) for f in _spill_folders(tmp)), process)
    folder = _spill_folders(tmp)[0]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = sorted(folder.iterdir())
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    spilled = b"".join(f.read_bytes() for f in files)
    ids = [line.split(",")[0] for line in population.people_path.read_text().splitlines()[1:50]]
    assert spilled and not any(i.encode() in spilled for i in ids)  # encrypted at rest
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM
    assert err.strip().splitlines()[-1] == "error: stopped by SIGTERM"
    assert list(tmp.iterdir()) == []  # nothing left in the temporary folder
    assert not out.exists() and not list(tmp_path.glob("out.tmp-*"))


def test_a_sigkill_leaves_only_ciphertext_and_the_next_run_removes_it(
    population: SynthResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    process = _start(["population", *_inputs(population), "--as-of", AS_OF.isoformat(),
                      "--workers", "1", "--out", str(tmp_path / "out")], tmp)  # fmt: skip
    _wait_for(lambda: any(f.is_dir() and any(f.iterdir()) for f in _spill_folders(tmp)), process)
    process.kill()
    process.communicate(timeout=60)
    left = _spill_folders(tmp)
    assert left  # SIGKILL cannot be caught...
    text = population.people_path.read_text()
    spilled = b"".join(f.read_bytes() for f in left[0].iterdir())
    assert not any(line.split(",")[0].encode() in spilled for line in text.splitlines()[1:50])
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr("tempfile.tempdir", None)
    fresh = _files.private_spill_folder()  # ...but the next spill removes what it left
    assert _spill_folders(tmp) == [Path(fresh)]
    os.rmdir(fresh)


def test_closing_the_reader_early_removes_the_spill_folder(
    population: SynthResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    rows = iter_person_rows(population.people_path, population.episodes_path,
                            population.events_path, as_of=AS_OF, accounting=Accounting(),
                            chunk_rows=50)  # fmt: skip
    first = next(rows)
    assert first.data["id"] and _spill_folders(tmp_path)
    rows.close()
    assert _spill_folders(tmp_path) == []


def test_a_spilled_block_that_was_changed_is_refused() -> None:
    cipher = SpillCipher()
    sealed = bytearray(cipher.seal(b"some rows"))
    sealed[-1] ^= 1
    with pytest.raises(ValueError, match="changed on disk"):
        cipher.open(bytes(sealed))
    with pytest.raises(ValueError, match="changed on disk"):
        SpillCipher().open(cipher.seal(b"some rows"))  # another process's key


# --- output folders -----------------------------------------------------------------------


def _write(out: Path, files: dict[str, str]) -> None:
    report.write_files_atomically(out, files)


def test_outputs_replace_the_folder_as_a_group(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _write(out, {"summary.json": "old", "tables/a.csv": "old", "local-only/people-changed.csv": "ids"})
    _write(out, {"summary.json": "new", "tables/b.csv": "new"})
    assert _folder_bytes(out) == {"summary.json": b"new", "tables/b.csv": b"new"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporary folder left


def test_a_failure_while_writing_leaves_the_old_outputs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _write(out, {"summary.json": "old", "tables/a.csv": "old"})

    def broken(path: Path) -> None:
        path.write_text("half", encoding="utf-8")
        raise OSError(28, "No space left on device")

    with pytest.raises(InputError, match="No space left on device"):
        report.write_files_atomically(out, {"summary.json": "new"}, [("rejected.csv", broken)])
    assert _folder_bytes(out) == {"summary.json": b"old", "tables/a.csv": b"old"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_folder_with_other_files_is_refused_not_replaced(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(InputError, match="holds other files"):
        report.check_out_dir(tmp_path)
    with pytest.raises(InputError, match="holds other files"):
        _write(tmp_path, {"summary.json": "new"})
    assert _folder_bytes(tmp_path) == {"notes.txt": b"mine"}


def test_the_current_folder_is_never_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for out in (".", str(tmp_path), str(tmp_path.parent)):
        with pytest.raises(InputError, match="current folder"):
            report.check_out_dir(out)


def test_the_swap_works_without_an_atomic_exchange(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_files, "_exchange", lambda a, b: False)
    out = tmp_path / "out"
    _write(out, {"summary.json": "old"})
    _write(out, {"summary.json": "new"})
    assert _folder_bytes(out) == {"summary.json": b"new"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_symbolic_link_to_the_output_folder_is_followed(tmp_path: Path) -> None:
    real = tmp_path / "real"
    _write(real, {"summary.json": "old"})
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    _write(link, {"summary.json": "new"})
    assert link.is_symlink() and _folder_bytes(real) == {"summary.json": b"new"}


# Writes the outputs of a finished run, but hangs while writing rejected.csv.
_SLOW_WRITE = """
import sys, time
from pathlib import Path
from roadmaps.population import _report
def hang(path, rejections):
    Path(path).write_text("half", encoding="utf-8")
    print("writing", flush=True)
    time.sleep(120)
_report.write_rejected_csv = hang
from roadmaps.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL])
def test_a_stop_or_kill_while_writing_leaves_the_old_outputs(
    population: SynthResult, tmp_path: Path, stop: signal.Signals
) -> None:
    out = tmp_path / "out"
    args = ["population", *_inputs(population), "--as-of", AS_OF.isoformat(), "--workers", "1",
            "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    old = _folder_bytes(out)
    process = _start(args, tmp_path, _SLOW_WRITE)
    assert process.stdout is not None
    assert process.stdout.readline() == "writing\n"  # in the middle of writing the new outputs
    process.send_signal(stop)
    process.communicate(timeout=60)
    assert process.returncode == (128 + stop if stop == signal.SIGTERM else -stop)
    assert _folder_bytes(out) == old  # all old
    leftovers = list(tmp_path.glob("out.tmp-*"))
    assert len(leftovers) == (0 if stop == signal.SIGTERM else 1)  # SIGKILL cannot be caught
    assert main(args) == 0  # the next run removes what a kill left
    assert _folder_bytes(out) == old and list(tmp_path.glob("out.tmp-*")) == []


def test_replace_folder_builds_beside_the_folder(tmp_path: Path) -> None:
    seen: list[Path] = []

    def build(folder: Path) -> None:
        seen.append(folder)
        (folder / "summary.json").write_text("x", encoding="utf-8")

    replace_folder(tmp_path / "out", build, {"summary.json"})
    assert seen[0].parent == tmp_path and seen[0].name.startswith("out.tmp-")
    assert not seen[0].exists()


# --- rounding from the command line ---------------------------------------------------------


def test_population_command_rounds_every_count_when_asked(population: SynthResult, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["population", *_inputs(population), "--as-of", AS_OF.isoformat(), "--workers", "1",
                 "--rounding", "base5", "--out", str(out)]) == 0  # fmt: skip
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["suppression"]["rounding"] == "base5"
    counts = [summary["young_people"], *summary["gaps"].values()]
    counts += [v for row in summary["forecast"].values() for v in row.values()]
    assert all(v == "<5" or v % 5 == 0 for v in counts)
    assert "rounded to the nearest multiple of 5" in (out / "report.md").read_text(encoding="utf-8")
