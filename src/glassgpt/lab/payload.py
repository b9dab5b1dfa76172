"""The lab page's data: what the model computed on one sequence, as plain JSON-ready lists.

Every number here is read from the model's own tensors (the hook points of the written-out attention path, the
logits of its forward pass, its KV cache while generating); the page only lays them out. Nothing is recomputed
here that the model computes itself.

Notable:
- Size: a GPT-2-small page for 32 tokens holds 12 x 12 heads of 32 x 32 scores, so numbers are rounded to
  DECIMALS places (an absolute error of at most 5e-6, below the 1e-5 the tests allow) and only what the page
  shows is sent: attention weights only on and below the diagonal (above it they are exactly 0), and the values
  and head outputs only in their first VALUE_DIMS dimensions (enough to follow the weighted sum by hand).
- One run of the model (recording.py): the library's own greedy generation, written out so the hook points fire;
  its prefill is the pass the attention section shows, and it is where an overflow is seen (numbers that are
  not finite become null, and `overflow` names the first module that made one).
- The head scores are glassgpt.analysis's, carried as they are; the logit lens is computed as analysis computes it,
  from the block outputs of the one recorded run (recording.py), one layer at a time.
"""

import math

import torch

from ..analysis import head_scores
from ..inspection import trace_forward
from .circuits import circuits_payload
from .recording import Recorder, run_model

DECIMALS = 5  # places kept after the point: 5e-6 at most off
VALUE_DIMS = 8  # dimensions of v and z the page shows for each head
NEW_TOKENS = 8  # tokens generated step by step (fewer when block_size leaves less room)
TOP_K = 5  # candidates shown for each chosen token, and for each position of the logit lens
HEAD_SCORE_SEQUENCES = 8  # repeating random sequences the head scores are measured on (analysis.head_scores)
TAPS = ("scores", "pattern", "v", "z")  # the attention hook points the page reads


def rounded(tensor: torch.Tensor) -> list:
    """A tensor as nested lists of floats with DECIMALS places (float64 first, so that 0.1 prints as 0.1); a number
    that is not finite (an overflow) becomes None, JSON's null: never NaN or Infinity, which JSON does not have."""
    tensor = tensor.detach().to("cpu", torch.float64).round(decimals=DECIMALS)
    if torch.isfinite(tensor).all():
        return tensor.tolist()
    return _nulls(tensor.tolist())


def _nulls(value):
    if isinstance(value, list):
        return [_nulls(v) for v in value]
    return value if math.isfinite(value) else None


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
        "scale": 1 / math.sqrt(head_size),
        "value_dims": dims,
        "scores": rounded(taps["scores"]),  # (L, nh, T, T)
        "weights": [[lower_triangle(head) for head in layer] for layer in rounded(taps["pattern"])],
        "v": rounded(taps["v"][..., :dims]),  # (L, nh, T, dims)
        "z": rounded(taps["z"][..., :dims]),  # (L, nh, T, dims)
    }


def candidates(logits: torch.Tensor, k: int) -> list[list]:
    """The k most likely next tokens from one position's logits (V,): [[id, probability], ...], best first."""
    probs = torch.softmax(logits.double(), dim=-1)  # (V,)
    top = torch.topk(probs, min(k, probs.numel()))
    return [[int(i), p] for i, p in zip(top.indices.tolist(), rounded(top.values))]


def generation(recorder: Recorder, chosen: list[int], T: int) -> list[dict]:
    """Each greedy step of the library's generation (recording.run_model): step k fed the model the prompt, then
    one token; the token at position p = T - 1 + k read the p + 1 keys the cache holds (its own included), and
    the model picked the next token. Each step keeps that token's attention row over the cache (n_layer, nh, p + 1)
    and the top candidates of its logits."""
    return [{
        "position": T - 1 + k,
        "fed": call["fed"],  # tokens the call wrote into the cache: the prompt, then one
        "attention": rounded(torch.stack(call["rows"])),  # (L, nh, p + 1): the last query's row
        "candidates": candidates(call["logits"], TOP_K),
        "chosen": token,
    } for k, (call, token) in enumerate(zip(recorder.calls, chosen))]


