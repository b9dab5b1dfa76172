"""GPTConfig: every number that decides the shape of a GPT, checked once, plus named presets.

The defaults are GPT-2 small. The four `gpt2*` presets are exact GPT-2 (the shapes OpenAI published, the
tanh-approximate GELU, biases everywhere, an LM head tied to the token embedding, LayerNorm eps 1e-5), so a GPT
built from them takes OpenAI's weights unchanged. The small presets are for learning and for tests.
"""

import dataclasses
import math
import warnings
from dataclasses import asdict, dataclass, fields

from .errors import GlassGPTError

MAX_SEED = 2**63 - 1  # torch's generators take 64-bit seeds; a negative one would be folded into this range unseen


def is_whole(value) -> bool:
    """An int, and not a bool (True is an int to Python, never a size to a person)."""
    return isinstance(value, int) and not isinstance(value, bool)


def require_whole(field: str, value, least: int = 1) -> None:
    """`value` is a whole number of at least `least` (1: positive, 0: not negative; no other bound is said), else
    an error naming `field`."""
    if not is_whole(value):
        raise GlassGPTError("config_not_int", field=field, value=repr(value))
    if value < least and least == 1:
        raise GlassGPTError("config_not_positive", field=field, value=value)
    if value < least:
        raise GlassGPTError("config_negative", field=field, value=value)


def require_seed(value) -> None:
    """A seed every torch generator takes: a whole number from 0 to MAX_SEED."""
    if not is_whole(value):
        raise GlassGPTError("config_not_int", field="seed", value=repr(value))
    if not 0 <= value <= MAX_SEED:
        raise GlassGPTError("train_seed", value=value, largest=MAX_SEED)


def attention_scale(head_size: int) -> float:
    """1/√hs, what attention scores q·k are multiplied by: the dot product of two unit-variance vectors of hs
    numbers has a variance of hs, and the scale brings it back to 1, so that the softmax does not saturate into a
    one-hot as heads grow (Vaswani et al. 2017, section 3.2.1). The one place this scale is written."""
    return 1.0 / math.sqrt(head_size)


def upgrade_fields(stored: dict) -> dict:
    """GPTConfig fields as an older glassgpt stored them, in today's names: `attention` ("sdpa" / "manual")
    became `flash` (True / False). Read silently; only code that passes `attention=` is warned."""
    stored = dict(stored)
    if "attention" in stored:
        attention = stored.pop("attention")
        if attention is not None:
            stored.setdefault("flash", attention if attention not in ("sdpa", "manual") else attention == "sdpa")
    return stored


