"""The command line: `glassgpt MODE [options]`; `glassgpt --mode MODE` and `python model.py --mode MODE` mean the
same, and with no mode at all it is `all` (components, full, attention, params, in the order the course teaches).

Adding a mode takes three things: a module `cli/<mode>.py` with the two functions below, its sentences in
`cli/messages/<mode>.py` (`MESSAGES = {key: (english, chinese)}`, found there by itself), and one line in MODES.

    def add_arguments(parser, t):   # its own argparse parser; t("key", **fields) says a sentence
        parser.description = t("mine.about")
        options.add_model_options(parser, t)        # the shared options it needs, from cli/options.py:
        options.add_text_options(parser, t)         #   add_config_options, add_seed_option, add_model_options,
        parser.add_argument("--layer", type=int, help=t("mine.opt.layer"))  # add_text_options; then its own

    def run(args, t):               # -> the lines to print: a list of str, or a generator that yields them as
        model = options.model_from_args(args)      #    they come (generate, check); a generator may `return`
        example = options.example_input(args, model, B, T)  # an exit status (default 0)
        return heading(t("mine.title")) + [...]

Parsing is argparse's, in two steps: the options every mode shares (--lang, --mode, --help) wherever they stand,
the last one winning as argparse has it; then the mode's own parser reads the rest. The mode word, when --mode does
not name it, comes first: `glassgpt --preset tiny params` is refused with a line that says so (RELIABILITY.md).

`run` never prints: `output.emit` is the one place that writes, in whatever encoding stdout has; a yielded
`output.Part` goes on the current line (a token as it is generated). Bad input is
`raise options.UsageError("mine.key", **fields)` (or a GlassGPTError from the library): main() says it in the
user's language, as one line on stderr, and exits 2. Message keys are literals where they are used
(tests/test_messages.py, tests/test_cli_messages.py). An option that a mode does not take is an error that names
the modes that do take it. Exit status: 0 success, 1 a check found a fault, 2 bad input, 130 interrupted.

This module imports only what is light (messages, output): torch loads inside main(), where Ctrl-C is caught.
"""

import argparse
import importlib
import os
import signal
import sys

from ..errors import GlassGPTError
from .messages import Messages, UsageError, default_language
from .output import emit, tolerate_any_encoding, write

# every mode -> its module, in the order `glassgpt --help` lists them
MODES = {
    "components": "glassgpt.cli.components", "full": "glassgpt.cli.full", "attention": "glassgpt.cli.attention",
    "params": "glassgpt.cli.params", "generate": "glassgpt.cli.generate", "check": "glassgpt.cli.check",
    "lab": "glassgpt.cli.lab", "train": "glassgpt.cli.train", "heads": "glassgpt.cli.heads",
    "lens": "glassgpt.cli.lens", "timeline": "glassgpt.cli.timeline", "ablate": "glassgpt.cli.ablate",
}
# `all` shows every teaching mode, in the order the course teaches them: the parts, the whole architecture, how
# self-attention computes and why it is masked, then the parameter count
ALL = "all"
ALL_MODES = ("components", "full", "attention", "params")
DEFAULT_MODE = ALL
INTERRUPTED = 130  # 128 + SIGINT, the shell's convention


class _Parser(argparse.ArgumentParser):
    """argparse, but its own usage errors (a missing value, a bad choice) become a UsageError (one line), and it
    keeps the option strings it was given in `options` (argparse has no public list of them)."""

    def __init__(self, **kwargs):
        self.options: set[str] = set()
        super().__init__(**kwargs)

    def add_argument(self, *args, **kwargs):
        action = super().add_argument(*args, **kwargs)
        self.options.update(action.option_strings)
        return action

    def error(self, message):
        raise UsageError("usage.argparse", detail=message)


def _shared(parser: argparse.ArgumentParser, t) -> None:
    """--lang and --mode: read by the first step, shown in every parser's help."""
    parser.add_argument("--lang", choices=("en", "zh"), help=t("opt.lang"))
    parser.add_argument("--mode", nargs="?", const="", metavar="MODE",
                        help=t("opt.mode", modes=", ".join([*MODES, ALL])))


def _first_step(t) -> argparse.ArgumentParser:
    parser = _Parser(prog="glassgpt", add_help=False, allow_abbrev=False)
    _shared(parser, t)
    parser.add_argument("-h", "--help", action="store_true")
    return parser


