"""The README is a landing page: short, and every command and link in it works as written."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import neuromem
from neuromem.cards import ANY_ENCODED_TASK, load_card
from neuromem.tasks import get_task

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()
TASK_COLUMNS = {"delayed estimation": "delayed-estimation", "multi-item recall": "multi-item-recall", "retention": "retention", "free recall": "free-recall"}


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", README, flags=re.S | re.M)


def test_the_readme_is_a_short_landing_page():
    assert len(README.splitlines()) <= 100
    assert len(blocks("bash")) == 1 and len(blocks("python")) == 1
    assert len(blocks("python")[0].strip().splitlines()) <= 10


def test_the_readme_commands_are_the_two_make_targets():
    commands = [line.split("#")[0].strip() for line in blocks("bash")[0].splitlines() if line.strip()]
    assert commands == ["make run", "make test"]
    # make test itself is what CI runs (.ci/run), so here it is only read back: lint, then pytest
    dry = subprocess.run(["make", "-n", "-o", ".venv/bin/.installed", "test"], cwd=ROOT, capture_output=True, text=True)
    assert dry.returncode == 0 and "ruff check" in dry.stdout and "pytest" in dry.stdout, dry.stdout + dry.stderr


@pytest.mark.long
@pytest.mark.skipif(not (ROOT / ".venv" / "bin" / "neuromem").exists(), reason="make run uses the .venv that make sets up")
def test_make_run_runs_as_written_and_writes_the_file_the_readme_names(tmp_path):
    # a folder of its own, so the run's results/ is not the checkout's; -o: the set-up is done already
    for name in ("Makefile", "pyproject.toml", ".venv"):
        (tmp_path / name).symlink_to(ROOT / name)
    env = {**os.environ, "NEUROMEM_BUILD_DIR": str(tmp_path / "build")}
    proc = subprocess.run(["make", "-o", ".venv/bin/.installed", "run"], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=900)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    named = re.search(r"`(results/working-memory_compte2000_scaled_seed1\.nc)`", README).group(1)
    result = neuromem.results.load(tmp_path / named)
    assert sorted(set(result["delay"].values.tolist())) == [0.5, 1.0, 2.0, 3.0] and result.sizes["trial"] == 80
    assert "scaled" in proc.stdout + proc.stderr  # the run says which network it is


def test_the_readme_python_runs_as_written(tmp_path):
    proc = subprocess.run([sys.executable, "-c", blocks("python")[0]], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.strip().splitlines()
    assert 0.3 < float(lines[0]) < 1.0  # CMR recalls part of a 16-item list
    assert "cmr" in proc.stdout and "dual_store" in proc.stdout


def test_the_models_table_is_the_registry():
    rows = re.findall(r"^\| `(\w+)` \| (\w+) \|(.*)\|$", README, flags=re.M)
    header = re.search(r"^\| model \(card\) \| family \|(.*)\|$", README, flags=re.M).group(1)
    columns = [c.strip() for c in header.split("|")]
    assert columns == [*TASK_COLUMNS, "lab protocols"]
    assert [name for name, _, _ in rows] == neuromem.list_models()
    for name, family, cells in rows:
        card = load_card(name)
        marks = [c.strip() == "x" for c in cells.split("|")]
        runs = [t in card.tasks or (ANY_ENCODED_TASK in card.tasks and type(get_task(t)).has_encoding()) for t in TASK_COLUMNS.values()]
        assert (family, marks) == (card.family, [*runs, bool(card.protocols)]), name


def test_every_link_in_the_readme_exists():
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README)
    assert len(links) > 10
    for link in links:
        assert (ROOT / link).exists(), link
