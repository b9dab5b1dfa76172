"""Exact parameter, FLOP and memory accounting for a GPTConfig, computed from the config alone (no model built).

Symbols, the config's own numbers: V = vocab_size, T_max = block_size, L = n_layer, d = n_embd, T = the sequence
length a FLOP count is for. n_head appears nowhere: the heads split d between them, so their number changes no
parameter count and no FLOP count.

Conventions, stated once because projects in this field keep mixing them up:
- Parameters are counted once each. A tied LM head *is* the token embedding (one tensor), so it adds 0.
- Non-embedding parameters follow Kaplan et al. 2020 (arXiv:2001.08361, section 2.1): all parameters minus the
  token embedding and the position embedding. An untied LM head is a Linear layer, not a lookup table, so it
  stays in.
- One multiply-add is 2 FLOPs, the convention of Kaplan et al. and of `torch.utils.flop_counter`.
- FLOPs are per token, for one sequence of T tokens processed in one forward pass (the training case). Only
  matrix multiplications are counted; softmax, GELU, LayerNorm, bias and residual additions and embedding
  lookups are left out (under 1% for GPT-2 small, though more for toy widths; FlopCounterMode skips them too).

How the exact count meets `torch.utils.flop_counter.FlopCounterMode` (torch 2.13, checked in
tests/test_accounting.py): with the manual attention path the two agree exactly, forward and training step. A
dense kernel computes all T*T attention scores even though the causal mask keeps only T(T+1)/2 of them, and
FlopCounterMode counts what the kernel computes: the whole T*T (its source says so, for the fused CUDA kernels
too). On the CPU, PyTorch's fused SDPA kernel (`_scaled_dot_product_flash_attention_for_cpu`) has no FLOP
formula registered, so FlopCounterMode counts 0 for attention there: the SDPA path on CPU reports only the
weight and LM-head matmuls.
"""

from dataclasses import dataclass

from .config import GPTConfig
from .errors import GlassGPTError


@dataclass(frozen=True)
class Row:
    """One line of an account: a stable name, its formula in the config's symbols, and its value.

    `name` is the parameter's (or module's) name in the model for parameter rows, e.g. `tok_emb` or
    `attn.c_attn.weight`; for FLOP and memory rows it names the quantity. `value` counts parameters, FLOPs or
    bytes, whichever the account is about.
    """

    name: str
    formula: str
    value: int


@dataclass(frozen=True)
class ParameterCount:
    rows: tuple[Row, ...]  # tok_emb, pos_emb, blocks, ln_f, lm_head: these add up to `total`
    block_rows: tuple[Row, ...]  # one transformer block, by parameter: these add up to `block`
    block: int  # parameters of one block
    block_formula: str
    total: int  # every parameter, counted once
    total_formula: str
    non_embedding: int  # total - tok_emb - pos_emb (Kaplan et al. 2020's N)
    estimate: int  # the course's 12 * L * d^2
    estimate_error: float  # estimate / total - 1
    estimate_error_non_embedding: float  # estimate / non_embedding - 1
    estimate_leaves_out: tuple[Row, ...]  # what 12 * L * d^2 does not count; estimate + these = total


@dataclass(frozen=True)
class FlopCount:
    seq_len: int  # T: the tokens of the one sequence these per-token figures are for
    rows: tuple[Row, ...]  # block weight matmuls, attention, LM head: these add up to `forward`
    forward: int  # matmul FLOPs per token of a forward pass, exact (equals FlopCounterMode, manual attention)
    training: int  # per token of a training step: forward + backward = 3 * forward
    attention_causal: int  # the part of the attention row the causal mask keeps: 2 * L * (T + 1) * d
    kaplan_forward: int  # Kaplan et al. 2020, table 1: C_forward = 2N + 2 * L * T * d, N non-embedding
    kaplan_forward_error: float  # kaplan_forward / forward - 1
    six_n: int  # the 6N rule for a training step, N non-embedding
    six_n_error: float  # six_n / training - 1


@dataclass(frozen=True)
class MemoryFootprint:
    """Bytes. P is the total parameter count; activations are not included (they depend on batch and T)."""

    rows: tuple[Row, ...]


