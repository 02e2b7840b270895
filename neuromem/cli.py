"""The ``neuromem`` command.

    neuromem list
    neuromem run working-memory --model compte2000 --delays 0.5 1 2 3 --trials 20 --seed 1 --out results/
    neuromem run synaptic-transmission --protocols paired-pulse trains --out results/
    neuromem run multi-item-recall --model mongillo2008 --set-sizes 1 2 3 4 --trials 5 --out results/
    neuromem run stdp --protocols window frequency song2000 --out results/
    neuromem run retention --synapse simple --patterns 8 --trials 4 --out results/
    neuromem fit --model lstm --task delayed-estimation --seeds 1 2 3 --steps 500 --out results/
    neuromem run working-memory --fitted results/fit_lstm_delayed-estimation.pt --delays 0.2 0.6 1.2 --out results/
    neuromem compare results/retention_assembly_memory_simple_scaled_seed1.nc results/forgetting-in-weights_lstm.nc
    neuromem figures --results results/ --out figures/
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from neuromem.cards import list_models, load_card
from neuromem.experiments import EXPERIMENTS
from neuromem.tasks import TASKS


def _cmd_list(args: argparse.Namespace) -> int:
    print("models:")
    for name in list_models():
        card = load_card(name)
        print(f"  {name:<22} {card.family:<8} {card.title}  [sizes: {', '.join(card.sizes) or '-'}]")
    from neuromem.reference import REFERENCES, load_reference

    print("reference data:")
    for name in REFERENCES:
        print(f"  {name:<24} {load_reference(name).attrs['title']}")
    print("tasks:")
    for name, cls in sorted(TASKS.items()):
        print(f"  {name:<16} {(cls.__doc__ or '').strip().splitlines()[0]}")
    print("experiments:")
    for name, text in EXPERIMENTS.items():
        print(f"  {name:<16} {text}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    import numpy as np

    args.delays_given = args.delays is not None
    args.trials_given = args.trials is not None
    if args.delays is None:
        args.delays = [0.5, 1.0, 2.0, 3.0]
    if args.trials is None:
        args.trials = 5 if args.experiment == "multi-item-recall" else 20

    if args.experiment == "synaptic-transmission":
        from neuromem.experiments import PROTOCOLS, synaptic_transmission

        written = synaptic_transmission(
            protocols=args.protocols or PROTOCOLS, intervals=args.intervals, frequencies=args.frequencies,
            sets=args.sets, n_pulses=args.pulses, device=args.device or "runtime", out=args.out,
        )
        for name, (ds, path) in written.items():
            print(f"wrote {path}")
            if name == "paired-pulse":
                print("paired-pulse ratio (rows: sets; columns: intervals in s " + " ".join(f"{d:g}" for d in ds["interval"].values) + ")")
                for s in ds["stp_set"].values:
                    print(f"  {s:<14} " + " ".join(f"{v:5.2f}" for v in ds["ppr"].sel(stp_set=s).values))
        return 0

    if args.fitted is not None:
        from neuromem.experiments import fit_task, run_fitted

        if args.experiment not in ("working-memory", "multi-item-recall", "retention"):
            raise ValueError(f"--fitted runs working-memory, multi-item-recall or retention; not {args.experiment!r}")
        task = fit_task({"working-memory": "delayed-estimation"}.get(args.experiment, args.experiment),
                        delays=args.delays if args.delays_given else None, set_sizes=args.set_sizes, n_patterns=args.patterns)
        # trials cycle through the task's conditions: --trials per delay, set size or test delay
        conditions = {"delayed-estimation": "delays", "multi-item-recall": "set_sizes", "retention": "test_delays"}[task.name]
        n = args.trials * len(getattr(task, conditions))
        ds, path = run_fitted(args.fitted, task, n, seed=args.seed, out=args.out, name=args.experiment)
        print(f"wrote {path}")
        _summary(ds)
        return 0

    if args.experiment == "stdp":
        from neuromem.experiments import STDP_PROTOCOLS, stdp

        written = stdp(protocols=args.protocols or STDP_PROTOCOLS, rules=args.rules, song_duration=args.song_duration,
                       seed=args.seed, device=args.device or "cpp_standalone", out=args.out)
        for name, (ds, path) in written.items():
            print(f"wrote {path}")
            if name == "frequency":
                print("dw/w vs pairing frequency (Hz " + " ".join(f"{f:g}" for f in ds["frequency"].values) + ")")
                for d in ds["delta_t"].values:
                    print(f"  {'Sjostrom 2001':<24} {d:+5.0f} ms " + " ".join(f"{v:5.2f}" for v in ds["published"].sel(delta_t=d).values))
                    for r in ds["rule"].values:
                        print(f"  {r:<24} {d:+5.0f} ms " + " ".join(f"{v:5.2f}" for v in ds["dw_over_w"].sel(rule=r, delta_t=d).values))
                for r in ds["rule"].values:
                    print(f"  {r}: rmse {float(ds['rmse'].sel(rule=r)):.3f}, chi2 {float(ds['chi2'].sel(rule=r)):.1f} (10 points)")
            if name == "song2000":
                print(f"  Song et al. (2000): {float(ds['fraction_low']):.2f} of weights < 0.1 g_max, "
                      f"{float(ds['fraction_high']):.2f} > 0.9 g_max after {ds['sample_time'].values[-1]:g} s")
        return 0

    if args.experiment == "retention" and args.model in ("rate_rnn", "lstm", "keyvalue"):
        from neuromem.experiments import artificial_forgetting

        written = artificial_forgetting(model=args.model, seeds=[args.seed], n_patterns=args.patterns,
                                        test_delays=args.delays if args.delays_given else (0.0, 0.5, 2.0),
                                        device=args.device or "auto", out=args.out, progress=not args.quiet)
        for kind, (ds, path) in written.items():
            print(f"wrote {path}")
            print(f"{kind}: overlap by items/patterns learned since (lag 0 first)")
            for d in ds["test_delay"].values:
                print(f"  test delay {d:5.2f} s: " + " ".join(f"{v:5.2f}" for v in ds["overlap"].sel(test_delay=d).values))
        return 0

    if args.experiment == "retention":
        from neuromem.experiments import retention
        from neuromem.tasks.retention import forgetting_curve

        ds, path = retention(
            model=args.model or "assembly_memory", synapse=args.synapse, n_patterns=args.patterns,
            test_delays=args.delays if args.delays_given else [0.5], trials_per_delay=args.trials if args.trials_given else 4,
            seed=args.seed, size=args.size, device=args.device or "cpp_standalone", out=args.out, progress=not args.quiet,
        )
        print(f"wrote {path}")
        curve = forgetting_curve(ds)
        print("test delay (s)   later patterns   time since study (s)   overlap   identified")
        for d in curve["test_delay"].values:
            for lag in curve["lag"].values:
                row = curve.sel(test_delay=d, lag=lag)
                print(f"{d:14.2f}   {lag:14d}   {float(row['retention_interval']):20.1f}   {float(row['overlap']):7.2f}"
                      f"   {float(row['identified']):10.2f}")
        return 0

    if args.experiment == "multi-item-recall":
        from neuromem.analysis.capacity import cowan_k
        from neuromem.experiments import multi_item_recall

        ds, path = multi_item_recall(
            model=args.model or "mongillo2008", set_sizes=args.set_sizes,
            delay=args.delays[0] if args.delays_given else 1.0, trials_per_size=args.trials, seed=args.seed,
            size=args.size, device=args.device or "cpp_standalone", out=args.out, progress=not args.quiet,
        )
        print(f"wrote {path}")
        k = cowan_k(ds)
        print("set size   trials   accuracy   hit rate   false alarms   Cowan's K")
        for n in k["set_size"].values:
            row = k.sel(set_size=n)
            print(f"{n:8d}   {int(row['n_trials']):6d}   {float(row['accuracy']):8.2f}   {float(row['hit_rate']):8.2f}"
                  f"   {float(row['false_alarm_rate']):12.2f}   {float(row['cowan_k']):9.2f}")
        return 0

    from neuromem.experiments import working_memory

    ds, path = working_memory(
        model=args.model or "compte2000", delays=args.delays, trials_per_delay=args.trials, seed=args.seed, size=args.size,
        device=args.device or "cpp_standalone", trials_per_run=args.trials_per_run, threads=args.threads,
        record_spikes=not args.no_spikes, out=args.out, progress=not args.quiet,
    )
    print(f"wrote {path}")
    print("delay (s)   trials   mean error (deg)   error s.d. (deg)")
    for delay, group in ds["error"].groupby("delay"):
        e = np.degrees(group.values)
        print(f"{delay:9.2f}   {e.size:6d}   {np.nanmean(e):16.2f}   {np.nanstd(e):16.2f}")
    return 0


def _summary(ds) -> None:
    """One table of the main measure of a scored Dataset, by its condition."""
    import numpy as np

    if "error" in ds:
        print("delay (s)   trials   mean |error| (deg)")
        for delay, group in ds["abs_error"].groupby("delay"):
            print(f"{delay:9.2f}   {group.size:6d}   {np.degrees(float(group.mean())):18.1f}")
    elif "overlap" in ds:
        from neuromem.tasks.retention import forgetting_curve

        curve = forgetting_curve(ds)
        print("test delay (s)   later patterns   overlap")
        for d in curve["test_delay"].values:
            for lag in curve["lag"].values:
                print(f"{d:14.2f}   {lag:14d}   {float(curve['overlap'].sel(test_delay=d, lag=lag)):7.2f}")
    elif "accuracy" in ds:
        print("set size   accuracy")
        for n, group in ds["accuracy"].groupby("set_size"):
            print(f"{n:8d}   {float(group.mean()):8.2f}")


def _cmd_fit(args: argparse.Namespace) -> int:
    from neuromem.experiments import fit_model

    net, paths = fit_model(model=args.model, task=args.task, delays=args.delays, seeds=args.seeds, steps=args.steps,
                           hidden_size=args.hidden, criterion=args.criterion, device=args.device, out=args.out,
                           progress=not args.quiet)
    for kind, path in paths.items():
        print(f"wrote {path} ({kind})")
    loss = net.history_["loss"]
    print(f"device {net.history_.attrs['device']}, {net.steps_} steps, {net.fit_seconds_:.1f} s; final loss per seed: "
          + ", ".join(f"{int(s)}: {float(loss.sel(seed=s).dropna('step')[-1]):.4f}" for s in loss["seed"]))
    from neuromem.results import load

    _summary(load(paths["evaluation"]))
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from pathlib import Path

    from neuromem.analysis.compare import compare, plot_comparison
    from neuromem.results import load, save

    datasets = []
    for name in args.results:
        if not Path(name).is_file():
            raise ValueError(f"result file {name!r} does not exist")
        datasets.append(load(name))
    ds = compare(datasets)
    task = ds.attrs["task"]
    out = Path(args.out) if args.out else Path("results") / f"comparison_{task}.nc"
    print(f"wrote {save(ds, out)}")
    figure = Path(args.figure) if args.figure else Path("figures") / f"comparison_{task}.png"
    print(f"wrote {plot_comparison(ds, figure)}")
    if task == "retention":
        print("model                                best form     " + "  ".join(f"AIC {f:<11}" for f in ds["form"].values))
        for m in ds["model"].values:
            print(f"{m:<36} {ds['best_form'].sel(model=m).item():<12}  " + "  ".join(f"{v:15.1f}" for v in ds["fit_aic"].sel(model=m).values))
        print(f"{'human (Ebbinghaus 1885)':<36} {ds.attrs['human_best_form']:<12}  " + "  ".join(f"{v:15.1f}" for v in ds["human_aic"].values))
    return 0


def _cmd_figures(args: argparse.Namespace) -> int:
    from neuromem.figures import regenerate

    failed = 0
    for name, ok, detail in regenerate(args.results, args.out, quick=args.quick, only=args.only):
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")
        failed += not ok
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="neuromem", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="models, tasks and experiments").set_defaults(func=_cmd_list)
    run = sub.add_parser("run", help="run an experiment and save its Dataset")
    run.add_argument("experiment", choices=sorted(EXPERIMENTS))
    wm = run.add_argument_group("working-memory")
    wm.add_argument("--model", default=None,
                    help="model card (see `neuromem list`); default compte2000 (working-memory), mongillo2008 (multi-item-recall)")
    wm.add_argument("--delays", type=float, nargs="+", default=None,
                    help="delays in s (working-memory: default 0.5 1 2 3; multi-item-recall: one delay, default 1)")
    wm.add_argument("--trials", type=int, default=None,
                    help="trials per delay (default 20) or per set size (multi-item-recall, default 5)")
    wm.add_argument("--set-sizes", type=int, nargs="+", default=[1, 2, 3, 4], help="multi-item-recall set sizes")
    wm.add_argument("--seed", type=int, default=1)
    wm.add_argument("--size", default="scaled", help="network size named in the card: scaled (default) or full")
    run.add_argument("--device", default=None,
                     help="runtime, cpp_standalone, cuda_standalone or auto (default: cpp_standalone for "
                          "working-memory, runtime for synaptic-transmission)")
    wm.add_argument("--trials-per-run", type=int, default=8, help="trials simulated side by side in one network")
    wm.add_argument("--threads", type=int, default=0, help="OpenMP threads for cpp_standalone (0: none)")
    wm.add_argument("--no-spikes", action="store_true", help="do not store individual spikes")
    run.add_argument("--out", default="results", help="folder for the netCDF result")
    syn = run.add_argument_group("synaptic-transmission")
    syn.add_argument("--protocols", nargs="+", default=None, help="synaptic-transmission: psc paired-pulse trains nmda-iv; stdp: window frequency song2000 (default: all)")
    syn.add_argument("--intervals", type=float, nargs="+", default=[0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0],
                     help="paired-pulse intervals in s")
    syn.add_argument("--frequencies", type=float, nargs="+", default=[1, 2, 5, 10, 20, 50], help="train frequencies in Hz")
    syn.add_argument("--sets", nargs="+", default=["depressing", "facilitating", "mongillo2008"], help="Tsodyks-Markram sets")
    syn.add_argument("--pulses", type=int, default=10, help="spikes per train")
    plast = run.add_argument_group("stdp and retention")
    plast.add_argument("--rules", nargs="+", default=None, help="STDP rules of the stdp card for the window/frequency protocols")
    plast.add_argument("--song-duration", type=float, default=600.0, help="simulated seconds of the Song et al. (2000) run")
    plast.add_argument("--synapse", default="simple", help="retention: synapse variant, simple or benna-fusi")
    plast.add_argument("--patterns", type=int, default=8, help="retention: patterns studied per trial")
    run.add_argument("--fitted", default=None, help="a fitted artificial model (.pt from `neuromem fit`) to run instead of a card")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.set_defaults(func=_cmd_run)
    fit = sub.add_parser("fit", help="fit an artificial model (rate_rnn, lstm, keyvalue) to a task")
    fit.add_argument("--model", default="lstm", help="rate_rnn, lstm or keyvalue")
    fit.add_argument("--task", default="delayed-estimation", help="delayed-estimation, multi-item-recall or retention")
    fit.add_argument("--delays", type=float, nargs="+", default=None, help="training delays in s (retention: test delays)")
    fit.add_argument("--seeds", type=int, nargs="+", default=[1], help="seeds trained at once as one batched model")
    fit.add_argument("--steps", type=int, default=500, help="optimiser steps")
    fit.add_argument("--hidden", type=int, default=None, help="hidden size (default: the card's)")
    fit.add_argument("--criterion", type=float, default=None, help="stop a seed when its loss falls below this")
    fit.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda")
    fit.add_argument("--out", default="results", help="folder for the fitted model, history and evaluation")
    fit.add_argument("--quiet", action="store_true", help="no progress bar")
    fit.set_defaults(func=_cmd_fit)
    cmp_ = sub.add_parser("compare", help="compare result files of several models on one task (with human data)")
    cmp_.add_argument("results", nargs="+", help="netCDF results (trial-level or forgetting curves) of one task")
    cmp_.add_argument("--out", default=None, help="comparison Dataset (default results/comparison_<task>.nc)")
    cmp_.add_argument("--figure", default=None, help="figure file (default figures/comparison_<task>.png)")
    cmp_.set_defaults(func=_cmd_compare)
    figs = sub.add_parser("figures", help="regenerate every figure from saved results (runs the notebooks)")
    figs.add_argument("--results", default="results", help="folder of saved results")
    figs.add_argument("--out", default="figures", help="folder for the figures")
    figs.add_argument("--quick", action="store_true", help="make small results first where they are missing")
    figs.add_argument("--only", nargs="+", default=None, help="notebook names to run (default: all)")
    figs.set_defaults(func=_cmd_figures)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ValueError as err:  # user mistakes: say what is wrong, no traceback
        print(f"neuromem: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "neuromem: interrupted; finished work is kept next to the output (a .partial folder, or a "
            ".ckpt.pt checkpoint for `neuromem fit`): run the same command again to resume",
            file=sys.stderr,
        )
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
