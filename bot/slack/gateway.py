"""The one place the bot calls Slack's Web API.

Rate limits (HTTP 429 with Retry-After) and dropped connections are retried by slack_sdk's own
retry handlers; every other error becomes a SlackError carrying Slack's error code, which the
flows handle by name and explain to people in plain words. Errors that cannot succeed on retry
(`name_taken`, `is_archived`, …) are never retried.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.models.views import View
from slack_sdk.webhook import WebhookClient

from bot.slack.blockkit import Message, modal

log = logging.getLogger(__name__)

RATE_LIMIT_RETRIES = 3
CONNECTION_RETRIES = 2
INVITE_BATCH = 100  # conversations.invite takes at most 100 user ids per call

# What Slack's error codes mean for the person who asked, in plain words.
_EXPLANATIONS = {
    "name_taken": "a channel with that name already exists",
    "already_in_channel": "they are already in the channel",
    "user_not_found": "that person is not in this workspace",
    "user_is_bot": "that is a bot, not a person",
    "cant_invite": "Slack does not allow inviting that person",
    "cant_invite_self": "the bot cannot invite itself",
    "user_is_restricted": "that person is a guest who cannot be added to new channels",
    "ura_max_channels": "that guest cannot join more channels",
    "is_archived": "the channel is archived",
    "not_archived": "the channel is not archived",
    "not_in_channel": "the bot is not a member of that channel",
    "channel_not_found": "the channel no longer exists or the bot cannot see it",
    "expired_trigger_id": "Slack took too long to open the form",
    "exchanged_trigger_id": "this form was already opened once",
    "message_not_found": "the message was deleted",
    "restricted_action": "workspace settings do not allow the bot to do this",
    "missing_scope": "the Slack app lacks a permission (reinstall it from manifest.yml)",
    "invalid_auth": "the bot token is no longer valid",
    "account_inactive": "the bot token is no longer valid",
    "ratelimited": "Slack is rate-limiting the bot",
    "too_long": "the text is too long for Slack",
    "invalid_blocks": "Slack rejected the message layout",
    "connection_error": "Slack could not be reached",
}
# conversations.invite errors caused by one of the people invited, not by the channel or the bot.
PERSON_ERRORS = frozenset(
    {
        "already_in_channel",
        "user_not_found",
        "user_is_bot",
        "cant_invite",
        "cant_invite_self",
        "user_is_restricted",
        "user_is_ultra_restricted",
        "ura_max_channels",
        "user_disabled",
    }
)
TRANSIENT = frozenset(
    {"ratelimited", "connection_error", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


class SlackError(Exception):
    """A Web API call failed; `code` is Slack's error code (or `connection_error`)."""

    def __init__(self, method: str, code: str, response: dict[str, Any] | None = None) -> None:
        super().__init__(f"{method}: {code}")
        self.method = method
        self.code = code
        self.response = response or {}

    @property
    def transient(self) -> bool:
        """True when trying again later may succeed."""
        return self.code in TRANSIENT

    def explain(self) -> str:
        return _EXPLANATIONS.get(self.code, f"Slack answered `{self.code}`")

    def could_not(self, what: str) -> str:
        """The sentence every flow tells a person when a Slack call failed: what could not be
        done, and why, in plain words ("I could not pin the header: the bot is not in the channel.")."""
        return f"I could not {what}: {self.explain()}."


def attempt(problems: list[str], what: str, call: Callable[[], object]) -> bool:
    """Run one Slack step of a flow that goes on whatever happens: a failure is logged and
    added to `problems` as the sentence a person reads, and the flow carries on."""
    try:
        call()
        return True
    except SlackError as error:
        log.warning("could not %s: %s", what, error)
        problems.append(error.could_not(what))
        return False


def build_client(token: str, base_url: str) -> WebClient:
    """A WebClient that honours Retry-After on 429 and retries dropped connections."""
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=15,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
            ConnectionErrorRetryHandler(max_retry_count=CONNECTION_RETRIES),
        ],
    )


