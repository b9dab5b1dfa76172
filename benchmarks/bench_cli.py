"""How long the command line takes to start and to end, beside the floor (a Python that only imports torch), and
beside another checkout of glassgpt (--other SRC: its src folder, e.g. a worktree of an older commit).

    python benchmarks/bench_cli.py [--repeats 7] [--other ../old/src]

Each command runs in a fresh process under `/usr/bin/time -v` (GNU time, Linux), the trees taking turns so that
a busy machine slows both alike; the table gives the median wall time, the largest peak resident memory, and
each time against the floor measured in the same run.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLOOR = [sys.executable, "-c", "import torch"]
COMMANDS = {
    "glassgpt --help": [sys.executable, "-m", "glassgpt", "--help"],
    "glassgpt params --preset gpt2-xl --json": [sys.executable, "-m", "glassgpt", "params", "--preset", "gpt2-xl",
                                                "--json"],
}


def measure(command: list[str], src: Path) -> tuple[float, float]:
    """(wall seconds, peak resident MB) of one run of `command` with `src` first on the import path."""
    env = dict(os.environ, PYTHONPATH=str(src))
    result = subprocess.run(["/usr/bin/time", "-v", *command], cwd=ROOT, capture_output=True, text=True, env=env,
                            check=True)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", result.stderr).group(1)
    seconds = sum(float(part) * 60 ** i for i, part in enumerate(reversed(wall.split(":"))))
    return seconds, int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1)) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--other", type=Path, help="the src folder of another glassgpt checkout to compare with")
    args = parser.parse_args()
    trees = {"this": ROOT / "src", **({"other": args.other.resolve()} if args.other else {})}
    runs: dict[tuple[str, str], list] = {}
    for _ in range(args.repeats):
        runs.setdefault(("import torch (floor)", ""), []).append(measure(FLOOR, ROOT / "src"))
        for tree, src in trees.items():
            for name, command in COMMANDS.items():
                runs.setdefault((name, tree), []).append(measure(command, src))
    floor = statistics.median(seconds for seconds, _ in runs[("import torch (floor)", "")])
    print(f"{'command':<42} {'tree':<6} {'wall s':>7} {'x floor':>8} {'peak MB':>8}")
    for (name, tree), measured in runs.items():
        seconds = statistics.median(s for s, _ in measured)
        print(f"{name:<42} {tree:<6} {seconds:>7.2f} {seconds / floor:>8.2f} {max(mb for _, mb in measured):>8.0f}")


if __name__ == "__main__":
    main()
