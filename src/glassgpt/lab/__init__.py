"""The glass lab: one self-contained HTML page showing what a GPT computed on one sequence.

    payload = build_payload(model, idx, tokenizer)   # payload.py: the numbers, read from the model's hook points
    write_page(payload, "lab.html", lang="en")       # page.py: page.html + page.css + page.SCRIPTS + the data
"""

from .page import render_page, write_page
from .payload import build_payload

__all__ = ["build_payload", "render_page", "write_page"]
