"""The ``neuromem`` command.

    neuromem list
    neuromem run working-memory --model compte2000 --delays 0.5 1 2 3 --trials 20 --seed 1 --out results/
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
        print(f"  {name:<16} {card.family:<9} {card.title}  [sizes: {', '.join(card.sizes) or '-'}]")
    print("tasks:")
    for name, cls in sorted(TASKS.items()):
        print(f"  {name:<16} {(cls.__doc__ or '').strip().splitlines()[0]}")
    print("experiments:")
    for name, text in EXPERIMENTS.items():
        print(f"  {name:<16} {text}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from neuromem.experiments import working_memory

    ds, path = working_memory(
        model=args.model, delays=args.delays, trials_per_delay=args.trials, seed=args.seed, size=args.size,
        device=args.device, trials_per_run=args.trials_per_run, threads=args.threads, record_spikes=not args.no_spikes, out=args.out,
        progress=not args.quiet,
    )
    err = ds["error"].groupby("delay")
    print(f"wrote {path}")
    print("delay (s)   trials   mean error (deg)   error s.d. (deg)")
    import numpy as np

    for delay, group in err:
        e = np.degrees(group.values)
        print(f"{delay:9.2f}   {e.size:6d}   {np.nanmean(e):16.2f}   {np.nanstd(e):16.2f}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="neuromem", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="models, tasks and experiments").set_defaults(func=_cmd_list)
    run = sub.add_parser("run", help="run an experiment and save its Dataset")
    run.add_argument("experiment", choices=sorted(EXPERIMENTS))
    run.add_argument("--model", default="compte2000", help="model card name (see `neuromem list`)")
    run.add_argument("--delays", type=float, nargs="+", default=[0.5, 1.0, 2.0, 3.0], help="delays in s")
    run.add_argument("--trials", type=int, default=20, help="trials per delay")
    run.add_argument("--seed", type=int, default=1)
    run.add_argument("--size", default="scaled", help="network size named in the card: scaled (default) or full")
    run.add_argument("--device", default="cpp_standalone", help="runtime, cpp_standalone, cuda_standalone or auto")
    run.add_argument("--trials-per-run", type=int, default=8, help="trials simulated side by side in one network")
    run.add_argument("--threads", type=int, default=0, help="OpenMP threads for cpp_standalone (0: none)")
    run.add_argument("--no-spikes", action="store_true", help="do not store individual spikes")
    run.add_argument("--out", default="results", help="folder for the netCDF result")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.set_defaults(func=_cmd_run)
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
            "neuromem: interrupted; finished trials are kept next to the output (a .partial folder): "
            "run the same command again to resume",
            file=sys.stderr,
        )
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
