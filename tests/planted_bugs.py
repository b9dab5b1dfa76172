"""Plant each bug that issue 15 found the suite blind to, run the test that must catch it, and report.

    .venv/bin/python tests/planted_bugs.py            # every bug
    .venv/bin/python tests/planted_bugs.py --list     # what they are
    .venv/bin/python tests/planted_bugs.py kaplan-no-context-term six-n-counts-tok-emb

Each bug is one textual replacement in one source file. The repository (src/, tests/, model.py, pyproject.toml)
is copied to a temporary folder, so the working tree is never touched; there the named tests run twice: on the
copy as it is (they must pass) and with the bug planted (they must fail). Not part of the test suite (no `test_`
prefix): TESTING.md lists the bugs and shows this script's output.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Bug:
    name: str
    what: str
    file: str  # relative to the repository root
    old: str  # must occur exactly once in `file`
    new: str
    tests: tuple[str, ...]  # pytest node ids or `file::test` prefixes; `-k` expressions go in `select`
    select: str = ""


BUGS = [
    Bug("temperature-twice", "the logits divided by the temperature twice",
        "src/glassgpt/generation.py",
        "logits = (logits - logits.amax(dim=-1, keepdim=True)) / temperature",
        "logits = (logits - logits.amax(dim=-1, keepdim=True)) / temperature / temperature",
        ("tests/test_generation.py",), "distribution_equals or draws_follow or sampled_tokens"),
    Bug("temperature-ignored", "temperature ignored altogether",
        "src/glassgpt/generation.py",
        "logits = (logits - logits.amax(dim=-1, keepdim=True)) / temperature",
        "logits = (logits - logits.amax(dim=-1, keepdim=True))",
        ("tests/test_generation.py",), "distribution_equals or draws_follow or sampled_tokens"),
    Bug("kaplan-no-context-term", "kaplan_forward without its 2*L*T*d term",
        "src/glassgpt/accounting.py",
        "kaplan_forward = 2 * N + 2 * L * T * d",
        "kaplan_forward = 2 * N",
        ("tests/test_accounting.py::test_every_flop_field_is_exact",)),
    Bug("six-n-counts-tok-emb", "six_n counting the token embedding",
        "src/glassgpt/accounting.py",
        "six_n=6 * N, six_n_error=6 * N / training - 1",
        "six_n=6 * (N + V * d), six_n_error=6 * (N + V * d) / training - 1",
        ("tests/test_accounting.py::test_every_flop_field_is_exact",)),
    Bug("attention-causal-wrong", "a wrong attention_causal (the dense count instead of the causal half)",
        "src/glassgpt/accounting.py",
        "attention_causal=2 * L * (T + 1) * d",
        "attention_causal=2 * L * T * d",
        ("tests/test_accounting.py::test_every_flop_field_is_exact",)),
    Bug("attn-c-proj-init-unscaled", "the attn.c_proj initialisation left unscaled (only mlp.c_proj scaled)",
        "src/glassgpt/model.py",
        'if name.endswith("c_proj") else 0.02',
        'if name.endswith("mlp.c_proj") else 0.02',
        ("tests/test_model_properties.py",), "init"),
    Bug("pos-emb-init-default", "pos_emb left at PyTorch's default N(0, 1) instead of N(0, 0.02)",
        "src/glassgpt/model.py",
        "elif isinstance(module, nn.Embedding):",
        "elif isinstance(module, nn.Embedding) and module is self.tok_emb:",
        ("tests/test_model_properties.py",), "init"),
    Bug("cache-forgets-the-past", "a decode step attends only to itself (the layer cache returns just the new keys)",
        "src/glassgpt/generation.py",
        "return self.k[:, :, :end], self.v[:, :, :end]",
        "return k, v",
        ("tests/test_generation.py",), "cached_greedy_equals_uncached and tiny"),
    Bug("cache-never-decodes", "generate re-reads the whole window every step: right tokens, cache never used",
        "src/glassgpt/generation.py",
        "if cache is not None and 0 < cache.length == window.size(1) - 1:",
        "if False:",
        ("tests/test_generation.py",), "cached_greedy_equals_uncached or transformers_generate"),
    Bug("causal-mask-one-too-wide", "causal_mask lets each query see one key of the future",
        "src/glassgpt/model.py",
        ".tril(diagonal=T_k - T)",
        ".tril(diagonal=T_k - T + 1)",
        ("tests/test_model_properties.py", "tests/test_inspection.py", "tests/test_precision.py"),
        "causal_mask or attention_weights or real_mask"),
    Bug("causal-mask-all-true", "causal_mask masks nothing (an all-True mask)",
        "src/glassgpt/model.py",
        ".tril(diagonal=T_k - T)",
        "",
        ("tests/test_precision.py",), "never_masks or real_mask"),
    Bug("checker-causal-always-passes", "the checker's causality check made to always pass",
        "src/glassgpt/checker/grader.py",
        'if diff > TOLERANCE:\n        return FAIL, [Note("causal"',
        'if False:\n        return FAIL, [Note("causal"',
        ("tests/test_checker.py",), "causal"),
]


def copy_repository(destination: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".hypothesis", ".pytest_cache", "mutants")
    for name in ("src", "tests", "examples", "exercises"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, destination / name, ignore=ignore)
    for name in ("model.py", "pyproject.toml", "README.md", "README.zh-CN.md"):
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, destination / name)


def run_tests(folder: Path, bug: Bug) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(folder / "src"), PYTHONDONTWRITEBYTECODE="1")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
               *bug.tests, *(["-k", bug.select] if bug.select else [])]
    return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)


def last_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stdout.strip().splitlines()
    return lines[-1] if lines else result.stderr.strip()[-200:]


def check(bug: Bug) -> bool:
    """True when the tests pass on the clean copy and fail with the bug planted."""
    with tempfile.TemporaryDirectory(prefix="planted-") as folder:
        folder = Path(folder)
        copy_repository(folder)
        clean = run_tests(folder, bug)
        path = folder / bug.file
        source = path.read_text(encoding="utf-8")
        if source.count(bug.old) != 1:
            print(f"{bug.name}: the text to replace occurs {source.count(bug.old)} times in {bug.file}; "
                  "update BUGS to the current source")
            return False
        path.write_text(source.replace(bug.old, bug.new), encoding="utf-8")
        planted = run_tests(folder, bug)
    caught = clean.returncode == 0 and planted.returncode == 1
    print(f"{'CAUGHT' if caught else 'MISSED'}  {bug.name}: {bug.what}")
    print(f"        {' '.join(bug.tests)}{f' -k {bug.select!r}' if bug.select else ''}")
    print(f"        clean:   {last_line(clean)}")
    print(f"        planted: {last_line(planted)}")
    return caught


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="bugs to plant (default: all)")
    parser.add_argument("--list", action="store_true", help="list the bugs and exit")
    args = parser.parse_args()
    if args.list:
        for bug in BUGS:
            print(f"{bug.name:28} {bug.what}")
        return 0
    unknown = set(args.names) - {bug.name for bug in BUGS}
    if unknown:
        parser.error(f"unknown bug(s): {', '.join(sorted(unknown))}; see --list")
    chosen = [bug for bug in BUGS if not args.names or bug.name in args.names]
    return 0 if all([check(bug) for bug in chosen]) else 1


if __name__ == "__main__":
    sys.exit(main())
