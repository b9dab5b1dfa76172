"""The views on GPT-2 small: `attention --text` (one head), `heads` and `lens`, timed after the model is loaded.

    .venv/bin/python benchmarks/bench_views.py [--rounds 3] [--tokens 64] [--threads 1]

A GPT-2 small folder with random weights (save_pretrained) and a stand-in word-level tokenizer.json (one word
"wN" per id, since no real GPT-2 tokenizer can be fetched here) is written to a temporary folder. Each view runs
through the CLI (`glassgpt.cli.main`, output discarded) in a fresh process, taking turns, best of the rounds:
- attention --text <64 words> --layer 5 --head 3: one head of one layer, step by step;
- heads: the head scores, 32 (the default) and 8 repeating sequences of 64 tokens;
- lens --text <64 words>: the logit lens after every block.
"load" is the time of the CLI's model_from_args (GPT.from_pretrained, then the finite check on every weight);
"view" is the rest of the call. The process's peak RSS is reported above its RSS after `import glassgpt`.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

MEASURE = """
import contextlib, io, json, resource, sys, time
import glassgpt
from glassgpt.cli import main
import glassgpt.cli.options as options
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
mode = sys.argv[1]
module = __import__(f"glassgpt.cli.{mode}", fromlist=["run"])
loads = []
def timed(args, load=module.model_from_args):
    start = time.perf_counter()
    model = load(args)
    loads.append(time.perf_counter() - start)
    return model
module.model_from_args = timed
start = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    status = main(sys.argv[1:])
total = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"status": status, "load": loads[0], "view": total - loads[0], "peak": peak - base}))
"""

SAVE = """
import json, sys, torch
from tokenizers import Tokenizer, models, pre_tokenizers
from glassgpt import GPT, GPTConfig
torch.manual_seed(0)
GPT(GPTConfig.from_preset("gpt2")).save_pretrained(sys.argv[1])
words = Tokenizer(models.WordLevel({f"w{i}": i for i in range(50257)}, unk_token="w0"))
words.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
words.save(sys.argv[1] + "/tokenizer.json")
"""


def run(code: str, *args, threads: int | None = None) -> dict:
    env = dict(os.environ, **({"OMP_NUM_THREADS": str(threads)} if threads else {}))
    result = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip()[-2000:])
    return json.loads(result.stdout.strip().splitlines()[-1]) if result.stdout.strip() else {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1, help="OMP_NUM_THREADS of the measured processes")
    args = parser.parse_args()
    text = " ".join(f"w{(i * 7919) % 50257}" for i in range(args.tokens))
    with tempfile.TemporaryDirectory() as tmp:
        folder = str(Path(tmp) / "gpt2-random")
        run(SAVE, folder)
        views = {
            "attention --text (layer 5, head 3)": ["attention", "--checkpoint", folder, "--text", text,
                                                   "--layer", "5", "--head", "3"],
            "heads (32 sequences, the default)": ["heads", "--checkpoint", folder],
            "heads --sequences 8": ["heads", "--checkpoint", folder, "--sequences", "8"],
            "lens --text": ["lens", "--checkpoint", folder, "--text", text],
        }
        best = {}
        for _ in range(args.rounds):
            for name, argv in views.items():  # taking turns
                out = run(MEASURE, *argv, threads=args.threads)
                assert out["status"] == 0, (name, out)
                b = best.setdefault(name, out)
                best[name] = {key: min(out[key], b[key]) for key in ("load", "view", "peak")}
    print(f"GPT-2 small shapes, random weights, fp32, {args.tokens} tokens; best of {args.rounds}, each in its own "
          f"process; {os.cpu_count()} CPUs, {args.threads} thread(s)")
    print("| view | load (s) | view after loading (s) | peak RSS above import |")
    print("|:---|---:|---:|---:|")
    for name, b in best.items():
        print(f"| {name} | {b['load']:.2f} | {b['view']:.2f} | {b['peak'] / 2**20:,.0f} MiB |")


if __name__ == "__main__":
    main()
