"""The glass lab page: its numbers are the model's, it fetches nothing, and every sentence is there in both languages.

Oracles: attention recomputed here by hand from each block's input and its own ln_1 and c_attn weights (PyTorch
ops only, the model running on its fused SDPA path); Hugging Face transformers' GPT-2 reading the same folder
(its attention weights and its greedy generation); the model's own uncached forward pass for what the KV-cached
generation read and chose. The numbers are read back from the written page, not from the Python payload.
The browser half is tests/test_lab_browser.py.
"""

import argparse
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from conftest import random_hf_gpt2
from test_hub import COMMIT, hub_cache, offline_env  # noqa: F401 (hub_cache: a fixture, used by name)

from glassgpt import GPT, GPTConfig
from glassgpt.analysis import SCORE_NAMES, head_scores
from glassgpt.cli import lab as lab_mode
from glassgpt.cli.messages import MESSAGES, Messages
from glassgpt.cli.options import UsageError
from glassgpt.errors import GlassGPTError, fields_of
from glassgpt.lab import build_payload, write_page
from glassgpt.lab.payload import VALUE_DIMS
from glassgpt.lab.texts import PAGE_TEXTS
from glassgpt.text import CharTokenizer

ROOT = Path(__file__).resolve().parent.parent
LAB = ROOT / "src" / "glassgpt" / "lab"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
ATOL = 1e-5  # the page rounds to 5 decimal places: 5e-6 at most, plus float32 noise
RTOL = 1.3e-6  # float32's own: trained scores reach ~100, where two ways of summing differ by ~1e-5


def page_data(path: Path) -> dict:
    """The JSON a written page carries."""
    html = path.read_text(encoding="utf-8")
    opening = '<script type="application/json" id="lab-data">'
    start = html.index(opening) + len(opening)
    return json.loads(html[start:html.index("</script>", start)])


def close(numbers, expected: torch.Tensor) -> None:
    torch.testing.assert_close(torch.tensor(numbers, dtype=torch.float64), expected.double(), atol=ATOL, rtol=RTOL)


@torch.no_grad()
def by_hand(model: GPT, idx: torch.Tensor) -> list[dict[str, torch.Tensor]]:
    """Each layer's attention on idx (1, T), recomputed from the block's input and its ln_1 and c_attn weights:
    scores q·k/√hs, weights, v and z, each (nh, T, T) or (nh, T, hs)."""
    inputs = []
    hooks = [block.register_forward_pre_hook(lambda module, args: inputs.append(args[0])) for block in model.blocks]
    try:
        model(idx)  # the fused SDPA path: no hook point of the written-out path is involved
    finally:
        for hook in hooks:
            hook.remove()
    config = model.config
    d, nh, T = config.n_embd, config.n_head, idx.size(1)
    hs = d // nh
    layers = []
    for block, x in zip(model.blocks, inputs):
        ln, c_attn = block.ln_1, block.attn.c_attn
        qkv = F.linear(F.layer_norm(x[0], (d,), ln.weight, ln.bias, ln.eps), c_attn.weight, c_attn.bias)  # (T, 3d)
        q, k, v = (part.reshape(T, nh, hs).transpose(0, 1) for part in qkv.split(d, dim=-1))  # 3 x (nh, T, hs)
        scores = q @ k.transpose(-1, -2) / math.sqrt(hs)  # (nh, T, T)
        allowed = torch.ones(T, T, dtype=torch.bool).tril()
        weights = torch.softmax(scores.masked_fill(~allowed, float("-inf")), dim=-1)  # (nh, T, T)
        layers.append({"scores": scores, "weights": weights, "v": v, "z": weights @ v})
    return layers


