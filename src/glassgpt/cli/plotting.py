"""The one PNG writer of every `--plot FILE.png` (attention, heads, timeline, ablate): the path checked before any
work, a font that can draw Chinese when one is installed, and the PNG written atomically."""

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from .messages import Messages, UsageError
from .render import wrap

# fonts that can draw Chinese, if one is installed; matplotlib ships none
CHINESE_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
                 "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC", "Arial Unicode MS")
LATIN_FONT = "DejaVu Sans"  # matplotlib's own; a glyph it lacks comes from the next family (the Chinese font)


def check_png_path(args) -> Path | None:
    """`args.plot`, refused before any work when it cannot be written as a PNG: not named .png, its folder missing
    or not writable, a folder itself, or a file this run reads (--checkpoint, --tokenizer)."""
    if args.plot is None:
        return None
    target = Path(args.plot)
    if target.suffix.lower() != ".png":
        raise UsageError("plot.not_png", file=args.plot)
    if not target.parent.is_dir():
        raise UsageError("plot.no_dir", folder=str(target.parent))
    if target.is_dir():
        raise UsageError("plot.is_folder", file=args.plot)
    if not os.access(target.parent, os.W_OK | os.X_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise UsageError("plot.not_writable", file=args.plot)
    for option, read in (("--checkpoint", args.checkpoint), ("--tokenizer", getattr(args, "tokenizer", None))):
        if read and target.exists() and Path(read).exists() and os.path.samefile(target, read):
            raise UsageError("plot.is_input", file=args.plot, option=option)
    return target


def chinese_font() -> str | None:
    """The first installed font of CHINESE_FONTS, or None."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in CHINESE_FONTS if name in installed), None)


def write_png(path: Path, t, draw: Callable) -> list[str]:
    """`draw(labels)` -> a matplotlib Figure, drawn in fonts that show Latin and (when a font is installed) Chinese;
    `labels` are the sentences in the user's language when the figure can show it, else English. The figure is
    written to `path` atomically; -> the line that says the labels are English when Chinese could not be drawn."""
    import matplotlib

    font = chinese_font()
    labels = Messages("zh" if t.lang == "zh" and font else "en")
    with matplotlib.rc_context({"font.family": [LATIN_FONT, font] if font else [LATIN_FONT]}):
        save_png(draw(labels), path)
    return wrap(t("plot.english")) if t.lang == "zh" and not font else []


def save_png(figure, path: Path) -> None:
    """Write the figure as PNG atomically: into a temporary file beside `path`, then renamed over it, so a
    reader never sees half a file, and a full disk leaves the old file whole."""
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
