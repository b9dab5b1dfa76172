"""components mode: every module of the model with the shapes it really saw (a first version)."""

import torch

from .options import describe, model_from_args


def run(args, t) -> int:
    model = model_from_args(args, t)
    config = model.config
    print(t("components.title", config=describe(config)))
    seen = []
    hooks = [
        module.register_forward_hook(lambda m, inputs, output, name=name: seen.append((name, m, inputs[0], output)))
        for name, module in model.named_modules() if name
    ]
    T = min(8, config.block_size)
    idx = torch.randint(0, config.vocab_size, (2, T), device=next(model.parameters()).device)
    with torch.no_grad():
        model(idx)
    for hook in hooks:
        hook.remove()
    for name, module, x, y in seen:
        print(t("components.row", name=name, shape_in=str(tuple(x.shape)), shape_out=str(tuple(y.shape)),
                params=sum(p.numel() for p in module.parameters())))
    return 0
