"""Seeing inside a GPT: what every module receives and returns, and the attention weights.

Everything here watches a real forward pass through forward hooks (no shape is typed in by hand) and returns
plain data; the CLI and the lab render it. Nothing here prints, and no attention maths is written here: every
intermediate of attention (q, k, v, scores, masked scores, pattern, each head's output) is read from the hook
points of the model's written-out path (model.py), so what is shown is what the model computed.

The public calls:
    run_with_cache(model, idx, names_filter)   TransformerLens's call: (logits, {name: tensor}) for the names chosen
    capture(model, idx, names, inputs, until)  the same, with module inputs on request and a stop after any module
    attention_weights(model, idx, layers)      (n_layers, B, nh, T, T), stopping after the last layer asked for
    attention_taps(model, idx, taps, kv_cache) any hook points of every layer side by side, with the logits
    trace_forward, walk_through_head, mask_demo, scale_demo    the views the CLI and the lab show

Notable:
- Looking costs one forward pass plus the bytes of what is kept. Only the names asked for are hooked; a kept
  tensor is the model's own (never a copy), a module's input is kept only when asked for, and the layered calls
  copy each layer into one tensor allocated once (no stacking afterwards). `until` stops the pass where the look
  ends: a view of layer 2 never runs layer 3, the final LayerNorm or the LM head.
- The fused SDPA kernel never materialises the attention weights, so each look runs the model with every
  attention module switched to its written-out path (`flash_off`: `attn.flash = False`), and switches it back
  afterwards.
  The two paths compute the same function (tests/test_model_properties.py).
- Everything runs under `torch.no_grad()` in the mode the model is in: call `model.eval()` first for a look
  without dropout (the CLI does), or look inside `evaluating(model)`, which puts the mode back afterwards.
"""

import contextlib
from dataclasses import dataclass

import torch

from .config import attention_scale
from .errors import GlassGPTError
from .model import GPT, CausalSelfAttention, attention, causal_mask

# the written-out path's hook points that the forward trace shows as steps, and the step each one is: role
# inside attention, and the tensor (another hook point's or module's output) that step reads
HOOK_STEPS = {
    "hook_q": ("split_heads", "c_attn"),  # (B, T, 3d) -> q, k, v (B, nh, T, hs)
    "hook_scores": ("scores", "hook_q"),  # q, k -> q·k / sqrt(hs) (B, nh, T, T)
    "hook_masked_scores": ("mask", "hook_scores"),  # -inf where a key lies in the future
    "hook_pattern": ("softmax", "hook_masked_scores"),  # the attention weights
    "hook_z": ("weighted_sum", "attn_dropout"),  # weights @ v (B, nh, T, hs)
}


@dataclass(frozen=True)
class Capture:
    """What one pass of `capture` kept: only the names asked for, each the very tensor the model made."""

    outputs: dict[str, torch.Tensor]  # name -> what that module or hook point returned, in the order they returned
    inputs: dict[str, torch.Tensor]  # name -> its first tensor input, in the order the pass entered them
    logits: torch.Tensor | None  # (B, T, V); None when the pass stopped early (`until`)
    loss: torch.Tensor | None  # cross-entropy against targets; None without targets or when stopped early


@dataclass(frozen=True)
class Step:
    """One step of the forward pass: a module (or a step inside attention) and what went in and came out."""

    name: str  # module path, e.g. "blocks.0.attn.c_attn"; "" is the whole GPT; steps inside attention that
    #            are no module get a made-up last part: "split_heads", "weighted_sum", "merge_heads"
    role: str  # the name without "blocks.N.": "attn.c_attn"; "block" for a block itself, "gpt" for the model
    layer: int | None  # N for steps inside blocks.N, else None
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    n_params: int  # parameters of the module and everything inside it, each tensor once
    tied_to: str | None  # the module whose weight this one shares (a tied LM head: "tok_emb"), else None
    output_std: float  # spread of the output's numbers (population standard deviation)


