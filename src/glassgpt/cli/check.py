"""check mode: `glassgpt check FILE` grades the GPT a learner wrote (the checker package grades; this says it).

One line per check, printed as the check finishes: a mark (ok, FAIL, TODO, skip), what was checked, and what was
found. Under a failure: where (the function and line in the learner's file, and the line itself when their code
raised or was stopped there), what is wrong in their terms, and a hint of what the course writes instead.
Exit 0 when every check passes, 1 otherwise; a file that cannot be loaded at all is a GlassGPTError (one line,
exit 2) raised by the checker. The learner's file runs in a child process with a time limit (--timeout).
"""

from ..checker import CHECK_CONFIG, DEFAULT_TIMEOUT, REFERENCE_NAMES, Report, Status, stream_findings
from .options import add_seed_option
from .render import WIDTH, display_width, pad, wrap

INDENT = " " * 8  # notes sit under the label, past the mark column

MARKS = {Status.PASS: "check.mark.pass", Status.FAIL: "check.mark.fail", Status.TODO: "check.mark.todo",
         Status.SKIP: "check.mark.skip"}
LABELS = {"build": "check.label.build", "shapes": "check.label.shapes", "causal": "check.label.causal",
          "reference": "check.label.reference", "eval": "check.label.eval", "params": "check.label.params",
          "init_loss": "check.label.init_loss", "gradients": "check.label.gradients"}
