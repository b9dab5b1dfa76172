"""Every usage error the CLI can raise names, as a literal, a message key that exists in both languages, with the
fields its sentence needs. (tests/test_messages.py does the same for `t(...)` and GlassGPTError.)"""

import ast
from pathlib import Path

from glassgpt.cli.messages import MESSAGES
from glassgpt.errors import fields_of

CLI = Path(__file__).resolve().parents[1] / "src" / "glassgpt" / "cli"


def usage_errors():
    """(file:line, call node) for every `UsageError(...)` in the CLI."""
    for path in sorted(CLI.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "UsageError":
                yield f"{path.relative_to(CLI)}:{node.lineno}", node


def test_every_usage_error_names_an_existing_message_with_its_fields():
    raised = list(usage_errors())
    assert len(raised) > 10, "UsageError calls not found: the scan is stale"
    for where, node in raised:
        key = node.args[0] if node.args else None
        assert isinstance(key, ast.Constant) and isinstance(key.value, str), f"{where}: the key must be a literal"
        assert key.value in MESSAGES, f"{where}: {key.value!r}"
        given = {keyword.arg for keyword in node.keywords}
        assert given == fields_of(MESSAGES[key.value][0]), f"{where}: {key.value!r} takes {given}"
