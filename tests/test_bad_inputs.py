"""Every user mistake is one line naming the input, the value and what is allowed; exit 2; nothing written.

A table of bad inputs walks every CLI subcommand (``list``, ``run`` for each
experiment, ``fit``, ``sweep``, ``compare``, ``figures``) and the public Python
entry points. Each case must fail *before any work* (no simulation, no training),
so the whole table runs in-process in seconds. A traceback, an exception escaping
``main``, a second line, or a missing word of the expected message fails the case;
so does a mistake that is silently accepted (exit 0).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
from pathlib import Path

import numpy as np
import pytest

from neuromem.cli import main

# ----------------------------------------------------------------------------- CLI
# (command line, words the one-line error must contain); {fitted} is a fitted LSTM (.pt), {de} and
# {de2} two delayed-estimation results, {fr} a free-recall result; files below are made by `files`.
CLI = [
    # the command itself
    ("", "the following arguments are required: command"),
    ("nope", "invalid choice: 'nope'"),
    ("run", "the following arguments are required: EXPERIMENT"),
    ("run nope", "invalid choice: 'nope'"),
    ("list --all", "unrecognized arguments: --all"),
    # run working-memory
    ("run working-memory --delays -1", "delays=[-1.0] s is not allowed; each value must be >= 0 s"),
    ("run working-memory --delays abc", "argument --delays: invalid float value: 'abc'"),
    ("run working-memory --delays nan", "delays=[nan] s is not allowed; each value must be a finite number"),
    ("run working-memory --delays inf", "delays=[inf] s is not allowed; each value must be a finite number"),
    ("run working-memory --trials 0", "trials=0 is not allowed"),
    ("run working-memory --trials -3", "trials=-3 is not allowed"),
    ("run working-memory --trials 1.5", "argument --trials: invalid int value: '1.5'"),
    ("run working-memory --trials 1000000000000", "trials=1000000000000 is not allowed"),
    ("run working-memory --trials 1000000", "trials=1000000 is not allowed"),
    ("run working-memory --trials 30000", "trials in all=120000 is not allowed"),
    ("run working-memory --trials 20000 --size full", "this run (trials=20000 x 4 conditions of"),
    ("run working-memory --model nope", "model='nope' is unknown"),
    ("run working-memory --model cmr", "model 'cmr' does not run task 'delayed-estimation'"),
    ("run working-memory --model lstm", "model='lstm' is a lstm model that must be trained first"),
    ("run working-memory --size tiny", "size='tiny' is not allowed"),
    ("run working-memory --device gpu", "device='gpu' is not allowed"),
    ("run working-memory --threads -1", "threads=-1 is not allowed"),
    ("run working-memory --threads 100000", "threads=100000 is not allowed"),
    ("run working-memory --workers -1", "workers=-1 is not allowed; it must be >= 0"),
    ("run working-memory --workers 100000", "workers=100000 is not allowed"),
    ("run working-memory --workers two", "argument --workers: invalid int value: 'two'"),
    ("run working-memory --trials-per-run 0", "trials_per_run=0 is not allowed"),
    ("run working-memory --option coupling=fast", "coupling='fast' is not allowed; it must be one of ['auto', 'fused', 'synapses']"),
    ("run working-memory --device runtime --option coupling=fused", "coupling='fused' is not allowed with device='runtime'"),
    ("run working-memory --seed -1", "seed=-1 is not allowed"),
    ("run working-memory --seed abc", "argument --seed: invalid int value: 'abc'"),
    ("run working-memory --option garbage", "option='garbage' is not allowed; write KEY=VALUE"),
    ("run working-memory --option N_E=-5", "N_E=-5 is not allowed"),
    ("run working-memory --option N_E=1.5", "N_E=1.5 is not allowed"),
    ("run working-memory --option nope=1", "unknown parameter(s) ['nope'] for model 'compte2000'"),
    ("run working-memory --option g_EE_NMDA='0.381 mV'", "g_EE_NMDA='0.381 mV' is not allowed; it is a voltage"),
    ("run working-memory --option J_plus=abc", "J_plus='abc' is not allowed"),
    ("run working-memory --option J_plus=-1", "J_plus=-1 is not allowed"),
    ("run working-memory --fitted missing.pt", "fitted='missing.pt' is not a file"),
    ("run working-memory --fitted corrupt.pt", "fitted='corrupt.pt' is not a fitted model written by `neuromem fit`"),
    ("run working-memory --fitted a_folder", "fitted='a_folder' is not a file"),
    ("run working-memory --fitted {de}", "is not a fitted model written by `neuromem fit`"),
    ("run working-memory --fitted {fitted} --size full", "size='full' is for spiking cards"),
    ("run working-memory --fitted {fitted} --threads 1", "threads=1 is for spiking cards"),
    ("run working-memory --fitted {fitted} --workers 1", "workers=1 is for spiking cards"),
    ("run working-memory --fitted {fitted} --device runtime", "device='runtime' is for spiking cards"),
    ("run working-memory --fitted {fitted} --trials-per-run 3", "trials_per_run=3 is for spiking cards"),
    ("run working-memory --fitted {fitted} --no-spikes", "no_spikes=True is for spiking cards"),
    ("run working-memory --out a_file", "out='a_file' is a file; give a folder"),
    ("run working-memory --protocols psc", "unrecognized arguments: --protocols psc"),
    ("run working-memory --set-sizes 0", "set_sizes=[0] is not allowed; each value must be >= 1"),
    ("run working-memory --set-sizes 17", "set_sizes=[17] is not allowed; each value must be >= 1 and <= 16"),
    ("run working-memory --set-sizes 2 2", "set_sizes=[2, 2] is not allowed"),
    ("run working-memory --set-sizes 8 --min-separation 50", "min_separation=50 deg is not allowed with set size 8"),
    ("run working-memory --report some", "report='some' is not allowed; choose from ['cued', 'all']"),
    # run synaptic-transmission
    ("run synaptic-transmission --protocols nope", "protocols=['nope'] is not allowed"),
    ("run synaptic-transmission --intervals -0.01", "intervals=[-0.01] s is not allowed; each value must be > 0 s"),
    ("run synaptic-transmission --intervals 0", "intervals=[0.0] s is not allowed; each value must be > 0 s"),
    ("run synaptic-transmission --frequencies 0", "frequencies=[0.0] Hz is not allowed; each value must be > 0 Hz"),
    ("run synaptic-transmission --frequencies -5", "frequencies=[-5.0] Hz is not allowed"),
    ("run synaptic-transmission --sets nope", "STP set 'nope' is unknown"),
    ("run synaptic-transmission --pulses 1", "pulses=1 is not allowed"),
    ("run synaptic-transmission --device gpu", "device='gpu' is not allowed"),
    ("run synaptic-transmission --fitted x.pt", "unrecognized arguments: --fitted x.pt"),
    ("run synaptic-transmission --seed 3", "unrecognized arguments: --seed 3"),
    ("run synaptic-transmission --model lstm", "unrecognized arguments: --model lstm"),
    ("run synaptic-transmission --out a_file", "out='a_file' is a file"),
    # run multi-item-recall
    ("run multi-item-recall --set-sizes 0", "set_sizes=[0] is not allowed; each value must be >= 1"),
    ("run multi-item-recall --set-sizes 100", "set_sizes=[100] is not allowed"),
    ("run multi-item-recall --delay -1", "delay=-1.0 s is not allowed"),
    ("run multi-item-recall --model compte2000", "model 'compte2000' does not run task 'multi-item-recall'"),
    ("run multi-item-recall --trials 0", "trials=0 is not allowed"),
    ("run multi-item-recall --trials 20000", "this run (trials=20000 x 4 conditions of"),
    ("run multi-item-recall --option recall_threshold=-1", "recall_threshold=-1"),
    ("run multi-item-recall --option stp_convention=markram", "stp_convention='markram' is not allowed; choose one of ['tsodyks1998', 'mongillo2008']"),
    ("run multi-item-recall --option tau_D='0 ms'", "tau_D='0 ms' is not allowed; it must be > 0"),
    ("run multi-item-recall --size tiny", "size='tiny' is not allowed; the mongillo2008 card defines ['full', 'scaled', 'small']"),
    # run free-recall
    ("run free-recall --list-lengths 0", "list_lengths=[0] is not allowed; each value must be >= 1"),
    ("run free-recall --list-lengths 200", "list_lengths=[200] is not allowed"),
    ("run free-recall --n-items 0", "n_items=0 is not allowed"),
    ("run free-recall --conditions nope", "conditions=['nope'] is not allowed"),
    ("run free-recall --item 0", "item=0.0 s is not allowed; it must be > 0 s"),
    ("run free-recall --gap -1", "gap=-1.0 s is not allowed; it must be >= 0 s"),
    ("run free-recall --distractor -1", "distractor=-1.0 s is not allowed; it must be >= 0 s"),
    ("run free-recall --recall 0", "recall=0.0 s is not allowed; it must be > 0 s"),
    ("run free-recall --model compte2000", "model 'compte2000' does not run task 'free-recall'"),
    ("run free-recall --size full", "size='full' is for spiking cards; model='cmr' (cognitive)"),
    ("run free-recall --trials 0", "trials=0 is not allowed"),
    ("run free-recall --option T=-1", "T=-1"),
    ("run free-recall --model mongillo2008 --trials 2000", "would take about"),
    # run stdp
    ("run stdp --protocols nope", "protocols=['nope'] is not allowed"),
    ("run stdp --rules hebb", "rule='hebb' is unknown"),
    ("run stdp --song-duration -1", "song_duration=-1.0 s is not allowed"),
    ("run stdp --song-duration 0", "song_duration=0.0 s is not allowed"),
    ("run stdp --seed -1", "seed=-1 is not allowed"),
    ("run stdp --device nope", "device='nope' is not allowed"),
    ("run stdp --out a_file", "out='a_file' is a file"),
    # run retention
    ("run retention --synapse cascade", "synapse='cascade' is not allowed"),
    ("run retention --patterns 0", "patterns=0 is not allowed; it must be >= 1"),
    ("run retention --delays -1", "delays=[-1.0] s is not allowed"),
    ("run retention --trials 0", "trials=0 is not allowed"),
    ("run retention --model cmr", "model 'cmr' does not run task 'retention'"),
    ("run retention --model lstm --option a=1", "option=['a=1'] is for spiking cards"),
    # run task
    ("run task", "the task experiment needs --task and --model"),
    ("run task --task nope --model cmr", "task='nope' is unknown"),
    ("run task --task free-recall --model cmr --task-param nope=1", "unknown parameter(s) ['nope'] for task 'free-recall'"),
    ("run task --task free-recall --model cmr --task-param list_lengths=[-1]", "list_lengths=-1 is not allowed"),
    ("run task --task free-recall --model cmr --task-param bad", "task_param='bad' is not allowed"),
    ("run task --task free-recall --model nope", "model='nope' is unknown"),
    ("run task --task free-recall --model cmr --option bad=1", "unknown parameter(s) ['bad'] for model 'cmr'"),
    ("run task --task free-recall --model cmr --trials 0", "trials=0 is not allowed"),
    # fit
    ("fit --model compte2000", "is a spiking model"),
    ("fit --model cmr --task free-recall", "model='cmr' is a cognitive model"),
    ("fit --task stdp", "task='stdp' is unknown"),
    ("fit --steps 0", "steps=0 is not allowed"),
    ("fit --option nope=1", "unknown parameter(s) ['nope'] for model 'lstm'"),
    ("fit --option forget_bias=abc", "forget_bias='abc' is not allowed; it must be a number"),
    ("fit --hidden 8 --option hidden_size=4", "option hidden_size=4 is not allowed with hidden=8"),
    ("fit --steps 1000000000000", "steps=1000000000000 is not allowed"),
    ("fit --hidden 0", "hidden=0 is not allowed; it must be >= 1"),
    ("fit --hidden -1", "hidden=-1 is not allowed; it must be >= 1"),
    ("fit --seeds 1 1", "seeds=[1, 1] is not allowed"),
    ("fit --seeds -1", "seeds=[-1] is not allowed"),
    ("fit --criterion -1", "criterion=-1.0 is not allowed"),
    ("fit --device tpu", "device='tpu' is not allowed"),
    ("fit --eval-trials 0", "eval_trials=0 is not allowed"),
    ("fit --task-param nope=1", "unknown parameter(s) ['nope'] for task 'delayed-estimation'"),
    ("fit --task-param delays=[-1]", "delays=-1"),
    ("fit --out a_file", "out='a_file' is a file"),
    # sweep
    ("sweep", "sweep needs an EXPERIMENT"),
    ("sweep nope --seeds 1:2", "experiment='nope' is unknown"),
    ("sweep working-memory --grid bad", "--grid 'bad' is not allowed"),
    ("sweep working-memory --grid nope=1,2", "nope"),
    ("sweep working-memory --seeds x", "--seeds 'x' is not allowed"),
    ("sweep working-memory --seeds 5:1", "--seeds '5:1' is not allowed"),
    ("sweep working-memory --seeds 1:2 --set out=x", "'out' cannot be set"),
    ("sweep working-memory --seeds 1:2 --out a_file", "a_file"),
    ("sweep working-memory --seeds 1:2 --workers 0", "workers=0 is not allowed"),
    ("sweep --file missing.toml", "sweep file 'missing.toml' does not exist"),
    ("sweep --file corrupt.nc", "sweep file 'corrupt.nc' is not valid TOML"),
    # issue 28's examples, one per class: values mangled or unchecked, options ignored, repeated keys,
    # sweeps that started before checking (each must now fail before any work)
    ("run working-memory --option J_plus=Infinity", "parameter J_plus=inf is not allowed; it must be finite"),
    ("run working-memory --option J_plus=1e308", "parameter J_plus=1e+308 is not allowed"),
    ("run working-memory --option J_plus=true", "parameter J_plus=True is not allowed; it must be a number"),
    ("run working-memory --option Mg=-1", "parameter Mg=-1 is not allowed; it must be finite and from 0 to"),
    ("run working-memory --option N_E=100000000", "parameter N_E=100000000 is not allowed"),
    ("run working-memory --option size=full", "option size='full' is not allowed; size is set by --size"),
    ("run working-memory --option device=runtime", "option device='runtime' is not allowed; device is set by --device"),
    ("run working-memory --option J_plus=1.5 --option J_plus=1.7", "--option is given twice"),
    ("run working-memory --option J_plus=1.5 J_plus=1.7", "option J_plus=... is given twice"),
    ("run working-memory --trials 2 --trials 3", "--trials is given twice (2, then 3)"),
    ("run task --task delayed-estimation --model compte2000 --task-param delays=[1] delays=[2]", "task_param delays=... is given twice"),
    ("run working-memory --fitted {fitted} --model compte2000", "model='compte2000' is not used with fitted="),
    ("run working-memory --fitted {fitted} --option J_plus=1", "option=['J_plus=1'] is not used with fitted="),
    ("run retention --model keyvalue --synapse benna-fusi", "synapse='benna-fusi' is for spiking cards"),
    ("run retention --model rate_rnn --size full", "size='full' is for spiking cards"),
    ("run working-memory --seed 100000000000000000000", "seed=100000000000000000000 is not allowed"),
    ("run working-memory --delays 1e9", "delays=[1000000000.0] s is not allowed"),
    ("run working-memory --delays -1e9", "delays=[-1000000000.0] s is not allowed"),
    ("run retention --patterns 1000000", "patterns=1000000 is not allowed"),
    ("run synaptic-transmission --pulses 100000000", "pulses=100000000 is not allowed"),
    ("run stdp --song-duration 1e12", "song_duration=1000000000000.0 s is not allowed"),
    ("fit --hidden 10000000", "hidden=10000000 is not allowed"),
    ("sweep working-memory --grid trials=1.5,1.2", "sweep: trials=1.5 is not allowed; it must be a whole number"),
    ("sweep working-memory --seeds 1,1", "repeat a seed"),
    ("sweep working-memory --seeds 0:99999999", "at most 100000"),
    ("sweep working-memory --grid J_plus=1.5,1.6 --grid J_plus=1.7", "--grid J_plus=... is given twice"),
    ("sweep working-memory --grid trials=0,1", "sweep: trials=0 is not allowed"),
    ("sweep working-memory --grid J_plus=1.5,NaN", "sweep: at J_plus=nan: parameter J_plus=nan is not allowed; it must be finite"),
    ("sweep working-memory --grid size=tiny,scaled", "sweep: at size='tiny': size='tiny' is not allowed"),
    ("sweep working-memory --grid model=cmr,compte2000", "sweep: at model='cmr': model 'cmr' does not run task"),
    ("sweep working-memory --grid J_plus=1.5,1.6 --out a_folder_with_notes", "is a folder with other files in it, not a sweep store"),
    ("sweep --file grid3.toml", "grid = 3 is not allowed"),
    # compare
    ("compare {de}", "compare needs results of at least two models; got 1"),
    ("compare missing.nc {de}", "no result file at missing.nc"),
    ("compare corrupt.nc {de}", "corrupt.nc is not a readable netCDF result file"),
    ("compare truncated.nc {de}", "truncated.nc is not a readable netCDF result file"),
    ("compare a_folder {de}", "a_folder' is not a sweep store (no zarr.json)"),
    ("compare {fitted} {de}", "is not a readable netCDF result file"),
    ("compare {de} {fr}", "the results come from different tasks"),
    ("compare {de} {de2} --out a_folder", "--out='a_folder' is a folder; give a file name"),
    ("compare {de} {de2} --figure a_folder", "--figure='a_folder' is a folder; give a file name"),
    ("compare {de} {de2} --out a_file/x.nc", "--out='a_file' is a file"),
    # figures
    ("figures --only nope", "notebook(s) ['nope'] unknown"),
    ("figures --out a_file", "--out='a_file' is a file"),
    ("figures --quick --results a_file", "--results='a_file' is a file"),
]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The files the table refers to: a fitted LSTM, results of two tasks, damaged and misplaced files."""
    from neuromem.experiments import fit_model, free_recall, task

    root = tmp_path_factory.mktemp("inputs")
    fit_model(model="lstm", steps=2, eval_trials=4, out=root, progress=False)
    fitted = root / "fit_lstm_delayed-estimation.pt"
    de = task(task="delayed-estimation", fitted=str(fitted), trials=2, seed=1, out=str(root), quiet=True)["trials"][1]
    de2 = task(task="delayed-estimation", fitted=str(fitted), trials=2, seed=2, out=str(root), quiet=True)["trials"][1]
    fr = free_recall(model="cmr", list_lengths=[4], n_items=20, trials=2, out=str(root), quiet=True)["trials"][1]
    (root / "corrupt.pt").write_text("not a model")
    (root / "corrupt.nc").write_text("not netCDF = [")
    (root / "truncated.nc").write_bytes(de.read_bytes()[:3000])
    (root / "a_file").write_text("")
    (root / "a_folder").mkdir()
    (root / "a_folder_with_notes").mkdir()
    (root / "a_folder_with_notes" / "notes.txt").write_text("a user's notes")
    (root / "grid3.toml").write_text('experiment = "working-memory"\ngrid = 3\n')
    return {"root": root, "fitted": fitted, "de": de, "de2": de2, "fr": fr}


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``main(argv)`` in this process: (exit status, stdout, stderr); an exception escaping it fails the test."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main(argv)
        except SystemExit as exc:  # argparse's own errors
            rc = exc.code
    return rc, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("line, expected", CLI, ids=[c[0] or "(no command)" for c in CLI])