@dataclass(frozen=True)
class ForwardTrace:
    steps: tuple[Step, ...]  # in the order the forward pass runs them, a parent before its children
    logits: torch.Tensor  # (B, T, vocab_size)
    loss: torch.Tensor | None  # cross-entropy against targets, None without targets


@dataclass(frozen=True)
class HeadWalkthrough:
    """One attention head on one sequence: every intermediate tensor of the model's written-out attention."""

    layer: int
    head: int
    tokens: torch.Tensor  # (T,) token ids
    x: torch.Tensor  # (T, d) what the attention layer reads: LayerNorm ln_1 of the block's input
    q: torch.Tensor  # (T, hs) this head's queries
    k: torch.Tensor  # (T, hs) keys
    v: torch.Tensor  # (T, hs) values
    scale: float  # 1 / sqrt(hs)
    scores: torch.Tensor  # (T, T) q @ k.T * scale: how well query i matches key j (hook_scores)
    mask: torch.Tensor  # (T, T) bool, True where query i may look at key j (j <= i)
    masked: torch.Tensor  # (T, T) the scores, -inf where the mask forbids (hook_masked_scores)
    weights: torch.Tensor  # (T, T) softmax of each row of `masked`: the attention weights (hook_pattern)
    out: torch.Tensor  # (T, hs) weights @ v: for each token, a weighted average of the values (hook_z)
    merged: torch.Tensor  # (T, d) every head's `out` side by side (this head in columns head*hs .. head*hs+hs-1)
    projected: torch.Tensor  # (T, d) c_proj(merged): what attention adds to the residual stream


@dataclass(frozen=True)
class MaskDemo:
    """Change the last token; how much does one head's output move at each position, with and without the mask?"""

    layer: int
    head: int
    position: int  # the position whose token was changed (the last one)
    old_token: int
    new_token: int
    change_with_mask: torch.Tensor  # (T,) largest |change| of the head's output vector at each position
    change_without_mask: torch.Tensor  # (T,) the same when every token may look at every other one


@dataclass(frozen=True)
class ScaleDemo:
    """Why scores are divided by sqrt(hs), measured on random unit-variance queries and keys."""

    head_size: int
    n_keys: int
    std_raw: float  # spread of q . k: grows like sqrt(hs)
    std_scaled: float  # spread of q . k / sqrt(hs): about 1 for any hs
    peak_raw: float  # average largest softmax weight over n_keys raw scores (near 1: one-hot, saturated)
    peak_scaled: float  # the same with scaled scores (spread over several keys)


@contextlib.contextmanager
def evaluating(model):
    """Run `model` in eval mode (no dropout: the function it computes, as a view shows it), and put back the mode
    it was in afterwards, whatever happens inside."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


@contextlib.contextmanager
def flash_off(model: GPT):
    """Run every attention module of `model` on its written-out path (`flash = False`), whose hook points see
    every tensor; put each module's own choice back afterwards. No weight is touched."""
    modules = [m for m in model.modules() if isinstance(m, CausalSelfAttention)]
    flash = [m.flash for m in modules]
    for module in modules:
        module.flash = False
    try:
        yield model
    finally:
        for module, choice in zip(modules, flash):
            module.flash = choice


def _role(name: str) -> tuple[str, int | None]:
    """"blocks.2.attn.c_attn" -> ("attn.c_attn", 2); "blocks.2" -> ("block", 2); "" -> ("gpt", None)."""
    if not name:
        return "gpt", None
    parts = name.split(".")
    if parts[0] == "blocks" and len(parts) > 1:
        return (".".join(parts[2:]) or "block"), int(parts[1])
    return name, None


class _Stop(Exception):
    """Raised by the hook on `until` once that module has returned: the rest of the pass is not needed."""


