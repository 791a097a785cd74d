"""A fake Slack Web API on 127.0.0.1 that keeps state and answers like Slack.

The bot talks to it over real HTTP through slack_sdk (SLACK_API_URL points here). It keeps
channels, members, messages, pins, views and trigger ids, answers with Slack's ok/error shapes
(`name_taken`, `already_in_channel`, `expired_trigger_id`, `is_archived`, 429 + Retry-After…),
records every call, and lets a test inject faults: an error answer, a process killed right
after Slack did what was asked, or an answer lost after Slack did it (the connection drops, or
the answer comes after the client gave up). Requests Slack itself would reject as malformed
(invalid blocks, a missing text fallback, unknown arguments, `limit` over 999 on a list
method) are answered with the error Slack gives *and* collected in `violations`, which the
test fixture asserts is empty.

It knows Slack's awkward truths: archiving removes every member, the bot included, and a bot
token then cannot unarchive (`not_in_channel`): only a person's user token (USER_TOKEN, acting
as TOKEN_USER) can, and whoever unarchives is the channel's only member afterwards. An invite
of several people fails as a whole, with one error, when one of them cannot be added: someone
in another workspace of the organisation (Enterprise Grid, `W…` ids) or an external person
(Slack Connect).
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import re
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from bot.slack.blockkit import BlockKitError, check_blocks

TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-1-A0000001-test"
USER_TOKEN = "xoxp-test-token"  # an admin's user token (SLACK_USER_TOKEN)
BOT_USER = "UBOT0001"
TOKEN_USER = "UADM0009"  # the person whose user token USER_TOKEN is
TEAM = "T0000001"
OTHER_TEAM = "T0000002"  # another workspace of the same Enterprise Grid organisation
# What the user token may do: bring a war room back from the archive (or put it back), nothing else.
USER_TOKEN_METHODS = frozenset(
    {"conversations.unarchive", "conversations.invite", "conversations.leave", "conversations.archive"}
)
CHANNEL_NAME = re.compile(r"[a-z0-9_-]+")
JSON_ARGS = ("blocks", "view", "metadata", "attachments", "files")
# Paginated list methods; Slack answers `invalid_limit` to a `limit` over 999.
LIST_METHODS = frozenset(
    {
        "users.conversations",
        "conversations.list",
        "conversations.members",
        "conversations.history",
        "conversations.replies",
    }
)
LIST_LIMIT = 999


class SlackFault(Exception):
    def __init__(self, error: str, status: int = 200, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(error)
        self.error, self.status, self.headers, self.extra = error, status, headers or {}, extra


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    at: float  # when it was answered
    started: float  # when it arrived (a call is in flight from `started` to `at`)


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool
    members: set[str]
    is_im: bool = False
    archived: bool = False
    topic: str = ""
    purpose: str = ""
    messages: list[dict[str, Any]] = field(default_factory=list)
    pins: list[str] = field(default_factory=list)
    creator: str = ""
    created: int = field(default_factory=lambda: int(time.time()))
    former_members: set[str] = field(default_factory=set)  # who was in it when it was archived


@dataclass
class Hold:
    """Calls of one method wait until `release` is set (or HOLD_SECONDS pass): a Slack that is
    slow exactly there. `waiting` counts the calls waiting now."""

    release: threading.Event = field(default_factory=threading.Event)
    waiting: int = 0


HOLD_SECONDS = 10


@dataclass
class Fault:
    method: str
    error: str
    times: int
    status: int
    headers: dict[str, str]
    when: Callable[[dict[str, Any]], bool] | None


@dataclass
class LostAnswer:
    """Slack did what was asked; the answer then never reaches the client (`late` is None: the
    connection drops) or reaches it `late` seconds later, after the client's timeout."""

    method: str
    times: int
    late: float | None
    when: Callable[[dict[str, Any]], bool] | None


