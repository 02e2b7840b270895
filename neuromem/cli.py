"""The ``neuromem`` command.

    neuromem list
    neuromem run working-memory --model compte2000 --delays 0.5 1 2 3 --trials 20 --seed 1 --out results/
    neuromem run synaptic-transmission --protocols paired-pulse trains --out results/
    neuromem run multi-item-recall --model mongillo2008 --set-sizes 1 2 3 4 --trials 5 --out results/
    neuromem run stdp --protocols window frequency song2000 --out results/
    neuromem run retention --synapse simple --patterns 8 --trials 4 --out results/
    neuromem run task --task delayed-estimation --model compte2000 --trials 2 --option N_E=64 N_I=16
    neuromem fit --model lstm --task delayed-estimation --seeds 1 2 3 --steps 500 --out results/
    neuromem run working-memory --fitted results/fit_lstm_delayed-estimation.pt --delays 0.2 0.6 1.2 --out results/
    neuromem sweep working-memory --grid J_plus=1.5,1.62,1.7 --seeds 1:4 --set trials=4 --out results/drift.zarr
    neuromem compare results/retention_assembly_memory_simple_scaled_seed1.nc results/forgetting-in-weights_lstm.nc
    neuromem benchmark --quick --models cmr compte2000 lstm --seeds 1 2
    neuromem figures --results results/ --out figures/

`neuromem run EXPERIMENT --help` lists that experiment's own options.
"""

from __future__ import annotations