class Replaceable:
    """`replace(**changes)` for a frozen dataclass that validates itself in `__post_init__`: a copy with some
    fields changed, validated again; a name that is not a field is an error that lists the fields."""

    def replace(self, **changes):
        known = {f.name for f in fields(self)}
        for name in changes:
            if name not in known:
                raise GlassGPTError(
                    "unknown_field",
                    owner=type(self).__name__, name=name, known=", ".join(sorted(known)),
                )
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class GPTConfig(Replaceable):
    vocab_size: int = 50257  # number of distinct tokens; GPT-2's BPE has 50,257
    block_size: int = 1024  # longest sequence the model sees (the number of learned positions)
    n_layer: int = 12  # transformer blocks stacked one after another
    n_head: int = 12  # attention heads per block; each sees n_embd // n_head dimensions
    n_embd: int = 768  # width of the residual stream
    dropout: float = 0.0  # probability of zeroing an activation while training; 0 disables dropout
    bias: bool = True  # biases in Linear layers and LayerNorms (GPT-2 has them)
    tie_weights: bool = True  # the LM head reuses the token embedding matrix (one tensor, not a copy)
    gelu_approximate: str = "tanh"  # "tanh" is GPT-2's GELU; "none" is the exact erf GELU
    layer_norm_eps: float = 1e-5
    flash: bool = True  # True: PyTorch's fused attention kernel; False: the written-out maths (same result, and
    #                     every hook point sees its tensors); each attention module's `flash` starts from it
    attention: str | None = None  # deprecated: "sdpa" is flash=True, "manual" is flash=False

    def __post_init__(self):
        if self.attention is not None:
            if self.attention not in ("sdpa", "manual"):
                raise GlassGPTError(
                    "config_choice",
                    field="attention", value=repr(self.attention), choices="sdpa, manual",
                )
            warnings.warn('GPTConfig(attention=...) is deprecated: use flash=True for "sdpa", flash=False for '
                          '"manual"', DeprecationWarning, stacklevel=3)
            object.__setattr__(self, "flash", self.attention == "sdpa")
            object.__setattr__(self, "attention", None)
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
            require_whole(name, getattr(self, name))
        if self.n_embd % self.n_head:
            raise GlassGPTError(
                "config_heads_divide",
                n_embd=self.n_embd, n_head=self.n_head,
            )
        if isinstance(self.dropout, bool) or not isinstance(self.dropout, (int, float)) or not 0 <= self.dropout < 1:
            raise GlassGPTError(
                "config_dropout",
                value=repr(self.dropout),
            )
        for name in ("bias", "tie_weights", "flash"):
            if not isinstance(getattr(self, name), bool):
                raise GlassGPTError(
                    "config_not_bool",
                    field=name, value=repr(getattr(self, name)),
                )
        if self.gelu_approximate not in ("tanh", "none"):
            raise GlassGPTError(
                "config_choice",
                field="gelu_approximate", value=repr(self.gelu_approximate), choices="tanh, none",
            )
        if isinstance(self.layer_norm_eps, bool) or not isinstance(self.layer_norm_eps, (int, float)) \
                or not self.layer_norm_eps > 0:
            raise GlassGPTError(
                "config_eps",
                value=repr(self.layer_norm_eps),
            )

    def __eq__(self, other):
        # field by field, whatever the subclass (defined here, so the dataclass makes no class-checking one): the
        # course's GPTConfig (root model.py, other defaults) read back from a checkpoint as glassgpt's equals the
        # config that was saved
        if not isinstance(other, GPTConfig):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self):
        return hash(self._values())

    def _values(self) -> tuple:
        return tuple(getattr(self, f.name) for f in fields(GPTConfig))

    def __setstate__(self, state: dict) -> None:
        """Unpickling (the course's checkpoint stores its GPTConfig): fields as an older glassgpt stored them are
        read in today's names (`upgrade_fields`), and a field it did not have takes its default."""
        state = upgrade_fields(state)
        for f in fields(self):
            object.__setattr__(self, f.name, state.get(f.name, f.default))

    @property
    def head_size(self) -> int:
        """hs: the dimensions each head sees (n_embd split evenly across the heads)."""
        return self.n_embd // self.n_head

    @property
    def attention_scale(self) -> float:
        """1/√hs (see `attention_scale`)."""
        return attention_scale(self.head_size)

    @classmethod
    def from_preset(cls, name: str, **overrides) -> "GPTConfig":
        """The named preset, with any field replaced by `overrides` (the rest of the preset is kept)."""
        if name not in PRESETS:
            raise GlassGPTError(
                "unknown_preset",
                name=name, known=", ".join(PRESETS),
            )
        return PRESETS[name].replace(**overrides)

    def to_dict(self) -> dict:
        """Every field but the deprecated `attention` (always None once made: `flash` holds its meaning)."""
        fields = asdict(self)
        del fields["attention"]
        return fields


PRESETS = {
    # OpenAI's GPT-2 family (Radford et al. 2019): 124M, 355M, 774M, 1558M parameters
    "gpt2": GPTConfig(n_layer=12, n_head=12, n_embd=768),
    "gpt2-medium": GPTConfig(n_layer=24, n_head=16, n_embd=1024),
    "gpt2-large": GPTConfig(n_layer=36, n_head=20, n_embd=1280),
    "gpt2-xl": GPTConfig(n_layer=48, n_head=25, n_embd=1600),
    # teaching sizes: "tiny" runs in milliseconds and prints small tensors; "small" is the course's demo model;
    # "char" is the character-level Shakespeare model (65 characters, 6 layers, 6 heads, 384 wide)
    "tiny": GPTConfig(vocab_size=64, block_size=16, n_layer=2, n_head=2, n_embd=16),
    "small": GPTConfig(vocab_size=1000, block_size=64, n_layer=4, n_head=4, n_embd=128),
    "char": GPTConfig(vocab_size=65, block_size=256, n_layer=6, n_head=6, n_embd=384),
    # the course's own model ("Step 2: GPT Model" defaults): its step-1 tokenizer's 6,400 tokens, 512 positions,
    # 8 blocks of 8 heads, 512 wide, dropout 0.1, no biases, PyTorch's default exact (erf) GELU, tied head
    "course": GPTConfig(vocab_size=6400, block_size=512, n_layer=8, n_head=8, n_embd=512, dropout=0.1, bias=False,
                        gelu_approximate="none"),
}
