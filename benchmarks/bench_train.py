"""Training-step speed: glassgpt beside Hugging Face transformers GPT-2, and beside this machine's matmul peak.

A training step here is what a training loop does between two optimizer steps: set the gradients to None,
forward, cross-entropy loss, backward. The optimizer step (AdamW) is timed on its own. Both models get the same
shapes, the same batch and the same loss (F.cross_entropy on the logits), dropout 0, fp32 weights; "bf16" runs the
step under torch.autocast. Runs take turns round after round (interleaved) and each reports its median.

FLOPs are counted, not derived: torch.utils.flop_counter.FlopCounterMode on one step. It has no formula for the
CPU flash-attention kernel, so that kernel is given torch's own SDPA formulas (which, like every SDPA count in
torch, count the full T x T score matrix although a causal kernel skips about half of it).
The peak is torch.mm on large square matrices, best of several, measured in the same run.

    python benchmarks/bench_train.py                          # everything (about 10 minutes on 2 CPU cores)
    python benchmarks/bench_train.py --shapes char --rounds 3 --no-compile   # a quick check
    python benchmarks/bench_train.py --shapes char --profile  # where glassgpt's step spends its time, by op
"""

import argparse
import collections
import time

import torch
import torch.nn.functional as F
import torch.utils.flop_counter as flop_counter
from torch.profiler import ProfilerActivity, profile

from common import describe_machine, interleaved_medians, markdown_table, matmul_peak  # benchmarks/common.py
from glassgpt import GPT, GPTConfig

# name: (label, preset, batch size, sequence length)
SHAPES = {
    "char": ("char preset", "char", 8, 256),
    "gpt2": ("GPT-2 small", "gpt2", 4, 128),
}


# The CPU flash-attention kernels are missing from FlopCounterMode's table; give them torch's own SDPA formulas.
def cpu_attention_flops(query_shape, key_shape, value_shape, *args, **kwargs) -> int:
    return flop_counter.sdpa_flop_count(query_shape, key_shape, value_shape)


def cpu_attention_backward_flops(grad_out_shape, query_shape, key_shape, value_shape, *args, **kwargs) -> int:
    return flop_counter.sdpa_backward_flop_count(grad_out_shape, query_shape, key_shape, value_shape)


CPU_ATTENTION_FLOPS = {
    torch.ops.aten._scaled_dot_product_flash_attention_for_cpu: cpu_attention_flops,
    torch.ops.aten._scaled_dot_product_flash_attention_for_cpu_backward: cpu_attention_backward_flops,
}


def peer_model(config: GPTConfig):
    """transformers' GPT2LMHeadModel with the same shapes, its SDPA attention and no dropout, in training mode."""
    from transformers import GPT2Config, GPT2LMHeadModel

    peer_config = GPT2Config(
        vocab_size=config.vocab_size, n_positions=config.block_size, n_embd=config.n_embd,
        n_layer=config.n_layer, n_head=config.n_head, layer_norm_epsilon=config.layer_norm_eps,
        activation_function="gelu_new" if config.gelu_approximate == "tanh" else "gelu",
        tie_word_embeddings=config.tie_weights, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
        bos_token_id=None, eos_token_id=None, attn_implementation="sdpa",
        use_cache=False,  # a training step stores no KV cache
    )
    return GPT2LMHeadModel(peer_config).train()


def training_step(model, loss_of, autocast_dtype):
    """A function doing one step: gradients to None, forward and loss (under autocast if asked), backward."""
    device_type = next(model.parameters()).device.type

    def step():
        model.zero_grad(set_to_none=True)
        with torch.autocast(device_type, dtype=autocast_dtype or torch.float32, enabled=autocast_dtype is not None):
            loss = loss_of(model)
        loss.backward()

    return step


def flops_of(step) -> int:
    """FLOPs of one call of `step`, counted by PyTorch's FlopCounterMode."""
    with flop_counter.FlopCounterMode(display=False, custom_mapping=CPU_ATTENTION_FLOPS) as counter:
        step()
    return counter.get_total_flops()


