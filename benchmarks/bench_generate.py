"""Generation speed: glassgpt's KV-cache decoding beside Hugging Face transformers' GPT2LMHeadModel.generate.

Batch 1, a 16-token prompt, 200 new tokens, greedy. Both models hold the same random weights (transformers makes
them, save_pretrained writes them, GPT.from_pretrained reads them), fp32 unless a row says bf16. A run is one whole
generation, prefill included; the runs take turns round after round and each reports its median (common.py).

The floor: at batch 1 a new token reads every weight once, a matrix-vector product per Linear. "weights only" times
exactly those products (F.linear on a one-token input, nothing else) in the same run: no decoder can be faster
than it without reading fewer bytes. Each row also gives CPU time: with one thread on a shared machine, it leaves
out the moments the process waited for a core that a neighbour held.

    python benchmarks/bench_generate.py --threads 1 --rounds 3      # char and GPT-2 small, bf16 too (~12 minutes)
    python benchmarks/bench_generate.py --shapes char --rounds 3    # a quick check
    python benchmarks/bench_generate.py --shapes char --profile [--no-compile]   # where a decode step's time goes

Before and after a change, in the same run: `--before DIR` adds the rows of an older glassgpt, a copy of its
package folder made with `git archive REV src/glassgpt | tar -x -C /tmp/old` (DIR = /tmp/old/src/glassgpt):

    python benchmarks/bench_generate.py --shapes char --no-compile --before /tmp/old/src/glassgpt
"""

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.profiler import ProfilerActivity, profile

from common import describe_machine, interleaved_medians, markdown_table  # benchmarks/common.py
from glassgpt import GPT, GPTConfig
from glassgpt.generation import KVCache, compiled_decode_step, decode_step

# name: (label, preset, new tokens of the one uncached run)
SHAPES = {"char": ("char preset", "char", 200), "gpt2": ("GPT-2 small", "gpt2", 50)}
PROMPT, NEW = 16, 200


def older_glassgpt(folder: str):
    """An older glassgpt package (a copy of its src/glassgpt folder), imported as `glassgpt_before`."""
    folder = Path(folder).resolve()
    spec = importlib.util.spec_from_file_location("glassgpt_before", folder / "__init__.py",
                                                  submodule_search_locations=[str(folder)])
    package = importlib.util.module_from_spec(spec)
    sys.modules["glassgpt_before"] = package
    spec.loader.exec_module(package)
    return package


def peer_and_ours(preset: str, dtype: torch.dtype, before=None):
    """transformers' GPT-2 with its own random initialisation, and glassgpt reading the very same weights (and an
    older glassgpt too, when `before` is one)."""
    from transformers import GPT2Config, GPT2LMHeadModel

    config = GPTConfig.from_preset(preset)
    torch.manual_seed(0)
    peer = GPT2LMHeadModel(GPT2Config(
        vocab_size=config.vocab_size, n_positions=config.block_size, n_embd=config.n_embd, n_layer=config.n_layer,
        n_head=config.n_head, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
    )).eval()
    with tempfile.TemporaryDirectory() as folder:
        peer.save_pretrained(folder)
        ours = GPT.from_pretrained(folder)
        older = None if before is None else before.GPT.from_pretrained(folder).to(dtype)
    return peer.to(dtype), ours.to(dtype), older


def weights_only(model: GPT):
    """Every Linear of the model applied to one token: the matrix-vector products a decode step cannot avoid."""
    layers = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    inputs = [torch.ones(1, m.in_features, dtype=m.weight.dtype) for m in layers]

    def run():
        with torch.inference_mode():
            for _ in range(NEW):
                for layer, x in zip(layers, inputs):
                    F.linear(x, layer.weight, layer.bias)
    return run


def cache_bytes_of_peer(peer, idx) -> int:
    """Bytes of the key and value tensors in transformers' cache after a whole generation."""
    out = peer.generate(idx, max_new_tokens=NEW, min_new_tokens=NEW, do_sample=False, eos_token_id=None,
                        pad_token_id=0, return_dict_in_generate=True)
    tensors = [t for layer in out.cache.layers for t in (layer.keys, layer.values)]  # transformers 5's DynamicCache
    return sum(t.numel() * t.element_size() for t in tensors)