def _chooser(names, model: GPT, argument: str):
    """names_filter's convention (TransformerLens's): None = every name; a name; a list of names; or a function
    name -> bool. Listed names must exist: a typo would otherwise capture nothing, silently."""
    if names is None:
        return lambda name: True
    if callable(names):
        return names
    names = {names} if isinstance(names, str) else set(names)
    known = {name for name, _ in model.named_modules()}
    unknown = sorted(names - known)
    if unknown:
        raise GlassGPTError("capture_unknown_name", argument=argument, name=unknown[0],
                            example="blocks.0.attn.hook_pattern")
    return names.__contains__


def capture(model: GPT, idx: torch.Tensor, names=None, inputs=(), targets: torch.Tensor | None = None,
            kv_cache=None, until: str | None = None) -> Capture:
    """Run `model` once on idx (B, T), written out, keeping only what is asked for (no copy of anything kept):

    names:  whose output to keep (module paths, hook points included): None for every one, a name, a list of
            names, or a function name -> bool (TransformerLens's names_filter);
    inputs: whose first tensor input to keep, the same way; none by default (most inputs are another module's
            output anyway);
    until:  a module name: the pass stops as soon as that module has returned (logits and loss are then None),
            so a look at layer 2 costs the first three blocks, not the whole model and its LM head;
    targets, kv_cache: as for the model's forward (with a kv_cache, idx holds only the new tokens).
    """
    keep_output, keep_input = _chooser(names, model, "names"), _chooser(inputs, model, "inputs")
    if until is not None:
        _chooser([until], model, "until")  # the name must exist
        if kv_cache is not None:  # the layers after `until` would fall behind the others in the cache
            raise GlassGPTError("capture_until_cache", until=until)
    outputs, kept_inputs = {}, {}

    def before(name):
        def hook(module, args):
            kept_inputs.setdefault(name, args[0])  # a module called twice keeps its first call
        return hook

    def after(name):
        def hook(module, args, output):
            if keep_output(name):
                outputs.setdefault(name, output[0] if isinstance(output, tuple) else output)  # GPT: (logits, loss)
            if name == until:
                raise _Stop
        return hook

    handles = []
    for name, module in model.named_modules():
        if keep_input(name):
            handles.append(module.register_forward_pre_hook(before(name)))
        if name == until or keep_output(name):
            handles.append(module.register_forward_hook(after(name)))
    logits = loss = None
    try:
        with torch.no_grad(), flash_off(model):
            logits, loss = model(idx, targets, kv_cache=kv_cache)
    except _Stop:
        pass
    finally:
        for handle in handles:
            handle.remove()
    return Capture(outputs, kept_inputs, logits, loss)


def run_with_cache(model: GPT, idx: torch.Tensor, names_filter=None, kv_cache=None, until: str | None = None):
    """TransformerLens's call on glassgpt: one forward pass on idx (B, T) -> (logits (B, T, V), cache), `cache` a
    dict from name to the tensor that module or hook point returned, for the names `names_filter` chooses (None:
    every one; a name; a list; a function name -> bool). Only what is chosen is kept, as the model made it.
    `until`: stop after that module (logits then None); `kv_cache`: as for the model's forward."""
    seen = capture(model, idx, names_filter, kv_cache=kv_cache, until=until)
    return seen.logits, seen.outputs


def _std(tensor: torch.Tensor) -> float:
    return tensor.float().std(correction=0).item()