def bench_shape(shape: str, args, device: torch.device, peaks: dict) -> tuple[str, str]:
    """Time every run for one shape; returns (the markdown table, a line about the optimizer step)."""
    label, preset, batch, length = SHAPES[shape]
    config = GPTConfig.from_preset(preset, dropout=0.0)
    torch.manual_seed(0)
    ours = GPT(config).to(device).train()
    peer = peer_model(config).to(device)
    idx = torch.randint(0, config.vocab_size, (batch, length), device=device)
    targets = torch.randint(0, config.vocab_size, (batch, length), device=device)

    def our_loss(model):
        return model(idx, targets)[1]

    def peer_loss(model):
        logits = model(input_ids=idx).logits  # (B, T, V)
        return F.cross_entropy(logits.flatten(0, 1), targets.flatten())

    flops = flops_of(training_step(ours, our_loss, None))
    peer_flops = flops_of(training_step(peer, peer_loss, None))
    if abs(peer_flops - flops) > 0.01 * flops:
        print(f"warning: {label}: transformers counts {peer_flops / 1e9:.1f} GFLOP, glassgpt {flops / 1e9:.1f}")

    # (run name, model, loss, autocast dtype, compiled)
    plan = [("glassgpt fp32", ours, our_loss, None, False),
            ("transformers fp32", peer, peer_loss, None, False)]
    if args.bf16:
        plan += [("glassgpt bf16", ours, our_loss, torch.bfloat16, False),
                 ("transformers bf16", peer, peer_loss, torch.bfloat16, False)]
    if args.compile:
        compiled = torch.compile(ours, fullgraph=True, dynamic=False)  # each shape gets its own graph
        plan += [("glassgpt fp32 compiled", compiled, our_loss, None, True)]
        if args.bf16:
            plan += [("glassgpt bf16 compiled", compiled, our_loss, torch.bfloat16, True)]

    runs, compile_seconds = {}, {}
    for name, model, loss_of, dtype, is_compiled in plan:
        runs[name] = training_step(model, loss_of, dtype)
        start = time.perf_counter()
        for _ in range(args.warmup):
            runs[name]()
        if is_compiled:
            compile_seconds[name] = time.perf_counter() - start
    # AdamW on glassgpt's gradients; lr 0 leaves the weights, and so every later round, unchanged
    optimizer = torch.optim.AdamW(ours.parameters(), lr=0.0)
    runs["glassgpt fp32"]()  # gradients for the optimizer to read
    optimizer.step()  # the first step allocates AdamW's state
    runs["AdamW step"] = optimizer.step

    def measure_peaks():
        for dtype in peaks:
            peaks[dtype] = max(peaks[dtype], matmul_peak(dtype, device, repeats=1))

    seconds = interleaved_medians(runs, args.rounds, device, between_rounds=measure_peaks)

    rows = []
    for name, model, loss_of, dtype, is_compiled in plan:
        same_dtype_peer = f"transformers {'bf16' if dtype else 'fp32'}"
        versus_peer = f"{seconds[same_dtype_peer] / seconds[name]:.2f}x" if name.startswith("glassgpt") \
            and same_dtype_peer in seconds else "-"
        peak = peaks[dtype or torch.float32]
        rows.append([
            f"{label}, {name}" + (f" (compile {compile_seconds[name]:.0f} s)" if is_compiled else ""),
            f"{seconds[name] * 1e3:.0f}", f"{batch * length / seconds[name]:,.0f}", versus_peer,
            f"{seconds['glassgpt fp32'] / seconds[name]:.2f}x",
            f"{flops / seconds[name] / 1e9:.0f}", f"{100 * flops / seconds[name] / peak:.0f}%",
        ])
    table = markdown_table(
        [f"batch {batch} x {length}, {flops / 1e9:.1f} GFLOP/step", "ms/step", "tokens/s", "vs transformers",
         "vs glassgpt fp32", "GFLOP/s", "% of mm peak"],
        rows,
    )
    adamw = seconds["AdamW step"]
    optimizer_line = (f"{label}: AdamW step {adamw * 1e3:.0f} ms, {100 * adamw / seconds['glassgpt fp32']:.0f}% "
                      "on top of glassgpt's fp32 forward + backward.")
    return table, optimizer_line


