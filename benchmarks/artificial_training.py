"""Benchmark: training steps of the artificial models, batched seeds, trials per second.

Prints, in one run (all on the same device, ratios are what to read):
1. one training step (forward + backward + Adam) of the rate RNN (eager Python loop over
   time steps) versus the LSTM of equal size (``torch.lstm``, cuDNN on a GPU), at
   hidden H, T time steps, batch B (the issue's figure: H 256, T 200, B 512 on an H100);
2. ``--seeds`` seeds trained as one batched (stacked-weight) model versus one after another;
3. trials per second of each fitted model on delayed estimation (inference), and the cost of
   recording its internal states (``run(..., record=("states",))``) against running without;
4. the Transformer's training step (neuromem's ``training_step``) against a bare PyTorch loop of
   the same model and batch (``torch.nn.TransformerEncoder``, pre-LN, GELU, causal mask).

Usage:  python benchmarks/artificial_training.py [--hidden 256 --steps 200 --batch 512] [--seeds 16] [--device auto]
"""

from __future__ import annotations

import argparse
import time
from functools import partial

import numpy as np
import torch

import neuromem
from neuromem.artificial import fit
from neuromem.artificial.base import resolve_torch_device
from neuromem.artificial.fitting import data_workers_for, masked_loss
from neuromem.tasks import get_task


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def step_time(name: str, hidden: int, T: int, B: int, device: torch.device, repeats: int, kernel: str | None = None) -> float:
    """Median seconds of one training step on random inputs (3 in, 2 out)."""
    extra = {"kernel": kernel} if kernel else {}
    model = neuromem.load_model(name, hidden_size=hidden, device=str(device), **extra)
    params = model.init_params([0], 3, 2, device)
    opt = torch.optim.Adam(list(params.values()), lr=1e-3)
    x = torch.randn(1, T, B, 3, device=device)
    y = torch.randn(1, T, B, 2, device=device)
    mask = torch.ones(1, T, B, device=device)
    times = []
    for k in range(repeats + 1):
        sync(device)
        t0 = time.perf_counter()
        loss = masked_loss(model.forward(params, x, mask, None), y, mask, "mse").sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sync(device)
        if k:  # the first step warms up kernels and allocators
            times.append(time.perf_counter() - t0)
    return float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hidden", type=int, default=None, help="default 256 on a GPU, 128 on CPU")
    parser.add_argument("--steps", type=int, default=200, help="time steps per trial")
    parser.add_argument("--batch", type=int, default=None, help="default 512 on a GPU, 128 on CPU")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=16)
    parser.add_argument("--fit-steps", type=int, default=20)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    device = resolve_torch_device(args.device)
    gpu = device.type == "cuda"
    hidden = args.hidden or (256 if gpu else 128)
    batch = args.batch or (512 if gpu else 128)
    print(f"device {device} ({torch.cuda.get_device_name(device) if gpu else 'CPU'}), torch {torch.__version__}, threads {torch.get_num_threads()}")

    lstm = step_time("lstm", hidden, args.steps, batch, device, args.repeats, kernel="fused")
    lstm_stacked = step_time("lstm", hidden, args.steps, batch, device, args.repeats, kernel="stacked")
    rnn = step_time("rate_rnn", hidden, args.steps, batch, device, args.repeats)
    print(f"1. training step, hidden {hidden}, {args.steps} time steps, batch {batch}:")
    print(f"   LSTM, fused kernel (torch.lstm{', cuDNN' if gpu else ''}): {lstm * 1e3:9.1f} ms")
    print(f"   LSTM, stacked-weight cell (Python loop):  {lstm_stacked * 1e3:9.1f} ms   {lstm_stacked / lstm:5.2f} x the fused LSTM")
    print(f"   rate RNN, eager Python loop:              {rnn * 1e3:9.1f} ms   {rnn / lstm:5.2f} x the fused LSTM (aim: <= 2 x)")

    task = get_task("delayed-estimation", delays=[0.2, 0.4], timing={"fixation": 0.1, "cue": 0.1, "response": 0.1})
    seeds = list(range(args.seeds))

    def fit_seconds(name: str, seed_list: list[int], data_workers: int | None = None) -> float:
        sync(device)
        t0 = time.perf_counter()
        model = neuromem.load_model(name, hidden_size=64, batch_size=64, device=str(device))
        fit(model, task, seeds=seed_list, steps=args.fit_steps, progress=False, data_workers=data_workers)
        sync(device)
        return time.perf_counter() - t0

    workers = data_workers_for(None, device, args.seeds)  # the default of a batched fit
    print(f"2. {args.seeds} seeds, {args.fit_steps} steps each (hidden 64, batch 64), batched vs one after another, each")
    print(f"   with the default {workers} data worker processes drawing later steps' trials ahead{' and with none' if workers else ''}:")
    for name in ("rate_rnn", "lstm", "keyvalue", "transformer"):
        fit_seconds(name, [0])  # warm-up
        runs = {}  # data workers -> (batched s, sequential s)
        for w in sorted({workers, 0}, reverse=True):
            batched = fit_seconds(name, seeds, data_workers=w)
            sequential = sum(fit_seconds(name, [s], data_workers=w) for s in seeds)
            runs[w] = (batched, sequential)
            per_step = f"{batched / args.fit_steps * 1e3:.1f} vs {sequential / args.seeds / args.fit_steps * 1e3:.1f} ms per step, batched vs one seed"
            print(
                f"   {name:<9} {w} workers: batched {batched:7.2f} s   sequential {sequential:7.2f} s   {sequential / batched:5.2f} x   ({per_step})",
                flush=True,
            )
        if workers:
            fastest = min(s for _, s in runs.values()) / min(b for b, _ in runs.values())
            print(f"   {name:<9} faster of each: {fastest:5.2f} x")

    print("3. inference on delayed estimation (2000 trials, hidden 64), and with its states recorded (500 trials):")
    trials = task.trials(2000, 1)
    for name in ("rate_rnn", "lstm", "keyvalue", "transformer"):
        model = fit(neuromem.load_model(name, hidden_size=64, batch_size=64, device=str(device)), task, seeds=[0], steps=2, progress=False)
        model.outputs(trials.isel(trial=slice(0, 10)))
        sync(device)
        t0 = time.perf_counter()
        model.outputs(trials)
        sync(device)
        rate = 2000 / (time.perf_counter() - t0)
        some = trials.isel(trial=slice(0, 500))
        plain, recorded = median_seconds(partial(model.run, some), 3), median_seconds(partial(model.run, some, record=("states",)), 3)
        print(f"   {name:<11} {rate:10.0f} trials/s   run with states: {recorded / plain:5.2f} x the run without (aim: <= 1.2 x)")

    print(f"4. Transformer training step (2 layers x 4 heads, width {hidden}, {args.steps} time steps, batch {batch}):")
    ours = step_time("transformer", hidden, args.steps, batch, device, args.repeats)
    bare = bare_transformer_step_time(hidden, args.steps, batch, device, args.repeats)
    print(f"   bare torch.nn.TransformerEncoder loop: {bare * 1e3:9.1f} ms")
    print(f"   neuromem's training step:              {ours * 1e3:9.1f} ms   {ours / bare:5.2f} x the bare loop (aim: <= 1.1 x)")


