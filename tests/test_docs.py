"""The how-tos in docs/ are followed literally: their Python blocks run in order, in a fresh process."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).parent.parent / "docs"


def run_howto(name: str, tmp_path: Path, epilogue: str) -> dict:
    blocks = re.findall(r"```python\n(.*?)```", (DOCS / name).read_text(), flags=re.S)
    assert len(blocks) >= 3, f"{name} lost its code blocks"
    script = tmp_path / "howto.py"
    script.write_text("\n".join(blocks) + "\n" + epilogue)
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_add_a_task_howto_runs_and_the_new_task_is_learned(tmp_path):
    out = run_howto(
        "add-a-task.md",
        tmp_path,
        (
            "import json, neuromem.artificial.encoding as e\n"
            "print(json.dumps({'accuracy': float(result['correct'].mean()), 'tasks': __import__('neuromem').list_tasks(),"
            " 'sizes': list(e.sizes(task.trials(2, 0)))}))\n"
        ),
    )
    assert "colour-recall" in out["tasks"] and out["sizes"] == [4, 3]
    assert out["accuracy"] > 0.6  # chance 1/3: the key-value memory learned the new task's encoding


def test_add_a_model_howto_runs_and_recovers_the_diffusion_coefficient(tmp_path):
    out = run_howto(
        "add-a-model.md",
        tmp_path,
        (
            "import json\n"
            "try:\n"
            "    neuromem.load_model('diffusing_angle', diffusion='0.05 mV').run(get_task('delayed-estimation').trials(2, 0), seed=0)\n"
            "    error = ''\n"
            "except ValueError as err:\n"
            "    error = str(err)\n"
            "print(json.dumps({'diffusion': float(summary['diffusion']), 'variance': summary['variance'].values.tolist(),"
            " 'error': error}))\n"
        ),
    )
    # 2000 trials: variance 0.05 rad^2/s x delay; the slope's s.e. is about 6 %, allow 20 %
    assert out["diffusion"] == pytest.approx(0.05, rel=0.2)
    assert out["variance"] == pytest.approx([0.05, 0.2], rel=0.15)
    assert "parameter diffusion='0.05 mV' is not allowed; it is a voltage, but diffusion must be a frequency" in out["error"]


def test_add_a_benchmark_howto_runs_and_scores_models_on_the_new_benchmark(tmp_path):
    out = run_howto(
        "add-a-benchmark.md",
        tmp_path,
        (
            "import json\n"
            "print(json.dumps({'status': table['status'].sel(benchmark=MY_BENCHMARK.identifier).values.tolist(),"
            " 'score': float(scored['score']), 'ceiling': MY_BENCHMARK.ceiling()[0]}))\n"
        ),
    )
    assert out["status"][:2] == ["scored", "scored"] and out["status"][2].startswith("not applicable")
    assert 0 <= out["score"] <= 1 and 0.5 < out["ceiling"] <= 1


def test_states_howto_runs_and_the_transformer_holds_the_angle(tmp_path):
    pytest.importorskip("torch")
    out = run_howto(
        "states.md",
        tmp_path,
        "import json\nprint(json.dumps({'delay_min': float(delay.min()), 'dims': float(dimensions), 'components': trajectories.sizes['component']}))\n",
    )
    assert out["delay_min"] > 0.9  # the fitted Transformer's residual stream carries the cued angle through the delay
    assert 1.0 <= out["dims"] <= 32 and out["components"] == 2
