"""Compare saved results of several models on one task, beside human data.

Same as ``neuromem compare FILE FILE ...``.
"""

from neuromem.cli import main

if __name__ == "__main__":
    import sys

    raise SystemExit(main(["compare", *sys.argv[1:]]))
