"""Configuration checks and the language fallback chain."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.config import Config, ConfigError
from bot.model import Category, Crisis, Severity, Status
from bot.rules.updates import stakeholder_channels
from bot.words.locales import LANGUAGES, resolve
from tests.conftest import ANA

GOOD = {"SLACK_BOT_TOKEN": "xoxb-1-abc", "SLACK_SIGNING_SECRET": "abcdef0123456789abcdef0123456789"}


def test_defaults():
    config = Config.from_env(GOOD)
    assert (config.port, config.db_path, config.socket_mode) == (3000, "./crisis.db", False)
    assert config.api_url == "https://slack.com/api/"


def test_the_volume_settings_are_read_and_default_sensibly():
    config = Config.from_env(GOOD)
    assert (config.listening_channel, config.watch_keywords, config.mentions_webhook_secret) == (None, (), None)
    assert (config.spike_factor, config.spike_min_mentions, config.baseline_hours, config.calm_hours) == (
        3.0,
        20,
        24,
        6,
    )
    config = Config.from_env(
        {
            **GOOD,
            "LISTENING_CHANNEL": "C0BRAND01",
            "WATCH_KEYWORDS": " Acme , #acmefail,Acme ",
            "WATCH_FEEDS": "https://news.example/acme.rss, https://mastodon.example/tags/acme.rss",
            "SPIKE_FACTOR": "2.5",
        }
    )
    assert config.listening_channel == "C0BRAND01" and config.watch_keywords == ("Acme", "#acmefail")
    assert config.watch_feeds == ("https://news.example/acme.rss", "https://mastodon.example/tags/acme.rss")
    assert config.spike_factor == 2.5


def test_socket_mode_needs_no_signing_secret():
    config = Config.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1-A-2"})
    assert config.socket_mode and config.signing_secret is None


def test_the_user_token_is_optional_and_never_shown():
    assert Config.from_env(GOOD).user_token is None
    config = Config.from_env({**GOOD, "SLACK_USER_TOKEN": "xoxp-123-456-abc"})
    assert config.user_token == "xoxp-123-456-abc" and "xoxp-123-456-abc" not in repr(config)


def test_api_url_override_gets_a_trailing_slash():
    assert (
        Config.from_env({**GOOD, "SLACK_API_URL": "https://slack-gov.com/api"}).api_url == "https://slack-gov.com/api/"
    )


@pytest.mark.parametrize(
    "bad",
    [
        {"SLACK_BOT_TOKEN": ""},
        {"SLACK_BOT_TOKEN": "xoxp-user"},
        {"SLACK_SIGNING_SECRET": " "},
        {"PORT": "0"},
        {"SLACK_API_URL": "slack.com"},
        {"LOG_LEVEL": "loud"},
        {"LISTENING_CHANNEL": "#brand-alerts"},
        {"WATCH_FEEDS": "https://ok.example/feed, ftp://old.example/feed"},
        {"WATCH_KEYWORDS": "Acme, " + "x" * 101},
        {"MENTIONS_WEBHOOK_SECRET": "short"},
        {"SPIKE_FACTOR": "1"},
        {"SPIKE_FACTOR": "lots"},
        {"SPIKE_MIN_MENTIONS": "0"},
        {"CALM_HOURS": "0"},
        {"FEED_POLL_MINUTES": "0"},
        {"SLACK_USER_TOKEN": "xoxb-a-bot-token"},
        {"SLACK_USER_TOKEN": "xoxp-has spaces"},
        {"STAKEHOLDER_CHANNELS": "urgent=C0123"},
        {"STAKEHOLDER_CHANNELS": "critical=c0123"},
        {"STAKEHOLDER_CHANNELS": "high=C0123;high=C0456"},
        {"STAKEHOLDER_CHANNELS": "C0123"},
        {"STAKEHOLDER_CHANNELS": "low="},
        {"UPDATE_REMINDER_MINUTES": "0"},
        {"DELIVERY_THREADS": "1000"},
    ],
)
def test_bad_values_raise_one_line(bad):
    with pytest.raises(ConfigError) as error:
        Config.from_env({**GOOD, **bad})
    assert "\n" not in str(error.value) and list(bad)[0] in str(error.value)


@pytest.mark.parametrize(
    ("requested", "chosen"),
    [
        (("fy-NL",), "fy"),
        (("pt-BR",), "pt-BR"),
        (("pt-PT",), "pt-BR"),
        (("zh-CN",), "zh-Hans"),
        (("zh-Hans",), "zh-Hans"),
        (("nl-BE",), "nl"),
        (("ja-JP",), "en"),
        ((None, "de-AT"), "de"),
        (("", None), "en"),
        (("not a tag",), "en"),
    ],
)
def test_language_chain(requested, chosen):
    assert resolve(*requested) == chosen


def test_frisian_falls_back_to_dutch_before_english():
    assert resolve("fy-NL", available={"en", "nl"}) == "nl"


def test_default_comes_before_english():
    assert resolve("ja", default="id") == "id"


def test_every_language_resolves_to_itself():
    for language in LANGUAGES:
        assert resolve(language.tag) == language.tag


def test_env_example_documents_every_variable_the_bot_reads():
    from pathlib import Path

    read: set[str] = set()

    class Recording(dict):
        def get(self, key, default=None):
            read.add(key)
            return super().get(key, default)

    Config.from_env(Recording(GOOD))
    Config.from_env(Recording({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}))
    example = Path(__file__).resolve().parent.parent / ".env.example"
    documented = {
        line.split("=", 1)[0] for line in example.read_text().splitlines() if "=" in line and not line.startswith("#")
    }
    assert read <= documented, f"undocumented in .env.example: {sorted(read - documented)}"


def test_stakeholder_channels_by_severity_with_a_default_and_their_own_for_private_crises():
    config = Config.from_env(
        {**GOOD, "STAKEHOLDER_CHANNELS": " critical=C0001, C0002 ; HIGH=C0003;*=C0004;private=G0005 "}
    )
    assert config.stakeholder_channels == {
        "critical": ("C0001", "C0002"),
        "high": ("C0003",),
        "*": ("C0004",),
        "private": ("G0005",),
    }
    crisis = Crisis(1, "t", Category.TROLLING, Severity.CRITICAL, ANA, ANA, Status.OPEN, 0, channel_id="C0002")
    assert stakeholder_channels(config.stakeholder_channels, crisis) == ("C0001",)  # never its own war room again
    assert stakeholder_channels(config.stakeholder_channels, replace(crisis, severity=Severity.LOW)) == ("C0004",)
    assert stakeholder_channels(config.stakeholder_channels, replace(crisis, is_private=True)) == ("G0005",)
    assert stakeholder_channels({}, crisis) == ()
    assert (config.update_reminder_minutes, config.delivery_threads) == (10, 50)