import argparse
import re
import signal
import sys
from collections.abc import Sequence
from typing import Any


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage mistake in one line and exits 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "-1e9", "-inf" and "-nan" are values (that the parameter's check then refuses), not unknown options
        self._negative_number_matcher = re.compile(r"^-(\d+\.?\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?|inf|infinity|nan)$", re.IGNORECASE)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def _cmd_list(args: argparse.Namespace) -> int:
    from neuromem.benchmarks import BENCHMARKS
    from neuromem.cards import MODELS, load_card
    from neuromem.experiments import EXPERIMENTS
    from neuromem.reference import REFERENCES, load_reference
    from neuromem.tasks import TASKS

    def origin(registry, name: str) -> str:
        return "" if registry.source(name) == "neuromem" else f"  (plug-in: {registry.source(name)})"

    print("models:")
    for name in MODELS.names():
        card = load_card(name)
        print(
            f"  {name:<22} {card.family:<9} {card.title}  [sizes: {', '.join(card.sizes) or '-'}; tasks: {', '.join(card.tasks) or '-'}{'; protocols: ' + ', '.join(card.protocols) if card.protocols else ''}]{origin(MODELS, name)}"
        )
    print("reference data:")
    for name in REFERENCES:
        print(f"  {name:<24} {load_reference(name).attrs['title']}")
    print("tasks:")
    for name in TASKS.names():
        cls = TASKS.get(name)
        encoded = ", encoded for artificial models" if cls.has_encoding() else ""
        print(f"  {name:<18} {(cls.__doc__ or '').strip().splitlines()[0]}  [tags: {', '.join(cls.tags)}{encoded}]{origin(TASKS, name)}")
    print("experiments:")
    for name in EXPERIMENTS.names():
        print(f"  {name:<22} {EXPERIMENTS.get(name).summary}{origin(EXPERIMENTS, name)}")
    print("benchmarks:")
    for name in BENCHMARKS.names():
        b = BENCHMARKS.get(name)
        print(
            f"  {name:<28} v{b.version} {b.description}  [{'protocol' if b.protocol else 'task'}: {b.experiment_name}; parent: {b.parent}]{origin(BENCHMARKS, name)}"
        )
    return 0


def _cmd_experiment(args: argparse.Namespace) -> int:
    experiment = args.experiment
    names = {p.name for p in experiment.params}
    written = experiment(**{k: v for k, v in vars(args).items() if k in names})
    for _, path in written.values():
        if path is not None:
            print(f"wrote {path}")
    for line in experiment.report(written):
        print(line)
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from neuromem.outputs import claims

    with claims():  # the output and figure stay locked until written, and are released (nothing left) on an error
        return _compare(args)


def _compare(args: argparse.Namespace) -> int:
    from pathlib import Path

    from neuromem.analysis.compare import compare, plot_comparison
    from neuromem.outputs import claim, run_parameters
    from neuromem.results import load, open_sweep, save

    datasets = []
    for name in args.results:
        if Path(name).is_dir():  # a sweep store: compared at every grid point
            datasets.append(open_sweep(name))  # lazy: the task's summary reads only what it needs
        else:
            datasets.append(load(name))  # a missing or unreadable file is a one-line ValueError
    if len(datasets) < 2 or len({d.attrs.get("task") for d in datasets}) != 1:
        compare(datasets)  # raises, naming what is wrong
    task = datasets[0].attrs["task"]
    out_path = Path(args.out) if args.out else Path("results") / f"comparison_{task}.nc"
    figure_path = Path(args.figure) if args.figure else Path("figures") / f"comparison_{task}.png"
    inputs = {Path(name).resolve() for name in args.results}
    for option, path in (("--out", out_path), ("--figure", figure_path)):
        if path.resolve() in inputs or any(p in inputs for p in path.resolve().parents):
            raise ValueError(f"{option}={str(path)!r} is one of the results compared; give another path, so that no input is replaced")
    if out_path.resolve() == figure_path.resolve():
        raise ValueError(f"--out and --figure are the same path {str(out_path)!r}; the figure would replace the comparison")
    # both targets checked and claimed before the comparison is computed; a file another comparison (other inputs) or
    # a model's run wrote is refused, never replaced
    with run_parameters({"results": sorted(str(p) for p in inputs)}, experiment="compare"):
        out = claim(out_path, "--out")
        figure = claim(figure_path, "--figure")
        ds = compare(datasets, warn=False)  # said in one line here rather than as a warning
        ds.attrs["experiment"] = "compare"
        print(f"people's data: {ds.attrs['human_reference_status']}")
        print(f"wrote {save(ds, out)}")
        print(f"wrote {plot_comparison(ds, figure)}")
    if "fit_aicc" in ds and ds["best_form"].ndim == 1:
        # AICc of the converged forms; '-' where a form did not converge (its status says why)
        def cells(aicc: Any, status: Any) -> str:
            return "  ".join(f"{v:15.1f}" if s == "converged" else f"{'-':>15}" for v, s in zip(aicc.values, status.values))

        print("model                                best form     " + "  ".join(f"AICc {f:<10}" for f in ds["form"].values))
        for m in ds["model"].values:
            print(f"{m:<36} {ds['best_form'].sel(model=m).item():<12}  " + cells(ds["fit_aicc"].sel(model=m), ds["fit_status"].sel(model=m)))
        if "human_aicc" in ds:
            source = ds["human_aicc"].attrs.get("source", "reference")
            print(f"{'human (' + source + ')':<36} {ds.attrs['human_best_form']:<12}  " + cells(ds["human_aicc"], ds["human_fit_status"]))
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from neuromem.sweep import Sweep, load_sweep_file, parse_seeds, parse_values, run_sweep
    from neuromem.sweep.define import parse_assignment, parse_value

    base = load_sweep_file(args.file) if args.file else None
    if base is not None and args.experiment not in (None, base.experiment):
        raise ValueError(f"experiment {args.experiment!r} differs from the sweep file's {base.experiment!r}; give one of them")
    experiment = args.experiment or (base.experiment if base else None)
    if experiment is None:
        raise ValueError("sweep needs an EXPERIMENT (see `neuromem list`) or --file SWEEP.toml")
    grid = dict(base.grid) if base else {}
    for text in args.grid or ():
        name, values = parse_assignment("--grid", text)
        _once("--grid", name, grid)
        grid[name] = parse_values(name, values)
    fixed = dict(base.fixed) if base else {}
    for text in args.set or ():
        name, value = parse_assignment("--set", text)
        _once("--set", name, fixed)
        fixed[name] = parse_value(value)
    seeds = parse_seeds(args.seeds) if args.seeds else (base.seeds if base else None)
    sweep = Sweep(experiment, grid, seeds, fixed)
    out = args.out or f"results/sweep_{experiment}.zarr"
    try:
        counts = run_sweep(sweep, out, workers=args.workers, scheduler=args.scheduler, progress=not args.quiet)
    except KeyboardInterrupt as err:  # run_sweep has said what is kept and how to resume
        from neuromem import interrupts

        return interrupts.exit_code(err)
    print(f"wrote {out}: {counts['points']} points ({counts['ran']} run now, {counts['skipped']} already there, {counts['failed']} failed)")
    if counts["failed"]:
        print(f"the failed points' errors are in the store (neuromem.results.open_sweep({out!r}).point_error); run the same command again to retry them")
    return 1 if counts["failed"] else 0


def _once(option: str, name: str, given: dict) -> None:
    if name in given:  # a second value would replace the first silently
        raise ValueError(f"sweep: {option} {name}=... is given twice (or also in --file); give each name once")


def _cmd_figures(args: argparse.Namespace) -> int:
    from tqdm.auto import tqdm

    from neuromem.figures import plan, regenerate

    failed = 0
    order = plan(args.results, args.out, quick=args.quick, only=args.only)  # a mistake is one line, before any bar
    # which notebook runs, and how many are done, on stderr (a notebook can take minutes); results on stdout
    with tqdm(total=len(order), unit="notebook", desc="figures", file=sys.stderr) as bar:

        def started(name: str) -> None:
            bar.write(f"neuromem figures: running notebooks/{name}.py{' (quick results first)' if args.quick else ''}", file=sys.stderr)

        for name, ok, detail in regenerate(args.results, args.out, quick=args.quick, only=args.only, jobs=args.jobs, on_start=started):
            print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}", flush=True)
            failed += not ok
            bar.update()
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    from neuromem.experiments import EXPERIMENTS, FIT
    from neuromem.experiments.benchmark import BENCHMARK

    parser = _Parser(prog="neuromem", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="models, tasks, experiments, benchmarks and reference data").set_defaults(func=_cmd_list)
    run = sub.add_parser("run", help="run an experiment and save its Datasets (`neuromem run EXPERIMENT --help`)")
    experiments = run.add_subparsers(dest="name", required=True, metavar="EXPERIMENT")
    for name in EXPERIMENTS.names():
        EXPERIMENTS.get(name).add_parser(experiments).set_defaults(func=_cmd_experiment)
    FIT.add_parser(sub).set_defaults(func=_cmd_experiment)
    BENCHMARK.add_parser(sub).set_defaults(func=_cmd_experiment)
    swp = sub.add_parser("sweep", help="run an experiment over a grid of parameters and seeds on dask, into one zarr store")
    swp.add_argument("experiment", nargs="?", default=None, help="experiment to sweep (see `neuromem list`)")
    swp.add_argument(
        "--grid", action="append", metavar="NAME=V1,V2,...", help="a grid axis: an experiment parameter or a card parameter (repeat for more axes)"
    )
    swp.add_argument("--seeds", default=None, metavar="FIRST:LAST", help="the seed axis: FIRST:LAST (both included) or a list 1,5,9")
    swp.add_argument("--set", action="append", metavar="NAME=VALUE", help="a parameter the same at every point (repeat for more)")
    swp.add_argument("--file", default=None, help="a TOML sweep file (experiment, [grid], [fixed], seeds); --grid/--set/--seeds add to it")
    swp.add_argument("--out", default=None, help="the sweep's zarr store (default results/sweep_<experiment>.zarr); the same --out resumes")
    swp.add_argument("--workers", type=int, default=None, help="worker processes of the local cluster (default: one per core)")
    swp.add_argument("--scheduler", default=None, metavar="ADDRESS", help="a running dask scheduler (tcp://host:8786) instead of a local cluster")
    swp.add_argument("--quiet", action="store_true", help="no progress bar")
    swp.set_defaults(func=_cmd_sweep)
    cmp_ = sub.add_parser("compare", help="compare result files of several models on one task (with human data)")
    cmp_.add_argument("results", nargs="+", help="netCDF results (trial-level or forgetting curves) of one task, or sweep stores (compared per grid point)")
    cmp_.add_argument("--out", default=None, help="comparison Dataset (default results/comparison_<task>.nc)")
    cmp_.add_argument("--figure", default=None, help="figure file (default figures/comparison_<task>.png)")
    cmp_.set_defaults(func=_cmd_compare)
    figs = sub.add_parser("figures", help="regenerate every figure from saved results (runs the notebooks)")
    figs.add_argument("--results", default="results", help="folder of saved results")
    figs.add_argument("--out", default="figures", help="folder for the figures")
    figs.add_argument("--quick", action="store_true", help="make small results first where they are missing")
    figs.add_argument("--only", nargs="+", default=None, help="notebook names to run (default: all)")
    figs.add_argument("--jobs", type=int, default=1, help="notebooks run at once (each after those it draws results of) [default: 1]")
    figs.set_defaults(func=_cmd_figures)
    return parser


