"""The glass lab for GPT-2 small: the page's size, how long `glassgpt lab` takes once the weights are loaded, and how
long headless Chromium takes to open and draw it, at 32, 200 and 1,024 tokens.

Goal (issue 22): on 200 tokens at most 5 MB, built in at most 5 s after the weights are loaded, open in at most 2 s.
Random weights (the page's size depends on layers, heads, head size and tokens, not on what the weights are) and
random token ids (a tokenizer only adds each token's text). The build covers everything after the model exists:
the recorded run of greedy generation, the diagram's traced pass, the logit lens, the head scores, the packing
and the file. Opening: from asking Chromium for the file to the page saying it is drawn (its data decompressed
and every section laid out), in a fresh headless Chromium, which is started once before the timing. Best and
median of --rounds runs (a neighbour can only slow a run down). The floor, measured in the same rounds: one
plain forward pass of the model on the same tokens (every build needs at least that); on a busy machine the ratio
of the build to it says more than the seconds do.

Before this packing (issue 22's measurements, same machine): 160 tokens, 48.3 MiB, 31 s, 7.7 s to open; 200 tokens,
73.9 MiB, 30 s beyond loading, 5.4 s to open.

    python benchmarks/bench_lab.py                       # 32, 200 and 1024 tokens, 3 rounds
    python benchmarks/bench_lab.py --tokens 200 --rounds 1
"""

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import torch

from common import describe_machine  # benchmarks/common.py
from glassgpt import GPT, GPTConfig
from glassgpt.lab import build_payload, write_page


def chromium():
    """A headless Chromium through selenium, or None (and why) when either is missing."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        return None, "selenium is not installed"
    binary = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    driver = shutil.which("chromedriver")
    if binary is None or driver is None:
        return None, "Chromium or chromedriver is not installed"
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1400,1000"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(driver), options=options), None


def open_seconds(browser, page: Path) -> float:
    """From asking for the page to its `data-ready` mark (everything drawn)."""
    browser.get("about:blank")
    start = time.perf_counter()
    browser.get(page.as_uri())
    while browser.execute_script("return document.body && document.body.dataset.ready") != "yes":
        if time.perf_counter() - start > 120:
            raise TimeoutError(f"{page} did not finish drawing in 120 s")
        time.sleep(0.01)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="gpt2")
    parser.add_argument("--tokens", type=int, nargs="+", default=[32, 200, 1024])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's own)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    torch.manual_seed(0)
    start = time.perf_counter()
    model = GPT(GPTConfig.from_preset(args.preset)).eval()
    made = time.perf_counter() - start
    browser, why = chromium()
    print(describe_machine(torch.device("cpu")) + f", {torch.get_num_threads()} torch threads")
    print(f"{args.preset}: {model.config.n_layer} layers x {model.config.n_head} heads, random weights "
          f"(made in {made:.1f} s, not counted); best / median of {args.rounds}")
    print("| tokens | page size | build after loading | one forward pass (floor) | build / floor | open in Chromium "
          "| heads drawn / with every number |")
    print("|---|---|---|---|---|---|---|")
    try:
        with tempfile.TemporaryDirectory() as folder:
            for T in args.tokens:
                idx = torch.randint(0, model.config.vocab_size, (1, T), generator=torch.Generator().manual_seed(T))
                page = Path(folder) / f"lab-{T}.html"
                build, opening, floor = [], [], []
                for _ in range(args.rounds):
                    start = time.perf_counter()
                    with torch.no_grad():
                        model(idx)
                    floor.append(time.perf_counter() - start)
                    start = time.perf_counter()
                    payload = build_payload(model, idx, source=f"{args.preset}, random weights")
                    write_page(payload, page)
                    build.append(time.perf_counter() - start)
                    if browser is not None:
                        opening.append(open_seconds(browser, page))
                attention = payload["attention"]
                drawn = len(attention["layers"]) * model.config.n_head
                size = page.stat().st_size
                opened = (f"{min(opening):.2f} / {statistics.median(opening):.2f} s" if opening
                          else f"not measured: {why}")
                print(f"| {T} | {size / 1e6:.2f} MB ({size / 2**20:.2f} MiB) | {min(build):.2f} / "
                      f"{statistics.median(build):.2f} s | {min(floor):.2f} s | {min(build) / min(floor):.1f} x "
                      f"| {opened} | {drawn} / {len(attention['detail'])} |", flush=True)
    finally:
        if browser is not None:
            browser.quit()


if __name__ == "__main__":
    main()
