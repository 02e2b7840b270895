"""neuromem's version, declared here only: the package metadata (pyproject.toml) reads it."""

__version__ = "0.1.0"
