"""The one exception type glassgpt raises for bad values.

A `GlassGPTError` is a `ValueError` whose text is a plain English sentence for Python users. It also carries a
stable `key` and the `fields` that went into the sentence, so that the CLI can say the same thing in Chinese from
its message table (`cli/messages.py` has an entry `error.<key>` for every key raised here).
"""


class GlassGPTError(ValueError):
    def __init__(self, key: str, message: str, **fields):
        super().__init__(message)
        self.key = key
        self.fields = fields
