"""Reading what people entered in a modal: Slack's view state, as plain Python values.

Every input block holds one element (see bot.ids.Field), so a submission reads as
{block_id: value} whatever the element type.
"""

from __future__ import annotations

from typing import Any


def read_values(view: dict[str, Any]) -> dict[str, Any]:
    """{block_id: value} from a view_submission's `view.state.values`.

    Text inputs give a string (or None), selects the chosen option's value, user pickers the
    user id(s), checkboxes the list of chosen values. Text longer than its input allows is cut:
    Slack enforces max_length only in its own client, and a forged payload can send anything."""
    limits = {
        block["block_id"]: block["element"].get("max_length")
        for block in view.get("blocks", [])
        if block.get("type") == "input" and isinstance(block.get("element"), dict) and "block_id" in block
    }
    values: dict[str, Any] = {}
    for block_id, actions in ((view.get("state") or {}).get("values") or {}).items():
        for element in actions.values():
            value = _element_value(element)
            limit = limits.get(block_id)
            values[block_id] = value[:limit] if isinstance(value, str) and limit else value
    return values


def _element_value(element: dict[str, Any]) -> Any:
    kind = element.get("type")
    if kind in ("static_select", "radio_buttons", "external_select"):
        option = element.get("selected_option")
        return option.get("value") if option else None
    if kind in ("checkboxes", "multi_static_select"):
        return [o.get("value") for o in element.get("selected_options") or []]
    if kind == "users_select":
        return element.get("selected_user")
    if kind == "multi_users_select":
        return list(element.get("selected_users") or [])
    return element.get("value")
