"""Read a reference script's raw data files from a folder, a checkout or a bare git directory.

Shared by the ``make_*_reference.py`` scripts: each names its files (with their sha256), the
folder they sit in inside their repository and the commit it was written against.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path


def _is_git_dir(path: Path) -> bool:
    return (path / "HEAD").is_file() and (path / "objects").is_dir()


def read_files(source: Path, commit: str, files: Mapping[str, str], data_dir: str) -> dict[str, bytes]:
    """Raw bytes of each of ``files`` ({name: sha256}) found in ``source``, ``source/data_dir`` or,
    when ``source`` is a git directory or checkout, at ``commit:data_dir/name``.

    A file whose digest differs is read all the same, with a warning on stderr (the summary it
    gives may then differ from the shipped one); a file found nowhere raises ``FileNotFoundError``.
    """
    raw: dict[str, bytes] = {}
    git_dir = source if _is_git_dir(source) else source / ".git" if _is_git_dir(source / ".git") else None
    for name, expected in files.items():
        found = next((p for p in (source / name, source / data_dir / name) if p.is_file()), None)
        if found is not None:
            raw[name] = found.read_bytes()
        elif git_dir is not None:
            raw[name] = subprocess.run(["git", f"--git-dir={git_dir}", "show", f"{commit}:{data_dir}/{name}"], check=True, capture_output=True).stdout
        else:
            raise FileNotFoundError(f"{name} not found in {source} (nor in {source / data_dir}, nor as a git directory)")
        digest = hashlib.sha256(raw[name]).hexdigest()
        if digest != expected:
            print(f"warning: {name} sha256 {digest} differs from commit {commit[:12]}'s", file=sys.stderr)
    return raw
