"""The GPU paths of the artificial models against their CPU-tested forms (skipped without CUDA).

CI has no GPU: every path here is also covered on the CPU (the same loop bodies run eagerly
there, tests/test_artificial.py); these tests check what only a GPU runs: CUDA-graph replays of
the rate RNN's loops, the block-diagonal cuDNN LSTM, and a batched fit against single-seed fits.
"""

import pytest
import torch

import neuromem
from neuromem.artificial import cuda_graphs, fit
from neuromem.artificial.rate_rnn import _backward_steps, _forward_steps, _leaky_recurrence
from neuromem.tasks import get_task

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU")


@pytest.mark.parametrize("activation", ["relu", "softplus"])
def test_graph_replays_equal_the_eager_loops_on_fresh_inputs(activation):
    """Five calls with new random inputs each (the first eager, the second captures, the rest
    replay): rates and gradients equal the eager loop's, and every output is written."""
    a, gen = 0.2, torch.Generator(device="cuda").manual_seed(1)
    for call in range(5):
        au = torch.randn(2, 30, 16, 32, device="cuda", generator=gen).requires_grad_()
        W = (torch.randn(2, 32, 32, device="cuda", generator=gen) / 6).requires_grad_()
        g = torch.randn(2, 30, 16, 32, device="cuda", generator=gen)
        rates = _leaky_recurrence()(au, W, a, activation)
        grads = torch.autograd.grad((rates * g).sum(), (au, W))
        with torch.no_grad():
            xs, r0, ref_rates = _forward_steps(au, W, a, activation)
            ref_grads = _backward_steps(g, W, xs, r0, ref_rates, a, activation)
        assert torch.isfinite(rates).all() and all(torch.isfinite(x).all() for x in grads)
        torch.testing.assert_close(rates, ref_rates, rtol=1e-6, atol=1e-6, msg=f"call {call}")
        for new, ref in zip(grads, ref_grads):
            torch.testing.assert_close(new, ref, rtol=1e-5, atol=1e-6, msg=f"call {call}")
    assert any(key[0][0] == "rate_rnn.forward" for key in cuda_graphs._graphs)


@pytest.fixture
def full_float32():
    """cuDNN multiplies in TF32 by default (about 1e-3 relative), the stacked cell's bmm in float32:
    compared at float32, a layout error could not hide in the rounding."""
    before = torch.backends.cudnn.allow_tf32
    torch.backends.cudnn.allow_tf32 = False
    yield
    torch.backends.cudnn.allow_tf32 = before


def test_blockdiag_lstm_on_the_gpu_matches_the_stacked_cell(full_float32):
    model = neuromem.load_model("lstm", hidden_size=32, device="cuda")
    x = torch.randn(4, 25, 8, 3, device="cuda", generator=torch.Generator(device="cuda").manual_seed(0))
    out = {}
    for kernel in ("stacked", "blockdiag"):
        params = model.init_params([1, 2, 3, 4], 3, 2, torch.device("cuda"))
        model.kernel = kernel
        h = model.hidden(params, x)
        h.square().sum().backward()
        out[kernel] = (h.detach(), params["W_hh"].grad)
    # float32 through 25 recurrent steps, summed in another order by cuDNN: a few 1e-6 apart
    # (seen 3e-6 at most); a layout error would be of the order of the values themselves
    for new, ref in zip(out["blockdiag"], out["stacked"]):
        assert float((new - ref).norm() / ref.norm()) < 1e-5
        torch.testing.assert_close(new, ref, rtol=1e-4, atol=2e-5)


@pytest.mark.parametrize("name", ["rate_rnn", "lstm", "keyvalue"])
def test_batched_fit_on_the_gpu_equals_single_seed_fits(name):
    task = get_task("delayed-estimation", delays=[0.2, 0.4], timing={"fixation": 0.1, "cue": 0.1, "response": 0.1})

    def run(seeds):
        return fit(neuromem.load_model(name, hidden_size=16, batch_size=8, device="cuda"), task, seeds=seeds, steps=15, progress=False)

    batched, alone = run([1, 2, 3]), run([2])
    for k, v in alone.params_.items():
        torch.testing.assert_close(batched.params_[k][1:2], v, rtol=1e-3, atol=1e-4, msg=k)
