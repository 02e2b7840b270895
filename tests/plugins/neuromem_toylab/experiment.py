"""The lab's own experiment, declared with neuromem's Param table."""

from neuromem.experiments import Experiment, Param
from neuromem.experiments.on_task import run_on_task


def _digit_recall(*, delays, trials, seed, tau, out, quiet):
    ds, path = run_on_task(
        "digit-recall",
        "digit-recall",
        {"delays": delays},
        model="decaying_trace",
        fitted=None,
        trials=trials,
        seed=seed,
        out=out,
        progress=not quiet,
        options={"tau": tau},
    )
    return {"trials": (ds, path)}


DIGIT_RECALL = Experiment(
    "digit-recall",
    "digits held by a decaying trace: accuracy vs delay",
    (
        Param("delays", float, [0.5, 2.0], "delays", units="s", many=True),
        Param("trials", int, 50, "trials per delay"),
        Param("seed", int, 1, "seed"),
        Param("tau", str, "1 s", "trace time constant"),
        Param("out", str, "results", "folder"),
        Param("quiet", flag=True, default=False, help="no progress bar"),
    ),
    _digit_recall,
    lambda written: [f"accuracy {float(written['trials'][0]['correct'].mean()):.2f}"],
)
