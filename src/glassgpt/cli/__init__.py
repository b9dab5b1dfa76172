"""The command line: `glassgpt MODE [options]`; `glassgpt --mode MODE` and `python model.py --mode MODE` mean the
same, and with no mode at all it is `all` (components, full, attention, params, in the order the course teaches).

Adding a mode takes three things: a module `cli/<mode>.py` with the two functions below, its sentences in
`cli/messages/<mode>.py` (`MESSAGES = {key: (english, chinese)}`, added to the tuple in messages/__init__.py), and
its name in MODES below (one line).

    def add_arguments(parser, t):   # its own argparse subparser; t("key", **fields) says a sentence
        parser.description = t("mine.about")
        options.add_model_options(parser, t)        # the shared options it needs, from cli/options.py:
        options.add_text_options(parser, t)         #   add_config_options, add_seed_option, add_model_options,
        parser.add_argument("--layer", type=int, help=t("mine.opt.layer"))  # add_text_options; then its own

    def run(args, t):               # -> the lines to print: a list of str, or a generator that yields them as
        model = options.model_from_args(args)      #    they come (generate, check); a generator may `return`
        example = options.example_input(args, model, B, T)  # an exit status (default 0)
        return heading(t("mine.title")) + [...]

`run` never prints: `output.emit` is the one place that writes, in whatever encoding stdout has; a yielded
`output.Part` goes on the current line (a token as it is generated). Bad input is
`raise options.UsageError("mine.key", **fields)` (or a GlassGPTError from the library): main() says it in the
user's language, as one line on stderr, and exits 2. Message keys are literals where they are used
(tests/test_messages.py, tests/test_cli_messages.py). An option that a mode does not take is an error that names
the modes that do take it. Exit status: 0 success, 1 a check found a fault, 2 bad input, 130 interrupted.
"""

import argparse
import importlib
import os
import sys

from ..errors import GlassGPTError, default_language
from .messages import Messages
from .options import UsageError, add_model_options, add_text_options
from .output import emit, tolerate_any_encoding, write

# every mode, in the order `glassgpt --help` lists them; registering a mode is adding its module's name here
MODES = ("components", "full", "attention", "params", "generate", "check", "lab", "train", "heads", "lens",
         "timeline", "ablate")
# `all` shows every teaching mode, in the order the course teaches them: the parts, the whole architecture, how
# self-attention computes and why it is masked, then the parameter count
ALL = "all"
ALL_MODES = ("components", "full", "attention", "params")
DEFAULT_MODE = ALL


class _Parser(argparse.ArgumentParser):
    """argparse, but its own usage errors (a missing value, a bad choice) become a UsageError: one line."""

    def error(self, message):
        raise UsageError("usage.argparse", detail=message)


def _module(name: str):
    return importlib.import_module(f"{__name__}.{name}")


class Parsers:
    """The top-level parser (for --help) and one subparser per mode, each made when first asked for, so that a
    mode's module is imported only when it runs (or when its options are looked up)."""

    def __init__(self, t):
        self.t = t
        self.top = _Parser(prog="glassgpt", description=t("prog.description", modes=", ".join([*MODES, ALL])),
                           epilog=t("prog.epilog"))
        self.top.add_argument("--lang", choices=("en", "zh"), help=t("opt.lang"))
        self._subparsers = self.top.add_subparsers(dest="mode", metavar="MODE", parser_class=_Parser,
                                                  help=t("opt.mode", modes=", ".join([*MODES, ALL])))
        self._made = {}

    def __getitem__(self, name: str) -> argparse.ArgumentParser:
        if name not in self._made:
            parser = self._subparsers.add_parser(name, prog=f"glassgpt {name}")
            parser.add_argument("--lang", choices=("en", "zh"), help=self.t("opt.lang"))
            if name == ALL:
                parser.description = self.t("all.about", modes=", ".join(ALL_MODES))
                add_model_options(parser, self.t)
                add_text_options(parser, self.t)
            else:
                _module(name).add_arguments(parser, self.t)
            self._made[name] = parser
        return self._made[name]

    def every(self) -> dict[str, argparse.ArgumentParser]:
        return {name: self[name] for name in (*MODES, ALL)}


