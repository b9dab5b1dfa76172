"""Capturing GPT-2 small's internals at T = 1024, B = 1: glassgpt against TransformerLens, side by side.

    .venv/bin/python benchmarks/bench_capture.py [--rounds 3] [--tokens 1024] [--threads 1] [--peers DIR]

TransformerLens is an optional benchmark dependency, never a runtime one: install it apart from the project's
environment, without letting it touch torch, e.g.
    .venv/bin/pip install --target /tmp/peers --no-deps transformer-lens accelerate beartype einops fancy-einsum \\
        jaxtyping wadler-lindig typeguard datasets dill multiprocess xxhash pandas pyarrow
and pass `--peers /tmp/peers` (it is put on the path of TransformerLens's processes only). Without it, glassgpt
runs alone.

One random GPT-2 small (transformers' GPT2LMHeadModel, saved with save_pretrained, plus a stand-in word-level
tokenizer, since no real one can be fetched here) is written to a temporary folder; both load that same folder.
Each measurement is its own process: load the model, run one short warm-up capture (8 tokens, so that the code
both libraries run is paged in for both), then the timed capture of `--tokens` random ids, kept alive until the
peak is read. The ways take turns, `--rounds` times; best of the rounds (a neighbour can only add time and memory).
- patterns: every layer's attention pattern. glassgpt's `inspection.attention_weights` (one (L, 1, nh, T, T)
  tensor, the pass stopping after the last layer's pattern) and its `run_with_cache` with the same names_filter as
  TransformerLens's (a full pass, logits included); TransformerLens's `run_with_cache(names_filter=...hook_pattern)`.
- everything: `run_with_cache(idx)` with no filter, in both. glassgpt has one more T x T tensor per layer than
  TransformerLens: `hook_scores`, the scores before the mask (TransformerLens's `hook_attn_scores` is after it,
  as is glassgpt's `hook_masked_scores`); "all but hook_scores" keeps the same tensors TransformerLens keeps.
Seconds are wall-clock, CPU seconds the process's user + system time over the same call (what neighbours on a
shared machine disturb least). Peak RSS is the process's high-water mark (loading included); "kept" is the bytes of
the distinct tensors the result holds (an alias of another kept tensor counts once).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

MEASURE = """
import json, resource, sys, time
import torch
folder, tool, what, T = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
patterns = lambda name: name.endswith("hook_pattern")
if tool == "glassgpt":
    from glassgpt import GPT
    from glassgpt.inspection import attention_weights, run_with_cache
    model = GPT.from_pretrained(folder)
    calls = {"patterns": lambda idx: attention_weights(model, idx),
             "patterns_cache": lambda idx: run_with_cache(model, idx, patterns),
             "everything": lambda idx: run_with_cache(model, idx),
             "as_transformer_lens": lambda idx: run_with_cache(model, idx, lambda n: not n.endswith("hook_scores"))}
else:
    from transformer_lens.model_bridge import TransformerBridge
    model = TransformerBridge.boot_transformers(folder, device="cpu")
    calls = {"patterns": lambda idx: model.run_with_cache(idx, names_filter=patterns),
             "everything": lambda idx: model.run_with_cache(idx)}
call = calls[what]
generator = torch.Generator().manual_seed(0)
with torch.no_grad():
    call(torch.randint(0, 50257, (1, 8), generator=generator))  # warm-up: the code paged in
    idx = torch.randint(0, 50257, (1, T), generator=generator)
    cpu = lambda: sum(resource.getrusage(resource.RUSAGE_SELF)[:2])  # user + system seconds
    start, cpu_start = time.perf_counter(), cpu()
    result = call(idx)
    seconds, cpu_seconds = time.perf_counter() - start, cpu() - cpu_start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

def tensors(x):
    if isinstance(x, torch.Tensor):
        yield x
    elif isinstance(x, (tuple, list)):
        for item in x:
            yield from tensors(item)
    elif hasattr(x, "values"):
        for item in x.values():
            yield from tensors(item)

