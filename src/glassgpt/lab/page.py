"""The lab page: one HTML file holding its style, its scripts and its data, so it opens from the file system with
no network at all. The static parts (page.html, page.css and the SCRIPTS) ship inside this package; the data goes
in two elements the scripts read: <script type="application/json" id="lab-data"> (the payload, its big arrays
replaced by descriptors) and <script type="application/octet-stream" id="lab-arrays"> (the arrays' bytes, gzip,
base64: packing.py)."""

import json
from importlib.resources import files
from pathlib import Path

from ..errors import LANGUAGES, GlassGPTError
from ..files import write_atomically
from .packing import pack
from .texts import PAGE_TEXTS

# the page's scripts, in the order they run (one <script>): words and data first, the start last
SCRIPTS = ("data.js", "heatmap.js", "attention.js", "analysis.js", "circuits.js", "main.js")


def _static(name: str) -> str:
    return files(__package__).joinpath(name).read_text(encoding="utf-8")


def page_data(payload: dict, lang: str) -> tuple[str, str]:
    """-> (the payload with the page's texts and starting language, its arrays packed, as JSON safe inside a
    <script> element; the arrays' base64 text)."""
    if lang not in LANGUAGES:
        raise GlassGPTError("lab_language", lang=lang)
    data, blob = pack({**payload, "lang": lang, "texts": PAGE_TEXTS})
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    # "<" only ever appears inside JSON strings, where \u003c means the same; this way no token text (say
    # "</script>") can close the element early. Base64 has no "<" at all.
    return text.replace("<", "\\u003c"), blob


def render_page(payload: dict, lang: str = "en") -> str:
    """The whole page as one string of HTML."""
    html = _static("page.html")
    html = html.replace("/*LAB_STYLE*/", _static("page.css"), 1)
    html = html.replace("/*LAB_SCRIPT*/", "\n".join(_static(name) for name in SCRIPTS), 1)
    text, blob = page_data(payload, lang)
    # the data last: nothing is searched for in it afterwards
    html = html.replace("/*LAB_ARRAYS*/", blob, 1)
    return html.replace("/*LAB_DATA*/", text, 1)


def write_page(payload: dict, path, lang: str = "en") -> Path:
    """Write the page to `path` (UTF-8), atomically (files.write_atomically: a failure leaves an older page whole),
    and return the path."""
    return write_atomically(path, render_page(payload, lang).encode("utf-8"))
