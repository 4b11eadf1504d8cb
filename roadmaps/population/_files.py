"""Files on disk: private spill folders, clean stops, and output folders swapped whole.

Three promises (issue 13, points 4 and 5):

**Personal data does not stay on disk.** Sorting a population too large for
memory spills chunks of rows (ids, dates of birth, histories) to a temporary
folder. That folder is made private (``0700``, in :func:`tempfile.gettempdir`,
so ``TMPDIR`` moves it), each file in it is ``0600``, and each block written
is encrypted (:class:`SpillCipher`) with a key that lives only in this
process's memory: a file left behind is unreadable once the process has gone.
The folder is removed on every way out that Python sees: the end, an error,
Ctrl+C, and SIGTERM or SIGHUP (:func:`stop_on_signals` turns them into an
exception, so cleanup runs). SIGKILL cannot be caught: its leftovers are
encrypted, and the next run removes them (:func:`remove_stale`).

**An output folder is all old or all new.** :func:`replace_folder` builds
the new outputs in a fresh folder beside it (``DIR.tmp-<pid>-<random>``), then
swaps it in with one rename. An existing folder is exchanged atomically
(Linux ``renameat2(RENAME_EXCHANGE)``); where that is not available, it is
renamed aside (``DIR.old-<pid>-<random>``), the new one renamed in, and the old
one removed, so for a moment ``DIR`` is missing while both complete folders
exist. A failure, a stop or a kill while writing leaves the old folder as it
was. Nothing else in the output folder survives a swap, so a folder holding
anything other than earlier outputs is refused rather than replaced.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import hmac
import os
import secrets
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from types import FrameType
from typing import IO, NoReturn

from pathways import InputError

SPILL_PREFIX = "pathways-population-"
"""The start of a spill folder's name: ``pathways-population-<pid>-<random>``."""

_STOP_SIGNALS = ("SIGTERM", "SIGHUP")


# --- stopping cleanly ---------------------------------------------------------------------


class Stopped(SystemExit):
    """Raised in the main thread when the process is asked to stop (SIGTERM or SIGHUP).

    A :class:`SystemExit`, so handlers of ordinary errors let it through while
    every ``finally`` and ``with`` block on the way out runs; the process then
    exits with 128 + the signal number, as a shell reports a signal.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum


def _stop(signum: int, frame: FrameType | None) -> NoReturn:
    sys.stderr.write(f"error: stopped by {signal.Signals(signum).name}\n")
    raise Stopped(signum)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """While inside, SIGTERM and SIGHUP raise :class:`Stopped` instead of killing at once.

    Only in the main thread, and only for signals left at their default
    action: a program that handles them itself (a web server, a notebook
    kernel) keeps its own handling. Usable as a decorator.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[signal.Signals, object] = {}
    for name in _STOP_SIGNALS:
        sig = getattr(signal, name, None)
        if sig is not None and signal.getsignal(sig) is signal.SIG_DFL:
            previous[sig] = signal.signal(sig, _stop)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]


def reset_stop_signals() -> None:
    """Give a worker process the default action again (it is stopped by its parent)."""
    for name in _STOP_SIGNALS:
        sig = getattr(signal, name, None)
        if sig is not None and signal.getsignal(sig) is _stop:
            signal.signal(sig, signal.SIG_DFL)


# --- private spill folders ----------------------------------------------------------------


def private_spill_folder() -> str:
    """A new private (``0700``) temporary folder for spilled rows; the caller removes it.

    Folders left by processes that no longer run (killed with SIGKILL) are
    removed first.
    """
    parent = tempfile.gettempdir()
    remove_stale(Path(parent), SPILL_PREFIX)
    return tempfile.mkdtemp(prefix=f"{SPILL_PREFIX}{os.getpid()}-", dir=parent)


