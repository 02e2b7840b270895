"""Delayed estimation of an angle (oculomotor delayed response).

A cue at an angle is shown for a cue period, removed for a delay, and the
remembered angle is reported at the end of the delay. The signed circular
error and its spread against delay are the classic read-outs: Funahashi, Bruce &
Goldman-Rakic (1989) recorded prefrontal delay activity for 8 targets and
1-6 s delays; White, Sparks & Stanford (1994) and Wimmer et al. (2014) found
the variable error growing with delay while the systematic error stays
constant, as expected of a diffusing bump (Compte et al. 2000).

With several items (``set_sizes``) it is the continuous-report paradigm of visual
working memory: N items at angles at least ``min_separation`` apart are shown
together, each at its own display location; after the delay one location is cued
and the angle of the item shown there is reported. Precision falls as N grows,
and the errors are analysed as a mixture of reports of the target, of non-targets
(swaps) and guesses (Zhang & Luck 2008; Bays, Catalao & Husain 2009; van den
Berg et al. 2012).

With ``report="all"`` (whole report) every item is reported in turn: after the
delay the locations are cued one after another, in a random order, each for one
``response`` period, and each item's angle is reported while its location is cued
(Adam, Vogel & Awh 2017, Cogn Psychol 97:79-97, whose whole-report trials show how
many items a display leaves with information). Trials then carry a ``turn`` dim
(position in the report order) on the targets, the report onsets, the responses and
the scores; a model has to say it can report every item in turn
(``"whole-report"`` in its ``capabilities``) or the run is refused before it starts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from neuromem.tasks import encoding as enc
from neuromem.tasks.base import WHOLE_REPORT, Task, merge_timing
from neuromem.validation import as_rng, as_values, check_duration, check_positive_int

TWO_PI = 2.0 * np.pi
#: the most items one trial may show (displays of continuous report hold up to 8: van den Berg et al. 2012)
MAX_SET_SIZE = 16
#: smallest distance between two items' angles unless asked otherwise (rad): more than a bump's width
#: (Compte et al. 2000: sigma_EE 18 deg), so that the ring's bumps start apart
DEFAULT_SEPARATION = float(np.pi / 6)
#: the report modes: one cued item, or every item in turn (whole report)
REPORTS = ("cued", "all")


def check_separation(value: Any, largest_set: int) -> float:
    """``min_separation`` (rad) as a float, or raise unless ``largest_set`` items fit on the circle with it."""
    if isinstance(value, (bool, np.bool_, str, bytes)):
        raise ValueError(f"min_separation={value!r} is not allowed; it must be an angle in rad (a number)")
    try:
        sep = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"min_separation={value!r} is not allowed; it must be an angle in rad") from None
    if not np.isfinite(sep) or sep < 0 or largest_set * sep >= TWO_PI:
        raise ValueError(
            f"min_separation={value!r} rad is not allowed; it must be >= 0 and below 2 pi / {largest_set} = {TWO_PI / largest_set:.4g} rad for set size {largest_set}"
        )
    return sep


def spread_items(rng: np.random.Generator, first: np.ndarray, sizes: np.ndarray, slots: int, separation: float) -> tuple[np.ndarray, np.ndarray]:
    """Angles (trial, ``slots``) of ``sizes`` items per trial, one of them ``first``, all >= ``separation`` apart.

    The other items sit at ``first`` + sorted uniform draws on the circle shortened by
    ``size * separation``, each shifted by ``separation`` times its rank: every arrangement
    with the gaps allowed is equally likely. Items are then put at random display locations
    (slots; NaN past a trial's size). Returns the angles and the slot of ``first`` (the cued one).
    """
    n = first.size
    others = slots - 1
    room = TWO_PI - sizes * separation  # (trial,) circle left once the gaps are taken
    u = rng.random((n, others)) * room[:, None]
    u = np.sort(np.where(np.arange(others)[None, :] < (sizes - 1)[:, None], u, np.inf), axis=1)
    offsets = u + separation * np.arange(1, slots)[None, :]
    shifted = np.where(np.isfinite(offsets), first[:, None] + np.where(np.isfinite(offsets), offsets, 0.0), np.nan)
    angles = np.concatenate([first[:, None], wrap_angle(shifted)], axis=1)
    keys = np.where(np.arange(slots)[None, :] < sizes[:, None], rng.random((n, slots)), np.inf)
    order = np.argsort(keys, axis=1)  # a random display location for each item, unused slots last
    placed = np.full((n, slots), np.nan)
    np.put_along_axis(placed, order, angles, axis=1)
    return placed, order[:, 0]


def report_order(rng: np.random.Generator, first: np.ndarray, sizes: np.ndarray, slots: int) -> np.ndarray:
    """Display locations (trial, ``slots``) in the order they are reported: ``first`` (trial,), then the
    other shown locations in a random order; -1 past a trial's size. Locations ``>= sizes`` are empty
    (:func:`spread_items` puts unused slots last)."""
    n = first.size
    keys = rng.random((n, slots))
    keys[np.arange(n), first] = -1.0  # the cued item is reported first: the single-item task's target leads
    keys = np.where(np.arange(slots)[None, :] < sizes[:, None], keys, np.inf)
    order = np.argsort(keys, axis=1)
    return np.where(np.arange(slots)[None, :] < sizes[:, None], order, -1)


def _unit_vectors(mask: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """(T, B, 2) targets: the (cos, sin) of one angle per trial where ``mask`` (T, B) is on."""
    return np.stack([mask * np.cos(angle), mask * np.sin(angle)], axis=-1).astype(np.float32)


def per_report_flags(flags: np.ndarray, target: np.ndarray) -> np.ndarray:
    """A model's 0/1 flag per report (e.g. ``guessed``) shaped like ``target``: int8 for one report per trial; with
    every item reported in turn a float with NaN where no item was (past the set size), so a mean over the report
    order counts only the items shown."""
    flags = flags.reshape(target.shape)
    if target.ndim == 1:
        return flags.astype(np.int8)
    return np.where(np.isfinite(target), flags.astype(float), np.nan)


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
        many equally spaced angles (8 in Funahashi et al. 1989; one item only).
    set_sizes : sequence of int
        Items shown together (1 to :data:`MAX_SET_SIZE`); trials cycle through
        every (set size, delay) pair, delays fastest. With one item (the
        default) the trials and scores are those of the single-item task.
    min_separation : float
        Smallest circular distance (rad) between two items' angles of a trial;
        ``max(set_sizes) * min_separation`` must stay below 2 pi.
    report : {"cued", "all"}
        ``"cued"``: one location is cued and its item reported. ``"all"`` (whole
        report): every location is cued in turn, in a random order, for one
        ``response`` period each, and every item is reported.
    """

    name = "delayed-estimation"
    tags = ("working-memory", "continuous-report", "supervised")
    references = (
        "Funahashi S, Bruce CJ, Goldman-Rakic PS (1989) J Neurophysiol 61:331-349; "
        "Wimmer K, Nykamp DQ, Constantinidis C, Compte A (2014) Nat Neurosci 17:431-439; "
        "Zhang W, Luck SJ (2008) Nature 453:233-235; Bays PM, Catalao RFG, Husain M (2009) J Vis 9(10):7; "
        "Adam KCS, Vogel EK, Awh E (2017) Cogn Psychol 97:79-97"
    )
    default_timing: Mapping[str, float] = {"fixation": 0.5, "cue": 0.25, "response": 0.25}
    condition = "delay"
    condition_parameter = "delays"
    # short periods so artificial models train on short sequences (s)
    fit_defaults = {"delays": [0.2, 0.4, 0.6], "timing": {"fixation": 0.1, "cue": 0.1, "response": 0.1}}
    perfect = {"abs_error": 0.0}

    def __init__(
        self,
        delays: Sequence[float] = (0.5, 1.0, 2.0, 3.0),
        timing: Mapping[str, float] | None = None,
        n_cue_angles: int | None = None,
        set_sizes: Sequence[int] = (1,),
        min_separation: float = DEFAULT_SEPARATION,
        report: str = "cued",
    ) -> None:
        delays = as_values("delays", delays)
        if delays.size == 0:
            raise ValueError("delays=[] is not allowed; give at least one delay in seconds")
        self.delays = tuple(check_duration("delays", d) for d in delays)
        self.timing = merge_timing(self.default_timing, timing, zero_ok=("fixation",))
        self.n_cue_angles = None if n_cue_angles is None else check_positive_int("n_cue_angles", n_cue_angles)
        sizes = as_values("set_sizes", set_sizes)
        if sizes.size == 0:
            raise ValueError(f"set_sizes=[] is not allowed; give set sizes from 1 to {MAX_SET_SIZE}")
        self.set_sizes = tuple(check_positive_int("set_sizes", k, maximum=MAX_SET_SIZE) for k in sizes)
        self.min_separation = check_separation(min_separation, max(self.set_sizes))
        if not isinstance(report, str) or report not in REPORTS:
            raise ValueError(f"report={report!r} is not allowed; it must be one of {list(REPORTS)} (one cued item, or every item in turn)")
        self.report = report
        if self.n_cue_angles is not None and max(self.set_sizes) > 1:
            raise ValueError(
                f"n_cue_angles={self.n_cue_angles!r} is not allowed with set_sizes={list(self.set_sizes)}; equally spaced cue angles are for one item"
            )

    def get_params(self) -> dict[str, Any]:
        return {
            "delays": list(self.delays),
            "timing": dict(self.timing),
            "n_cue_angles": self.n_cue_angles,
            "set_sizes": list(self.set_sizes),
            "min_separation": self.min_separation,
            "report": self.report,
        }

    def conditions(self) -> list[Any]:
        """The (set size, delay) pairs the trials cycle through, delays fastest (the delays alone with one item)."""
        if max(self.set_sizes) == 1:
            return list(self.delays)
        return [(k, d) for k in self.set_sizes for d in self.delays]

    @property
    def several(self) -> bool:
        """Whether trials carry ``item``-dim variables and a ``set_size`` coord: several items, or whole report."""
        return max(self.set_sizes) > 1 or self.whole

    @property
    def whole(self) -> bool:
        """Whether every item is reported in turn (the trials then carry a ``turn`` dim)."""
        return self.report == "all"

    def requires(self) -> dict[str, str]:
        """What a model must declare in its ``capabilities`` to run these trials (whole report: :data:`WHOLE_REPORT`)."""
        return {WHOLE_REPORT: "report='all' (every item reported in turn)"} if self.whole else {}

    def trials(self, n: int, rng: np.random.Generator | int) -> xr.Dataset:
        """Generate ``n`` trials, cycling through the (set size, delay) pairs.

        Returns
        -------
        xarray.Dataset
            Dim ``trial``; coord ``delay`` (s); variables ``cue_angle`` and
            ``target`` (rad: the angle of the item to report), ``cue_onset``,
            ``cue_offset`` (the items are shown), ``response_onset`` (the report
            cue) and ``trial_end`` (s from trial start). With several items also
            coord ``set_size``, dim ``item`` (display location), ``item_angle``
            (trial, item; NaN where no item) and ``cued_item`` (the location cued
            for report). With whole report (``report="all"``) ``cued_item`` gives
            way to ``report_item`` (trial, turn: the location reported at each
            position of the report order, -1 past the set size); ``target`` and
            ``report_onset`` (s) are then (trial, turn), NaN past the set size;
            ``cue_angle`` is the item reported first; each report lasts one
            ``response`` period, so ``trial_end`` is ``response_onset`` plus
            ``set_size`` of them.
        """
        n = check_positive_int("n", n)
        rng = as_rng(rng)
        pairs = [(k, d) for k in self.set_sizes for d in self.delays]  # = conditions(), as pairs also with one item
        which = np.resize(np.arange(len(pairs)), n)
        delay = np.array([pairs[k][1] for k in which], dtype=float)
        size = np.array([pairs[k][0] for k in which], dtype=int)
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
        if self.several:
            slots = max(self.set_sizes)
            angles, cued = spread_items(rng, cue, size, slots, self.min_separation)
            ds["cue_angle"].attrs["long_name"] = "angle of the item cued for report"
            ds["item_angle"] = (("trial", "item"), angles, {"units": "rad", "long_name": "angle of the item at each display location (NaN: none)"})
            ds["cued_item"] = ("trial", cued, {"units": "1", "long_name": "display location cued for report"})
            ds = ds.assign_coords(set_size=("trial", size, {"units": "1", "long_name": "items shown together"}), item=("item", np.arange(slots)))
            if self.whole:
                ds = self._in_turn(ds, report_order(rng, cued, size, slots), t["response"])
        return self._stamp(ds)

    @staticmethod
    def _in_turn(ds: xr.Dataset, order: np.ndarray, response: float) -> xr.Dataset:
        """Whole-report trials: every location of ``order`` (trial, turn) reported in turn, one ``response`` (s) each."""
        used = order >= 0
        rank = np.arange(order.shape[1])
        angles = ds["item_angle"].values
        target = np.where(used, np.take_along_axis(angles, np.maximum(order, 0), axis=1), np.nan)
        onset = np.where(used, ds["response_onset"].values[:, None] + rank[None, :] * response, np.nan)
        ds = ds.drop_vars("cued_item").assign_coords(turn=("turn", rank, {"units": "1", "long_name": "position in the report order"}))
        ds["cue_angle"].attrs["long_name"] = "angle of the item reported first"
        ds["report_item"] = (("trial", "turn"), order, {"units": "1", "long_name": "display location reported at each position of the order (-1: none)"})
        ds["target"] = (("trial", "turn"), target, {"units": "rad", "long_name": "angle to report at each position of the order"})
        ds["report_onset"] = (("trial", "turn"), onset, {"units": "s", "long_name": "onset of each report from trial start"})
        # every boundary from one formula, response_onset + k * response: a report ends exactly where the next begins
        ds["trial_end"] = (ds["response_onset"] + ds["set_size"].values * response).assign_attrs(units="s", long_name="end of the last report")
        return ds

    def score(self, trials: xr.Dataset, responses: xr.Dataset) -> xr.Dataset:
        """Signed circular error of each report.

        ``responses`` needs ``response_angle`` (rad) on the same ``trial`` values, with the
        trials' ``turn`` dim when every item is reported in turn.

        Returns
        -------
        xarray.Dataset
            ``error`` (report - target, wrapped to [-pi, pi), rad) and
            ``abs_error`` (rad), with the trials' condition coords. With several
            items also ``nontarget_error`` (trial, item: report - each other item,
            NaN at the target's location and where no item was) and
            ``nearest_nontarget_error`` (the one of smallest size; NaN with one item),
            the errors a swap to a non-target would leave near zero. Whole report
            adds the ``turn`` dim after ``trial`` to each (NaN past the set size).
        """
        self.check_trials(trials)
        if "response_angle" not in responses:
            raise ValueError("responses has no 'response_angle' variable (the reported angle in rad)")
        if responses.sizes.get("trial") != trials.sizes["trial"] or not np.array_equal(responses["trial"].values, trials["trial"].values):
            raise ValueError("responses and trials are not aligned on 'trial' (different trial labels)")
        dims = trials["target"].dims  # ("trial",) or ("trial", "turn")
        got = responses["response_angle"]
        if got.dims != dims or got.shape != trials["target"].shape:
            raise ValueError(
                f"responses' response_angle has dims {dict(got.sizes)}; these trials ask for {dict(trials['target'].sizes)}"
                + (" (one report per item, in turn: report='all')" if "turn" in dims else " (one report per trial)")
            )
        if "turn" in dims and not np.array_equal(got["turn"].values if "turn" in got.coords else trials["turn"].values, trials["turn"].values):
            raise ValueError("responses and trials are not aligned on 'turn' (different positions in the report order)")
        report = got.values
        error = wrap_angle(report - trials["target"].values)
        coords = {"trial": trials["trial"], "delay": trials["delay"]} | ({"turn": trials["turn"]} if "turn" in dims else {})
        ds = xr.Dataset(
            {
                "error": (dims, error, {"units": "rad", "long_name": "signed circular error (report - target)"}),
                "abs_error": (dims, np.abs(error), {"units": "rad", "long_name": "absolute circular error"}),
            },
            coords=coords,
        )
        if "item_angle" in trials:
            angles = trials["item_angle"].values
            reported = trials["report_item"].values if "turn" in dims else trials["cued_item"].values[:, None]
            r = report.reshape(reported.shape)  # (trial, report): one column for a cued report
            is_target = np.arange(angles.shape[1])[None, None, :] == reported[:, :, None]
            nontarget = np.where(is_target | (reported[:, :, None] < 0), np.nan, wrap_angle(r[:, :, None] - angles[:, None, :]))
            nearest = np.argmin(np.where(np.isnan(nontarget), np.inf, np.abs(nontarget)), axis=2)
            near = np.take_along_axis(nontarget, nearest[:, :, None], axis=2)[:, :, 0]
            if "turn" not in dims:
                nontarget, near = nontarget[:, 0], near[:, 0]
            ds["nontarget_error"] = ((*dims, "item"), nontarget, {"units": "rad", "long_name": "report - each non-target item (NaN: target or no item)"})
            ds["nearest_nontarget_error"] = (dims, near, {"units": "rad", "long_name": "error to the nearest non-target item (NaN: none)"})
            ds = ds.assign_coords(set_size=trials["set_size"], item=trials["item"])
        return self._stamp(ds)

    # ------------------------------------------------- artificial-model coding
    def io_sizes(self, trials: xr.Dataset) -> tuple[int, int]:
        """Inputs: fixation, each display location's item (cos, sin) and, with several items, one report-cue line
        per location; outputs: the reported (cos, sin)."""
        if "item_angle" not in trials:  # one item, cued: the single-item encoding
            return (3, 2)
        return (1 + 3 * trials.sizes["item"], 2)

    def encode(self, trials: xr.Dataset, dt: float, steps: int | None = None, **options: Any) -> enc.Encoded:
        """Fixation until the report, each item as (cos, sin) on its location's lines while shown, the cued
        location's line during the report (several items); target (cos, sin) at report (MSE). Whole report:
        each location's line and its item's (cos, sin) target during that location's own report."""
        T = steps if steps is not None else enc.n_steps(trials, dt)
        t = enc.step_midpoints(T, dt)
        B = trials.sizes["trial"]
        fixation = enc.window(t, np.zeros(B), trials["response_onset"].values)
        cue = enc.window(t, trials["cue_onset"].values, trials["cue_offset"].values)
        mask = enc.window(t, trials["response_onset"].values, trials["trial_end"].values)  # whole report: its reports tile it
        if "item_angle" not in trials:
            angle = trials["cue_angle"].values
            x = np.stack([fixation, cue * np.cos(angle), cue * np.sin(angle)], axis=-1).astype(np.float32)
            return enc.Encoded(x, _unit_vectors(mask, trials["target"].values), mask, cue, "mse")
        angles = trials["item_angle"].values  # (B, slots), NaN where no item: its lines stay 0
        shown = np.isfinite(angles)[None, :, :] * cue[:, :, None]
        cos, sin = (np.where(np.isfinite(angles), f(np.nan_to_num(angles)), 0.0)[None, :, :] * shown for f in (np.cos, np.sin))
        if "report_item" in trials:  # whole report: each location's line is on during its own report
            windows = self._report_windows(trials, t)  # (turn, T, B)
            reported = np.arange(angles.shape[1])[None, None, :] == trials["report_item"].values[:, :, None]  # (B, report, slot)
            cue_lines = np.einsum("rtb,brs->tbs", windows, reported.astype(np.float32))
            target = np.nan_to_num(trials["target"].values)  # (B, report); 0 past the set size, where no window is open
            y = np.stack([np.einsum("rtb,br->tb", windows, f(target)) for f in (np.cos, np.sin)], axis=-1).astype(np.float32)
        else:
            cue_lines = mask[..., None] * (np.arange(angles.shape[1])[None, :] == trials["cued_item"].values[:, None])[None, :, :]
            y = _unit_vectors(mask, trials["target"].values)
        x = np.concatenate([fixation[..., None], cos, sin, cue_lines], axis=-1).astype(np.float32)
        return enc.Encoded(x, y, mask, cue, "mse")

    @staticmethod
    def _report_windows(trials: xr.Dataset, t: np.ndarray) -> np.ndarray:
        """(turn, T, B): 1 during each report of whole-report trials (none past a trial's set size).

        Report k runs from its onset to the next report's onset (the last to ``trial_end``), all read
        from the trials, so the windows tile the report period: no step falls in two, none in none.
        A time step as long as a report or longer is refused (some report would have no step).
        """
        onset = trials["report_onset"].values  # NaN past the set size: that window never opens
        end = np.concatenate([onset[:, 1:], np.full((onset.shape[0], 1), np.nan)], axis=1)
        end = np.where(np.isnan(end), trials["trial_end"].values[:, None], end)
        windows = np.stack([enc.window(t, onset[:, k], end[:, k]) for k in range(onset.shape[1])])
        empty = np.isfinite(onset).T & (windows.sum(1) == 0)
        dt = float(t[1] - t[0]) if t.size > 1 else float(2 * t[0])
        # a step as long as a report gives it one step or none, as rounding puts the boundary: refused as a whole
        if empty.any() or dt >= float(np.nanmin(end - onset)) * (1 - 1e-9):
            raise ValueError(
                f"dt={dt:g} s is not allowed for whole-report trials whose reports last {float(np.nanmin(end - onset)):g} s: "
                "some report would have no time step; use a dt shorter than a report (timing['response'])"
            )
        return windows

    def decode(self, trials: xr.Dataset, out: np.ndarray, dt: float) -> xr.Dataset:
        """``response_angle`` (rad): angle of the mean (cos, sin) output over the report period."""
        t = enc.step_midpoints(out.shape[0], dt)
        attrs = {"units": "rad", "long_name": "reported angle (output vector at report)"}
        if "report_item" in trials:  # whole report: the mean output over each report's own period
            windows = self._report_windows(trials, t)
            m = np.stack([enc.mean_over(w, out) for w in windows], axis=1)  # (B, report, 2)
            angle = np.where(windows.sum(1).T > 0, np.arctan2(m[..., 1], m[..., 0]), np.nan)
            return xr.Dataset({"response_angle": (("trial", "turn"), angle, attrs)}, coords={"trial": trials["trial"].values, "turn": trials["turn"].values})
        m = enc.mean_over(enc.window(t, trials["response_onset"].values, trials["trial_end"].values), out)
        angle = np.arctan2(m[:, 1], m[:, 0])
        return xr.Dataset({"response_angle": ("trial", angle, attrs)}, coords={"trial": trials["trial"].values})
