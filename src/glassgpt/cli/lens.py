"""lens mode: the logit lens. After every block, what would the model predict if it stopped there?

    glassgpt lens --checkpoint induction --text abcdefabcdef     # watch the induction head take over
    glassgpt lens --checkpoint poem --text 床前明月光 --top-k 5 --json
"""


import torch

from ..analysis import logit_lens
from .output import finite_json
from .options import add_model_options, add_text_options, describe, example_input, model_from_args
from .render import display_width, heading, pad, visible, wrap

DEFAULT_TOP_K = 3
RANDOM_TOKENS = 8  # without --text: this many random tokens, said twice


def add_arguments(parser, t) -> None:
    parser.description = t("lens.about")
    add_model_options(parser, t)
    add_text_options(parser, t)
    parser.add_argument("--top-k", type=int, default=DEFAULT_TOP_K, metavar="K",
                        help=t("lens.opt.top_k", default=DEFAULT_TOP_K))
    parser.add_argument("--json", action="store_true", help=t("lens.opt.json"))


def input_ids(args, model):
    """(idx (1, T), tokenizer or None): --text, or RANDOM_TOKENS random ids from --seed said twice, so that a
    model with an induction head can predict the second half."""
    n = max(1, min(RANDOM_TOKENS, model.config.block_size // 2))
    example = example_input(args, model, 1, n)
    idx = example.idx if args.text is not None else torch.cat([example.idx, example.idx], dim=1)  # (1, T)
    return idx, example.tokenizer


def run(args, t) -> list[str]:
    model = model_from_args(args)
    idx, tokenizer = input_ids(args, model)
    lens = logit_lens(model, idx, top_k=args.top_k)
    ids = idx[0].tolist()

    def text(token_id: int) -> str | None:
        return tokenizer.token_texts([token_id])[0] if tokenizer else None

    def label(token_id: int) -> str:
        return visible(text(token_id)) if tokenizer else str(token_id)

    top_ids, top_probs = lens.top_ids[:, 0].tolist(), lens.top_probs[:, 0].tolist()  # (n_layer, T, k)
    if args.json:
        return [finite_json({
            "config": model.config.to_dict(), "tokens": ids, "texts": [text(i) for i in ids] if tokenizer else None,
            "top_k": len(top_ids[0][0]),
            # layers x positions x k: after block l, at position i, the k likeliest next tokens
            "predictions": [[[{"id": token, "text": text(token), "probability": round(p, 6)}
                              for token, p in zip(layer_ids[i], layer_probs[i])] for i in range(len(ids))]
                            for layer_ids, layer_probs in zip(top_ids, top_probs)],
        })]

    lines = heading(t("lens.title", config=describe(model.config)))
    lines += wrap(t("lens.intro", k=len(top_ids[0][0])))
    if args.text is None:
        lines += wrap(t("lens.random_text", n=len(ids) // 2, seed=args.seed))
    layer_names = [t("lens.after_block", layer=layer) for layer in range(model.config.n_layer)]
    width = max(map(display_width, layer_names))
    for i, token in enumerate(ids):
        following = ids[i + 1] if i + 1 < len(ids) else None
        lines.append("")
        if following is None:
            lines += wrap(t("lens.position", i=i, token=label(token)))
        else:
            lines += wrap(t("lens.position_next", i=i, token=label(token), next=label(following)))
        for name, layer_ids, layer_probs in zip(layer_names, top_ids, top_probs):
            guesses = "   ".join(f"{label(g)} {p:.2f}" + (" ✓" if g == following else "")
                                 for g, p in zip(layer_ids[i], layer_probs[i]))
            lines.append("  " + pad(name, width) + "   " + guesses)
    return lines
