"""Whose language a request is answered in: set first, for every request, before any listener
or other middleware writes a word (docs/i18n.md)."""

from __future__ import annotations

import contextvars
from collections.abc import Callable

from slack_bolt import App, BoltContext

from bot.services import Services


def install(app: App, services: Services) -> None:
    """Register the middleware that speaks the language of the person a request came from.
    Registered before every other middleware: Bolt runs them in order. Each request is also
    dispatched in a context of its own, so whatever thread serves it next (a gunicorn thread,
    Socket Mode's, a test's) starts from the default language, not the last request's."""
    dispatch = app.dispatch
    app.dispatch = lambda request: contextvars.Context().run(dispatch, request)  # type: ignore[method-assign]

    @app.middleware
    def speak_their_language(body: dict, context: BoltContext, next: Callable[[], None]) -> None:  # noqa: A002
        context["language_known"] = services.read_by(_sender(body))
        next()


def _sender(body: dict) -> str | None:
    """Who sent a request: a click's or form's user, a command's user_id, an event's user."""
    for holder in (body, body.get("event")):
        if not isinstance(holder, dict):
            continue
        user = holder.get("user")
        if isinstance(user, dict) and isinstance(user.get("id"), str):
            return user["id"]
        if isinstance(user, str):
            return user
        if isinstance(holder.get("user_id"), str):
            return holder["user_id"]  # type: ignore[no-any-return]
    return None
