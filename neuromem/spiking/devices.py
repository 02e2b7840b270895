"""Choosing and entering a Brian2 device.

``runtime`` runs from Python (code generated and cached per network);
``cpp_standalone`` compiles the whole simulation once into a binary that many
trials then run through ``device.run(run_args=...)``; ``cuda_standalone``
(brian2cuda) does the same on an NVIDIA GPU.
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

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
def preserved_prefs(**values: object) -> Iterator[None]:
    """Set Brian2 preferences (``codegen__target="numpy"`` for ``codegen.target``) for the block, then restore all.

    neuromem never leaves its preferences (log level, OpenMP threads, C++ flags,
    code-generation target) behind in a user's session.
    """
    import brian2

    brian2.prefs._backup()
    try:
        for key, value in values.items():
            brian2.prefs[key.replace("__", ".")] = value
        yield
    finally:
        brian2.prefs._restore()


@contextmanager
def brian_device(kind: str, directory: Path | None, threads: int = 0, numpy_target: bool = False) -> Iterator[object]:
    """Activate ``kind`` for the duration of the block, then restore the previous device and preferences.

    For standalone kinds the device is reinitialised on exit, so one Python
    process can build several networks one after another. ``numpy_target``
    makes ``runtime`` generate numpy code (small networks start faster than
    with compiled code).
    """
    import brian2
    from brian2.devices.device import reset_device

    from neuromem import interrupts

    if kind == "runtime":
        target = {"codegen__target": "numpy"} if numpy_target else {}
        # Brian2's own SIGINT handler would return a shortened run as if complete: ours raises
        with preserved_prefs(logging__console_log_level="WARNING", **target), interrupts.during_run():
            yield brian2.get_device()
        return
    if kind == "cuda_standalone":
        import brian2cuda  # noqa: F401  (registers the device)
    from filelock import FileLock

    directory.parent.mkdir(parents=True, exist_ok=True)
    # Two processes building the same network would overwrite each other's code and results.
    with FileLock(str(directory) + ".lock"), preserved_prefs(logging__console_log_level="WARNING"), children_die_with_parent(), interrupts.during_run():
        if kind == "cuda_standalone":
            _cuda_cpp17_flags(brian2.prefs)
        brian2.set_device(kind, build_on_run=False, directory=str(directory))
        brian2.prefs.devices.cpp_standalone.openmp_threads = int(threads)
        try:
            yield brian2.get_device()
        finally:
            brian2.device.reinit()
            reset_device()


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    # PR_SET_PDEATHSIG (1): the kernel kills this child when the process that started it dies,
    # even by SIGKILL, which no handler in the parent could catch.
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)


class _Subprocess:
    """``subprocess`` as Brian2's standalone device sees it: every child dies with neuromem."""

    def __getattr__(self, name: str) -> object:
        return getattr(subprocess, name)

    @staticmethod
    def call(*args: object, **kwargs: object) -> int:
        return subprocess.call(*args, preexec_fn=_die_with_parent, **kwargs)  # type: ignore[call-overload]


class _Os:
    """``os`` as Brian2's standalone device sees it: ``os.system`` (make) dies with neuromem."""

    def __getattr__(self, name: str) -> object:
        return getattr(os, name)

    @staticmethod
    def system(command: str) -> int:
        code = subprocess.call(command, shell=True, preexec_fn=_die_with_parent)
        return code << 8 if code >= 0 else -code  # os.system's wait status: 0 only on success


@contextmanager
def children_die_with_parent() -> Iterator[None]:
    """While the block runs, the standalone binary (and make) that Brian2 starts die if this process dies.

    Brian2 starts them with ``subprocess.call`` and ``os.system``; a ``kill -9`` of
    neuromem would otherwise leave the binary running as an orphan for the rest of
    its simulation. Linux only (``prctl``); elsewhere nothing changes.
    """
    import brian2.devices.cpp_standalone.device as cpp

    if not sys.platform.startswith("linux"):
        yield
        return
    modules = [cpp] + [m for name, m in sys.modules.items() if name.startswith("brian2cuda.") and hasattr(m, "subprocess")]
    saved = [(m, m.subprocess, getattr(m, "os", None)) for m in modules]
    try:
        for m in modules:
            m.subprocess = _Subprocess()
            if hasattr(m, "os"):
                m.os = _Os()
        yield
    finally:
        for m, sub, os_module in saved:
            m.subprocess = sub
            if os_module is not None:
                m.os = os_module


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
        dev.insert_code("main", f"for (int _i=0; _i<{n_threads}; _i++) brian::_random_generators[_i].seed((unsigned long)brian::{seed_array}[0] + _i);")
    else:
        dev.seed(build_seed)


def simulate_once(device: str, key: str, duration: float, build: Callable[[], tuple[list, Callable[[], dict]]]) -> tuple[dict, str]:
    """Build a network once, run it for ``duration`` s and return (``read()``, backend string).

    ``build()`` returns the Brian2 objects and a ``read`` function that collects the
    results. ``runtime`` uses the numpy target (see :func:`brian_device`);
    standalone devices compile into a folder keyed by ``key``.
    """
    import brian2 as b2

    kind = resolve_device(device)
    directory = build_directory(kind, key) if kind in STANDALONE else None
    with brian_device(kind, directory, numpy_target=True) as dev:
        objects, read = build()
        net = b2.Network(*objects)
        net.run(duration * b2.second, namespace={})
        if kind in STANDALONE:
            dev.build(directory=str(directory), run=True, with_output=False)
        return read(), backend_string(kind)


