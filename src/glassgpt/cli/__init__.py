"""The command line: `glassgpt MODE [options]`, `glassgpt --mode MODE`, `python model.py --mode MODE`.

One module per mode renders it (`components.py`, `full.py`, ...), each with `add_arguments(group, t)` and
`run(args, t) -> exit status`. Every sentence comes from `messages.py` in the chosen language.
Exit status: 0 success, 1 a check found a fault, 2 bad input (one line on stderr, no traceback).
"""

import argparse
import os
import sys

from ..errors import GlassGPTError
from . import attention, check, components, full, generate, params
from .messages import Messages, default_language
from .options import UsageError, add_common_arguments

MODES = {"components": components, "full": full, "params": params, "attention": attention, "check": check,
         "generate": generate}
# "all" shows every teaching mode, in the order the course teaches them: the parts, the whole architecture, how
# self-attention computes and why it is masked, then the parameter count
ALL_MODES = ("components", "full", "attention", "params")
DEFAULT_MODE = "all"


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line in the user's language and exit status 2."""

    def __init__(self, t, **kwargs):
        super().__init__(**kwargs)
        self.t = t

    def error(self, message):
        raise UsageError(self.t("usage.error", detail=message))


def _language(argv: list[str]) -> str:
    """--lang from argv, read before the parser exists (the parser's own help is translated)."""
    for i, word in enumerate(argv):
        if word == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if word.startswith("--lang="):
            return word.split("=", 1)[1]
    return default_language()


def build_parser(t) -> argparse.ArgumentParser:
    parser = _Parser(t, prog="glassgpt", description=t("prog.description"))
    parser.add_argument("words", nargs="*", metavar="MODE [FILE]", help=t("opt.words"))
    parser.add_argument("--mode", dest="mode_option", metavar="MODE", help=t("opt.mode"))
    add_common_arguments(parser, t)
    for name, module in MODES.items():
        if hasattr(module, "add_arguments"):
            module.add_arguments(parser.add_argument_group(name), t)
    return parser


def _run(argv: list[str], t) -> int:
    args = build_parser(t).parse_args(argv)
    words = list(args.words)
    mode = args.mode_option or (words.pop(0) if words else DEFAULT_MODE)
    if mode not in MODES and mode != "all":
        raise UsageError(t("usage.error", detail=t("usage.unknown_mode", mode=mode, known=", ".join([*MODES, "all"]))))
    args.mode = mode
    args.files = words
    if words and mode != "check":
        raise UsageError(t("usage.error", detail=t("usage.extra_words", mode=mode, words=" ".join(words))))
    if mode == "all":
        statuses = []
        for i, name in enumerate(ALL_MODES):
            if i:
                print()  # a blank line between modes
            statuses.append(MODES[name].run(args, t))
        return max(statuses)
    return MODES[mode].run(args, t)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    t = Messages(_language(argv))
    try:
        return _run(argv, t)
    except UsageError as e:
        print(e, file=sys.stderr)
    except GlassGPTError as e:
        print(t("usage.error", detail=e.message(t.lang)), file=sys.stderr)
    except BrokenPipeError:
        # the reader stopped reading (`glassgpt ... | head`): not an error; silence the final flush of stdout
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print(t("usage.error", detail=t("usage.interrupted")), file=sys.stderr)
        return 130
    return 2
