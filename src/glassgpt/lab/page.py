"""The lab page: one HTML file holding its style, its script and its data, so it opens from the file system with
no network at all. The static parts (page.html, page.css, page.js) ship inside this package; the data goes in a
<script type="application/json"> that the script reads."""

import json
from importlib.resources import files
from pathlib import Path

from ..errors import LANGUAGES, GlassGPTError
from ..files import write_atomically
from .texts import PAGE_TEXTS


def _static(name: str) -> str:
    return files(__package__).joinpath(name).read_text(encoding="utf-8")


def page_json(payload: dict, lang: str) -> str:
    """The payload with the page's texts and starting language, as JSON safe inside a <script> element."""
    if lang not in LANGUAGES:
        raise GlassGPTError("lab_language", lang=lang)
    data = {**payload, "lang": lang, "texts": PAGE_TEXTS}
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    # "<" only ever appears inside JSON strings, where \u003c means the same; this way no token text (say
    # "</script>") can close the element early
    return text.replace("<", "\\u003c")


def render_page(payload: dict, lang: str = "en") -> str:
    """The whole page as one string of HTML."""
    html = _static("page.html")
    html = html.replace("/*LAB_STYLE*/", _static("page.css"), 1)
    html = html.replace("/*LAB_SCRIPT*/", _static("page.js") + "\n" + _static("circuits.js"), 1)
    # the data last: nothing is searched for in it afterwards
    return html.replace("/*LAB_DATA*/", page_json(payload, lang), 1)


def write_page(payload: dict, path, lang: str = "en") -> Path:
    """Write the page to `path` (UTF-8), atomically (files.write_atomically: a failure leaves an older page whole),
    and return the path."""
    return write_atomically(path, render_page(payload, lang).encode("utf-8"))
