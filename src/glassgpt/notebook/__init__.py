"""Jupyter display: HTML for what glassgpt's API returns, and the lab page inline. Nothing else depends on it.

    %load_ext glassgpt                      # registers the HTML below with IPython's display formatters
    glassgpt.check("model_exercise.py")     # a Report, shown as a table
    glassgpt.show(model, text="...", tokenizer=...)   # the lab page, in a sandboxed iframe

The field's convention (IPython's display protocol, as bertviz and CircuitsVis use it): a result stays plain data
with a readable text repr for the terminal, and a notebook asks for its `text/html`. `load_ipython_extension`
registers `to_html` for every result type (`FORMATTERS`) with IPython's `text/html` formatter, so nothing in the
analysis code knows about notebooks. `view(obj, tokenizer=...)` wraps one result for display without the
extension (and with token texts, where the result holds only ids).

The HTML is a `<div class="glassgpt">` holding a caption and `<table>`s, styled inline (notebook front ends strip
<style> elements); every number is written into the page, heat cells carry it as text and shade. Texts come from
TEXTS in the display's language (`set_language`, else the locale: errors.default_language): the display's own
(notebook/texts.py), the checker's (a check report says the same sentences as `glassgpt check`) and the lab's (a
head score's name). The lab is lab/'s one-file page in an `<iframe sandbox="allow-scripts allow-downloads"
srcdoc=...>`: its script runs, nothing is fetched, and it cannot reach the notebook.
"""

import html
from pathlib import Path

import torch

from ..accounting import FlopCount, MemoryFootprint, ParameterCount, count_parameters, format_bytes
from ..analysis import SCORE_NAMES, HeadScores, LogitLens
from ..catalog import Catalog, Voice
from ..checker import CHECK_CONFIG, REFERENCE_NAMES, Report, Status
from ..checker.texts import REPORT_TEXTS
from ..config import GPTConfig
from ..errors import LANGUAGES, GlassGPTError, default_language
from ..inspection import ForwardTrace, HeadWalkthrough, MaskDemo, ScaleDemo
from ..interventions import Ablation, Circuit, HeadAblations
from ..lab.texts import PAGE_TEXTS
from ..timeline import PhaseChange, Timeline, phase_change
from ..training import TrainResult
from .texts import NOTEBOOK_TEXTS

# what a display says: its own sentences, a check report's (as `glassgpt check` says them), and the lab page's
# (a head score's name), each written once where it belongs
TEXTS = Catalog.merged([NOTEBOOK_TEXTS, REPORT_TEXTS, PAGE_TEXTS])

SANDBOX = "allow-scripts allow-downloads"  # the lab's script runs and saves PNGs; no same-origin, no forms
TIMELINE_ROWS = 12  # a timeline table shows this many of its points, evenly spread, first and last included
_STATUS_COLOURS = {Status.PASS: "#15803d", Status.FAIL: "#b91c1c", Status.TODO: "#b45309", Status.SKIP: "#6b7280"}
_language: list = [None]  # set_language's choice; None follows the locale


def set_language(lang: str | None) -> None:
    """Show every later display in `lang` ("en" or "zh"); None: the locale's (errors.default_language)."""
    if lang is not None and lang not in LANGUAGES:
        raise GlassGPTError("display_language", lang=lang)
    _language[0] = lang


def language() -> str:
    return _language[0] or default_language()


# --- small HTML pieces ------------------------------------------------------------------------------------------

def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _block(kind: str, caption: str, *parts: str) -> str:
    return (f'<div class="glassgpt glassgpt-{kind}" lang="{language()}" style="font-family:sans-serif;'
            f'font-size:13px;margin:4px 0"><p class="glassgpt-caption" style="margin:4px 0">{_e(caption)}</p>'
            + "".join(parts) + "</div>")


def _table(header: list[str], rows: list[list[str]], kind: str = "") -> str:
    """header: texts; rows: cells already as HTML (`_td` / `_heat`)."""
    head = "".join(f'<th style="padding:2px 6px;text-align:left">{_e(h)}</th>' for h in header)
    body = "".join("<tr>" + "".join(row) + "</tr>" for row in rows)
    return (f'<table class="glassgpt-table{" glassgpt-" + kind if kind else ""}" style="border-collapse:collapse;'
            f'margin:2px 0"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')