def check_attention(data: dict, model: GPT, idx: torch.Tensor) -> None:
    """Every layer and head of the page against the attention recomputed by hand."""
    attention, T = data["attention"], idx.size(1)
    hs = model.config.n_embd // model.config.n_head
    assert attention["head_size"] == hs and attention["scale"] == pytest.approx(1 / math.sqrt(hs))
    dims = attention["value_dims"]
    assert dims == min(VALUE_DIMS, hs)
    for layer, expected in enumerate(by_hand(model, idx)):
        close(attention["scores"][layer], expected["scores"])  # all T x T: the scores exist before the mask
        close(attention["v"][layer], expected["v"][..., :dims])
        close(attention["z"][layer], expected["z"][..., :dims])
        for head, rows in enumerate(attention["weights"][layer]):
            assert [len(row) for row in rows] == list(range(1, T + 1))  # the causal triangle, nothing above it
            for i, row in enumerate(rows):
                close(row, expected["weights"][head, i, :i + 1])
                assert sum(row) == pytest.approx(1, abs=T * ATOL)


def check_generation(data: dict, model: GPT, idx: torch.Tensor) -> None:
    """What each cached step read and chose, against the uncached forward pass on the whole sequence so far, and
    the chosen tokens against model.generate (greedy, with its own KV cache)."""
    steps, T = data["generation"], idx.size(1)
    ids = data["tokens"]["ids"]
    expected_ids = model.generate(idx, len(steps), temperature=0)[0].tolist()
    assert ids == expected_ids and ids[:T] == idx[0].tolist()
    full = torch.tensor([ids])
    layers = by_hand(model, full[:, :-1]) if steps else []  # every position that was fed to the model
    with torch.no_grad():
        logits, _ = model(full[:, :-1]) if steps else (None, None)  # (1, T + n - 1, V)
    for k, step in enumerate(steps):
        p = T - 1 + k
        assert step["position"] == p and step["fed"] == (T if k == 0 else 1)
        assert step["chosen"] == ids[p + 1]
        for layer, expected in enumerate(layers):
            close(step["attention"][layer], expected["weights"][:, p, :p + 1])  # (nh, p + 1): the cache as read
        probs = torch.softmax(logits[0, p].double(), dim=-1)  # (V,)
        top = torch.topk(probs, len(step["candidates"]))
        assert [i for i, _ in step["candidates"]] == top.indices.tolist()
        close([prob for _, prob in step["candidates"]], top.values)
        assert step["candidates"][0][0] == step["chosen"]  # greedy


@torch.no_grad()
def check_analysis(data: dict, model: GPT, idx: torch.Tensor) -> None:
    """The logit lens against the final LayerNorm and LM head applied by hand to each block's output (after the
    last block: the model's own prediction), and the head scores against glassgpt.analysis, which they carry."""
    outputs = []
    hooks = [block.register_forward_hook(lambda module, args, out: outputs.append(out)) for block in model.blocks]
    try:
        logits, _ = model(idx)  # (1, T, V)
    finally:
        for hook in hooks:
            hook.remove()
    ln_f, d = model.ln_f, model.config.n_embd
    assert len(data["lens"]) == model.config.n_layer
    for layer, (x, positions) in enumerate(zip(outputs, data["lens"])):
        lens_logits = F.linear(F.layer_norm(x[0], (d,), ln_f.weight, ln_f.bias, ln_f.eps), model.lm_head.weight)
        if layer == model.config.n_layer - 1:
            torch.testing.assert_close(lens_logits, logits[0])  # the last block's lens is the model's output
        for i, top in enumerate(positions):
            probs = torch.softmax(lens_logits[i].double(), dim=-1)  # (V,)
            expected = torch.topk(probs, len(top))
            close([prob for _, prob in top], expected.values)
            assert [token for token, _ in top] == expected.indices.tolist()
    scores = head_scores(model, n_sequences=data["head_scores"]["sequences"])
    assert data["head_scores"]["length"] == scores.tokens.idx.size(1)
    for name, grid in scores.by_name().items():
        close(data["head_scores"]["scores"][name], grid)


def write_lab(tmp_path: Path, model: GPT, idx: torch.Tensor, tokenizer=None, lang: str = "en") -> dict:
    path = write_page(build_payload(model, idx, tokenizer, source="test"), tmp_path / "lab.html", lang=lang)
    return page_data(path)


def random_model(preset: str, seed: int = 0, **overrides) -> GPT:
    torch.manual_seed(seed)
    return GPT(GPTConfig.from_preset(preset, **overrides)).eval()


