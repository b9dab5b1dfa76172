"""full mode: one forward pass of the whole model, and the loss at initialisation (a first version)."""

import math

import torch

from .options import describe, model_from_args


def run(args, t) -> int:
    model = model_from_args(args, t)
    config = model.config
    print(t("full.title", config=describe(config)))
    generator = torch.Generator().manual_seed(args.seed)
    T = min(16, config.block_size)
    idx = torch.randint(0, config.vocab_size, (4, T + 1), generator=generator).to(next(model.parameters()).device)
    with torch.no_grad():
        logits, loss = model(idx[:, :-1], targets=idx[:, 1:])
    print(t("full.input", shape=tuple(idx[:, :-1].shape)))
    print(t("full.logits", shape=tuple(logits.shape)))
    print(t("full.loss", loss=loss.item(), vocab=config.vocab_size, ln_vocab=math.log(config.vocab_size)))
    print(t("full.loss_why"))
    return 0
