"""torch.compile(model, fullgraph=True): the forward pass and a training step compile with no graph break (fullgraph
raises on one) and compute what eager mode computes."""

import copy

import pytest
import torch

from glassgpt import GPT, GPTConfig


@pytest.fixture(autouse=True)
def fresh_compile_state():
    torch._dynamo.reset()  # compiled graphs from one test must not be reused (or counted) by another
    yield
    torch._dynamo.reset()


def _model_and_batch(flash=True):
    torch.manual_seed(0)
    model = GPT(GPTConfig.from_preset("tiny", flash=flash))
    idx = torch.randint(0, model.config.vocab_size, (2, 17), generator=torch.Generator().manual_seed(1))
    return model, idx[:, :-1], idx[:, 1:]


def key_bias(model) -> slice:
    """Where the keys' bias sits in c_attn.bias (queries, keys, values side by side)."""
    d = model.config.n_embd
    return slice(d, 2 * d)


def test_compiled_training_step_equals_eager():
    """One AdamW step through the compiled model (TorchInductor, the default backend) and the same step in eager.

    The keys' bias gets a gradient that is exactly 0 in exact arithmetic (it adds q·b to every score of a row, and
    the softmax ignores a constant added to a whole row), so each run's value is rounding noise; AdamW's first step
    divides a gradient by its own size, so it turns that noise into a step of up to lr, different in each run.
    The bias is therefore checked for being zero rather than compared after the step; everything else is compared
    at the same tight tolerance."""
    eager, idx, targets = _model_and_batch()
    compiled_model = copy.deepcopy(eager)
    compiled = torch.compile(compiled_model, fullgraph=True)
    results = []
    for model, run in ((eager, eager), (compiled_model, compiled)):
        model.train()
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
        logits, loss = run(idx, targets)
        loss.backward()
        grads = {name: p.grad.clone() for name, p in model.named_parameters()}
        optimizer.step()
        results.append((logits.detach(), loss.detach(), grads, {k: v.clone() for k, v in model.state_dict().items()}))
    (logits, loss, grads, after), (c_logits, c_loss, c_grads, c_after) = results
    torch.testing.assert_close(c_logits, logits, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(c_loss, loss, atol=1e-5, rtol=1e-5)
    for name in grads:
        torch.testing.assert_close(c_grads[name], grads[name], atol=1e-5, rtol=1e-4, msg=name)
    keys = key_bias(eager)
    for layer in range(eager.config.n_layer):
        name = f"blocks.{layer}.attn.c_attn.bias"
        for g in (grads[name], c_grads[name]):
            assert g[keys].abs().max() < 1e-6 * grads[name].abs().max()  # zero, up to rounding
            after[name][keys] = c_after[name][keys] = 0  # its AdamW step is that noise, amplified: not compared
    for name in after:
        torch.testing.assert_close(c_after[name], after[name], atol=1e-5, rtol=1e-4, msg=name)
    assert compiled_model.lm_head.weight is compiled_model.tok_emb.weight  # still tied


@pytest.mark.parametrize("flash", [True, False])
def test_compiled_inference_forward_has_no_graph_break(flash):
    """Both attention paths trace as one graph. Dynamo's own eager backend checks the tracing (where graph breaks
    happen) without paying for code generation, which the training-step test above covers."""
    model, idx, _ = _model_and_batch(flash)
    model.eval()
    compiled = torch.compile(model, fullgraph=True, backend="eager")
    with torch.no_grad():
        torch.testing.assert_close(compiled(idx)[0], model(idx)[0], atol=0, rtol=0)


def test_compiled_forward_takes_a_second_sequence_length():
    """A second length makes dynamo recompile with T symbolic; SDPA must still get a plain bool for is_causal."""
    model, idx, _ = _model_and_batch()
    model.eval()
    compiled = torch.compile(model, fullgraph=True, backend="eager")
    with torch.no_grad():
        for T in (16, 9, 12):
            torch.testing.assert_close(compiled(idx[:, :T])[0], model(idx[:, :T])[0], atol=0, rtol=0)