class SlackGateway:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        """Call a WebClient method by its Python name, mapping every failure to SlackError."""
        api_method = method.replace("_", ".", 1)
        try:
            return getattr(self.client, method)(**kwargs).data  # type: ignore[no-any-return]
        except SlackApiError as error:
            data = error.response.data if isinstance(error.response.data, dict) else {}
            raise SlackError(api_method, data.get("error", "unknown_error"), data) from error
        except (SlackClientError, OSError) as error:
            log.warning("Slack call %s failed to connect: %s", api_method, error)
            raise SlackError(api_method, "connection_error") from error

    @cached_property
    def bot_user_id(self) -> str:
        return str(self._call("auth_test")["user_id"])

    # Channels

    def create_channel(self, name: str, *, private: bool) -> dict[str, Any]:
        return self._call("conversations_create", name=name, is_private=private)["channel"]  # type: ignore[no-any-return]

    def set_topic(self, channel: str, topic: str) -> None:
        self._call("conversations_setTopic", channel=channel, topic=topic)

    def set_purpose(self, channel: str, purpose: str) -> None:
        self._call("conversations_setPurpose", channel=channel, purpose=purpose)

    def invite(self, channel: str, users: Iterable[str]) -> dict[str, str]:
        """Invite people, at most 100 per call; returns {user: error code} for those who could
        not be added (`already_in_channel` counts as added). When a batch fails because of a
        person, its people are invited one by one, so one bad id keeps nobody else out."""
        wanted = [u for u in dict.fromkeys(users) if u and u != self.bot_user_id]
        failed: dict[str, str] = {}
        for start in range(0, len(wanted), INVITE_BATCH):
            batch = wanted[start : start + INVITE_BATCH]
            try:
                self._call("conversations_invite", channel=channel, users=",".join(batch))
            except SlackError as error:
                if error.code not in PERSON_ERRORS:
                    raise
                if len(batch) > 1:
                    for user in batch:
                        failed.update(self.invite(channel, [user]))
                elif error.code != "already_in_channel":
                    failed[batch[0]] = error.code
        return failed

    def own_channel(self, name: str) -> str | None:
        """The id of the (unarchived) channel called `name` that the bot is in, if any."""
        cursor = None
        while True:
            page = self._call(
                "users_conversations",
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=1000,
                cursor=cursor,
            )
            for channel in page.get("channels", []):
                if channel.get("name") == name:
                    return str(channel["id"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None

    def archive(self, channel: str) -> None:
        try:
            self._call("conversations_archive", channel=channel)
        except SlackError as error:
            if error.code != "already_archived":
                raise

    def unarchive(self, channel: str) -> None:
        """Unarchive, and rejoin a public channel if archiving removed the bot from it."""
        try:
            self._call("conversations_unarchive", channel=channel)
        except SlackError as error:
            if error.code != "not_archived":
                raise
        try:
            self._call("conversations_join", channel=channel)
        except SlackError as error:
            if error.code not in ("method_not_supported_for_channel_type", "already_in_channel"):
                raise

    def upload(self, channel: str, *, filename: str, title: str, content: str, comment: str) -> None:
        """Share a text file in a channel (files.getUploadURLExternal, upload, complete)."""
        self._call(
            "files_upload_v2", channel=channel, filename=filename, title=title, content=content, initial_comment=comment
        )

    def members(self, channel: str) -> set[str]:
        members: set[str] = set()
        cursor = None
        while True:
            page = self._call("conversations_members", channel=channel, limit=1000, cursor=cursor)
            members.update(page.get("members", []))
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return members

    # Messages

    def post(
        self,
        channel: str,
        message: Message,
        *,
        thread_ts: str | None = None,
        broadcast: bool = False,
        metadata: dict[str, Any] | None = None,
    ) -> str:
        """Post a message and return its ts (a reply in the thread of `thread_ts`, also shown in
        the channel with `broadcast`). Never uses link_names or parse=full."""
        extra: dict[str, Any] = {"unfurl_links": False, "unfurl_media": False}
        if thread_ts:
            extra["thread_ts"] = thread_ts
            if broadcast:
                extra["reply_broadcast"] = True
        if metadata:
            extra["metadata"] = metadata
        try:
            return str(self._call("chat_postMessage", channel=channel, **message.to_kwargs(), **extra)["ts"])
        except SlackError as error:
            if error.code != "not_in_channel" or not channel.startswith("C"):
                raise
        self._call("conversations_join", channel=channel)  # a public channel the bot was never invited to
        return str(self._call("chat_postMessage", channel=channel, **message.to_kwargs(), **extra)["ts"])

    def find_posted(
        self, channel: str, event_type: str, key: str, *, since: int, thread_ts: str | None = None
    ) -> str | None:
        """The ts of a message posted since `since` (in the thread of `thread_ts`, if given) whose
        metadata carries `key`, if any. `channel` may be a user id: their DM with the bot."""
        if channel.startswith(("U", "W")):
            channel = self._call("conversations_open", users=channel)["channel"]["id"]
        method, where = ("conversations_replies", {"ts": thread_ts}) if thread_ts else ("conversations_history", {})
        cursor = None
        for _ in range(10):  # 10 pages of 200: far more than a channel gets in minutes
            page = self._call(
                method, channel=channel, oldest=str(since), limit=200, include_all_metadata=True, cursor=cursor, **where
            )
            for message in page.get("messages", []):
                metadata = message.get("metadata") or {}
                if metadata.get("event_type") == event_type and (metadata.get("event_payload") or {}).get("key") == key:
                    return str(message["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
        return None

    def update(self, channel: str, ts: str, message: Message) -> None:
        self._call("chat_update", channel=channel, ts=ts, **message.to_kwargs())

    def pin(self, channel: str, ts: str) -> None:
        try:
            self._call("pins_add", channel=channel, timestamp=ts)
        except SlackError as error:
            if error.code != "already_pinned":
                raise

    def respond(self, response_url: str, message: Message, *, replace_original: bool = False) -> None:
        """Answer through an interaction's response_url (ephemeral to the person who acted)."""
        webhook = WebhookClient(response_url, timeout=15, retry_handlers=self.client.retry_handlers)
        try:
            response = webhook.send(response_type="ephemeral", replace_original=replace_original, **message.to_kwargs())
        except (SlackClientError, OSError) as error:
            raise SlackError("response_url", "connection_error") from error
        if response.status_code != 200:
            raise SlackError("response_url", response.body or f"http_{response.status_code}")

    # Modals

    def open_view(self, trigger_id: str, view: View | dict[str, Any]) -> dict[str, Any]:
        """Open a modal: a View is validated here; a dict must come from blockkit.modal()."""
        return self._call("views_open", trigger_id=trigger_id, view=_modal(view))["view"]  # type: ignore[no-any-return]

    def update_view(self, view_id: str, view: View | dict[str, Any], *, hash: str | None = None) -> None:
        """Replace a modal; with `hash`, only if it is still the version the person saw
        (Slack answers `hash_conflict` otherwise)."""
        self._call("views_update", view_id=view_id, view=_modal(view), **({"hash": hash} if hash else {}))

    # People

    def usergroup_members(self, group: str) -> list[str]:
        return list(self._call("usergroups_users_list", usergroup=group).get("users", []))

    def user_info(self, user: str) -> dict[str, Any]:
        return self._call("users_info", user=user, include_locale=True)["user"]  # type: ignore[no-any-return]


def _modal(view: View | dict[str, Any]) -> dict[str, Any]:
    return modal(view) if isinstance(view, View) else view
