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

from typing import Any, Mapping, Sequence

import numpy as np
import xarray as xr

from neuromem.tasks.base import Task, as_rng, check_duration, check_positive_int

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

    def __init__(
        self,
        delays: Sequence[float] = (0.5, 1.0, 2.0, 3.0),
        timing: Mapping[str, float] | None = None,
        n_cue_angles: int | None = None,
    ) -> None:
        delays = np.atleast_1d(np.asarray(delays, dtype=object))
        if delays.size == 0:
            raise ValueError("delays=[] is not allowed; give at least one delay in seconds")
        self.delays = tuple(check_duration("delays", d) for d in delays)
        timing = dict(timing or {})
        unknown = set(timing) - set(self.default_timing)
        if unknown:
            raise ValueError(
                f"timing has unknown period(s) {sorted(unknown)}; allowed: {sorted(self.default_timing)}"
            )
        merged = {**self.default_timing, **timing}
        self.timing = {k: check_duration(f"timing[{k!r}]", v, allow_zero=(k == "fixation")) for k, v in merged.items()}
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
            coords={
                "trial": ("trial", np.arange(n)),
                "delay": ("trial", delay, {"units": "s", "long_name": "delay duration"}),
            },
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
        if responses.sizes.get("trial") != trials.sizes["trial"] or not np.array_equal(
            responses["trial"].values, trials["trial"].values
        ):
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