class Parsers:
    """One parser per mode, each made when first asked for, so that a mode's module is imported only when it
    runs (or when its options are looked up); `top` says what every mode is (`glassgpt --help`)."""

    def __init__(self, t):
        self.t = t
        self._made: dict[str, _Parser] = {}

    @property
    def top(self) -> argparse.ArgumentParser:
        t, modes = self.t, ", ".join([*MODES, ALL])
        parser = _Parser(prog="glassgpt", description=t("prog.description", modes=modes), epilog=t("prog.epilog"))
        parser.add_argument("mode", nargs="?", metavar="MODE", help=t("opt.mode", modes=modes))
        _shared(parser, t)
        return parser

    def __getitem__(self, name: str) -> _Parser:
        if name not in self._made:
            parser = _Parser(prog=f"glassgpt {name}")
            _shared(parser, self.t)
            if name == ALL:
                from .options import add_model_options, add_text_options

                parser.description = self.t("all.about", modes=", ".join(ALL_MODES))
                add_model_options(parser, self.t)
                add_text_options(parser, self.t)
            else:
                importlib.import_module(MODES[name]).add_arguments(parser, self.t)
            self._made[name] = parser
        return self._made[name]

    def every(self) -> dict[str, _Parser]:
        return {name: self[name] for name in (*MODES, ALL)}


def parse(argv: list[str], parsers: Parsers) -> argparse.Namespace:
    """The mode's options, parsed by its own parser; an option it does not take names the modes that do."""
    shared, rest = _first_step(parsers.t).parse_known_args(argv)
    mode = shared.mode
    if mode == "":
        raise UsageError("usage.mode_needs_value")
    if mode is None and rest and not rest[0].startswith("-"):
        mode, rest = rest[0], rest[1:]
    if shared.help:
        (parsers.top if mode is None else parsers[_known(mode)]).print_help()
        raise SystemExit(0)
    defaulted, mode = mode is None, _known(mode or DEFAULT_MODE)
    args, unknown = parsers[mode].parse_known_args(rest)
    for word in unknown:
        if defaulted and (word in MODES or word == ALL):  # `glassgpt --preset tiny params`
            raise UsageError("usage.mode_first", mode=word)
    for word in unknown:
        option = word.split("=", 1)[0]
        if option.startswith("-"):
            owners = [name for name, parser in parsers.every().items() if option in parser.options and name != ALL]
            if owners:
                raise UsageError("usage.option_of_other_modes", option=option, mode=mode, modes=", ".join(owners))
            raise UsageError("usage.unknown_option", option=option, mode=mode)
        raise UsageError("usage.extra_words", mode=mode, words=" ".join(unknown))
    args.mode, args.lang = mode, shared.lang
    return args


def _known(mode: str) -> str:
    if mode not in MODES and mode != ALL:
        raise UsageError("usage.unknown_mode", mode=mode, known=", ".join([*MODES, ALL]))
    return mode


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
    return (yield from importlib.import_module(MODES[name]).run(args, t)) or 0


def _language(argv: list[str]) -> str:
    """--lang (the last one given), read first: the parsers' own help is translated."""
    try:
        lang = _first_step(Messages("en")).parse_known_args(argv)[0].lang
    except UsageError:
        lang = None  # `--lang fr`: said below, in the locale's language
    return lang or default_language()


def main(argv: list[str] | None = None) -> int:
    """argv (default: the program's own, sys.argv[1:]) -> exit status. Run as the program itself (no argv), it
    ends the process: Ctrl-C while torch loads, while a mode runs or while the process exits is 130 and one line
    at most, never a traceback (Python's own shutdown would die of a late SIGINT, so it is skipped)."""
    if argv is not None:
        return _main(list(argv))
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C is KeyboardInterrupt from here on
    try:
        status = _main(sys.argv[1:])
    except SystemExit as e:  # --help
        status = e.code if isinstance(e.code, int) else 0
    signal.signal(signal.SIGINT, lambda *_: os._exit(INTERRUPTED))
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass  # a reader that went away: nothing more to say to it
    os._exit(status)


def _main(argv: list[str]) -> int:
    t = Messages(default_language())
    try:
        t = Messages(_language(argv))
        tolerate_any_encoding()
        parsers = Parsers(t)
        args = parse(argv, parsers)
        return emit(run_all(args, t, parsers) if args.mode == ALL else run_mode(args.mode, args, t))
    except (UsageError, GlassGPTError) as e:
        write(t("usage.error", detail=e.message(t.lang)), sys.stderr)  # escaped: its fields may come from a file
        return 2
    except BrokenPipeError:
        # the reader stopped reading (`glassgpt ... | head`): not an error; silence the final flush of stdout
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        write(t("usage.error", detail=t("usage.interrupted")), sys.stderr)
        return INTERRUPTED
