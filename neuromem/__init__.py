"""neuromem: biological and artificial models of memory on the same tasks.

``import neuromem`` needs only numpy, scipy and xarray; Brian2 and PyTorch are
imported when a model that needs them is loaded.
"""

from neuromem._version import __version__
from neuromem.cards import list_models, load_card, load_model
from neuromem.tasks import get_task, list_tasks

__all__ = ["__version__", "get_task", "list_models", "list_tasks", "load_card", "load_model"]
