"""`lab --out` and every page or plot glassgpt writes: checked before any work, written atomically, and a bad target
(a folder, a missing or read-only folder, the checkpoint being read, a full disk) is one line, with every file that
existed before byte for byte intact and no temporary file left.

Oracles: the bytes of the files on disk before and after; the kernel's own full and read-only filesystems (a small
tmpfs, where root may mount one); an injected failure of fsync for the clean-up path everywhere else.
"""

import os
import subprocess

import pytest
import torch

from glassgpt import GPT, GPTConfig
from glassgpt.cli import lab as lab_mode
from glassgpt.cli.messages import Messages
from glassgpt.cli.options import UsageError
from glassgpt.files import write_atomically

from conftest import tmpfs  # noqa: E402
from test_lab import lab_args, one_error_line, page_data, run_entry_point  # noqa: E402  (tests/ is on sys.path)


def snapshot(folder) -> dict:
    """Every file under `folder`: relative name -> bytes."""
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def refusal(*argv: str) -> str:
    with pytest.raises(UsageError) as error:
        lab_mode.run(lab_args(*argv), Messages("en"))
    return error.value.key


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run") / "run"
    torch.manual_seed(0)
    GPT(GPTConfig.from_preset("tiny")).save_pretrained(folder)
    return folder


def test_write_atomically_replaces_at_once_and_cleans_up(tmp_path, monkeypatch):
    page = tmp_path / "page.html"
    write_atomically(page, b"old")
    os.chmod(page, 0o644)
    assert write_atomically(page, b"new") == page and page.read_bytes() == b"new"
    umask = os.umask(0)
    os.umask(umask)
    assert page.stat().st_mode & 0o777 == 0o666 & ~umask  # an ordinary file's mode, not mkstemp's private one

    def full_disk(fd):
        raise OSError(28, os.strerror(28))

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError):
        write_atomically(page, b"newer")
    assert page.read_bytes() == b"new" and os.listdir(tmp_path) == ["page.html"]


def test_bad_targets_are_refused_before_the_model_is_loaded(tmp_path, checkpoint, monkeypatch):
    def no_loading(args):
        raise AssertionError("the model was loaded before --out was checked")

    monkeypatch.setattr(lab_mode, "model_from_args", no_loading)
    before = snapshot(checkpoint)
    assert refusal("--preset", "tiny", "--out", str(tmp_path)) == "lab.out_is_folder"
    assert refusal("--preset", "tiny", "--out", str(tmp_path / "missing" / "x.html")) == "lab.no_folder"
    for name in os.listdir(checkpoint):  # the weights, the config: each is being read
        assert refusal("--checkpoint", str(checkpoint), "--out", str(checkpoint / name)) == "lab.out_is_input"
    weights = checkpoint / "model.safetensors"
    assert refusal("--checkpoint", str(weights), "--out", str(weights)) == "lab.out_is_input"
    assert refusal("--preset", "tiny", "--tokenizer", str(checkpoint), "--out",
                   str(checkpoint / "config.json")) == "lab.out_is_input"
    assert snapshot(checkpoint) == before


def test_a_page_beside_the_checkpoint_is_fine(tmp_path, checkpoint):
    out = checkpoint / "lab.html"
    try:
        lab_mode.run(lab_args("--checkpoint", str(checkpoint), "--out", str(out)), Messages("en"))
        assert page_data(out)["config"]["n_layer"] == 2
        lab_mode.run(lab_args("--checkpoint", str(checkpoint), "--out", str(out)), Messages("en"))  # and again
    finally:
        out.unlink(missing_ok=True)


def test_out_naming_the_checkpoint_through_the_cli_is_one_line(checkpoint):
    before = snapshot(checkpoint)
    line = one_error_line(run_entry_point(("-m", "glassgpt", "lab"), "--checkpoint", str(checkpoint),
                                          "--out", str(checkpoint / "model.safetensors")))
    assert "model.safetensors" in line and "--out" in line
    assert snapshot(checkpoint) == before


@pytest.fixture
def small_mount(tmp_path):
    """A 96 KiB tmpfs (see conftest.tmpfs)."""
    with tmpfs(tmp_path / "disk", "96k") as mount:
        yield mount


def test_a_full_disk_is_one_line_and_the_old_page_is_whole(small_mount):
    page = small_mount / "lab.html"
    page.write_bytes(b"<!DOCTYPE html><p>an older page</p>")
    filler = small_mount / "filler"
    with open(filler, "wb") as file:  # leave less room than the page needs
        try:
            file.write(b"\0" * (90 * 1024))
        except OSError:
            pass
    before = snapshot(small_mount)
    line = one_error_line(run_entry_point(("-m", "glassgpt", "lab"), "--preset", "tiny", "--out", str(page)))
    assert str(page) in line and "No space left" in line
    assert snapshot(small_mount) == before  # the old page whole, no temporary file


def test_a_read_only_disk_is_refused_before_any_work(small_mount):
    page = small_mount / "lab.html"
    page.write_bytes(b"<!DOCTYPE html><p>an older page</p>")
    subprocess.run(["mount", "-o", "remount,ro", str(small_mount)], check=True)
    assert refusal("--preset", "tiny", "--out", str(page)) == "lab.cannot_write"
    line = one_error_line(run_entry_point(("-m", "glassgpt", "lab"), "--preset", "tiny", "--out", str(page)))
    assert "Read-only" in line
    assert page.read_bytes() == b"<!DOCTYPE html><p>an older page</p>"


def test_the_png_writer_is_atomic(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from glassgpt.cli import plotting

    path = tmp_path / "plot.png"
    path.write_bytes(b"old")
    figure = Figure()
    figure.add_subplot().plot([0, 1], [1, 0])
    written = []
    monkeypatch.setattr(plotting, "write_atomically",
                        lambda target, data: written.append(target) or write_atomically(target, data))
    plotting.save_png(figure, path)
    assert written == [path] and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(28, os.strerror(28))))
    with pytest.raises(UsageError) as error:
        plotting.save_png(figure, path)
    assert error.value.key == "plot.failed" and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert os.listdir(tmp_path) == ["plot.png"]