def open_private(path: str) -> IO[bytes]:
    """Create ``path`` for writing, readable by its owner only (``0600``); never follows a link."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    return os.fdopen(os.open(path, flags, 0o600), "wb")


def remove_stale(parent: Path, prefix: str) -> None:
    """Remove ``prefix<pid>-…`` folders in ``parent`` whose process is gone (ours only)."""
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return
    for entry in entries:
        if not entry.name.startswith(prefix):
            continue
        pid_text = entry.name[len(prefix) :].split("-", 1)[0]
        if not pid_text.isdigit() or _running(int(pid_text)):
            continue
        try:
            if entry.is_dir(follow_symlinks=False) and entry.stat().st_uid == os.getuid():
                shutil.rmtree(entry.path, ignore_errors=True)
        except OSError:
            continue


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but is someone else's
        return True
    return True


class SpillCipher:
    """Encrypts the blocks spilled to disk, with keys that never leave this process.

    Each block is XORed with a keystream from SHAKE-256 keyed with a random
    256-bit key and a fresh nonce, and carries an HMAC-SHA-256 tag over the
    nonce and the ciphertext (encrypt-then-MAC). A block that does not verify
    is refused before it is unpickled.

    >>> cipher = SpillCipher()
    >>> sealed = cipher.seal(b"yp-001,2009-01-10")
    >>> b"yp-001" in sealed, cipher.open(sealed)
    (False, b'yp-001,2009-01-10')
    """

    _NONCE = 16
    _TAG = 32
    _LENGTH = 8
    HEADER = _NONCE + _TAG + _LENGTH
    """Bytes before each block's ciphertext: nonce, tag and length."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)
        self._mac_key = secrets.token_bytes(32)
        self._counter = 0

    def _stream(self, nonce: bytes, data: bytes) -> bytes:
        keystream = hashlib.shake_256(self._key + nonce).digest(len(data))
        mixed = int.from_bytes(data, "little") ^ int.from_bytes(keystream, "little")
        return mixed.to_bytes(len(data), "little")

    def seal(self, plain: bytes) -> bytes:
        """The block encrypted and tagged, with its header."""
        self._counter += 1
        nonce = self._counter.to_bytes(self._NONCE, "big")
        body = self._stream(nonce, plain)
        tag = hmac.digest(self._mac_key, nonce + body, "sha256")
        return nonce + tag + len(body).to_bytes(self._LENGTH, "big") + body

    def open(self, sealed: bytes) -> bytes:
        """The block back from :meth:`seal` (raises ValueError if it was changed)."""
        nonce = sealed[: self._NONCE]
        tag = sealed[self._NONCE : self._NONCE + self._TAG]
        body = sealed[self.HEADER :]
        if not hmac.compare_digest(tag, hmac.digest(self._mac_key, nonce + body, "sha256")):
            raise ValueError("a spilled block was changed on disk")
        return self._stream(nonce, body)

    def read(self, handle: IO[bytes]) -> bytes | None:
        """The next block of a file of sealed blocks, decrypted; None at the end."""
        header = handle.read(self.HEADER)
        if not header:
            return None
        length = int.from_bytes(header[self._NONCE + self._TAG :], "big")
        sealed = header + handle.read(length)
        if len(header) < self.HEADER or len(sealed) != self.HEADER + length:
            raise ValueError("a spilled block was cut short on disk")
        return self.open(sealed)


# --- output folders swapped whole ---------------------------------------------------------


def check_output_folder(path: Path, known: Collection[str]) -> None:
    """Refuse an output folder that holds anything but earlier outputs (names in ``known``).

    Raises:
        InputError: it is a file, holds something else (a swap would remove it), or is
            the current folder or one that holds it.
    """
    here = Path.cwd()
    if path.absolute() in (here, *here.parents):
        raise InputError(
            "the output folder cannot be the current folder or one that holds it "
            "(the outputs replace the whole folder)",
            file=str(path),
        )
    if not path.exists():
        return
    if not path.is_dir():
        raise InputError("the output folder is a file", file=str(path))
    try:
        names = sorted(os.listdir(path))
    except OSError as exc:
        raise InputError(f"cannot read the output folder ({exc.strerror})", file=str(path)) from None
    foreign = [n for n in names if n not in known and not (n.startswith(".") and ".tmp-" in n)]
    if foreign:
        raise InputError(
            f"the output folder holds other files ({foreign[0]!r}); the outputs replace the "
            "whole folder, so give a new or empty folder, or one with earlier outputs only",
            file=str(path),
        )


def replace_folder(out: Path, build: Callable[[Path], None], known: Collection[str]) -> None:
    """Build a new ``out`` with ``build(folder)`` beside it, then swap it in whole.

    ``out`` ends up all new, or (on any failure, stop or kill) as it was. A
    symbolic link is followed: the folder it points to is replaced.

    Raises:
        InputError: the folder holds other files, or cannot be written; nothing is changed.
    """
    target = out.resolve() if out.is_symlink() else out.absolute()
    check_output_folder(target, known)
    parent, name = target.parent, target.name
    for leftover in (f"{name}.tmp-", f"{name}.old-"):  # from a run that was killed
        remove_stale(parent, leftover)
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    fresh = parent / f"{name}.tmp-{token}"
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fresh.mkdir()
    except OSError as exc:
        raise InputError(f"cannot write the output files ({exc.strerror})", file=str(out)) from None
    try:
        build(fresh)
        _sync_tree(fresh)
        _swap_in(fresh, target, parent / f"{name}.old-{token}")
    except OSError as exc:
        shutil.rmtree(fresh, ignore_errors=True)
        raise InputError(f"cannot write the output files ({exc.strerror})", file=str(out)) from None
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise


def _swap_in(fresh: Path, target: Path, aside: Path) -> None:
    """Put ``fresh`` at ``target``; the old ``target``, if any, is removed afterwards."""
    if not target.exists():
        os.rename(fresh, target)
        _sync_folder(target.parent)
        return
    if _exchange(fresh, target):  # one atomic step: fresh now holds the old outputs
        _sync_folder(target.parent)
        shutil.rmtree(fresh, ignore_errors=True)
        return
    os.rename(target, aside)
    try:
        os.rename(fresh, target)
    except BaseException:
        os.rename(aside, target)
        raise
    _sync_folder(target.parent)
    shutil.rmtree(aside, ignore_errors=True)


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux ``renameat2``); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _sync_tree(folder: Path) -> None:
    """Flush every file and folder under ``folder`` to disk before it is swapped in."""
    for root, _, files in os.walk(folder):
        for file in files:
            with open(os.path.join(root, file), "rb") as handle:
                os.fsync(handle.fileno())
        _sync_folder(Path(root))


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every system can open a folder for fsync
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