def _td(text_of, code: bool = False, **data) -> str:
    text = f"<code>{_e(text_of)}</code>" if code else _e(text_of)
    attributes = "".join(f' data-{name}="{_e(v)}"' for name, v in data.items())
    return f'<td style="padding:2px 6px"{attributes}>{text}</td>'


def _heat(value: float, low: float = 0.0, high: float = 1.0, digits: int = 2, title: str = "") -> str:
    """A cell shaded by where `value` lies in [low, high]: blue for high; around 0 when low < 0, red below."""
    if value != value:  # nan: nothing measured
        return '<td class="glassgpt-heat" data-value="nan" style="padding:2px 6px">–</td>'
    if low < 0:  # a range around 0: blue above, red below, by the size of the value
        share = min(1.0, abs(value) / max(-low, high, 1e-12))
        colour = f"rgba({'37,99,235' if value >= 0 else '220,38,38'},{share:.3f})"
    else:
        share = 0.0 if high <= low else min(1.0, max(0.0, (value - low) / (high - low)))
        colour = f"rgba(37,99,235,{share:.3f})"
    ink = "#fff" if share > 0.6 else "#111"
    tip = f' title="{_e(title)}"' if title else ""
    return (f'<td class="glassgpt-heat" data-value="{value:.6g}"{tip} style="padding:2px 6px;text-align:right;'
            f'background:{colour};color:{ink}">{value:.{digits}f}</td>')


def _grid(t, values: torch.Tensor, low: float, high: float, digits: int = 2, kind: str = "grid") -> str:
    """A (rows, columns) tensor as a heat table: rows are layers, columns heads."""
    rows = [[_td(layer)] + [_heat(float(v), low, high, digits) for v in row] for layer, row in enumerate(values)]
    return _table([f'{t("nb.layer")} \\ {t("nb.head")}', *map(str, range(values.size(1)))], rows, kind)


def _heads(heads) -> str:
    return ", ".join(f"{layer}.{head}" for layer, head in heads)


# --- one formatter per result type ------------------------------------------------------------------------------

def _head_scores(scores: HeadScores, t, tokenizer=None) -> str:
    n, T = scores.tokens.idx.shape
    parts = [f'<p style="margin:6px 0 2px"><b>{_e(t.member("heads", name))}</b></p>'
             + _grid(t, scores.by_name()[name], 0.0, 1.0, kind=f"score-{name}") for name in SCORE_NAMES]
    return _block("head-scores", t("nb.head_scores", n=n, T=T), *parts)


def _token(tokenizer, token_id: int) -> str:
    return tokenizer.token_texts([token_id])[0] if tokenizer is not None else f"#{token_id}"


def _logit_lens(lens: LogitLens, t, tokenizer=None) -> str:
    n_layer, B, T, k = lens.top_ids.shape
    rows = []
    for layer in range(n_layer):
        cells = [_td(t("nb.after_block", layer=layer))]
        for position in range(T):
            ids, probs = lens.top_ids[layer, 0, position].tolist(), lens.top_probs[layer, 0, position].tolist()
            tip = " · ".join(f"{_token(tokenizer, i)} {p:.3f}" for i, p in zip(ids, probs))
            share = probs[0]
            cells.append(f'<td class="glassgpt-heat" data-value="{share:.6g}" data-id="{ids[0]}" title="{_e(tip)}" '
                         f'style="padding:2px 6px;background:rgba(37,99,235,{share:.3f});'
                         f'color:{"#fff" if share > 0.6 else "#111"}">{_e(_token(tokenizer, ids[0]))}</td>')
        rows.append(cells)
    header = [t("nb.position"), *map(str, range(T))]
    return _block("logit-lens", t("nb.lens", B=B, k=k), _table(header, rows, "lens"))