def test_a_bad_command_line_is_one_line_naming_the_input_and_exit_2(line, expected, files, monkeypatch):
    monkeypatch.chdir(files["root"])
    before = set(files["root"].rglob("*"))
    argv = shlex.split(line.format(**{k: str(v) for k, v in files.items()}))
    rc, _, err = run_cli(argv)
    assert rc == 2, f"exit {rc}: {err}"
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert expected in lines[0], lines[0]
    assert "Traceback" not in err and "Brian 2 encountered" not in err
    assert set(files["root"].rglob("*")) == before, "a refused command wrote something"


# ------------------------------------------------------------------------ Python API
def _api_cases(files: dict) -> dict:
    from neuromem.analysis.compare import compare
    from neuromem.cards import load_model
    from neuromem.experiments import fit_model, get_experiment, working_memory
    from neuromem.results import load, open_sweep, save
    from neuromem.sweep import Sweep
    from neuromem.tasks import get_task

    de = load(files["de"])
    root = files["root"]
    return {
        "load missing": (lambda: load(root / "missing.nc"), "no result file at"),
        "load folder": (lambda: load(root / "a_folder"), "is a folder, not a result file"),
        "load corrupt": (lambda: load(root / "corrupt.nc"), "is not a readable netCDF result file"),
        "load truncated": (lambda: load(root / "truncated.nc"), "is not a readable netCDF result file"),
        "load a .pt": (lambda: load(files["fitted"]), "is not a readable netCDF result file"),
        "save invalid": (lambda: save(de.drop_attrs(), root / "x.nc"), "global attribute 'title' is missing"),
        "open_sweep missing": (lambda: open_sweep(root / "missing.zarr"), "missing.zarr"),
        "get_task unknown": (lambda: get_task("nope"), "task='nope' is unknown"),
        "get_task bad param": (lambda: get_task("delayed-estimation", delays=[-1]), "delays=-1"),
        "get_task unknown param": (lambda: get_task("delayed-estimation", nope=1), "unknown parameter(s) ['nope']"),
        "trials zero": (lambda: get_task("delayed-estimation").trials(0, 1), "n=0 is not allowed"),
        "trials negative seed": (lambda: get_task("delayed-estimation").trials(2, -1), "seed=-1 is not allowed"),
        "trials seed None": (lambda: get_task("delayed-estimation").trials(2, None), "rng=None is not allowed"),
        "load_model unknown": (lambda: load_model("nope"), "model='nope' is unknown"),
        "load_model unknown option": (lambda: load_model("compte2000", nope=1), "unknown parameter(s) ['nope']"),
        "load_model bad size": (lambda: load_model("compte2000", size="tiny"), "size='tiny' is not allowed"),
        "experiment unknown": (lambda: get_experiment("nope"), "experiment='nope' is unknown"),
        "experiment unknown param": (lambda: working_memory(protocols=["psc"]), "has no parameter(s) ['protocols']"),
        "experiment bad trials": (lambda: working_memory(trials=0, out=str(root)), "trials=0 is not allowed"),
        "experiment out a file": (lambda: working_memory(out=str(root / "a_file")), "out="),
        "compare one": (lambda: compare([de]), "at least two models"),
        "fit_model zero steps": (lambda: fit_model(steps=0, out=None, progress=False), "steps=0 is not allowed"),
        "fit_model spiking": (lambda: fit_model(model="compte2000", out=None, progress=False), "is a spiking model"),
        "sweep unknown experiment": (lambda: Sweep("nope", {"seed": [1, 2]}).points(), "experiment='nope' is unknown"),
        "sweep unknown axis": (lambda: Sweep("working-memory", {"nope": [1, 2]}).points(), "nope"),
        # issue 28: Python takes the CLI's path (a string for a list is not read letter by letter)
        "load_model J_plus nan": (lambda: load_model("compte2000", J_plus=float("nan")), "parameter J_plus=nan is not allowed"),
        "experiment delays a string": (lambda: working_memory(delays="0.5", out=None), "delays='0.5' is not allowed; it takes a list of numbers"),
        "experiment trials a bool": (lambda: working_memory(trials=True, out=None), "trials=True is not allowed; it must be a whole number"),
        "sweep grid not a list": (lambda: Sweep("working-memory", {"trials": 3}).points(), "grid axis 'trials' has values 3"),
    }