def build_payload(model, idx: torch.Tensor, tokenizer=None, source: str = "",
                  new_tokens: int = NEW_TOKENS, timeline=None) -> dict:
    """Everything the lab page shows about `model` reading idx (1, T): JSON-ready.

    `tokenizer` (glassgpt.text): gives each token its text; without one, tokens are shown as ids.
    `new_tokens`: how many tokens the generation section adds (at most what block_size leaves room for).
    `timeline` (timeline.read_timeline): the run's recording, for the "How it formed" section (lab/circuits.py).
    The model runs in eval mode (no dropout: the page shows the function it computes) and is put back in the
    mode it was in.
    """
    was_training = model.training
    model.eval()
    try:
        payload = _payload(model, idx[:1], tokenizer, source, new_tokens)  # the page shows one sequence
        return {**payload, "circuits": circuits_payload(model, idx[:1], timeline, tokenizer)}
    finally:
        model.train(was_training)


def _payload(model, idx: torch.Tensor, tokenizer, source: str, new_tokens: int) -> dict:
    config = model.config
    model.check_input(idx)
    T = idx.size(1)
    recorder, chosen = run_model(model, idx, min(new_tokens, config.block_size - T), TAPS)
    steps = generation(recorder, chosen, T)
    lens = lens_predictions(model, recorder)
    ids = idx[0].tolist() + chosen
    named = {i for step in steps for i, _ in step["candidates"]} | {i for row in lens for top in row for i, _ in top}
    payload = {
        "source": source,
        "config": config.to_dict(),
        "n_params": sum(p.numel() for p in model.parameters()),  # a tied matrix once
        "tokens": {"ids": ids, "prompt_length": T, "texts": texts(tokenizer, ids),
                   "id_texts": id_texts(tokenizer, named)},
        "diagram": diagram(model, idx),
        "attention": attention({tap: recorder.stacked(tap) for tap in TAPS}, config.n_embd // config.n_head),
        "generation": steps,
        "head_scores": scores_of_heads(model),
        "lens": lens,
    }
    payload["overflow"] = overflow(payload, recorder.first_not_finite)
    return payload


def overflow(payload: dict, first: str | None) -> dict | None:
    """None when every number of the forward pass was finite; else what overflowed: the first module whose output
    was not finite, and the parts of the page holding numbers that are not (null in the data, "—" on the page)."""
    parts = [name for name in ("attention", "generation", "lens", "head_scores") if has_null(payload[name])]
    if first is None and not parts:
        return None
    return {"module": first, "parts": parts}


def has_null(value) -> bool:
    if isinstance(value, dict):
        return any(has_null(v) for v in value.values())
    if isinstance(value, list):
        return any(has_null(v) for v in value)
    return value is None


def lens_predictions(model, recorder: Recorder) -> list:
    """The logit lens, as glassgpt.analysis.logit_lens computes it (lm_head(ln_f(x)) after each block, softmax in
    float32), on the prefill's own block outputs, one layer at a time (a (T, V) matrix, never (L, T, V)):
    [layer][position] -> [[id, probability], ...], the TOP_K likeliest first."""
    lens = []
    with torch.no_grad():
        for x in recorder.blocks:  # (T, d) each
            probs = model.lm_head(model.ln_f(x)).float().softmax(dim=-1)  # (T, V)
            top_probs, top_ids = probs.topk(min(TOP_K, probs.size(-1)), dim=-1)  # (T, k) each
            rows = zip(top_ids.tolist(), rounded(top_probs))
            lens.append([[list(pair) for pair in zip(ids, ps)] for ids, ps in rows])
    return lens


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
