"""Synaptic transmission lab protocols: PSC/PSP per receptor, paired pulses, trains, NMDA I-V.

Same as ``neuromem run synaptic-transmission``.
"""

from neuromem.cli import main

if __name__ == "__main__":
    import sys

    raise SystemExit(main(["run", "synaptic-transmission", *sys.argv[1:]]))