def _config(config: GPTConfig, t, tokenizer=None) -> str:
    count = count_parameters(config)
    rows = [[_td(name, code=True), _td(repr(value), field=name)] for name, value in config.to_dict().items()]
    return _block("config", t("nb.config", total=f"{count.total:,}", head_size=config.head_size),
                  _table([t("nb.name"), t("nb.value")], rows, "config"))


def _row_table(t, rows, bytes_=False) -> str:
    header = [t("nb.name"), t("nb.formula"), t("nb.value")]
    body = [[_td(r.name, code=True), _td(r.formula, code=True),
             _td(f"{r.value:,}" + (f" ({format_bytes(r.value)})" if bytes_ else ""), value=r.value)] for r in rows]
    return _table(header, body, "rows")


def _parameter_count(count: ParameterCount, t, tokenizer=None) -> str:
    caption = t("nb.params", total=f"{count.total:,}", non_embedding=f"{count.non_embedding:,}",
                estimate=f"{count.estimate:,}", error=count.estimate_error)
    block = t("nb.params_block", block=f"{count.block:,}", formula=count.block_formula)
    block = f'<p style="margin:6px 0 2px">{_e(block)}</p>'
    return _block("params", caption, _row_table(t, count.rows), block, _row_table(t, count.block_rows))


def _flop_count(count: FlopCount, t, tokenizer=None) -> str:
    caption = t("nb.flops", T=count.seq_len, forward=f"{count.forward:,}", training=f"{count.training:,}")
    return _block("flops", caption, _row_table(t, count.rows))


def _memory(footprint: MemoryFootprint, t, tokenizer=None) -> str:
    return _block("memory", t("nb.memory"), _row_table(t, footprint.rows, bytes_=True))


def _report(report: Report, t, tokenizer=None) -> str:
    config = ", ".join(f"{name}={value}" for name, value in CHECK_CONFIG.items())
    rows = []
    for f in report.findings:
        label = t.member("check.label", f.check, reference=REFERENCE_NAMES.get(f.role, f.part))
        said = []
        for note in f.notes:
            sentence = t.member("check.note", note.key, **note.fields)
            if note.where is not None:
                sentence = t("check.at_text", name=note.where.name, line=note.where.line, text=sentence)
            said.append(_e(sentence) + (f"<br><code>| {_e(note.where.code)}</code>" if note.where and note.where.code
                                         else ""))
            hint = t.nearest("check.hint", note.key, **note.fields)  # a family of mistakes shares its hint
            if hint and f.status != Status.PASS:
                said.append(_e(t("check.hint", hint=hint)))
        mark = (f'<td data-status="{f.status.value}" style="padding:2px 6px;font-weight:bold;'
                f'color:{_STATUS_COLOURS[f.status]}">{_e(t.member("check.mark", f.status.value))}</td>')
        rows.append([mark, _td(f.part, code=True), _td(label),
                     '<td style="padding:2px 6px">' + "<br>".join(said) + "</td>"])
    counts = report.counts()
    summary = t("check.summary", total=len(report.findings), passed=counts[Status.PASS],
                failed=counts[Status.FAIL], todo=counts[Status.TODO], skipped=counts[Status.SKIP])
    verdict = t("check.verdict.pass" if report.passed else "check.verdict.fail")
    table = _table([t("nb.report_result"), t("nb.report_part"), t("nb.report_check"), t("nb.report_found")], rows,
                   "report")
    return _block("report", t("check.title", file=report.file),
                  f'<p style="margin:2px 0">{_e(t("check.config", config=config))}</p>', table,
                  f'<p class="glassgpt-summary" data-passed="{str(report.passed).lower()}" style="margin:4px 0">'
                  f'<b>{_e(summary)}</b> {_e(verdict)}</p>')


def _number(value, digits: int = 4) -> str:
    return "–" if value is None or value != value else f"{value:.{digits}f}"