def _options_of(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    """Every option string a parser takes ("--seed", "--no-bias", ...) -> its action."""
    return parser._option_string_actions  # argparse keeps no public list of them


def split_mode(argv: list[str], parsers: Parsers) -> tuple[str | None, list[str]]:
    """(mode, the rest of argv). The mode is `--mode MODE` anywhere, else the first word that is no option
    or option value (`glassgpt --lang zh full`); None when there is none."""
    for i, word in enumerate(argv):
        if word.startswith("--mode="):
            return word.split("=", 1)[1], argv[:i] + argv[i + 1:]
        if word == "--mode":
            if i + 1 == len(argv) or argv[i + 1].startswith("-"):
                raise UsageError("usage.mode_needs_value")
            return argv[i + 1], argv[:i] + argv[i + 2:]
    i = 0
    while i < len(argv) and argv[i].startswith("-") and argv[i] != "--":
        takes_value = argv[i] == "--lang" or any(
            option == argv[i] and action.nargs != 0
            for parser in parsers.every().values() for option, action in _options_of(parser).items())
        i += 2 if takes_value else 1
    if i < len(argv) and argv[i] != "--":
        return argv[i], argv[:i] + argv[i + 1:]
    return None, argv


def parse(argv: list[str], parsers: Parsers) -> argparse.Namespace:
    """The mode's options, parsed by its own subparser; an option it does not take names the modes that do."""
    mode, rest = split_mode(argv, parsers)
    if mode is None and any(word in ("-h", "--help") for word in rest):
        parsers.every()
        parsers.top.parse_args(["--help"])  # the overview of every mode (exits 0); `glassgpt MODE --help`: one
    mode = mode or DEFAULT_MODE
    if mode not in (*MODES, ALL):
        raise UsageError("usage.unknown_mode", mode=mode, known=", ".join([*MODES, ALL]))
    args, unknown = parsers[mode].parse_known_args(rest)
    for word in unknown:
        option = word.split("=", 1)[0]
        if option.startswith("-"):
            owners = [name for name, parser in parsers.every().items()
                      if option in _options_of(parser) and name != ALL]
            if owners:
                raise UsageError("usage.option_of_other_modes", option=option, mode=mode, modes=", ".join(owners))
            raise UsageError("usage.unknown_option", option=option, mode=mode)
        raise UsageError("usage.extra_words", mode=mode, words=" ".join(unknown))
    args.mode = mode
    return args


def run_all(args, t, parsers: Parsers):
    """`all`: each teaching mode in turn, a blank line between them; -> the worst exit status."""
    status = 0
    for i, name in enumerate(ALL_MODES):
        if i:
            yield ""
        # the mode's own defaults, with what `all` was given for the options it takes
        mode_args = parsers[name].parse_args([])
        for key, value in vars(args).items():
            if hasattr(mode_args, key):
                setattr(mode_args, key, value)
        mode_args.mode = name
        status = max(status, (yield from run_mode(name, mode_args, t)))
    return status


def run_mode(name: str, args, t):
    """A mode's lines, as a generator that returns its exit status (0 for a list of lines)."""
    return (yield from _module(name).run(args, t)) or 0


def _run(argv: list[str], t) -> int:
    parsers = Parsers(t)
    args = parse(argv, parsers)
    return emit(run_all(args, t, parsers) if args.mode == ALL else run_mode(args.mode, args, t))


def _language(argv: list[str]) -> str:
    """--lang from argv, read before the parser exists (the parser's own help is translated)."""
    for i, word in enumerate(argv):
        if word == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if word.startswith("--lang="):
            return word.split("=", 1)[1]
    return default_language()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    t = Messages(_language(argv))
    tolerate_any_encoding()
    try:
        return _run(argv, t)
    except UsageError as e:
        detail = t.text(e.key, **e.fields)
    except GlassGPTError as e:
        detail = e.message(t.lang)
    except BrokenPipeError:
        # the reader stopped reading (`glassgpt ... | head`): not an error; silence the final flush of stdout
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        write(t("usage.error", detail=t("usage.interrupted")), sys.stderr)
        return 130
    write(t("usage.error", detail=detail), sys.stderr)
    return 2
