"""Metrics and fits on result Datasets (imports neither Brian2 nor torch)."""