def _timeline(timeline: Timeline, t, tokenizer=None) -> str:
    P = len(timeline.steps)
    shown = sorted({round(i * (P - 1) / max(1, TIMELINE_ROWS - 1)) for i in range(min(P, TIMELINE_ROWS))})
    best = {name: timeline.best(name) for name in ("induction", "previous_token")}
    rows = [[_td(timeline.steps[i]), _td(_number(timeline.train_loss[i])), _td(_number(timeline.in_context[i]))]
            + [_heat(best[name][i], 0, 1) if best[name][i] is not None else _td("–") for name in best]
            for i in shown]
    header = [t("nb.step"), t("nb.train_loss"), timeline.measure,
              *(t("nb.best_score", name=t.member("heads", name)) for name in best)]
    caption = t("nb.timeline", points=P, steps=timeline.steps[-1], every=timeline.every, measure=timeline.measure)
    change = phase_change(timeline)
    return _block("timeline", caption, _table(header, rows, "timeline"),
                  _phase_change(change, t) if change else f'<p>{_e(t("nb.no_phase_change"))}</p>')


def _phase_change(change: PhaseChange, t, tokenizer=None) -> str:
    return _block("phase-change", t("nb.phase_change", before=change.score_before, after=change.score_after,
                                    start=change.start, end=change.end, m_before=change.measure_before,
                                    m_after=change.measure_after, share=change.share))


def _ablation(ablation: Ablation, t, tokenizer=None) -> str:
    B, T = ablation.top_before.shape
    rows = [[_td(position), _td(_token(tokenizer, int(ablation.top_before[0, position]))),
             _heat(float(ablation.prob_before[0, position]), 0, 1),
             _td(_token(tokenizer, int(ablation.top_after[0, position]))),
             _heat(float(ablation.prob_after[0, position]), 0, 1)] for position in range(T)]
    table = _table([t("nb.position"), "top", "p", "top′", "p′"], rows, "ablation")
    return _block("ablation", t("nb.ablation", heads=_heads(ablation.heads), how=ablation.how,
                                before=ablation.loss_before, after=ablation.loss_after, change=ablation.change),
                  table)


def _head_ablations(each: HeadAblations, t, tokenizer=None) -> str:
    gap = max(each.chance - each.loss_before, float(each.change.abs().max()), 1e-9)
    return _block("head-ablations", t("nb.each_head", how=each.how, before=each.loss_before, chance=each.chance),
                  _grid(t, each.change, -gap, gap, digits=3, kind="change"))


def _circuit(circuit: Circuit, t, tokenizer=None) -> str:
    none = t("nb.none")
    together = "; ".join(f"{_heads(heads)} ({change:+.3f})"
                         for heads, change in zip(circuit.together, circuit.together_change)) or none
    rows = [[_td(t("nb.circuit_alone")), _td(_heads(circuit.alone) or none, kind="alone")],
            [_td(t("nb.circuit_together")), _td(together, kind="together")],
            [_td(t("nb.circuit_unused")), _td(_heads(circuit.unused) or none, kind="unused")]]
    return _block("circuit", t("nb.circuit", threshold=circuit.threshold), _table(["", ""], rows, "circuit"))


def _train_result(result: TrainResult, t, tokenizer=None) -> str:
    caption = t("nb.trained", step=result.step, seconds=result.seconds, rate=result.tokens_per_second,
                loss=_number(result.loss), out=str(result.out_dir))
    return _block("train", caption, f'<p>{_e(t("nb.interrupted"))}</p>' if result.interrupted else "")


def _trace(trace: ForwardTrace, t, tokenizer=None) -> str:
    rows = [[_td(step.name or "GPT", code=True), _td(tuple(step.input_shape)), _td(tuple(step.output_shape)),
             _td(f"{step.n_params:,}" + (f" (= {step.tied_to})" if step.tied_to else ""))] for step in trace.steps]
    header = [t("nb.name"), t("nb.input_shape"), t("nb.output_shape"), t("nb.parameters")]
    return _block("trace", t("nb.trace"), _table(header, rows, "trace"))


