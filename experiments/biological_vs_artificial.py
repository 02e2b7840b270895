"""A spiking network and a trained LSTM on the same task, compared beside each other.

    python experiments/biological_vs_artificial.py   # a few minutes on 2 cores

1. the Compte et al. (2000) ring runs delayed estimation;
2. an LSTM is fitted to delayed estimation (3 seeds as one batched model) and runs
   the same delays;
3. ``compare`` aligns both on their shared delays along a ``model`` dim.
"""

from neuromem.analysis.compare import compare, plot_comparison
from neuromem.experiments import fit_model, working_memory
from neuromem.results import save

delays = [0.2, 0.6]
ring, _ = working_memory(delays=delays, trials=8, seed=1, out="results", quiet=True)["trials"]
fit_model(model="lstm", task="delayed-estimation", seeds=[1, 2, 3], steps=300, out="results", progress=False)
lstm, _ = working_memory(fitted="results/fit_lstm_delayed-estimation.pt", delays=delays, trials=50, seed=1, out="results", quiet=True)["trials"]
both = compare([ring, lstm])
print(both[["mean_abs_error", "variance"]].to_dataframe())
print("wrote", save(both, "results/comparison_delayed-estimation.nc"), plot_comparison(both, "figures/comparison_delayed-estimation.png"))