# aten ops grouped by kind, to show what a step spends its time on (everything not listed is "other")
PROFILE_GROUPS = {
    "matmul (mm, addmm)": ("aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm"),
    "attention (fused SDPA)": ("aten::_scaled_dot_product_flash_attention_for_cpu",
                               "aten::_scaled_dot_product_flash_attention_for_cpu_backward"),
    "GELU": ("aten::gelu", "aten::gelu_backward"),
    "LayerNorm": ("aten::native_layer_norm", "aten::native_layer_norm_backward"),
    "copies and casts (copy_)": ("aten::copy_",),
    "bias gradients, loss (sum)": ("aten::sum",),
}


def profile_shape(shape: str, dtype, args, device: torch.device, peak: float) -> str:
    """Where glassgpt's eager step spends its time: self time and FLOPs per op group (torch.profiler and
    FlopCounterMode), so that the matmuls' own speed shows apart from the ops that do no matmul work."""
    label, preset, batch, length = SHAPES[shape]
    torch.manual_seed(0)
    model = GPT(GPTConfig.from_preset(preset, dropout=0.0)).to(device).train()
    idx = torch.randint(0, model.config.vocab_size, (batch, length), device=device)
    targets = torch.randint(0, model.config.vocab_size, (batch, length), device=device)
    step = training_step(model, lambda m: m(idx, targets)[1], dtype)
    for _ in range(args.warmup):
        step()
    group_of = {op: group for group, ops in PROFILE_GROUPS.items() for op in ops}
    flops = collections.Counter()
    with flop_counter.FlopCounterMode(display=False, custom_mapping=CPU_ATTENTION_FLOPS) as counter:
        step()
    for op, count in counter.get_flop_counts()["Global"].items():
        flops[group_of.get(f"aten::{op.__name__}", "other")] += count
    with profile(activities=[ProfilerActivity.CPU]) as profiler:
        for _ in range(args.rounds):
            step()
    seconds = collections.Counter()
    for event in profiler.key_averages():
        seconds[group_of.get(event.key, "other")] += event.self_cpu_time_total / 1e6 / args.rounds
    total = sum(seconds.values())
    rows = [[group, f"{s * 1e3:.1f}", f"{100 * s / total:.0f}%",
             f"{flops[group] / s / 1e9:.0f}" if flops[group] else "-",
             f"{100 * flops[group] / s / peak:.0f}%" if flops[group] else "-"]
            for group, s in seconds.most_common()]
    rows.append(["whole step (profiled)", f"{total * 1e3:.1f}", "100%", f"{flops.total() / total / 1e9:.0f}",
                 f"{100 * flops.total() / total / peak:.0f}%"])
    precision = "bf16 autocast" if dtype else "fp32"
    return markdown_table([f"{label}, glassgpt {precision}, eager", "ms/step", "share of time", "GFLOP/s",
                           "% of mm peak"], rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shapes", nargs="+", choices=list(SHAPES), default=list(SHAPES))
    parser.add_argument("--rounds", type=int, default=10, help="interleaved rounds; each run reports its median")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps per run first (compiles, too)")
    parser.add_argument("--no-bf16", dest="bf16", action="store_false", help="skip the bf16 autocast runs")
    parser.add_argument("--no-compile", dest="compile", action="store_false", help="skip the torch.compile runs")
    parser.add_argument("--profile", action="store_true", help="profile glassgpt's eager steps instead of timing")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    args = parser.parse_args()
    device = torch.device(args.device)

    print(f"Machine: {describe_machine(device)}\n")
    peaks = {torch.float32: matmul_peak(torch.float32, device)}
    if args.bf16:
        peaks[torch.bfloat16] = matmul_peak(torch.bfloat16, device)
    if args.profile:
        for shape in args.shapes:
            for dtype in peaks:
                print(profile_shape(shape, None if dtype == torch.float32 else dtype, args, device, peaks[dtype]))
                print()
        return
    results = [bench_shape(shape, args, device, peaks) for shape in args.shapes]
    print("\n\n".join(table for table, _ in results) + "\n")
    for _, optimizer_line in results:
        print(optimizer_line)
    print(f"\nmm peak (square n = 1024, 2048, 4096; best of the run): {peaks[torch.float32] / 1e9:.0f} GFLOP/s fp32"
          + (f", {peaks[torch.bfloat16] / 1e9:.0f} GFLOP/s bf16 "
             f"({peaks[torch.bfloat16] / peaks[torch.float32]:.1f}x)" if args.bf16 else ""))


if __name__ == "__main__":
    main()
