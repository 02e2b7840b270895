"""Regenerate every figure of the package by running its notebooks on saved results.

The notebooks (jupytext percent ``.py`` files) are plain Python scripts too. One
runner, :func:`run_notebook`, serves ``neuromem figures`` and the tests: each
notebook runs in its own process with ``NEUROMEM_RESULTS`` and ``NEUROMEM_FIGURES``
set to absolute folders (and ``NEUROMEM_QUICK=1`` to make small results where they
are missing through the experiments).

A notebook that draws what other notebooks make says so in a header line
``# needs: name, name``; it runs after them, whatever the number of parallel jobs,
so ``--quick`` makes the same results with one job or several.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path

from neuromem.outputs import check_folder
from neuromem.validation import check_positive_int


def notebook_folder() -> Path:
    """The notebooks shipped in the wheel (``neuromem/_notebooks``) or those of a source checkout."""
    here = Path(__file__).resolve().parent
    for folder in (here / "_notebooks", here.parent / "notebooks"):
        if folder.is_dir() and any(folder.glob("*.py")):
            return folder
    raise ValueError("no notebooks found (neither neuromem/_notebooks nor a checkout's notebooks/)")


def list_notebooks() -> list[str]:
    """Names of the notebooks."""
    return sorted(p.stem for p in notebook_folder().glob("*.py"))


def run_notebook(name: str, results: str | os.PathLike, out: str | os.PathLike, *, quick: bool = False, timeout: float = 1800) -> tuple[bool, str]:
    """Run notebook ``name`` on ``results``, writing figures into ``out``.

    Returns (succeeded, the figures written and every line the notebook printed about what it
    could not draw ("not drawn ..."), or the error's last line).
    """
    book = notebook_folder() / f"{name}.py"
    if not book.is_file():
        raise ValueError(f"notebook={name!r} is unknown; known: {', '.join(list_notebooks())}")
    out = Path(out).resolve()
    # a folder of its own, so that notebooks running side by side each report only their own figures
    staging = out / f".drawing-{name}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    env = {
        **os.environ,
        "NEUROMEM_RESULTS": str(Path(results).resolve()),
        "NEUROMEM_FIGURES": str(staging),
        "NEUROMEM_QUICK": "1" if quick else "0",
        "MPLBACKEND": "Agg",
    }
    try:
        proc = subprocess.run([sys.executable, str(book)], env=env, capture_output=True, text=True, cwd=str(staging), timeout=timeout)
        written = sorted(p.name for p in staging.glob("*.png"))
        for figure in written:
            os.replace(staging / figure, out / figure)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if proc.returncode == 0:
        # what a notebook could not draw (its lines that say "not drawn") is said beside what it drew, never only in the figure
        missing = [line.strip() for line in proc.stdout.splitlines() if "not drawn" in line]
        return True, "; ".join([", ".join(written) or "no figure", *missing])
    return False, (proc.stderr.strip().splitlines() or ["failed"])[-1]


def notebook_needs(name: str) -> list[str]:
    """The notebooks whose results notebook ``name`` draws too (its ``# needs:`` header line)."""
    text = (notebook_folder() / f"{name}.py").read_text()
    found = re.search(r"^# needs: *(.+)$", text, flags=re.MULTILINE)
    return [n.strip() for n in found.group(1).split(",")] if found else []


def _needs_among(names: Sequence[str]) -> dict[str, list[str]]:
    """Each of ``names`` with the notebooks among ``names`` that it needs (each file read once)."""
    return {n: [m for m in notebook_needs(n) if m in names and m != n] for n in names}


def run_order(names: Sequence[str], needs: Mapping[str, Sequence[str]] | None = None) -> list[str]:
    """``names`` sorted, each after the notebooks among ``names`` that it needs (``needs``: as
    :func:`_needs_among` gives them, read from the notebooks when not given)."""
    needs = _needs_among(names) if needs is None else needs
    order: list[str] = []
    pending = sorted(names)
    while pending:
        ready = [n for n in pending if not set(needs[n]) & set(pending)]
        if not ready:
            raise ValueError(f"notebooks {pending} need each other (their '# needs:' lines form a cycle)")
        order += ready
        pending = [n for n in pending if n not in ready]
    return order


def regenerate(
    results: str | os.PathLike,
    out: str | os.PathLike,
    *,
    quick: bool = False,
    only: Sequence[str] | None = None,
    jobs: int = 1,
    on_start: Callable[[str], None] | None = None,
) -> Iterator[tuple[str, bool, str]]:
    """Run each notebook (or those in ``only``), ``jobs`` at a time, each after the notebooks it needs.

    Yields (name, succeeded, figures written or the error's last line) in :func:`run_order`;
    ``on_start(name)`` is called as each notebook starts (from the thread that runs it).
    """
    jobs = check_positive_int("jobs", jobs)
    order = plan(results, out, quick=quick, only=only)
    needs = _needs_among(order)
    Path(out).mkdir(parents=True, exist_ok=True)
    # the pool starts notebooks in the order submitted, so by the time one starts, those it needs
    # have started before it and it only waits for them to end (no deadlock with any number of jobs)
    pool = ThreadPoolExecutor(max_workers=jobs)
    started: dict[str, Future] = {}
    try:
        for name in order:
            started[name] = pool.submit(_after, [started[n] for n in needs[name]], name, results, out, quick, on_start)
        for name in order:
            ok, detail = started[name].result()
            yield name, ok, detail
    finally:
        # on an interrupt or an early close: drop the notebooks not yet started, wait for those running
        pool.shutdown(wait=True, cancel_futures=True)


def plan(results: str | os.PathLike, out: str | os.PathLike, *, quick: bool = False, only: Sequence[str] | None = None) -> list[str]:
    """The notebooks :func:`regenerate` runs, in order; a wrong notebook name or folder raises one line before any runs."""
    names = list_notebooks()
    if only:
        unknown = sorted(set(only) - set(names))
        if unknown:
            raise ValueError(f"notebook(s) {unknown} unknown; known: {', '.join(names)}")
        names = [n for n in names if n in only]
    check_folder("--out", out)  # before any notebook runs (a missing result is each notebook's to name)
    if quick:
        check_folder("--results", results)
    return run_order(names, _needs_among(names))


def _after(needed: list[Future], name: str, results: object, out: object, quick: bool, on_start: Callable[[str], None] | None = None) -> tuple[bool, str]:
    """Run notebook ``name`` once the notebooks it needs have ended."""
    wait(needed)
    if on_start is not None:
        on_start(name)
    return run_notebook(name, results, out, quick=quick)