def _raised_in_brian2(err: BaseException) -> bool:
    tb = err.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and "brian2" in tb.tb_frame.f_code.co_filename.replace("\\", "/").split("/")


def one_line_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int, file: Any = None, line: str | None = None) -> None:
    """``warnings.showwarning`` of the command line: one line, what and why (the message says what to do), no source path."""
    text = " ".join(str(message).split())
    print(f"neuromem: warning: {text} [{category.__name__}]", file=sys.stderr if file is None else file)


def main(argv: Sequence[str] | None = None) -> int:
    import warnings

    from neuromem import interrupts

    interrupts.install(hold_after_save=True)  # SIGINT and SIGTERM: exit 130/143 in one line, never a partial result
    shown = warnings.showwarning
    if argv is None:  # the command at a terminal: one line, not Python's file:line form (in-process callers keep theirs)
        warnings.showwarning = one_line_warning
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        code = args.func(args)
        if interrupts.received() and code == 0:  # it came while the results were written: they are whole, the run is complete
            # (a command that stopped on it, as an interrupted sweep does, has said so itself and returns its code)
            name = signal.Signals(interrupts.received()).name
            print(f"neuromem: {name} arrived while the results were being written; they are complete", file=sys.stderr)
        return code
    except KeyboardInterrupt as err:
        interrupts.quiet_simulator()
        print(interrupts.message(err), file=sys.stderr)
        return interrupts.exit_code(err)
    except Exception as err:
        if interrupts.received():  # what a signal broke on its way (a killed compiler or binary): an interruption
            interrupts.quiet_simulator()
            print(interrupts.message(), file=sys.stderr)
            return interrupts.exit_code()
        if isinstance(err, ValueError):  # user mistakes: say what is wrong, no traceback
            print(f"neuromem: error: {err}", file=sys.stderr)
            return 2
        if not _raised_in_brian2(err):  # a bug: its traceback; Brian2's "please report" banner only for errors inside Brian2
            sys.excepthook = sys.__excepthook__  # Brian2 replaces it on import and would also keep a debug log
        raise
    finally:
        warnings.showwarning = shown
        if argv is None:  # the command itself: it exits next, with this status, whatever signal comes now
            interrupts.hold()
        else:  # called in-process (tests, scripts): the caller's handlers are back
            interrupts.uninstall()


if __name__ == "__main__":
    raise SystemExit(main())
