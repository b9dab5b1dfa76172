"""Text in, text out at the command line: --text and --tokenizer, the tokens' text on every axis (Chinese aligned),
generate streaming decoded text, and the PNG's token labels. Tokenizers are built here, offline: a character
vocabulary and a byte-level BPE trained on a few sentences (a Chinese character splits into byte tokens)."""

import re

import pytest
import torch

from glassgpt import GPT, GPTConfig
from glassgpt.cli import attention as attention_mode
from glassgpt.cli import plotting
from glassgpt.cli.messages import Messages
from glassgpt.cli.render import display_width
from glassgpt.checkpoints import find_tokenizer
from glassgpt.text import CharTokenizer, HFTokenizer
from test_cli import CHINESE, one_error_line, run, run_in_process

CORPUS = "the cat sat on the mat.\n小猫坐在垫子上。你好，世界！"


def squash(text: str) -> str:
    return "".join(text.split())


def byte_level_bpe(vocab_size: int = 262):
    """GPT-2's kind of tokenizer (byte-level BPE), trained on CORPUS: few merges, so Chinese characters stay
    split into their UTF-8 bytes, one token each."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator([CORPUS], trainer)
    return HFTokenizer(tokenizer)


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """Checkpoints with their tokenizer: `chars` (a character vocabulary), `bpe` (byte-level BPE); a model
    whose vocabulary is the tokenizer's, block_size 32."""
    folders = {}
    for name, tokenizer in (("chars", CharTokenizer.from_text(CORPUS)), ("bpe", byte_level_bpe())):
        folder = tmp_path_factory.mktemp(name)
        torch.manual_seed(0)
        GPT(GPTConfig.from_preset("tiny", vocab_size=tokenizer.vocab_size, block_size=32)).save_pretrained(folder)
        tokenizer.save(folder)
        folders[name] = str(folder)
    return folders


def heatmap_rows(out: str) -> list[str]:
    return [line for line in out.splitlines() if re.match(r"^  t\d+ ", line) and set(line) & set("░▒▓█·")]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_attention_labels_rows_and_columns_with_the_tokens_text_aligned(folders, lang):
    text = "the cat 你好"
    result = run_in_process("attention", "--checkpoint", folders["chars"], "--text", text, "--head", "0",
                            "--lang", lang)
    assert result.returncode == 0, result.stderr
    tokens = list(text)  # a character vocabulary: one token a character
    rows = heatmap_rows(result.stdout)
    assert len(rows) == len(tokens)
    assert len({display_width(row) for row in rows}) == 1  # wide characters keep the columns aligned
    assert [row.split()[1] for row in rows] == [c if c != " " else "␣" for c in tokens]
    # the scores' column header names the keys by their text
    header = next(line for line in result.stdout.splitlines() if line.split()[:3] == ["t", "h", "e"])
    assert header.split() == ["t", "h", "e", "␣", "c", "a"]  # the step-by-step view: the first 6 tokens
    assert squash(Messages(lang)("attention.first_tokens", shown=6, T=len(tokens))) in squash(result.stdout)


def test_components_and_full_run_on_the_text(folders):
    for mode in ("components", "full"):
        result = run_in_process(mode, "--checkpoint", folders["chars"], "--text", "the cat")
        assert result.returncode == 0, result.stderr
        assert all(f":[{c}]" in result.stdout for c in ("t", "h", "e", "␣", "c", "a"))  # the tokens, listed
        assert "(1, 7, 16)" in result.stdout  # one sequence of its 7 tokens, d = 16
    full = run_in_process("full", "--checkpoint", folders["chars"], "--text", "the cat")
    assert '"the cat" + "' in full.stdout  # the prompt and its continuation, as text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_generate_streams_text_whole_characters_and_all(folders, lang):
    """A byte-level BPE writes 你 as three byte tokens: the stream prints the character once it is whole. The
    printed continuation is exactly the tokenizer's own decoding of the ids the model generated (same seed)."""
    tokenizer = find_tokenizer(folders["bpe"])
    prompt = "你好，the cat"
    assert len(tokenizer.encode("你")) > 1  # the character is split across tokens
    result = run("generate", "--checkpoint", folders["bpe"], "--prompt", prompt, "--max-new-tokens", "12",
                 "--temperature", "0", "--lang", lang, entry=("-m", "glassgpt"))
    assert result.returncode == 0 and result.stderr == "", result.stderr
    t = Messages(lang)
    lines = result.stdout.splitlines()
    assert any(line == f"{t('generate.prompt_text')} {prompt}" for line in lines)
    model = GPT.from_pretrained(folders["bpe"])
    ids = tokenizer.encode(prompt)
    out = model.generate(torch.tensor([ids]), 12, temperature=0)[0, len(ids):].tolist()
    continued = result.stdout.split(t("generate.new_text") + " ", 1)[1].rsplit("\n", 2)[0]
    assert continued == tokenizer.decode(out)


