"""Faults injected into checkpoints: a save killed with SIGKILL at every stage, many writers released at once,
and truncated, oversized, non-finite or fuzzed config.json and weights.

What must survive: the folder always holds exactly one complete checkpoint (the old one, or one writer's new one,
config and weights together); nothing a killed save left behind outlives the next save or load; every bad file is
a GlassGPTError, never another exception.
"""

import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glassgpt import GPT, GPTConfig, GlassGPTError
from glassgpt.checkpoints import recover_interrupted_save

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL and flock are POSIX")


def small_model(seed: int, n_layer: int = 2) -> GPT:
    """A small model whose every tensor depends on the seed; different n_layer makes a mix of two unloadable."""
    config = GPTConfig.from_preset("tiny", vocab_size=97, block_size=24, n_embd=24, n_head=3, n_layer=n_layer)
    torch.manual_seed(seed)
    return GPT(config).eval()


def same_weights(a: GPT, b: GPT) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return a.config == b.config and sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def leftovers(folder: Path) -> list[str]:
    """A save's temporary siblings still beside the folder."""
    return [name for name in os.listdir(folder.parent) if name.startswith(".glassgpt-")]


# --- kill -9 mid-save ----------------------------------------------------------------------------------------------

# The child saves a new model into FOLDER and, at the chosen STAGE, says "ready" and waits to be killed there.
CHILD = textwrap.dedent("""
    import os, sys, time
    import glassgpt.checkpoints as checkpoints
    import glassgpt.checkpoints.folders as folders
    from test_faults_checkpoints import small_model

    folder, stage = sys.argv[1], sys.argv[2]

    def wait_for_the_kill():
        print("ready", flush=True)
        time.sleep(600)

    real_save_file, real_rename, real_rmtree = checkpoints.saving.save_file, os.rename, folders.shutil.rmtree

    def save_file(tensors, path, metadata=None):
        real_save_file(tensors, path, metadata=metadata)
        if stage == "writing":  # the weights are written, the config is not
            with open(path, "r+b") as f:
                f.truncate(100)  # and the kill caught the weights half-written
            wait_for_the_kill()

    def rename(src, dst):
        if stage == "settled" and ".glassgpt-old-" in str(dst):
            wait_for_the_kill()  # all written and flushed, nothing renamed yet
        real_rename(src, dst)
        if stage == "swapping" and ".glassgpt-old-" in str(dst):
            wait_for_the_kill()  # the old folder is aside, the new one not yet in

    def rmtree(path, ignore_errors=False):
        if stage == "removing" and ".glassgpt-old-" in str(path):
            wait_for_the_kill()  # the new folder is in, the old one not yet removed
        real_rmtree(path, ignore_errors=ignore_errors)

    checkpoints.saving.save_file, os.rename, folders.shutil.rmtree = save_file, rename, rmtree
    small_model(seed=1, n_layer=3).save_pretrained(folder)
    print("finished", flush=True)
""")


def run_child_until_ready(script: Path, folder: Path, stage: str) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), *sys.path])}
    child = subprocess.Popen([sys.executable, str(script), str(folder), stage], stdout=subprocess.PIPE, text=True,
                             env=env)
    try:
        line = child.stdout.readline()
        assert line == "ready\n", f"the child did not reach stage {stage}: {line!r}"
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=60) == -signal.SIGKILL
    finally:
        child.kill()
        child.stdout.close()


# stage -> which checkpoint the folder holds afterwards: the old one until the new one's rename, then the new one
STAGES = {"writing": "old", "settled": "old", "swapping": "old", "removing": "new"}


