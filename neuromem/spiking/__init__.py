"""Spiking models in Brian2 (never imports torch)."""
