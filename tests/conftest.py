import os

# Under pytest-xdist every test process gets its share of the cores. Left alone, torch and OpenMP
# start one thread per core in every process (and in the processes a test starts), and threads
# that spin-wait for a busy core slow a training step: a 600-step LSTM fit took 18.9 s with two
# threads and 12.7 s with one while another process kept a core busy (6.3 s alone with two).
_test_processes = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
if _test_processes > 1:
    # neuromem.validation.usable_cores counts the same, but importing it loads numpy before this is set
    _cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(_var, str(max(1, _cores // _test_processes)))

# (the thread counts are set before numpy loads its BLAS)
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import xarray as xr  # noqa: E402

from neuromem.results import provenance  # noqa: E402


@pytest.fixture
def valid_dataset() -> xr.Dataset:
    """A small Dataset that follows the results schema."""
    rng = np.random.default_rng(0)
    ds = xr.Dataset(
        {
            "error": ("trial", rng.normal(size=5), {"units": "rad", "long_name": "signed error"}),
            "rate": (("trial", "time"), rng.uniform(size=(5, 3)), {"units": "Hz", "long_name": "rate"}),
        },
        coords={
            "trial": np.arange(5),
            "delay": ("trial", [0.5, 1.0, 2.0, 0.5, 1.0], {"units": "s", "long_name": "delay"}),
            "time": ("time", [0.1, 0.2, 0.3], {"units": "s", "long_name": "time"}),
        },
    )
    ds.attrs.update(
        provenance(
            title="test",
            model="none",
            model_family="none",
            task="delayed-estimation",
            parameters={"a": 1, "b": [1.0, 2.0]},
            seed=3,
            backend="numpy",
            references="none",
        )
    )
    return ds


@pytest.fixture(autouse=True)
def restore_brian2_prefs_and_device():
    """As Brian2's own conftest: whatever a test does, the next one starts with the same prefs and device."""
    import sys

    brian2 = sys.modules.get("brian2")
    if brian2 is None:
        yield
        return
    device = brian2.get_device()
    brian2.prefs._backup()
    yield
    brian2.prefs._restore()
    brian2.set_device(device)


@pytest.fixture(autouse=True)
def restore_signal_handlers():
    """Leave SIGINT and SIGTERM, and neuromem's interrupt state, as the test found them.

    A test that runs the command in-process ends with the signals held (``SIG_IGN``,
    see ``neuromem.interrupts.hold``); Brian2, imported later in the same worker, would
    wrap that ignored SIGINT and fail on the next interrupt with "'Handlers' object is
    not callable" instead of raising KeyboardInterrupt.
    """
    import signal
    import threading

    from neuromem import interrupts

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    yield
    if interrupts._state["installed"]:
        interrupts.uninstall()
    for signum, handler in saved.items():
        if handler is not None and signal.getsignal(signum) is not handler:
            signal.signal(signum, handler)