@pytest.mark.parametrize("then", ["load", "save"])
@pytest.mark.parametrize("stage", STAGES)
def test_save_killed_at_every_stage(tmp_path, stage, then):
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    folder = tmp_path / "out" / "ckpt"
    old, new = small_model(seed=0), small_model(seed=1, n_layer=3)
    old.save_pretrained(folder)

    run_child_until_ready(script, folder, stage)
    assert leftovers(folder), "the kill should have left the save's temporary folder behind"

    if then == "load":
        expected = old if STAGES[stage] == "old" else new
        before = sorted(os.listdir(folder.parent))
        assert same_weights(GPT.from_pretrained(folder), expected)
        assert sorted(os.listdir(folder.parent)) == before  # reading changes nothing on the disk
        recover_interrupted_save(folder)  # what the next save does first
    else:
        third = small_model(seed=2)
        third.save_pretrained(folder)
        assert same_weights(GPT.from_pretrained(folder), third)
    assert leftovers(folder) == []
    assert sorted(os.listdir(folder)) == ["config.json", "model.safetensors"]


def test_save_killed_at_random_moments(tmp_path):
    """No hook: a child saves a ~40 MB model over and over, and is killed at (seeded) random moments."""
    script = tmp_path / "loop.py"
    script.write_text(textwrap.dedent("""
        import sys, torch
        from glassgpt import GPT, GPTConfig
        config = GPTConfig.from_preset("tiny", vocab_size=20000, block_size=64, n_layer=2, n_head=4, n_embd=512)
        models = []
        for seed in (1, 2):
            torch.manual_seed(seed)
            models.append(GPT(config))
        print("ready", flush=True)
        i = 0
        while True:
            models[i % 2].save_pretrained(sys.argv[1])
            i += 1
    """))
    folder = tmp_path / "ckpt"
    small_model(seed=0).save_pretrained(folder)
    rng = random.Random(0)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    for _ in range(3):
        child = subprocess.Popen([sys.executable, str(script), str(folder)], stdout=subprocess.PIPE, text=True,
                                 env=env)
        try:
            assert child.stdout.readline() == "ready\n"
            time.sleep(rng.uniform(0.2, 1.5))
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=60)
        finally:
            child.kill()
            child.stdout.close()
        before = sorted(os.listdir(folder.parent))
        model = GPT.from_pretrained(folder)  # complete: the old one or one of the child's, never a mix
        assert model.config.vocab_size in (97, 20000)
        assert sorted(os.listdir(folder.parent)) == before  # reading changes nothing on the disk
        recover_interrupted_save(folder)  # what the next save does first
        assert leftovers(folder) == []


# --- many writers at once ------------------------------------------------------------------------------------------

WRITERS = 4
ROUNDS = {True: 20, False: 10}  # with flock, without


def _writer(number: int, folder: str, start, done, results, lock: bool) -> None:
    """One writer process: in every round, wait for the others, save its own model, report, wait again."""
    import glassgpt.checkpoints.folders as folders

    if not lock:  # a filesystem without flock: only the renames stand between the writers
        import contextlib
        folders.folder_lock = lambda folder, exclusive: contextlib.nullcontext()
    model = small_model(seed=number, n_layer=1 + number)
    for _ in range(ROUNDS[lock]):
        start.wait(timeout=300)
        try:
            model.save_pretrained(folder)
            results.put((number, "ok"))
        except GlassGPTError as e:
            results.put((number, e.key))
        done.wait(timeout=300)


@pytest.mark.parametrize("lock", [True, False], ids=["flock", "renames-only"])
def test_concurrent_writers_leave_exactly_one_complete_checkpoint(tmp_path, lock):
    """WRITERS processes released together by a barrier, ROUNDS times: after every round the folder loads and
    equals one writer's model; a writer that did not win either succeeded first (and was replaced, in turn) or
    said so with an error (only without flock); nothing is left beside the folder."""
    context = multiprocessing.get_context("spawn")
    start, done, results = context.Barrier(WRITERS + 1), context.Barrier(WRITERS + 1), context.Queue()
    folder = tmp_path / "ckpt"
    writers = [context.Process(target=_writer, args=(n, str(folder), start, done, results, lock))
               for n in range(WRITERS)]
    for writer in writers:
        writer.start()
    models = [small_model(seed=n, n_layer=1 + n) for n in range(WRITERS)]
    try:
        for _ in range(ROUNDS[lock]):
            start.wait(timeout=300)
            done.wait(timeout=300)
            outcomes = dict(results.get(timeout=60) for _ in range(WRITERS))
            loaded = GPT.from_pretrained(folder)
            winners = [n for n, model in enumerate(models) if same_weights(loaded, model)]
            assert len(winners) == 1 and outcomes[winners[0]] == "ok", outcomes
            assert set(outcomes.values()) <= ({"ok"} if lock else {"ok", "checkpoint_save_race"}), outcomes
            assert leftovers(folder) == [] and sorted(os.listdir(folder)) == ["config.json", "model.safetensors"]
    finally:
        start.abort()  # a failed round leaves the writers waiting: let them go now, not at the barriers' timeout
        done.abort()
        for writer in writers:
            writer.join(timeout=60)
            if writer.is_alive():
                writer.kill()
    assert all(writer.exitcode == 0 for writer in writers)


