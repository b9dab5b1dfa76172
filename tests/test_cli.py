"""The CLI through its real entry points (subprocess), in both languages: modes, their own options, exit codes.
Many variations of one behaviour run in process (`main(argv)`, the function the entry points call), a few of each
through the real entry points: starting Python and torch costs seconds a run."""

import contextlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from glassgpt.cli import ALL_MODES, MODES, Parsers, main, parse
from glassgpt.cli.messages import MESSAGES, Messages

ROOT = Path(__file__).resolve().parents[1]
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def run(*args, lang=None, entry=("model.py",), env=None):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    environment["LANG"] = "zh_CN.UTF-8" if lang == "zh" else "C.UTF-8"
    environment.update(env or {})
    return subprocess.run([sys.executable, *entry, *args], cwd=ROOT, capture_output=True, text=True,
                          env=environment, timeout=300)


def run_in_process(*args):
    """main(argv) with stdout and stderr captured -> (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(args))
    return subprocess.CompletedProcess(args, status, out.getvalue(), err.getvalue())


def one_error_line(result) -> str:
    """The single stderr line of a usage error (exit 2, nothing on stdout, no traceback)."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert result.stdout == "" and "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("mode", ["components", "full", "params"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_course_commands_exit_0(mode, lang):
    result = run("--mode", mode, lang=lang)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    has_chinese = bool(CHINESE.search(result.stdout))
    assert has_chinese == (lang == "zh")


def test_mode_as_word_equals_mode_option_and_console_script():
    by_option = run("--mode", "params", "--preset", "gpt2")
    by_word = run("params", "--preset", "gpt2", entry=("-m", "glassgpt"))
    lang_first = run("--lang", "en", "params", "--preset", "gpt2", entry=("-m", "glassgpt"))
    assert by_option.returncode == by_word.returncode == lang_first.returncode == 0
    assert by_option.stdout == by_word.stdout == lang_first.stdout
    assert "124,439,808" in by_option.stdout  # GPT-2 small's published total


def test_all_is_the_default_and_is_the_four_teaching_modes_in_turn():
    """`all` prints exactly what the four modes print one after the other, a blank line between them."""
    everything = run("--preset", "tiny", "--seed", "3", "--lang", "en")
    assert everything.returncode == 0 and everything.stderr == "", everything.stderr
    assert ALL_MODES == ("components", "full", "attention", "params")
    parts = [run_in_process(mode, "--preset", "tiny", "--lang", "en", *([] if mode == "params" else ["--seed", "3"]))
             for mode in ALL_MODES]
    assert all(part.returncode == 0 for part in parts)
    assert everything.stdout == "\n".join(part.stdout for part in parts)


def test_lang_option_beats_the_locale():
    assert CHINESE.search(run("params", "--lang", "zh", lang="en").stdout)
    assert not CHINESE.search(run("params", "--lang", "en", lang="zh").stdout)


@pytest.mark.parametrize("args, needle", [
    (["--n-head", "5"], "n_head"),
    (["bogus"], "bogus"),
    (["--foo"], "--foo"),
    (["--preset", "gpt5"], "gpt5"),
    (["--n-layer", "x"], "n-layer"),
    (["--dropout", "1.5"], "dropout"),
    (["full", "extra"], "extra"),
    (["--checkpoint", "/nonexistent/dir"], "/nonexistent/dir"),
    (["--mode"], "--mode"),
])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_bad_options_exit_2_with_one_line(args, needle, lang):
    assert needle in one_error_line(run_in_process(*args, "--lang", lang))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_mode_without_a_value_is_said_in_the_users_language(lang):
    line = one_error_line(run_in_process("--mode", "--lang", lang))
    assert "--mode full" in line and bool(CHINESE.search(line)) == (lang == "zh")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_bad_options_through_the_entry_points(lang):
    for entry in (("model.py",), ("-m", "glassgpt")):
        line = one_error_line(run("--mode", "full", "--n-head", "5", lang=lang, entry=entry))
        assert "n_head" in line and bool(CHINESE.search(line)) == (lang == "zh")


# --- each mode takes its own options ------------------------------------------------------------------------

@pytest.mark.parametrize("args, option, owners", [
    (["params", "--layer", "7"], "--layer", {"attention"}),
    (["params", "--top-p", "0.3"], "--top-p", {"generate"}),
    (["params", "--plot", "x.png"], "--plot", {"attention"}),
    (["components", "--json"], "--json", {"params"}),
    (["params", "--seed", "3"], "--seed", {"components", "full", "attention", "generate", "check"}),
    (["--mode", "full", "--max-new-tokens", "5"], "--max-new-tokens", {"generate"}),
])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_option_of_another_mode_is_an_error_naming_its_modes(args, option, owners, lang):
    """`glassgpt params --layer 7` used to exit 0 and ignore it."""
    line = one_error_line(run_in_process(*args, "--lang", lang))
    mode = args[1] if args[0] == "--mode" else args[0]
    template = MESSAGES.say("usage.option_of_other_modes", lang, option=option, mode=mode, modes="\0")  # raw
    before, after = template.split("\0")
    assert before in line and line.endswith(after)
    named = set(line[line.index(before) + len(before):len(line) - len(after)].split(", "))
    assert owners <= named and mode not in named  # modes added later (train, lab...) may take it too


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_option_of_another_mode_through_the_entry_point(lang):
    line = one_error_line(run("params", "--layer", "7", lang=lang, entry=("-m", "glassgpt")))
    assert "--layer" in line and "attention" in line and bool(CHINESE.search(line)) == (lang == "zh")


def test_every_mode_declares_its_options_and_all_takes_only_shared_ones():
    """Read from the parsers themselves: a mode's options are its own; `all` takes only options that each of the
    four modes it runs also takes, or that the model-building ones take (params builds none)."""
    parsers = Parsers(Messages("en"))
    options = {name: parser.options for name, parser in parsers.every().items()}
    assert "--layer" in options["attention"] and "--layer" not in options["params"]
    assert "--top-k" in options["generate"] and not any("--top-k" in options[m] for m in ALL_MODES)
    for option in options["all"]:
        assert any(option in options[mode] for mode in ALL_MODES), option
    for mode in MODES:
        assert "--lang" in options[mode]


@pytest.mark.parametrize("argv, mode, seed, lang", [
    (["full", "--seed", "3"], "full", 3, None),
    (["--lang", "zh", "params", "--no-bias"], "params", None, "zh"),
    (["--preset", "tiny", "--mode", "attention", "--layer", "1"], "attention", None, None),
    (["--mode=generate", "--seed", "5", "--lang", "zh", "--lang=en"], "generate", 5, "en"),
    (["--mode", "full", "--mode", "components"], "components", None, None),
    (["--preset", "tiny"], "all", None, None),
    ([], "all", None, None),
])
def test_the_mode_and_language_are_parsed_by_argparse_and_the_last_one_wins(argv, mode, seed, lang):
    args = parse(argv, Parsers(Messages("en")))
    assert (args.mode, getattr(args, "seed", None) if seed else None, args.lang) == (mode, seed, lang)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_last_lang_wins_through_the_entry_point(lang):
    other = "zh" if lang == "en" else "en"
    result = run("params", "--preset", "tiny", "--lang", other, "--lang", lang, entry=("-m", "glassgpt"))
    assert result.returncode == 0 and bool(CHINESE.search(result.stdout)) == (lang == "zh")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_option_before_the_mode_word_says_the_mode_comes_first(lang):
    line = one_error_line(run_in_process("--preset", "tiny", "params", "--lang", lang))
    assert "glassgpt params" in line and bool(CHINESE.search(line)) == (lang == "zh")


def test_help_lists_the_modes_and_a_modes_help_lists_its_own_options():
    overview = run("--help", entry=("-m", "glassgpt"))
    assert overview.returncode == 0 and overview.stderr == ""
    assert all(mode in overview.stdout for mode in MODES)
    attention = run("attention", "--help", "--lang", "zh", entry=("-m", "glassgpt"))
    assert attention.returncode == 0 and "--layer" in attention.stdout and "--top-k" not in attention.stdout
    assert CHINESE.search(attention.stdout)


def test_params_json_is_one_json_object():
    result = run("params", "--preset", "tiny", "--json", entry=("-m", "glassgpt"))
    assert result.returncode == 0
    assert json.loads(result.stdout)["config"]["n_layer"] == 2
