"""What a lab page holds, decoded as the page decodes it, against the model's own numbers: the checks that
tests/test_lab.py, tests/test_lab_browser.py and the other lab tests share.

Oracles: attention recomputed here by hand from each block's input and its own ln_1 and c_attn weights (PyTorch
ops only, the model running on its fused SDPA path); the model's own uncached forward pass and model.generate for
what the KV-cached generation read and chose; glassgpt.analysis for the head scores; the final LayerNorm and LM
head applied by hand for the logit lens.
"""

import json
import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from glassgpt import GPT
from glassgpt.analysis import head_scores
from glassgpt.lab.packing import unpack
from glassgpt.lab.payload import LENS_POSITIONS, VALUE_DIMS

ATOL = 1e-5  # the page rounds to 5 decimal places: 5e-6 at most, plus float32 noise
RTOL = 1.3e-6  # float32's own: trained scores reach ~100, where two ways of summing differ by ~1e-5


def element(html: str, opening: str) -> str:
    start = html.index(opening) + len(opening)
    return html[start:html.index("</script>", start)]


def page_data(path: Path) -> dict:
    """The data a written page carries, unpacked as the page unpacks it (lab/packing.py): its JSON, with every
    typed array decoded from the gzip-compressed buffer into a numpy array of the values the page shows."""
    html = path.read_text(encoding="utf-8")
    data = json.loads(element(html, '<script type="application/json" id="lab-data">'))
    return unpack(data, element(html, '<script type="application/octet-stream" id="lab-arrays">').strip())


