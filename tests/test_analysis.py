"""Forgetting-function fits, working-memory analyses, reference data and cross-model comparison."""

import numpy as np
import pytest
import xarray as xr

from neuromem.analysis.compare import compare, plot_comparison
from neuromem.analysis.forgetting import fit_forgetting
from neuromem.analysis.working_memory import error_by_delay
from neuromem.cli import main
from neuromem.reference import list_references, load_reference
from neuromem.results import load, provenance, save, schema_problems


@pytest.mark.parametrize(
    "true, fn, params", [("power", lambda t: 0.9 * t**-0.4, {"a": 0.9, "b": 0.4}), ("exponential", lambda t: 0.8 * np.exp(-0.1 * t), {"a": 0.8, "b": 0.1})]
)
def test_fitter_recovers_parameters_and_picks_the_form_by_aic(true, fn, params):
    rng = np.random.default_rng(3)
    t = np.linspace(1.0, 50.0, 25)
    fit = fit_forgetting(t, fn(t) + rng.normal(0, 0.01, t.size))
    # among the two-parameter forms AIC picks the true one; the forms that contain it as a special
    # case (Wickelgren contains the power law's tail, two-store the exponential) may fit the noise a
    # little better, but not by a margin that would count as evidence
    two = fit["aic"].sel(form=["power", "exponential", "logarithmic"])
    assert str(two["form"].values[np.argmin(two.values)]) == true
    assert float(fit["aic"].sel(form=true)) - float(fit["aic"].min()) < 4
    for name, value in params.items():
        est, se = float(fit["value"].sel(form=true, parameter=name)), float(fit["se"].sel(form=true, parameter=name))
        assert abs(est - value) < max(4 * se, 0.05 * value), (name, est, se)
    # the wrong two-parameter form is clearly worse
    other = "exponential" if true == "power" else "power"
    assert float(fit["aic"].sel(form=other)) > float(fit["aic"].sel(form=true)) + 10
    assert float(fit["r2"].sel(form=true)) > 0.95


def test_ebbinghaus_power_and_logarithmic_beat_exponential():
    e = load_reference("ebbinghaus1885_savings")
    fit = fit_forgetting(e["retention_interval"].values / 60, e["savings"].values, t_units="min")
    aic = fit["aic"]
    assert float(aic.sel(form="power")) < float(aic.sel(form="exponential")) - 10
    assert float(aic.sel(form="logarithmic")) < float(aic.sel(form="exponential"))
    assert fit.attrs["best_form"] in ("power", "logarithmic", "wickelgren", "two_store")


def test_fit_refuses_bad_input():
    with pytest.raises(ValueError, match="t must be > 0"):
        fit_forgetting([0.0, 1.0, 2.0], [1.0, 0.5, 0.3])
    with pytest.raises(ValueError, match="unknown"):
        fit_forgetting([1.0, 2.0, 3.0], [1.0, 0.5, 0.3], forms=["hyperbolic"])


def _estimation_result(model, D, delays=(0.5, 1.0, 2.0, 3.0), n=400, seed=0):
    rng = np.random.default_rng(seed)
    delay = np.resize(np.asarray(delays), n)
    error = (rng.normal(0.0, np.sqrt(0.01 + D * delay)) + np.pi) % (2 * np.pi) - np.pi
    ds = xr.Dataset(
        {
            "error": ("trial", error, {"units": "rad", "long_name": "signed circular error"}),
            "abs_error": ("trial", np.abs(error), {"units": "rad", "long_name": "absolute circular error"}),
        },
        coords={"trial": np.arange(n), "delay": ("trial", delay, {"units": "s", "long_name": "delay"})},
    )
    ds.attrs.update(
        provenance(
            title=f"{model} test", model=model, model_family="rate", task="delayed-estimation", parameters={}, seed=seed, backend="numpy", references="test"
        )
    )
    return ds


def test_error_variance_grows_with_delay_at_the_diffusion_rate():
    out = error_by_delay(_estimation_result("diffusing", D=0.02))
    assert float(out["diffusion"]) == pytest.approx(0.02, abs=3 * float(out["diffusion_se"]) + 0.002)
    assert np.all(np.abs(out["bias"]) < 0.05)
    width = float(out["error_bin"][1] - out["error_bin"][0])
    np.testing.assert_allclose(out["error_density"].sum("error_bin") * width, 1.0)
    # the distribution widens with delay
    assert float(out["error_density"].isel(delay=0).max()) > float(out["error_density"].isel(delay=-1).max())
    assert schema_problems(out) == []


