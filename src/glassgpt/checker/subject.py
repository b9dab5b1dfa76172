"""One part of the learner's GPT under test (`Subject`): what every check of the part reads, and how glassgpt's
version of the parts below that failed stands in for them (grader.py says why)."""

from dataclasses import dataclass

import torch

from .learner import ClassInfo, Learner, Remote
from .reference import CHECK_CONFIG, GPT_NAMES, load_reference, reference_config, references


@dataclass(frozen=True)
class Subject:
    """One part of the learner's GPT under test: what every check of the part reads."""

    learner: Learner
    role: str
    cls: ClassInfo
    config: int | None  # the learner's GPTConfig with CHECK_CONFIG's sizes (kept by the runner)
    dropout_config: int | None  # the same with dropout EVAL_DROPOUT
    failed: frozenset[str]  # the parts below that did not pass: glassgpt's stand in for them
    own: Remote | None = None  # built as the learner builds it (their initialisation), in eval mode
    random: Remote | None = None  # a copy with random weights, the failed parts below replaced
    weights: dict | None = None  # those random weights, chosen here, by every name they go by

    @property
    def name(self) -> str:
        return self.cls.name

    def build(self, config) -> Remote | str:
        return self.learner.build(self.role, config)

    def call_text(self) -> str:
        """How the part is built, as the learner would write it."""
        if self.role != "layer_norm":
            return f"{self.name}(config)"
        return f"{self.name}({CHECK_CONFIG['n_embd']}{', bias=True' if self.cls.takes_bias else ''})"

    def generator(self, check: str) -> torch.Generator:
        return self.learner.generator(self.role, check)

    def where(self, method: str = "forward"):
        return self.learner.where_defined(self.name, method)

    def forward(self, module: Remote, *args):
        return self.learner.forward(module, *args)

    def replaced(self) -> list[str]:
        """The attributes of a block or GPT that glassgpt's version replaces: those whose part did not pass."""
        if self.role == "block":
            return [name for name, part in (("attn", "attention"), ("mlp", "mlp"), ("ln_1", "layer_norm"),
                                            ("ln_2", "layer_norm")) if part in self.failed]
        if self.role == "gpt":
            return ["blocks"] * bool(self.failed & {"layer_norm", "attention", "mlp", "block"}) \
                + ["ln_f"] * ("layer_norm" in self.failed)
        return []

    def isolated(self, module: Remote, weights: dict) -> Remote:
        """`module` (carrying `weights`) with glassgpt's version, carrying the same weights, of each part below
        that did not pass, so that its own checks grade its own code; `module` itself when every part below
        passed."""
        replace = self.replaced()
        if not replace:
            return module
        (_, glass), = references(self.learner, self.role, module)
        if load_reference(glass, weights):
            return module  # its layout cannot be read: the reference check will say so
        parts = []
        for name in replace:
            path = next(p for p in GPT_NAMES.get(name, (name,)) if p in module.modules)
            if name == "blocks":
                parts += [(f"{path}.{i}", block) for i, block in enumerate(glass.blocks)]
            else:
                parts.append((path, getattr(glass, name)))
        # glass was built from this config (a block's and a GPT's parts do not depend on tie_weights)
        return self.learner.replace(module, parts, reference_config(self.learner.gelu, self.learner.eps))