def trace_forward(model: GPT, idx: torch.Tensor, targets: torch.Tensor | None = None) -> ForwardTrace:
    """Every module of `model` with the shapes it really received and returned on `idx` (B, T), in the order
    the forward pass runs them; inside attention also the steps that no module performs (head split, scores,
    mask, softmax, weighted sum, merge), read from the hook points. Parameter counts and tying come from `model`."""
    seen = capture(model, idx, inputs=lambda name: True, targets=targets)  # every module's input and output
    inputs, outputs = seen.inputs, seen.outputs
    owner = {}  # id(parameter) -> the first module that holds it directly
    for name, module in model.named_modules():
        for p in module.parameters(recurse=False):
            owner.setdefault(id(p), name)

    def step(name, role, layer, given, made, module=None):
        shared = [] if module is None else [owner[id(p)] for p in module.parameters(recurse=False)
                                            if owner[id(p)] != name]
        n_params = 0 if module is None else sum(p.numel() for p in module.parameters())
        return Step(name, role, layer, tuple(given.shape), tuple(made.shape), n_params,
                    shared[0] if shared else None, _std(made))

    steps = []
    for name in inputs:  # the order the pass entered the modules: a parent before its children
        attn_name, _, last = name.rpartition(".")
        role, layer = _role(name)
        if last.startswith("hook_"):
            if last in HOOK_STEPS:  # hook_k and hook_v are shown with hook_q: "3 x" in split_heads
                inner, source = HOOK_STEPS[last]
                steps.append(step(f"{attn_name}.{inner}", f"attn.{inner}", layer, outputs[f"{attn_name}.{source}"],
                                  outputs[name]))
            if last == "hook_z":  # (B, nh, T, hs) -> (B, T, d): what c_proj receives
                steps.append(step(f"{attn_name}.merge_heads", "attn.merge_heads", layer, outputs[name],
                                  inputs[f"{attn_name}.c_proj"]))
        else:
            steps.append(step(name, role, layer, inputs[name], outputs[name], model.get_submodule(name)))
    return ForwardTrace(tuple(steps), seen.logits, seen.loss)


def _layered(model: GPT, idx: torch.Tensor, taps, layers, kv_cache=None, until: str | None = None):
    """One pass that copies each chosen layer's `hook_<tap>` output into one tensor per tap, allocated at the
    first layer: (len(layers), B, nh, T, ...). The copy is all there is; nothing is stacked afterwards, and the
    model's own tensor goes on through the pass untouched (and is freed when the layer is done with it)."""
    kept = dict.fromkeys(taps)

    def keep(tap, slot):
        def hook(module, args, output):
            if kept[tap] is None:
                kept[tap] = output.new_empty((len(layers), *output.shape))
            kept[tap][slot].copy_(output)
        return hook

    handles = [getattr(model.blocks[layer].attn, f"hook_{tap}").register_forward_hook(keep(tap, slot))
               for slot, layer in enumerate(layers) for tap in taps]
    try:
        seen = capture(model, idx, names=(), kv_cache=kv_cache, until=until)
    finally:
        for handle in handles:
            handle.remove()
    return seen.logits, kept


def _layers(model: GPT, layers) -> list[int]:
    n_layer = len(model.blocks)
    layers = list(range(n_layer)) if layers is None else [layers] if isinstance(layers, int) else list(layers)
    if not layers or any(isinstance(n, bool) or not isinstance(n, int) or not 0 <= n < n_layer for n in layers):
        raise GlassGPTError("capture_layers", layers=repr(layers), last=n_layer - 1)
    return layers


def attention_taps(model: GPT, idx: torch.Tensor, taps=("pattern",), kv_cache=None):
    """One forward pass on idx (B, T), written out -> (logits (B, T, V), {tap: (n_layer, B, nh, T, ...)}): what
    every layer's hook points `hook_<tap>` saw, for the taps named (q, k, v, scores, masked_scores, pattern, z),
    each tap's layers side by side in one tensor (filled as the pass goes: no stacked copy).
    With a `kv_cache`, idx holds only the new tokens, and keys, scores and patterns span the cache too (T_k)."""
    return _layered(model, idx, taps, _layers(model, None), kv_cache)


def attention_weights(model: GPT, idx: torch.Tensor, layers=None) -> torch.Tensor:
    """The attention weights on idx (B, T) of every layer, or of the `layers` listed (a layer number or a list):
    (n_layers, B, nh, T, T); each row sums to 1 and entries above the diagonal (later tokens) are exactly 0.
    The pass stops after the last layer asked for: no LM head, no logits."""
    layers = _layers(model, layers)
    return _layered(model, idx, ("pattern",), layers, until=f"blocks.{max(layers)}.attn.hook_pattern")[1]["pattern"]


