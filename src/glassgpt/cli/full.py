"""full mode: the architecture drawn for the chosen config with its real numbers, the forward pass traced through
it, the loss at initialisation beside ln(vocab_size), and a short generation."""

import math

import torch

from ..inspection import trace_forward
from .options import (add_model_options, add_text_options, describe, example_input, model_from_args,
                      require_finite)
from .render import WIDTH, display_width, frame, heading, pad, readable_sizes, shape, tokens_line, visible, wrap

ARROW = 6  # column of the arrows that join the boxes
GENERATED = 8  # new tokens in the short generation
# probabilities whose largest is at most this many times the smallest are called "nearly the same"
NEARLY_UNIFORM = 2.0


def add_arguments(parser, t) -> None:
    parser.description = t("full.about")
    add_model_options(parser, t)
    add_text_options(parser, t)


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


def loss_lines(trace, config, untrained: bool, t) -> list[str]:
    """The loss on random next tokens beside ln(vocab_size), and why they are close (or, loaded, why not).

    On uniformly random targets the expected loss is ln V + KL(uniform || p): ln V plus how far the model's
    probabilities are from uniform, which for small logits is about half their variance."""
    logits = trace.logits.float()  # (B, T, V)
    probs = torch.softmax(logits, dim=-1)  # (B, T, V)
    loss, ln_vocab = trace.loss.item(), math.log(config.vocab_size)
    p_min, p_max = probs.min().item(), probs.max().item()
    # a random target's -ln p varies from token to token: the loss of `count` of them wanders by about `noise`
    count = trace.logits.shape[0] * trace.logits.shape[1]
    noise = (-probs.log()).std(dim=-1, correction=0).mean().item() / math.sqrt(count)
    fields = dict(std=logits.std().item(), vocab=config.vocab_size, uniform=1 / config.vocab_size, p_max=p_max,
                  p_min=p_min, ratio=p_max / p_min if p_min > 0 else math.inf, ln_vocab=ln_vocab,
                  gap=loss - ln_vocab, half_var=logits.var(dim=-1, correction=0).mean().item() / 2, count=count,
                  noise=noise)
    lines = ["", t("full.loss_title" if untrained else "full.loss_title_loaded"),
             "  " + t("full.loss", loss=loss), "  " + t("full.ln_vocab", vocab=config.vocab_size, ln_vocab=ln_vocab)]
    if not untrained:
        return lines + wrap(t("full.loss_why_loaded", **fields), indent="  ")
    nearly_uniform = fields["ratio"] <= NEARLY_UNIFORM
    return lines + wrap(t("full.loss_why" if nearly_uniform else "full.loss_why_spread", **fields), indent="  ")


def run(args, t) -> list[str]:
    model = model_from_args(args)
    config = model.config
    B, T = readable_sizes(config, batches=(4, 3, 5, 2), lengths=(16, 12, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1))
    example = example_input(args, model, B, T)
    idx = example.idx
    B, T = idx.shape  # --text: one sequence of its tokens
    # random tokens and random next tokens: what an untrained model faces, and what ln(vocab_size) is about
    targets = torch.randint(0, config.vocab_size, (B, T), generator=example.generator).to(idx.device)
    trace = trace_forward(model, idx, targets)
    require_finite(trace.logits, args)
    untrained = args.checkpoint is None

    lines = heading(t("full.title", config=describe(config)))
    lines += wrap(t("full.symbols", B=B, T=T, d=config.n_embd, nh=config.n_head, hs=config.head_size,
                    d4=4 * config.n_embd, V=config.vocab_size, N=config.n_layer))
    if example.texts is not None:
        lines += tokens_line(idx[0].tolist(), example.texts, t)
    lines += [""] + diagram(config, trace, B, T, t)

    lines += ["", t("full.trace_title")] + forward_table(config, trace, t)
    lines += wrap(t("full.std_note"), indent="  ")
    lines += loss_lines(trace, config, untrained, t)

    prompt = idx[:1] if args.text is not None else idx[:1, :min(4, T)]  # (1, T_prompt)
    sampler = torch.Generator(device=idx.device).manual_seed(args.seed)
    out = model.generate(prompt, GENERATED, temperature=1.0, generator=sampler)  # past block_size the window slides
    generated = out[0, prompt.size(1):].tolist()
    lines += ["", t("full.generate_title" if untrained else "full.generate_title_loaded", n=GENERATED)]
    lines += ["  " + t("full.prompt", ids=prompt[0].tolist()), "  " + t("full.generated", ids=generated)]
    if example.tokenizer is not None:
        lines += ["  " + t("full.as_text", prompt=visible(example.tokenizer.decode(prompt[0].tolist()), spaces=False),
                           generated=visible(example.tokenizer.decode(generated), spaces=False))]
    lines += wrap(t("full.generate_how"), indent="  ")
    return lines
