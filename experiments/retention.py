"""Forgetting curve of the STDP assembly network (simple or Benna-Fusi synapses).

Same as ``neuromem run retention``, e.g. ``--synapse benna-fusi --patterns 8 --delays 0.5 10``.
"""

from neuromem.cli import main

if __name__ == "__main__":
    import sys

    raise SystemExit(main(["run", "retention", *sys.argv[1:]]))
