"""Every sentence the CLI says to a person, in English and Simplified Chinese, each written once.

One table per mode (`components.py`, `full.py`, ...; `common.py` for what every mode shares), merged here into
`MESSAGES[key] = (english, chinese)`. Both sides use the same `{fields}`; numbers and shapes are filled in by the
code, so they are identical in both languages. Library errors (`GlassGPTError`) carry their own two sentences
(errors.py). Keys are written as literals where they are used, never assembled at run time, and
tests/test_messages.py checks that every key the code uses exists here, in both languages, with the same fields.
"""

from ...errors import LANGUAGES
from . import (ablate, attention, check, common, components, full, generate, heads, lab, lens, notebook, params,
               timeline, train)

MESSAGES: dict[str, tuple[str, str]] = {}
for _table in (common, components, full, params, attention, generate, check, lab, train, heads, lens, timeline,
               ablate, notebook):
    assert not MESSAGES.keys() & _table.MESSAGES.keys(), "a message key is defined twice"
    MESSAGES.update(_table.MESSAGES)

__all__ = ["LANGUAGES", "MESSAGES", "Messages"]


class Messages:
    """`t = Messages("zh"); t("full.title", config="tiny")` -> the sentence in that language."""

    def __init__(self, lang: str):
        self.lang = lang if lang in LANGUAGES else "en"
        self._side = LANGUAGES.index(self.lang)

    def __call__(self, key: str, **fields) -> str:
        return MESSAGES[key][self._side].format(**fields)

    def text(self, key: str, **fields) -> str:
        """The same, for a key that travelled in an error (options.UsageError): its raise site names it as a
        literal, which tests/test_cli_messages.py checks."""
        return self(key, **fields)
