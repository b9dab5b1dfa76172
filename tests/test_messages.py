"""Every message key the code can emit exists in both languages, with the same fields on both sides.

The keys are found in the source itself (every `GlassGPTError(...)`, every `t(...)` and every
`t.member(family, ...)` call), so a typo or a key built at run time fails here rather than in front of a learner;
the catalogs themselves are found by importing every module of the package.
"""

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import glassgpt
from glassgpt.analysis import SCORE_NAMES
from glassgpt.cli.messages import MESSAGES, Messages
from glassgpt.catalog import LANGUAGES, Catalog, fields_of
from glassgpt.errors import ERRORS, GlassGPTError
from glassgpt.inspection import trace_forward

SOURCE = Path(__file__).resolve().parent.parent / "src" / "glassgpt"


def catalogs() -> dict[str, Catalog]:
    """Every Catalog a module of the package holds, by its module and name."""
    found = {}
    for module in pkgutil.walk_packages(glassgpt.__path__, "glassgpt."):
        if module.name.startswith("glassgpt.cli.messages.") or module.name.endswith("__main__"):
            continue  # merged into cli.messages.MESSAGES; a __main__ runs a program
        imported = importlib.import_module(module.name)
        source = Path(imported.__file__).read_text(encoding="utf-8")
        for name, value in vars(imported).items():
            if isinstance(value, Catalog) and f"\n{name} = " in source:  # made here, not imported
                found[f"{module.name}.{name}"] = value
    return found


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


def test_the_catalogs_are_found_and_one_type():
    assert {"glassgpt.errors.ERRORS", "glassgpt.cli.messages.MESSAGES", "glassgpt.lab.texts.PAGE_TEXTS",
            "glassgpt.checker.texts.REPORT_TEXTS", "glassgpt.notebook.texts.NOTEBOOK_TEXTS"} <= set(catalogs())


@pytest.mark.parametrize("name", sorted(catalogs()))
def test_every_message_has_both_languages_with_the_same_fields(name):
    table = catalogs()[name]
    for key, sides in table.items():
        assert len(sides) == len(LANGUAGES) and all(sides), key
        assert fields_of(sides[0]) == fields_of(sides[1]), key
        fields = {field: 7 for field in fields_of(sides[0])}
        said = [table.say(key, lang, **fields) for lang in LANGUAGES]  # every side fills in with those fields
        assert all(said), key


def test_a_catalog_refuses_a_missing_language_or_different_fields():
    with pytest.raises(ValueError):
        Catalog({"a": ("{x} apples", "")})
    with pytest.raises(ValueError):
        Catalog({"a": ("{x} apples", "{y} 个苹果")})
    with pytest.raises(ValueError):
        Catalog.merged([Catalog({"a": ("a", "甲")}), Catalog({"a": ("b", "乙")})])


def test_a_family_member_is_found_by_name_and_the_nearest_family_above_it():
    table = Catalog({"hint.a": ("A", "甲"), "hint.a.b": ("AB", "甲乙")})
    assert table.names("hint") == {"a", "a.b"} and table.member("hint", "a.b") == "hint.a.b"
    assert table.nearest("hint", "a.b.c") == "hint.a.b" and table.nearest("hint", "a.z") == "hint.a"
    assert table.nearest("hint", "z") is None
    with pytest.raises(KeyError):
        table.member("hint", "z")
    assert table.voice("zh").member("hint", "a") == "甲" and table.voice("fr")("hint.a") == "A"


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


def test_every_family_the_cli_names_exists():
    named = [(path, node) for path, node in _calls("member") if str(path).startswith("cli")]
    named += [(path, node) for path, node in _calls("nearest") if str(path).startswith("cli")]
    assert len(named) > 5, "t.member(...) calls not found: the scan is stale"
    for path, node in named:
        for family in _keys_of(path, node):
            assert MESSAGES.names(family), f"{path}:{node.lineno}: no message in family {family!r}"


def test_every_sentence_the_notebook_says_is_in_its_table():
    """The notebook display is a front end of its own: it says only what its TEXTS hold, none of the CLI's."""
    from glassgpt.notebook import TEXTS
    said = [(path, node) for path, node in _calls("t") if str(path).startswith("notebook")]
    named = [(path, node) for name in ("member", "nearest") for path, node in _calls(name)
             if str(path).startswith("notebook")]
    assert len(said) > 30 and len(named) > 3, "calls not found: the scan is stale"
    for path, node in said:
        for key in _keys_of(path, node):
            assert key in TEXTS, f"{path}:{node.lineno}: {key!r}"
    for path, node in named:
        for family in _keys_of(path, node):
            assert TEXTS.names(family), f"{path}:{node.lineno}: no message in family {family!r}"
    assert set(SCORE_NAMES) <= TEXTS.names("heads")


def test_the_library_never_imports_the_cli():
    """Arrows point one way: the CLI imports the library, and nothing of the library imports the CLI."""
    for path in sorted(SOURCE.rglob("*.py")):
        if path.relative_to(SOURCE).parts[0] in ("cli", "__main__.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                modules = [f"{node.module or ''}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            for module in modules:  # glassgpt.cli, ..cli.messages, from . import cli
                assert "cli" not in module.split(".")[:2], f"{path.relative_to(SOURCE)}:{node.lineno}: {module}"


def test_every_score_and_component_has_its_sentences():
    """The names code holds (a score, a traced step's role) each have their member of the family that says them."""
    assert MESSAGES.names("heads.name") == set(SCORE_NAMES) == MESSAGES.names("heads.def")
    model = glassgpt.GPT(glassgpt.GPTConfig.from_preset("tiny"))
    roles = {step.role for step in trace_forward(model, __import__("torch").zeros(1, 3, dtype=int)).steps}
    t = Messages("zh")
    for role in roles - {"gpt"}:
        assert t.member("components.what", role, d=1, nh=1, hs=1, d4=1, vocab=1, block_size=1, p=0.0)


def test_an_unknown_error_key_fails_loudly():
    with pytest.raises(KeyError):
        GlassGPTError("no_such_key")


def test_an_error_says_the_same_thing_in_both_languages():
    error = GlassGPTError("too_long", length=20, block_size=16)
    assert str(error) == error.message("en") and "20" in str(error) and "16" in str(error)
    assert "20" in error.message("zh") and error.message("zh") != error.message("en")