def walk_through_head(model: GPT, idx: torch.Tensor, layer: int, head: int) -> HeadWalkthrough:
    """Attention of one head of one layer on the first sequence of idx (B, T), step by step: the model's own
    tensors, read from the hook points of its written-out path."""
    attn = f"blocks.{layer}.attn"
    hooks = ("hook_q", "hook_k", "hook_v", "hook_scores", "hook_masked_scores", "hook_pattern", "hook_z")
    names = [f"{attn}.c_proj"] + [f"{attn}.{hook}" for hook in hooks]
    kept = capture(model, idx, names, inputs=[attn, f"{attn}.c_proj"], until=attn)  # nothing after this layer
    inputs, outputs = kept.inputs, kept.outputs
    seen = {hook: outputs[f"{attn}.{hook}"][0, head] for hook in hooks}  # this head of the first sequence
    T, hs = seen["hook_q"].shape
    return HeadWalkthrough(
        layer=layer, head=head, tokens=idx[0], x=inputs[attn][0], q=seen["hook_q"], k=seen["hook_k"],
        v=seen["hook_v"], scale=model.config.attention_scale, scores=seen["hook_scores"],
        mask=causal_mask(T, T, idx.device),
        masked=seen["hook_masked_scores"], weights=seen["hook_pattern"], out=seen["hook_z"],
        merged=inputs[f"{attn}.c_proj"][0], projected=outputs[f"{attn}.c_proj"][0],
    )


def mask_demo(model: GPT, idx: torch.Tensor, layer: int, head: int) -> MaskDemo:
    """Change the last token of the first sequence of idx (B, T) to the next id, then compare one head's output
    at every position before and after: computed with the causal mask, and again without it."""
    tokens = idx[:1]
    changed = tokens.clone()
    position = tokens.size(1) - 1
    changed[0, position] = (tokens[0, position] + 1) % model.config.vocab_size
    attn = f"blocks.{layer}.attn"
    names = [f"{attn}.hook_q", f"{attn}.hook_k", f"{attn}.hook_v"]
    runs = [capture(model, sequence, names, until=names[-1]).outputs for sequence in (tokens, changed)]

    def head_output(seen, use_mask):
        q, k, v = (seen[f"{attn}.{hook}"][:, head:head + 1] for hook in ("hook_q", "hook_k", "hook_v"))
        mask = causal_mask(q.size(2), k.size(2), q.device) if use_mask else None  # (T, T) or every key
        return attention(q, k, v, mask, scale=model.config.attention_scale)[0, 0]  # (T, hs)

    def change(use_mask):
        before, after = (head_output(seen, use_mask) for seen in runs)
        return (after - before).abs().amax(dim=-1)  # (T,)

    return MaskDemo(layer, head, position, int(tokens[0, position]), int(changed[0, position]),
                    change(True), change(False))


def scale_demo(head_size: int, n_keys: int, samples: int = 20000, seed: int = 0) -> ScaleDemo:
    """Draw queries and keys with unit-variance entries and measure the spread of their dot products, and how
    peaked a softmax over `n_keys` of them is, before and after dividing by sqrt(head_size) (Vaswani et al.
    2017, section 3.2.1: q . k has variance head_size)."""
    generator = torch.Generator().manual_seed(seed)
    q = torch.randn(samples, n_keys, head_size, generator=generator)
    k = torch.randn(samples, n_keys, head_size, generator=generator)
    raw = (q * k).sum(-1)  # (samples, n_keys)
    scaled = raw * attention_scale(head_size)
    return ScaleDemo(
        head_size, n_keys, _std(raw), _std(scaled),
        torch.softmax(raw, -1).amax(-1).mean().item(), torch.softmax(scaled, -1).amax(-1).mean().item(),
    )
