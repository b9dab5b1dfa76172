"""components mode: every component of the chosen config, with the shapes forward hooks saw on a real forward
pass, its parameter count and one line on what it does."""

from ..inspection import trace_forward
from .options import add_model_options, add_text_options, describe, example_input, model_from_args, require_finite
from .render import WIDTH, dim, heading, pad, readable_sizes, shape, tokens_line, wrap

NAME_WIDTH, SHAPES_WIDTH, PARAMS_WIDTH = 24, 40, 14
DERIVED = {"attn.split_heads", "attn.scores", "attn.mask", "attn.softmax", "attn.weighted_sum",
           "attn.merge_heads"}  # steps inside forward, not modules


def add_arguments(parser, t) -> None:
    parser.description = t("components.about")
    add_model_options(parser, t)
    add_text_options(parser, t)


def description(step, config, t) -> str:
    """One line on what a component does, by its role in the trace (inspection.Step.role)."""
    return t.member("components.what", step.role, d=config.n_embd, nh=config.n_head, hs=config.head_size,
                    d4=4 * config.n_embd, vocab=config.vocab_size, block_size=config.block_size, p=config.dropout)


def _row(step, t, depth: int) -> str:
    name = step.name.rpartition(".")[2] if step.layer is not None and step.role != "block" else step.name
    if step.role in DERIVED:
        name = f"({name})"
    out = shape(step.output_shape)
    if step.role == "attn.split_heads":
        out = f"3 x {out}"  # q, k and v
    shapes = f"{shape(step.input_shape)} -> {out}"
    params = t("components.shared") if step.tied_to else f"{step.n_params:,}"
    return pad(" " * 2 * depth + name, NAME_WIDTH) + pad(shapes, SHAPES_WIDTH) + pad(params, PARAMS_WIDTH, ">")


def _depth(step) -> int:
    if step.layer is None or step.role == "block":
        return 0
    return step.role.count(".") + 1


def _signature(steps) -> list[tuple]:
    return [(s.role, s.input_shape, s.output_shape, s.n_params) for s in steps]


def run(args, t) -> list[str]:
    model = model_from_args(args)
    config = model.config
    B, T = readable_sizes(config, batches=(2, 3, 5), lengths=(8, 7, 6, 5, 9, 10, 11, 4, 3, 2, 1))
    example = example_input(args, model, B, T)
    B, T = example.idx.shape  # --text: one sequence of its tokens
    trace = trace_forward(model, example.idx)
    require_finite(trace.logits, args)

    lines = heading(t("components.title", config=describe(config)))
    lines += wrap(t("components.intro" if args.text is None else "components.intro_text", B=B, T=T))
    if example.texts is not None:
        lines += tokens_line(example.idx[0].tolist(), example.texts, t)
    lines += wrap(t("components.derived"))
    lines += ["", pad(t("components.col_name"), NAME_WIDTH) + pad(t("components.col_shapes"), SHAPES_WIDTH)
              + pad(t("components.col_params"), PARAMS_WIDTH, ">"), "─" * (NAME_WIDTH + SHAPES_WIDTH + PARAMS_WIDTH)]

    def show(step):
        lines.append(_row(step, t, _depth(step)))
        notes = [description(step, config, t)]
        if step.tied_to:
            notes.append(t("components.tied", owner=step.tied_to))
        for note in notes:
            lines.extend(dim(line) for line in wrap(note, WIDTH, indent=" " * (2 * _depth(step) + 4)))

    by_layer = [[s for s in trace.steps if s.layer == i] for i in range(config.n_layer)]
    root = next(s for s in trace.steps if s.role == "gpt")
    for step in trace.steps:
        if step.layer is None and step.role != "gpt":
            show(step)
        elif step.role == "block" and step.layer == 0:
            for inner in by_layer[0]:
                show(inner)
            rest = by_layer[1:]
            if rest and all(_signature(steps) == _signature(by_layer[0]) for steps in rest):
                names = f"blocks.1 .. blocks.{config.n_layer - 1}" if len(rest) > 1 else "blocks.1"
                lines.append(pad(names, NAME_WIDTH) + pad(t("components.same_blocks"), SHAPES_WIDTH)
                             + pad(f"{by_layer[0][0].n_params:,}", PARAMS_WIDTH, ">"))
            else:  # never for a GPT, whose blocks are all alike; shown in full should that ever change
                for steps in rest:
                    for inner in steps:
                        show(inner)
    lines.append("─" * (NAME_WIDTH + SHAPES_WIDTH + PARAMS_WIDTH))
    whole = pad(t("components.whole"), NAME_WIDTH)
    lines.append(whole + pad(f"{shape(root.input_shape)} -> {shape(root.output_shape)}", SHAPES_WIDTH)
                 + pad(f"{root.n_params:,}", PARAMS_WIDTH, ">"))
    lines.extend(wrap(t("components.total_note", total=root.n_params), WIDTH))
    return lines
