"""check mode: `glassgpt check FILE` grades the GPT a learner wrote (the grading is checker.py; this says it).

One line per check: a mark (ok, FAIL, TODO, skip), what was checked, and what was found. Under a failure: where (the
function and line in the learner's file, and the line itself when their code raised), what is wrong in their
terms, and a hint of what the course writes instead. Exit 0 when every check passes, 1 otherwise; a file that
cannot be loaded at all is a GlassGPTError (one line, exit 2) raised by the checker.
"""

from ..checker import FAIL, PASS, REFERENCE_NAMES, SKIP, TODO, check_file
from .messages import MESSAGES
from .options import UsageError
from .render import WIDTH, display_width, pad, wrap

INDENT = " " * 8  # notes sit under the label, past the mark column


def run(args, t) -> int:
    if len(args.files) != 1:
        raise UsageError(t("usage.error", detail=t("check.usage", count=len(args.files))))
    report = check_file(args.files[0], seed=args.seed)
    for line in render(report, args.files[0], t):
        print(line)
    return 0 if report.passed else 1


def render(report, file: str, t) -> list[str]:
    config = ", ".join(f"{name}={value}" for name, value in report.config.items())
    lines = wrap(t("check.title", file=file)) + wrap(t("check.config", config=config), indent="  ")
    findings = report.findings
    for i, finding in enumerate(findings):
        if i == 0 or finding.part != findings[i - 1].part:
            lines += ["", finding.part]
        if finding.status == SKIP:
            if i + 1 == len(findings) or findings[i + 1].part != finding.part or findings[i + 1].status != SKIP:
                count = sum(1 for f in findings if f.part == finding.part and f.status == SKIP)
                lines += _marked(t("check.mark.skip"), t("check.skipped", count=count))
            continue
        label = t(f"check.label.{finding.check}", reference=REFERENCE_NAMES.get(finding.role, finding.part))
        if finding.status == PASS:
            details = [_note(note, t) for note in finding.notes]
            found = t("check.found", label=label, detail=details[0]) if details else label
            lines += _marked(t("check.mark.pass"), found)
            for detail in details[1:]:
                lines += wrap(detail, WIDTH, INDENT)
            continue
        lines += _marked(t(f"check.mark.{finding.status}"), label)
        for note in finding.notes:
            lines += _explained(note, t)
    counts = {status: sum(1 for f in findings if f.status == status) for status in (PASS, FAIL, TODO, SKIP)}
    lines += ["", *wrap(t("check.summary", total=len(findings), passed=counts[PASS], failed=counts[FAIL],
                          todo=counts[TODO], skipped=counts[SKIP]))]
    lines += wrap(t("check.verdict.pass" if report.passed else "check.verdict.fail"))
    return lines


def _marked(mark: str, text: str) -> list[str]:
    """`text` wrapped under the label column, the mark in front of its first line."""
    lines = wrap(text, WIDTH, INDENT)
    return ["  " + pad(mark, len(INDENT) - 2) + lines[0][len(INDENT):], *lines[1:]]


def _note(note, t) -> str:
    text = t(f"check.note.{note.key}", **note.fields)
    if note.where is None:
        return text
    return t("check.at_text", name=note.where.name, line=note.where.line, text=text)


def _explained(note, t) -> list[str]:
    """A failure: where and what (and the learner's line of code, if it raised there), then the course's hint."""
    lines = []
    if note.where is not None and note.where.code and note.key == "raised":  # their line, where it failed
        lines += wrap(t("check.at", name=note.where.name, line=note.where.line), WIDTH, INDENT)
        lines.append(_fit(INDENT + "| " + note.where.code))
        lines += wrap(t(f"check.note.{note.key}", **note.fields), WIDTH, INDENT)
    else:
        lines += wrap(_note(note, t), WIDTH, INDENT)
    hint = _hint_key(note.key)
    if hint:
        lines += wrap(t("check.hint", hint=t(hint, **note.fields)), WIDTH, INDENT)
    return lines


def _hint_key(key: str) -> str | None:
    """The most specific hint for a note: `check.hint.attention.scale.none`, else `...attention.scale`, ..."""
    parts = key.split(".")
    for n in range(len(parts), 0, -1):
        candidate = "check.hint." + ".".join(parts[:n])
        if candidate in MESSAGES:
            return candidate
    return None


def _fit(line: str) -> str:
    """One line of the learner's code, cut to the width of the terminal."""
    if display_width(line) <= WIDTH:
        return line
    while display_width(line + "...") > WIDTH:
        line = line[:-1]
    return line + "..."
