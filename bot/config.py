"""Configuration read once from the environment (and `.env`), validated before anything starts.

Every variable is documented in `.env.example`. A bad value stops start-up with one line that
says what to set: a crisis bot that half-starts is worse than one that refuses to start.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError

from bot.model import Severity

DEFAULT_API_URL = "https://slack.com/api/"


class ConfigError(ValueError):
    """A variable is missing or malformed; the message is one line meant for the operator."""


@dataclass(frozen=True)
class Config:
    bot_token: str
    signing_secret: str | None
    app_token: str | None
    # A person's token, only to unarchive a reopened crisis's war room (a bot token cannot).
    user_token: str | None = field(repr=False)
    api_url: str
    slack_timeout_seconds: int
    port: int
    db_path: str
    log_level: str
    http_threads: int
    web_concurrency: int
    worker_threads: int
    urgent_threads: int
    ack_sla_minutes: int
    stall_hours: int
    scheduler_seconds: int
    brand_name: str
    default_locale: str
    team_locale: str  # the language war rooms' messages are in, unless a crisis sets its own
    digest_locale: str  # the language of the digest and of stakeholder updates
    templates_dir: Path | None
    support_contact: str
    senior_signer: str
    approvers: frozenset[str]
    admins: frozenset[str]
    responders: frozenset[str]
    digest_channel: str | None
    digest_time: time | None
    digest_tz: ZoneInfo
    digest_quiet: str
    stakeholder_channels: dict[str, tuple[str, ...]]
    update_reminder_minutes: int
    delivery_threads: int
    listening_channel: str | None = None
    watch_keywords: tuple[str, ...] = ()
    watch_feeds: tuple[str, ...] = ()
    mentions_webhook_secret: str | None = None
    feed_poll_minutes: int = 5
    spike_factor: float = 3.0
    spike_min_mentions: int = 20
    baseline_hours: int = 24
    calm_hours: int = 6

    @property
    def socket_mode(self) -> bool:
        """Socket Mode needs no public URL; it is chosen by setting SLACK_APP_TOKEN."""
        return self.app_token is not None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Config:
        """Build the config from environment variables, raising ConfigError on the first problem."""
        get = _Reader(env)
        bot_token = get.required("SLACK_BOT_TOKEN", "your app's Bot User OAuth Token (xoxb-…)", pattern=r"xoxb-[\w-]+")
        app_token = get.optional("SLACK_APP_TOKEN", pattern=r"xapp-[\w-]+", meaning="an app-level token (xapp-…)")
        user_token = get.optional(
            "SLACK_USER_TOKEN", pattern=r"xoxp-[\w-]+", meaning="a User OAuth Token (xoxp-…), not the bot's"
        )
        if app_token is None:
            signing_secret = get.required(
                "SLACK_SIGNING_SECRET",
                "your app's Signing Secret (Basic Information → App Credentials), needed in HTTP mode",
                pattern=r"[0-9a-fA-F]{16,128}",
            )
        else:
            signing_secret = get.optional(
                "SLACK_SIGNING_SECRET", pattern=r"[0-9a-fA-F]{16,128}", meaning="a hexadecimal signing secret"
            )
        api_url = get.optional("SLACK_API_URL", pattern=r"https?://\S+", meaning="an http(s) URL") or DEFAULT_API_URL
        if not api_url.endswith("/"):
            api_url += "/"
        default_locale = get.locale("DEFAULT_LOCALE", "en")
        team_locale = get.locale("TEAM_LOCALE", default_locale)
        return cls(
            bot_token=bot_token,
            signing_secret=signing_secret,
            app_token=app_token,
            user_token=user_token,
            api_url=api_url,
            slack_timeout_seconds=get.integer("SLACK_TIMEOUT_SECONDS", 15, 1, 120),
            port=get.integer("PORT", 3000, 1, 65535),
            db_path=get.optional("CRISIS_DB_PATH") or "./crisis.db",
            log_level=(
                get.optional(
                    "LOG_LEVEL", pattern=r"(?i)debug|info|warning|error", meaning="DEBUG, INFO, WARNING or ERROR"
                )
                or "INFO"
            ).upper(),
            # Per worker process. A process runs one thread at a time (the GIL), and an ack waits
            # for nothing but, now and then, a database lock: with two, one can wait while the
            # other works. More only make the requests a worker has taken wait for the GIL in no
            # particular order, where otherwise they wait in the listen queue, oldest first
            # (web.worker): /crisis status with 20 clients back to back had a p99 about a third
            # lower with 2 than with 16 (bench/side_by_side.py).
            http_threads=get.integer("HTTP_THREADS", 2, 1, 256),
            web_concurrency=get.integer("WEB_CONCURRENCY", 2, 1, 64),
            worker_threads=get.integer("WORKER_THREADS", 64, 1, 512),
            urgent_threads=get.integer("URGENT_THREADS", 64, 1, 512),
            ack_sla_minutes=get.integer("ACK_SLA_MINUTES", 60, 1, 7 * 24 * 60),
            stall_hours=get.integer("STALL_HOURS", 24, 1, 30 * 24),
            scheduler_seconds=get.integer("SCHEDULER_SECONDS", 30, 1, 3600),
            brand_name=get.optional(
                "BRAND_NAME", pattern=r"[^\n]{1,100}", meaning="your brand's name as customers know it"
            )
            or "",
            default_locale=default_locale,
            team_locale=team_locale,
            digest_locale=get.locale("DIGEST_LOCALE", team_locale),
            templates_dir=get.folder("TEMPLATES_DIR"),
            support_contact=get.optional(
                "SUPPORT_CONTACT", pattern=r"[^\n]{1,200}", meaning="an e-mail address, phone number or page"
            )
            or "",
            senior_signer=get.optional(
                "SENIOR_SIGNER", pattern=r"[^\n]{1,100}", meaning="a name and role, e.g. Anna de Vries, CEO"
            )
            or "",
            approvers=get.people("CRISIS_APPROVERS"),
            admins=get.people("CRISIS_ADMINS"),
            responders=get.people("CRISIS_RESPONDERS"),
            digest_channel=get.optional(
                "DIGEST_CHANNEL",
                pattern=r"[CG][A-Z0-9]{2,}",
                meaning="a channel id such as C0123456789 (channel details → About)",
            ),
            digest_time=get.clock_time("DIGEST_TIME", time(9, 0)),
            digest_tz=get.zone("DIGEST_TZ"),
            digest_quiet=(
                get.optional("DIGEST_QUIET", pattern=r"(?i)post|skip", meaning="post or skip") or "post"
            ).lower(),
            stakeholder_channels=get.channels_by_severity("STAKEHOLDER_CHANNELS"),
            update_reminder_minutes=get.integer("UPDATE_REMINDER_MINUTES", 10, 1, 240),
            delivery_threads=get.integer("DELIVERY_THREADS", 50, 1, 256),
            listening_channel=get.optional(
                "LISTENING_CHANNEL",
                pattern=r"[CG][A-Z0-9]{2,}",
                meaning="the id of the channel your listening tools post to, such as C0123456789",
            ),
            watch_keywords=get.words("WATCH_KEYWORDS"),
            watch_feeds=get.addresses("WATCH_FEEDS"),
            mentions_webhook_secret=get.optional(
                "MENTIONS_WEBHOOK_SECRET", pattern=r"\S{16,256}", meaning="a random secret of at least 16 characters"
            ),
            feed_poll_minutes=get.integer("FEED_POLL_MINUTES", 5, 1, 24 * 60),
            spike_factor=get.number("SPIKE_FACTOR", 3.0, 1.1, 100.0),
            spike_min_mentions=get.integer("SPIKE_MIN_MENTIONS", 20, 1, 1_000_000),
            baseline_hours=get.integer("BASELINE_HOURS", 24, 1, 30 * 24),
            calm_hours=get.integer("CALM_HOURS", 6, 1, 7 * 24),
        )


class _Reader:
    """Reads and checks one variable at a time so every error message has the same shape."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env

    def _raw(self, name: str) -> str | None:
        value = self._env.get(name)
        if value is None:
            return None
        value = value.strip()
        return value or None

    def required(self, name: str, meaning: str, *, pattern: str) -> str:
        value = self._raw(name)
        if value is None:
            raise ConfigError(f"{name} is not set: set it in the environment or in .env to {meaning}.")
        if not re.fullmatch(pattern, value):
            raise ConfigError(f"{name} looks malformed: set it to {meaning}.")
        return value

    def optional(self, name: str, *, pattern: str | None = None, meaning: str = "") -> str | None:
        value = self._raw(name)
        if value is not None and pattern is not None and not re.fullmatch(pattern, value):
            raise ConfigError(f"{name} looks malformed: set it to {meaning}, or leave it unset.")
        return value

    def locale(self, name: str, default: str) -> str:
        value = self._raw(name) or default
        try:
            Locale.parse(value.replace("_", "-"), sep="-")
        except (ValueError, UnknownLocaleError):
            raise ConfigError(f"{name} must be a language tag such as en, nl, fy or pt-BR (got {value!r}).") from None
        return value

    def folder(self, name: str) -> Path | None:
        value = self._raw(name)
        if value is None:
            return None
        if not Path(value).is_dir():
            raise ConfigError(f"{name} must be an existing folder (got {value!r}).")
        return Path(value)

    def people(self, name: str) -> frozenset[str]:
        """Comma-separated Slack user ids (U…, W…) and user-group ids (S…)."""
        ids = [part.strip() for part in (self._raw(name) or "").split(",") if part.strip()]
        bad = [i for i in ids if not re.fullmatch(r"[UWS][A-Z0-9]{2,}", i)]
        if bad:
            raise ConfigError(
                f"{name} must list Slack user ids (U…) or user-group ids (S…), comma-separated (got {bad[0]!r})."
            )
        return frozenset(ids)

    def channels_by_severity(self, name: str) -> dict[str, tuple[str, ...]]:
        """`critical=C1,C2;high=C3;*=C4;private=C5`: channel ids per severity, `*` for the
        severities not listed, `private` for private crises (which reach no other channel)."""
        keys = (*(s.value for s in Severity), "*", "private")
        found: dict[str, tuple[str, ...]] = {}
        for part in filter(None, (p.strip() for p in (self._raw(name) or "").split(";"))):
            key, equals, ids = (x.strip() for x in part.partition("="))
            channels = tuple(dict.fromkeys(c.strip() for c in ids.split(",") if c.strip()))
            if not equals or key.lower() not in keys or key.lower() in found:
                raise ConfigError(
                    f"{name} must read like critical=C0123,C0456;high=C0789;*=C0ABC;private=G0DEF, each of "
                    f"{', '.join(keys)} at most once (got {part!r})."
                )
            bad = [c for c in channels if not re.fullmatch(r"[CG][A-Z0-9]{2,}", c)] or ([] if channels else [ids])
            if bad:
                raise ConfigError(
                    f"{name} lists channel ids such as C0123456789 (channel details → About) for {key} (got {bad[0]!r})."
                )
            found[key.lower()] = channels
        return found

    def clock_time(self, name: str, default: time) -> time | None:
        """HH:MM on a 24-hour clock, or `off`."""
        value = self._raw(name)
        if value is None:
            return default
        if value.lower() == "off":
            return None
        match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value)
        if not match:
            raise ConfigError(f"{name} must be a time such as 09:00 (24-hour clock), or off (got {value!r}).")
        return time(int(match.group(1)), int(match.group(2)))

    def zone(self, name: str) -> ZoneInfo:
        value = self._raw(name) or "UTC"
        try:
            return ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"{name} must be an IANA time zone such as Europe/Amsterdam or Asia/Jakarta (got {value!r})."
            ) from None

    def words(self, name: str) -> tuple[str, ...]:
        """Comma-separated keywords or phrases, each at most 100 characters."""
        words = tuple(dict.fromkeys(part.strip() for part in (self._raw(name) or "").split(",") if part.strip()))
        if any(len(w) > 100 for w in words):
            raise ConfigError(f"{name} must list keywords of at most 100 characters each, comma-separated.")
        return words

    def addresses(self, name: str) -> tuple[str, ...]:
        """Comma-separated http(s) addresses (feeds)."""
        urls = tuple(dict.fromkeys(part.strip() for part in (self._raw(name) or "").split(",") if part.strip()))
        bad = [u for u in urls if not re.fullmatch(r"https?://[^\s/]+\S*", u) or len(u) > 2000]
        if bad:
            raise ConfigError(
                f"{name} must list feed addresses starting with https://, comma-separated (got {bad[0]!r})."
            )
        return urls

    def number(self, name: str, default: float, low: float, high: float) -> float:
        value = self._raw(name)
        if value is None:
            return default
        if not re.fullmatch(r"\d+(\.\d+)?", value) or not low <= float(value) <= high:
            raise ConfigError(f"{name} must be a number from {low:g} to {high:g} (got {value!r}).")
        return float(value)

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        value = self._raw(name)
        if value is None:
            return default
        if not re.fullmatch(r"\d+", value) or not low <= int(value) <= high:
            raise ConfigError(f"{name} must be a whole number from {low} to {high} (got {value!r}).")
        return int(value)
