"""Drawing on an 80-column terminal: widths that count Chinese characters as two columns, boxes, matrices,
shaded heatmaps, and colour that appears only on a terminal (and is never needed to read the output)."""

import os
import sys
import unicodedata

from .output import escaped

WIDTH = 80
SHADES = "░▒▓█"  # an attention weight below SHADE_BOUNDARIES[0], between [0] and [1], [1] and [2], above [2]
# Between the weights of a row spread evenly over 4, 3, 2 and 1 keys (1/4, 1/3, 1/2, 1), never on them: a
# near-uniform row whose weights wobble around 1/2 or 1/4 keeps one shade, so noise does not look like a pattern.
SHADE_BOUNDARIES = (0.29, 0.42, 0.71)
MASKED = "·"  # a cell the causal mask removed: no weight at all, unlike a weight that happens to be 0 (░)


def display_width(text: str) -> int:
    """Columns `text` takes on a terminal: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


# characters a token's text may hold that would vanish or break a line when printed -> what is printed instead
VISIBLE = {" ": "␣", "\n": "⏎", "\t": "⇥"}


def visible(text: str, spaces: bool = True) -> str:
    """A token's text made visible in a label: a space as ␣ (unless `spaces` is False: running text), a newline
    as ⏎, a tab as ⇥ (ASCII _ $ > on a stream that lacks them, see output.py); any other control character as
    \\xNN."""
    return "".join(c if c == " " and not spaces else VISIBLE.get(c) or escaped(c) for c in text)


def fit(text: str, width: int) -> str:
    """`text` cut to at most `width` columns, with "…" where it was cut."""
    if display_width(text) <= width:
        return text
    while text and display_width(text) + 1 > width:
        text = text[:-1]
    return text + "…"


def row_labels(T: int, texts=None, width: int = 8) -> list[str]:
    """A label for each position, to print before a row: "t3", or "t3 ␣cat" when the tokens' text is known."""
    if texts is None:
        return [f"t{i}" for i in range(T)]
    return [f"t{i} {fit(visible(text), width)}" for i, text in enumerate(texts)]


def column_labels(T: int, texts=None, width: int = 7) -> list[str]:
    """A label for each position, to print above a column at most `width` wide: "t3", or the token's text."""
    if texts is None:
        return [f"t{i}" for i in range(T)]
    return [fit(visible(text), width) for text in texts]


def pad(text: str, width: int, align: str = "<") -> str:
    """`text` padded with spaces to `width` columns (align "<" left, ">" right), by display width."""
    gap = " " * max(0, width - display_width(text))
    return text + gap if align == "<" else gap + text


def shape(dims) -> str:
    """(2, 8, 128) -> "(2, 8, 128)"; a 1-D shape keeps Python's trailing comma: "(8,)"."""
    return str(tuple(int(d) for d in dims))


def _colour_on() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def bold(text: str) -> str:
    return f"\033[1m{text}\033[0m" if _colour_on() else text


def dim(text: str) -> str:
    return f"\033[2m{text}\033[0m" if _colour_on() else text


def heading(title: str) -> list[str]:
    """A section title (wrapped to the terminal's width), underlined."""
    lines = wrap(title)
    return [bold(line) for line in lines] + ["═" * max(display_width(line) for line in lines)]


def frame(lines: list[str], inner: int, top: int | None = None, bottom: int | None = None,
          sections: tuple[int, ...] = ()) -> list[str]:
    """`lines` in a box `inner` columns wide inside. `top`/`bottom`: the column where an arrow joins that edge
    (None: no arrow). A rule is drawn above each line whose number is in `sections`."""
    rule = "─" * (inner + 2)

    def edge(left: str, right: str, join_column: int | None, join: str) -> str:
        if join_column is None:
            return left + rule + right
        return left + rule[:join_column - 1] + join + rule[join_column:] + right

    out = [edge("┌", "┐", top, "┴")]
    for i, line in enumerate(lines):
        if i in sections:
            out.append("├" + rule + "┤")
        out.append(f"│ {pad(line, inner)} │")
    return out + [edge("└", "┘", bottom, "┬")]


def number(value: float, signed: bool = True) -> str:
    """A matrix entry: 3 decimals, the sign always shown when `signed`; an exact 0 as "0", -inf as "-inf"."""
    if value == 0:
        return "0"
    if value == float("-inf"):
        return "-inf"
    return f"{value:+.3f}" if signed else f"{value:.3f}"


def matrix(values, row_labels: list[str], column_labels: list[str], signed: bool = True, indent: int = 2,
           cell: int = 8) -> list[str]:
    """A small matrix as aligned text: a header of column labels, then one labelled row per line."""
    label_width = max(display_width(label) for label in row_labels)
    head = " " * (indent + label_width) + "".join(pad(label, cell, ">") for label in column_labels)
    return [head.rstrip()] + [" " * indent + pad(label, label_width)
                              + "".join(pad(number(float(v), signed), cell, ">") for v in row)
                              for label, row in zip(row_labels, values)]