def head_numbers(attention: dict, layer: int, head: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The raw scores and weights (T, T) of a head shown number by number, computed from its q and k as the page
    computes them (float64; softmax of each row over keys 0..i, 0 above the diagonal)."""
    n = [list(pair) for pair in attention["detail"]].index([layer, head])
    q, k = torch.from_numpy(attention["q"][n]).double(), torch.from_numpy(attention["k"][n]).double()
    scores = q @ k.T * attention["scale"]  # (T, T)
    T = scores.size(0)
    allowed = torch.ones(T, T, dtype=torch.bool).tril()
    return scores, torch.softmax(scores.masked_fill(~allowed, float("-inf")), dim=-1)


def triangle(weights: torch.Tensor) -> torch.Tensor:
    """(..., T, T) -> (..., T(T+1)/2): row by row, keys 0..i, as the page's overview carries them."""
    T = weights.size(-1)
    return weights[..., torch.ones(T, T, dtype=torch.bool).tril()]


def close(numbers, expected: torch.Tensor, atol: float = ATOL) -> None:
    torch.testing.assert_close(torch.as_tensor(numbers, dtype=torch.float64), expected.double(), atol=atol, rtol=RTOL)


@torch.no_grad()
def by_hand(model: GPT, idx: torch.Tensor) -> list[dict[str, torch.Tensor]]:
    """Each layer's attention on idx (1, T), recomputed from the block's input and its ln_1 and c_attn weights:
    scores q·k/√hs, weights, v and z, each (nh, T, T) or (nh, T, hs)."""
    inputs = []
    hooks = [block.register_forward_pre_hook(lambda module, args: inputs.append(args[0])) for block in model.blocks]
    try:
        model(idx)  # the fused SDPA path: no hook point of the written-out path is involved
    finally:
        for hook in hooks:
            hook.remove()
    config = model.config
    d, nh, T = config.n_embd, config.n_head, idx.size(1)
    hs = d // nh
    layers = []
    for block, x in zip(model.blocks, inputs):
        ln, c_attn = block.ln_1, block.attn.c_attn
        qkv = F.linear(F.layer_norm(x[0], (d,), ln.weight, ln.bias, ln.eps), c_attn.weight, c_attn.bias)  # (T, 3d)
        q, k, v = (part.reshape(T, nh, hs).transpose(0, 1) for part in qkv.split(d, dim=-1))  # 3 x (nh, T, hs)
        scores = q @ k.transpose(-1, -2) / math.sqrt(hs)  # (nh, T, T)
        allowed = torch.ones(T, T, dtype=torch.bool).tril()
        weights = torch.softmax(scores.masked_fill(~allowed, float("-inf")), dim=-1)  # (nh, T, T)
        layers.append({"q": q, "k": k, "scores": scores, "weights": weights, "v": v, "z": weights @ v})
    return layers


def check_attention(data: dict, model: GPT, idx: torch.Tensor, every_head: bool = True) -> None:
    """Every layer and head of the page against the attention recomputed by hand: the overview's 8-bit weights
    within half a step (1/508, printed to two decimals), and for the heads shown number by number q, k, v, z as
    the model made them and the scores and weights the page computes from them within ATOL (printed to four)."""
    attention, T = data["attention"], idx.size(1)
    hs = model.config.n_embd // model.config.n_head
    assert attention["head_size"] == hs and attention["scale"] == pytest.approx(1 / math.sqrt(hs))
    dims = attention["value_dims"]
    assert dims == min(VALUE_DIMS, hs)
    layers = by_hand(model, idx)
    if every_head:
        assert attention["layers"] == list(range(model.config.n_layer))
        assert len(attention["detail"]) == model.config.n_layer * model.config.n_head
    assert attention["weights"].shape == (len(attention["layers"]), model.config.n_head, T * (T + 1) // 2)
    for n, layer in enumerate(attention["layers"]):
        close(attention["weights"][n], triangle(layers[layer]["weights"]), atol=1 / 508 + 1e-6)
    for n, (layer, head) in enumerate(attention["detail"]):
        expected = layers[layer]
        close(attention["q"][n], expected["q"][head])
        close(attention["k"][n], expected["k"][head])
        close(attention["v"][n], expected["v"][head, :, :dims])
        close(attention["z"][n], expected["z"][head, :, :dims])
        scores, weights = head_numbers(attention, layer, head)
        close(scores, expected["scores"][head])  # all T x T: the scores exist before the mask
        close(weights, expected["weights"][head])


def check_generation(data: dict, model: GPT, idx: torch.Tensor) -> None:
    """What each cached step read and chose, against the uncached forward pass on the whole sequence so far, and
    the chosen tokens against model.generate (greedy, with its own KV cache)."""
    steps, T = data["generation"], idx.size(1)
    ids = data["tokens"]["ids"]
    expected_ids = model.generate(idx, len(steps), temperature=0)[0].tolist()
    assert ids == expected_ids and ids[:T] == idx[0].tolist()
    full = torch.tensor([ids])
    layers = by_hand(model, full[:, :-1]) if steps else []  # every position that was fed to the model
    with torch.no_grad():
        logits, _ = model(full[:, :-1]) if steps else (None, None)  # (1, T + n - 1, V)
    for k, step in enumerate(steps):
        p = T - 1 + k
        assert step["position"] == p and step["fed"] == (T if k == 0 else 1)
        assert step["chosen"] == ids[p + 1]
        assert step["attention"].shape == (len(layers), model.config.n_head, p + 1)
        for layer, expected in enumerate(layers):
            close(step["attention"][layer], expected["weights"][:, p, :p + 1])  # (nh, p + 1): the cache as read
        probs = torch.softmax(logits[0, p].double(), dim=-1)  # (V,)
        top = torch.topk(probs, len(step["candidates"]))
        assert [i for i, _ in step["candidates"]] == top.indices.tolist()
        close([prob for _, prob in step["candidates"]], top.values)
        assert step["candidates"][0][0] == step["chosen"]  # greedy


@torch.no_grad()
def check_analysis(data: dict, model: GPT, idx: torch.Tensor) -> None:
    """The logit lens against the final LayerNorm and LM head applied by hand to each block's output (after the
    last block: the model's own prediction), and the head scores against glassgpt.analysis, which they carry."""
    outputs = []
    hooks = [block.register_forward_hook(lambda module, args, out: outputs.append(out)) for block in model.blocks]
    try:
        logits, _ = model(idx)  # (1, T, V)
    finally:
        for hook in hooks:
            hook.remove()
    ln_f, d = model.ln_f, model.config.n_embd
    assert len(data["lens"]["top"]) == model.config.n_layer
    first = data["lens"]["first"]
    assert first == max(0, idx.size(1) - LENS_POSITIONS)
    for layer, (x, positions) in enumerate(zip(outputs, data["lens"]["top"])):
        lens_logits = F.linear(F.layer_norm(x[0], (d,), ln_f.weight, ln_f.bias, ln_f.eps), model.lm_head.weight)
        if layer == model.config.n_layer - 1:
            torch.testing.assert_close(lens_logits, logits[0])  # the last block's lens is the model's output
        for i, top in enumerate(positions, start=first):
            probs = torch.softmax(lens_logits[i].double(), dim=-1)  # (V,)
            expected = torch.topk(probs, len(top))
            close([prob for _, prob in top], expected.values)
            assert [token for token, _ in top] == expected.indices.tolist()
    scores = head_scores(model, n_sequences=data["head_scores"]["sequences"])
    assert data["head_scores"]["length"] == scores.tokens.idx.size(1)
    for name, grid in scores.by_name().items():
        close(data["head_scores"]["scores"][name], grid)
