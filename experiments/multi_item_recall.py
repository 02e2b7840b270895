"""Multi-item recall and change detection in the Mongillo et al. (2008) synaptic working memory.

Same as ``neuromem run multi-item-recall``.
"""

from neuromem.cli import main

if __name__ == "__main__":
    import sys

    raise SystemExit(main(["run", "multi-item-recall", *sys.argv[1:]]))