@pytest.mark.parametrize("preset", ["tiny", "small"])
def test_the_pages_numbers_are_what_the_model_computes(tmp_path, preset):
    model = random_model(preset)
    T = 8 if preset == "tiny" else 12
    idx = torch.randint(0, model.config.vocab_size, (1, T), generator=torch.Generator().manual_seed(1))
    data = write_lab(tmp_path, model, idx)
    check_attention(data, model, idx)
    check_generation(data, model, idx)
    check_analysis(data, model, idx)
    assert list(data["head_scores"]["scores"]) == list(SCORE_NAMES)
    assert data["config"] == model.config.to_dict()
    assert data["n_params"] == sum(p.numel() for p in model.parameters())
    assert data["tokens"]["texts"] is None and data["tokens"]["id_texts"] is None  # no tokenizer: ids


TEXT = "the cat sat on the mat. 猫坐在垫子上。"  # 18 distinct characters, Chinese among them


def trained_checkpoint(folder: Path) -> Path:
    """A small character-level model trained 40 steps on TEXT twice (it learns to continue it), saved as a
    checkpoint folder with its tokenizer."""
    tokenizer = CharTokenizer.from_text(TEXT)
    torch.manual_seed(0)
    model = GPT(GPTConfig.from_preset("tiny", vocab_size=tokenizer.vocab_size, block_size=64, n_head=4, n_embd=32))
    ids = torch.tensor([tokenizer.encode(TEXT * 2)])  # (1, 62)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    for _ in range(40):
        _, loss = model(ids[:, :-1], ids[:, 1:])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.1
    model.save_pretrained(folder)
    tokenizer.save(folder)
    return folder


def test_a_trained_checkpoint_with_its_tokenizer(tmp_path):
    """Text in, through the tokenizer stored with the weights, Chinese included; the numbers of a trained model."""
    folder = trained_checkpoint(tmp_path / "trained")
    out = tmp_path / "lab.html"
    prompt = "the cat sat on the mat. 猫坐在"
    lab_mode.run(lab_args("--checkpoint", str(folder), "--text", prompt, "--out", str(out)), Messages("en"))
    data = page_data(out)
    model, tokenizer = GPT.from_pretrained(folder).eval(), CharTokenizer.from_text(TEXT)
    idx = torch.tensor([tokenizer.encode(prompt)])
    check_attention(data, model, idx)
    check_generation(data, model, idx)
    check_analysis(data, model, idx)
    assert data["tokens"]["texts"] == list(prompt) + list("垫子上。the ")  # it learned to continue the text
    named = {i for step in data["generation"] for i, _ in step["candidates"]}
    named |= {i for layer in data["lens"] for top in layer for i, _ in top}
    assert sorted(map(int, data["tokens"]["id_texts"])) == sorted(named)
    for token_id, text in data["tokens"]["id_texts"].items():
        assert [text] == tokenizer.token_texts([int(token_id)])


def test_a_gpt2_folder_against_transformers(tmp_path):
    """A Hugging Face GPT-2 folder with every weight random (peaked attention, not the near-uniform rows of GPT-2's
    own initialisation): the page's attention weights are transformers' own (output_attentions, eager attention),
    and its greedy generation is transformers' generate."""
    transformers = pytest.importorskip("transformers")
    random_hf_gpt2(tmp_path / "gpt2", vocab_size=300, n_positions=32, n_layer=2, n_head=4, n_embd=64)
    hf = transformers.GPT2LMHeadModel.from_pretrained(tmp_path / "gpt2", attn_implementation="eager").eval()
    model = GPT.from_pretrained(tmp_path / "gpt2").eval()
    idx = torch.randint(0, 300, (1, 10), generator=torch.Generator().manual_seed(2))
    data = write_lab(tmp_path, model, idx)

    with torch.no_grad():
        attentions = hf(idx, output_attentions=True).attentions  # n_layer x (1, nh, T, T)
        hf_ids = hf.generate(idx, max_new_tokens=len(data["generation"]), do_sample=False,
                             pad_token_id=0)[0].tolist()
    for layer, rows_by_head in enumerate(data["attention"]["weights"]):
        for head, rows in enumerate(rows_by_head):
            for i, row in enumerate(rows):
                close(row, attentions[layer][0, head, i, :i + 1])
    assert data["tokens"]["ids"] == hf_ids
    check_attention(data, model, idx)
    check_generation(data, model, idx)
    check_analysis(data, model, idx)