# note key (checker.NOTE_KEYS and checker.MISTAKE_KEYS) -> (its sentence, the course's hint or None). The message
# keys are written out here, never built, and tests/test_checker.py checks that every note the checker can make
# has an entry whose messages exist (tests/test_messages.py: in both languages, with the same fields).
NOTES = {
    "build_ok": ("check.note.build_ok", None),
    "replaced": ("check.note.replaced", None),
    "shapes_ok": ("check.note.shapes_ok", None),
    "gpt_shapes_ok": ("check.note.gpt_shapes_ok", None),
    "gpt_shapes_last": ("check.note.gpt_shapes_last", None),
    "same": ("check.note.same", None),
    "gelu_tanh": ("check.note.gelu_tanh", None),
    "gelu_none": ("check.note.gelu_none", None),
    "params_ok": ("check.note.params_ok", None),
    "init_loss_ok": ("check.note.init_loss_ok", None),
    "gradients_ok": ("check.note.gradients_ok", None),
    "no_class": ("check.note.no_class", "check.hint.no_class"),
    "glassgpt_class": ("check.note.glassgpt_class", "check.hint.glassgpt"),
    "glassgpt_subclass": ("check.note.glassgpt_subclass", "check.hint.glassgpt"),
    "glassgpt_part": ("check.note.glassgpt_part", "check.hint.glassgpt"),
    "not_module": ("check.note.not_module", None),
    "raised": ("check.note.raised", None),
    "not_written": ("check.note.not_written", None),
    "not_tensor": ("check.note.not_tensor", None),
    "shape": ("check.note.shape", None),
    "not_finite": ("check.note.not_finite", None),
    "causal": ("check.note.causal", "check.hint.causal"),
    "eval_random": ("check.note.eval_random", "check.hint.eval_random"),
    "missing_tensor": ("check.note.missing_tensor", "check.hint.missing_tensor"),
    "tensor_shape": ("check.note.tensor_shape", "check.hint.tensor_shape"),
    "gpt_returns": ("check.note.gpt_returns", None),
    "logits_last_only": ("check.note.logits_last_only", "check.hint.logits_last_only"),
    "logits_targets": ("check.note.logits_targets", "check.hint.logits_targets"),
    "loss_not_none": ("check.note.loss_not_none", None),
    "loss_not_scalar": ("check.note.loss_not_scalar", None),
    "gpt.loss": ("check.note.gpt.loss", "check.hint.gpt.loss"),
    "param_count": ("check.note.param_count", "check.hint.param_count"),
    "head_not_tied": ("check.note.head_not_tied", "check.hint.head_not_tied"),
    "init_loss": ("check.note.init_loss", "check.hint.init_loss"),
    "no_gradient": ("check.note.no_gradient", "check.hint.no_gradient"),
    "gradient_not_finite": ("check.note.gradient_not_finite", None),
    "timeout": ("check.note.timeout", "check.hint.timeout"),
    "crashed": ("check.note.crashed", "check.hint.crashed"),
    "exited": ("check.note.exited", "check.hint.exited"),
    "garbled": ("check.note.garbled", "check.hint.garbled"),
    # a part whose output no classic mistake explains
    "layer_norm.differs": ("check.note.layer_norm.differs", "check.hint.layer_norm.differs"),
    "attention.differs": ("check.note.attention.differs", "check.hint.attention.differs"),
    "mlp.differs": ("check.note.mlp.differs", "check.hint.mlp.differs"),
    "block.differs": ("check.note.block.differs", "check.hint.block.differs"),
    "gpt.differs": ("check.note.gpt.differs", "check.hint.gpt.differs"),
    # the classic mistakes (checker.CHOICES)
    "layer_norm.variance.unbiased": ("check.note.layer_norm.variance.unbiased",
                                     "check.hint.layer_norm.variance.unbiased"),
    "layer_norm.axis.positions": ("check.note.layer_norm.axis.positions", "check.hint.layer_norm.axis.positions"),
    "layer_norm.affine.no": ("check.note.layer_norm.affine.no", "check.hint.layer_norm.affine.no"),
    "attention.scale.none": ("check.note.attention.scale.none", "check.hint.attention.scale"),
    "attention.scale.sqrt_n_embd": ("check.note.attention.scale.sqrt_n_embd", "check.hint.attention.scale"),
    "attention.scale.head_size": ("check.note.attention.scale.head_size", "check.hint.attention.scale"),
    "attention.mask.none": ("check.note.attention.mask.none", "check.hint.attention.mask"),
    "attention.mask.zero": ("check.note.attention.mask.zero", "check.hint.attention.mask"),
    "attention.softmax.queries": ("check.note.attention.softmax.queries", "check.hint.attention.softmax"),
    "attention.split.reshape_only": ("check.note.attention.split.reshape_only", "check.hint.attention.split"),
    "attention.merge.view_only": ("check.note.attention.merge.view_only", "check.hint.attention.merge"),
    "mlp.activation.relu": ("check.note.mlp.activation.relu", "check.hint.mlp.activation"),
    "mlp.activation.none": ("check.note.mlp.activation.none", "check.hint.mlp.activation"),
    "block.post_norm": ("check.note.block.post_norm", "check.hint.block"),
    "block.no_residual": ("check.note.block.no_residual", "check.hint.block"),
    "block.residual_from_norm": ("check.note.block.residual_from_norm", "check.hint.block"),
    "block.no_norm": ("check.note.block.no_norm", "check.hint.block"),
    "gpt.pos_emb.missing": ("check.note.gpt.pos_emb.missing", "check.hint.gpt.pos_emb"),
    "gpt.final_norm.missing": ("check.note.gpt.final_norm.missing", "check.hint.gpt.final_norm"),
}


def add_arguments(parser, t) -> None:
    parser.description = t("check.about")
    parser.add_argument("file", metavar="FILE", help=t("check.opt.file"))
    add_seed_option(parser, t)
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S",
                        help=t("check.opt.timeout", default=DEFAULT_TIMEOUT))


def run(args, t):
    """The report's lines, each check's as soon as the child process has run it; returns the exit status."""
    renderer, findings = Renderer(args.file, t), []
    for finding in stream_findings(args.file, seed=args.seed, timeout=args.timeout):
        findings.append(finding)
        yield from renderer.add(finding)
    report = Report(args.file, dict(CHECK_CONFIG), tuple(findings))
    yield from renderer.end(report)
    return 0 if report.passed else 1


