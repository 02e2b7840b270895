"""SIGINT and SIGTERM end a run cleanly: no partial result under a final name, no traceback, exit 130 or 143.

The rule (``docs/reliability.md``): a run stopped by a signal at any moment either
finishes and writes the result the uninterrupted run writes, or exits ``128 +
signal`` with one line and no file under its final name.

Two things stood in the way. Brian2 installs, on import, a SIGINT handler that turns
Ctrl-C during ``Network.run`` into a graceful *stop*: the run returns early and its
caller saves a partial result as if it were complete (and, where SIGINT was ignored
when Brian2 was imported, the handler calls ``SIG_IGN`` and fails with "'Handlers'
object is not callable"). And SIGTERM's default action kills the process without a
word. :func:`install` puts one handler on both signals that raises
:class:`Interrupted` (a ``KeyboardInterrupt``); :func:`reinstall` puts it back after
Brian2's import replaced it. While results are being written (:func:`deferred`) a
signal is only recorded: the files are then finished, whole, and the run ends as if
the signal had come after it.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

#: the signals a run ends on cleanly
SIGNALS: tuple[signal.Signals, ...] = (signal.SIGINT, signal.SIGTERM)

_state: dict[str, object] = {"installed": False, "received": None, "defer": 0, "hold": False}


class Interrupted(KeyboardInterrupt):
    """A run stopped by ``signum`` (SIGINT or SIGTERM)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _handler(signum: int, frame: FrameType | None) -> None:
    _state["received"] = signum
    if not _state["defer"]:
        raise Interrupted(signum)


def _on_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def install(*, hold_after_save: bool = False) -> None:
    """Handle SIGINT and SIGTERM from now on (the ``neuromem`` command calls this first).

    ``hold_after_save``: once results start being written, signals are held until the
    process ends (a command that has written its files ends with exit 0, not 130).
    """
    if not _on_main_thread():  # signal handlers belong to the main thread (a dask worker's task runs in another)
        return
    _state["previous"] = {signum: signal.signal(signum, _handler) for signum in SIGNALS}
    _state["unraisable"] = sys.unraisablehook
    sys.unraisablehook = _unraisable
    _state.update(installed=True, received=None, defer=0, hold=hold_after_save)


def _unraisable(info: object) -> None:
    """A signal that landed in a callback Python cannot raise from (a weakref callback, ``__del__``) is recorded, not
    printed as "Exception ignored ... Traceback": the run stops at its next check of :func:`received`."""
    if isinstance(getattr(info, "exc_value", None), Interrupted):
        return
    _state.get("unraisable", sys.__unraisablehook__)(info)  # type: ignore[operator]


def reinstall() -> None:
    """Put the SIGINT handler back after ``import brian2`` replaced it (no-op unless :func:`install` ran)."""
    if _state["installed"] and _on_main_thread() and signal.getsignal(signal.SIGINT) is not _handler:
        signal.signal(signal.SIGINT, _handler)


@contextmanager
def during_run() -> Iterator[None]:
    """Ctrl-C raises during the block (a simulation), also from Python where :func:`install` did not run.

    Brian2's import installed a handler that would turn it into a "stop" and return a
    shortened run; from Python (a notebook) the run now raises ``KeyboardInterrupt``
    as any other Python code does, and the previous handler is back afterwards.
    """
    if _state["installed"] or not _on_main_thread():
        reinstall()
        yield
        return
    previous = signal.signal(signal.SIGINT, _raise)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)


def _raise(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signum)


def hold() -> None:
    """From now on a signal is ignored: the command has finished its work and is exiting with its status.

    The interpreter's shutdown can take a second, and it puts Python-level handlers back to the
    default first, so a signal then would end the process as -2/-15, unexplained; an ignored
    signal (``SIG_IGN``, not a Python handler) stays ignored through the shutdown.
    """
    _state.update(defer=int(_state["defer"]) + 1, hold=True)  # type: ignore[call-overload]
    if _on_main_thread():
        for signum in SIGNALS:
            signal.signal(signum, signal.SIG_IGN)


def uninstall() -> None:
    """Restore the handlers :func:`install` replaced (the command ends; or a test called it in-process)."""
    previous = _state.pop("previous", {})
    if sys.unraisablehook is _unraisable:
        sys.unraisablehook = _state.pop("unraisable", sys.__unraisablehook__)  # type: ignore[assignment]
    if _on_main_thread():
        for signum, handler in previous.items():  # type: ignore[union-attr]
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
    _state.update(installed=False, received=None, defer=0, hold=False)


def received() -> int | None:
    """The signal that arrived since :func:`install`, if any."""
    return _state["received"]  # type: ignore[return-value]


@contextmanager
def deferred() -> Iterator[None]:
    """Record, not raise, a signal during the block (writing results: they end whole)."""
    _state["defer"] = int(_state["defer"]) + 1  # type: ignore[call-overload]
    try:
        yield
    finally:
        if not _state["hold"]:
            _state["defer"] = int(_state["defer"]) - 1  # type: ignore[call-overload]


def exit_code(err: BaseException | None = None) -> int:
    """``128 + signal`` of an interruption (130 for Ctrl-C, 143 for SIGTERM)."""
    signum = getattr(err, "signum", None) or received() or signal.SIGINT
    return 128 + int(signum)


def quiet_simulator() -> None:
    """After an interruption: Brian2 objects the run built but never simulated are collected at exit,
    and Brian2 would warn of each after the one line; that warning says nothing about the interruption."""
    brian2 = sys.modules.get("brian2")
    if brian2 is not None:
        brian2.BrianLogger.suppress_name("unused_brian_object")


def message(err: BaseException | None = None) -> str:
    """The one line an interrupted run ends with."""
    name = signal.Signals(exit_code(err) - 128).name
    return (
        f"neuromem: interrupted ({name}); finished work is kept next to the output (a .partial folder, or a "
        ".ckpt.pt checkpoint for `neuromem fit`), and no result file was written under its final name: "
        "run the same command again to resume"
    )