def test_the_diagram_shows_the_shapes_that_flowed(tmp_path):
    model = random_model("tiny")
    c = model.config
    idx = torch.zeros(1, 5, dtype=torch.long)
    steps = {step["name"]: step for step in write_lab(tmp_path, model, idx)["diagram"]}
    assert steps["tok_emb"]["output"] == [1, 5, c.n_embd]
    assert steps["blocks.0.attn.c_attn"]["output"] == [1, 5, 3 * c.n_embd]
    assert steps["blocks.0.attn.softmax"]["output"] == [1, c.n_head, 5, 5]
    assert steps["blocks.0.mlp.c_fc"]["output"] == [1, 5, 4 * c.n_embd]
    assert steps["lm_head"]["output"] == [1, 5, c.vocab_size] and steps["lm_head"]["tied_to"] == "tok_emb"
    assert steps["tok_emb"]["params"] == c.vocab_size * c.n_embd
    assert steps[""]["input"] == [1, 5]  # the whole model: what it was given
    assert all(step["layer"] in (None, 0) for step in steps.values())  # one block stands for all


def test_a_full_block_leaves_no_room_to_generate(tmp_path):
    model = random_model("tiny")
    idx = torch.arange(model.config.block_size)[None] % model.config.vocab_size
    data = write_lab(tmp_path, model, idx)
    assert data["generation"] == []
    check_attention(data, model, idx)


def test_a_gpt2_small_shaped_page_for_32_tokens_stays_under_5_mb(tmp_path):
    """The page's size depends on layers, heads, tokens and the dimensions of v shown, not on the width or the
    vocabulary: GPT-2 small's 12 layers x 12 heads with hs = VALUE_DIMS, on a narrow model that builds in a blink
    (benchmarks/bench_lab.py measures the real GPT-2 small)."""
    model = random_model("gpt2", vocab_size=512, n_embd=12 * VALUE_DIMS)
    idx = torch.randint(0, 512, (1, 32), generator=torch.Generator().manual_seed(3))
    path = write_page(build_payload(model, idx), tmp_path / "lab.html")
    assert path.stat().st_size < 5 * 1024 * 1024


class FakeTokenizer:
    """Token texts chosen to try to break the page: markup, quotes, a newline, Chinese."""

    TEXTS = ["</script>", "<!--", "\"'", "\n", "注意", "&amp;"]

    def token_texts(self, ids):
        return [self.TEXTS[i % len(self.TEXTS)] for i in ids]


def test_no_token_text_can_break_out_of_the_page(tmp_path):
    model = random_model("tiny")
    idx = torch.arange(6)[None]
    path = write_page(build_payload(model, idx, FakeTokenizer()), tmp_path / "lab.html")
    html = path.read_text(encoding="utf-8")
    assert html.count("</script>") == 2  # the data's and the script's own: none from a token
    data = page_data(path)
    assert data["tokens"]["texts"][:6] == FakeTokenizer.TEXTS
    assert set(data["tokens"]["id_texts"].values()) <= set(FakeTokenizer.TEXTS)


def test_the_page_speaks_english_or_chinese(tmp_path):
    payload = build_payload(random_model("tiny"), torch.zeros(1, 3, dtype=torch.long))
    for lang in ("en", "zh"):
        assert page_data(write_page(payload, tmp_path / f"{lang}.html", lang=lang))["lang"] == lang
    with pytest.raises(GlassGPTError, match="en or zh"):
        write_page(payload, tmp_path / "fr.html", lang="fr")


def test_the_page_asks_for_nothing_from_anywhere():
    """No URL, no external script, style, font or image, no fetching API in the static parts of the page (the
    browser test watches the network too)."""
    for name in ("page.html", "page.css", *(path.name for path in LAB.glob("*.js"))):
        text = (LAB / name).read_text(encoding="utf-8")
        for forbidden in ("http:", "https:", "//cdn", "@import", "url(", "src=", "fetch(", "XMLHttpRequest",
                          "import(", "WebSocket", "EventSource", "sendBeacon"):
            assert forbidden not in text, f"{name} contains {forbidden!r}"


