"""Fit an artificial model (rate_rnn, lstm, keyvalue) to a task, several seeds at once.

Same as ``neuromem fit``, e.g. ``--model lstm --task delayed-estimation --seeds 1 2 3 --steps 500``.
"""

from neuromem.cli import main

if __name__ == "__main__":
    import sys

    raise SystemExit(main(["fit", *sys.argv[1:]]))