def count_parameters(config: GPTConfig) -> ParameterCount:
    """Every parameter of `GPT(config)`, by where it lives, without building the model.

    The block rows are one TransformerBlock, in the order of model.py: ln_1, attention (c_attn: queries, keys
    and values at once; c_proj: merges the heads), ln_2, MLP (c_fc: d -> 4d; c_proj: 4d -> d). Without biases
    (`bias=False`) the bias rows are absent and each LayerNorm keeps only its gain.
    """
    _check_config(config)
    V, T_max, L, d = config.vocab_size, config.block_size, config.n_layer, config.n_embd
    ln_formula, ln_count = ("2d", 2 * d) if config.bias else ("d", d)  # a LayerNorm's gain (and shift)
    block_rows = [
        Row("ln_1", ln_formula, ln_count),
        Row("attn.c_attn.weight", "3d*d", 3 * d * d),
        Row("attn.c_attn.bias", "3d", 3 * d),
        Row("attn.c_proj.weight", "d*d", d * d),
        Row("attn.c_proj.bias", "d", d),
        Row("ln_2", ln_formula, ln_count),
        Row("mlp.c_fc.weight", "4d*d", 4 * d * d),
        Row("mlp.c_fc.bias", "4d", 4 * d),
        Row("mlp.c_proj.weight", "d*4d", 4 * d * d),
        Row("mlp.c_proj.bias", "d", d),
    ]
    if not config.bias:
        block_rows = [row for row in block_rows if not row.name.endswith(".bias")]
    block = sum(row.value for row in block_rows)
    # 12d^2 from the four weight matrices; the rest is 9d of biases + 4d of LayerNorms, or 2d of LayerNorm gains
    small_formula = "13d" if config.bias else "2d"
    block_formula = f"12d^2 + {small_formula}"
    rows = (
        Row("tok_emb", "V*d", V * d),
        Row("pos_emb", "T_max*d", T_max * d),
        Row("blocks", f"L*({block_formula})", L * block),
        Row("ln_f", ln_formula, ln_count),
        # tied: lm_head.weight is tok_emb.weight itself, already counted in the tok_emb row
        Row("lm_head", "V*d" if not config.tie_weights else "0", 0 if config.tie_weights else V * d),
    )
    total = sum(row.value for row in rows)
    total_formula = " + ".join(row.formula for row in rows if row.value)
    non_embedding = total - V * d - T_max * d
    estimate = 12 * L * d * d
    leaves_out = [
        Row("embeddings", "V*d + T_max*d", V * d + T_max * d),
        Row("biases_and_layer_norms", f"L*{small_formula} + {ln_formula}", L * (block - 12 * d * d) + ln_count),
    ]
    if not config.tie_weights:
        leaves_out.append(Row("lm_head", "V*d", V * d))
    return ParameterCount(
        rows=rows, block_rows=tuple(block_rows), block=block, block_formula=block_formula, total=total,
        total_formula=total_formula, non_embedding=non_embedding, estimate=estimate,
        estimate_error=estimate / total - 1, estimate_error_non_embedding=estimate / non_embedding - 1,
        estimate_leaves_out=tuple(leaves_out),
    )


def count_flops(config: GPTConfig, seq_len: int | None = None) -> FlopCount:
    """Matmul FLOPs per token of a forward pass and of a training step, for one sequence of `seq_len` tokens
    (default: the full context, block_size), beside the two published approximations.

    Per token, per layer: c_attn 2*3d*d, c_proj 2*d*d, c_fc 2*4d*d, MLP c_proj 2*d*4d, together 2*12d^2; the
    attention scores q @ k^T and the weighted sum att @ v, 2*T*d each, over all T keys as a dense kernel
    computes them. Once per token, the LM head: 2*d*V. The backward pass of every matmul computes two
    products of the same size (the gradient for its input and for its weight, or for both attention operands),
    so a training step is exactly 3 x forward.

    Sources:
    - Kaplan et al. 2020, "Scaling Laws for Neural Language Models" (arXiv:2001.08361), table 1:
      C_forward = 2N + 2 * n_layer * n_ctx * d_attn, N the non-embedding parameters. Its attention term is half
      of the dense one: what a causal mask keeps, on average. It lists the LM head ("de-embed", 2 * d * V) but
      leaves it out of the total (an untied head comes back in through N), and N brings in biases and
      LayerNorms that do no matmul.
    - The 6N rule (same paper, section 2.1: C = 6NBS): forward 2N + backward 4N. It drops the attention term
      (small "for contexts and models with d_model > n_ctx / 12") and, N being non-embedding, a tied LM head.
    """
    _check_config(config)
    T = config.block_size if seq_len is None else seq_len
    if isinstance(T, bool) or not isinstance(T, int):
        raise TypeError(f"seq_len must be an int, got {type(T).__name__}")
    if not 1 <= T <= config.block_size:
        raise GlassGPTError(
            "seq_len_range",
            seq_len=T, block_size=config.block_size,
        )
    V, L, d = config.vocab_size, config.n_layer, config.n_embd
    rows = (
        Row("block_weights", "2*L*12d^2", 2 * L * 12 * d * d),
        Row("attention", "4*L*T*d", 4 * L * T * d),
        Row("lm_head", "2*d*V", 2 * d * V),
    )
    forward = sum(row.value for row in rows)
    training = 3 * forward
    N = count_parameters(config).non_embedding
    kaplan_forward = 2 * N + 2 * L * T * d
    return FlopCount(
        seq_len=T, rows=rows, forward=forward, training=training, attention_causal=2 * L * (T + 1) * d,
        kaplan_forward=kaplan_forward, kaplan_forward_error=kaplan_forward / forward - 1,
        six_n=6 * N, six_n_error=6 * N / training - 1,
    )