def _walkthrough(walk: HeadWalkthrough, t, tokenizer=None) -> str:
    texts = [_token(tokenizer, i) for i in walk.tokens.tolist()]
    rows = [[_td(texts[i])] + [_heat(float(w), 0, 1) if walk.mask[i, j] else _td("") for j, w in enumerate(row)]
            for i, row in enumerate(walk.weights)]
    caption = t("nb.walkthrough", layer=walk.layer, head=walk.head, hs=walk.q.size(-1), scale=walk.scale)
    return _block("walkthrough", caption, _table(["", *texts], rows, "weights"))


def _mask_demo(demo: MaskDemo, t, tokenizer=None) -> str:
    high = max(float(demo.change_with_mask.max()), float(demo.change_without_mask.max()), 1e-9)
    rows = [[_td(i), _heat(float(w), 0, high, 4), _heat(float(wo), 0, high, 4)]
            for i, (w, wo) in enumerate(zip(demo.change_with_mask, demo.change_without_mask))]
    caption = t("nb.mask_demo", layer=demo.layer, head=demo.head, position=demo.position,
                old=_token(tokenizer, demo.old_token), new=_token(tokenizer, demo.new_token))
    return _block("mask-demo", caption, _table([t("nb.position"), t("nb.with_mask"), t("nb.without_mask")], rows,
                                               "mask"))


def _scale_demo(demo: ScaleDemo, t, tokenizer=None) -> str:
    rows = [[_td(t("nb.spread")), _td(f"{demo.std_raw:.3f}"), _td(f"{demo.std_scaled:.3f}")],
            [_td(t("nb.peak")), _td(f"{demo.peak_raw:.3f}"), _td(f"{demo.peak_scaled:.3f}")]]
    return _block("scale-demo", t("nb.scale_demo", hs=demo.head_size, keys=demo.n_keys),
                  _table(["", t("nb.raw"), t("nb.scaled")], rows, "scale"))


FORMATTERS = {GPTConfig: _config, HeadScores: _head_scores, LogitLens: _logit_lens, ParameterCount: _parameter_count,
              FlopCount: _flop_count, MemoryFootprint: _memory, Report: _report, Timeline: _timeline,
              PhaseChange: _phase_change, Ablation: _ablation, HeadAblations: _head_ablations, Circuit: _circuit,
              TrainResult: _train_result, ForwardTrace: _trace, HeadWalkthrough: _walkthrough, MaskDemo: _mask_demo,
              ScaleDemo: _scale_demo}


def to_html(obj, lang: str | None = None, tokenizer=None) -> str:
    """The HTML a notebook shows for one of glassgpt's results (a type in FORMATTERS); `tokenizer` labels token
    ids with their texts where the result holds ids (the logit lens, ablations, a head walk-through)."""
    formatter = next((FORMATTERS[cls] for cls in type(obj).__mro__ if cls in FORMATTERS), None)  # subclasses too
    if formatter is None:
        raise TypeError(f"glassgpt has no notebook display for {type(obj).__name__}; it shows "
                        + ", ".join(cls.__name__ for cls in FORMATTERS))
    if lang is not None and lang not in LANGUAGES:
        raise GlassGPTError("display_language", lang=lang)
    previous = _language[0]
    _language[0] = lang or previous
    try:
        return formatter(obj, Voice(TEXTS, language()), tokenizer)
    finally:
        _language[0] = previous


class View:
    """One result, shown as HTML in a notebook (`_repr_html_`) and as its own repr elsewhere."""

    def __init__(self, obj, lang: str | None = None, tokenizer=None):
        self.obj, self.lang, self.tokenizer = obj, lang, tokenizer
        to_html(obj, lang, tokenizer)  # a type with no display fails here, not later in the notebook

    def _repr_html_(self) -> str:
        return to_html(self.obj, self.lang, self.tokenizer)

    def __repr__(self) -> str:
        return repr(self.obj)


def view(obj, lang: str | None = None, tokenizer=None) -> View:
    """`obj` for display in a notebook, with token texts from `tokenizer` where it holds ids."""
    return View(obj, lang, tokenizer)


def load_ipython_extension(ipython) -> None:
    """`%load_ext glassgpt`: every result type in FORMATTERS shows as HTML from now on."""
    formatter = ipython.display_formatter.formatters["text/html"]
    for cls in FORMATTERS:
        formatter.for_type(cls, lambda obj: to_html(obj))