storages = {t.untyped_storage().data_ptr(): t.untyped_storage().nbytes() for t in tensors(result)}
print(json.dumps({"seconds": seconds, "cpu": cpu_seconds, "peak": peak, "kept": sum(storages.values()),
                  "torch": torch.__version__}))
"""

SAVE = """
import sys, torch
from tokenizers import Tokenizer, models
from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast
torch.manual_seed(0)
GPT2LMHeadModel(GPT2Config()).save_pretrained(sys.argv[1])  # GPT-2 small's shapes, random weights
words = Tokenizer(models.WordLevel({f"t{i}": i for i in range(50257)}, unk_token="t0"))
PreTrainedTokenizerFast(tokenizer_object=words, unk_token="t0", eos_token="t0").save_pretrained(sys.argv[1])
"""

WAYS = (("glassgpt", "patterns"), ("glassgpt", "patterns_cache"), ("transformer_lens", "patterns"),
        ("glassgpt", "everything"), ("glassgpt", "as_transformer_lens"), ("transformer_lens", "everything"))


def run(code: str, *args, peers: str | None = None, threads: int | None = None) -> dict | None:
    env = dict(os.environ, **({"OMP_NUM_THREADS": str(threads)} if threads else {}))
    if peers:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [env.get("PYTHONPATH"), peers]))
    result = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "failed")
    return json.loads(result.stdout.strip().splitlines()[-1]) if result.stdout.strip() else None


def has_transformer_lens(peers: str | None) -> bool:
    try:
        run("import transformer_lens", peers=peers)
        return True
    except RuntimeError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=1024)
    parser.add_argument("--threads", type=int, default=1, help="OMP_NUM_THREADS of the measured processes")
    parser.add_argument("--only", nargs="+", choices=sorted({what for _, what in WAYS}),
                        help="measure only these ways (for a quick look; the table in BENCHMARKS.md has them all)")
    parser.add_argument("--peers", help="a folder holding transformer_lens and its dependencies (not torch)")
    args = parser.parse_args()
    peer = has_transformer_lens(args.peers)
    ways = [w for w in WAYS if peer or w[0] == "glassgpt"]
    ways = [w for w in ways if args.only is None or w[1] in args.only]
    best = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "gpt2-random"
        run(SAVE, folder)
        for _ in range(args.rounds):
            for tool, what in ways:  # taking turns
                out = run(MEASURE, folder, tool, what, args.tokens,
                          peers=args.peers if tool == "transformer_lens" else None, threads=args.threads)
                b = best.setdefault((tool, what), out)
                best[tool, what] = {**out, **{key: min(out[key], b[key]) for key in ("seconds", "cpu", "peak")}}
    print(f"GPT-2 small shapes, random weights, fp32, B = 1, T = {args.tokens}; best of {args.rounds}, each in its "
          f"own process; torch {best[ways[0]]['torch']}, {os.cpu_count()} CPUs, {args.threads} thread(s)")
    print("| what is kept | call | seconds | CPU seconds | peak RSS | kept |")
    print("|:---|:---|---:|---:|---:|---:|")
    names = {("glassgpt", "patterns"): "glassgpt `attention_weights(model, idx)`",
             ("glassgpt", "patterns_cache"): "glassgpt `run_with_cache(model, idx, names_filter)`",
             ("transformer_lens", "patterns"): "TransformerLens `run_with_cache(idx, names_filter=...)`",
             ("glassgpt", "everything"): "glassgpt `run_with_cache(model, idx)`",
             ("glassgpt", "as_transformer_lens"): "glassgpt `run_with_cache`, all but `hook_scores`",
             ("transformer_lens", "everything"): "TransformerLens `run_with_cache(idx)`"}
    for tool, what in ways:
        b = best[tool, what]
        kind = "every attention pattern" if what.startswith("patterns") else "everything"
        if what == "as_transformer_lens":
            kind = "what TransformerLens keeps"
        print(f"| {kind} | {names[tool, what]} | {b['seconds']:.2f} | {b['cpu']:.2f} | {b['peak'] / 2**20:,.0f} MiB "
              f"| {b['kept'] / 2**20:,.0f} MiB |")


if __name__ == "__main__":
    main()
