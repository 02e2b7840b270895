"""Choosing and entering a Brian2 device.

``runtime`` runs from Python (code generated and cached per network);
``cpp_standalone`` compiles the whole simulation once into a binary that many
trials then run through ``device.run(run_args=...)``; ``cuda_standalone``
(brian2cuda) does the same on an NVIDIA GPU.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

DEVICES: tuple[str, ...] = ("auto", "runtime", "cpp_standalone", "cuda_standalone")
STANDALONE: tuple[str, ...] = ("cpp_standalone", "cuda_standalone")


def cuda_available() -> bool:
    """brian2cuda is importable and an NVIDIA driver answers."""
    return importlib.util.find_spec("brian2cuda") is not None and shutil.which("nvidia-smi") is not None


def resolve_device(device: str) -> str:
    """Validate ``device`` and turn ``"auto"`` into a concrete device name."""
    if device not in DEVICES:
        raise ValueError(f"device={device!r} is not allowed; choose one of {DEVICES}")
    if device == "auto":
        return "cuda_standalone" if cuda_available() else "cpp_standalone"
    if device == "cuda_standalone" and not cuda_available():
        raise ValueError("device='cuda_standalone' needs brian2cuda and an NVIDIA GPU; neither was found")
    return device


def build_directory(kind: str, key: str) -> Path:
    """A per-network folder for standalone code, reused so unchanged code is not recompiled.

    ``NEUROMEM_BUILD_DIR`` overrides the root (default ``~/.cache/neuromem/brian2``).
    """
    root = Path(os.environ.get("NEUROMEM_BUILD_DIR", Path.home() / ".cache" / "neuromem" / "brian2"))
    digest = hashlib.sha1(key.encode()).hexdigest()[:16]
    return root / f"{kind}-{digest}"


@contextmanager
def brian_device(kind: str, directory: Path | None, threads: int = 0) -> Iterator[object]:
    """Activate ``kind`` for the duration of the block, then restore the previous device.

    For standalone kinds the device is reinitialised on exit, so one Python
    process can build several networks one after another.
    """
    import brian2
    from brian2.devices.device import reset_device

    if kind == "runtime":
        yield brian2.get_device()
        return
    if kind == "cuda_standalone":
        import brian2cuda  # noqa: F401  (registers the device)

        _cuda_cpp17_flags(brian2.prefs)
    from filelock import FileLock

    directory.parent.mkdir(parents=True, exist_ok=True)
    # Two processes building the same network would overwrite each other's code and results.
    with FileLock(str(directory) + ".lock"):
        brian2.set_device(kind, build_on_run=False, directory=str(directory))
        brian2.prefs.devices.cpp_standalone.openmp_threads = int(threads)
        try:
            yield brian2.get_device()
        finally:
            brian2.device.reinit()
            reset_device()


def _cuda_cpp17_flags(prefs: object) -> None:
    # CUDA 13 headers need C++17: nvcc gets the flag, and gcc's -std= is replaced.
    nvcc = list(prefs.devices.cuda_standalone.cuda_backend.extra_compile_args_nvcc)
    if "-std=c++17" not in nvcc:
        prefs.devices.cuda_standalone.cuda_backend.extra_compile_args_nvcc = nvcc + ["-std=c++17"]
    gcc = [a for a in prefs.codegen.cpp.extra_compile_args_gcc if not a.startswith("-std=")]
    prefs.codegen.cpp.extra_compile_args_gcc = gcc + ["-std=c++17"]


def backend_string(kind: str, threads: int = 0) -> str:
    """E.g. ``"brian2 2.9.0 cpp_standalone (1 thread)"``."""
    import brian2

    text = f"brian2 {brian2.__version__} {kind}"
    if kind == "cuda_standalone":
        import brian2cuda

        text += f" (brian2cuda {brian2cuda.__version__})"
    elif kind == "cpp_standalone":
        text += f" ({max(threads, 1)} thread{'s' if threads > 1 else ''})"
    return text


def reseed_each_run(dev: object, kind: str, seed_holder: object, threads: int = 0, build_seed: int = 0) -> None:
    """Standalone: reseed Brian's generators at the start of every run from a run argument.

    ``seed_holder`` is a one-neuron group with ``rng_seed : integer (constant)``;
    each ``device.run(run_args={seed_holder.rng_seed: s})`` then draws its own,
    reproducible noise. brian2cuda draws from cuRAND seeded once per build
    (``build_seed``): runs differ from each other, but a rerun may not repeat bit for bit.
    """
    dev.apply_run_args()
    if kind == "cpp_standalone":
        seed_array = dev.get_array_name(seed_holder.variables["rng_seed"])
        n_threads = max(int(threads), 1)
        dev.insert_code(
            "main",
            f"for (int _i=0; _i<{n_threads}; _i++) "
            f"brian::_random_generators[_i].seed((unsigned long)brian::{seed_array}[0] + _i);",
        )
    else:
        dev.seed(build_seed)
