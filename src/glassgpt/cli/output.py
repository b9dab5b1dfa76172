"""The one place the CLI writes text: whatever encoding the stream has, the output degrades and never crashes.

A Chinese Windows console encodes in GBK, a `LANG=C` pipe may be ASCII, `PYTHONIOENCODING` can say anything.
Characters the stream cannot encode are replaced, in this order:
- a drawing character with an ASCII stand-in (shades, box lines, visible space and newline) is swapped for it,
  a whole group at a time: GBK has ▓ and █ but not ░ and ▒, and a heatmap that mixed ░ with `#` would no
  longer read light-to-dark; the legend is swapped the same way, so it still says what each shade means;
- anything else (Chinese in ASCII, say) becomes the stream's replacement character `?`.
"""

import functools
import json
import math
import re
import sys
from collections.abc import Iterable

# groups of characters that are swapped together, each character -> its ASCII stand-in
ASCII_GROUPS = (
    {"░": ".", "▒": ":", "▓": "*", "█": "#", "·": " "},  # heatmap shades and the masked cell (render.SHADES)
    {"─": "-", "═": "=", "│": "|", "┌": "+", "┐": "+", "└": "+", "┘": "+", "├": "+", "┤": "+",
     "┬": "+", "┴": "+"},  # boxes and rules
    {"␣": "_", "⏎": "$", "⇥": ">"},  # a space, newline, tab inside a token (render.visible)
    {"…": "..."},
    {"±": "+/-"},
)


def escaped(text) -> str:
    """A string from a file (a config field, a tensor name, a token, a line of a learner's code) as it is safe to
    show: every character a terminal would act on instead of showing (escape sequences, bell, backspace, carriage
    return, newline, C1 controls, bidirectional overrides: whatever str.isprintable() rejects, but a space) is
    written as its Python escape, `\\x1b`, `\\n`, `\\u202e`. Escaping twice changes nothing more."""
    return "".join(c if c.isprintable() or c == " " else c.encode("unicode_escape").decode("ascii")
                   for c in str(text))


def finite_json(data) -> str:
    """`data` (dicts, lists, numbers, strings) as one line of JSON that every parser reads. JSON has no NaN or
    infinity (json.dumps would write a bare `NaN`, which strict parsers refuse): each becomes null, and a dict
    gains "not_finite", the list of where they were ("scores.induction[0][1]"; empty when all is finite).
    Characters a terminal would act on are written as JSON escapes (`\\u001b`), which decode to the same string."""
    not_finite: list[str] = []

    def clean(value, where: str):
        if isinstance(value, float) and not math.isfinite(value):
            not_finite.append(where or "$")
            return None
        if isinstance(value, dict):
            return {key: clean(item, f"{where}.{key}" if where else str(key)) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [clean(item, f"{where}[{i}]") for i, item in enumerate(value)]
        return value

    cleaned = clean(data, "")
    if isinstance(cleaned, dict):
        cleaned["not_finite"] = not_finite
    text = json.dumps(cleaned, ensure_ascii=False, allow_nan=False)
    return _NOT_ASCII.sub(lambda m: m[0] if m[0].isprintable() else json.dumps(m[0])[1:-1], text)


_NOT_ASCII = re.compile(r"[^ -~]")


class Part(str):
    """A piece of a line: written without a newline and flushed at once (a token printed as it is generated).
    The next plain line ends the line the parts started."""


def _can_encode(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


@functools.cache
def _fallbacks(encoding: str) -> dict[int, str]:
    """The str.translate table for a stream: every group with a character the encoding lacks."""
    table = {}
    for group in ASCII_GROUPS:
        if not _can_encode("".join(group), encoding):
            table.update({ord(c): ascii_text for c, ascii_text in group.items()})
    return table


def safe_text(text: str, encoding: str | None) -> str:
    """`text` as the stream can encode it (see the module docstring)."""
    encoding = encoding or "utf-8"
    text = text.translate(_fallbacks(encoding))  # a whole group, even where this line could take some of it
    if _can_encode(text, encoding):
        return text
    return text.encode(encoding, errors="replace").decode(encoding)


def write(text: str, stream=None, end: str = "\n") -> None:
    """Write one line (or a Part, with end="") to the stream, in an encoding it can take, and flush it."""
    stream = sys.stdout if stream is None else stream
    stream.write(safe_text(text, getattr(stream, "encoding", None)) + end)
    stream.flush()


def emit(lines: Iterable[str], stream=None) -> int:
    """Write every line a mode returns or yields, as it comes; -> the exit status a generator returned (else 0).

    A plain string is a whole line; a `Part` goes on the current line (see Part). Should the mode fail or be
    interrupted midway (its error goes to stderr), a line it had started is ended first."""
    iterator, line = iter(lines), ""
    try:
        while True:
            try:
                line = next(iterator)
            except StopIteration as stop:
                return stop.value or 0
            write(line, stream, end="" if isinstance(line, Part) else "\n")
    except BaseException:  # an error, or Ctrl-C
        if isinstance(line, Part):
            write("", stream)
        raise


def tolerate_any_encoding() -> None:
    """Let whatever else reaches stdout and stderr (argparse's help, say) replace what it cannot encode."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