def _curve(model, family, overlap, lags=(0, 1, 2, 3), delays=(0.5,)):
    ov = np.asarray(overlap, dtype=float)[None, :].repeat(len(delays), 0)
    ds = xr.Dataset(
        {
            "overlap": (("test_delay", "lag"), ov, {"units": "1", "long_name": "mean recall overlap"}),
            "overlap_sem": (("test_delay", "lag"), 0.02 + 0 * ov, {"units": "1", "long_name": "s.e.m."}),
        },
        coords={
            "test_delay": ("test_delay", list(delays), {"units": "s", "long_name": "test delay"}),
            "lag": ("lag", list(lags), {"units": "1", "long_name": "patterns learned since"}),
        },
    )
    ds.attrs.update(
        provenance(title=f"{model} curve", model=model, model_family=family, task="retention", parameters={}, seed=1, backend="test", references="test")
    )
    return ds


def test_comparison_has_a_model_dim_the_human_curve_and_per_model_fits(tmp_path):
    lags = np.arange(6)
    spiking = _curve("assembly_memory", "spiking", 0.9 * np.exp(-0.4 * lags), lags=lags)
    lstm = _curve("lstm", "lstm", 0.95 * (lags + 1.0) ** -1.2, lags=lags)
    ds = compare([spiking, lstm])
    assert ds["overlap"].dims == ("model", "lag") and list(ds["model"].values) == ["assembly_memory", "lstm"]
    assert list(ds["model_family"].values) == ["spiking", "lstm"]
    assert ds["human_retention"].sizes["human_retention_interval"] == 7
    assert ds["best_form"].sel(model="assembly_memory").item() in ("exponential", "two_store", "wickelgren")
    assert ds["best_form"].sel(model="lstm").item() in ("power", "wickelgren")
    assert float(ds["fit_value"].sel(model="lstm", form="power", parameter="b")) == pytest.approx(1.2, rel=1e-3)
    assert ds.attrs["human_best_form"] == "power" and schema_problems(ds) == []
    figure = plot_comparison(ds, tmp_path / "cmp.png")
    assert figure.stat().st_size > 5000
    # delayed estimation: aligned on the shared delays only
    a, b = _estimation_result("a", 0.02), _estimation_result("b", 0.05, delays=(1.0, 2.0, 4.0), seed=1)
    both = compare([a, b])
    assert both["delay"].values.tolist() == [1.0, 2.0]
    assert float(both["diffusion"].sel(model="b")) > float(both["diffusion"].sel(model="a"))


def test_mismatched_inputs_are_refused_with_the_reason():
    curve = _curve("assembly_memory", "spiking", [0.9, 0.7, 0.5, 0.4])
    with pytest.raises(ValueError, match="different tasks"):
        compare([curve, _estimation_result("lstm", 0.02)])
    with pytest.raises(ValueError, match="share no lag"):
        compare([curve, _curve("lstm", "lstm", [0.9, 0.7], lags=(10, 11))])
    with pytest.raises(ValueError, match="at least two"):
        compare([curve])
    with pytest.raises(ValueError, match="share no delay"):
        compare([_estimation_result("a", 0.02, delays=(0.5,)), _estimation_result("b", 0.02, delays=(1.0,))])


def test_reference_data_follow_the_schema(capsys):
    for name in list_references():
        assert schema_problems(load_reference(name)) == [], name
    s = load_reference("sjostrom2001_frequency")
    assert s.sizes["point"] == 10 and "Sjostrom" in s.attrs["references"]
    assert main(["list"]) == 0
    assert "ebbinghaus1885_savings" in capsys.readouterr().out


@pytest.mark.long
def test_compare_and_figures_commands(tmp_path, capsys):
    lags = np.arange(5)
    files = [
        save(_curve(m, f, 0.9 * np.exp(-k * lags), lags=lags), tmp_path / f"{m}.nc")
        for m, f, k in (("assembly_memory", "spiking", 0.3), ("rate_rnn", "rate", 0.6))
    ]
    out, fig = tmp_path / "cmp.nc", tmp_path / "cmp.png"
    assert main(["compare", *map(str, files), "--out", str(out), "--figure", str(fig)]) == 0
    assert load(out).sizes["model"] == 2 and fig.stat().st_size > 5000
    assert "human (Ebbinghaus 1885)" in capsys.readouterr().out
    assert main(["figures", "--results", str(tmp_path / "r"), "--out", str(tmp_path / "f"), "--quick", "--only", "artificial_models"]) == 0
    assert (tmp_path / "f" / "artificial_models.png").is_file()
    assert main(["compare", str(tmp_path / "missing.nc"), str(out)]) == 2


def test_every_built_in_task_has_a_summary_and_a_task_without_one_cannot_be_compared():
    from neuromem.analysis.summaries import SUMMARIES, Summary, get_summary
    from neuromem.tasks import TASKS

    assert {n for n in TASKS.names() if TASKS.source(n) == "neuromem"} <= set(SUMMARIES.names())
    for name in SUMMARIES.names():
        assert isinstance(get_summary(name), Summary) and get_summary(name).task == name
    with pytest.raises(ValueError, match="no summary is registered for it"):
        compare([_estimation_result("a", 0.02).assign_attrs(task="no-such-task"), _estimation_result("b", 0.02).assign_attrs(task="no-such-task")])
