"""STDP lab protocols: window, frequency dependence (Sjostrom et al. 2001), Song et al. (2000).

Same as ``neuromem run stdp``.
"""

from neuromem.cli import main

if __name__ == "__main__":
    import sys

    raise SystemExit(main(["run", "stdp", *sys.argv[1:]]))
