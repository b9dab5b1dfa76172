"""The lab page's data: what the model computed on one sequence, JSON-ready, its big arrays typed (packing.py).

Every number here is read from the model's own tensors (the hook points of the written-out attention path, the
logits of its forward pass, its KV cache while generating); the page only lays them out, and computes what is
cheap to compute there: a head's raw scores q·k/√hs and weights from its q and k, in float64.

Notable:
- One run of the model (recording.py): the library's own greedy generation, written out so the hook points fire;
  its prefill is the pass the attention section shows, and it is where an overflow is seen (numbers that are
  not finite become null or NaN, and `overflow` names the first module that made one).
- Size, at any length (issue: GPT-2 small on 200 tokens in at most 5 MB). The overview heatmaps carry every head's
  causal triangle of weights as 8-bit codes, for the layers that fit in OVERVIEW_CELLS; the heads shown number by
  number carry q, k (float32: the page computes the T x T scores from them) and the first VALUE_DIMS dimensions of
  v and z, as many as fit in DETAIL_FLOATS, layer 0 first, or the layer and head asked for. The page names what
  was left out and how to see it (`glassgpt lab --layer L --head H`).
- The logit lens covers the last LENS_POSITIONS positions (each position costs the LM head once per layer), computed
  as glassgpt.analysis.logit_lens computes it from the run's own block outputs; the head scores are
  glassgpt.analysis's, carried as they are.
"""

import math

import torch

from ..analysis import head_scores
from ..config import attention_scale
from ..inspection import HOOK_STEPS, evaluating
from .circuits import circuits_payload
from .packing import Packed, quantised
from .recording import Recorder, run_model

DECIMALS = 5  # places kept after the point in the JSON numbers: 5e-6 at most off
VALUE_DIMS = 8  # dimensions of v and z the page shows for each head
NEW_TOKENS = 8  # tokens generated step by step (fewer when block_size leaves less room)
TOP_K = 5  # candidates shown for each chosen token, and for each position of the logit lens
HEAD_SCORE_SEQUENCES = 4  # repeating random sequences the head scores are measured on (analysis.head_scores);
# each is a forward pass of 64 tokens: at GPT-2 small, 8 of them cost more than the rest of the page together
OVERVIEW_CELLS = 4_000_000  # 8-bit weights of the overview heatmaps: every GPT-2-small head up to ~230 tokens
DETAIL_FLOATS = 360_000  # float32 numbers of q, k, v, z for the heads shown number by number: 12 at 200 tokens
LENS_POSITIONS = 64  # positions of the logit lens (the last ones)


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


def diagram(model, recorder: Recorder) -> list[dict]:
    """The modules the prefill ran through, with the shapes that really flowed (as inspection.trace_forward shows
    them, read from the same run rather than from a pass of its own): everything outside the blocks, and the first
    block's steps (every block has the same shapes); inside attention also the steps no module performs (head
    split, scores, mask, softmax, weighted sum, merge), read from the hook points."""
    owner = {}  # id(parameter) -> the first module that holds it directly
    for name, module in model.named_modules():
        for p in module.parameters(recurse=False):
            owner.setdefault(id(p), name)
    given, made = recorder.input_shapes, recorder.output_shapes

    def step(name, role, layer, inputs, outputs, module=None):
        shared = [] if module is None else [owner[id(p)] for p in module.parameters(recurse=False)
                                            if owner[id(p)] != name]
        return {"name": name, "role": role, "layer": layer, "input": list(inputs), "output": list(outputs),
                "params": 0 if module is None else sum(p.numel() for p in module.parameters()),
                "tied_to": shared[0] if shared else None}

    steps = []
    for name in recorder.order:  # a parent before its children
        parts = name.split(".")
        layer = int(parts[1]) if parts[0] == "blocks" and len(parts) > 1 else None
        if layer not in (None, 0):
            continue
        role = "gpt" if not name else (".".join(parts[2:]) or "block") if layer is not None else name
        attn, _, last = name.rpartition(".")
        if not last.startswith("hook_"):
            steps.append(step(name, role, layer, given[name], made[name], model.get_submodule(name)))
            continue
        if last in HOOK_STEPS:  # hook_k and hook_v are shown with hook_q: "3 x" in split_heads
            inner, source = HOOK_STEPS[last]
            steps.append(step(f"{attn}.{inner}", f"attn.{inner}", layer, made[f"{attn}.{source}"], made[name]))
        if last == "hook_z":  # (B, nh, T, hs) -> (B, T, d): what c_proj receives
            steps.append(step(f"{attn}.merge_heads", "attn.merge_heads", layer, made[name], given[f"{attn}.c_proj"]))
    return steps


