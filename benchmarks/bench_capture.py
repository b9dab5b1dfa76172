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
Seconds are wall-clock; user and system CPU seconds and minor page faults are the process's own over the same
call (system time is mostly the kernel handing out zeroed pages). Before each measurement a separate process touches
and frees `--warm` GiB, so that the virtual machine's first touch of host memory (see WARM) lands on neither tool.
Peak RSS is the process's high-water mark (loading included); "kept" is the bytes of the distinct tensors the
result holds (an alias of another kept tensor counts once). The floor is what no capture of that content can peak
below: the process's resident memory just before the call (the interpreter, torch, the weights) plus the bytes
kept; "peak above the floor" is what the call costs beyond what it keeps.
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
    usage = lambda: resource.getrusage(resource.RUSAGE_SELF)
    before = int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize()  # resident now
    start, usage_start = time.perf_counter(), usage()
    result = call(idx)
    seconds, usage_end = time.perf_counter() - start, usage()
    user, system = (usage_end.ru_utime - usage_start.ru_utime), (usage_end.ru_stime - usage_start.ru_stime)
    faults = usage_end.ru_minflt - usage_start.ru_minflt
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
print(json.dumps({"seconds": seconds, "user": user, "system": system, "faults": faults, "peak": peak,
                  "kept": sum(storages.values()),
                  "before": before, "torch": torch.__version__}))
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

# The machine's free memory, touched and given back just before each measurement. On a virtual machine the host
# backs a guest page only when it is first written, and takes idle ones back: a process that happens to be handed
# such pages pays several microseconds of system time per page (the kernel's clear_page, waiting on the host)
# instead of about one, which for the multi-GiB captures here doubled one tool's time and not the other's,
# depending only on which ran after what. Warming before every measurement takes that out of both tools' times.
WARM = "import sys, torch; torch.ones(int(float(sys.argv[1]) * 2**30) // 4)"
KEPT_BEST = ("seconds", "user", "system", "faults", "peak", "before")  # best of the rounds, each on its own

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


def mib(n: float) -> str:
    return f"{n / 2**20:,.0f} MiB"


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
    parser.add_argument("--warm", type=float, default=6.0, metavar="GIB",
                        help="GiB a separate process touches and frees before each measurement (0: none)")
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
                if args.warm:
                    run(WARM, args.warm)
                out = run(MEASURE, folder, tool, what, args.tokens,
                          peers=args.peers if tool == "transformer_lens" else None, threads=args.threads)
                b = best.setdefault((tool, what), out)
                best[tool, what] = {**out, **{key: min(out[key], b[key]) for key in KEPT_BEST}}
    print(f"GPT-2 small shapes, random weights, fp32, B = 1, T = {args.tokens}; best of {args.rounds}, each in its "
          f"own process; torch {best[ways[0]]['torch']}, {os.cpu_count()} CPUs, {args.threads} thread(s)")
    print("| what is kept | call | seconds | user CPU s | system CPU s | page faults | peak RSS | kept | floor "
          "| peak above the floor |")
    print("|:---|:---|---:|---:|---:|---:|---:|---:|---:|---:|")
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
        floor = b["before"] + b["kept"]  # resident before the call (torch, the weights) plus what the call keeps
        print(f"| {kind} | {names[tool, what]} | {b['seconds']:.2f} | {b['user']:.2f} | {b['system']:.2f} "
              f"| {b['faults']:,} | {mib(b['peak'])} | {mib(b['kept'])} | {mib(floor)} | {mib(b['peak'] - floor)} |")
    ours, theirs = best.get(("glassgpt", "everything")), best.get(("transformer_lens", "everything"))
    if ours and theirs:
        floor = ours["before"] + ours["kept"]
        print(f"\nglassgpt's whole cache keeps {mib(ours['kept'])}; with what was resident before the call its floor "
              f"is {mib(floor)}, {floor / theirs['peak']:.2f}x TransformerLens's whole peak ({mib(theirs['peak'])}).")


if __name__ == "__main__":
    main()
