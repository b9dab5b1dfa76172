"""GPTConfig: every number that decides the shape of a GPT, checked once, plus named presets.

The defaults are GPT-2 small. The four `gpt2*` presets are exact GPT-2 (the shapes OpenAI published, the
tanh-approximate GELU, biases everywhere, an LM head tied to the token embedding, LayerNorm eps 1e-5), so a GPT
built from them takes OpenAI's weights unchanged. The small presets are for learning and for tests.
"""

from dataclasses import asdict, dataclass, fields, replace

from .errors import GlassGPTError


@dataclass(frozen=True)
class GPTConfig:
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
    attention: str = "sdpa"  # "sdpa": PyTorch's fused kernel; "manual": the written-out maths, same result

    def __post_init__(self):
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise GlassGPTError(
                    "config_not_int",
                    field=name, value=repr(value),
                )
            if value <= 0:
                raise GlassGPTError(
                    "config_not_positive",
                    field=name, value=value,
                )
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
        for name in ("bias", "tie_weights"):
            if not isinstance(getattr(self, name), bool):
                raise GlassGPTError(
                    "config_not_bool",
                    field=name, value=repr(getattr(self, name)),
                )
        for name, allowed in (("gelu_approximate", ("tanh", "none")), ("attention", ("sdpa", "manual"))):
            if getattr(self, name) not in allowed:
                raise GlassGPTError(
                    "config_choice",
                    field=name, value=repr(getattr(self, name)), choices=", ".join(allowed),
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

    @property
    def head_size(self) -> int:
        return self.n_embd // self.n_head

    @classmethod
    def from_preset(cls, name: str, **overrides) -> "GPTConfig":
        """The named preset, with any field replaced by `overrides` (the rest of the preset is kept)."""
        if name not in PRESETS:
            raise GlassGPTError(
                "unknown_preset",
                name=name, known=", ".join(PRESETS),
            )
        return PRESETS[name].replace(**overrides)

    def replace(self, **changes) -> "GPTConfig":
        """A copy with some fields changed (validated again)."""
        known = {f.name for f in fields(self)}
        for name in changes:
            if name not in known:
                raise GlassGPTError(
                    "unknown_field",
                    name=name, known=", ".join(sorted(known)),
                )
        return replace(self, **changes)

    def to_dict(self) -> dict:
        return asdict(self)


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
