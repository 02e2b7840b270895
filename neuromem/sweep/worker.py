"""What every dask worker of a sweep does once when it starts."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from distributed import WorkerPlugin


class WorkerSetup(WorkerPlugin):
    """A dask worker plugin: what every worker does once when it starts (and again after a restart).

    Brian2 installs a SIGINT handler when it is imported, which Python allows only
    on a process's main thread; points run on a worker thread, so Brian2 is
    imported here, on the worker's main thread. Each worker gets its own Brian2
    build folder (``NEUROMEM_BUILD_DIR/worker-<name>``).
    """

    name = "neuromem-worker-setup"

    def setup(self, worker: Any) -> None:
        root = os.environ.get("NEUROMEM_SWEEP_BUILD_ROOT") or os.environ.get("NEUROMEM_BUILD_DIR") or str(Path.home() / ".cache" / "neuromem" / "brian2")
        os.environ["NEUROMEM_SWEEP_BUILD_ROOT"] = root
        os.environ["NEUROMEM_BUILD_DIR"] = str(Path(root) / f"worker-{worker.name}")
        try:
            import brian2  # noqa: F401
        except ImportError:  # an install without the spiking extra runs artificial models only
            pass
