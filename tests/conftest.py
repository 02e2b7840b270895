import numpy as np
import pytest
import xarray as xr

from neuromem.results import provenance


@pytest.fixture
def valid_dataset() -> xr.Dataset:
    """A small Dataset that follows the results schema."""
    rng = np.random.default_rng(0)
    ds = xr.Dataset(
        {
            "error": ("trial", rng.normal(size=5), {"units": "rad", "long_name": "signed error"}),
            "rate": (("trial", "time"), rng.uniform(size=(5, 3)), {"units": "Hz", "long_name": "rate"}),
        },
        coords={
            "trial": np.arange(5),
            "delay": ("trial", [0.5, 1.0, 2.0, 0.5, 1.0], {"units": "s", "long_name": "delay"}),
            "time": ("time", [0.1, 0.2, 0.3], {"units": "s", "long_name": "time"}),
        },
    )
    ds.attrs.update(
        provenance(
            title="test",
            model="none",
            model_family="none",
            task="delayed-estimation",
            parameters={"a": 1, "b": [1.0, 2.0]},
            seed=3,
            backend="numpy",
            references="none",
        )
    )
    return ds


@pytest.fixture(autouse=True)
def restore_brian2_prefs_and_device():
    """As Brian2's own conftest: whatever a test does, the next one starts with the same prefs and device."""
    import sys

    brian2 = sys.modules.get("brian2")
    if brian2 is None:
        yield
        return
    device = brian2.get_device()
    brian2.prefs._backup()
    yield
    brian2.prefs._restore()
    brian2.set_device(device)
