"""The layout's import rule (README, "How it is built"): each room of bot/ imports only rooms
below it, storage/ only bot.model, and nothing in bot/ or storage/ imports handlers/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Bottom to top; a module may import its own room and any room below it.
LAYERS = [
    {"bot.words"},  # the bot's words and languages: even the model's labels are read through them
    {"bot.model", "bot.clock", "bot.config"},
    {"bot.templates"},
    {"bot.slack", "bot.feeds"},
    {"bot.rules"},
    {"bot.views"},
    {"bot.services"},
    {"bot.publish"},
    {"bot.flows"},
    {"bot.scheduler"},
]


def room(module: str) -> str | None:
    """The room a bot module belongs to: its sub-package, or the top-level module itself."""
    parts = module.split(".")
    if parts[0] != "bot" or len(parts) < 2:
        return None
    return ".".join(parts[:2])


def level(module: str) -> int:
    name = room(module)
    return next(i for i, rooms in enumerate(LAYERS) if name in rooms)


def imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [f"{node.module}.{alias.name}" if node.module == "bot" else node.module for alias in node.names]
    return found


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


BOT = sorted((ROOT / "bot").rglob("*.py"))


def test_every_room_of_bot_has_a_place_in_the_rule():
    assert {room(module_name(p)) for p in BOT} <= set().union(*LAYERS)


@pytest.mark.parametrize("path", BOT, ids=lambda p: module_name(p))
def test_bot_imports_only_what_lies_below(path):
    here = module_name(path)
    above = [m for m in imports(path) if room(m) and level(m) > level(here)]
    assert not above, f"{here} imports {above}, which the layering puts above it"
    assert not [m for m in imports(path) if m.startswith("handlers")]


@pytest.mark.parametrize("path", sorted((ROOT / "storage").rglob("*.py")), ids=lambda p: module_name(p))
def test_storage_imports_nothing_of_bot_but_the_model(path):
    assert [m for m in imports(path) if m.startswith("bot") and m != "bot.model"] == []


@pytest.mark.parametrize("path", sorted((ROOT / "bot" / "flows").glob("*.py")), ids=lambda p: p.stem)
def test_flows_post_only_through_bot_publish(path):
    """One publishing path: what a flow shows in Slack goes out through bot.publish."""
    assert "slack.post(" not in path.read_text(encoding="utf-8")
