"""One training path: one step for fit and forgetting in weights, an open set of losses, fitted options saved generically."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import neuromem  # noqa: E402
from neuromem.artificial import fit, load_fitted, save_fitted  # noqa: E402
from neuromem.artificial.losses import LOSS_FUNCTIONS, masked_loss, register_loss  # noqa: E402
from neuromem.tasks import get_task  # noqa: E402
from neuromem.tasks.encoding import Encoded  # noqa: E402


def test_cross_entropy_equals_torch_on_one_hot_targets_with_a_mask():
    g = torch.Generator().manual_seed(0)
    out = torch.randn(2, 7, 5, 4, generator=g)
    labels = torch.randint(0, 4, (2, 7, 5), generator=g)
    mask = (torch.rand(2, 7, 5, generator=g) < 0.6).float()
    y = torch.nn.functional.one_hot(labels, 4).float()
    ours = masked_loss(out, y, mask, "cross_entropy")
    for s in range(2):
        chosen = mask[s].bool()
        torch.testing.assert_close(ours[s], torch.nn.functional.cross_entropy(out[s][chosen], labels[s][chosen]))


def test_a_registered_loss_is_one_an_encoding_may_name():
    with pytest.raises(ValueError, match="loss='hinge' is not allowed"):
        Encoded(np.zeros((1, 1, 1)), np.zeros((1, 1, 1)), np.ones((1, 1)), np.zeros((1, 1)), "hinge")

    def hinge(out, y, mask):
        return ((torch.relu(1 - (2 * y - 1) * out)).mean(-1) * mask).sum((1, 2)) / mask.sum((1, 2))

    register_loss("hinge", hinge)
    try:
        Encoded(np.zeros((1, 1, 1)), np.zeros((1, 1, 1)), np.ones((1, 1)), np.zeros((1, 1)), "hinge")
        assert float(masked_loss(torch.zeros(1, 1, 1, 1), torch.ones(1, 1, 1, 1), torch.ones(1, 1, 1), "hinge")) == 1.0
        with pytest.raises(ValueError, match="already registered"):
            register_loss("hinge", lambda out, y, mask: out)
    finally:
        LOSS_FUNCTIONS.pop("hinge")
        from neuromem.tasks.encoding import LOSSES

        LOSSES.discard("hinge")


def test_fitted_options_are_saved_and_restored_generically(tmp_path):
    task = get_task("delayed-estimation", delays=[0.2], timing={"fixation": 0.1, "cue": 0.1, "response": 0.1})
    net = fit(neuromem.load_model("lstm", hidden_size=8, batch_size=4, device="cpu", kernel="stacked"), task, seeds=[1], steps=2, progress=False)
    assert net.options() == {"kernel": "stacked"}
    again = load_fitted(save_fitted(net, tmp_path / "net.pt"), device="cpu")
    assert again.kernel == "stacked" and again.options() == net.options()
    # a file written before options were stored generically kept the kernel by name
    state = torch.load(tmp_path / "net.pt", weights_only=False)
    state["kernel"] = state.pop("options")["kernel"]
    torch.save(state, tmp_path / "old.pt")
    assert load_fitted(tmp_path / "old.pt", device="cpu").kernel == "stacked"


def test_fit_and_forgetting_in_weights_take_the_same_step():
    """The step is the module's one function: patching it is seen by both (no second copy of the loop)."""
    import neuromem.artificial.fitting as fitting
    import neuromem.artificial.forgetting as forgetting

    calls = []
    real = fitting.training_step

    def counted(*args, **kwargs):
        calls.append(args[4])  # the loss kind
        return real(*args, **kwargs)

    task = get_task("delayed-estimation", delays=[0.2], timing={"fixation": 0.1, "cue": 0.1, "response": 0.1})
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(fitting, "training_step", counted)
        mp.setattr(forgetting, "training_step", counted)
        fit(neuromem.load_model("rate_rnn", hidden_size=8, batch_size=4, device="cpu"), task, seeds=[1], steps=3, progress=False)
        forgetting.in_weights(neuromem.load_model("rate_rnn", hidden_size=8, batch_size=4, device="cpu"), n_items=2, steps_per_item=2, n_test=2)
    assert calls == ["mse"] * 3 + ["bce"] * 4
