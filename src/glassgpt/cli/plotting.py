"""What every `--plot FILE.png` shares: the path checked before any work, a font that can draw Chinese when one is
installed, and the PNG written atomically."""

import os
import tempfile
from pathlib import Path

from .options import UsageError

# fonts that can draw Chinese, if one is installed; matplotlib ships none
CHINESE_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
                 "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC", "Arial Unicode MS")


def check_png_path(path: str | None) -> Path | None:
    """The --plot target, refused before any work when it cannot be written as a PNG."""
    if path is None:
        return None
    target = Path(path)
    if target.suffix.lower() != ".png":
        raise UsageError("plot.not_png", file=path)
    if not target.parent.is_dir():
        raise UsageError("plot.no_dir", folder=str(target.parent))
    return target


def chinese_font() -> str | None:
    """The first installed font of CHINESE_FONTS, or None."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in CHINESE_FONTS if name in installed), None)


def save_png(figure, path: Path) -> None:
    """Write the figure as PNG atomically: into a temporary file beside `path`, then renamed over it, so a
    reader never sees half a file."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            figure.savefig(file, format="png", dpi=100)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes it private; a plot is an ordinary file
        os.replace(temporary, path)
    except BaseException as error:
        if os.path.exists(temporary):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise UsageError("plot.failed", file=str(path), reason=error.strerror or str(error)) from error
        raise
