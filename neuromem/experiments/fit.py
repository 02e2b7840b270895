"""``neuromem fit``: train an artificial model on any task with an encoding, declared like an experiment."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from neuromem.cards import check_task, load_card, load_model, model_class
from neuromem.experiments.builtin import _key_values, _task_report
from neuromem.experiments.declare import Experiment, Param, Written
from neuromem.outputs import claim, claims
from neuromem.runner import combine
from neuromem.tasks import fit_task
from neuromem.validation import check_positive_int

#: upper bound on optimiser steps (a mistyped --steps should not start a run of weeks)
MAX_STEPS = 10_000_000


@claims()  # its files are released when it returns, also when called from Python outside an experiment
def fit_model(
    *,
    model: str = "lstm",
    task: str = "delayed-estimation",
    task_param: dict[str, Any] | None = None,
    seeds: Sequence[int] = (1,),
    steps: int = 500,
    hidden: int | None = None,
    criterion: float | None = None,
    device: str = "auto",
    eval_trials: int = 200,
    out: str | Path | None = "results",
    progress: bool = True,
    option: dict[str, Any] | None = None,
) -> tuple[Any, dict[str, Path]]:
    """Fit an artificial model; write the fitted weights, the loss history and a scored evaluation.

    The task is built from its ``fit_defaults`` updated by ``task_param``. An
    interrupted fit resumes from ``fit_<model>_<task>.ckpt.pt`` in ``out`` when the
    same command is given again. ``option`` overrides card parameters (e.g. ``{"forget_bias": 1.0}``
    for the LSTM); a name the card does not declare is refused before training. With ``out=None`` nothing is written: the
    history is ``net.history_`` and the evaluation ``net.evaluation_``.
    """
    from neuromem.artificial import fit, save_fitted
    from neuromem.results import save

    eval_trials = check_positive_int("eval_trials", eval_trials, maximum=100_000)  # checked before training, not after
    steps = check_positive_int("steps", steps, maximum=MAX_STEPS)
    t = fit_task(task, **(task_param or {}))
    card = load_card(model)
    check_task(card, t)
    if not getattr(model_class(model), "needs_fit", False):  # before building: a spiking or cognitive card takes no torch device
        raise ValueError(f"model={model!r} is a {card.family} model; `neuromem fit` trains artificial models (rate_rnn, lstm, keyvalue, ...)")
    stem = f"fit_{model}_{task}"
    if out is not None:  # before training: a bad --out or a second identical fit stops here, not after the work
        for suffix in (".pt", "_history.nc", "_eval.nc", ".ckpt.pt"):
            claim(Path(out) / f"{stem}{suffix}")
    ckpt = None if out is None else Path(out) / f"{stem}.ckpt.pt"
    options = dict(option or {})
    if hidden is not None:
        if "hidden_size" in options:  # two values for one setting: refused, not one silently ignored
            raise ValueError(f"option hidden_size={options['hidden_size']!r} is not allowed with hidden={hidden!r}; give the hidden size once")
        options["hidden_size"] = hidden
    net = load_model(model, device=device, **options)
    fit(net, t, seeds=seeds, steps=steps, criterion=criterion, checkpoint=ckpt, progress=progress)
    trials = t.trials(eval_trials, 10**6)
    net.evaluation_ = combine(t, trials, net.run(trials, seed=10**6))
    if out is None:
        return net, {}
    out = Path(out)
    paths = {"fitted": save_fitted(net, out / f"{stem}.pt"), "history": save(net.history_, out / f"{stem}_history.nc")}
    paths["evaluation"] = save(net.evaluation_, out / f"{stem}_eval.nc")
    ckpt.unlink(missing_ok=True)
    return net, paths


def _fit(
    *,
    model: str,
    task: str,
    task_param: Sequence[str] | None,
    seeds: Sequence[int],
    steps: int,
    hidden: int | None,
    criterion: float | None,
    device: str,
    eval_trials: int,
    out: str | None,
    quiet: bool,
    option: Sequence[str] | None = None,
) -> Written:
    from neuromem.results import load

    net, paths = fit_model(
        model=model,
        task=task,
        task_param=_key_values("task_param", task_param),
        seeds=seeds,
        steps=steps,
        hidden=hidden,
        criterion=criterion,
        device=device,
        eval_trials=eval_trials,
        out=out,
        progress=not quiet,
        option=_key_values("option", option),
    )
    if out is None:  # a point of a sweep: the Datasets go to the sweep's store
        return {"history": (net.history_, None), "evaluation": (net.evaluation_, None)}
    for kind, path in paths.items():
        print(f"wrote {path} ({kind})")
    loss = net.history_["loss"]
    print(
        f"device {net.history_.attrs['device']}, {net.steps_} steps, {net.fit_seconds_:.1f} s; final loss per seed: "
        + ", ".join(f"{int(s)}: {float(loss.sel(seed=s).dropna('step')[-1]):.4f}" for s in loss["seed"])
    )
    return {"evaluation": (load(paths["evaluation"]), None)}


FIT = Experiment(
    "fit",
    "fit an artificial model (rate_rnn, lstm, keyvalue, ...) to a task; several seeds at once",
    (
        Param("model", str, "lstm", "artificial model card"),
        Param("task", str, "delayed-estimation", "task with an encoding for artificial models (see `neuromem list`)"),
        Param("task_param", str, None, "task parameter as KEY=VALUE (VALUE as JSON), e.g. delays=[0.2,0.4]", many=True),
        Param("seeds", int, [1], "seeds trained at once as one batched model", many=True, minimum=0, maximum=2**63 - 1),
        Param("steps", int, 500, "optimiser steps", minimum=1, maximum=MAX_STEPS),
        Param("hidden", int, None, "hidden size (default: the card's)", minimum=1, maximum=100_000),
        Param("option", str, None, "card-parameter override as KEY=VALUE (VALUE as JSON), e.g. forget_bias=1 for the LSTM", many=True),
        Param("criterion", float, None, "stop a seed when its loss falls below this", minimum=0, exclusive_minimum=True),
        Param("device", str, "auto", "torch device: auto (CUDA when present), cpu or cuda"),
        Param("eval_trials", int, 200, "trials of the scored evaluation after fitting (first seed)", minimum=1, maximum=100_000),
        Param("out", str, "results", "folder for the fitted model, history and evaluation", nullable=True),
        Param("quiet", flag=True, default=False, help="no progress bar"),
    ),
    _fit,
    _task_report,
)
