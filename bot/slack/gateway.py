"""The one place the bot calls Slack's Web API.

Calls are made with the bot token; the optional user token (SLACK_USER_TOKEN) only ever
unarchives a war room, which a bot token cannot do. Rate limits (HTTP 429 with Retry-After) and
broken connections are retried by slack_sdk with the handlers of bot.slack.retries, which never
resend a call Slack may have carried out unless it is harmless to repeat. A post is not: when its
answer is lost, the gateway looks for it in the channel by the key every post carries in its
message metadata before posting again. Every other error becomes a SlackError carrying Slack's
error code, which the flows handle by name and explain to people in plain words. Errors that
cannot succeed on retry (`name_taken`, `is_archived`, …) are never retried.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.models.views import View
from slack_sdk.webhook import WebhookClient

from bot.config import Config
from bot.slack.blockkit import Message, modal
from bot.slack.budget import RateBudget
from bot.slack.retries import BrokenConnections, RateLimits, deadline, unsent
from bot.words.i18n import N_, _

log = logging.getLogger(__name__)

RATE_LIMIT_RETRIES = 3
CONNECTION_RETRIES = 2
TRIGGER_SECONDS = 3  # a trigger_id dies 3 s after the click: views.open is never retried past that
INVITE_BATCH = 100  # conversations.invite takes at most 100 user ids per call
LIST_LIMIT = 999  # list methods answer `invalid_limit` to more per page
METADATA_TYPE = "crisis_bot_post"  # the message metadata every post carries its key in
CLOCK_SKEW_SECONDS = 60  # Slack's clock and ours may differ: look this much further back for a post

# What Slack's error codes mean for the person who asked, in plain words: each completes
# "I could not {what}: {why}." (SlackError.could_not), translated where it is shown.
_EXPLANATIONS = {
    # Translators: why a Slack call failed, after "I could not …:" (no capital, no full stop)
    "name_taken": N_("a channel with that name already exists"),
    # Translators: why a Slack call failed, after "I could not …:" (no capital, no full stop)
    "already_in_channel": N_("they are already in the channel"),
    # Translators: why a Slack call failed, after "I could not …:" (no capital, no full stop)
    "user_not_found": N_("that person is not in this workspace"),
    # Translators: why a Slack call failed, after "I could not …:" (no capital, no full stop)
    "user_is_bot": N_("that is a bot, not a person"),
    # Translators: why a Slack call failed, after "I could not …:" (no capital, no full stop)
    "cant_invite": N_("Slack does not allow inviting that person"),
    # Translators: why a Slack call failed, after "I could not …:" (no capital, no full stop)
    "cant_invite_self": N_("the bot cannot invite itself"),
    # Translators: why a Slack call failed, after "I could not …:" (no capital, no full stop)
    "user_is_restricted": N_("that person is a guest who cannot be added to new channels"),
    # Translators: why a Slack call failed, after "I could not …:" (no capital, no full stop)
    "ura_max_channels": N_("that guest cannot join more channels"),
    # Translators: why a Slack call failed, after "I could not …:" (no capital, no full stop)
    "user_is_ultra_restricted": N_("that person is a single-channel guest"),
    # Translators: why a Slack call failed, after "I could not …:" (no capital, no full stop)
    "user_disabled": N_("that person's account is deactivated"),
    # Enterprise Grid and Slack Connect: caused by the person, not by the channel or the bot.
    # Translators: why a Slack call failed, after "I could not …:" (no capital, no full stop)
    "org_user_not_in_team": N_(
        "they are in another workspace of your organisation (an admin can add them to this one)"
    ),
    # Translators: why a Slack call failed, after "I could not …:" (no capital, no full stop)
    "no_external_invite_permission": N_("they are external and your workspace does not allow inviting external people"),
    # Translators: why a Slack call failed, after "I could not …:" (no capital, no full stop)
    "invitee_cant_see_channel": N_(
        "they are external and cannot see this channel until it is shared with their organisation"
    ),
    # Translators: why a Slack call failed, after "I could not …:" (no capital, no full stop)
    "user_team_not_in_channel": N_("this channel is not shared with their workspace or organisation"),
    # Translators: why a Slack call failed, after "I could not …:" (no capital, no full stop)
    "not_allowed_token_type": N_("Slack lets only a person, not a bot, invite them: invite them yourself"),
    # Translators: why a Slack call failed, after "I could not …:" (no capital, no full stop)
    "is_archived": N_("the channel is archived"),
    # Translators: why a Slack call failed, after "I could not …:" (no capital, no full stop)
    "not_archived": N_("the channel is not archived"),
    # Translators: why a Slack call failed, after "I could not …:" (no capital, no full stop)
    "not_in_channel": N_("the bot is not a member of that channel"),
    # Translators: why a Slack call failed, after "I could not …:" (no capital, no full stop)
    "channel_not_found": N_("the channel no longer exists or the bot cannot see it"),
    # Translators: why a Slack call failed, after "I could not …:" (no capital, no full stop)
    "expired_trigger_id": N_("Slack took too long to open the form"),
    # Translators: why a Slack call failed, after "I could not …:" (no capital, no full stop)
    "exchanged_trigger_id": N_("this form was already opened once"),
    # Translators: why a Slack call failed, after "I could not …:" (no capital, no full stop)
    "message_not_found": N_("the message was deleted"),
    # Translators: why a Slack call failed, after "I could not …:" (no capital, no full stop)
    "restricted_action": N_("workspace settings do not allow the bot to do this"),
    # Translators: why a Slack call failed, after "I could not …:" (no capital, no full stop)
    "missing_scope": N_("the Slack app lacks a permission (reinstall it from manifest.yml)"),
    # Translators: why a Slack call failed, after "I could not …:" (no capital, no full stop)
    "invalid_auth": N_("the bot token is no longer valid"),
    # Translators: why a Slack call failed, after "I could not …:" (no capital, no full stop)
    "account_inactive": N_("the bot token is no longer valid"),
    # Translators: why a Slack call failed, after "I could not …:" (no capital, no full stop)
    "ratelimited": N_("Slack is rate-limiting the bot"),
    # Translators: why a Slack call failed, after "I could not …:" (no capital, no full stop)
    "too_long": N_("the text is too long for Slack"),
    # Translators: why a Slack call failed, after "I could not …:" (no capital, no full stop)
    "invalid_blocks": N_("Slack rejected the message layout"),
    # Translators: why a Slack call failed, after "I could not …:" (no capital, no full stop)
    "connection_error": N_("Slack could not be reached"),
    # Translators: why a Slack call failed, after "I could not …:" (no capital, no full stop)
    "connection_lost": N_("Slack's answer never arrived (it may have gone through)"),
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
        "org_user_not_in_team",
        "no_external_invite_permission",
        "invitee_cant_see_channel",
        "user_team_not_in_channel",
        "not_allowed_token_type",
    }
)
TRANSIENT = frozenset(
    {
        "ratelimited",
        "connection_error",
        "connection_lost",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
    }
)


class SlackError(Exception):
    """A Web API call failed; `code` is Slack's error code, or `connection_error` (Slack never
    got the request) or `connection_lost` (the connection broke after it was sent)."""

    def __init__(self, method: str, code: str, response: dict[str, Any] | None = None) -> None:
        super().__init__(f"{method}: {code}")
        self.method = method
        self.code = code
        self.response = response or {}

    @property
    def transient(self) -> bool:
        """True when trying again later may succeed."""
        return self.code in TRANSIENT

    @property
    def unanswered(self) -> bool:
        """True when Slack may have done what was asked although no answer came: look before
        doing it again."""
        return self.code == "connection_lost"

    def explain(self) -> str:
        """Why the call failed, in the reader's words: a clause without a capital or full stop,
        for a sentence such as "I could not …: {why}."."""
        if self.code in _EXPLANATIONS:
            return _(_EXPLANATIONS[self.code])
        if self.transient:
            # Translators: why a Slack call failed, after "I could not …:" (no capital, no full stop)
            return _("Slack had a passing problem on its side")
        # Translators: why a Slack call failed, after "I could not …:"; {code} is Slack's error code
        return _("Slack answered `{code}`").format(code=self.code)

    def could_not(self, what: str) -> str:
        """The sentence every flow tells a person when a Slack call failed: what could not be
        done, and why, in plain words ("I could not pin the header: the bot is not in the channel.").
        `what` is a verb phrase the caller translated."""
        # Translators: {what} is a verb phrase such as "pin the header", translated by the caller;
        # {why} is why Slack refused, such as "the channel is archived"
        return _("I could not {what}: {why}.").format(what=what, why=self.explain())


def attempt(problems: list[str], what: str, call: Callable[[], object]) -> bool:
    """Run one Slack step of a flow that goes on whatever happens: a failure is logged and
    added to `problems` as the sentence a person reads, and the flow carries on. `what`
    completes "I could not …", translated by the caller (`_("pin the header")`)."""
    try:
        call()
        return True
    except SlackError as error:
        log.warning("could not %s: %s", what, error)
        problems.append(error.could_not(what))
        return False


def build_client(config: Config, budget: RateBudget, *, token: str | None = None) -> WebClient:
    """A WebClient (with the bot token, unless another `token` is given) that honours
    Retry-After on 429, telling the budget so every caller waits for Slack's time, and retries
    broken connections where that can do nothing twice (bot.slack.retries)."""
    return WebClient(
        token=token or config.bot_token,
        base_url=config.api_url,
        timeout=config.slack_timeout_seconds,
        retry_handlers=[
            RateLimits(budget, max_retry_count=RATE_LIMIT_RETRIES),
            BrokenConnections(max_retry_count=CONNECTION_RETRIES),
        ],
    )


class SlackGateway:
    def __init__(self, client: WebClient, budget: RateBudget, user_client: WebClient | None = None) -> None:
        self.client = client
        self.budget = budget  # Slack's rate tiers, shared by every thread of the process
        self.user_client = user_client  # SLACK_USER_TOKEN's: only `unarchive` uses it

    @classmethod
    def connect(cls, config: Config, budget: RateBudget | None = None) -> SlackGateway:
        """The gateway of one process: the bot's client and, when configured, the person's,
        both paced by one budget (Slack's tiers, unless a test harness brings its own)."""
        budget = budget or RateBudget()
        user_client = build_client(config, budget, token=config.user_token) if config.user_token else None
        return cls(build_client(config, budget), budget, user_client)

    @property
    def can_unarchive(self) -> bool:
        """Whether a person's token is configured: a bot token cannot unarchive a channel."""
        return self.user_client is not None

    def _call(
        self, method: str, *, as_person: bool = False, within: float | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Call a WebClient method by its Python name (with the user token if `as_person`),
        mapping every failure to SlackError. With `within`, retries that would end more than
        that many seconds from now are not made."""
        api_method = method.replace("_", ".", 1)
        client = self.user_client if as_person else self.client
        due = None if within is None else time.monotonic() + within
        if not self.budget.take(api_method, kwargs.get("channel"), deadline=due):
            raise SlackError(api_method, "ratelimited")  # Slack asked us to wait longer than the call may
        try:
            with deadline(within):
                return getattr(client, method)(**kwargs).data  # type: ignore[no-any-return]
        except SlackApiError as error:
            data = error.response.data if isinstance(error.response.data, dict) else {}
            raise SlackError(api_method, data.get("error", "unknown_error"), data) from error
        except (SlackClientError, OSError) as error:
            lost = isinstance(error, OSError) and not unsent(error)
            log.warning("Slack call %s failed %s: %s", api_method, "unanswered" if lost else "to connect", error)
            raise SlackError(api_method, "connection_lost" if lost else "connection_error") from error

    @cached_property
    def bot_user_id(self) -> str:
        return str(self._call("auth_test")["user_id"])

    # Channels

    def create_channel(self, name: str, *, private: bool) -> dict[str, Any]:
        """Create a channel. Never resent: after a lost answer (`connection_lost`) Slack may have
        created it, and `created_channel` finds it."""
        return self._call("conversations_create", name=name, is_private=private)["channel"]  # type: ignore[no-any-return]

    def set_topic(self, channel: str, topic: str) -> None:
        self._call("conversations_setTopic", channel=channel, topic=topic)

    def set_purpose(self, channel: str, purpose: str) -> None:
        self._call("conversations_setPurpose", channel=channel, purpose=purpose)

    def invite(self, channel: str, users: Iterable[str]) -> dict[str, str]:
        """Invite people, at most 100 per call; returns {user: error code} for those who could
        not be added (`already_in_channel` counts as added)."""
        wanted = [u for u in dict.fromkeys(users) if u and u != self.bot_user_id]
        failed: dict[str, str] = {}
        for start in range(0, len(wanted), INVITE_BATCH):
            self._invite_finding_refusals(channel, wanted[start : start + INVITE_BATCH], failed)
        return failed

    def _invite_finding_refusals(self, channel: str, batch: list[str], failed: dict[str, str]) -> None:
        """Slack refuses a whole call for one person's sake (someone in another workspace of
        the organisation, an external person) and names one error, not the person. So a
        refused batch is halved until each person at fault is alone: one bad id keeps nobody
        else out, and finding k of them among n takes about 2k·log2(n) calls, not n."""
        try:
            self._call("conversations_invite", channel=channel, users=",".join(batch))
        except SlackError as error:
            if error.code not in PERSON_ERRORS:
                raise
            if len(batch) == 1:
                if error.code != "already_in_channel":
                    failed[batch[0]] = error.code
                return
            middle = len(batch) // 2
            for half in (batch[:middle], batch[middle:]):
                self._invite_finding_refusals(channel, half, failed)

    def created_channel(self, name: str) -> str | None:
        """The id of the unarchived channel called `name` that the bot created and is in, if
        any: after a crash or a lost answer, the channel conversations.create may have made."""
        cursor = None
        while True:
            page = self._call(
                "users_conversations",
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=LIST_LIMIT,
                cursor=cursor,
            )
            for channel in page.get("channels", []):
                if channel.get("name") == name and channel.get("creator") == self.bot_user_id:
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
        """Bring an archived channel back with the user token. Archiving removed every member,
        the bot too, and a bot token gets `not_in_channel`; unarchiving makes the token's person
        the only member, so they bring the bot in (it joins a public channel itself) and leave,
        and a private crisis gains no onlooker. If the bot cannot get in, the channel is
        archived again rather than left open and empty. Safe to repeat after a crash half-way."""
        try:
            self._call("conversations_unarchive", as_person=True, channel=channel)
        except SlackError as error:
            if error.code != "not_archived":
                raise
        try:
            self._bring_the_bot_in(channel)
        except SlackError:
            self._call("conversations_archive", as_person=True, channel=channel)
            raise
        self._call("conversations_leave", as_person=True, channel=channel)

    def _bring_the_bot_in(self, channel: str) -> None:
        try:
            self._call("conversations_join", channel=channel)
            return
        except SlackError as error:
            if error.code != "method_not_supported_for_channel_type":  # a private channel
                raise
        try:
            self._call("conversations_invite", as_person=True, channel=channel, users=self.bot_user_id)
        except SlackError as error:
            # The person left already, which they do only once the bot is in (a repeat).
            if error.code not in ("already_in_channel", "not_in_channel"):
                raise

    def upload(
        self,
        channel: str,
        *,
        filename: str,
        title: str,
        content: str | bytes,
        comment: str,
        thread_ts: str | None = None,
    ) -> None:
        """Share a file in a channel or a thread (files.getUploadURLExternal, upload the bytes,
        files.completeUploadExternal)."""
        self._call(
            "files_upload_v2",
            channel=channel,
            filename=filename,
            title=title,
            content=content,
            initial_comment=comment,
            **({"thread_ts": thread_ts} if thread_ts else {}),
        )

    def members(self, channel: str) -> set[str]:
        members: set[str] = set()
        cursor = None
        while True:
            page = self._call("conversations_members", channel=channel, limit=LIST_LIMIT, cursor=cursor)
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
        key: str | None = None,
        posted_since: int | None = None,
    ) -> str:
        """Post a message (in the thread of `thread_ts`, also shown in the channel with
        `broadcast`) and return its ts. Never uses link_names or parse=full.

        The post carries `key` (or a fresh one) in its message metadata. Posting is never
        repeated blindly: when Slack's answer is lost the message may be there all the same, so
        it is looked for by its key first and adopted if found. `posted_since` says an earlier
        attempt (a process that died, an answer lost before) may have posted it since then:
        it is looked for before anything is posted."""
        key = key or f"post:{uuid.uuid4().hex}"
        if posted_since is not None:
            found = self._find_posted(channel, key, since=posted_since, thread_ts=thread_ts)
            if found:
                return found
        for _try in range(CONNECTION_RETRIES):
            started = int(time.time())
            try:
                return self._post_message(channel, message, thread_ts=thread_ts, broadcast=broadcast, key=key)
            except SlackError as error:
                if not error.unanswered:
                    raise
                found = self._look_again(error, channel, key, since=started, thread_ts=thread_ts)
                if found:
                    return found
        return self._post_message(channel, message, thread_ts=thread_ts, broadcast=broadcast, key=key)

    def _post_message(
        self, channel: str, message: Message, *, thread_ts: str | None, broadcast: bool = False, key: str
    ) -> str:
        extra: dict[str, Any] = {
            "unfurl_links": False,
            "unfurl_media": False,
            "metadata": {"event_type": METADATA_TYPE, "event_payload": {"key": key}},
        }
        if thread_ts:
            extra["thread_ts"] = thread_ts
            if broadcast:
                extra["reply_broadcast"] = True
        try:
            return str(self._call("chat_postMessage", channel=channel, **message.to_kwargs(), **extra)["ts"])
        except SlackError as error:
            if error.code != "not_in_channel" or not channel.startswith("C"):
                raise
        self._call("conversations_join", channel=channel)  # a public channel the bot was never invited to
        return str(self._call("chat_postMessage", channel=channel, **message.to_kwargs(), **extra)["ts"])

    def _look_again(self, lost: SlackError, channel: str, key: str, *, since: int, thread_ts: str | None) -> str | None:
        """After a lost answer: the ts of the post if Slack has it. If even looking fails, the
        lost answer is what the caller hears: the post may be there."""
        try:
            return self._find_posted(channel, key, since=since, thread_ts=thread_ts)
        except SlackError:
            raise lost from None

    def _find_posted(self, channel: str, key: str, *, since: int, thread_ts: str | None = None) -> str | None:
        """The ts of a message posted since `since` (by this machine's clock; in the thread of
        `thread_ts`, if given) whose metadata carries `key`, if any. `channel` may be a user id:
        their DM with the bot."""
        if channel.startswith(("U", "W")):
            channel = self._call("conversations_open", users=channel)["channel"]["id"]
        method, where = ("conversations_replies", {"ts": thread_ts}) if thread_ts else ("conversations_history", {})
        oldest = str(since - CLOCK_SKEW_SECONDS)
        cursor = None
        for _page in range(10):  # 10 pages of 200: far more than a channel gets in minutes
            page = self._call(
                method, channel=channel, oldest=oldest, limit=200, include_all_metadata=True, cursor=cursor, **where
            )
            for message in page.get("messages", []):
                metadata = message.get("metadata") or {}
                if (
                    metadata.get("event_type") == METADATA_TYPE
                    and (metadata.get("event_payload") or {}).get("key") == key
                ):
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
        """Open a modal: a View is validated here; a dict must come from blockkit.modal(). A
        rate limit that outlasts the trigger fails at once, so the person hears why."""
        opened = self._call("views_open", within=TRIGGER_SECONDS, trigger_id=trigger_id, view=_modal(view))
        return opened["view"]  # type: ignore[no-any-return]

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