def test_generate_takes_ids_without_a_tokenizer_and_text_with_one(folders):
    ids_only = run_in_process("generate", "--preset", "tiny", "--prompt", "1,2,3", "--max-new-tokens", "2")
    assert ids_only.returncode == 0 and "1 2 3" in ids_only.stdout
    assert "--prompt" in one_error_line(run_in_process("generate", "--preset", "tiny", "--prompt", "hello"))
    both = run_in_process("generate", "--checkpoint", folders["chars"], "--text", "a", "--prompt", "b")
    assert "--text" in one_error_line(both)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_text_without_a_tokenizer_or_too_long_is_one_line(folders, lang):
    line = one_error_line(run("full", "--preset", "tiny", "--text", "hello", lang=lang, entry=("-m", "glassgpt")))
    assert "--tokenizer" in line and bool(CHINESE.search(line)) == (lang == "zh")
    too_long = run_in_process("attention", "--checkpoint", folders["chars"], "--text", "the cat " * 5, "--lang", lang)
    assert "40" in one_error_line(too_long) and "32" in one_error_line(too_long)


def test_tokenizer_option_names_one_for_a_model_without_it(folders):
    result = run_in_process("components", "--preset", "tiny", "--tokenizer", folders["chars"], "--text", "mat")
    assert result.returncode == 0 and "[m]" in result.stdout


def test_labels_degrade_on_an_ascii_stream(folders):
    result = run("attention", "--checkpoint", folders["chars"], "--text", "the cat", "--head", "0",
                 entry=("-m", "glassgpt"), env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0 and result.stderr == ""
    assert "t3 _" in result.stdout  # the space token, visible as _ where ␣ cannot be written


def test_the_png_carries_the_tokens_text(folders, tmp_path):
    from glassgpt.inspection import attention_weights

    texts = list("the 你好")
    weights = attention_weights(GPT.from_pretrained(folders["chars"]), torch.tensor(
        [find_tokenizer(folders["chars"]).encode("the 你好")]))[:, 0]
    figure = attention_mode.attention_figure(weights, [0], [0], Messages("en"), ["t", "h", "e", "␣", "你", "好"])
    for axes in (a for a in figure.axes if a.get_images()):
        assert [label.get_text() for label in axes.get_xticklabels()] == ["t", "h", "e", "␣", "你", "好"]
        assert [label.get_text() for label in axes.get_yticklabels()] == ["t", "h", "e", "␣", "你", "好"]
    path = tmp_path / "a.png"
    result = run_in_process("attention", "--checkpoint", folders["chars"], "--text", "".join(texts), "--plot",
                            str(path))
    assert result.returncode == 0 and result.stderr == "" and path.read_bytes()[:4] == b"\x89PNG"
    assert "t0, t1" not in result.stdout  # a Chinese font is installed here (fonts-noto-cjk)


def test_without_a_font_for_the_tokens_the_png_labels_positions_and_says_so(folders, tmp_path, monkeypatch):
    monkeypatch.setattr(plotting, "chinese_font", lambda: None)
    path = tmp_path / "a.png"
    for lang in ("en", "zh"):
        result = run_in_process("attention", "--checkpoint", folders["chars"], "--text", "the 你好", "--plot",
                                str(path), "--lang", lang)
        assert result.returncode == 0 and result.stderr == "" and path.is_file()
        assert squash(Messages(lang)("attention.plot_positions")) in squash(result.stdout)
