"""Regenerate every figure of the package by running its notebooks on saved results.

The notebooks (jupytext percent ``.py`` files) are plain Python scripts too. One
runner, :func:`run_notebook`, serves ``neuromem figures`` and the tests: each
notebook runs in its own process with ``NEUROMEM_RESULTS`` and ``NEUROMEM_FIGURES``
set to absolute folders (and ``NEUROMEM_QUICK=1`` to make small results where they
are missing through the experiments).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from neuromem.outputs import check_folder


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

    Returns (succeeded, the figures written or the error's last line).
    """
    book = notebook_folder() / f"{name}.py"
    if not book.is_file():
        raise ValueError(f"notebook={name!r} is unknown; known: {', '.join(list_notebooks())}")
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "NEUROMEM_RESULTS": str(Path(results).resolve()),
        "NEUROMEM_FIGURES": str(out),
        "NEUROMEM_QUICK": "1" if quick else "0",
        "MPLBACKEND": "Agg",
    }
    before = {p: p.stat().st_mtime_ns for p in out.glob("*.png")}
    proc = subprocess.run([sys.executable, str(book)], env=env, capture_output=True, text=True, cwd=str(out), timeout=timeout)
    written = sorted(p.name for p in out.glob("*.png") if before.get(p) != p.stat().st_mtime_ns)
    if proc.returncode == 0:
        return True, ", ".join(written) or "no figure"
    return False, (proc.stderr.strip().splitlines() or ["failed"])[-1]


def regenerate(
    results: str | os.PathLike, out: str | os.PathLike, *, quick: bool = False, only: Sequence[str] | None = None
) -> Iterator[tuple[str, bool, str]]:
    """Run each notebook (or those in ``only``); yields (name, succeeded, figures written or the error's last line)."""
    names = list_notebooks()
    if only:
        unknown = sorted(set(only) - set(names))
        if unknown:
            raise ValueError(f"notebook(s) {unknown} unknown; known: {', '.join(names)}")
        names = [n for n in names if n in only]
    check_folder("--out", out)  # before any notebook runs (a missing result is each notebook's to name)
    if quick:
        check_folder("--results", results)
    for name in names:
        ok, detail = run_notebook(name, results, out, quick=quick)
        yield name, ok, detail
