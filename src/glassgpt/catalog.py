"""Catalog: the one type of every table of sentences glassgpt shows a person, each written once in English and
once in Simplified Chinese: the errors (errors.ERRORS), the CLI's sentences (cli/messages/), the checker's notes,
the lab page's texts (lab/texts.py) and the notebook display's (notebook/texts.py).

A Catalog checks itself as it is made (both languages present, the same `{fields}` on both sides), says a key in
a language (`say`), and finds the key for a name that code holds (`member`, `nearest`), so that code never keeps a
second table from names to keys. It imports nothing of glassgpt's.
"""

import os
import string

LANGUAGES = ("en", "zh")


def default_language() -> str:
    """zh when the locale says Chinese (LANG=zh_CN.UTF-8 and the like), else en."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def fields_of(text: str) -> set[str]:
    """The {names} a message template fills in."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


class Catalog(dict):
    """key -> (English, Chinese), each side taking the same {fields}. A dict (JSON-ready, `key in catalog`), checked
    as it is made; keys are dotted families ("check.note.shape": family "check.note", name "shape")."""

    def __init__(self, entries: dict[str, tuple[str, str]]):
        super().__init__(entries)
        for key, sides in self.items():
            if len(sides) != len(LANGUAGES) or not all(isinstance(side, str) and side for side in sides):
                raise ValueError(f"message {key!r} needs one non-empty text per language {LANGUAGES}")
            if len({frozenset(fields_of(side)) for side in sides}) != 1:
                raise ValueError(f"message {key!r} takes different fields in its languages")

    @classmethod
    def merged(cls, catalogs) -> "Catalog":
        """One catalog of several; a key defined twice is a bug."""
        entries: dict = {}
        for catalog in catalogs:
            twice = entries.keys() & catalog.keys()
            if twice:
                raise ValueError(f"message keys defined twice: {sorted(twice)}")
            entries.update(catalog)
        return cls(entries)

    def say(self, key: str, lang: str = "en", /, **fields) -> str:
        """The sentence of `key` in `lang` (English for a language it does not have), filled with `fields`."""
        side = LANGUAGES.index(lang) if lang in LANGUAGES else 0
        return self[key][side].format(**fields)

    def names(self, family: str) -> set[str]:
        """The names of a family's members: {"shape", ...} for "check.note"."""
        return {key[len(family) + 1:] for key in self if key.startswith(family + ".")}

    def member(self, family: str, name: str) -> str:
        """The key of `name` in `family`; KeyError when it is not there."""
        key = f"{family}.{name}"
        if key not in self:
            raise KeyError(f"message {key!r} is not in the catalog")
        return key

    def nearest(self, family: str, name: str) -> str | None:
        """The key of `name` in `family`, or of the nearest name above it (`attention.scale.none`, then
        `attention.scale`, then `attention`); None when none of them is there."""
        parts = name.split(".")
        while parts:
            key = f"{family}.{'.'.join(parts)}"
            if key in self:
                return key
            parts.pop()
        return None

    def voice(self, lang: str) -> "Voice":
        """This catalog in one language: `t = catalog.voice("zh"); t("key", **fields)`."""
        return Voice(self, lang)


class Voice:
    """A catalog in one language. `t("key", **fields)` says a key written as a literal; `t.member(family, name)`
    says a family's member for a name that code holds (a check, a status, a score)."""

    def __init__(self, catalog: Catalog, lang: str):
        self.catalog = catalog
        self.lang = lang if lang in LANGUAGES else "en"

    def __call__(self, key: str, /, **fields) -> str:
        return self.catalog.say(key, self.lang, **fields)

    def member(self, family: str, name: str, /, **fields) -> str:
        return self(self.catalog.member(family, name), **fields)

    def nearest(self, family: str, name: str, /, **fields) -> str | None:
        key = self.catalog.nearest(family, name)
        return None if key is None else self(key, **fields)
