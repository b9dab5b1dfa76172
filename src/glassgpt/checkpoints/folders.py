"""Replacing a folder whole and at once: what a checkpoint save needs, so that no reader and no crash ever sees
one checkpoint's config with another's weights.

1. under an exclusive `flock` on the parent folder (saves to one parent take turns; loads take a shared lock, so
   they never read half of a swap), every file goes into a new sibling folder `.glassgpt-tmp-<pid>-<hex>-<name>`,
   each file with the same ordinary mode (the umask's), flushed to disk;
2. the old folder is renamed aside (`.glassgpt-old-<pid>-<hex>-<name>`), the new one renamed in, the old removed.
A save killed at any point leaves only those recognisable siblings; the next save of the folder (or an explicit
`recover_interrupted_save`) removes them once their process is gone, and brings an old folder back if the kill
fell between the two renames. Reading never does: a load changes nothing on the disk. Where
the parent cannot be locked (no fcntl, a filesystem without flock), the renames alone still never mix two
checkpoints: a save that loses a race says so.
"""

import contextlib
import errno
import os
import re
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path

from ..errors import GlassGPTError

# the sibling folders of a save in progress: .glassgpt-tmp-<pid>-<hex>-<name> (new), .glassgpt-old-... (moved aside)
_SIDE_FOLDER = re.compile(r"\.glassgpt-(tmp|old)-(\d+)-[0-9a-f]+-(.+)", re.DOTALL)


def write_folder(folder: Path, fill: Callable[[Path], None], replaceable: Callable[[Path], None]) -> None:
    """Make `folder` hold exactly what `fill(temporary_folder)` writes, replacing what it held, at once.
    `replaceable(folder)` raises when an existing folder is not ours to replace; it runs under the lock. On any
    failure the folder is as it was and nothing is left behind; a failure of the disk (read-only, full, ...) is a
    GlassGPTError naming the folder and the reason."""
    folder = folder_to_replace(folder)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        with folder_lock(folder, exclusive=True):
            _remove_interrupted_saves(folder)
            if folder.exists() and not folder.is_dir():
                raise GlassGPTError("checkpoint_save_is_file", folder=str(folder))
            if _entries(folder):
                _check_replaceable(folder, replaceable)
            temporary = _side_path(folder, "tmp")
            os.mkdir(temporary)
            try:
                fill(temporary)
                _settle(temporary, like=folder)
                _swap_in(temporary, folder)
            except BaseException:
                shutil.rmtree(temporary, ignore_errors=True)
                raise
            _fsync_folder(folder.parent)  # the renames themselves survive a power cut
    except GlassGPTError:
        raise
    except (OSError, RuntimeError) as e:  # torch.save and safetensors say a full disk as a RuntimeError / their own
        reason = getattr(e, "strerror", None) or (str(e).strip().splitlines() or [type(e).__name__])[0][:160]
        raise GlassGPTError("checkpoint_save_failed", folder=str(folder), reason=reason) from e


def folder_to_replace(path) -> Path:
    """The absolute folder a save to `path` replaces: what a link points to, not the link."""
    folder = Path(os.path.abspath(path))
    return folder.resolve() if folder.is_symlink() else folder


def _settle(temporary: Path, like: Path) -> None:
    """Give every file the ordinary mode (0666 less the umask, read from the folder os.mkdir just made; some
    writers, safetensors among them, create files 0600) and the folder the old folder's mode, then flush it all
    to disk before any name points at it."""
    file_mode = temporary.stat().st_mode & 0o666
    for entry in os.scandir(temporary):
        os.chmod(entry.path, file_mode)
        fd = os.open(entry.path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):  # without flock, another save may move it
        os.chmod(temporary, like.stat().st_mode & 0o7777)
    _fsync_folder(temporary)


def _check_replaceable(folder: Path, replaceable: Callable[[Path], None]) -> None:
    """`replaceable(folder)`, where a failure because another save swapped the folder in the middle of the check
    (only possible without flock) is that race, not a verdict on a folder that is no longer there."""
    before = _identity(folder)
    try:
        replaceable(folder)
    except (GlassGPTError, OSError):
        if before is None or _identity(folder) != before:
            raise GlassGPTError("checkpoint_save_race", folder=str(folder)) from None
        raise