def median_seconds(work, repeats: int) -> float:
    """Median wall time of ``work()`` over ``repeats`` calls, after one warm-up call."""
    work()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        work()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def bare_transformer_step_time(hidden: int, T: int, B: int, device: torch.device, repeats: int, layers: int = 2, heads: int = 4) -> float:
    """Median seconds of one step of the same model written with torch.nn (what a user would write by hand)."""
    nn = torch.nn
    layer = nn.TransformerEncoderLayer(hidden, heads, 4 * hidden, dropout=0.0, activation="gelu", batch_first=True, norm_first=True)
    net = nn.ModuleDict(
        {
            "embed": nn.Linear(3, hidden),
            "blocks": nn.TransformerEncoder(layer, layers, enable_nested_tensor=False),
            "norm": nn.LayerNorm(hidden),
            "out": nn.Linear(hidden, 2),
        }
    ).to(device)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    model = neuromem.load_model("transformer", hidden_size=hidden, device=str(device))
    position = model.position_code(T, device, torch.float32)
    mask = nn.Transformer.generate_square_subsequent_mask(T, device=device)
    x = torch.randn(B, T, 3, device=device)
    y = torch.randn(B, T, 2, device=device)
    times = []
    for k in range(repeats + 1):
        sync(device)
        t0 = time.perf_counter()
        h = net["blocks"](net["embed"](x) + position, mask=mask, is_causal=True)
        loss = ((net["out"](net["norm"](h)) - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sync(device)
        if k:
            times.append(time.perf_counter() - t0)
    return float(np.median(times))


if __name__ == "__main__":
    main()
