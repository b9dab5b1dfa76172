"""Tokenizers found with the weights: text in, token ids out, and back again.

Three kinds, each read with the library that is the standard for it:
- a Hugging Face tokenizer, `tokenizer.json` or GPT-2's `vocab.json` + `merges.txt` (byte-level BPE): the
  `tokenizers` library (`HFTokenizer`);
- a SentencePiece model, `tokenizer.model` (the course's step 1 trains one): `sentencepiece`
  (`SentencePieceTokenizer`);
- a character vocabulary (`CharTokenizer`): the `vocab` (char -> id) a course step-3 checkpoint holds, or one
  built from a text file for training. It is saved as a `tokenizer.json` of the `tokenizers` library (a WordLevel
  model over single characters, a pre-tokenizer that splits every character off, a decoder that joins them), so
  transformers' `PreTrainedTokenizerFast(tokenizer_file=...)` reads it too, and glassgpt finds it again as a
  CharTokenizer.

All of them answer the same few questions (`Tokenizer`): `encode`, `decode`, `token_bytes` and `token_texts`
(each token's bytes, and a label to print on an axis), `vocab_size`, `has_id`, `save(folder)`. A model's
vocabulary may be larger than its tokenizer's (padded, as nanoGPT pads GPT-2's 50,257 to 50,304) or the tokenizer
may skip ids: `PaddedTokenizer` shows every id it has no token for as `<id>`, so that any id a model can produce
has a text.

`read_tokenizer(path)` reads the tokenizer files of a file or folder (one dispatch over their kinds, each file read
once); only regular files are read. Tokenizers know no checkpoint format: each format (checkpoints/) builds its
tokenizer from these classes. Text a tokenizer cannot encode is an error, never silently shortened: a WordLevel
vocabulary without an unknown token given a word it lacks, or a BPE without byte fallback or unknown token that
would drop a character. Streaming: byte-level BPE may split one character across tokens (GPT-2 writes 你 as two tokens, the bytes
E4 BD and then A0), so printing token by token would print broken bytes; `StreamDecoder` holds an incomplete
UTF-8 sequence back until its character is whole.
"""

import codecs
import json
import operator
import os
import re
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path

from .errors import GlassGPTError

TOKENIZER_JSON = "tokenizer.json"
BPE_VOCAB, BPE_MERGES = "vocab.json", "merges.txt"
SENTENCEPIECE_MODEL = "tokenizer.model"
TOKENIZER_FILES = (TOKENIZER_JSON, BPE_VOCAB, BPE_MERGES, SENTENCEPIECE_MODEL)
GPT2_END_OF_TEXT = "<|endoftext|>"
_BYTE_PIECE = re.compile(r"<0x([0-9A-Fa-f]{2})>")  # a byte-fallback piece (SentencePiece, Llama-style BPE)