def _identity(folder: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(folder)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def _entries(folder: Path) -> list[str]:
    """What `folder` holds; nothing when it is not there (without flock, another save may have just moved it)."""
    try:
        return os.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return []


def _swap_in(new: Path, folder: Path) -> None:
    """Rename `new` to `folder`: directly when there is none yet; else the old folder aside, the new one in, the
    old one removed. A failure puts the old folder back (unless another save has taken its place meanwhile)."""
    old = _side_path(folder, "old")
    try:
        if not folder.exists():
            os.rename(new, folder)
            return
        os.rename(folder, old)
        try:
            os.rename(new, folder)
        except BaseException:
            with contextlib.suppress(OSError):
                os.rename(old, folder)
            raise
    except OSError as e:
        if e.errno in (errno.ENOENT, errno.ENOTEMPTY, errno.EEXIST):  # another process moved the folder meanwhile
            raise GlassGPTError("checkpoint_save_race", folder=str(folder)) from e
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)


def _side_path(folder: Path, kind: str) -> Path:
    return folder.parent / f".glassgpt-{kind}-{os.getpid()}-{secrets.token_hex(4)}-{folder.name}"


def _stale_side_folders(folder: Path) -> list[tuple[Path, str]]:
    """(path, kind) of the sibling folders of saves of `folder` whose process is gone (or is this one: this
    process holds the lock when it looks, so none of its own saves is running). "old" ones first."""
    try:
        names = os.listdir(folder.parent)
    except OSError:
        return []
    found = []
    for name in names:
        match = _SIDE_FOLDER.fullmatch(name)
        if match and match.group(3) == folder.name:
            pid = int(match.group(2))
            if pid == os.getpid() or not _process_alive(pid):
                found.append((folder.parent / name, match.group(1)))
    return sorted(found, key=lambda item: item[1] != "old")


def _remove_interrupted_saves(folder: Path) -> None:
    """Under the exclusive lock: undo what killed saves of `folder` left. A folder moved aside comes back when the
    kill fell between the two renames (its save never finished, so the old checkpoint is the right one)."""
    for path, kind in _stale_side_folders(folder):
        if kind == "old" and not folder.exists():
            os.rename(path, folder)
        else:
            shutil.rmtree(path, ignore_errors=True)


def interrupted_original(path: Path) -> Path | None:
    """Where a folder is while a killed save left it aside (killed between its two renames), for a reader: the
    old checkpoint, read where it is, changing nothing. None when `path` exists or no such folder is there."""
    folder = Path(os.path.abspath(path))
    if folder.exists():
        return None
    return next((aside for aside, kind in _stale_side_folders(folder) if kind == "old"), None)


def recover_interrupted_save(path: Path) -> None:
    """If a killed save left something next to `path`, clean it up (best effort). Every save does this first;
    call it to tidy a folder without saving. Loading never calls it."""
    folder = Path(os.path.abspath(path))
    if not _stale_side_folders(folder):
        return  # the usual case: one listdir, no lock
    with contextlib.suppress(OSError), folder_lock(folder, exclusive=True):
        _remove_interrupted_saves(folder)


def _process_alive(pid: int) -> bool:
    if os.name != "posix":
        return True  # no safe way to ask here (os.kill would end it): never clean another process's files
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


@contextlib.contextmanager
def folder_lock(folder: Path, exclusive: bool):
    """Hold a flock on `folder`'s parent: exclusive for a save, shared for a load. Without fcntl, or on a
    filesystem that cannot lock (or a parent that cannot be opened), go on unlocked."""
    fd = None
    try:
        import fcntl

        fd = os.open(folder.parent, os.O_RDONLY)
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
    except (ImportError, OSError):
        pass
    try:
        yield
    finally:
        if fd is not None:
            os.close(fd)  # closing releases the lock


def _fsync_folder(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
