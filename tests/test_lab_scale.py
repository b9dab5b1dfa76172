"""The lab at GPT-2 small's size: the page keeps within its budget (5 MB at 200 tokens), and what it holds in full is
chosen by --layer / --head or by what fits. The numbers themselves are checked in tests/test_lab.py (decoded in
Python) and tests/test_lab_browser.py (read back from Chromium).
"""

import pytest
import torch

from glassgpt import GPTConfig
from glassgpt.cli import lab as lab_mode
from glassgpt.cli.messages import Messages
from glassgpt.cli.options import UsageError
from glassgpt.lab import build_payload, write_page
from glassgpt.lab.payload import choose_heads

from test_lab import lab_args, page_data, random_model  # noqa: E402  (tests/ is on sys.path)


@pytest.mark.parametrize("T", [32, 200])
def test_a_gpt2_small_shaped_page_stays_within_5_mb(tmp_path, T):
    """The page's size depends on layers, heads, tokens and the head size, not on the vocabulary: GPT-2 small's
    12 layers x 12 heads of 64, with a small vocabulary so that it builds in a blink (benchmarks/bench_lab.py
    measures the real GPT-2 small). At 200 tokens every head is drawn and 12 are shown number by number."""
    model = random_model("gpt2", vocab_size=512, block_size=256)
    idx = torch.randint(0, 512, (1, T), generator=torch.Generator().manual_seed(3))
    path = write_page(build_payload(model, idx), tmp_path / "lab.html")
    assert path.stat().st_size <= 5_000_000
    attention = page_data(path)["attention"]
    assert attention["layers"] == list(range(12)) and len(attention["detail"]) >= 12


def test_layer_and_head_choose_what_the_page_holds_in_full(tmp_path):
    """--layer L draws that layer's heads, --layer L --head H shows that head number by number (what the page names
    when it leaves a head out); a layer or head that does not exist is one sentence."""
    out = tmp_path / "lab.html"
    lab_mode.run(lab_args("--preset", "tiny", "--layer", "1", "--head", "1", "--out", str(out)), Messages("en"))
    attention = page_data(out)["attention"]
    assert attention["layers"] == [1] and [list(pair) for pair in attention["detail"]] == [[1, 1]]
    lab_mode.run(lab_args("--preset", "tiny", "--layer", "1", "--out", str(out)), Messages("en"))
    attention = page_data(out)["attention"]
    assert attention["layers"] == [1] and [list(pair) for pair in attention["detail"]] == [[1, 0], [1, 1]]
    with pytest.raises(UsageError) as error:
        lab_mode.run(lab_args("--preset", "tiny", "--layer", "2", "--out", str(out)), Messages("en"))
    assert error.value.key == "attention.bad_index" and error.value.fields["option"] == "--layer"
    with pytest.raises(UsageError):
        lab_mode.run(lab_args("--preset", "tiny", "--layer", "0", "--head", "-1", "--out", str(out)), Messages("en"))


def test_at_1024_tokens_the_page_keeps_within_its_budget():
    """GPT-2 small's shapes at its full block: one layer drawn, the heads that fit shown in full, never all."""
    config = GPTConfig.from_preset("gpt2")
    layers, detail = choose_heads(config, 1024)
    assert layers == [0] and 1 <= len(detail) < 12
    layers, detail = choose_heads(config, 200)
    assert layers == list(range(12)) and len(detail) == 12
    assert choose_heads(config, 1024, layer=5, head=7) == ([5], [[5, 7]])
