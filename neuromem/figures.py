"""Regenerate every figure of the package by running its notebooks on saved results.

The notebooks (jupytext percent ``.py`` files) are plain Python scripts too; each
runs in its own process with ``NEUROMEM_RESULTS`` and ``NEUROMEM_FIGURES`` set
(and ``NEUROMEM_QUICK=1`` to make small results where they are missing).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator, Sequence


def notebook_folder() -> Path:
    """The notebooks shipped in the wheel (``neuromem/_notebooks``) or those of a source checkout."""
    here = Path(__file__).resolve().parent
    for folder in (here / "_notebooks", here.parent / "notebooks"):
        if folder.is_dir() and any(folder.glob("*.py")):
            return folder
    raise ValueError("no notebooks found (neither neuromem/_notebooks nor a checkout's notebooks/)")


def regenerate(results: str | os.PathLike, out: str | os.PathLike, *, quick: bool = False,
               only: Sequence[str] | None = None) -> Iterator[tuple[str, bool, str]]:
    """Run each notebook; yields (name, succeeded, figures written or the error's last line)."""
    folder = notebook_folder()
    books = sorted(folder.glob("*.py"))
    if only:
        unknown = sorted(set(only) - {b.stem for b in books})
        if unknown:
            raise ValueError(f"notebook(s) {unknown} unknown; known: {', '.join(b.stem for b in books)}")
        books = [b for b in books if b.stem in only]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "NEUROMEM_RESULTS": str(Path(results).resolve()), "NEUROMEM_FIGURES": str(out.resolve()),
           "NEUROMEM_QUICK": "1" if quick else "0", "MPLBACKEND": "Agg"}
    for book in books:
        before = {p: p.stat().st_mtime for p in out.glob("*.png")}
        proc = subprocess.run([sys.executable, str(book)], env=env, capture_output=True, text=True, cwd=str(out))
        written = sorted(p.name for p in out.glob("*.png") if before.get(p) != p.stat().st_mtime)
        if proc.returncode == 0:
            yield book.stem, True, ", ".join(written) or "no figure"
        else:
            last = (proc.stderr.strip().splitlines() or ["failed"])[-1]
            yield book.stem, False, last
