"""Every message key the code can emit exists in both languages, with the same fields on both sides.

The keys are found in the source itself (every `GlassGPTError(...)` and every `t(...)` call), so a typo or a key
built at run time fails here rather than in front of a learner.
"""

import ast
from pathlib import Path

import pytest

from glassgpt.cli.messages import MESSAGES
from glassgpt.errors import ERRORS, GlassGPTError, fields_of

SOURCE = Path(__file__).resolve().parent.parent / "src" / "glassgpt"


def _calls(name: str):
    """(file, call node) for every call of `name(...)` or `x.name(...)` in the package."""
    for path in sorted(SOURCE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                called = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
                if called == name:
                    yield path.relative_to(SOURCE), node


def _keys_of(path, node) -> list[str]:
    """The key a call names: a literal, or either literal of `"a" if ... else "b"`."""
    first = node.args[0] if node.args else None
    options = [first.body, first.orelse] if isinstance(first, ast.IfExp) else [first]
    for option in options:
        assert isinstance(option, ast.Constant) and isinstance(option.value, str), (
            f"{path}:{node.lineno}: a message key must be written as a literal string, not built at run time")
    return [option.value for option in options]


@pytest.mark.parametrize("table", [ERRORS, MESSAGES], ids=["errors", "cli"])
def test_every_message_has_both_languages_with_the_same_fields(table):
    for key, sides in table.items():
        assert len(sides) == 2 and all(sides), key
        assert fields_of(sides[0]) == fields_of(sides[1]), key


def test_every_error_the_library_raises_is_in_the_table_with_its_fields():
    raised = list(_calls("GlassGPTError"))
    assert len(raised) > 20, "GlassGPTError calls not found: the scan is stale"
    for path, node in raised:
        [key] = _keys_of(path, node)
        assert key in ERRORS, f"{path}:{node.lineno}: {key!r}"
        given = {k.arg for k in node.keywords}
        if None not in given:  # no **fields: the keywords must be exactly what the sentence needs
            assert fields_of(ERRORS[key][0]) <= given, f"{path}:{node.lineno}: {key!r} misses fields"


def test_every_error_in_the_table_is_raised_somewhere():
    """A sentence nobody can see is a sentence nobody keeps up to date: every key of ERRORS is named in the code."""
    named = {node.value for path in SOURCE.rglob("*.py") if path.name != "errors.py"
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    assert sorted(set(ERRORS) - named) == []


def test_every_sentence_the_cli_says_is_in_the_table():
    said = [(path, node) for path, node in _calls("t") if str(path).startswith("cli")]
    assert len(said) > 100, "t(...) calls not found: the scan is stale"
    for path, node in said:
        for key in _keys_of(path, node):
            assert key in MESSAGES, f"{path}:{node.lineno}: {key!r}"


def test_an_unknown_error_key_fails_loudly():
    with pytest.raises(KeyError):
        GlassGPTError("no_such_key")


def test_an_error_says_the_same_thing_in_both_languages():
    error = GlassGPTError("too_long", length=20, block_size=16)
    assert str(error) == error.message("en") and "20" in str(error) and "16" in str(error)
    assert "20" in error.message("zh") and error.message("zh") != error.message("en")