def render(report: Report, t) -> list[str]:
    """A whole report's lines at once."""
    renderer = Renderer(report.file, t)
    return [line for finding in report.findings for line in renderer.add(finding)] + renderer.end(report)


class Renderer:
    """The lines of each finding as it comes: a title before the first, the part's name above its first check,
    and the checks of a part that were not run counted on one line."""

    def __init__(self, file: str, t):
        self.file, self.t = file, t
        self.part, self.skipped = None, 0

    def add(self, finding) -> list[str]:
        t, lines = self.t, []
        if self.part is None:
            config = ", ".join(f"{name}={value}" for name, value in CHECK_CONFIG.items())
            lines += wrap(t("check.title", file=self.file)) + wrap(t("check.config", config=config), indent="  ")
        if finding.part != self.part:
            lines += self._skipped() + ["", finding.part]
            self.part = finding.part
        if finding.status == Status.SKIP:
            self.skipped += 1
            return lines
        lines += self._skipped()
        label = t.text(LABELS[finding.check], reference=REFERENCE_NAMES.get(finding.role, finding.part))
        if finding.status == Status.PASS:
            details = [_said(note, t) for note in finding.notes]
            lines += _marked(t.text(MARKS[finding.status]),
                             t("check.found", label=label, detail=details[0]) if details else label)
            for detail in details[1:]:
                lines += wrap(detail, WIDTH, INDENT)
            return lines
        lines += _marked(t.text(MARKS[finding.status]), label)
        for note in finding.notes:
            lines += _explained(note, t)
        return lines

    def end(self, report: Report) -> list[str]:
        counts = {status: sum(1 for f in report.findings if f.status == status) for status in Status}
        t = self.t
        return self._skipped() + ["", *wrap(t("check.summary", total=len(report.findings),
                                                passed=counts[Status.PASS], failed=counts[Status.FAIL],
                                                todo=counts[Status.TODO], skipped=counts[Status.SKIP]))] \
            + wrap(t("check.verdict.pass" if report.passed else "check.verdict.fail"))

    def _skipped(self) -> list[str]:
        """The line that counts the checks of the part not run, once they are all in."""
        if not self.skipped:
            return []
        count, self.skipped = self.skipped, 0
        return _marked(self.t.text(MARKS[Status.SKIP]), self.t("check.skipped", count=count))


def _marked(mark: str, text: str) -> list[str]:
    """`text` wrapped under the label column, the mark in front of its first line."""
    lines = wrap(text, WIDTH, INDENT)
    return ["  " + pad(mark, len(INDENT) - 2) + lines[0][len(INDENT):], *lines[1:]]


def _sentence(note, t) -> str:
    return t.text(NOTES[note.key][0], **note.fields)


def _said(note, t) -> str:
    """The note's sentence, after where it applies in the learner's file."""
    if note.where is None:
        return _sentence(note, t)
    return t("check.at_text", name=note.where.name, line=note.where.line, text=_sentence(note, t))


def _explained(note, t) -> list[str]:
    """A failure: where and what (and the learner's line of code, where it raised or was stopped), then the
    course's hint."""
    if note.where is not None and note.where.code:
        lines = wrap(t("check.at", name=note.where.name, line=note.where.line), WIDTH, INDENT)
        lines.append(_fit(INDENT + "| " + note.where.code))
        lines += wrap(_sentence(note, t), WIDTH, INDENT)
    else:
        lines = wrap(_said(note, t), WIDTH, INDENT)
    hint = NOTES[note.key][1]
    if hint:
        lines += wrap(t("check.hint", hint=t.text(hint, **note.fields)), WIDTH, INDENT)
    return lines


def _fit(line: str) -> str:
    """One line of the learner's code, cut to the width of the terminal."""
    if display_width(line) <= WIDTH:
        return line
    while display_width(line + "...") > WIDTH:
        line = line[:-1]
    return line + "..."