def unload_ipython_extension(ipython) -> None:
    formatter = ipython.display_formatter.formatters["text/html"]
    for cls in FORMATTERS:
        formatter.pop(cls, None)


# --- the lab inline -------------------------------------------------------------------------------------------------

class Lab:
    """The lab page of one model on one input: `page` (the whole one-file HTML), shown inline in a notebook in a
    sandboxed iframe whose `srcdoc` is the page (nothing is fetched), `save(path)` to keep it as a file."""

    def __init__(self, page: str, height: int, title: str = "glassgpt lab"):
        self.page, self.height, self.title = page, height, title

    def _repr_html_(self) -> str:
        return (f'<iframe class="glassgpt-lab" sandbox="{SANDBOX}" srcdoc="{html.escape(self.page, quote=True)}" '
                f'title="{_e(self.title)}" style="width:100%;height:{self.height}px;border:1px solid #ddd"></iframe>')

    def save(self, path) -> Path:
        path = Path(path)
        path.write_text(self.page, encoding="utf-8")
        return path

    def __repr__(self) -> str:
        return f"Lab(page of {len(self.page):,} characters; shown inline in a notebook, or .save('lab.html'))"


def show(model, text: str | None = None, tokenizer=None, lang: str | None = None, timeline=None,
         height: int = 720, seed: int = 0) -> Lab:
    """The lab page (`glassgpt lab`) of `model` reading `text`, to show inline in a notebook.

    model: a GPT, or a checkpoint (a folder, a hub name, a course `.pt`) that GPT.from_pretrained reads; a
    folder's tokenizer and timeline come with it. tokenizer: a glassgpt tokenizer, or a path that holds one
    (needed for `text`). Without `text` the input is 16 random token ids whose second half repeats the first,
    where a trained model's induction heads show. lang: the page's first language (the display's by default)."""
    from ..checkpoints import find_tokenizer, load_tokenizer
    from ..lab import build_payload, render_page
    from ..model import GPT
    from ..text import PaddedTokenizer, Tokenizer
    from ..timeline import read_timeline

    lang = lang or language()
    if lang not in LANGUAGES:
        raise GlassGPTError("display_language", lang=lang)
    source = "GPT"
    if isinstance(model, (str, Path)):
        source = str(model)
        if timeline is None and Path(model).is_dir():
            timeline = read_timeline(model)
        model, tokenizer = GPT.from_pretrained(model), tokenizer or find_tokenizer(model)
    if not isinstance(model, GPT):
        raise TypeError(f"show() takes a glassgpt GPT or a checkpoint path, got {type(model).__name__}")
    vocab = model.config.vocab_size
    if isinstance(tokenizer, (str, Path)):
        tokenizer = load_tokenizer(tokenizer, vocab)
    elif isinstance(tokenizer, Tokenizer) and not isinstance(tokenizer, PaddedTokenizer):
        if tokenizer.vocab_size > vocab:
            raise GlassGPTError("tokenizer_vocab_too_big", tokenizer=tokenizer.vocab_size, model=vocab)
        tokenizer = PaddedTokenizer(tokenizer, vocab)
    if text is None:
        half = torch.randint(0, vocab, (1, max(1, min(8, model.config.block_size // 4))),
                             generator=torch.Generator().manual_seed(seed))
        idx = torch.cat([half, half], dim=1)  # (1, T)
    elif tokenizer is None:
        raise GlassGPTError("show_needs_tokenizer")
    else:
        idx = torch.tensor([tokenizer.encode(text)], dtype=torch.long)  # (1, T)
    idx = idx.to(next(model.parameters()).device)
    payload = build_payload(model, idx, tokenizer, source=source, timeline=timeline)
    return Lab(render_page(payload, lang), height, PAGE_TEXTS["page.title"][LANGUAGES.index(lang)])


__all__ = ["FORMATTERS", "Lab", "View", "language", "load_ipython_extension", "set_language", "show", "to_html",
           "view"]
