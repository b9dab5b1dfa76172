"""The notebook display: the HTML of every result type, parsed (structure, not pixels), its numbers read back and
compared with the result it shows; `%load_ext glassgpt` through a real IPython shell; `show` builds the lab page
into a sandboxed iframe; the training progress bar is tqdm's, and quiet when no one watches."""

import html
import io
import math
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

import glassgpt
from glassgpt import GPT, GPTConfig, notebook
from glassgpt.accounting import count_flops, count_parameters, memory_footprint
from glassgpt.analysis import SCORE_NAMES, head_scores, logit_lens
from glassgpt.checker import Status, check
from glassgpt.checker.texts import REPORT_TEXTS
from glassgpt.inspection import mask_demo, scale_demo, trace_forward, walk_through_head
from glassgpt.interventions import ablate_each_head, ablate_heads, find_circuit
from glassgpt.progress import ProgressBar, progress_bar
from glassgpt.timeline import PhaseChange, phase_change, read_timeline
from glassgpt.training import TrainSettings, held_out_batch, induction_tokenizer, train

ROOT = Path(__file__).resolve().parent.parent

VOID = {"br", "img", "hr", "meta", "input", "col"}


class Tree(HTMLParser):
    """The parsed HTML as nested (tag, attributes, children) nodes; text is kept as strings. Fails on a tag closed
    that was not open (badly nested HTML)."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.root = ("root", {}, [])
        self.stack = [self.root]
        self.feed(text)
        self.close()
        assert len(self.stack) == 1, f"unclosed: {[node[0] for node in self.stack[1:]]}"

    def handle_starttag(self, tag, attrs):
        node = (tag, dict(attrs), [])
        self.stack[-1][2].append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag):
        assert self.stack[-1][0] == tag, f"</{tag}> closes <{self.stack[-1][0]}>"
        self.stack.pop()

    def handle_data(self, data):
        self.stack[-1][2].append(data)


def find(node, tag, **attrs):
    """Every node under `node` with this tag (and attributes containing these values), in document order."""
    found = []
    for child in node[2]:
        if isinstance(child, tuple):
            if child[0] == tag and all(value in child[1].get(name, "").split() or child[1].get(name) == value
                                       for name, value in attrs.items()):
                found.append(child)
            found += find(child, tag, **attrs)
    return found


def text(node) -> str:
    return "".join(child if isinstance(child, str) else text(child) for child in node[2])


def parse(obj, **options):
    page = notebook.to_html(obj, **options)
    tree = Tree(page).root
    blocks = [node for node in tree[2] if isinstance(node, tuple)]
    assert len(blocks) == 1 and "glassgpt" in blocks[0][1]["class"].split(), "one <div class=glassgpt> per result"
    return blocks[0]


def body_rows(table):
    return find(find(table, "tbody")[0], "tr")


def heat_values(table) -> torch.Tensor:
    """The numbers of a layers x heads heat table, read from its cells' data-value."""
    return torch.tensor([[float(cell[1]["data-value"]) for cell in find(row, "td", **{"class": "glassgpt-heat"})]
                         for row in body_rows(table)])


