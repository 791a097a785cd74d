"""Whose language a request is answered in: set first, for every request, before any listener
or other middleware writes a word (docs/i18n.md)."""

from __future__ import annotations

import contextvars

from slack_bolt import App, BoltRequest, BoltResponse

from bot.services import Services


def install(app: App, services: Services) -> None:
    """Speak the language of the person each request came from, before any middleware or
    listener writes a word. Each request is also dispatched in a context of its own, so whatever
    thread serves it next (a gunicorn thread, Socket Mode's, a test's) starts from the default
    language, not the last request's. Done around Bolt's dispatch rather than as a middleware:
    Bolt builds a middleware's arguments anew for every request, which cost each ack more than
    choosing the language does."""
    dispatch = app.dispatch

    def in_their_language(request: BoltRequest) -> BoltResponse:
        request.context["language_known"] = services.read_by(_sender(request.body))
        return dispatch(request)

    app.dispatch = lambda request: contextvars.Context().run(in_their_language, request)  # type: ignore[method-assign]


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
