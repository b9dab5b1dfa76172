"""What every `--plot FILE.png` shares: the path checked before any work, a font that can draw Chinese when one is
installed, and the PNG written atomically."""

import io
from pathlib import Path

from ..files import write_atomically
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
    """Write the figure as PNG atomically (files.write_atomically): drawn in memory, then put in place at once, so
    a reader never sees half a file and a full disk leaves the old one whole."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    try:
        write_atomically(path, buffer.getvalue())
    except OSError as error:
        raise UsageError("plot.failed", file=str(path), reason=error.strerror or str(error)) from error
