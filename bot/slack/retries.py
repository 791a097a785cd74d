"""Which failed Web API calls slack_sdk may send again by itself, and until when.

slack_sdk's own handlers resend every call whose connection broke and wait out every 429; both
are wrong for some calls. A 429, or a connection that failed before the request was sent,
means Slack did nothing: sending again is safe, unless the answer would then come too late to
be of use (a modal must open within its trigger's 3 seconds). A connection that broke *after*
the request went out (dropped, or no answer within the timeout) may hide a call Slack carried
out. Only calls that do nothing twice are sent again then; a post or a channel creation is
not, and the gateway looks for what Slack stored before trying again (bot.slack.gateway).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from urllib.error import HTTPError, URLError

from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.slack.budget import RateBudget

# Calls Slack may receive twice without anything happening twice: reads, calls that set a value,
# and calls whose repeat Slack refuses with an error the gateway takes as done (already_pinned,
# already_in_channel, already_archived, not_archived). Everything else (chat.postMessage,
# conversations.create, views.open, files.completeUploadExternal, response_url) is sent once.
REPEATABLE = frozenset(
    {
        "auth.test",
        "apps.connections.open",
        "users.info",
        "users.conversations",
        "usergroups.users.list",
        "conversations.info",
        "conversations.members",
        "conversations.history",
        "conversations.replies",
        "conversations.open",
        "conversations.setTopic",
        "conversations.setPurpose",
        "conversations.invite",
        "conversations.join",
        "conversations.archive",
        "conversations.unarchive",
        "pins.add",
        "chat.update",
        "views.update",
        "files.getUploadURLExternal",
    }
)

_deadline: ContextVar[float | None] = ContextVar("slack_call_deadline", default=None)


@contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Calls made in this block are not retried if the retry would end more than `seconds`
    from now: past that, the answer is of no use (an expired trigger), and the person should
    hear at once what went wrong instead."""
    token = _deadline.set(None if seconds is None else time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def unsent(error: BaseException) -> bool:
    """Whether a request failed before Slack got all of it: urllib raises URLError only while
    connecting and sending (an HTTPError is an answer)."""
    return isinstance(error, URLError) and not isinstance(error, HTTPError)


def _in_time(wait: float) -> bool:
    end = _deadline.get()
    return end is None or time.monotonic() + wait < end


def _method(request: HttpRequest) -> str:
    return request.url.split("?")[0].rsplit("/", 1)[-1]


class RateLimits(RateLimitErrorRetryHandler):
    """Waits out a 429's Retry-After and sends the call again, unless that ends past its
    deadline; the budget hears of it, so no other thread calls the method before then."""

    def __init__(self, budget: RateBudget, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.budget = budget

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        assert response is not None
        retry_after = next((v[0] for k, v in response.headers.items() if k.lower() == "retry-after"), "1")
        channel = (request.body_params or {}).get("channel")
        self.budget.rate_limited(_method(request), float(retry_after), channel if isinstance(channel, str) else None)
        return _in_time(float(retry_after) + 1)  # slack_sdk sleeps up to a second more


class BrokenConnections(RetryHandler):
    """Sends a call again after a broken connection when that cannot do anything twice: the
    request never reached Slack, or the call is REPEATABLE."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if error is None or isinstance(error, HTTPError):
            return False
        safe = unsent(error) or (isinstance(error, ConnectionResetError) and _method(request) in REPEATABLE)
        return safe and _in_time(self.interval_calculator.calculate_sleep_duration(state.current_attempt))