def bench_shape(shape: str, args) -> str:
    label, preset, uncached_tokens = SHAPES[shape]
    idx = torch.randint(0, GPTConfig.from_preset(preset).vocab_size, (1, PROMPT),
                        generator=torch.Generator().manual_seed(1))
    dtypes = [torch.float32] + ([torch.bfloat16] if args.bf16 and shape == "gpt2" else [])
    runs, notes, cache_rows = {}, [], []
    for dtype in dtypes:
        tag = "" if dtype == torch.float32 else ", bf16"
        peer, ours, older = peer_and_ours(preset, dtype, args.before)

        def peer_run(peer=peer):
            return peer.generate(idx, max_new_tokens=NEW, min_new_tokens=NEW, do_sample=False, eos_token_id=None,
                                 pad_token_id=0)

        def our_run(ours=ours, compile=False):
            return ours.generate(idx, NEW, temperature=0, compile=compile)

        runs[f"transformers generate, its cache{tag}"] = peer_run
        runs[f"glassgpt generate, KV cache{tag}"] = our_run
        if older is not None:
            runs[f"glassgpt before, KV cache{tag}"] = lambda: older.generate(idx, NEW, temperature=0)
            same_as_before = torch.equal(runs[f"glassgpt before, KV cache{tag}"](), our_run())
            notes.append(f"greedy tokens{tag} identical to the older glassgpt's: {'yes' if same_as_before else 'NO'}")
        if args.compile:
            start = time.perf_counter()
            our_run(compile=True)  # compiles the decode step, untimed
            notes.append(f"compiling glassgpt's decode step{tag}: {time.perf_counter() - start:.0f} s, once")
            runs[f"glassgpt generate, KV cache, compiled{tag}"] = lambda our_run=our_run: our_run(compile=True)
        runs[f"weights only (the floor){tag}"] = weights_only(ours)
        same = torch.equal(peer_run(), our_run())
        notes.append(f"greedy tokens{tag} identical to transformers': {'yes' if same else 'NO'}")
        if dtype == torch.float32:
            read = PROMPT + NEW - 1  # the last new token is never fed back to the model
            ours_cache = KVCache(ours.config, 1, read + 1, dtype=dtype).nbytes  # what generate allocates
            full_cache = KVCache(ours.config, 1, dtype=dtype).nbytes
            cache_rows = [[f"glassgpt: {read + 1} slots, {read} tokens read + 1 spare", f"{ours_cache / 2**20:.2f}"],
                          [f"transformers: grown to {read} tokens", f"{cache_bytes_of_peer(peer, idx) / 2**20:.2f}"],
                          [f"(a cache for all of block_size = {ours.config.block_size} tokens)",
                           f"{full_cache / 2**20:.2f}"]]
            start = time.perf_counter()
            ours.generate(idx, uncached_tokens, temperature=0, use_cache=False)
            seconds = time.perf_counter() - start
            notes.append(f"glassgpt without the cache: {uncached_tokens / seconds:.1f} new tokens/s "
                         f"({uncached_tokens} new tokens, one run)")

    # CPU time beside the wall clock: with one thread, time the process spent waiting for the CPU (taken by a
    # neighbour) is left out of it
    cpu_seconds = {name: [] for name in runs}

    def on_cpu_clock(name, run):
        def timed():
            start = time.process_time()
            run()
            cpu_seconds[name].append(time.process_time() - start)
        return timed

    wall = interleaved_medians({name: on_cpu_clock(name, run) for name, run in runs.items()}, args.rounds,
                               torch.device("cpu"))
    cpu = {name: statistics.median(times) for name, times in cpu_seconds.items()}
    peer_wall, peer_cpu = wall["transformers generate, its cache"], cpu["transformers generate, its cache"]
    rows = [[name, f"{NEW / wall[name]:.1f}", f"{1e3 * wall[name] / NEW:.2f}", f"{peer_wall / wall[name]:.2f}x",
             f"{1e3 * cpu[name] / NEW:.2f}", f"{peer_cpu / cpu[name]:.2f}x"] for name in runs]
    table = markdown_table([f"{label}: batch 1, {PROMPT}-token prompt, {NEW} new tokens, greedy", "new tokens/s",
                            "ms/token", "vs transformers fp32", "CPU ms/token", "vs transformers, CPU time"], rows)
    cache_table = markdown_table([f"{label}: KV cache memory", "MiB"], cache_rows)
    return "\n".join([table, "", cache_table, ""] + [f"- {note}" for note in notes])


def profile_shape(shape: str, compile: bool) -> str:
    """The operators of 50 decode steps, by self time."""
    _, ours, _ = peer_and_ours(SHAPES[shape][1], torch.float32)
    step = compiled_decode_step("cpu") if compile else decode_step
    cache = KVCache(ours.config, 1)
    token = torch.zeros(1, 1, dtype=torch.long)
    with torch.inference_mode():
        ours(torch.zeros(1, PROMPT, dtype=torch.long), kv_cache=cache)
        for _ in range(3):
            step(ours, token, cache)
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            for _ in range(50):
                step(ours, token, cache)
    return prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=20)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shapes", nargs="+", choices=list(SHAPES), default=list(SHAPES))
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds; each run reports its median")
    parser.add_argument("--threads", type=int, help="torch.set_num_threads (default: PyTorch's choice)")
    parser.add_argument("--no-bf16", dest="bf16", action="store_false", help="skip the bf16 rows of GPT-2 small")
    parser.add_argument("--no-compile", dest="compile", action="store_false", help="skip the compiled decode step")
    parser.add_argument("--profile", action="store_true", help="profile 50 decode steps instead of timing")
    parser.add_argument("--before", metavar="DIR", help="also time an older glassgpt: a copy of its package folder")
    args = parser.parse_args()
    args.before = older_glassgpt(args.before) if args.before else None
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"Machine: {describe_machine(torch.device('cpu'))}\n")
    for shape in args.shapes:
        if args.profile:
            print(profile_shape(shape, args.compile))
        else:
            print(bench_shape(shape, args) + "\n", flush=True)


if __name__ == "__main__":
    main()
