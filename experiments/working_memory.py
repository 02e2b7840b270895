"""Working memory in the Compte et al. (2000) bump attractor: delayed estimation vs delay.

Same as ``neuromem run working-memory``; kept as a script so that the experiment
can be read top to bottom and rerun with other arguments.
"""

from neuromem.cli import main

if __name__ == "__main__":
    import sys

    raise SystemExit(main(["run", "working-memory", *sys.argv[1:]]))
