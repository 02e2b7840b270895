"""Output files that are safe to share, interrupt and race: checked early, claimed, written atomically.

Every file neuromem writes goes through :func:`atomic_write`: it is written under a
unique hidden name in the target folder (``.<name>.<pid>.<random>.part``), given
the permissions the umask allows (``mkstemp`` alone would leave 0600, so a lab
sharing a results folder could not read it) and renamed into place only once
complete, so a reader never sees a partial file under the final name.

A run *claims* each file it will write before any work starts (:func:`claim`):
the folder is checked (it must be a writable folder, or creatable; it is created
only when the first file is written), ``.part``
files left by a writer that was killed are removed with a warning, and a lock
beside the file (``.<name>.lock``, an ``flock`` holding the owner's pid) makes a
second run aiming at the same file stop at once with "already running (pid N)"
instead of both writing the same checkpoints. Claims made inside
:func:`claims` are released when the block ends; others when the process exits.
Locks are advisory and local: on a network file system without ``flock`` the
claim still checks the folder but cannot see other machines.
"""

from __future__ import annotations

import atexit
import contextlib
import contextvars
import errno
import json
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

try:  # POSIX; elsewhere claims check folders but do not lock
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def file_mode() -> int:
    """The permissions a new file gets under the current umask (0o666 minus the umask)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a unique temporary file beside ``path``, then rename it to ``path``.

    Parameters
    ----------
    path : path
        The final file; its folder is created if needed.
    write : callable
        Writes the whole file to the path it is given.

    Returns
    -------
    pathlib.Path
        ``path``, complete and with the umask's permissions.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".part", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except OSError as err:
        written = tmp.stat().st_size if tmp.exists() else 0
        tmp.unlink(missing_ok=True)
        if err.errno in (errno.ENOSPC, errno.EDQUOT):  # the previous file under ``path``, if any, is untouched
            free = shutil.disk_usage(path.parent).free
            raise ValueError(
                f"no space left on {str(path.parent)!r} while writing {path.name} ({written / 1e6:.1f} MB written, "
                f"{free / 1e6:.1f} MB free); free some space and run the same command again"
            ) from None
        raise
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def stale_parts(folder: str | os.PathLike, name: str = "*") -> list[Path]:
    """Temporary files of :func:`atomic_write` for ``name`` in ``folder`` whose writer is no longer running.

    The writer's pid is in the name (``.<name>.<pid>.<random>.part``; mkstemp's random
    part has no dot); a ``.part`` without one is stale too.
    """
    found = []
    for part in Path(folder).glob(f".{name}.*.part"):
        pid = part.name.rsplit(".", 3)[-3]
        if not (pid.isdigit() and _pid_alive(int(pid))):
            found.append(part)
    return found


def remove_stale_parts(path: str | os.PathLike) -> list[Path]:
    """Remove ``.part`` files of ``path`` whose writer is no longer running (a kill during a write); warn for each."""
    path = Path(path)
    removed = stale_parts(path.parent, path.name)
    for part in removed:
        part.unlink(missing_ok=True)
        warnings.warn(f"removed {part}, left by a write that was killed before it finished", stacklevel=2)
    return removed


def check_folder(name: str, folder: str | os.PathLike) -> Path:
    """Check that ``folder`` takes files, or can be created (it is not created here); a problem raises one line naming ``name``."""
    folder = Path(folder)
    existing = folder
    while not existing.exists():  # the nearest existing ancestor decides whether the folder can be made
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        shown = folder if existing == folder else existing
        raise ValueError(f"{name}={str(shown)!r} is a file; give a folder (it is created if missing)")
    if not os.access(existing, os.W_OK | os.X_OK):
        what = "is not writable" if existing == folder else f"cannot be created ({existing} is not writable)"
        raise ValueError(f"{name}={str(folder)!r} {what}; give a folder you can write to")
    return folder


def check_target(name: str, path: str | os.PathLike) -> Path:
    """Check that file ``path`` can be written (its folder a writable folder, itself not a folder)."""
    path = Path(path)
    check_folder(name, path.parent)
    if path.is_dir():
        raise ValueError(f"{name}={str(path)!r} is a folder; give a file name")
    if path.exists() and not os.access(path, os.W_OK) and not os.access(path.parent, os.W_OK):
        raise ValueError(f"{name}={str(path)!r} cannot be replaced; give a file you can write")
    return path


class _Lock:
    """An ``flock`` on ``.<name>.lock`` beside a file; removed on release."""

    def __init__(self, path: Path) -> None:
        self.target = path
        self.path = path.with_name(f".{path.name}.lock")
        self.fd: int | None = None
        self.made: list[Path] = []  # folders made for the lock, removed again if nothing was written into them

    def acquire(self, name: str) -> None:
        missing = [f for f in (self.path.parent, *self.path.parent.parents) if not f.exists()]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.made = missing  # deepest first
        if fcntl is None:  # pragma: no cover
            return
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as err:
                owner = os.pread(fd, 32, 0).decode(errors="replace").strip()
                os.close(fd)
                if err.errno in (errno.EAGAIN, errno.EACCES):
                    pid = f" (pid {owner})" if owner.isdigit() else ""  # empty while the owner is still writing it
                    raise ValueError(
                        f"{name}: {self.target} is already being written by another neuromem run{pid}; "
                        "wait for it to finish (then run again to reuse its result) or choose another --out"
                    ) from None
                raise
            # the owner before us may have unlinked the file between our open and flock: lock the live one
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self.fd = fd

    def release(self) -> None:
        if self.fd is None:
            return
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        os.close(self.fd)
        self.fd = None
        for folder in self.made:  # a refused or failed run leaves no empty folders behind
            try:
                folder.rmdir()
            except OSError:
                break


_HELD: dict[Path, _Lock] = {}  # claims of this process, by resolved path
_SCOPE: contextvars.ContextVar[list[Path] | None] = contextvars.ContextVar("neuromem_output_scope", default=None)


@atexit.register
def _release_all() -> None:  # claims made outside any claims() block: their lock files go with the process
    for lock in list(_HELD.values()):
        lock.release()
    _HELD.clear()


#: the parameters of the run now writing files (``Experiment.__call__`` sets them); ``None`` outside a run
_RUN: contextvars.ContextVar[dict | None] = contextvars.ContextVar("neuromem_run", default=None)
#: parameters that change where or how a run is shown, not what it computes
NOT_COMPARED = frozenset({"out", "quiet", "yes", "device", "progress", "workers", "threads", "max_run_minutes"})
#: the global attribute holding the parameters of the run that wrote a result
RUN_ATTR = "experiment_parameters"


#: the name of the experiment now writing files (two experiments may share every parameter they both have)
_EXPERIMENT: contextvars.ContextVar[str | None] = contextvars.ContextVar("neuromem_experiment", default=None)


@contextlib.contextmanager
def run_parameters(params: dict, experiment: str | None = None) -> Iterator[None]:
    """Within the block, :func:`claim` refuses a file another run with other parameters (or another experiment)
    wrote (see :func:`check_same_run`)."""
    token, named = _RUN.set(dict(params)), _EXPERIMENT.set(experiment)
    try:
        yield
    finally:
        _RUN.reset(token)
        _EXPERIMENT.reset(named)


def current_run() -> dict | None:
    """The parameters of the run now writing files (``None`` outside one)."""
    return _RUN.get()


def check_same_run(path: Path, name: str) -> None:
    """Refuse to replace a result written by a run with other parameters (a second fit with other lists, ...).

    The same command again (a rerun) replaces its own file; a run that differs in
    anything but where its output goes must not overwrite another's result silently.
    """
    params = _RUN.get()
    if params is None or path.suffix != ".nc" or not path.is_file():
        return
    import h5py

    try:
        with h5py.File(path, "r") as fh:
            stored, made_by = fh.attrs.get(RUN_ATTR), fh.attrs.get("experiment")
        made_by = made_by.decode() if isinstance(made_by, bytes) else made_by
        stored = json.loads(stored.decode() if isinstance(stored, bytes) else stored) if stored is not None else None
    except (OSError, ValueError, TypeError):
        return  # unreadable or not ours: the atomic write replaces it as before
    if not isinstance(stored, dict):
        return
    now = _EXPERIMENT.get()
    if now is not None and isinstance(made_by, str) and made_by != now:  # e.g. `run task` over `run free-recall`
        raise ValueError(
            f"{name}={str(path)!r} holds the result of experiment {made_by!r}, not {now!r}; "
            "give another --out folder or remove the file, so that neither result replaces the other silently"
        )
    # a parameter one side does not know (added or removed by another neuromem version) cannot tell the runs apart
    differ = sorted(k for k in set(stored) & set(params) if k not in NOT_COMPARED and _plain(stored[k]) != _plain(params[k]))
    if differ:
        shown = "; ".join(f"{k}: {stored.get(k)!r} there, {_plain(params.get(k))!r} now" for k in differ[:4])
        raise ValueError(
            f"{name}={str(path)!r} holds the result of a run with other parameters ({shown}); "
            "give another --out folder or remove the file, so that neither result replaces the other silently"
        )


def _plain(value: object) -> object:
    """A value as it reads back from the JSON stamp (tuples as lists, paths as text)."""
    return json.loads(json.dumps(value, default=str))


def claim(path: str | os.PathLike, name: str = "out", same_run: bool = True) -> Path:
    """Check that ``path`` can be written and lock it for this run (re-claiming a file this process holds is a no-op).

    Raises ``ValueError`` (one line naming ``name``) if the folder cannot take the
    file or another process holds it. The claim is released when the innermost
    :func:`claims` block around the call ends (outside any, when the process exits).
    """
    path = check_target(name, path)
    if same_run:  # False: the caller replaces the file on purpose and says so
        check_same_run(path, name)
    key = path.resolve()
    if key not in _HELD:
        lock = _Lock(path)
        lock.acquire(name)
        _HELD[key] = lock
        scope = _SCOPE.get()
        if scope is not None:
            scope.append(key)
        remove_stale_parts(path)
    return path


@contextlib.contextmanager
def claims() -> Iterator[None]:
    """Release, when the block ends, every claim made inside it."""
    scope: list[Path] = []
    token = _SCOPE.set(scope)
    try:
        yield
    finally:
        _SCOPE.reset(token)
        for key in reversed(scope):  # the first claim may have made the folder the later ones share
            lock = _HELD.pop(key, None)
            if lock is not None:
                lock.release()