_BATCH_STOP_CPP = """
double batch_stop(const double t, const double t_end, const double dt)
{
    // the step that starts at t is this batch's last: the network loop ends after it
    if (t > t_end - 1.5 * dt)
        Network::_globally_stopped = true;
    return 0.0;
}
"""


def standalone_function(name: str, code: str, arg_units: list, arg_types: list[str] | None = None, namespace: dict | None = None) -> object:
    """A Brian2 ``Function`` called ``name`` (returning a float) with only a C++ implementation ``code``.

    For code that reaches into the arrays the standalone device keeps (``brian::_array_...``)
    or into its network loop: it runs on ``cpp_standalone`` and nowhere else.
    """
    import brian2 as b2

    def unavailable(*_: object) -> None:
        raise NotImplementedError(f"{name} runs in cpp_standalone only")

    function = b2.Function(unavailable, arg_units=arg_units, return_unit=1, arg_types=arg_types, return_type="float", stateless=False)
    function.implementations.add_implementation("cpp", code, namespace=namespace, name=name)
    return function


class TrialRunner:
    """One build, many batches of trials of one network.

    Standalone: the network is compiled once; each batch is a ``device.run`` whose
    ``run_args`` set its initial values, TimedArrays and RNG seed (``seed_holder``).
    Runtime: the initial state is stored once and restored before each batch.

    ``ends`` are the times (s) at which a batch may end (each batch's end; repeats are
    fine). With several, a cpp_standalone
    build runs to the last, and a one-cell group checks at the end of every step whether
    the batch's own end (a run argument) is reached, and then stops Brian2's network loop
    (``Network::_globally_stopped``, as Brian2's own ``stop()`` does): the steps before
    are those of a run to the last end, step for step, without a second copy of the code.
    """

    def __init__(self, dev: object, kind: str, net: object, ends: Sequence[float], seed_holder: object, directory: Path | None, threads: int = 0) -> None:
        import brian2 as b2

        self.dev, self.kind, self.net, self.ends = dev, kind, net, sorted({float(e) for e in ends})
        self.seed_holder, self.directory, self.threads = seed_holder, directory, threads
        self.end_holder = None
        if self.standalone and len(self.ends) > 1:
            if kind != "cpp_standalone":
                raise ValueError(f"batches of different lengths in one build run on cpp_standalone only, not {kind}")
            dt = min(obj.clock.dt for obj in net.objects if hasattr(obj, "clock"))  # the network's finest step
            self.end_holder = b2.NeuronGroup(
                1,
                "t_end : second (constant)\nstop_flag : 1",
                dt=dt,
                namespace={"batch_stop": standalone_function("batch_stop", _BATCH_STOP_CPP, [b2.second] * 3)},
                name="batch_end",
            )
            self.end_holder.run_regularly("stop_flag = batch_stop(t, t_end, dt)", when="end", order=1000, name="batch_end_check")
            net.add(self.end_holder)

    @property
    def standalone(self) -> bool:
        return self.kind in STANDALONE

    def build(self, build_seed: int, profile: bool = False) -> None:
        """Store the initial state (runtime) or compile (standalone; ``profile``: time every code object)."""
        import brian2 as b2

        if not self.standalone:
            self.net.store("initial")
            return
        reseed_each_run(self.dev, self.kind, self.seed_holder, self.threads, build_seed)
        self.net.run(self.ends[-1] * b2.second, namespace={}, profile=profile)
        self.dev.build(run=False, directory=str(self.directory), with_output=False)

    def run(self, values: dict, seed: int, results: str | None = None, end: float | None = None) -> None:
        """Run one batch from the initial state with ``values`` ({variable or TimedArray: value}) until ``end`` s.

        ``results``: a folder (relative to the build's) for the standalone binary's output, so that
        several processes can run the one build at once; the default is Brian2's. ``end``: one of
        the build's ``ends`` (default: the last).
        """
        import brian2 as b2

        end = self.ends[-1] if end is None else float(end)
        if end not in self.ends:
            raise ValueError(f"end={end!r} s is not one of this build's ends {self.ends}")
        if self.standalone:
            args = {**values, self.seed_holder.rng_seed: seed}
            if self.end_holder is not None:
                args[self.end_holder.t_end] = end * b2.second
            self.dev.run(results_directory=results, run_args=args, with_output=False)
            return
        self.net.restore("initial")
        for target, value in values.items():
            if isinstance(target, b2.TimedArray):
                target.values[:] = value  # runtime reads the TimedArray's values at every step
            else:
                target[:] = value
        b2.seed(seed)
        self.net.run(end * b2.second, namespace={})

    def profiling(self, results: str = "results") -> dict[str, float]:
        """{code object: seconds} of the last standalone run of a build made with ``profile=True``."""
        path = Path(self.directory) / results / "profiling_info.txt"
        return {name: float(seconds) for name, seconds in (line.split() for line in path.read_text().splitlines() if line.strip())}
