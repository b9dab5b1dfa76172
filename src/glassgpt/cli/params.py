"""params mode: the parameter total beside the course's estimate (a first version)."""

from .options import describe, model_from_args


def run(args, t) -> int:
    model = model_from_args(args, t)
    config = model.config
    total = sum(p.numel() for p in model.parameters())
    estimate = 12 * config.n_layer * config.n_embd ** 2
    print(t("params.title", config=describe(config)))
    print(t("params.total", total=total))
    print(t("params.estimate", n_layer=config.n_layer, n_embd=config.n_embd, estimate=estimate,
            error=estimate / total - 1))
    return 0
