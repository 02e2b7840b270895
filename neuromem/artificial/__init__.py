"""PyTorch counterparts of the spiking models: rate RNN, LSTM and key-value memory.

They take the same trials Datasets as the spiking models and return responses in
the same form (:mod:`neuromem.artificial.encoding`); :func:`fit` trains several
seeds at once. This package never imports brian2; torch is imported on use.
"""

from neuromem.artificial.fitting import fit, load_fitted, save_fitted

__all__ = ["fit", "load_fitted", "save_fitted"]
