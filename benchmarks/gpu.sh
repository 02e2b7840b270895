#!/usr/bin/env bash
# GPU figures of issue 14 on a machine with CUDA, PyTorch and no package registry: the
# wheels of brian2, brian2cuda, h5netcdf and psifr travel in .whl/ (fetched beforehand with
# `pip download --no-deps --python-version 3.12 ...`). Steps: smoke | tests | torch | ring [args].
# Usage:  bash benchmarks/gpu.sh smoke torch ; bash benchmarks/gpu.sh ring --copies 1 16 64
set -uo pipefail
OUT=${OUT:-/tmp/gpu-out}; mkdir -p "$OUT"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1 NEUROMEM_BUILD_DIR=/tmp/neuromem-builds
if ! python3 -c "import brian2, numpy; brian2.NeuronGroup(2, 'dv/dt=-v/(10*ms):1', method='exact'); brian2.run(1*brian2.ms)" >"$OUT/brian2_check.log" 2>&1; then
    echo "brian2 fails on numpy $(python3 -c 'import numpy; print(numpy.__version__)'); installing the carried numpy"
    python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/np/*.whl || exit 1
fi
python3 -c "import numpy, brian2, torch; print('numpy', numpy.__version__, 'brian2', brian2.__version__, 'torch', torch.__version__, torch.cuda.get_device_name(0))"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,memory.total --format=csv,noheader; nvcc --version | tail -1
step=${1:-smoke}; shift || true
case $step in
  smoke)  # one short trial of the scaled ring on each device: the GPU path builds and runs
    python3 - <<'PY' 2>&1 | tee "$OUT/smoke.log"
import time, numpy as np, neuromem
from neuromem.runner import run_task
from neuromem.tasks import DelayedEstimation
task = DelayedEstimation(delays=[0.5], timing={"fixation": 0.2, "cue": 0.25, "response": 0.1})
for dev in ("cpp_standalone", "cuda_standalone"):
    t0 = time.perf_counter()
    ds = run_task(neuromem.load_model("compte2000", size="scaled", device=dev, trials_per_run=2, workers=1), task, 2, seed=1, progress=False)
    print(dev, ds.attrs["backend"], "build", round(float(ds.attrs["build_seconds"]), 1), "run", round(float(ds.attrs["simulation_seconds"]), 2),
          "wall", round(time.perf_counter() - t0, 1), "|error| deg", np.round(np.degrees(np.abs(ds["error"].values)), 1), flush=True)
PY
    ;;
  tests) python3 -m pytest -q -p no:cacheprovider tests/test_gpu.py "$@" 2>&1 | tee "$OUT/tests.log" ;;
  torch) python3 benchmarks/artificial_training.py --device cuda "$@" 2>&1 | tee "$OUT/torch.log" ;;
  ring)  python3 benchmarks/ring_gpu.py "$@" 2>&1 | tee "$OUT/ring.log" ;;
esac
