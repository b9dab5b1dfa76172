"""full mode: the architecture drawn for the chosen config with its real numbers, the forward pass traced through
it, the loss at initialisation beside ln(vocab_size), and a short generation."""

import math

import torch

from ..inspection import trace_forward
from .options import describe, model_from_args
from .render import WIDTH, display_width, frame, heading, pad, readable_sizes, shape, wrap

ARROW = 6  # column of the arrows that join the boxes
GENERATED = 8  # new tokens in the short generation


def _arrow(label: str = "") -> str:
    return " " * ARROW + "│" + (" " + label if label else "")


def diagram(config, trace, B: int, T: int, t) -> list[str]:
    """The course's architecture as boxes: embeddings -> N blocks -> final LayerNorm -> LM head, every size the
    real one (shapes from the hooks in `trace`)."""
    step = {s.name: s for s in trace.steps}
    d, nh, hs, V, N = config.n_embd, config.n_head, config.head_size, config.vocab_size, config.n_layer
    qkv = shape(step["blocks.0.attn.split_heads"].output_shape)
    weights = shape(step["blocks.0.attn.softmax"].output_shape)
    wide = step["blocks.0.mlp.c_fc"].output_shape[-1]
    embed = [t("full.box.tok_emb", V=V, d=d), t("full.box.pos_emb", block_size=config.block_size, d=d)]
    block_lines = [t("full.box.attn"), t("full.box.heads", nh=nh, hs=hs, d=d),
                   t("full.box.qkv", shape=qkv), t("full.box.weights", shape=weights),
                   t("full.box.mlp"), t("full.box.mlp_sizes", d=d, d4=wide)]
    head = [t("full.box.lm_head_tied" if step["lm_head"].tied_to else "full.box.lm_head", d=d, V=V)]
    inner = min(WIDTH - 8, max(display_width(line) for line in [*embed, *head, *block_lines]) + 4)
    inner_block = inner - 4  # the block's own box sits inside the "N x" box

    lines = [" " * ARROW + t("full.arrow.idx", B=B, T=T), _arrow()]
    lines += frame(embed, inner, top=ARROW, bottom=ARROW)
    lines.append(_arrow(t("full.arrow.x", shape=shape(step["drop"].output_shape))))
    inside = frame(block_lines, inner_block, sections=(4,))
    lines += frame([t("full.box.blocks", N=N)] + inside, inner, top=ARROW, bottom=ARROW)
    lines.append(_arrow(t("full.arrow.x", shape=shape(step[f"blocks.{N - 1}"].output_shape))))
    lines += frame([t("full.box.ln_f", d=d)], inner, top=ARROW, bottom=ARROW)
    lines.append(_arrow(shape(step["ln_f"].output_shape)))
    lines += frame(head, inner, top=ARROW, bottom=ARROW)
    lines.append(_arrow(t("full.arrow.logits", shape=shape(step["lm_head"].output_shape))))
    return lines


def forward_table(config, trace, t) -> list[str]:
    """The residual stream's shape and spread after each stage of the forward pass."""
    rows = [("idx", trace.steps[0].input_shape, None)]
    wanted = ["drop", *(f"blocks.{i}" for i in range(config.n_layer)), "ln_f", "lm_head"]
    step = {s.name: s for s in trace.steps}
    for name in wanted:
        label = t("full.stage.embed") if name == "drop" else t("full.stage.logits") if name == "lm_head" else name
        rows.append((label, step[name].output_shape, step[name].output_std))
    lines = ["  " + pad(t("full.col.stage"), 28) + pad(t("full.col.shape"), 20) + t("full.col.std")]
    for label, dims, std in rows:
        lines.append(("  " + pad(label, 28) + pad(shape(dims), 20) + ("" if std is None else f"{std:.4f}")).rstrip())
    return lines


def run(args, t) -> int:
    model = model_from_args(args, t).eval()
    config = model.config
    device = next(model.parameters()).device
    B, T = readable_sizes(config, batches=(4, 3, 5, 2), lengths=(16, 12, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1))
    generator = torch.Generator().manual_seed(args.seed)
    # random tokens and random next tokens: what an untrained model faces, and what ln(vocab_size) is about
    idx = torch.randint(0, config.vocab_size, (B, T), generator=generator).to(device)
    targets = torch.randint(0, config.vocab_size, (B, T), generator=generator).to(device)
    trace = trace_forward(model, idx, targets)

    lines = heading(t("full.title", config=describe(config)))
    lines += wrap(t("full.symbols", B=B, T=T, d=config.n_embd, nh=config.n_head, hs=config.head_size,
                    d4=4 * config.n_embd, V=config.vocab_size, N=config.n_layer))
    lines += [""] + diagram(config, trace, B, T, t)

    lines += ["", t("full.trace_title")] + forward_table(config, trace, t)
    lines += wrap(t("full.std_note"), indent="  ")

    probs = torch.softmax(trace.logits.float(), dim=-1)  # (B, T, V)
    loss, ln_vocab = trace.loss.item(), math.log(config.vocab_size)
    lines += ["", t("full.loss_title"),
              "  " + t("full.loss", loss=loss), "  " + t("full.ln_vocab", vocab=config.vocab_size, ln_vocab=ln_vocab)]
    lines += wrap(t("full.loss_why", std=trace.logits.float().std().item(), vocab=config.vocab_size,
                    uniform=1 / config.vocab_size, p_max=probs.max().item(), p_min=probs.min().item(),
                    ln_vocab=ln_vocab), indent="  ")

    prompt = idx[:1, :min(4, T)]
    sampler = torch.Generator(device=device).manual_seed(args.seed)
    out = model.generate(prompt, GENERATED, temperature=1.0, generator=sampler)  # past block_size the window slides
    lines += ["", t("full.generate_title", n=GENERATED)]
    lines += ["  " + t("full.prompt", ids=prompt[0].tolist()),
              "  " + t("full.generated", ids=out[0, prompt.size(1):].tolist())]
    lines += wrap(t("full.generate_how"), indent="  ")
    print("\n".join(lines))
    return 0
