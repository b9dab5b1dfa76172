"""The lab page's data: what the model computed on one sequence, as plain JSON-ready lists.

Every number here is read from the model's own tensors (the hook points of the written-out attention path, the
logits of its forward pass, its KV cache while generating); the page only lays them out. Nothing is recomputed
here that the model computes itself.

Notable:
- Size: a GPT-2-small page for 32 tokens holds 12 x 12 heads of 32 x 32 scores, so numbers are rounded to
  DECIMALS places (an absolute error of at most 5e-6, below the 1e-5 the tests allow) and only what the page
  shows is sent: attention weights only on and below the diagonal (above it they are exactly 0), and the values
  and head outputs only in their first VALUE_DIMS dimensions (enough to follow the weighted sum by hand).
- The hook points fire only on the written-out path, so every pass here runs inside inspection's
  `attention_taps` (both paths compute the same function; each layer's own choice comes back afterwards).
- The head scores and the logit lens are glassgpt.analysis's, carried as they are.
"""

import torch

from ..analysis import head_scores, logit_lens
from ..config import attention_scale
from ..generation import KVCache
from ..inspection import attention_taps, evaluating, trace_forward
from .circuits import circuits_payload

DECIMALS = 5  # places kept after the point: 5e-6 at most off
VALUE_DIMS = 8  # dimensions of v and z the page shows for each head
NEW_TOKENS = 8  # tokens generated step by step (fewer when block_size leaves less room)
TOP_K = 5  # candidates shown for each chosen token, and for each position of the logit lens
HEAD_SCORE_SEQUENCES = 8  # repeating random sequences the head scores are measured on (analysis.head_scores)
TAPS = ("scores", "pattern", "v", "z")  # the attention hook points the page reads


def rounded(tensor: torch.Tensor) -> list:
    """A tensor as nested lists of floats with DECIMALS places (float64 first, so that 0.1 prints as 0.1)."""
    return tensor.detach().to("cpu", torch.float64).round(decimals=DECIMALS).tolist()


def lower_triangle(rows: list) -> list:
    """Row i of a causal matrix up to and including column i: the rest is masked (weight exactly 0)."""
    return [row[:i + 1] for i, row in enumerate(rows)]


def diagram(model, idx: torch.Tensor) -> list[dict]:
    """The modules a forward pass on idx ran through, with the shapes that really flowed: everything outside
    the blocks, and the first block's steps (every block has the same shapes)."""
    steps = trace_forward(model, idx).steps
    return [{"name": s.name, "role": s.role, "layer": s.layer, "input": list(s.input_shape),
             "output": list(s.output_shape), "params": s.n_params, "tied_to": s.tied_to}
            for s in steps if s.layer in (None, 0)]


def attention(taps: dict[str, torch.Tensor], head_size: int) -> dict:
    """Every layer and head on the first sequence: scores q·k/√hs (all T x T, as computed before the mask),
    weights (the causal triangle), and the first VALUE_DIMS dimensions of v and of each head's output z."""
    dims = min(VALUE_DIMS, head_size)
    return {
        "head_size": head_size,
        "scale": attention_scale(head_size),
        "value_dims": dims,
        "scores": rounded(taps["scores"][:, 0]),  # (L, nh, T, T)
        "weights": [[lower_triangle(head) for head in layer] for layer in rounded(taps["pattern"][:, 0])],
        "v": rounded(taps["v"][:, 0, :, :, :dims]),  # (L, nh, T, dims)
        "z": rounded(taps["z"][:, 0, :, :, :dims]),  # (L, nh, T, dims)
    }


def candidates(logits: torch.Tensor, k: int) -> list[list]:
    """The k most likely next tokens from one position's logits (V,): [[id, probability], ...], best first."""
    probs = torch.softmax(logits.double(), dim=-1)  # (V,)
    top = torch.topk(probs, min(k, probs.numel()))
    return [[int(i), p] for i, p in zip(top.indices.tolist(), rounded(top.values))]


