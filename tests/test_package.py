import subprocess
import sys

import pytest


def test_import_is_light_no_torch_no_brian2():
    code = "import sys, neuromem; print(sorted(m for m in ('torch', 'brian2') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_model_cards_are_found_and_carry_units():
    import neuromem

    card = neuromem.load_card("compte2000")
    assert card.family == "spiking" and "Compte" in card.references
    assert card.parameters["g_EE_NMDA"] == "0.381 nS"
    assert card.sizes["full"] == {"N_E": 2048, "N_I": 512}


# as on a plain install without the extras: importing them fails
BLOCK = (
    "import sys\n"
    "class Blocked:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name.split('.')[0] in ('brian2', 'torch', 'filelock', 'jupytext'):\n"
    "            raise ModuleNotFoundError(f'No module named {name!r}')\n"
    "sys.meta_path.insert(0, Blocked())\n"
)


class NoisyReport:
    """A numpy model of delayed estimation: reports the cue plus Gaussian noise of s.d. ``sd`` rad."""

    family = "none"

    def __init__(self, name, sd):
        self.name, self.sd = name, sd

    def run(self, trials, *, seed, progress=False, checkpoint=None):
        import numpy as np
        import xarray as xr

        from neuromem.results import provenance

        noise = np.random.default_rng(seed).normal(0, self.sd, trials.sizes["trial"])
        ds = xr.Dataset(
            {"response_angle": ("trial", trials["cue_angle"].values + noise, {"units": "rad", "long_name": "report"})}, coords={"trial": trials["trial"].values}
        )
        ds.attrs.update(
            provenance(
                title=self.name,
                model=self.name,
                model_family="none",
                task=trials.attrs["task"],
                parameters={"sd": self.sd},
                seed=seed,
                backend="numpy",
                references="none",
            )
        )
        return ds


def test_plain_install_lists_loads_and_compares_without_brian2_or_torch(tmp_path):
    from neuromem.results import save
    from neuromem.runner import run_task
    from neuromem.tasks import get_task

    task = get_task("delayed-estimation", delays=[0.5, 1.0])
    for name, sd in (("low", 0.05), ("high", 0.2)):
        save(run_task(NoisyReport(name, sd), task, 400, seed=1), tmp_path / f"{name}.nc")
    code = BLOCK + (
        "from neuromem.cli import main\n"
        f"assert main(['list']) == 0\n"
        f"assert main(['compare', r'{tmp_path / 'low.nc'}', r'{tmp_path / 'high.nc'}', '--out', r'{tmp_path / 'c.nc'}',"
        f" '--figure', r'{tmp_path / 'c.png'}']) == 0\n"
        "import xarray as xr\n"
        f"c = xr.open_dataset(r'{tmp_path / 'c.nc'}')\n"
        "print(c['variance'].sel(model='low').values.mean(), c['variance'].sel(model='high').values.mean())\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    low, high = map(float, proc.stdout.strip().splitlines()[-1].split())
    # error variance is the noise variance sd^2 (400 trials, 200 per delay: s.e. about 10 %)
    assert low == pytest.approx(0.05**2, rel=0.3) and high == pytest.approx(0.2**2, rel=0.3)
    assert (tmp_path / "c.png").stat().st_size > 5000


def test_a_spiking_model_without_brian2_says_what_to_install():
    code = BLOCK + "from neuromem.cli import main\nraise SystemExit(main(['run', 'working-memory', '--trials', '1']))\n"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "pip install 'neuromem[spiking]'" in proc.stderr


def test_a_sweep_without_dask_says_what_to_install(tmp_path):
    for argv in (["sweep", "working-memory", "--seeds", "1:2", "--out", "s.zarr"], ["compare", "a.zarr", "b.zarr"]):
        (tmp_path / "a.zarr").mkdir(exist_ok=True)
        (tmp_path / "b.zarr").mkdir(exist_ok=True)
        # None in sys.modules: `import zarr` fails, while xarray's probes for its backends still answer
        absent = "sys.modules['distributed'] = sys.modules['zarr'] = None\n"
        code = BLOCK + absent + f"from neuromem.cli import main\nraise SystemExit(main({argv!r}))\n"
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        assert "pip install 'neuromem[sweep]'" in proc.stderr


def test_free_recall_with_the_cognitive_models_needs_neither_brian2_nor_torch(tmp_path):
    code = BLOCK + (
        "from neuromem.cli import main\n"
        "for model in ('cmr', 'dual_store'):\n"
        f"    assert main(['run', 'free-recall', '--model', model, '--trials', '20', '--out', r'{tmp_path}', '--quiet']) == 0\n"
        f"assert main(['compare', r'{tmp_path / 'free-recall_cmr_seed1.nc'}', r'{tmp_path / 'free-recall_dual_store_seed1.nc'}',"
        f" '--out', r'{tmp_path / 'c.nc'}', '--figure', r'{tmp_path / 'c.png'}']) == 0\n"
        "print(sorted(m for m in ('torch', 'brian2') if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"
    assert (tmp_path / "c.png").stat().st_size > 5000


def test_licence_citation_and_version_agree_with_the_package():
    """The declared licence ships as a file; the version is written once and the citation, changelog and metadata agree."""
    import importlib.metadata
    import re
    import tomllib
    from pathlib import Path

    import neuromem

    root = Path(__file__).parent.parent
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    assert project["license"]["text"] == "BSD-3-Clause"
    assert (root / "LICENSE").read_text().startswith("BSD 3-Clause License")
    # one place: pyproject reads the version from neuromem/_version.py, and no other file spells it out
    assert "version" not in project and "version" in project["dynamic"]
    version = re.fullmatch(r'(?s).*__version__ = "([^"]+)"\n', (root / "neuromem" / "_version.py").read_text()).group(1)
    assert neuromem.__version__ == version == importlib.metadata.version("neuromem")
    citation = (root / "CITATION.cff").read_text()
    assert f'version: "{version}"' in citation and "license: BSD-3-Clause" in citation and "cff-version: 1.2.0" in citation
    assert f"## {version}" in (root / "CHANGELOG.md").read_text()
