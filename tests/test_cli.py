import json
import subprocess
import sys

import numpy as np
import pytest

from neuromem.cli import main
from neuromem.results import load


def test_readme_command_writes_a_dataset_load_accepts(tmp_path, capsys):
    # The README's main job, shortened (one short delay, two trials) to keep the test tier fast.
    rc = main(["run", "working-memory", "--model", "compte2000", "--delays", "0.3", "--trials", "2", "--seed", "1", "--out", str(tmp_path), "--quiet"])
    assert rc == 0
    files = list(tmp_path.glob("*.nc"))
    assert [f.name for f in files] == ["working-memory_compte2000_scaled_seed1.nc"]
    assert [p.name for p in tmp_path.iterdir()] == [files[0].name]  # checkpoint folder removed once saved
    ds = load(files[0])
    assert ds.attrs["model"] == "compte2000" and ds.attrs["task"] == "delayed-estimation"
    assert ds.sizes["trial"] == 2 and np.isfinite(ds["error"]).all()
    assert "spike_time" in ds
    assert "wrote" in capsys.readouterr().out


def test_list_names_models_tasks_experiments(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "compte2000" in out and "delayed-estimation" in out and "working-memory" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["--delays", "-1"], "delays=[-1.0] s is not allowed"),
        (["--trials", "0"], "trials=0 is not allowed"),
        (["--trials", str(10**12)], "trials=1000000000000 is not allowed"),
        (["--model", "nope"], "model='nope' is unknown"),
        (["--size", "tiny"], "size='tiny' is not allowed"),
    ],
)
def test_bad_input_is_one_clear_line_not_a_traceback(tmp_path, args, message):
    proc = subprocess.run(
        [sys.executable, "-m", "neuromem.cli", "run", "working-memory", "--out", str(tmp_path), "--quiet", *args], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not list(tmp_path.glob("*.nc"))


def test_synaptic_transmission_command_writes_one_dataset_per_protocol(tmp_path, capsys):
    rc = main(
        [
            "run",
            "synaptic-transmission",
            "--protocols",
            "paired-pulse",
            "nmda-iv",
            "--intervals",
            "0.02",
            "0.2",
            "--sets",
            "depressing",
            "facilitating",
            "--out",
            str(tmp_path),
        ]
    )
    assert rc == 0
    pp = load(tmp_path / "synaptic-transmission_paired-pulse.nc")
    iv = load(tmp_path / "synaptic-transmission_nmda-iv.nc")
    assert pp.attrs["task"] == "paired-pulse" and iv.attrs["task"] == "nmda-iv"
    assert (pp["ppr"].sel(stp_set="depressing") < 1).all() and (pp["ppr"].sel(stp_set="facilitating") > 1).all()
    assert "paired-pulse ratio" in capsys.readouterr().out


def test_unknown_protocol_is_refused(tmp_path, capsys):
    assert main(["run", "synaptic-transmission", "--protocols", "ltp", "--out", str(tmp_path)]) == 2
    assert "protocols=['ltp'] is not allowed" in capsys.readouterr().err


def test_multi_item_recall_command_reports_capacity(tmp_path, capsys):
    rc = main(["run", "multi-item-recall", "--set-sizes", "1", "2", "--trials", "1", "--delay", "0.5", "--out", str(tmp_path), "--quiet"])
    assert rc == 0
    ds = load(tmp_path / "multi-item-recall_mongillo2008_scaled_seed1.nc")
    assert ds.attrs["task"] == "multi-item-recall" and float(ds["delay"][0]) == 0.5
    assert "Cowan's K" in capsys.readouterr().out


def test_ring_model_on_multi_item_task_is_refused_with_reason(tmp_path, capsys):
    rc = main(["run", "multi-item-recall", "--model", "compte2000", "--trials", "1", "--out", str(tmp_path), "--quiet"])
    assert rc == 2
    assert "model 'compte2000' does not run task 'multi-item-recall': its card lists tasks ['delayed-estimation']" in capsys.readouterr().err


def test_stdp_triplet_and_quadruplet_protocols_write_datasets(tmp_path, capsys):
    from neuromem.results import schema_problems

    # 5 repetitions instead of the published 60: the protocols' values are tested against the rules' recursion in test_stdp
    rc = main(["run", "stdp", "--protocols", "triplet", "quadruplet", "--repetitions", "5", "--device", "runtime", "--out", str(tmp_path)])
    assert rc == 0
    tri, quad = load(tmp_path / "stdp_triplet.nc"), load(tmp_path / "stdp_quadruplet.nc")
    assert tri.attrs["task"] == "stdp-triplet" and quad.attrs["task"] == "stdp-quadruplet"
    assert tri.sizes["pattern"] == 8 and quad.sizes["pattern"] == 20
    assert json.loads(tri.attrs["parameters"])["n_repetitions"] == 5 == json.loads(quad.attrs["parameters"])["n_repetitions"]
    assert schema_problems(tri) == [] and schema_problems(quad) == []
    out = capsys.readouterr().out
    assert "post-pre-post" in out and "dw/w after 5 triplets at 1 Hz" in out


def test_stdp_and_retention_commands_write_datasets(tmp_path, capsys):
    rc = main(["run", "stdp", "--protocols", "window", "--rules", "song2000", "--repetitions", "10", "--device", "runtime", "--out", str(tmp_path)])
    assert rc == 0
    win = load(tmp_path / "stdp_window.nc")
    assert win.attrs["task"] == "stdp-window" and (win["dw"].sel(delta_t=10.0) > 0).all()
    assert json.loads(win.attrs["parameters"])["n_pairings"] == 10
    # 10 pairings 1 s apart are isolated pairs for the pair rule: the closed form n A exp(-|dt| / tau)
    np.testing.assert_allclose(win["dw"].sel(rule="song2000"), win["dw_isolated_pairs"].sel(rule="song2000"), rtol=1e-3, atol=1e-6)
    rc = main(["run", "retention", "--patterns", "3", "--trials", "1", "--out", str(tmp_path), "--quiet"])
    assert rc == 0
    ds = load(tmp_path / "retention_assembly_memory_simple_scaled_seed1.nc")
    curve = load(tmp_path / "retention_assembly_memory_simple_scaled_seed1_curve.nc")
    assert ds.attrs["task"] == "retention" and curve["overlap"].dims == ("test_delay", "lag")
    assert "later patterns" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args, message",
    [
        (["stdp", "--protocols", "stdp-window"], "protocols=['stdp-window'] is not allowed"),
        (["stdp", "--protocols", "window", "--rules", "hebb", "--device", "runtime"], "rule='hebb' is unknown"),
        (["retention", "--synapse", "cascade", "--patterns", "2", "--trials", "1"], "synapse='cascade' is not allowed"),
        (["retention", "--patterns", "0"], "patterns=0 is not allowed"),
        (["stdp", "--protocols", "triplet", "--repetitions", "0", "--device", "runtime"], "repetitions=0 is not allowed"),
    ],
)
def test_plasticity_bad_input_is_one_clear_line(tmp_path, args, message):
    proc = subprocess.run([sys.executable, "-m", "neuromem.cli", "run", *args, "--out", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr


def test_fit_command_writes_fitted_model_history_and_evaluation(tmp_path, capsys):
    rc = main(
        [
            "fit",
            "--model",
            "rate_rnn",
            "--task",
            "delayed-estimation",
            "--task-param",
            "delays=[0.2]",
            "--seeds",
            "1",
            "2",
            "--steps",
            "5",
            "--hidden",
            "8",
            "--device",
            "cpu",
            "--out",
            str(tmp_path),
            "--quiet",
        ]
    )
    assert rc == 0
    history = load(tmp_path / "fit_rate_rnn_delayed-estimation_history.nc")
    assert history["loss"].dims == ("seed", "step") and history.attrs["device"] == "cpu"
    assert not (tmp_path / "fit_rate_rnn_delayed-estimation.ckpt.pt").exists()  # removed once the fit is saved
    rc = main(
        [
            "run",
            "working-memory",
            "--fitted",
            str(tmp_path / "fit_rate_rnn_delayed-estimation.pt"),
            "--delays",
            "0.2",
            "0.8",
            "--trials",
            "3",
            "--out",
            str(tmp_path),
        ]
    )
    assert rc == 0
    ds = load(tmp_path / "working-memory_rate_rnn_fitted_seed1.nc")
    assert ds.attrs["model_family"] == "rate" and sorted(set(ds["delay"].values)) == [0.2, 0.8]
    assert "mean error (deg)" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args, message",
    [
        (["--model", "compte2000"], "is a spiking model"),
        (["--task", "stdp"], "task='stdp' is unknown"),
        (["--steps", str(10**12)], "steps=1000000000000 is not allowed"),
        (["--hidden", "0"], "hidden=0 is not allowed"),
        (["--seeds", "1", "1"], "seeds=[1, 1] is not allowed"),
    ],
)
def test_fit_bad_input_is_one_clear_line(tmp_path, args, message):
    proc = subprocess.run(
        # --steps 1 unless the case gives its own (an option given twice is itself refused)
        [
            sys.executable,
            "-m",
            "neuromem.cli",
            "fit",
            *([] if "--steps" in args else ["--steps", "1"]),
            "--device",
            "cpu",
            "--out",
            str(tmp_path),
            "--quiet",
            *args,
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["synaptic-transmission", "--delays", "5"], "unrecognized arguments: --delays 5"),
        (["working-memory", "--protocols", "psc"], "unrecognized arguments: --protocols psc"),
        (["stdp", "--model", "lstm"], "unrecognized arguments: --model lstm"),
        (["working-memory", "--model", "lstm", "--trials", "1"], "must be trained first"),
    ],
)
def test_an_option_the_experiment_does_not_take_is_a_one_line_error(tmp_path, args, message):
    proc = subprocess.run([sys.executable, "-m", "neuromem.cli", "run", *args], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not list(tmp_path.rglob("*.nc"))


def test_help_of_an_experiment_shows_only_its_own_options(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["run", "synaptic-transmission", "--help"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    assert "--intervals" in text and "(s) [default: 0.01 0.02" in text
    assert "--delays" not in text and "--trials" not in text and "--synapse" not in text


def test_a_warning_reaches_the_terminal_as_one_line_without_a_source_path(tmp_path):
    """A fit that did not learn warns: the CLI says it in one line (what, why, what to do), not Python's file:line form."""
    args = [sys.executable, "-m", "neuromem.cli", "fit", "--model", "lstm", "--task", "delayed-estimation"]
    args += ["--task-param", "set_sizes=[1,2,4,6]", "--hidden", "1", "--steps", "100", "--out", ".", "--quiet"]  # one unit cannot learn it: loss 0.513 -> 0.501
    proc = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    warned = [line for line in proc.stderr.splitlines() if "did not learn" in line]
    assert len(warned) == 1 and warned[0].startswith("neuromem: warning: lstm on delayed-estimation did not learn"), proc.stderr
    assert ".py:" not in proc.stderr and "warnings.warn" not in proc.stderr


@pytest.mark.parametrize(("code", "complete"), [(0, True), (130, False), (1, False)])
def test_a_signal_is_called_harmless_only_when_the_command_completed(monkeypatch, capsys, code, complete):
    """An interrupted sweep says what it saved and returns 130; main used to add "they are complete" after it."""
    import signal

    from neuromem import cli, interrupts

    def command(args):
        interrupts._state["received"] = signal.SIGINT  # as the handler records a signal during a deferred write
        return code

    class Parser:
        def parse_args(self, argv):
            return type("Args", (), {"func": staticmethod(command)})()

    monkeypatch.setattr(cli, "build_parser", lambda: Parser())
    assert main(["anything"]) == code
    said = "arrived while the results were being written; they are complete" in capsys.readouterr().err
    assert said == complete