@pytest.mark.parametrize("swapped", [True, False])
def test_a_folder_swapped_while_it_is_checked_is_the_race_not_a_verdict(tmp_path, swapped):
    """Without flock another save can swap the folder while this one checks that it is a checkpoint (the check
    then reads half of one folder and half of the next): that is the race, said as such, and this save writes
    nothing. A folder that stays put and fails the check keeps the check's own error."""
    from glassgpt.checkpoints.folders import write_folder

    folder, other = tmp_path / "ckpt", tmp_path / "other"
    small_model(seed=0).save_pretrained(folder)
    small_model(seed=1).save_pretrained(other)

    def check(path):
        if swapped:  # another save's two renames, between this check's reads
            os.rename(path, tmp_path / "aside")
            os.rename(other, path)
        raise GlassGPTError("checkpoint_folder_not_ours", folder=str(path), names="config.json")

    with pytest.raises(GlassGPTError) as error:
        write_folder(folder, lambda temporary: (temporary / "x").write_text("x"), check)
    assert error.value.key == ("checkpoint_save_race" if swapped else "checkpoint_folder_not_ours")
    assert sorted(os.listdir(folder)) == ["config.json", "model.safetensors"] and leftovers(folder) == []


def test_a_reader_never_sees_half_a_swap(tmp_path):
    """A loader running while another process saves two different models in turn always gets a whole one."""
    folder = tmp_path / "ckpt"
    small_model(seed=0).save_pretrained(folder)
    script = tmp_path / "saver.py"
    script.write_text(textwrap.dedent("""
        import sys
        from test_faults_checkpoints import small_model
        models = [small_model(seed=1, n_layer=1), small_model(seed=2, n_layer=3)]
        print("ready", flush=True)
        for i in range(30):
            models[i % 2].save_pretrained(sys.argv[1])
    """))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), *sys.path])}
    saver = subprocess.Popen([sys.executable, str(script), str(folder)], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert saver.stdout.readline() == "ready\n"
        seen = set()
        while saver.poll() is None:
            seen.add(GPT.from_pretrained(folder).config.n_layer)
        assert saver.returncode == 0
        assert seen <= {1, 2, 3}
    finally:
        saver.kill()
        saver.stdout.close()


# --- truncated, oversized, non-finite, fuzzed ------------------------------------------------------------------

@pytest.fixture(scope="module")
def saved_bytes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("good")
    small_model(seed=0).save_pretrained(folder)
    return {name: (folder / name).read_bytes() for name in ("config.json", "model.safetensors")}


def _load_expecting_only_glassgpt_errors(folder: Path) -> None:
    try:
        GPT.from_pretrained(folder)
    except GlassGPTError:
        pass


FUZZ = settings(derandomize=True, max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(data=st.data())
def test_fuzzed_config_json_is_a_glassgpt_error(tmp_path_factory, saved_bytes, data):
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "model.safetensors").write_bytes(saved_bytes["model.safetensors"])
    config = json.loads(saved_bytes["config.json"])
    json_values = st.recursive(
        st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.floats() | st.text(max_size=5),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
        max_leaves=5)
    kind = data.draw(st.sampled_from(["value", "delete", "truncate", "bytes"]))
    if kind == "value":
        key = data.draw(st.sampled_from(sorted(config)))
        config[key] = data.draw(json_values)
        text = json.dumps(config).encode()
    elif kind == "delete":
        del config[data.draw(st.sampled_from(sorted(config)))]
        text = json.dumps(config).encode()
    elif kind == "truncate":
        text = saved_bytes["config.json"][: data.draw(st.integers(0, len(saved_bytes["config.json"]) - 1))]
    else:
        text = data.draw(st.binary(max_size=200))
    (folder / "config.json").write_bytes(text)
    _load_expecting_only_glassgpt_errors(folder)


@FUZZ
@given(data=st.data())
def test_fuzzed_weights_are_a_glassgpt_error(tmp_path_factory, saved_bytes, data):
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "config.json").write_bytes(saved_bytes["config.json"])
    weights = bytearray(saved_bytes["model.safetensors"])
    header = 8 + int.from_bytes(weights[:8], "little")  # safetensors: 8-byte length, JSON header, then data
    kind = data.draw(st.sampled_from(["truncate", "header", "data", "length"]))
    if kind == "truncate":
        weights = weights[: data.draw(st.integers(0, len(weights) - 1))]
    elif kind == "header":  # flip bytes of the JSON header: names, dtypes, shapes, offsets
        for _ in range(data.draw(st.integers(1, 4))):
            weights[data.draw(st.integers(8, header - 1))] = data.draw(st.integers(0, 255))
    elif kind == "data":  # any bytes in the tensors: NaN, inf, huge values
        for _ in range(data.draw(st.integers(1, 16))):
            weights[data.draw(st.integers(header, len(weights) - 1))] = data.draw(st.integers(0, 255))
    else:
        weights[:8] = data.draw(st.integers(0, 2**64 - 1)).to_bytes(8, "little")
    (folder / "model.safetensors").write_bytes(bytes(weights))
    _load_expecting_only_glassgpt_errors(folder)


