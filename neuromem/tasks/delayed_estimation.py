"""Delayed estimation of an angle (oculomotor delayed response).

A cue at an angle is shown for a cue period, removed for a delay, and the
remembered angle is reported at the end of the delay. The signed circular
error and its spread against delay are the classic read-outs: Funahashi, Bruce &
Goldman-Rakic (1989) recorded prefrontal delay activity for 8 targets and
1-6 s delays; White, Sparks & Stanford (1994) and Wimmer et al. (2014) found
the variable error growing with delay while the systematic error stays
constant, as expected of a diffusing bump (Compte et al. 2000).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from neuromem.tasks import encoding as enc
from neuromem.tasks.base import Task, merge_timing
from neuromem.validation import as_rng, as_values, check_duration, check_positive_int

TWO_PI = 2.0 * np.pi


def wrap_angle(angle: np.ndarray | xr.DataArray) -> np.ndarray | xr.DataArray:
    """Wrap angles (rad) into [-pi, pi)."""
    return (angle + np.pi) % TWO_PI - np.pi


class DelayedEstimation(Task):
    """Continuous report of a cued angle after a delay.

    Parameters
    ----------
    delays : sequence of float
        Delay durations in seconds (>= 0); trials cycle through them.
    timing : mapping, optional
        Durations in seconds of the ``fixation`` (before the cue), ``cue`` and
        ``response`` periods. Unnamed periods keep their defaults
        (0.5 s, 0.25 s, 0.25 s).
    n_cue_angles : int or None
        ``None`` draws cue angles uniformly on the circle; an integer uses that
        many equally spaced angles (8 in Funahashi et al. 1989).
    """

    name = "delayed-estimation"
    tags = ("working-memory", "continuous-report", "supervised")
    references = (
        "Funahashi S, Bruce CJ, Goldman-Rakic PS (1989) J Neurophysiol 61:331-349; "
        "Wimmer K, Nykamp DQ, Constantinidis C, Compte A (2014) Nat Neurosci 17:431-439"
    )
    default_timing: Mapping[str, float] = {"fixation": 0.5, "cue": 0.25, "response": 0.25}
    condition = "delay"
    condition_parameter = "delays"
    # short periods so artificial models train on short sequences (s)
    fit_defaults = {"delays": [0.2, 0.4, 0.6], "timing": {"fixation": 0.1, "cue": 0.1, "response": 0.1}}
    summary_dim = "delay"
    summary_vars = ("mean_abs_error", "variance", "bias", "circular_sd", "n_trials", "error_density", "diffusion")
    alignment = "delays shared by every result (s)"
    perfect = {"abs_error": 0.0}

    def __init__(self, delays: Sequence[float] = (0.5, 1.0, 2.0, 3.0), timing: Mapping[str, float] | None = None, n_cue_angles: int | None = None) -> None:
        delays = as_values("delays", delays)
        if delays.size == 0:
            raise ValueError("delays=[] is not allowed; give at least one delay in seconds")
        self.delays = tuple(check_duration("delays", d) for d in delays)
        self.timing = merge_timing(self.default_timing, timing, zero_ok=("fixation",))
        self.n_cue_angles = None if n_cue_angles is None else check_positive_int("n_cue_angles", n_cue_angles)

    def get_params(self) -> dict[str, Any]:
        return {"delays": list(self.delays), "timing": dict(self.timing), "n_cue_angles": self.n_cue_angles}

    def trials(self, n: int, rng: np.random.Generator | int) -> xr.Dataset:
        """Generate ``n`` trials, cycling through the delays.

        Returns
        -------
        xarray.Dataset
            Dim ``trial``; coord ``delay`` (s); variables ``cue_angle`` and
            ``target`` (rad), ``cue_onset``, ``cue_offset``, ``response_onset``
            and ``trial_end`` (s from trial start).
        """
        n = check_positive_int("n", n)
        rng = as_rng(rng)
        delay = np.resize(np.asarray(self.delays), n)
        if self.n_cue_angles is None:
            cue = rng.uniform(-np.pi, np.pi, size=n)
        else:
            cue = wrap_angle(TWO_PI * rng.integers(self.n_cue_angles, size=n) / self.n_cue_angles)
        t = self.timing
        cue_onset = np.full(n, t["fixation"])
        cue_offset = cue_onset + t["cue"]
        response_onset = cue_offset + delay

        def seconds(values: np.ndarray, long_name: str) -> tuple:
            return ("trial", values, {"units": "s", "long_name": long_name})

        ds = xr.Dataset(
            {
                "cue_angle": ("trial", cue, {"units": "rad", "long_name": "cue angle"}),
                "target": ("trial", cue.copy(), {"units": "rad", "long_name": "angle to report"}),
                "cue_onset": seconds(cue_onset, "cue onset from trial start"),
                "cue_offset": seconds(cue_offset, "cue offset from trial start"),
                "response_onset": seconds(response_onset, "end of delay / start of report"),
                "trial_end": seconds(response_onset + t["response"], "end of trial"),
            },
            coords={"trial": ("trial", np.arange(n)), "delay": ("trial", delay, {"units": "s", "long_name": "delay duration"})},
        )
        return self._stamp(ds)

    def score(self, trials: xr.Dataset, responses: xr.Dataset) -> xr.Dataset:
        """Signed circular error of each report.

        ``responses`` needs ``response_angle`` (rad) on the same ``trial`` values.

        Returns
        -------
        xarray.Dataset
            ``error`` (report - target, wrapped to [-pi, pi), rad) and
            ``abs_error`` (rad), with the trials' condition coords.
        """
        self.check_trials(trials)
        if "response_angle" not in responses:
            raise ValueError("responses has no 'response_angle' variable (the reported angle in rad)")
        if responses.sizes.get("trial") != trials.sizes["trial"] or not np.array_equal(responses["trial"].values, trials["trial"].values):
            raise ValueError("responses and trials are not aligned on 'trial' (different trial labels)")
        error = wrap_angle(responses["response_angle"].values - trials["target"].values)
        ds = xr.Dataset(
            {
                "error": ("trial", error, {"units": "rad", "long_name": "signed circular error (report - target)"}),
                "abs_error": ("trial", np.abs(error), {"units": "rad", "long_name": "absolute circular error"}),
            },
            coords={"trial": trials["trial"], "delay": trials["delay"]},
        )
        return self._stamp(ds)

    # ------------------------------------------------- artificial-model coding
    def io_sizes(self, trials: xr.Dataset) -> tuple[int, int]:
        """Inputs: fixation, cue (cos, sin); outputs: the reported (cos, sin)."""
        return 3, 2

    def encode(self, trials: xr.Dataset, dt: float, steps: int | None = None, **options: Any) -> enc.Encoded:
        """Fixation until the report, the cue as (cos, sin) while shown; target (cos, sin) at report (MSE)."""
        T = steps if steps is not None else enc.n_steps(trials, dt)
        t = enc.step_midpoints(T, dt)
        B = trials.sizes["trial"]
        fixation = enc.window(t, np.zeros(B), trials["response_onset"].values)
        cue = enc.window(t, trials["cue_onset"].values, trials["cue_offset"].values)
        mask = enc.window(t, trials["response_onset"].values, trials["trial_end"].values)
        angle, target = trials["cue_angle"].values, trials["target"].values
        x = np.stack([fixation, cue * np.cos(angle), cue * np.sin(angle)], axis=-1).astype(np.float32)
        y = np.stack([mask * np.cos(target), mask * np.sin(target)], axis=-1).astype(np.float32)
        return enc.Encoded(x, y, mask, cue, "mse")

    def decode(self, trials: xr.Dataset, out: np.ndarray, dt: float) -> xr.Dataset:
        """``response_angle`` (rad): angle of the mean (cos, sin) output over the report period."""
        t = enc.step_midpoints(out.shape[0], dt)
        m = enc.mean_over(enc.window(t, trials["response_onset"].values, trials["trial_end"].values), out)
        angle = np.arctan2(m[:, 1], m[:, 0])
        return xr.Dataset(
            {"response_angle": ("trial", angle, {"units": "rad", "long_name": "reported angle (output vector at report)"})},
            coords={"trial": trials["trial"].values},
        )

    # ------------------------------------------------------------- comparison
    def summarize(self, ds: xr.Dataset) -> xr.Dataset:
        """Bias, variance, mean |error| and the error distribution by delay (and the diffusion coefficient)."""
        from neuromem.analysis.working_memory import error_by_delay

        return error_by_delay(ds)

    def plot_comparison(self, ds: xr.Dataset, axes: Sequence[Any]) -> None:
        for m in ds["model"].values:
            row = ds.sel(model=m)
            axes[0].plot(ds["delay"], np.degrees(row["mean_abs_error"]), "o-", label=m)
            axes[1].plot(ds["delay"], row["variance"], "o-", label=m)
        axes[0].set(xlabel="delay (s)", ylabel="mean |error| (deg)", title="report error")
        axes[1].set(xlabel="delay (s)", ylabel="error variance (rad^2)", title="variance grows with delay in a diffusing memory")

    def report(self, ds: xr.Dataset) -> list[str]:
        """Mean signed error and its s.d. (deg) per delay."""
        lines = ["delay (s)   trials   mean error (deg)   error s.d. (deg)"]
        for delay, group in ds["error"].groupby("delay"):
            e = np.degrees(group.values)
            lines.append(f"{delay:9.2f}   {e.size:6d}   {np.nanmean(e):16.2f}   {np.nanstd(e):16.2f}")
        return lines