def _keys_used() -> tuple[set[str], set[str]]:
    """(keys the page surely asks for: tr("...") and data-t="...", every string in page.js that looks like one)."""
    js = "\n".join(path.read_text(encoding="utf-8") for path in sorted(LAB.glob("*.js")))
    html = (LAB / "page.html").read_text(encoding="utf-8")
    called = set(re.findall(r'\btr\("([^"]+)"', js)) | set(re.findall(r'data-t="([^"]+)"', html))
    sections = {key.split(".")[0] for key in PAGE_TEXTS}
    literals = {s for s in re.findall(r'"([a-z_]+\.[a-z_]+)"', js) if s.split(".")[0] in sections}
    return called, literals


def test_every_page_text_is_there_in_both_languages_and_used():
    called, literals = _keys_used()
    assert len(called) > 40, "tr(...) calls not found: the scan is stale"
    assert called <= PAGE_TEXTS.keys(), called - PAGE_TEXTS.keys()
    assert literals <= PAGE_TEXTS.keys(), literals - PAGE_TEXTS.keys()
    unused = PAGE_TEXTS.keys() - called - literals
    assert not unused, f"texts no part of the page uses: {sorted(unused)}"
    for key, (english, chinese) in PAGE_TEXTS.items():
        assert english and chinese and english != chinese or key in ("steps.row_dot", "steps.row_scaled",
                                                                     "steps.row_softmax", "gen.token"), key
        assert fields_of(english) == fields_of(chinese), key


def test_the_template_ships_with_the_package():
    """pyproject's package data names the page's static files, so a wheel (not only this checkout) has them."""
    tomllib = pytest.importorskip("tomllib")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"].get("package-data", {}).get("glassgpt", [])
    for name in ("page.html", "page.css", "page.js"):
        assert any(Path("lab", name).match(pattern) for pattern in patterns), (
            f"lab/{name} is not package data: pyproject.toml needs [tool.setuptools.package-data] "
            'glassgpt = ["lab/*.html", "lab/*.css", "lab/*.js"]')


# ---- the CLI mode

def lab_args(*argv: str) -> argparse.Namespace:
    """The lab mode's options, parsed by a parser holding only them."""
    parser = argparse.ArgumentParser()
    lab_mode.add_arguments(parser, Messages("en"))
    return parser.parse_args(list(argv))


