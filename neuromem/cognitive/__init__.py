"""Cognitive (process) models of memory in numpy: CMR and a dual-store buffer model.

No simulator and no torch: each model runs a whole batch of lists at once as
array operations, so these models run on a core install.
"""