@pytest.fixture(scope="module")
def tiny():
    torch.manual_seed(0)
    return GPT(GPTConfig.from_preset("tiny")).eval()


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A short induction run: its result, timeline, and the model it saved."""
    out = tmp_path_factory.mktemp("run")
    settings = TrainSettings(steps=24, batch_size=8, seq_len=16, n_embd=16, vocab_size=12, max_period=6,
                             random_start_step=12, warmup_steps=4)
    result = train(settings, out, progress=None)
    return result, read_timeline(out), GPT.from_pretrained(out).eval(), settings


def test_head_scores_show_one_layers_by_heads_grid_per_score_with_the_measured_numbers(tiny):
    scores = head_scores(tiny, n_sequences=4)
    block = parse(scores)
    for name in SCORE_NAMES:
        table = find(block, "table", **{"class": f"glassgpt-score-{name}"})[0]
        torch.testing.assert_close(heat_values(table), scores.by_name()[name], atol=1e-5, rtol=1e-5)
    caption = text(find(block, "p", **{"class": "glassgpt-caption"})[0])
    assert "4 random repeated sequences of 16 tokens" in caption
    assert "归纳" in text(parse(scores, lang="zh")) and "induction" in text(block)


def test_the_logit_lens_shows_every_blocks_top_token_at_every_position_with_the_top_k_on_hover(tiny):
    idx = torch.randint(0, 64, (2, 6), generator=torch.Generator().manual_seed(1))
    lens = logit_lens(tiny, idx, top_k=3)
    rows = body_rows(find(parse(lens), "table")[0])
    assert len(rows) == tiny.config.n_layer
    for layer, row in enumerate(rows):
        cells = find(row, "td", **{"class": "glassgpt-heat"})
        assert [int(c[1]["data-id"]) for c in cells] == lens.top_ids[layer, 0, :, 0].tolist()
        assert [c[1]["title"].count("·") for c in cells] == [2] * 6  # three candidates each
    tokenizer = induction_tokenizer(64)
    named = body_rows(find(parse(lens, tokenizer=tokenizer), "table")[0])
    assert text(find(named[0], "td")[1]) == tokenizer.token_texts([int(lens.top_ids[0, 0, 0, 0])])[0]


def test_a_config_shows_every_field_and_its_parameter_count(tiny):
    course = GPTConfig.from_preset("course")
    block = parse(course)
    cells = {cell[1]["data-field"]: text(cell) for cell in find(block, "td") if "data-field" in cell[1]}
    assert cells == {name: repr(value) for name, value in course.to_dict().items()}
    with torch.device("meta"):
        total = sum(p.numel() for p in GPT(course).parameters())  # PyTorch's count of the built model
    assert f"{total:,} parameters" in text(block)


def test_parameter_flop_and_memory_accounts_list_every_row_and_add_up(tiny):
    config = tiny.config
    count = count_parameters(config)
    tables = find(parse(count), "table")
    for table, rows in zip(tables, (count.rows, count.block_rows)):
        values = [int(find(r, "td")[2][1]["data-value"]) for r in body_rows(table)]
        assert values == [r.value for r in rows]
        assert [text(find(r, "td")[0]) for r in body_rows(table)] == [r.name for r in rows]
    assert sum(int(find(r, "td")[2][1]["data-value"]) for r in body_rows(tables[0])) == count.total
    assert count.total == sum(p.numel() for p in tiny.parameters())  # PyTorch's own count, the oracle
    flops = count_flops(config)
    assert len(body_rows(find(parse(flops), "table")[0])) == len(flops.rows)
    memory = memory_footprint(config)
    assert len(body_rows(find(parse(memory), "table")[0])) == len(memory.rows)
    assert "参数" in text(parse(count, lang="zh"))


@pytest.fixture(scope="module")
def report():
    return check(ROOT / "tests" / "learners" / "correct.py")


def test_a_check_report_is_a_table_of_every_finding_in_the_learners_language(report):
    block = parse(report)
    rows = body_rows(find(block, "table", **{"class": "glassgpt-report"})[0])
    assert len(rows) == len(report.findings)
    assert [find(row, "td")[0][1]["data-status"] for row in rows] == [f.status.value for f in report.findings]
    assert [text(find(row, "td")[1]) for row in rows] == [f.part for f in report.findings]
    summary = find(block, "p", **{"class": "glassgpt-summary"})[0]
    assert summary[1]["data-passed"] == "true" and report.passed
    assert f"{len(report.findings)} checks" in text(summary)
    assert REPORT_TEXTS["check.mark.pass"][1] in text(parse(report, lang="zh"))
    assert "passed=True" in repr(report) and str(report).splitlines()[0].startswith(str(report.file))


def test_a_failed_check_shows_its_sentence_and_hint(tmp_path):
    source = (ROOT / "tests" / "learners" / "correct.py").read_text(encoding="utf-8")
    broken = tmp_path / "model_exercise.py"
    line = "x = self.drop(self.tok_emb(idx) + self.pos_emb(pos))"
    assert line in source
    broken.write_text(source.replace(line, "x = self.drop(self.tok_emb(idx))"), encoding="utf-8")
    failed = check(broken, timeout=120)
    block = parse(failed)
    marks = [find(row, "td")[0][1]["data-status"] for row in body_rows(find(block, "table")[0])]
    assert Status.FAIL.value in marks and not failed.passed
    assert "hint:" in text(block)


def test_training_timeline_and_ablation_results_show_as_tables(run):
    result, timeline, model, settings = run
    block = parse(result)
    assert f"Trained {result.step} steps" in text(block)
    block = parse(timeline)
    rows = body_rows(find(block, "table")[0])
    assert 2 <= len(rows) <= notebook.TIMELINE_ROWS
    assert int(text(find(rows[0], "td")[0])) == timeline.steps[0]
    assert int(text(find(rows[-1], "td")[0])) == timeline.steps[-1]
    best = [float(find(row, "td")[3][1]["data-value"]) for row in rows]
    assert all(0 <= b <= 1 for b in best)
    assert (phase_change(timeline) is None) == ("No phase change" in text(block))
    idx, targets = held_out_batch(settings)
    ablation = ablate_heads(model, idx, targets, ((0, 0),))
    block = parse(ablation)
    assert f"{ablation.loss_before:.4f}" in text(block) and "0.0" in text(block)
    assert len(body_rows(find(block, "table")[0])) == idx.size(1)
    each = ablate_each_head(model, idx, targets)
    table = find(parse(each), "table")[0]
    torch.testing.assert_close(heat_values(table), each.change.float(), atol=1e-5, rtol=1e-4)
    circuit = find_circuit(model, idx, targets, each)
    cells = {cell[1]["data-kind"]: text(cell) for cell in find(parse(circuit), "td") if "data-kind" in cell[1]}
    assert set(cells) == {"alone", "together", "unused"}
    assert all(f"{layer}.{head}" in cells["unused"] for layer, head in circuit.unused)


def test_a_phase_change_says_its_window_and_what_the_measure_did():
    change = PhaseChange(start=120, end=180, score_before=0.1, score_after=0.62, measure_before=2.9,
                         measure_after=1.5, share=0.63, fastest=(150, 160), improved=True)
    said = text(parse(change))
    assert "steps 120 and 180" in said and "0.10 to 0.62" in said and "2.900 to 1.500" in said and "63%" in said
    assert "第 120 步到第 180 步" in text(parse(change, lang="zh"))


def test_the_inspection_results_show_their_shapes_weights_and_changes(tiny):
    idx = torch.randint(0, 64, (1, 5), generator=torch.Generator().manual_seed(2))
    trace = trace_forward(tiny, idx)
    rows = body_rows(find(parse(trace), "table")[0])
    assert len(rows) == len(trace.steps)
    assert [text(find(r, "td")[2]) for r in rows] == [str(tuple(s.output_shape)) for s in trace.steps]
    walk = walk_through_head(tiny, idx, 1, 0)
    rows = body_rows(find(parse(walk), "table")[0])
    weights = [[float(c[1]["data-value"]) for c in find(r, "td", **{"class": "glassgpt-heat"})] for r in rows]
    assert [len(w) for w in weights] == [1, 2, 3, 4, 5]  # the causal mask: query i sees keys 0..i
    for i, row in enumerate(weights):
        assert math.isclose(sum(row), 1.0, abs_tol=1e-4)
        torch.testing.assert_close(torch.tensor(row), walk.weights[i, :i + 1].float(), atol=1e-5, rtol=1e-4)
    demo = mask_demo(tiny, idx, 0, 0)
    rows = body_rows(find(parse(demo), "table")[0])
    with_mask = [float(find(r, "td")[1][1]["data-value"]) for r in rows]
    assert with_mask[:-1] == [0.0] * (len(rows) - 1)  # with the mask, changing the last token moves nothing before it
    scale = scale_demo(16, 8)
    assert f"{scale.std_raw:.3f}" in text(parse(scale))


def test_every_result_type_has_a_display_and_anything_else_is_a_type_error():
    assert len(notebook.FORMATTERS) >= 16
    with pytest.raises(TypeError, match="no notebook display"):
        notebook.to_html(object())
    with pytest.raises(ValueError, match="en or zh"):
        notebook.to_html(scale_demo(4, 4), lang="fr")
    with pytest.raises(ValueError, match="en or zh"):
        notebook.set_language("de")


def test_the_display_language_follows_set_language_then_the_locale(monkeypatch):
    demo = scale_demo(4, 4)
    monkeypatch.setenv("LC_ALL", "zh_CN.UTF-8")
    assert "为什么" in text(parse(demo))
    notebook.set_language("en")
    try:
        assert "Why" in text(parse(demo)) and glassgpt.errors.default_language() == "zh"
    finally:
        notebook.set_language(None)


def test_load_ext_registers_html_for_every_result_type_with_ipythons_formatter(tiny):
    """IPython's own DisplayFormatter (what a kernel asks for each result), without starting a shell in this
    process; `%load_ext glassgpt` itself runs in the tour notebook (test_notebooks.py)."""
    formatters = pytest.importorskip("IPython.core.formatters")
    ipython = SimpleNamespace(display_formatter=formatters.DisplayFormatter())
    scale = scale_demo(8, 8)
    assert "text/html" not in ipython.display_formatter.format(scale)[0]
    glassgpt.load_ipython_extension(ipython)
    data, _ = ipython.display_formatter.format(scale)
    assert data["text/html"] == notebook.to_html(scale)
    assert data["text/plain"].startswith("ScaleDemo(")  # the plain repr is still there for a terminal
    data, _ = ipython.display_formatter.format(count_parameters(tiny.config))
    assert "glassgpt-params" in data["text/html"]
    glassgpt.unload_ipython_extension(ipython)
    assert "text/html" not in ipython.display_formatter.format(scale)[0]


def test_show_puts_the_lab_page_in_a_sandboxed_iframe_that_fetches_nothing(tiny, tmp_path):
    lab = glassgpt.show(tiny)
    iframe = find(Tree(lab._repr_html_()).root, "iframe")[0]
    assert iframe[1]["sandbox"] == "allow-scripts allow-downloads"
    assert "src" not in iframe[1] and iframe[1]["srcdoc"] == lab.page  # the whole page, unescaped by the parser
    assert lab.page.lstrip().lower().startswith("<!doctype html>")
    for fetch in ("src=\"http", "href=\"http", "@import", "fetch("):
        assert fetch not in lab.page
    assert lab.save(tmp_path / "lab.html").read_text(encoding="utf-8") == lab.page
    assert '"lang":"zh"' in glassgpt.show(tiny, lang="zh").page


def test_show_takes_text_with_a_tokenizer_or_a_trained_runs_folder(run, tiny):
    result, _, _, _ = run
    lab = glassgpt.show(str(result.out_dir), text="abcabc")
    assert '"source":' in lab.page and html.escape(str(result.out_dir)) in html.escape(lab.page)
    with pytest.raises(ValueError, match="tokenizer"):
        glassgpt.show(tiny, text="hello")
    with pytest.raises(ValueError, match="block_size"):
        glassgpt.show(str(result.out_dir), text="ab" * 40)
    with pytest.raises(TypeError, match="GPT"):
        glassgpt.show(42)


def test_the_progress_bar_is_tqdms_and_stays_quiet_where_no_one_watches(tmp_path, capsys, monkeypatch):
    assert progress_bar(stream=io.StringIO()) is None  # not a terminal, not Jupyter
    stream = io.StringIO()
    bar = progress_bar(enabled=True, stream=stream)
    assert isinstance(bar, ProgressBar)
    settings = TrainSettings(steps=5, batch_size=2, seq_len=16, n_embd=16, vocab_size=12, max_period=6,
                             random_start_step=2, warmup_steps=1)
    train(settings, tmp_path / "bar", progress=bar, record=False)
    drawn = stream.getvalue()
    assert "5/5" in drawn and "loss=" in drawn and bar.bar is None  # closed at the last step
    # the default, "auto", draws nothing here: pytest's stderr is no terminal and this is no Jupyter kernel
    train(settings, tmp_path / "auto", record=False)
    assert "5/5" not in capsys.readouterr().err
    # ... and tqdm's bar where someone watches (a terminal, or Jupyter)
    monkeypatch.setattr(glassgpt.progress, "watched", lambda stream=None: True)
    train(settings, tmp_path / "watched", record=False)
    assert "5/5" in capsys.readouterr().err
