"""Every sentence the CLI says to a person, in English and Simplified Chinese, each written once.

One table per mode (`components.py`, `full.py`, ...; `common.py` for what every mode shares), each
`MESSAGES = {key: (english, chinese)}`, found here by pkgutil (a new module is picked up without a list to edit)
and merged into one `catalog.Catalog`. Both sides use the same `{fields}`; numbers and shapes are filled in by the
code, so they are identical in both languages. What a checker's report says is the checker's (checker/texts.py),
merged in too; library errors (`GlassGPTError`) carry their own sentences (errors.py). tests/test_messages.py
checks that every key the code names exists here, in both languages, with the same fields.
"""

import importlib
import pkgutil

from ...catalog import LANGUAGES, Catalog, Voice, default_language
from ...checker.texts import REPORT_TEXTS
from ..output import escaped

__all__ = ["LANGUAGES", "MESSAGES", "Messages", "UsageError", "default_language"]

MESSAGES = Catalog.merged([*(importlib.import_module(f"{__name__}.{module.name}").MESSAGES
                            for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name)),
                          REPORT_TEXTS])


class Messages(Voice):
    """The CLI's sentences in one language: `t = Messages("zh"); t("full.title", config="tiny")`. Every str field
    is shown escaped (output.escaped): a field may come from a file, and a sentence is one line of plain text."""

    def __init__(self, lang: str):
        super().__init__(MESSAGES, lang)

    def __call__(self, key: str, /, **fields) -> str:
        return super().__call__(key, **{name: escaped(value) if isinstance(value, str) else value
                                        for name, value in fields.items()})


class UsageError(Exception):
    """Bad command-line input: a message key of this catalog and its fields. The CLI says it in the user's
    language, as one line on stderr, and exits 2 (cli/__init__.py, the one place that does)."""

    def __init__(self, key: str, **fields):
        super().__init__(key)
        self.key, self.fields = key, fields

    def message(self, lang: str = "en") -> str:
        return MESSAGES.say(self.key, lang, **self.fields)