API_NAMES = [
    "load_model J_plus nan",
    "experiment delays a string",
    "experiment trials a bool",
    "sweep grid not a list",
    "load missing",
    "load folder",
    "load corrupt",
    "load truncated",
    "load a .pt",
    "save invalid",
    "open_sweep missing",
    "get_task unknown",
    "get_task bad param",
    "get_task unknown param",
    "trials zero",
    "trials negative seed",
    "trials seed None",
    "load_model unknown",
    "load_model unknown option",
    "load_model bad size",
    "experiment unknown",
    "experiment unknown param",
    "experiment bad trials",
    "experiment out a file",
    "compare one",
    "fit_model zero steps",
    "fit_model spiking",
    "sweep unknown experiment",
    "sweep unknown axis",
]


@pytest.mark.parametrize("name", API_NAMES)
def test_a_bad_python_call_raises_a_one_line_value_error(name, files):
    call, expected = _api_cases(files)[name]
    with pytest.raises(ValueError) as info:
        call()
    message = str(info.value)
    assert expected in message, message
    if not message.startswith("Dataset does not follow"):  # the schema lists every problem, one per line
        assert len(message.splitlines()) == 1, message


def test_the_table_is_at_least_the_issue_s_113_cases():
    assert len(CLI) + len(API_NAMES) >= 113
    assert len(set(c[0] for c in CLI)) == len(CLI)