def _byte_level_alphabet() -> dict[str, int]:
    """GPT-2's byte-level BPE writes every byte as one printable character: the printable bytes of Latin-1 as
    themselves, the other 68 (controls, space, ...) as the characters from U+0100 on, in byte order. char -> byte."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    others = [b for b in range(256) if b not in printable]
    return {**{chr(b): b for b in printable}, **{chr(256 + i): b for i, b in enumerate(others)}}


_BYTE_OF_CHAR = _byte_level_alphabet()


class Tokenizer:
    """What glassgpt asks of a tokenizer. Token ids are ints in [0, vocab_size)."""

    vocab_size: int

    def encode(self, text: str) -> list[int]:
        raise NotImplementedError

    def decode(self, ids: Iterable[int]) -> str:
        raise NotImplementedError

    def token_bytes(self, token_id: int) -> bytes:
        """The bytes this token adds to running text (b"" for a control token such as SentencePiece's <s>)."""
        raise NotImplementedError

    def token_texts(self, ids: Iterable[int]) -> list[str]:
        """A label per token, to print on an axis: its text, with bytes that are only part of a character (one
        token of a character split across tokens) written as \\xNN."""
        return [self.token_bytes(i).decode("utf-8", errors="backslashreplace") for i in ids]

    def has_id(self, token_id: int) -> bool:
        """Whether `token_id` is one of this tokenizer's tokens (a vocabulary may skip ids)."""
        return 0 <= token_id < self.vocab_size

    def save(self, folder: Path) -> None:
        """Write this tokenizer's file(s) into `folder`, where read_tokenizer finds them again."""
        raise NotImplementedError

    def _check_id(self, token_id) -> int:
        token_id = operator.index(token_id)  # ints, numpy ints and 0-d integer tensors; a float is a TypeError
        if not 0 <= token_id < self.vocab_size:
            raise GlassGPTError("tokenizer_bad_id", id=token_id, vocab_size=self.vocab_size)
        return token_id


class HFTokenizer(Tokenizer):
    """A `tokenizers.Tokenizer`: GPT-2's byte-level BPE, or anything else saved as tokenizer.json."""

    def __init__(self, tokenizer, spec: dict | None = None):
        self._tokenizer = tokenizer
        self.vocab_size = tokenizer.get_vocab_size(with_added_tokens=True)
        self._special = {i: t.content for i, t in tokenizer.get_added_tokens_decoder().items()}
        decoder = (spec if spec is not None else json.loads(tokenizer.to_str())).get("decoder") or {}
        self._byte_level = "ByteLevel" in json.dumps(decoder)  # alone or inside a decoder Sequence

    @classmethod
    def from_file(cls, file: Path) -> "HFTokenizer":
        return _from_tokenizer_json(file)

    @classmethod
    def from_bpe_files(cls, vocab: Path, merges: Path) -> "HFTokenizer":
        """GPT-2's tokenizer from its two files: byte-level BPE, GPT-2's split into words, <|endoftext|> special."""
        from tokenizers import Tokenizer as Library
        from tokenizers import decoders, models, pre_tokenizers

        def build():
            tokenizer = Library(models.BPE.from_file(str(vocab), str(merges)))
            tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
            tokenizer.decoder = decoders.ByteLevel()
            if tokenizer.token_to_id(GPT2_END_OF_TEXT) is not None:
                tokenizer.add_special_tokens([GPT2_END_OF_TEXT])
            return tokenizer
        return cls(_read(build, vocab))

    def encode(self, text: str) -> list[int]:
        try:
            encoding = self._tokenizer.encode(text, add_special_tokens=False)
        except Exception as e:  # a WordLevel vocabulary without an unknown token, given a word it lacks
            raise GlassGPTError("tokenizer_no_unknown") from e
        covered = bytearray(len(text))  # offsets count characters of `text`
        for start, end in encoding.offsets:
            covered[start:end] = b"\x01" * (end - start)
        dropped = next((c for c, seen in zip(text, covered) if not seen and not c.isspace()), None)
        if dropped is not None:  # a BPE without byte fallback or unknown token drops what it cannot spell
            raise GlassGPTError("tokenizer_dropped_char", char=repr(dropped))
        return encoding.ids

    def decode(self, ids: Iterable[int]) -> str:
        return self._tokenizer.decode([self._check_id(i) for i in ids], skip_special_tokens=False)

    def has_id(self, token_id: int) -> bool:
        return token_id in self._special or (0 <= token_id < self.vocab_size
                                             and self._tokenizer.id_to_token(token_id) is not None)

    def token_bytes(self, token_id: int) -> bytes:
        token_id = self._check_id(token_id)
        if token_id in self._special:
            return self._special[token_id].encode("utf-8")
        piece = self._tokenizer.id_to_token(token_id)
        if piece is None:  # a gap in the ids
            raise GlassGPTError("tokenizer_bad_id", id=token_id, vocab_size=self.vocab_size)
        if self._byte_level and all(c in _BYTE_OF_CHAR for c in piece):
            return bytes(_BYTE_OF_CHAR[c] for c in piece)
        if match := _BYTE_PIECE.fullmatch(piece):
            return bytes([int(match.group(1), 16)])
        return piece.replace("▁", " ").encode("utf-8")  # SentencePiece-style pieces mark a space with ▁

    def save(self, folder: Path) -> None:
        self._tokenizer.save(str(Path(folder) / TOKENIZER_JSON))


class SentencePieceTokenizer(Tokenizer):
    """A SentencePiece model (`tokenizer.model`), kept as its serialized bytes (what `save` writes back)."""

    def __init__(self, model_proto: bytes):
        import sentencepiece

        self._proto = model_proto
        self._sp = sentencepiece.SentencePieceProcessor(model_proto=model_proto)
        self.vocab_size = self._sp.get_piece_size()
        if self.vocab_size == 0:  # an empty proto loads without complaint, as a model with no pieces
            raise ValueError("a SentencePiece model with no pieces")

    @classmethod
    def from_file(cls, file: Path) -> "SentencePieceTokenizer":
        return _read(lambda: cls(_regular(file).read_bytes()), file)

    def encode(self, text: str) -> list[int]:
        return self._sp.encode(text, out_type=int)

    def decode(self, ids: Iterable[int]) -> str:
        return self._sp.decode([self._check_id(i) for i in ids])

    def token_bytes(self, token_id: int) -> bytes:
        token_id = self._check_id(token_id)
        if self._sp.is_control(token_id):
            return b""
        piece = self._sp.id_to_piece(token_id)
        if self._sp.is_byte(token_id):
            return bytes([int(_BYTE_PIECE.fullmatch(piece).group(1), 16)])
        return piece.replace("▁", " ").encode("utf-8")

    def token_texts(self, ids: Iterable[int]) -> list[str]:
        ids = [self._check_id(i) for i in ids]
        labels = super().token_texts(ids)
        # control tokens (<s>, </s>) add no text; their label is their name
        return [self._sp.id_to_piece(i) if self._sp.is_control(i) else label for i, label in zip(ids, labels)]

    def save(self, folder: Path) -> None:
        (Path(folder) / SENTENCEPIECE_MODEL).write_bytes(self._proto)


class CharTokenizer(Tokenizer):
    """One token per character: the course's `char_to_idx`."""

    def __init__(self, char_to_id: Mapping[str, int]):
        if not isinstance(char_to_id, Mapping) or not char_to_id or not all(
                isinstance(c, str) and len(c) == 1 and isinstance(i, int) and not isinstance(i, bool) and i >= 0
                for c, i in char_to_id.items()) or len(set(char_to_id.values())) != len(char_to_id):
            raise GlassGPTError("char_vocab_bad", what=_short_repr(char_to_id))
        self.char_to_id = dict(char_to_id)
        self.id_to_char = {i: c for c, i in self.char_to_id.items()}
        self.vocab_size = max(self.id_to_char) + 1

    @classmethod
    def from_text(cls, text: str) -> "CharTokenizer":
        """Every distinct character of `text`, in sorted order (the course's `sorted(set(text))`)."""
        if not text:
            raise GlassGPTError("char_vocab_empty")
        return cls({c: i for i, c in enumerate(sorted(set(text)))})

    def encode(self, text: str) -> list[int]:
        for c in text:
            if c not in self.char_to_id:
                raise GlassGPTError("tokenizer_unknown_char", char=repr(c), size=len(self.char_to_id))
        return [self.char_to_id[c] for c in text]

    def decode(self, ids: Iterable[int]) -> str:
        return "".join(self._char(i) for i in ids)

    def token_bytes(self, token_id: int) -> bytes:
        return self._char(token_id).encode("utf-8", errors="surrogatepass")

    def has_id(self, token_id: int) -> bool:
        return token_id in self.id_to_char

    def save(self, folder: Path) -> None:
        from tokenizers import Regex
        from tokenizers import Tokenizer as Library
        from tokenizers import decoders, models, pre_tokenizers

        tokenizer = Library(models.WordLevel(self.char_to_id, unk_token=None))
        # every character its own piece ([\s\S]: any character, newlines included), joined back with nothing between
        tokenizer.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")
        tokenizer.decoder = decoders.Fuse()
        tokenizer.save(str(Path(folder) / TOKENIZER_JSON))

    def _char(self, token_id) -> str:
        token_id = self._check_id(token_id)
        if token_id not in self.id_to_char:  # a gap in the ids
            raise GlassGPTError("tokenizer_bad_id", id=token_id, vocab_size=self.vocab_size)
        return self.id_to_char[token_id]


class PaddedTokenizer(Tokenizer):
    """A tokenizer seen through a model's vocabulary of `vocab_size` ids: every id the tokenizer has no token for
    (past its end, or a gap) reads as `<id>`, in labels, in decoded text and in a stream."""

    def __init__(self, tokenizer: Tokenizer, vocab_size: int):
        self.tokenizer = tokenizer
        self.vocab_size = max(vocab_size, tokenizer.vocab_size)

    def encode(self, text: str) -> list[int]:
        return self.tokenizer.encode(text)

    def decode(self, ids: Iterable[int]) -> str:
        """Runs of known ids decoded together (as the tokenizer joins them), each other id as <id>."""
        text, run = "", []
        for i in [*map(self._check_id, ids), None]:
            if i is not None and self.tokenizer.has_id(i):
                run.append(i)
                continue
            text += (self.tokenizer.decode(run) if run else "") + ("" if i is None else f"<{i}>")
            run = []
        return text

    def token_bytes(self, token_id: int) -> bytes:
        token_id = self._check_id(token_id)
        return self.tokenizer.token_bytes(token_id) if self.tokenizer.has_id(token_id) else f"<{token_id}>".encode()

    def token_texts(self, ids: Iterable[int]) -> list[str]:
        return [self.tokenizer.token_texts([i])[0] if self.tokenizer.has_id(i) else f"<{i}>"
                for i in map(self._check_id, ids)]

    def save(self, folder: Path) -> None:
        self.tokenizer.save(folder)


class StreamDecoder:
    """Token ids in, one at a time; text out as soon as it is whole.

    Each token's bytes go through an incremental UTF-8 decoder: the first two bytes of a three-byte character wait
    for the third instead of printing as two broken characters. Bytes that can never become a character are
    replaced (U+FFFD) as soon as that is certain, as `decode` does. Pushing ids and then calling `flush()` gives
    exactly `tokenizer.decode(ids)` for byte-level BPE and character vocabularies; for SentencePiece the same
    except that `decode` drops the space that marks the very first word (a stream continues a prompt, so it
    keeps it).
    """

    def __init__(self, tokenizer: Tokenizer):
        self._tokenizer = tokenizer
        self._utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def push(self, token_id: int) -> str:
        """The text this token completes: "" while a character is still incomplete."""
        return self._utf8.decode(self._tokenizer.token_bytes(token_id))

    def flush(self) -> str:
        """The end of the stream: bytes still waiting for the rest of their character, as U+FFFD."""
        return self._utf8.decode(b"", final=True)


# --- reading -------------------------------------------------------------------------------------------------------

def read_tokenizer(path) -> Tokenizer | None:
    """The tokenizer of a folder or a file, or None for a folder without one.

    A folder: `tokenizer.json`, else `vocab.json` + `merges.txt`, else `tokenizer.model`. A file: tokenizer.json
    (any *.json but vocab.json), vocab.json (with merges.txt beside it), tokenizer.model (any *.model); a file of
    another kind is an error naming it."""
    path = Path(path)
    if path.is_dir():
        for name in (TOKENIZER_JSON, BPE_VOCAB, SENTENCEPIECE_MODEL):
            if (path / name).is_file() and (name != BPE_VOCAB or (path / BPE_MERGES).is_file()):
                return read_tokenizer(path / name)
        return None
    _regular(path)
    if path.name == BPE_VOCAB:
        if not (path.parent / BPE_MERGES).is_file():
            raise GlassGPTError("tokenizer_not_found", path=str(path))
        return HFTokenizer.from_bpe_files(path, _regular(path.parent / BPE_MERGES))
    if path.suffix == ".json":
        return _from_tokenizer_json(path)
    if path.suffix == ".model":
        return SentencePieceTokenizer.from_file(path)
    raise GlassGPTError("tokenizer_not_found", path=str(path))


def _regular(file: Path) -> Path:
    """`file`, when it is a regular file: a FIFO or a device would block the reader or never end."""
    try:
        mode = os.stat(file).st_mode
    except OSError:
        raise GlassGPTError("tokenizer_not_found", path=str(file)) from None
    if not stat.S_ISREG(mode):
        raise GlassGPTError("not_regular_file", file=str(file))
    return Path(file)


def _from_tokenizer_json(file: Path) -> Tokenizer:
    """A tokenizer.json, read once; one that CharTokenizer.save wrote comes back as a CharTokenizer."""
    from tokenizers import Tokenizer as Library

    text = _read(lambda: _regular(file).read_text(encoding="utf-8"), file)
    spec = _read(lambda: json.loads(text), file)
    model = spec.get("model") if isinstance(spec, dict) else None
    decoder = spec.get("decoder") if isinstance(spec, dict) else None
    if isinstance(model, dict) and model.get("type") == "WordLevel" and isinstance(decoder, dict) \
            and decoder.get("type") == "Fuse" and isinstance(model.get("vocab"), dict) \
            and all(len(c) == 1 for c in model["vocab"]):
        return CharTokenizer(model["vocab"])
    return HFTokenizer(_read(lambda: Library.from_str(text), file), spec if isinstance(spec, dict) else None)


def _read(read, file: Path):
    """Run `read()`; any failure (the libraries raise many kinds) is a GlassGPTError naming the file."""
    try:
        return read()
    except GlassGPTError:
        raise
    except Exception as e:
        raise GlassGPTError("tokenizer_damaged",
                            file=str(file)) from e


def _short_repr(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
