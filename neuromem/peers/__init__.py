"""Peer packages run on neuromem's own trials, so results can be set side by side."""
