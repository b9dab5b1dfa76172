"""Writing one file so that nobody ever sees half of it: `write_atomically(path, data)`.

The bytes go into a temporary file beside `path` (same folder, so same filesystem), are flushed to the disk
(fsync), then the temporary file is renamed over `path` (os.replace: atomic on POSIX and Windows). A full disk, a
read-only folder or an interrupt at any point leaves `path` as it was (the old file whole, or no file) and no
temporary file behind. The pages and plots glassgpt writes (`lab --out`, `--plot`) go through here; a checkpoint,
being a folder, goes through checkpoints/folders.py.
"""

import os
import tempfile
from pathlib import Path


def write_atomically(path, data: bytes) -> Path:
    """Make `path` hold exactly `data`, at once. The file gets an ordinary file's mode (0o666 less the umask), as
    `open(path, "wb")` would give it. Raises OSError (the disk's own reason) with `path` untouched."""
    path = Path(path)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes it private; a page is an ordinary file
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
    return path