@pytest.mark.parametrize("line", ["run working-memory --out {ro}/sub", "fit --out {ro}", "compare {de} {de2} --out {ro}/c.nc"])
def test_a_read_only_output_folder_is_refused_before_any_work(line, files, monkeypatch, tmp_path):
    import neuromem.outputs

    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    if os.geteuid() == 0:  # root may write anyway: answer as the file system would for anyone else
        real = os.access
        monkeypatch.setattr(neuromem.outputs.os, "access", lambda p, mode: real(p, mode) and Path(p) != ro)
    monkeypatch.chdir(files["root"])
    rc, _, err = run_cli(shlex.split(line.format(ro=ro, **{k: str(v) for k, v in files.items()})))
    assert rc == 2 and len(err.strip().splitlines()) == 1 and re.search(r"(not writable|cannot be created)", err), err


def test_an_internal_error_still_shows_its_traceback(monkeypatch, files):
    """Only user mistakes are turned into one line; a bug must stay visible."""
    import neuromem.experiments.on_task as on_task

    monkeypatch.setattr(on_task, "run_trials", lambda *a, **k: np.zeros(1)[5])
    monkeypatch.chdir(files["root"])
    with pytest.raises(IndexError):
        main(["run", "free-recall", "--trials", "1", "--list-lengths", "4", "--n-items", "10", "--quiet", "--out", "internal"])


def test_an_internal_error_outside_brian2_has_no_brian2_banner_or_debug_log(tmp_path):
    """Brian2's excepthook ("Brian 2 encountered an unexpected error", a kept debug log) is for Brian2's own errors."""
    import subprocess
    import sys

    code = (
        "import brian2, neuromem.cli as cli, neuromem.experiments.on_task as o\n"
        "o.run_trials = lambda *a, **k: [][1]\n"
        "raise SystemExit(cli.main(['run', 'free-recall', '--trials', '1', '--list-lengths', '4', '--n-items', '10', '--quiet', '--out', 'r']))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 1 and "Traceback" in proc.stderr and "IndexError" in proc.stderr
    assert "Brian 2 encountered" not in proc.stderr and "brian_debug" not in proc.stderr
