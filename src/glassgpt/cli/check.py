"""check mode: `glassgpt check FILE` grades the GPT a learner wrote (the checker package grades; this says it).

One line per check, printed as the check finishes: a mark (ok, FAIL, TODO, skip), what was checked, and what was
found. Under a failure: where (the function and line in the learner's file, and the line itself when their code
raised or was stopped there), what is wrong in their terms, and a hint of what the course writes instead.
Exit 0 when every check passes, 1 otherwise; a file that cannot be loaded at all is a GlassGPTError (one line,
exit 2) raised by the checker. The learner's file runs in a child process with a time limit (--timeout).
"""

from ..checker import CHECK_CONFIG, DEFAULT_TIMEOUT, REFERENCE_NAMES, Report, Status, stream_findings
from .options import add_seed_option
from .output import escaped
from .render import WIDTH, display_width, pad, wrap

INDENT = " " * 8  # notes sit under the label, past the mark column

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
        label = t.member("check.label", finding.check, reference=REFERENCE_NAMES.get(finding.role, finding.part))
        if finding.status == Status.PASS:
            details = [_said(note, t) for note in finding.notes]
            lines += _marked(t.member("check.mark", finding.status.value),
                             t("check.found", label=label, detail=details[0]) if details else label)
            for detail in details[1:]:
                lines += wrap(detail, WIDTH, INDENT)
            return lines
        lines += _marked(t.member("check.mark", finding.status.value), label)
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
        return _marked(self.t.member("check.mark", Status.SKIP.value), self.t("check.skipped", count=count))


def _marked(mark: str, text: str) -> list[str]:
    """`text` wrapped under the label column, the mark in front of its first line."""
    lines = wrap(text, WIDTH, INDENT)
    return ["  " + pad(mark, len(INDENT) - 2) + lines[0][len(INDENT):], *lines[1:]]


def _sentence(note, t) -> str:
    return t.member("check.note", note.key, **note.fields)


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
        lines.append(_fit(INDENT + "| " + escaped(note.where.code)))
        lines += wrap(_sentence(note, t), WIDTH, INDENT)
    else:
        lines = wrap(_said(note, t), WIDTH, INDENT)
    hint = t.nearest("check.hint", note.key, **note.fields)  # a family of mistakes shares its family's hint
    if hint:
        lines += wrap(t("check.hint", hint=hint), WIDTH, INDENT)
    return lines


def _fit(line: str) -> str:
    """One line of the learner's code, cut to the width of the terminal."""
    if display_width(line) <= WIDTH:
        return line
    while display_width(line + "...") > WIDTH:
        line = line[:-1]
    return line + "..."
