"""Loading GPT-2 small: the process's peak memory above an empty `import torch`, against the bytes of the weights.

    .venv/bin/python benchmarks/bench_loading.py [--dtype fp32|bf16] [--rounds 3]

A GPT-2 small folder with random weights (config.json + model.safetensors, as save_pretrained writes it) is
loaded in a fresh process each round, two ways taking turns:
- `from_pretrained`: glassgpt's loading, the model built on the meta device and the checked tensors taken as its
  parameters (one copy of the weights);
- `build, then copy`: what it did before, a randomly initialised float32 model, then load_state_dict copying the
  file's tensors into it (the peer in the same run).
Peak RSS is the kernel's high-water mark (ru_maxrss) minus the same process's mark after `import torch` and
glassgpt ("cold"), or after loading a tiny model first ("warm": the part of libtorch's code that loading runs is
then already paged in, and counted in the base); the floor is the weights' bytes. Best of the rounds (a neighbour can only add memory and time).
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

MEASURE = """
import json, resource, sys, time
import torch
import glassgpt
from glassgpt import GPT
from glassgpt.checkpoints import read_checkpoint
if sys.argv[3] == "warm":  # the code that loading runs, paged in by loading a tiny model first
    GPT.from_pretrained(sys.argv[1] + "-tiny")
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
start = time.perf_counter()
if sys.argv[2] == "from_pretrained":
    model = GPT.from_pretrained(sys.argv[1])
else:  # the way before: a random float32 model, then the file's tensors copied into it
    checkpoint = read_checkpoint(sys.argv[1])
    model = GPT(checkpoint.config)
    tensors = checkpoint.tensors().tensors
    checkpoint.stored = None
    tensors.pop("lm_head.weight", None)
    model.load_state_dict({k: v.contiguous() for k, v in tensors.items()}, strict=False)
    model = model.to(tensors["tok_emb.weight"].dtype).eval()
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
weights = sum(p.numel() * p.element_size() for p in model.parameters())
print(json.dumps({"seconds": seconds, "above_import": peak - base, "weights": weights}))
"""

SAVE = """
import sys, torch
from glassgpt import GPT, GPTConfig
torch.manual_seed(0)
GPT(GPTConfig.from_preset("tiny")).save_pretrained(sys.argv[1] + "-tiny")
GPT(GPTConfig.from_preset("gpt2")).to({"fp32": torch.float32, "bf16": torch.bfloat16}[sys.argv[2]]).save_pretrained(
    sys.argv[1])
"""


def run(code: str, *args) -> dict | None:
    result = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1]) if result.stdout.strip() else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dtype", choices=("fp32", "bf16"), default="fp32")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    ways = ("from_pretrained cold", "build_then_copy cold", "from_pretrained warm", "build_then_copy warm")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "gpt2-random"
        run(SAVE, folder, args.dtype)
        best = {way: None for way in ways}
        for _ in range(args.rounds):
            for way in ways:  # taking turns
                out = run(MEASURE, folder, *way.split())
                if best[way] is None or out["above_import"] < best[way]["above_import"]:
                    best[way] = {**out, "seconds": min(out["seconds"], (best[way] or out)["seconds"])}
    weights = best[ways[0]]["weights"]
    print(f"GPT-2 small, {args.dtype}, weights {weights / 2**20:.0f} MiB, best of {args.rounds}")
    print("| way | peak RSS above import | x weights | seconds |")
    print("|:---|---:|---:|---:|")
    for way in ways:
        b = best[way]
        print(f"| {way.replace('_', ' ')} | {b['above_import'] / 2**20:,.0f} MiB | {b['above_import'] / weights:.2f}x "
              f"| {b['seconds']:.2f} |")


if __name__ == "__main__":
    main()