def generation(model, idx: torch.Tensor, logits: torch.Tensor, taps: dict[str, torch.Tensor], cache: KVCache,
               new_tokens: int) -> list[dict]:
    """Greedy generation of `new_tokens` tokens after idx (1, T) (the library's: model.generate with temperature
    0), then read back one forward call at a time through the KV cache, continuing from the prefill (the prompt's
    pass through the cache, whose `logits` (1, T, V) and `taps` are given).

    Step k: the token at position p = T - 1 + k reads the p + 1 keys the cache holds (the prompt's, written at
    once by the prefill, then one more per new token; its own included) and the model picks the next token.
    Each step keeps that token's attention row over the cache (n_layer, nh, p + 1) and the top candidates.
    """
    T, steps = logits.size(1), []
    generated = model.generate(idx, new_tokens, temperature=0)[:, T:]  # (1, new_tokens)
    for k in range(new_tokens):
        last = logits[0, -1]  # (V,) the next-token logits of position p
        chosen = generated[:, k:k + 1]  # (1, 1) greedy: the most likely token
        steps.append({
            "position": T - 1 + k,
            "fed": logits.size(1),  # tokens the call wrote into the cache: the prompt, then one
            "attention": rounded(taps["pattern"][:, 0, :, -1]),  # (L, nh, p + 1): the last query's row
            "candidates": candidates(last, TOP_K),
            "chosen": int(chosen),
        })
        if k + 1 < new_tokens:
            logits, taps = attention_taps(model, chosen, TAPS, kv_cache=cache)  # (1, 1, V): one more token
    return steps


def build_payload(model, idx: torch.Tensor, tokenizer=None, source: str = "",
                  new_tokens: int = NEW_TOKENS, timeline=None) -> dict:
    """Everything the lab page shows about `model` reading idx (1, T): JSON-ready.

    `tokenizer` (glassgpt.text): gives each token its text; without one, tokens are shown as ids.
    `new_tokens`: how many tokens the generation section adds (at most what block_size leaves room for).
    `timeline` (timeline.read_timeline): the run's recording, for the "How it formed" section (lab/circuits.py).
    The model runs in eval mode (no dropout: the page shows the function it computes) and is put back in the
    mode it was in.
    """
    with evaluating(model):
        payload = _payload(model, idx[:1], tokenizer, source, new_tokens)  # the page shows one sequence
        return {**payload, "circuits": circuits_payload(model, idx[:1], timeline, tokenizer)}


def _payload(model, idx: torch.Tensor, tokenizer, source: str, new_tokens: int) -> dict:
    config = model.config
    model.check_input(idx)
    T = idx.size(1)
    new_tokens = min(new_tokens, config.block_size - T)
    cache = KVCache(config, batch_size=1, capacity=T + new_tokens, device=idx.device,
                    dtype=next(model.parameters()).dtype)
    # the prefill: every prompt token at once, into the empty cache; the attention section shows this pass
    logits, taps = attention_taps(model, idx, TAPS, kv_cache=cache)
    steps = generation(model, idx, logits, taps, cache, new_tokens)
    lens = lens_predictions(model, idx)
    ids = idx[0].tolist() + [step["chosen"] for step in steps]
    named = {i for step in steps for i, _ in step["candidates"]} | {i for row in lens for top in row for i, _ in top}
    return {
        "source": source,
        "config": config.to_dict(),
        "n_params": sum(p.numel() for p in model.parameters()),  # a tied matrix once
        "tokens": {"ids": ids, "prompt_length": T, "texts": texts(tokenizer, ids),
                   "id_texts": id_texts(tokenizer, named)},
        "diagram": diagram(model, idx),
        "attention": attention(taps, config.head_size),
        "generation": steps,
        "head_scores": scores_of_heads(model),
        "lens": lens,
    }


def lens_predictions(model, idx: torch.Tensor) -> list:
    """analysis.logit_lens on idx (1, T): [layer][position] -> [[id, probability], ...] after that block, the
    TOP_K likeliest first."""
    lens = logit_lens(model, idx, top_k=TOP_K)
    ids, probs = lens.top_ids[:, 0].tolist(), rounded(lens.top_probs[:, 0])  # (L, T, k) each
    return [[[list(pair) for pair in zip(*position)] for position in zip(layer_ids, layer_probs)]
            for layer_ids, layer_probs in zip(ids, probs)]


def scores_of_heads(model) -> dict:
    """analysis.head_scores of every layer x head, and what they were measured on."""
    scores = head_scores(model, n_sequences=HEAD_SCORE_SEQUENCES)
    sequences, length = scores.tokens.idx.shape
    return {"sequences": sequences, "length": length,
            "scores": {name: rounded(grid) for name, grid in scores.by_name().items()}}  # name: (L, nh)


def texts(tokenizer, ids: list[int]) -> list[str] | None:
    """Each token's text in the sequence (None without a tokenizer: the page shows ids)."""
    return None if tokenizer is None else tokenizer.token_texts(ids)


def id_texts(tokenizer, ids: set[int]) -> dict[str, str] | None:
    """id -> text for the tokens the page names outside the sequence: the candidates of each generation step and
    the logit lens's predictions (JSON keys are strings). None without a tokenizer."""
    if tokenizer is None:
        return None
    ids = sorted(ids)
    return {str(i): text for i, text in zip(ids, tokenizer.token_texts(ids))}