def choose_heads(config, T: int, layer: int | None = None, head: int | None = None) -> tuple[list, list]:
    """-> (the layers of the overview heatmaps, the [layer, head] pairs shown number by number), within
    OVERVIEW_CELLS and DETAIL_FLOATS; `layer`/`head` ask for one layer, or one head, instead (always given)."""
    L, nh = config.n_layer, config.n_head
    per_layer = nh * T * (T + 1) // 2
    layers = [layer] if layer is not None else list(range(max(1, min(L, OVERVIEW_CELLS // per_layer))))
    if head is not None:
        return layers, [[layers[0], head]]
    per_head = T * 2 * (config.head_size + min(VALUE_DIMS, config.head_size))  # q, k; v, z
    pairs = [[l, h] for l in layers for h in range(nh)]
    return layers, pairs[:max(1, DETAIL_FLOATS // per_head)]


def attention(recorder: Recorder, layers: list, detail: list, head_size: int) -> dict:
    """The prefill's attention: every head of `layers` as the causal triangle of weights, row by row (8-bit), and
    for each [layer, head] of `detail` its q and k (the page computes scores and weights from them), and the first
    VALUE_DIMS dimensions of v and z."""
    dims = min(VALUE_DIMS, head_size)
    T = recorder.taps["pattern"][layers[0]].size(-1)
    below = torch.ones(T, T, dtype=torch.bool).tril()  # (T, T): row i, keys 0..i

    def heads(tap, width=None):
        return torch.stack([recorder.taps[tap][l][h, :, :width] for l, h in detail])  # (n, T, width)

    return {
        "head_size": head_size,
        "scale": attention_scale(head_size),
        "value_dims": dims,
        "layers": layers,
        "weights": quantised(torch.stack([recorder.taps["pattern"][l][:, below] for l in layers]), "u8"),
        "detail": detail,
        "q": Packed(heads("q")), "k": Packed(heads("k")),  # (n, T, hs) each
        "v": Packed(heads("v", dims)), "z": Packed(heads("z", dims)),  # (n, T, dims) each
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
    (16-bit) and the top candidates of its logits."""
    return [{
        "position": T - 1 + k,
        "fed": call["fed"],  # tokens the call wrote into the cache: the prompt, then one
        "attention": quantised(torch.stack(call["rows"]), "u16"),  # (L, nh, p + 1): the last query's row
        "candidates": candidates(call["logits"], TOP_K),
        "chosen": token,
    } for k, (call, token) in enumerate(zip(recorder.calls, chosen))]


def build_payload(model, idx: torch.Tensor, tokenizer=None, source: str = "", new_tokens: int = NEW_TOKENS,
                  timeline=None, layer: int | None = None, head: int | None = None) -> dict:
    """Everything the lab page shows about `model` reading idx (1, T): JSON-ready, with typed arrays (packing.py).

    `tokenizer` (glassgpt.text): gives each token its text; without one, tokens are shown as ids.
    `new_tokens`: how many tokens the generation section adds (at most what block_size leaves room for).
    `timeline` (timeline.read_timeline): the run's recording, for the "How it formed" section (lab/circuits.py).
    `layer`, `head`: the layer whose heads, or the one head, the page shows in full (default: as many as fit).
    The model runs in eval mode (no dropout: the page shows the function it computes) and is put back in the
    mode it was in.
    """
    with evaluating(model):
        payload = _payload(model, idx[:1], tokenizer, source, new_tokens, layer, head)  # the page shows one sequence
        return {**payload, "circuits": circuits_payload(model, idx[:1], timeline, tokenizer)}


def _payload(model, idx: torch.Tensor, tokenizer, source: str, new_tokens: int, layer, head) -> dict:
    config = model.config
    model.check_input(idx)
    T = idx.size(1)
    layers, detail = choose_heads(config, T, layer, head)
    keep = {"pattern": set(layers), **{tap: {l for l, _ in detail} for tap in ("q", "k", "v", "z")}}
    recorder, chosen = run_model(model, idx, min(new_tokens, config.block_size - T), keep)
    steps = generation(recorder, chosen, T)
    lens = lens_predictions(model, recorder)
    ids = idx[0].tolist() + chosen
    named = {i for step in steps for i, _ in step["candidates"]}
    named |= {i for row in lens["top"] for top in row for i, _ in top}
    payload = {
        "source": source,
        "config": config.to_dict(),
        "n_params": sum(p.numel() for p in model.parameters()),  # a tied matrix once
        "tokens": {"ids": ids, "prompt_length": T, "texts": texts(tokenizer, ids),
                   "id_texts": id_texts(tokenizer, named)},
        "diagram": diagram(model, recorder),
        "attention": attention(recorder, layers, detail, config.head_size),
        "generation": steps,
        "head_scores": scores_of_heads(model),
        "lens": lens,
    }
    payload["overflow"] = overflow(payload, recorder)
    return payload


def overflow(payload: dict, recorder: Recorder) -> dict | None:
    """None when every number of the run was finite; else what overflowed: the first module whose output was not
    finite, and the parts of the page holding numbers that are not (null or NaN in the data, "—" on the page)."""
    parts = [name for name in ("attention", "generation", "lens", "head_scores") if not_finite(payload[name])]
    if recorder.first_not_finite is None and not parts:
        return None
    return {"module": recorder.first_not_finite, "parts": parts}


def not_finite(value) -> bool:
    if isinstance(value, Packed):
        return not torch.isfinite(value.tensor).all()
    if isinstance(value, dict):
        return any(not_finite(v) for v in value.values())
    if isinstance(value, list):
        return any(not_finite(v) for v in value)
    return value is None


def lens_predictions(model, recorder: Recorder) -> dict:
    """The logit lens, as glassgpt.analysis.logit_lens computes it (lm_head(ln_f(x)) after each block, softmax in
    float32), on the run's own block outputs at the last LENS_POSITIONS positions, one layer at a time:
    {"first": the first position covered, "top": [layer][position] -> [[id, probability], ...], likeliest first}."""
    T = recorder.blocks[0].size(0)
    first, top = max(0, T - LENS_POSITIONS), []
    with torch.no_grad():
        for x in recorder.blocks:  # (T, d) each
            probs = model.lm_head(model.ln_f(x[first:])).float().softmax(dim=-1)  # (T - first, V)
            top_probs, top_ids = probs.topk(min(TOP_K, probs.size(-1)), dim=-1)  # (T - first, k) each
            rows = zip(top_ids.tolist(), rounded(top_probs))
            top.append([[list(pair) for pair in zip(ids, ps)] for ids, ps in rows])
    return {"first": first, "top": top}


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
