import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from neuromem import results
from neuromem.results import SchemaError, load, save


def test_round_trip_is_identical_attrs_included(valid_dataset, tmp_path):
    path = save(valid_dataset, tmp_path / "run.nc")
    back = load(path)
    xr.testing.assert_identical(back, valid_dataset)
    assert json.loads(back.attrs["parameters"]) == {"a": 1, "b": [1.0, 2.0]}


def test_file_opens_with_plain_xarray(valid_dataset, tmp_path):
    path = save(valid_dataset, tmp_path / "run.nc")
    with xr.open_dataset(path) as ds:
        assert ds["rate"].attrs["units"] == "Hz"
        np.testing.assert_array_equal(ds["delay"].values, valid_dataset["delay"].values)


@pytest.mark.parametrize("attr", results.REQUIRED_ATTRS)
def test_missing_provenance_is_named(valid_dataset, tmp_path, attr):
    del valid_dataset.attrs[attr]
    with pytest.raises(SchemaError, match=f"global attribute '{attr}' is missing"):
        save(valid_dataset, tmp_path / "bad.nc")
    assert not (tmp_path / "bad.nc").exists()


def test_missing_units_and_long_name_are_named(valid_dataset):
    del valid_dataset["rate"].attrs["units"]
    del valid_dataset["error"].attrs["long_name"]
    with pytest.raises(SchemaError) as info:
        results.validate(valid_dataset)
    assert "data variable 'rate' has no 'units' attribute" in str(info.value)
    assert "data variable 'error' has no 'long_name' attribute" in str(info.value)


def test_load_rejects_file_without_units(valid_dataset, tmp_path):
    valid_dataset["rate"].attrs.pop("units")
    path = tmp_path / "raw.nc"
    valid_dataset.to_netcdf(path, engine="h5netcdf")  # written by hand, bypassing save()
    with pytest.raises(SchemaError, match=r"(?s)raw\.nc.*'rate' has no 'units'"):
        load(path)


def test_dict_or_none_attrs_are_refused(valid_dataset):
    valid_dataset.attrs["extra"] = None
    with pytest.raises(SchemaError, match="'extra' has type NoneType"):
        results.validate(valid_dataset)


def test_interrupted_write_leaves_no_file_under_final_name(valid_dataset, tmp_path, monkeypatch):
    target = tmp_path / "run.nc"

    def half_write(self, data):
        with open(self, "wb") as fh:
            fh.write(b"\x89HDF\r\n")  # a truncated start of a file, then the "crash"
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "write_bytes", half_write)
    with pytest.raises(KeyboardInterrupt):
        save(valid_dataset, target)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_interrupted_overwrite_keeps_previous_file(valid_dataset, tmp_path, monkeypatch):
    target = save(valid_dataset, tmp_path / "run.nc")
    before = target.read_bytes()

    def failing(self, data):
        raise OSError("disk full")

    monkeypatch.setattr(Path, "write_bytes", failing)
    with pytest.raises(OSError):
        save(valid_dataset, target)
    assert target.read_bytes() == before


def test_unknown_model_family_is_refused():
    with pytest.raises(ValueError, match="model_family='spiking net'"):
        results.provenance(title="t", model="m", model_family="spiking net", task="t", parameters={}, seed=0, backend="b", references="r")


def test_load_missing_file():
    with pytest.raises(FileNotFoundError, match="no result file"):
        load("/nonexistent/run.nc")


def test_saved_arrays_are_deflated_and_read_back_identical(valid_dataset, tmp_path):
    """Spike-like arrays (sorted trial ids, neuron ids, times on a time grid) compress losslessly."""
    rng = np.random.default_rng(0)
    n = 200_000
    ds = valid_dataset.assign(
        spike_trial=("spike", np.sort(rng.integers(0, 5, n)), {"units": "1", "long_name": "trial of each spike"}),
        spike_neuron=("spike", rng.integers(0, 512, n).astype(np.int32), {"units": "1", "long_name": "neuron of each spike"}),
        spike_time=("spike", np.round(rng.uniform(0, 3, n) / 5e-5) * 5e-5, {"units": "s", "long_name": "time of each spike"}),
    )
    path = save(ds, tmp_path / "spikes.nc")
    raw = sum(ds[v].nbytes for v in ("spike_trial", "spike_neuron", "spike_time"))
    assert path.stat().st_size < 0.6 * raw
    back = load(path)
    xr.testing.assert_identical(back, ds)
    assert back["spike_time"].encoding["zlib"] and back["spike_time"].encoding["shuffle"]
    assert not back["trial"].encoding["zlib"]  # short arrays are left as they are


def test_integer_arrays_are_stored_in_the_smallest_exact_type_and_read_back_equal(tmp_path, valid_dataset):
    from neuromem.results import load, save

    ds = valid_dataset.assign(
        neuron=("spike", np.array([0, 2047, 5, 1000] * 300, dtype=np.int64), {"units": "1", "long_name": "neuron"}),
        big=("spike", np.array([0, 2**40, -3, 7] * 300, dtype=np.int64), {"units": "1", "long_name": "needs 64 bits"}),
        small=("spike", np.array([-128, 127, 0, 1] * 300, dtype=np.int32), {"units": "1", "long_name": "fits in 8 bits"}),
    )
    back = load(save(ds, tmp_path / "r.nc"))
    xr.testing.assert_identical(back, ds)
    assert (back["neuron"].dtype, back["big"].dtype, back["small"].dtype) == (np.int16, np.int64, np.int8)
    assert back["trial"].dtype == ds["trial"].dtype  # index coordinates keep their type
