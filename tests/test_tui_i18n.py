"""Every sentence of the desk exists in French; the language follows --lang or the locale."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from moderator_tui import i18n
from moderator_tui.model import TARGET_STATE
from moderator_tui.screens.desk import DeskScreen
from moderator_tui.screens.help import KEYS
from moderator_tui.widgets.rules import RULE_NAMES
from moderator_tui.widgets.status import EVENT_STATUSES, STATES
from tests.support.servers import ROOT


def _literal_msgids() -> set[str]:
    """Every string literal passed to `_()` in the desk's sources."""
    found: set[str] = set()
    for path in Path(ROOT, "moderator_tui").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                    node.func.id == "_" and node.args and \
                    isinstance(node.args[0], ast.Constant) and \
                    isinstance(node.args[0].value, str):
                found.add(node.args[0].value)
    return found


def _computed_msgids() -> set[str]:
    """Messages translated through a variable: states, modes, rules, keys, footer."""
    modes = {"pre", "post", "pre-moderation", "post-moderation"}
    return (modes | set(TARGET_STATE.values()) | {"retracted"}
            | {label for _, label, _ in STATES.values()} | set(RULE_NAMES.values())
            | set(EVENT_STATUSES.values())
            | {what for _, what in KEYS}
            | {b.description for b in DeskScreen.BINDINGS if hasattr(b, "description")})


def test_every_desk_message_has_a_french_translation() -> None:
    """No English left in the French desk: each msgid is in locale/fr/.../tui.po."""
    french = i18n.catalog("fr")
    missing = sorted(m for m in _literal_msgids() | _computed_msgids() if m not in french)
    assert len(_literal_msgids()) > 40
    assert missing == []


def test_translations_keep_their_placeholders() -> None:
    """A French message has exactly the `{name}` fields of its English msgid."""
    import string

    def fields(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    with Path(ROOT, "locale/fr/LC_MESSAGES/tui.po").open("rb") as fh:
        messages = [m for m in read_po(fh, locale="fr") if m.id]
    assert messages
    for message in messages:
        assert fields(str(message.id)) == fields(str(message.string)), message.id


@pytest.mark.parametrize(("explicit", "env", "expected"), [
    ("en", {"LANG": "fr_FR.UTF-8"}, "en"),
    (None, {"LANG": "en_GB.UTF-8"}, "en"),
    (None, {"LANG": "fr_CA.UTF-8"}, "fr"),
    (None, {"CLAMEUR_LANG": "en", "LANG": "fr_FR.UTF-8"}, "en"),
    (None, {"LANG": "de_DE.UTF-8"}, "fr"),
])
def test_language_from_flag_then_environment(monkeypatch: pytest.MonkeyPatch,
                                             explicit: str | None, env: dict[str, str],
                                             expected: str) -> None:
    """--lang wins, then CLAMEUR_LANG, then the locale; French otherwise."""
    for name in ("CLAMEUR_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("locale.getlocale", lambda *a: (None, None))
    assert i18n.choose(explicit) == expected