def side_by_side(blocks: list[list[str]], gap: int = 3) -> list[str]:
    """Several blocks of lines printed next to each other, each block as wide as its widest line."""
    widths = [max(display_width(line) for line in block) for block in blocks]
    height = max(len(block) for block in blocks)
    return [(" " * gap).join(pad(block[i] if i < len(block) else "", width) for block, width in zip(blocks, widths))
            .rstrip() for i in range(height)]


def shade(weight: float, masked: bool) -> str:
    """Two characters for one attention weight: darker is larger; readable without colour."""
    if masked:
        return MASKED * 2
    return SHADES[sum(weight >= boundary for boundary in SHADE_BOUNDARIES)] * 2


def shade_legend() -> dict[str, str]:
    """The fields of a heatmap legend: each shade as its cell looks ([░░]) and the boundaries."""
    cells = {f"s{i}": f"[{c * 2}]" for i, c in enumerate(SHADES)}
    return cells | {"m": f"[{MASKED * 2}]"} | {f"b{i + 1}": b for i, b in enumerate(SHADE_BOUNDARIES)}


def heatmap(weights, allowed, title: str, texts=None) -> list[str]:
    """A (T, T) attention matrix as shaded text: rows are queries, columns keys; `allowed` (T, T) bool. With the
    tokens' `texts`, each row is labelled with its token and each column with the same token written downwards."""
    T = len(weights)
    rows = row_labels(T, texts, width=6)
    label_width = max(map(display_width, rows))
    if texts is None:
        header = ["".join(pad(str(j), 2) for j in range(T))]
    else:
        header = vertical([visible(text) for text in texts], cell=2, height=4)
    lines = [title] + [(" " * (label_width + 1) + line).rstrip() for line in header]
    for i in range(T):
        row = "".join(shade(float(weights[i][j]), not bool(allowed[i][j])) for j in range(T))
        lines.append(pad(rows[i], label_width) + " " + row)
    return lines


def vertical(labels: list[str], cell: int, height: int) -> list[str]:
    """Labels written downwards, one character a line, side by side in columns `cell` wide (a Chinese character
    fills a 2-wide cell); a label longer than `height` characters is cut, with "…"."""
    columns = [list(label) if len(label) <= height else [*label[:height - 1], "…"] for label in labels]
    return ["".join(pad(chars[k] if k < len(chars) else "", cell) for chars in columns)
            for k in range(max(map(len, columns), default=0))]


def tokens_line(ids: list[int], texts, t) -> list[str]:
    """The input's tokens, each as [text] with its id, wrapped: what every label of a view refers to."""
    tokens = " ".join(f"{i}:[{visible(text)}]" for i, text in zip(ids, texts))
    return wrap(t("input.tokens", n=len(ids), tokens=tokens))


def flow(blocks: list[list[str]], width: int = WIDTH) -> list[str]:
    """Blocks side by side, as many per row as fit in `width` columns, rows separated by a blank line."""
    lines, row = [], []
    for block in blocks:
        if row and max(map(display_width, side_by_side(row + [block]))) > width:
            lines += side_by_side(row) + [""]
            row = []
        row.append(block)
    return lines + (side_by_side(row) if row else [])


def wrap(text: str, width: int = WIDTH, indent: str = "") -> list[str]:
    """`text` broken into lines of at most `width` columns, each starting with `indent`. English breaks at
    spaces; Chinese, which has none, may break between two characters, but never before a comma or closing
    bracket nor after an opening one."""
    pieces = []  # unbreakable runs, and " " where a space was
    for word in text.split(" "):
        run = ""
        for c in word:
            breaks_before = display_width(c) == 2 and unicodedata.category(c) not in ("Po", "Pe", "Pf")
            if breaks_before and not (run and unicodedata.category(run[-1]) in ("Ps", "Pi")):
                if run:
                    pieces.append(run)
                run = c
            else:
                run += c
        if run:
            pieces.append(run)
        pieces.append(" ")
    lines, line = [], indent
    for piece in pieces[:-1]:
        if piece == " ":
            if line != indent:
                line += " "
            continue
        if line.strip() and display_width(line + piece) > width:
            lines.append(line.rstrip())
            line = indent
        line += piece
    return lines + [line.rstrip()]


def readable_sizes(config, batches: tuple[int, ...], lengths: tuple[int, ...]) -> tuple[int, int]:
    """An example batch size B and length T (T <= block_size) that differ from each other and from the
    config's sizes where possible, so that every axis of a printed shape can be told apart."""
    taken = {config.n_head, config.head_size, config.n_embd, 3 * config.n_embd, 4 * config.n_embd,
             config.vocab_size}
    B = next((b for b in batches if b not in taken), batches[0])
    fits = [T for T in lengths if T <= config.block_size] or [config.block_size]
    T = next((T for T in fits if T not in taken | {B}), fits[0])
    return B, T