@pytest.mark.filterwarnings("ignore:TypedStorage is deprecated")  # a fuzzed pickle may name the legacy storage
@FUZZ
@given(data=st.data())
def test_fuzzed_pt_file_is_a_glassgpt_error(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("fuzz")
    model = small_model(seed=0)
    torch.save({"model": model.state_dict(), "config": model.config, "vocab": {"a": 0}}, folder / "c.pt")
    raw = bytearray((folder / "c.pt").read_bytes())
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
    else:
        for _ in range(data.draw(st.integers(1, 8))):
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    (folder / "c.pt").write_bytes(bytes(raw))
    _load_expecting_only_glassgpt_errors(folder / "c.pt")


def test_oversized_weights_file_is_refused_before_reading(tmp_path, monkeypatch):
    import glassgpt.accounting as accounting

    small_model(seed=0).save_pretrained(tmp_path)
    monkeypatch.setattr(accounting, "available_memory", lambda device="cpu": 1000)  # a machine with 1000 bytes
    with pytest.raises(GlassGPTError) as error:
        GPT.from_pretrained(tmp_path)
    assert error.value.key == "not_enough_memory" and "1000 B" in str(error.value)


# --- the memory check itself ----------------------------------------------------------------------------------

def test_require_memory_names_the_size_and_what_is_available(monkeypatch):
    import glassgpt.accounting as accounting

    monkeypatch.setattr(accounting, "available_memory", lambda device="cpu": 100 * 2**20)
    gpt2 = GPTConfig.from_preset("gpt2")
    with pytest.raises(GlassGPTError) as error:
        accounting.check_fits(gpt2)
    # 124,439,808 parameters (OpenAI's published GPT-2 small, tied head counted once) x 4 bytes = 474.7 MiB
    assert error.value.key == "not_enough_memory"
    assert "474.7 MiB" in str(error.value) and "100.0 MiB" in str(error.value) and "cpu" in str(error.value)
    assert "474.7 MiB" in error.value.message("zh")
    accounting.check_fits(GPTConfig.from_preset("tiny"))  # 20 KiB fits
    monkeypatch.setattr(accounting, "available_memory", lambda device="cpu": 240 * 2**20)
    accounting.check_fits(gpt2, dtype=torch.bfloat16)  # 237.3 MiB fits in 240
    with pytest.raises(GlassGPTError):
        accounting.check_fits(gpt2)


def test_available_memory_reads_the_machine():
    from glassgpt.accounting import available_memory

    cpu = available_memory("cpu")
    if Path("/proc/meminfo").exists():
        meminfo = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
        assert 0 < cpu <= int(meminfo["MemAvailable"].split()[0]) * 1024 * 1.1  # it moves a little meanwhile
    assert available_memory("meta") is None  # no figure: nothing refused
    if not torch.cuda.is_available():
        assert available_memory("cuda") is None


def test_loading_asks_for_one_copy_of_the_weights_and_not_a_byte_more(tmp_path, monkeypatch):
    """The model is built on the meta device and takes the stored tensors as its own, so loading holds the weights
    once. A folder: the weights file, or the 16-bit model where that is larger, checked from config.json before
    reading. A .pt file: the file, before reading it. Exactly that much available is enough; a byte less is
    not."""
    import glassgpt.accounting as accounting
    from glassgpt.accounting import format_bytes, weight_bytes

    available = {}
    monkeypatch.setattr(accounting, "available_memory", lambda device="cpu": available["bytes"])
    model, folder = small_model(seed=0), tmp_path / "ckpt"
    model.save_pretrained(folder)
    model_bytes = weight_bytes(model.config, torch.bfloat16)
    need = max(model_bytes, (folder / "model.safetensors").stat().st_size)
    available["bytes"] = need
    assert same_weights(GPT.from_pretrained(folder), model)
    available["bytes"] = need - 1
    with pytest.raises(GlassGPTError) as error:
        GPT.from_pretrained(folder)
    assert error.value.key == "not_enough_memory"
    assert error.value.fields == {"what": f"GPT vocab_size=97 block_size=24 n_layer=2 n_embd=24 ({format_bytes(need)})",
                                  "size": format_bytes(need), "available": format_bytes(need - 1), "device": "cpu"}

    (folder / "model.safetensors").unlink()  # no weights file: the model alone, and then the file is missing
    available["bytes"] = model_bytes
    with pytest.raises(GlassGPTError) as error:
        GPT.from_pretrained(folder)
    assert error.value.key == "checkpoint_missing_file"

    file = tmp_path / "half.pt"  # bfloat16: the model stays bfloat16, as stored
    torch.save({"model": {k: v.to(torch.bfloat16) for k, v in model.state_dict().items()}, "config": model.config},
               file)
    size = file.stat().st_size
    available["bytes"] = size
    assert GPT.from_pretrained(file).config == model.config
    available["bytes"] = size - 1
    with pytest.raises(GlassGPTError) as error:
        GPT.from_pretrained(file)
    assert error.value.key == "not_enough_memory"
    assert error.value.fields == {"what": f"half.pt ({size} bytes)", "size": format_bytes(size),
                                  "available": format_bytes(size - 1), "device": "cpu"}


# --- hostile and careless files: each attack as a user would make it ---------------------------------------------

def run_cli(*args, timeout=120):
    """glassgpt's real entry point in a fresh process -> CompletedProcess (a hang fails at `timeout`)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    return subprocess.run([sys.executable, "-m", "glassgpt", *map(str, args)], capture_output=True, text=True,
                          env={**env, "LANG": "C.UTF-8"}, timeout=timeout)


def one_line(result) -> str:
    assert result.returncode == 2 and not result.stdout, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


@pytest.mark.parametrize("option", ["--checkpoint", "--tokenizer"])
def test_a_fifo_is_refused_not_waited_on(tmp_path, option):
    fifo = tmp_path / "ckpt.pt"
    os.mkfifo(fifo)
    args = [option, fifo] if option == "--checkpoint" else ["--preset", "tiny", option, fifo, "--text", "a"]
    assert "regular file" in one_line(run_cli("components", *args, timeout=60))


def test_a_fifo_inside_a_checkpoint_folder_is_refused(tmp_path):
    small_model(seed=0).save_pretrained(tmp_path / "ckpt")
    (tmp_path / "ckpt" / "config.json").unlink()
    os.mkfifo(tmp_path / "ckpt" / "config.json")
    assert "regular file" in one_line(run_cli("params", "--checkpoint", tmp_path / "ckpt", timeout=60))


def test_an_empty_checkpoint_name_is_an_error_not_a_random_model():
    assert "empty" in one_line(run_cli("full", "--checkpoint", ""))
    with pytest.raises(GlassGPTError):
        GPT.from_pretrained("")


def test_float8_weights_are_one_line(tmp_path):
    model = small_model(seed=0)
    torch.save({"model": {k: v.to(torch.float8_e4m3fn) for k, v in model.state_dict().items()},
                "config": model.config}, tmp_path / "f8.pt")
    assert "float8_e4m3fn" in one_line(run_cli("full", "--checkpoint", tmp_path / "f8.pt"))


def test_a_legacy_pickle_loads_without_a_warning(tmp_path):
    model = small_model(seed=0)
    torch.save({"model": model.state_dict(), "config": model.config}, tmp_path / "old.pt",
               _use_new_zipfile_serialization=False)  # the format before torch 1.6
    result = run_cli("components", "--checkpoint", tmp_path / "old.pt")
    assert result.returncode == 0 and result.stderr == "", result.stderr


def test_a_folder_named_like_a_checkpoint_but_not_one_is_not_replaced(tmp_path):
    folder = tmp_path / "settings"
    folder.mkdir()
    (folder / "config.json").write_text('{"theme": "dark"}')
    (folder / "model.safetensors").write_bytes(b"my own bytes")
    before = {name: (folder / name).read_bytes() for name in os.listdir(folder)}
    with pytest.raises(GlassGPTError) as error:
        small_model(seed=0).save_pretrained(folder)
    assert error.value.key == "checkpoint_folder_not_ours"
    assert {name: (folder / name).read_bytes() for name in os.listdir(folder)} == before
    assert leftovers(folder) == []


def test_reading_changes_nothing_on_the_disk(tmp_path):
    folder = tmp_path / "ckpt"
    small_model(seed=0).save_pretrained(folder)
    stale = tmp_path / ".glassgpt-tmp-999999999-00ff00ff-ckpt"  # a killed save's folder (no such process)
    stale.mkdir()
    GPT.from_pretrained(folder)
    assert stale.exists()  # loading leaves it: only a save (or recover_interrupted_save) tidies
    small_model(seed=1).save_pretrained(folder)
    assert not stale.exists()


def test_a_full_disk_during_a_save_is_one_error_and_the_old_checkpoint_is_whole(small_mount):
    folder = small_mount / "ckpt"
    old = small_model(seed=0, n_layer=1)
    old.save_pretrained(folder)
    before = {name: (folder / name).read_bytes() for name in os.listdir(folder)}
    big = GPT(GPTConfig.from_preset("tiny", vocab_size=2000, n_embd=64, n_head=4, n_layer=2))  # ~1.5 MB
    with pytest.raises(GlassGPTError) as error:
        big.save_pretrained(folder)
    assert error.value.key == "checkpoint_save_failed"
    assert {name: (folder / name).read_bytes() for name in os.listdir(folder)} == before
    assert leftovers(folder) == []
    assert same_weights(GPT.from_pretrained(folder), old)


def test_a_read_only_disk_is_one_error_and_the_old_checkpoint_is_whole(small_mount):
    folder = small_mount / "ckpt"
    small_model(seed=0, n_layer=1).save_pretrained(folder)
    before = {name: (folder / name).read_bytes() for name in os.listdir(folder)}
    subprocess.run(["mount", "-o", "remount,ro", str(small_mount)], check=True)
    with pytest.raises(GlassGPTError) as error:
        small_model(seed=1, n_layer=1).save_pretrained(folder)
    assert error.value.key == "checkpoint_save_failed" and "Read-only" in str(error.value)
    assert {name: (folder / name).read_bytes() for name in os.listdir(folder)} == before