def run_entry_point(entry: tuple[str, ...], *argv: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python <entry> <argv>` in a fresh interpreter, from the checkout, in a locale that names no language."""
    environment = {k: v for k, v in (env or os.environ).items() if not k.startswith("LC_")}
    environment["LANG"] = "C.UTF-8"
    return subprocess.run([sys.executable, *entry, *argv], cwd=ROOT, capture_output=True, text=True,
                          env=environment, timeout=300)


def one_error_line(result: subprocess.CompletedProcess) -> str:
    """The single stderr line of a usage error: exit 2, nothing on stdout, no traceback."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert result.stdout == "" and "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("entry, lang", [(("-m", "glassgpt", "lab"), "en"), (("model.py", "--mode", "lab"), "zh")])
def test_glassgpt_lab_on_the_command_line(tmp_path, entry, lang):
    """Through the real entry points: the page is written, in the language asked for, and the CLI says where in
    that language; bad input and an option of other modes are one line on stderr, exit 2, in that language too."""
    t = Messages(lang)
    out = tmp_path / "lab.html"
    result = run_entry_point(entry, "--preset", "tiny", "--out", str(out), "--lang", lang)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert page_data(out)["lang"] == lang
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and str(out) in lines[1]
    assert all(bool(CHINESE.search(line)) == (lang == "zh") for line in lines)

    refused = tmp_path / "refused.html"
    line = one_error_line(run_entry_point(entry, "--preset", "tiny", "--text", "hello", "--out", str(refused),
                                          "--lang", lang))
    assert line == t("usage.error", detail=t("usage.text_needs_tokenizer")) and not refused.exists()

    line = one_error_line(run_entry_point(entry, "--layer", "1", "--lang", lang))
    before, after = MESSAGES.say("usage.error", lang, detail=MESSAGES.say(  # raw: t() escapes the "\0"
        "usage.option_of_other_modes", lang, option="--layer", mode="lab", modes="\0")).split("\0")
    assert line.startswith(before) and line.endswith(after)
    named = set(line[len(before):len(line) - len(after)].split(", "))
    assert "attention" in named and "lab" not in named


def test_the_mode_writes_the_page_and_says_where(tmp_path):
    out = tmp_path / "page.html"
    lines = lab_mode.run(lab_args("--preset", "tiny", "--out", str(out)), Messages("zh"))
    data = page_data(out)
    assert data["lang"] == "zh" and str(out) in lines[-1]
    ids = data["tokens"]["ids"][:data["tokens"]["prompt_length"]]
    assert len(ids) == 8 and ids[:4] == ids[4:]  # half the block, repeating itself


def test_text_through_the_tokenizer_option(tmp_path):
    """--tokenizer beside a preset: the text's tokens. The model's vocabulary (64) is larger than the tokenizer's
    (18 characters), as a padded vocabulary is: an id only the model has shows as <id>, as every mode shows it."""
    tokenizer = CharTokenizer.from_text(TEXT)
    tokenizer.save(tmp_path)
    out = tmp_path / "lab.html"
    lines = lab_mode.run(lab_args("--preset", "tiny", "--tokenizer", str(tmp_path), "--text", "the cat",
                                  "--out", str(out)), Messages("en"))
    data = page_data(out)
    ids, texts, id_texts = data["tokens"]["ids"], data["tokens"]["texts"], data["tokens"]["id_texts"]
    assert ids[:7] == tokenizer.encode("the cat") and "7 tokens" in lines[0]

    def text_of(i: int) -> str:
        return f"<{i}>" if i >= tokenizer.vocab_size else tokenizer.token_texts([i])[0]

    assert texts == [text_of(i) for i in ids]
    assert all(text == text_of(int(i)) for i, text in id_texts.items())
    assert any(i >= tokenizer.vocab_size for i in [*ids, *map(int, id_texts)])  # the case did occur


def test_the_mode_refuses_bad_input_with_a_sentence(tmp_path):
    def refusal(*argv: str) -> str:
        with pytest.raises((UsageError, GlassGPTError)) as error:
            lab_mode.run(lab_args(*argv), Messages("en"))
        return error.value.key

    out = str(tmp_path / "x.html")
    assert refusal("--preset", "tiny", "--text", "hello", "--out", out) == "usage.text_needs_tokenizer"
    assert refusal("--preset", "tiny", "--out", str(tmp_path / "missing" / "x.html")) == "lab.no_folder"
    assert refusal("--preset", "tiny", "--out", str(tmp_path)) == "lab.cannot_write"  # a folder, not a file
    assert refusal("--checkpoint", str(tmp_path / "nothing"), "--out", out) == "checkpoint_not_found"
    assert not (tmp_path / "x.html").exists()


def test_checkpoint_gpt2_reads_the_hub_cache(hub_cache, tmp_path):
    """`--checkpoint gpt2` is loaded as every mode loads it (checkpoints.locate_checkpoint), here from the hub
    cache tests/test_hub.py lays out, offline: the text's tokens are those transformers' GPT-2 tokenizer gives,
    and the attention is that of the weights in the cache."""
    transformers = pytest.importorskip("transformers")
    out, text = tmp_path / "lab.html", "Hello world, 你好"
    result = run_entry_point(("-m", "glassgpt", "lab"), "--checkpoint", "gpt2", "--text", text, "--out", str(out),
                             env=offline_env(hub_cache))
    assert result.returncode == 0 and result.stderr == "", result.stderr
    data = page_data(out)
    snapshot = hub_cache / "models--gpt2" / "snapshots" / COMMIT
    ids = transformers.GPT2TokenizerFast.from_pretrained(snapshot)(text)["input_ids"]
    assert data["tokens"]["ids"][:data["tokens"]["prompt_length"]] == ids and data["source"] == "gpt2"
    assert data["config"]["vocab_size"] == 50257
    check_attention(data, GPT.from_pretrained(snapshot).eval(), torch.tensor([ids]))