class FakeSlack:
    def __init__(self, *, latency: float = 0.0, validate: bool = True) -> None:
        self.latency = latency
        self.validate = validate  # benchmarks turn it off: real Slack's checks cost the bot's machine nothing
        self.calls: list[Call] = []
        self.responses: list[dict[str, Any]] = []  # what was posted to response_urls
        self.violations: list[str] = []
        self.channels: dict[str, Channel] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.usergroups: dict[str, list[str]] = {}
        self.used_triggers: set[str] = set()
        self.expired_triggers: set[str] = set()
        self._faults: list[Fault] = []
        self._lost: list[LostAnswer] = []
        self.socket_mode_url = ""  # what apps.connections.open hands out
        self._kills: list[tuple[str, Callable[[dict[str, Any]], bool], Callable[[], int]]] = []
        self._holds: dict[str, Hold] = {}
        self.uploads: dict[str, dict[str, Any]] = {}  # file id → name, bytes, where it was shared
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._caller = BOT_USER  # whose token the call being answered carries
        self.add_user(BOT_USER, name="crisisbot", is_bot=True)
        self.general = self.add_channel("general", members=set())
        self.add_user(TOKEN_USER, name="admin")
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    # Lifecycle and addresses

    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def url(self) -> str:
        """The Web API base URL for SLACK_API_URL."""
        return f"{self.base}/api/"

    def response_url(self) -> str:
        return f"{self.base}/respond/{next(self._ids)}"

    # Test set-up

    def add_user(
        self,
        user_id: str,
        *,
        name: str = "",
        locale: str = "en-US",
        tz: str = "Europe/Amsterdam",
        is_bot: bool = False,
        deleted: bool = False,
        team: str = TEAM,
        external: bool = False,
    ) -> str:
        """A person (or bot) Slack knows. `team` other than TEAM: someone in another workspace
        of the organisation (Grid ids start with W); `external`: a Slack Connect person from
        another organisation."""
        self.users[user_id] = {
            "id": user_id,
            "team_id": team,
            "is_stranger": external,
            "name": name or user_id.lower(),
            "real_name": name or user_id,
            "is_bot": is_bot,
            "deleted": deleted,
            "locale": locale,
            "tz": tz,
        }
        if not is_bot:
            for channel in self.channels.values():
                if channel.name == "general":
                    channel.members.add(user_id)
        return user_id

    def add_channel(
        self, name: str, *, members: set[str], private: bool = False, archived: bool = False, creator: str = ""
    ) -> Channel:
        channel = Channel(
            id=f"C{next(self._ids):08d}",
            name=name,
            is_private=private,
            members=set(members),
            archived=archived,
            creator=creator,
        )
        self.channels[channel.id] = channel
        return channel

    def fail(
        self,
        method: str,
        error: str,
        *,
        times: int = 1,
        status: int = 200,
        retry_after: int | None = None,
        when: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        """Make the next `times` calls of `method` (matching `when`) fail with `error`."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        self._faults.append(Fault(method, error, times, status, headers, when))

    def hold(self, method: str) -> Hold:
        """Make calls of `method` wait until the test releases them (see Hold)."""
        self._holds[method] = Hold()
        return self._holds[method]

    def lose_answer(
        self,
        method: str,
        *,
        times: int = 1,
        late: float | None = None,
        when: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        """Carry out the next `times` calls of `method` (matching `when`) as Slack does, then lose
        the answer: the connection drops without one or, with `late`, it is sent `late` seconds
        later, after the client's timeout. The client sees a connection error; Slack has the
        message posted, the channel created."""
        self._lost.append(LostAnswer(method, times, late, when))

    def answer_lost(self, method: str, args: dict[str, Any], body: dict[str, Any]) -> LostAnswer | None:
        """The rule that loses the answer to this call, if one applies (the call succeeded)."""
        with self._lock:
            for rule in self._lost:
                if (
                    rule.method == method
                    and rule.times > 0
                    and body.get("ok")
                    and (rule.when is None or rule.when(args))
                ):
                    rule.times -= 1
                    return rule
        return None

    def kill_after(
        self, method: str, pid: Callable[[], int], when: Callable[[dict[str, Any]], bool] | None = None
    ) -> None:
        """SIGKILL the bot process the next time it calls `method` (matching `when`): after Slack
        did what was asked, before the bot hears back. The worst moment to die."""
        self._kills.append((method, when or (lambda args: True), pid))

    # Reading what happened

    @property
    def kills_pending(self) -> int:
        """How many `kill_after` rules have not fired yet."""
        with self._lock:
            return len(self._kills)

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [c.args for c in self.calls if c.method == method]

    def count(self, method: str) -> int:
        return len(self.calls_to(method))

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Wait until `predicate()` is truthy (re-checked after every call), and return it."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                result = predicate()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out waiting; calls so far: {[c.method for c in self.calls]}")
                self._changed.wait(remaining)

    def channel_named(self, prefix: str) -> Channel | None:
        for channel in self.channels.values():
            if channel.name.startswith(prefix):
                return channel
        return None

    def message(self, channel_id: str, ts: str) -> dict[str, Any]:
        """A copy of a message as it is now (later updates do not change the copy)."""
        with self._lock:
            for message in self.channels[channel_id].messages:
                if message["ts"] == ts:
                    return copy.deepcopy(message)
        raise KeyError(ts)

    def message_event(
        self,
        channel_id: str,
        *,
        text: str = "",
        user: str | None = None,
        bot: str | None = None,
        username: str | None = None,
        subtype: str | None = None,
        attachments: list[dict[str, Any]] | None = None,
        blocks: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Someone (a person, or another app's bot: `bot` is its bot id) posts in a channel:
        the message is stored and the `message` event Slack would deliver is returned.
        Legacy integrations and incoming webhooks post `subtype: bot_message` with a
        `username`; apps posting with their own token send no subtype but a `bot_id`."""
        with self._lock:
            channel = self.channels[channel_id]
            ts = self._ts()
            event: dict[str, Any] = {"type": "message", "channel": channel_id, "text": text, "ts": ts, "event_ts": ts}
            event["channel_type"] = "group" if channel.is_private else "channel"
            if subtype:
                event["subtype"] = subtype
            if user:
                event["user"] = user
            if bot:
                event["bot_id"] = bot
                event["bot_profile"] = {"id": bot, "name": username or "app", "app_id": "A" + bot[1:], "team_id": TEAM}
            if username:
                event["username"] = username
            if attachments is not None:
                event["attachments"] = attachments
            if blocks is not None:
                event["blocks"] = blocks
            event["team"] = TEAM
            channel.messages.append({**event, "thread_ts": None, "metadata": None})
            return event

    def dm_messages(self, user_id: str) -> list[dict[str, Any]]:
        return [m for c in self.channels.values() if c.is_im and user_id in c.members for m in c.messages]

    # Serving

    def handle(self, method: str, args: dict[str, Any], auth: str | None) -> tuple[int, dict[str, str], dict[str, Any]]:
        started = time.time()
        if self.latency:
            time.sleep(self.latency)
        hold = self._holds.get(method)
        if hold is not None:
            self._wait_while_held(hold)
        with self._changed:
            self.calls.append(Call(method, args, time.time(), started))
            try:
                self._caller = self._authenticate(method, auth)
                self._inject_fault(method, args)
                if method in LIST_METHODS and int(args.get("limit") or 0) > LIST_LIMIT:
                    self.violations.append(f"{method} with limit {args['limit']} (at most {LIST_LIMIT})")
                    raise SlackFault("invalid_limit")
                handler = getattr(self, "_" + method.replace(".", "_"), None)
                if handler is None:
                    self.violations.append(f"unknown method {method}")
                    raise SlackFault("unknown_method")
                result = {"ok": True, **handler(args)}
                self._kill_if_asked(method, args)
                return 200, {}, result
            except SlackFault as fault:
                return fault.status, fault.headers, {"ok": False, "error": fault.error, **fault.extra}
            finally:
                self._changed.notify_all()

    def _wait_while_held(self, hold: Hold) -> None:
        with self._changed:
            hold.waiting += 1
            self._changed.notify_all()
        hold.release.wait(HOLD_SECONDS)
        with self._changed:
            hold.waiting -= 1

    def record_upload(self, file_id: str, content: bytes) -> None:
        with self._changed:
            self.uploads[file_id]["content"] = content
            self._changed.notify_all()

    def record_response(self, path: str, body: dict[str, Any]) -> None:
        with self._changed:
            self._check_message(body, "response_url")
            self.responses.append({"url": f"{self.base}{path}", **body})
            self._changed.notify_all()

    def _authenticate(self, method: str, auth: str | None) -> str:
        """Whose token the call carries (the bot's, or TOKEN_USER's user token)."""
        if method == "apps.connections.open":
            if auth != f"Bearer {APP_TOKEN}":
                raise SlackFault("invalid_auth")
            return BOT_USER
        callers = {f"Bearer {TOKEN}": BOT_USER, f"Bearer {USER_TOKEN}": TOKEN_USER}
        if auth not in callers:
            raise SlackFault("invalid_auth")
        if callers[auth] == TOKEN_USER and method not in USER_TOKEN_METHODS:
            self.violations.append(f"{method} called with the user token: it acts as a person")
        return callers[auth]

    def _kill_if_asked(self, method: str, args: dict[str, Any]) -> None:
        for rule in list(self._kills):
            if rule[0] == method and rule[1](args):
                self._kills.remove(rule)
                os.kill(rule[2](), signal.SIGKILL)

    def _inject_fault(self, method: str, args: dict[str, Any]) -> None:
        for fault in self._faults:
            if fault.method == method and fault.times > 0 and (fault.when is None or fault.when(args)):
                fault.times -= 1
                raise SlackFault(fault.error, fault.status, fault.headers)

    def _check_message(self, args: dict[str, Any], method: str) -> None:
        blocks = args.get("blocks")
        if blocks is not None and self.validate:
            try:
                if len(blocks) > 50:
                    raise BlockKitError("more than 50 blocks")
                check_blocks(blocks)
            except BlockKitError as error:
                self.violations.append(f"{method}: {error}")
                raise SlackFault("invalid_blocks") from error
        if not (args.get("text") or "").strip():
            self.violations.append(f"{method}: no text fallback")
            raise SlackFault("no_text")
        for key in ("link_names", "parse"):
            if args.get(key) not in (None, False, "none", "0", 0):
                self.violations.append(f"{method}: {key}={args[key]!r} turns user text into mentions")

    def _channel(self, args: dict[str, Any], *, writable: bool = True, member: bool = True) -> Channel:
        channel = self.channels.get(args.get("channel", ""))
        if channel is None:
            raise SlackFault("channel_not_found")
        if writable and channel.archived:
            raise SlackFault("is_archived")
        if member and self._caller not in channel.members:
            raise SlackFault("channel_not_found" if channel.is_private else "not_in_channel")  # Slack hides it
        return channel

    def _ts(self) -> str:
        return f"{int(time.time())}.{next(self._ids):06d}"

    # Web API methods (a subset, with Slack's behaviour)

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "user_id": BOT_USER,
            "bot_id": "B0000001",
            "team_id": TEAM,
            "team": "Acme",
            "user": "crisisbot",
            "url": "https://acme.slack.com/",
        }

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.socket_mode_url}

    def _conversations_create(self, args: dict[str, Any]) -> dict[str, Any]:
        name = args.get("name") or ""
        if not name:
            raise SlackFault("invalid_name_required")
        if len(name) > 80:
            raise SlackFault("invalid_name_maxlength")
        if not CHANNEL_NAME.fullmatch(name):
            raise SlackFault("invalid_name_specials")
        if any(c.name == name for c in self.channels.values()):
            raise SlackFault("name_taken")
        private = str(args.get("is_private")).lower() in ("true", "1")
        channel = self.add_channel(name, members={BOT_USER}, private=private, creator=BOT_USER)
        return {"channel": {**self._conversation(channel), "is_channel": True}}

    def _conversation(self, channel: Channel) -> dict[str, Any]:
        return {
            "id": channel.id,
            "name": channel.name,
            "is_private": channel.is_private,
            "is_archived": channel.archived,
            "creator": channel.creator,
            "created": channel.created,
        }

    def _set_text(self, args: dict[str, Any], attribute: str) -> dict[str, Any]:
        channel = self._channel(args)
        text = args.get(attribute) or ""
        if len(text) > 250:
            raise SlackFault("too_long")
        setattr(channel, attribute, text)
        return {"channel": {"id": channel.id, attribute: {"value": text}}}

    def _conversations_setTopic(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._set_text(args, "topic")

    def _conversations_setPurpose(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._set_text(args, "purpose")

    def _conversations_invite(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        users = [u for u in (args.get("users") or "").split(",") if u]
        if not users:
            raise SlackFault("no_user")
        if len(users) > 100:
            self.violations.append("conversations.invite with more than 100 users")
            raise SlackFault("too_many_users")
        errors = [error for error in (self._invite_error(channel, user) for user in users) if error]
        if errors:  # one person at fault fails the whole call, and Slack names one error
            raise SlackFault(errors[0])
        channel.members.update(users)
        return {"channel": {"id": channel.id}}

    def _limit(self, args: dict[str, Any], default: int = 100) -> int:
        """A list method's `limit`: Slack answers `invalid_limit` past 999."""
        limit = int(args.get("limit") or default)
        if not 1 <= limit <= 999:
            self.violations.append(f"limit={limit}: Slack allows 1 to 999")
            raise SlackFault("invalid_limit")
        return limit

    def _invite_error(self, channel: Channel, user: str) -> str | None:
        """Why Slack refuses to add this person to this channel (None: it would add them)."""
        person = self.users.get(user)
        if user == self._caller:
            return "cant_invite_self"
        if person is None or person["deleted"]:
            return "user_not_found"
        if user in channel.members:
            return "already_in_channel"
        if person["is_stranger"]:
            return "no_external_invite_permission"
        if person["team_id"] != TEAM:
            return "org_user_not_in_team"
        return None

    def _conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args, writable=False, member=False)
        if channel.is_private and BOT_USER not in channel.members:
            raise SlackFault("channel_not_found")  # a private channel is invisible to a bot outside it
        members = sorted(channel.members)
        start = int(args.get("cursor") or 0)
        limit = self._limit(args)
        page = members[start : start + limit]
        cursor = str(start + limit) if start + limit < len(members) else ""
        return {"members": page, "response_metadata": {"next_cursor": cursor}}

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args, writable=False)
        oldest = float(args.get("oldest") or 0)
        newest_first = [
            m
            for m in reversed(channel.messages)
            if float(m["ts"]) >= oldest and (not m["thread_ts"] or m.get("reply_broadcast"))
        ]
        start = int(args.get("cursor") or 0)
        limit = int(args.get("limit") or 100)
        page = newest_first[start : start + limit]
        with_metadata = str(args.get("include_all_metadata")).lower() in ("true", "1")
        shown = [{k: v for k, v in m.items() if k != "metadata" or with_metadata} for m in page]
        more = start + limit < len(newest_first)
        return {
            "messages": shown,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _users_conversations(self, args: dict[str, Any]) -> dict[str, Any]:
        self._limit(args)
        mine = [
            self._conversation(c)
            for c in self.channels.values()
            if BOT_USER in c.members
            and not c.is_im
            and not (c.archived and str(args.get("exclude_archived")).lower() in ("true", "1"))
        ]
        start = int(args.get("cursor") or 0)
        limit = int(args.get("limit") or 100)
        cursor = str(start + limit) if start + limit < len(mine) else ""
        return {"channels": mine[start : start + limit], "response_metadata": {"next_cursor": cursor}}

    def _conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args, writable=False)
        parent = args.get("ts")
        oldest = float(args.get("oldest") or 0)
        thread = [
            m for m in channel.messages if (m["ts"] == parent or m["thread_ts"] == parent) and float(m["ts"]) >= oldest
        ]
        if not any(m["ts"] == parent for m in channel.messages):
            raise SlackFault("thread_not_found")
        with_metadata = str(args.get("include_all_metadata")).lower() in ("true", "1")
        return {
            "messages": [{k: v for k, v in m.items() if k != "metadata" or with_metadata} for m in thread],
            "has_more": False,
        }

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"channel": {"id": self._im_for(args.get("users", "")).id}}

    def _conversations_archive(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args, writable=False)
        if channel.archived:
            raise SlackFault("already_archived")
        channel.archived = True
        channel.former_members, channel.members = channel.members, set()  # everyone, the bot too
        return {}

    def _conversations_unarchive(self, args: dict[str, Any]) -> dict[str, Any]:
        """A bot is never a member of an archived channel, so its token always gets
        `not_in_channel`; a person's token unarchives (a private channel only if they were in
        it) and makes them its only member."""
        channel = self._channel(args, writable=False, member=False)
        if self._caller == BOT_USER and (channel.archived or BOT_USER not in channel.members):
            raise SlackFault("not_in_channel")
        if not channel.archived:
            raise SlackFault("not_archived")
        if channel.is_private and self._caller not in channel.former_members:
            raise SlackFault("channel_not_found")
        channel.archived = False
        channel.members = {self._caller}
        return {}

    def _conversations_leave(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args, member=False)
        if self._caller not in channel.members:
            return {"not_in_channel": True}
        channel.members.discard(self._caller)
        return {}

    def _conversations_join(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args, member=False)
        if channel.is_private:
            raise SlackFault("method_not_supported_for_channel_type")
        channel.members.add(BOT_USER)
        return {"channel": {"id": channel.id}}

    def _files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("filename") or not int(args.get("length") or 0):
            raise SlackFault("invalid_arguments")
        file_id = f"F{next(self._ids):08d}"
        self.uploads[file_id] = {"name": args["filename"], "length": int(args["length"]), "content": None}
        return {"upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}

    def _files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        """The last step of the v2 upload flow: every file must have been uploaded to its URL,
        with as many bytes as announced; sharing to a thread needs the thread's parent."""
        files = args.get("files") or []
        if not files:
            raise SlackFault("invalid_arguments")
        for f in files:
            upload = self.uploads.get(f.get("id"))
            if upload is None or upload["content"] is None:
                raise SlackFault("file_not_found")
            if len(upload["content"]) != upload["length"]:
                self.violations.append(
                    f"files.completeUploadExternal: {upload['length']} bytes announced, {len(upload['content'])} sent"
                )
                raise SlackFault("file_upload_size_mismatch")
        thread_ts = args.get("thread_ts") or None
        channel = self._channel({"channel": args["channel_id"]}) if args.get("channel_id") else None
        if thread_ts and (channel is None or not any(m["ts"] == thread_ts for m in channel.messages)):
            raise SlackFault("thread_not_found")
        for f in files:
            self.uploads[f["id"]].update(
                title=f.get("title"),
                channel=args.get("channel_id"),
                comment=args.get("initial_comment"),
                thread_ts=thread_ts,
            )
        if channel is not None:
            channel.messages.append(
                {
                    "ts": self._ts(),
                    "user": BOT_USER,
                    "text": args.get("initial_comment") or "",
                    "blocks": [],
                    "thread_ts": thread_ts,
                    "metadata": None,
                    "channel": channel.id,
                    "files": [f["id"] for f in files],
                }
            )
        return {"files": [{"id": f["id"], "title": f.get("title")} for f in files]}

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"channel": self._conversation(self._channel(args, writable=False, member=False))}

    def _im_for(self, user: str) -> Channel:
        if user not in self.users or self.users[user]["deleted"]:
            raise SlackFault("user_not_found")
        for channel in self.channels.values():
            if channel.is_im and channel.members == {BOT_USER, user}:
                return channel
        channel = Channel(
            id=f"D{next(self._ids):08d}", name=f"dm-{user}", is_private=True, members={BOT_USER, user}, is_im=True
        )
        self.channels[channel.id] = channel
        return channel

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        self._check_message(args, "chat.postMessage")
        target = args.get("channel", "")
        channel = self._im_for(target) if target.startswith(("U", "W")) else self._channel(args)
        thread_ts = args.get("thread_ts")
        if thread_ts and not any(m["ts"] == thread_ts for m in channel.messages):
            raise SlackFault("thread_not_found")
        message = {
            "ts": self._ts(),
            "user": BOT_USER,
            "text": args.get("text"),
            "blocks": args.get("blocks") or [],
            "thread_ts": thread_ts,
            "reply_broadcast": bool(thread_ts) and str(args.get("reply_broadcast")).lower() in ("true", "1"),
            "metadata": args.get("metadata"),
            "channel": channel.id,
        }
        channel.messages.append(message)
        return {"channel": channel.id, "ts": message["ts"], "message": message}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        self._check_message(args, "chat.update")
        channel = self._channel(args, member=False)
        message = next((m for m in channel.messages if m["ts"] == args.get("ts")), None)
        if message is None:
            raise SlackFault("message_not_found")
        message.update(text=args.get("text"), blocks=args.get("blocks") or [])
        return {"channel": channel.id, "ts": message["ts"], "text": message["text"]}

    def _chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        self._check_message(args, "chat.postEphemeral")
        channel = self._channel(args)
        if args.get("user") not in channel.members:
            raise SlackFault("user_not_in_channel")
        return {"message_ts": self._ts()}

    def _pins_add(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        ts = args.get("timestamp")
        if not any(m["ts"] == ts for m in channel.messages):
            raise SlackFault("message_not_found")
        if ts in channel.pins:
            raise SlackFault("already_pinned")
        channel.pins.append(ts)  # type: ignore[arg-type]
        return {}

    def _open_or_push(self, args: dict[str, Any]) -> dict[str, Any]:
        trigger = args.get("trigger_id") or ""
        if not trigger or trigger in self.expired_triggers:
            raise SlackFault("expired_trigger_id")
        if trigger in self.used_triggers:
            raise SlackFault("exchanged_trigger_id")
        self.used_triggers.add(trigger)
        return {"view": self._store_view(f"V{next(self._ids):08d}", args)}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._open_or_push(args)

    def _views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._open_or_push(args)

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view_id = args.get("view_id") or ""
        if view_id not in self.views:
            raise SlackFault("not_found")
        if args.get("hash") and args["hash"] != self.views[view_id]["hash"]:
            raise SlackFault("hash_conflict")  # the view changed since the caller read it
        return {"view": self._store_view(view_id, args)}

    def _store_view(self, view_id: str, args: dict[str, Any]) -> dict[str, Any]:
        view = dict(args.get("view") or {})
        try:
            if self.validate:
                check_blocks(view.get("blocks") or [])
        except BlockKitError as error:
            self.violations.append(f"view: {error}")
            raise SlackFault("invalid_arguments") from error
        view.update(id=view_id, hash=f"h{next(self._ids)}", team_id=TEAM, app_id="A0000001", bot_id="B0000001")
        self.views[view_id] = view
        return view

    def _usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        group = args.get("usergroup", "")
        if group not in self.usergroups:
            raise SlackFault("no_such_subteam")
        return {"users": list(self.usergroups[group])}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(args.get("user", ""))
        if user is None:
            raise SlackFault("user_not_found")
        shown = dict(user)
        if str(args.get("include_locale")).lower() not in ("true", "1"):
            shown.pop("locale")
        return {"user": shown}


class _Server(ThreadingHTTPServer):
    request_queue_size = 1024  # bursts from several bot processes must not overflow the backlog


def _handler_for(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib's name)
            pass

        def do_POST(self) -> None:  # noqa: N802 (stdlib's name)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if len(raw) < length:  # the sender died mid-request (a test killed it): Slack never got it
                self.close_connection = True
                return
            if self.path.startswith("/respond/"):
                fake.record_response(self.path, json.loads(raw or b"{}"))
                self._send(200, {}, b"ok", "text/plain")
                return
            if self.path.startswith("/upload/"):
                fake.record_upload(self.path.removeprefix("/upload/"), raw)
                self._send(200, {}, f"OK - {len(raw)}".encode(), "text/plain")
                return
            method = self.path.removeprefix("/api/").split("?")[0]
            args = _parse(raw, self.headers.get("Content-Type", ""))
            status, headers, body = fake.handle(method, args, self.headers.get("Authorization"))
            lost = fake.answer_lost(method, args, body)
            if lost is not None and lost.late is None:
                self.close_connection = True  # no answer at all: the client sees the connection drop
                return
            if lost is not None:
                time.sleep(lost.late)  # long after the client gave up waiting
            self._send(status, headers, json.dumps(body).encode(), "application/json")

        def _send(self, status: int, headers: dict[str, str], body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the bot process went away (a test stopped or killed it)

    return Handler


def _parse(raw: bytes, content_type: str) -> dict[str, Any]:
    if "json" in content_type:
        return json.loads(raw or b"{}")
    args: dict[str, Any] = {k: v[-1] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
    for key in JSON_ARGS:
        if isinstance(args.get(key), str):
            args[key] = json.loads(args[key])
    return args
