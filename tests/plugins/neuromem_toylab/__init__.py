"""A lab package that adds a task, a model and an experiment to neuromem without editing it.

Its entry points (``neuromem_toylab-0.1.dist-info/entry_points.txt`` beside this
folder) are found when the folder holding both is on ``sys.path``.
"""
