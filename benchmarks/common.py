"""Helpers the benchmark scripts share: a matmul peak measured in the same run, interleaved timing, tables.

Every benchmark reports ratios taken in one run (against a peer, or against `matmul_peak`), because on a shared
machine a bare time says more about the neighbours than about the code.
"""

import platform
import statistics
import time
from typing import Callable

import torch


def synchronize(device: torch.device) -> None:
    """Wait until queued GPU work is done (a no-op on the CPU), so that a timer measures the work itself."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def matmul_peak(dtype: torch.dtype, device: torch.device, sizes=(1024, 2048, 4096), repeats: int = 3) -> float:
    """This machine's best torch.mm speed in FLOP/s: square n x n products, best of `repeats` for each n.

    The best, not the median: a neighbour can only slow a matmul down, so the fastest time is the closest to
    what the hardware can do. A square product of n x n matrices takes 2 n^3 FLOPs.
    """
    best = 0.0
    for n in sizes:
        a = torch.randn(n, n, device=device).to(dtype)
        b = torch.randn(n, n, device=device).to(dtype)
        a @ b  # warm-up: first-call allocation and kernel selection
        for _ in range(repeats):
            synchronize(device)
            start = time.perf_counter()
            a @ b
            synchronize(device)
            best = max(best, 2 * n**3 / (time.perf_counter() - start))
    return best


def interleaved_medians(runs: dict[str, Callable[[], None]], rounds: int, device: torch.device,
                        between_rounds: Callable[[], None] = lambda: None) -> dict[str, float]:
    """Median seconds per call of each run, timed in turn (a, b, c, a, b, c, ...) for `rounds` rounds.

    Taking turns spreads a neighbour's busy spell over every run instead of landing on one of them, and the
    median ignores the rounds it spoiled. `between_rounds` runs once after each round, untimed.
    """
    times = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            synchronize(device)
            start = time.perf_counter()
            run()
            synchronize(device)
            times[name].append(time.perf_counter() - start)
        between_rounds()
    return {name: statistics.median(seconds) for name, seconds in times.items()}


def describe_machine(device: torch.device) -> str:
    """One line naming the processor (or GPU), the threads PyTorch uses and the versions."""
    if device.type == "cuda":
        chip = torch.cuda.get_device_name(device)
    else:
        chip = platform.processor() or platform.machine()
        try:
            with open("/proc/cpuinfo") as cpuinfo:
                chip = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
        except (OSError, StopIteration):
            pass
        chip += f", {torch.get_num_threads()} threads"
    return f"{chip}; torch {torch.__version__}, Python {platform.python_version()}"


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A GitHub markdown table; the first column is left-aligned, the rest (numbers) right-aligned."""
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join([":---"] + ["---:"] * (len(header) - 1)) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
