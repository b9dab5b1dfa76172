"""The command line under attack, as a hostile or careless user would try it: each test injects one attack as
RELIABILITY.md's command-line section lists it, and wants one clean line (exit 2), or the promised output, with no
traceback and nothing else changed."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from glassgpt.cli.messages import MESSAGES, Messages
from glassgpt.cli.output import escaped, finite_json

ROOT = Path(__file__).resolve().parents[1]


def environment(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    env.update(LANG="C.UTF-8", PYTHONPATH=str(ROOT / "src"), **extra)
    return env


def glassgpt(*args, timeout=300, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "glassgpt", *args], cwd=ROOT, capture_output=True, text=True,
                          env=environment(), timeout=timeout, **kwargs)


def one_error_line(result) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# --- Ctrl-C while torch loads, while a mode runs, while Python exits ----------------------------------------------

def wait_for_torch(pid: int, limit: float = 60) -> None:
    """Until the process has begun to load torch's libraries (Linux: /proc/PID/maps)."""
    maps, started = Path(f"/proc/{pid}/maps"), time.monotonic()
    if not maps.exists():
        pytest.skip("needs /proc")
    while "torch" not in maps.read_text(errors="replace"):
        assert time.monotonic() - started < limit, "torch never loaded"
        time.sleep(0.005)


@pytest.mark.parametrize("moment", ["torch_loading", "first_line", "late"])
def test_ctrl_c_at_any_moment_is_exit_130_or_done_never_a_traceback(moment):
    """SIGINT while torch loads, once the mode has printed its first line, and 2.5 s in (the run, or Python
    exiting, on a 2-core machine): every moment must be clean."""
    child = subprocess.Popen([sys.executable, "-m", "glassgpt", "components", "--preset", "tiny"], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment())
    if moment == "torch_loading":
        wait_for_torch(child.pid)
    elif moment == "first_line":
        child.stdout.readline()
    else:
        time.sleep(2.5)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=120)
    assert child.returncode in (0, 130), (child.returncode, err)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    if child.returncode == 130:
        assert len(err.strip().splitlines()) <= 1, err
    if moment == "torch_loading":
        assert child.returncode == 130 and out == ""


def test_importing_the_cli_does_not_import_torch():
    """The window in which Ctrl-C would escape main() is the import of glassgpt.cli: it holds no torch."""
    code = "import sys, glassgpt.cli; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment())
    assert result.stdout.strip() == "False", result.stderr


# --- strings from files are shown escaped ---------------------------------------------------------------------

TITLE_AND_CLEAR = "x\n\x1b]0;PWNED\x07\x1b[2J"


@pytest.fixture(scope="module")
def saved_tiny(tmp_path_factory):
    import glassgpt

    folder = tmp_path_factory.mktemp("tiny") / "run"
    glassgpt.GPT(glassgpt.GPTConfig.from_preset("tiny")).save_pretrained(folder)
    return folder


def forged_copy(saved_tiny, tmp_path, **config_fields) -> Path:
    folder = tmp_path / "shared"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes((saved_tiny / "model.safetensors").read_bytes())
    config = json.loads((saved_tiny / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, **config_fields}))
    return folder


@pytest.mark.parametrize("mode", ["params", "components"])
def test_a_config_field_that_would_set_the_window_title_and_clear_the_screen_is_shown_escaped(mode, saved_tiny,
                                                                                               tmp_path):
    folder = forged_copy(saved_tiny, tmp_path, activation_function=TITLE_AND_CLEAR)
    line = one_error_line(glassgpt(mode, "--checkpoint", str(folder)))
    assert "\x1b" not in line and "\x07" not in line
    assert r"x\n\x1b]0;PWNED\x07\x1b[2J" in line


def test_a_tensor_name_with_escape_sequences_is_shown_escaped(saved_tiny, tmp_path):
    from safetensors.torch import load_file, save_file

    folder = forged_copy(saved_tiny, tmp_path)
    tensors = load_file(saved_tiny / "model.safetensors")
    tensors["h.0.\x1b[2Jevil\u202e"] = next(iter(tensors.values())).clone()
    save_file(tensors, folder / "model.safetensors", metadata={"format": "pt"})
    line = one_error_line(glassgpt("components", "--checkpoint", str(folder)))
    assert "\x1b" not in line and "\u202e" not in line and r"\x1b[2Jevil\u202e" in line


@given(st.text())
def test_escaped_text_holds_nothing_a_terminal_acts_on(text):
    shown = escaped(text)
    assert all(c.isprintable() or c == " " for c in shown)
    assert escaped(shown) == shown
    assert shown == text or not all(c.isprintable() or c == " " for c in text)