def memory_footprint(config: GPTConfig) -> MemoryFootprint:
    """Bytes for the weights, for training with AdamW, and for the KV cache of generation.

    Training state, all fp32: weights 4P + gradients 4P + AdamW's two moments (exp_avg, exp_avg_sq) 8P = 16P
    (AdamW also keeps one step counter per tensor: a few bytes, not counted). The KV cache keeps a key and a
    value (2) of d numbers in every layer (L) for every token; a full context is T_max tokens of one sequence.
    """
    P = count_parameters(config).total
    L, d, T_max = config.n_layer, config.n_embd, config.block_size
    return MemoryFootprint(rows=(
        Row("weights_fp32", "4P", 4 * P),
        Row("weights_bf16", "2P", 2 * P),
        Row("training_fp32", "16P", 16 * P),
        Row("kv_cache_per_token_fp32", "2*L*d*4", 2 * L * d * 4),
        Row("kv_cache_per_token_bf16", "2*L*d*2", 2 * L * d * 2),
        Row("kv_cache_full_context_fp32", "2*L*d*T_max*4", 2 * L * d * T_max * 4),
        Row("kv_cache_full_context_bf16", "2*L*d*T_max*2", 2 * L * d * T_max * 2),
    ))


def _check_config(config) -> None:
    if not isinstance(config, GPTConfig):
        raise TypeError(f"expected a GPTConfig, got {type(config).__name__}; build one with GPTConfig(...)")


# --- memory before allocation: refuse a size that cannot fit, before anything is allocated -------------------------

def available_memory(device="cpu") -> int | None:
    """Bytes `device` can still hand out, or None where that cannot be known (then nothing is refused).

    CPU: MemAvailable of /proc/meminfo (what the kernel can give without swapping), lowered to the room left
    under a cgroup v2 memory limit (a container's); elsewhere psutil's figure when psutil is installed. CUDA: the
    free bytes of `torch.cuda.mem_get_info`.
    """
    import torch

    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.mem_get_info(device)[0] if torch.cuda.is_available() else None
    if device.type != "cpu":
        return None  # MPS and others say nothing reliable about free memory
    available = _meminfo_available()
    limit = _cgroup_room()
    if available is None or limit is None:
        return available if limit is None else limit
    return min(available, limit)


def require_memory(nbytes: int, what: str, device="cpu") -> None:
    """Raise GlassGPTError naming the size and the available memory when `nbytes` do not fit on `device`.

    Call it before allocating. `what` names the thing in words that read the same in every language: shapes and
    numbers, e.g. "GPT n_layer=100000 n_embd=768, float32 weights".
    """
    available = available_memory(device)
    if available is not None and nbytes > available:
        raise GlassGPTError("not_enough_memory", what=what, size=format_bytes(nbytes),
                            available=format_bytes(available), device=str(device))


def weight_bytes(config: GPTConfig, dtype) -> int:
    """Bytes of the weights of `GPT(config)` in `dtype` (a torch.dtype): every parameter once, the tied head once."""
    return count_parameters(config).total * dtype.itemsize


def check_fits(config: GPTConfig, dtype=None, device="cpu") -> None:
    """Refuse (GlassGPTError) to build `GPT(config)` in `dtype` (default float32) on `device` when its weights alone
    would not fit in the memory available there. GPT(config) is made in float32 on the CPU first, so a model
    meant for another device or dtype needs `check_fits(config)` and then `check_fits(config, dtype, device)`."""
    import torch

    dtype = torch.float32 if dtype is None else dtype
    what = (f"GPT vocab_size={config.vocab_size} block_size={config.block_size} n_layer={config.n_layer} "
            f"n_embd={config.n_embd}, {str(dtype).removeprefix('torch.')} weights")
    require_memory(weight_bytes(config, dtype), what, device)


def format_bytes(n: int) -> str:
    """1536 -> '1.5 KiB': binary units, up to PiB."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024:
            return f"{n:.1f} {unit}" if unit != "B" else f"{n} B"
        n /= 1024
    return f"{n:.1f} PiB"


def _meminfo_available() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024  # the file says kB and means KiB
    except (OSError, ValueError):
        pass
    try:
        import psutil
    except ImportError:
        return None
    return psutil.virtual_memory().available


def _cgroup_room() -> int | None:
    """memory.max - memory.current of this process's cgroup (v2), or None without such a limit."""
    try:
        with open("/proc/self/cgroup", encoding="ascii") as f:
            path = next(line.split(":", 2)[2].strip() for line in f if line.startswith("0::"))
        folder = f"/sys/fs/cgroup{path}"
        with open(f"{folder}/memory.max", encoding="ascii") as f:
            limit = f.read().strip()
        with open(f"{folder}/memory.current", encoding="ascii") as f:
            current = int(f.read())
    except (OSError, ValueError, StopIteration, IndexError):
        return None
    return None if limit == "max" else max(int(limit) - current, 0)
