"""The glass lab for GPT-2 small: how big the page is and how long `glassgpt lab` takes once the weights are loaded.

Goal (issue 12): a GPT-2-small page for 32 tokens under 5 MB, written in under 10 s on a CPU. Random weights (the
size of the page does not depend on what the weights are, only on layers, heads and tokens); the time covers
everything after the model exists: the traced forward pass, the pass through the hook points, 8 generation steps
through the KV cache, the JSON and the file. Best and median of --rounds runs (a neighbour can only slow a run).

    python benchmarks/bench_lab.py                  # GPT-2 small, 32 tokens, 3 rounds
    python benchmarks/bench_lab.py --preset small --tokens 16
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch

from common import describe_machine  # benchmarks/common.py
from glassgpt import GPT, GPTConfig
from glassgpt.lab import build_payload, write_page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="gpt2")
    parser.add_argument("--tokens", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's own)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    torch.manual_seed(0)
    start = time.perf_counter()
    model = GPT(GPTConfig.from_preset(args.preset)).eval()
    made = time.perf_counter() - start
    idx = torch.randint(0, model.config.vocab_size, (1, args.tokens), generator=torch.Generator().manual_seed(0))

    seconds = []
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "lab.html"
        for _ in range(args.rounds):
            start = time.perf_counter()
            write_page(build_payload(model, idx, source=f"{args.preset}, random weights"), page)
            seconds.append(time.perf_counter() - start)
        size = page.stat().st_size

    print(describe_machine(torch.device("cpu")))
    print(f"{args.preset}: {model.config.n_layer} layers x {model.config.n_head} heads, {args.tokens} tokens "
          f"(model made in {made:.1f} s, not counted)")
    print(f"| page size | {size / 1e6:.2f} MB ({size:,} bytes) | goal < 5 MB |")
    print(f"| lab, after the weights exist | best {min(seconds):.2f} s, median {statistics.median(seconds):.2f} s "
          f"of {args.rounds} | goal < 10 s |")


if __name__ == "__main__":
    main()