@given(st.text())
def test_a_cli_sentence_escapes_every_field(text):
    line = Messages("en")("usage.error", detail=text)
    assert all(c.isprintable() or c == " " for c in line)


@pytest.mark.parametrize("mode", ["components", "generate"])
def test_token_texts_with_escape_sequences_are_shown_escaped(mode, saved_tiny, tmp_path):
    from tokenizers import Tokenizer, models, pre_tokenizers

    words = ["[UNK]", "hi", TITLE_AND_CLEAR[2:], "\x9b2J", "there"]
    tokenizer = Tokenizer(models.WordLevel({word: i for i, word in enumerate(words)}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer.save(str(tmp_path / "tokenizer.json"))
    text = ["--text", f"hi {TITLE_AND_CLEAR[2:]} \x9b2J there"] if mode == "components" else [
        "--prompt", "1,2,3", "--max-new-tokens", "4"]
    result = glassgpt(mode, "--checkpoint", str(saved_tiny), "--tokenizer", str(tmp_path / "tokenizer.json"), *text)
    assert result.returncode == 0, result.stderr
    assert not any(c in result.stdout for c in "\x1b\x07\x9b"), result.stdout
    if mode == "components":
        assert r"\x1b]0;PWNED\x07\x1b[2J" in result.stdout and r"\x9b2J" in result.stdout


# --- NaN and infinity never make invalid JSON -------------------------------------------------------------------

def strict_json(text: str):
    """json.loads that refuses NaN and Infinity, as JavaScript's JSON.parse and most other parsers do."""
    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")
    return json.loads(text, parse_constant=refuse)


def test_finite_json_writes_null_and_says_where():
    data = {"a": [1.0, float("nan"), float("inf")], "b": {"c": -float("inf"), "d": "x"}, "e": 2}
    assert strict_json(finite_json(data)) == {"a": [1.0, None, None], "b": {"c": None, "d": "x"}, "e": 2,
                                              "not_finite": ["a[1]", "a[2]", "b.c"]}
    assert strict_json(finite_json({"a": 1.5}))["not_finite"] == []


@given(st.text())
def test_finite_json_keeps_every_string_and_shows_no_control_character(text):
    written = finite_json({"text": text})
    assert strict_json(written)["text"] == text
    assert all(c.isprintable() for c in written)


@pytest.mark.parametrize("mode", ["heads", "lens", "ablate"])
def test_weights_that_overflow_give_json_that_says_what_was_not_finite(mode, saved_tiny, tmp_path):
    """3e38 in the position table is finite, but the forward pass overflows: the JSON says so, validly."""
    from safetensors.torch import load_file, save_file

    folder = forged_copy(saved_tiny, tmp_path)
    tensors = load_file(saved_tiny / "model.safetensors")
    tensors["transformer.wpe.weight"].fill_(3e38)
    save_file(tensors, folder / "model.safetensors", metadata={"format": "pt"})
    result = glassgpt(mode, "--checkpoint", str(folder), "--json")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    data = strict_json(result.stdout)
    assert data["not_finite"], data


# --- every --plot is checked before any work, written atomically, and never over what the run reads ----------

PLOTTING = [("attention", "--preset", "tiny"), ("heads", "--preset", "tiny", "--sequences", "2"),
            ("ablate", "--preset", "tiny"), ("timeline", "--checkpoint", "nowhere")]


def assert_refused_at_once(result, started: float, key: str, lang: str = "en"):
    line = one_error_line(result)
    template = MESSAGES.say(key, lang, file="\0", folder="\0", option="\0").split("\0")[-1]
    assert template in line, line
    assert time.monotonic() - started < 60


@pytest.mark.parametrize("argv", PLOTTING, ids=[argv[0] for argv in PLOTTING])
def test_a_plot_path_that_is_a_folder_is_refused_before_any_work(argv, tmp_path):
    (tmp_path / "out.png").mkdir()
    started = time.monotonic()
    assert_refused_at_once(glassgpt(*argv, "--plot", str(tmp_path / "out.png")), started, "plot.is_folder")


def test_a_plot_over_the_checkpoint_it_reads_is_refused_and_the_checkpoint_kept(saved_tiny, tmp_path):
    import torch

    import glassgpt as library

    model = library.GPT(library.GPTConfig.from_preset("tiny"))
    checkpoint = tmp_path / "model.png"  # a course .pt, oddly named
    torch.save({"model": model.state_dict(), "config": model.config.to_dict()}, checkpoint)
    before = checkpoint.read_bytes()
    started = time.monotonic()
    result = glassgpt("heads", "--checkpoint", str(checkpoint), "--sequences", "2", "--plot", str(checkpoint))
    assert_refused_at_once(result, started, "plot.is_input")
    assert checkpoint.read_bytes() == before


def mounted_tmpfs(folder: Path, *options: str):
    """A tmpfs at `folder` (root only): the read-only and full disks of the attacks."""
    folder.mkdir(exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs", str(folder)],
                          capture_output=True)
    if done.returncode:
        pytest.skip("needs root and mount: " + done.stderr.decode(errors="replace").strip())
    return folder


@pytest.fixture
def read_only_folder(tmp_path):
    folder = mounted_tmpfs(tmp_path / "ro", "ro", "size=1m")
    yield folder
    subprocess.run(["umount", str(folder)])


@pytest.fixture
def nearly_full_folder(tmp_path):
    folder = mounted_tmpfs(tmp_path / "full", "size=16k")
    yield folder
    subprocess.run(["umount", str(folder)])


def test_a_plot_on_a_read_only_disk_is_refused_before_any_work(read_only_folder):
    started = time.monotonic()
    result = glassgpt("heads", "--preset", "tiny", "--sequences", "2", "--plot", str(read_only_folder / "h.png"))
    assert_refused_at_once(result, started, "plot.not_writable")


def test_a_plot_on_a_full_disk_is_one_line_and_the_old_plot_stays_whole(nearly_full_folder):
    old = nearly_full_folder / "h.png"
    old.write_bytes(b"\x89PNG old plot")
    (nearly_full_folder / "filler").write_bytes(b"x" * 8192)
    result = glassgpt("attention", "--preset", "tiny", "--plot", str(old))
    line = one_error_line(result)
    assert str(old) in line
    assert old.read_bytes() == b"\x89PNG old plot"
    assert sorted(p.name for p in nearly_full_folder.iterdir()) == ["filler", "h.png"]  # no temporary left


# --- the smaller points -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_weights_that_overflow_in_fp32_are_not_told_to_use_fp32(lang, saved_tiny, tmp_path):
    from safetensors.torch import load_file, save_file

    folder = forged_copy(saved_tiny, tmp_path)
    tensors = load_file(saved_tiny / "model.safetensors")
    tensors["transformer.wpe.weight"].fill_(3e38)
    save_file(tensors, folder / "model.safetensors", metadata={"format": "pt"})
    result = subprocess.run([sys.executable, "-m", "glassgpt", "components", "--checkpoint", str(folder),
                             "--lang", lang], cwd=ROOT, capture_output=True, text=True, env=environment())
    line = one_error_line(result)
    assert line.endswith(MESSAGES.say("usage.activations_not_finite_fp32", lang))
    assert "--dtype" not in line


def test_a_weight_that_overflows_only_in_fp16_is_told_to_use_fp32(saved_tiny, tmp_path):
    from safetensors.torch import load_file, save_file

    folder = forged_copy(saved_tiny, tmp_path)
    tensors = load_file(saved_tiny / "model.safetensors")
    tensors["transformer.wpe.weight"].fill_(1e6)  # finite in fp32, infinite in fp16
    save_file(tensors, folder / "model.safetensors", metadata={"format": "pt"})
    line = one_error_line(glassgpt("components", "--checkpoint", str(folder), "--dtype", "fp16"))
    assert "--dtype fp32" in line


@pytest.mark.parametrize("mode", ["components", "params"])
def test_an_empty_checkpoint_name_is_an_error_not_a_random_model(mode):
    assert "empty" in one_error_line(glassgpt(mode, "--checkpoint", ""))


def test_a_legacy_pickle_adds_nothing_to_stderr(tmp_path):
    import torch

    import glassgpt as library

    model = library.GPT(library.GPTConfig.from_preset("tiny"))
    path = tmp_path / "old.pt"
    torch.save({"model": model.state_dict(), "config": model.config.to_dict()}, path,
               _use_new_zipfile_serialization=False)  # the format before torch 1.6
    result = glassgpt("components", "--checkpoint", str(path))
    assert result.returncode == 0 and result.stderr == "", result.stderr


@pytest.mark.parametrize("argv, needle", [
    (["generate", "--preset", "tiny", "--prompt", "99999999999999999999999"], "99999999999999999999999"),
    (["generate", "--preset", "tiny", "--prompt", "1,-3"], "-3"),
    (["heads", "--preset", "tiny", "--sequences", "99999999999999999999"], "99999999999999999999"),
])
def test_numbers_past_what_torch_can_hold_are_one_line(argv, needle):
    """A prompt id past 2**63 and a count of sequences whose attention no memory holds: one line, not an
    `Overflow when unpacking long long` traceback."""
    assert needle in one_error_line(glassgpt(*argv))
