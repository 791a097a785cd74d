"""What the team sees of the volume: the header's figures, the chart in the war room, the
spike alert that opens a crisis, the calm-down notice."""

from __future__ import annotations

import io
import re
import sqlite3
import struct
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from PIL import Image

from bot.flows import tracking
from bot.model import WATCH, Mention, Platform, Source
from bot.scheduler import tick
from bot.views.chart import HEIGHT, MILESTONE_RGB, WIDTH
from storage.database import StorageError
from tests.conftest import ANA, BOB, CAR, DAN
from tests.harness import Harness
from tests.slackclient import find_element
from tests.test_replies import draft_reply

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


@pytest.fixture
def clock_at_t0():
    with time_machine.travel(T0, tick=True) as traveller:
        yield traveller


def at(moment: datetime) -> int:
    return int(moment.timestamp())


def counts(bot, scope, per_hour: dict[datetime, int], *, source=Source.FEED, platform=Platform.NEWS, prefix="m"):
    """Stored mentions, `n` in the hour starting at each moment (spread over its first half)."""
    rows = [
        Mention(
            scope,
            f"{prefix}:{at(hour)}:{i}",
            at(hour) + i * 1800 // max(n, 1),
            source,
            platform,
            f"author{i % 3}",
            "Acme",
            f"https://example.com/{at(hour)}/{i}",
        )
        for hour, n in per_hour.items()
        for i in range(n)
    ]
    bot.services.mentions.add(rows)


def header(fake, crisis):
    return fake.message(crisis.channel_id, crisis.header_ts)


def volume_text(message) -> str:
    return next(b for b in message["blocks"] if b.get("block_id") == "volume")["text"]["text"]


def test_the_header_shows_the_last_hour_the_peak_times_normal_and_the_trend(bot, fake, clock_at_t0):
    crisis = bot.open_crisis("Double charges", user=ANA, keywords="double charge")
    assert volume_text(header(fake, crisis)) == "📈 No mentions counted yet."
    assert "Keywords: double charge · 0 feeds" in str(header(fake, crisis)["blocks"])
    updates = fake.count("chat.update")
    clock_at_t0.move_to(T0 + 10 * MINUTE)
    tick(bot.services)
    assert fake.count("chat.update") == updates  # nothing changed: nothing re-rendered
    counts(bot, crisis.id, {T0 - (24 - h) * HOUR: 78 for h in range(24)})  # normal: 78 an hour
    counts(bot, crisis.id, {T0 + 4 * HOUR: 540, T0 + 5 * HOUR + 30 * MINUTE: 312}, prefix="rise")
    clock_at_t0.move_to(T0 + 6 * HOUR + 5 * MINUTE)
    tick(bot.services)
    text = volume_text(header(fake, crisis))
    assert text.startswith("📈 *312* in the last hour · peak 540, <!date^" + str(at(T0 + 4 * HOUR)))
    assert text.endswith(" · 4.0 × normal · falling")

    updates = fake.count("chat.update")
    counts(bot, crisis.id, {T0 + 6 * HOUR: 5}, prefix="later")
    clock_at_t0.move_to(T0 + 6 * HOUR + 8 * MINUTE)
    tick(bot.services)
    assert fake.count("chat.update") == updates  # at most one volume update every 5 minutes
    clock_at_t0.move_to(T0 + 6 * HOUR + 11 * MINUTE)
    tick(bot.services)
    assert "*314* in the last hour" in volume_text(header(fake, crisis))  # 2 of the 5 are past


def test_the_header_waits_for_the_count_of_earlier_mentions(bot, fake, clock_at_t0, monkeypatch):
    """The count runs beside the channel's creation; a slow one still ends before the header."""
    clock_at_t0.move_to(T0 + 10 * MINUTE)
    counts(bot, WATCH, {T0 - 20 * MINUTE: 4})  # "Acme", in the last hour, before the crisis opened
    count = tracking.count_earlier

    def slow_count(*args, **kwargs):
        time.sleep(0.3)
        return count(*args, **kwargs)

    monkeypatch.setattr(tracking, "count_earlier", slow_count)
    crisis = bot.open_crisis("Acme parcels", user=ANA, keywords="Acme")
    assert "*4* in the last hour" in volume_text(header(fake, crisis))


@pytest.mark.parametrize(
    "error",
    [sqlite3.OperationalError("database is locked"), StorageError("the disk the bot's database is on is full")],
)
def test_a_count_the_database_was_too_busy_for_holds_no_set_up_task_back(bot, fake, clock_at_t0, monkeypatch, error):
    def busy(*args, **kwargs):
        raise error

    monkeypatch.setattr(tracking, "count_earlier", busy)
    crisis = bot.open_crisis("Acme parcels", user=ANA, keywords="Acme")
    assert crisis.header_ts and crisis.checklist_ts and fake.message(crisis.channel_id, crisis.header_ts)
    assert "count the mentions from before the crisis was opened" in crisis.setup_error
    assert fake.count("pins.add") == 1


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def _milestone_lines(image: Image.Image) -> int:
    """How many vertical lines of the milestone colour run down the chart."""
    pixels = image.convert("RGB").load()
    columns = [x for x in range(image.width) if sum(pixels[x, y] == MILESTONE_RGB for y in range(image.height)) > 150]
    return sum(1 for i, x in enumerate(columns) if i == 0 or x - columns[i - 1] > 1)


def test_the_volume_chart_is_a_png_with_the_milestones_in_the_header_thread(bot, fake, clock_at_t0):
    crisis = bot.open_crisis("Double charges", user=ANA, owner=BOB, keywords="double charge", language="en")
    counts(bot, crisis.id, {T0 - 2 * HOUR: 10, T0 - HOUR: 20, T0: 60, T0 + HOUR: 90, T0 + 2 * HOUR: 30})
    counts(bot, crisis.id, {T0: 25, T0 + HOUR: 40}, source=Source.LISTENING, platform=Platform.X, prefix="x")
    bot.services.mentions.add(
        [
            Mention(
                crisis.id,
                "evil",
                at(T0 + 2 * HOUR + 45 * MINUTE),
                Source.WEBHOOK,
                Platform.TIKTOK,
                "<!channel> @here",
                "Refund <@U1>",
                "https://tiktok.com/@a/1?x=<b>",
            )
        ]
    )
    clock_at_t0.move_to(T0 + 30 * MINUTE)
    bot.send.click(fake.message(crisis.channel_id, crisis.checklist_ts), "crisis.step.done#1", user=ANA)
    bot.settle()
    clock_at_t0.move_to(T0 + 90 * MINUTE)
    _, draft = draft_reply(bot, fake, crisis, ANA)
    bot.send.click(draft, "crisis.draft.approve", user=BOB)
    bot.settle()
    clock_at_t0.move_to(T0 + 3 * HOUR)

    assert bot.send.command("volume", user=CAR, channel=crisis.channel_id).body == ""
    bot.settle()
    (upload,) = fake.uploads.values()
    assert (upload["channel"], upload["thread_ts"], upload["name"]) == (
        crisis.channel_id,
        crisis.header_ts,
        f"crisis-{crisis.id}-volume.png",
    )
    assert _png_size(upload["content"]) == (WIDTH, HEIGHT)
    image = Image.open(io.BytesIO(upload["content"]))
    image.verify()
    image = Image.open(io.BytesIO(upload["content"]))
    assert image.size == (WIDTH, HEIGHT)
    description = image.text["Description"]
    assert (
        "opened" in description and "step 1 done" in description and "reply approved: Apology (step 2)" in description
    )
    assert _milestone_lines(image) == 3

    facts = next(c for c in fake.calls_to("chat.postMessage") if c.get("thread_ts") == crisis.header_ts)
    assert str(facts["unfurl_links"]).lower() == "false" and str(facts["unfurl_media"]).lower() == "false"
    shown = "\n".join(b["text"]["text"] for b in facts["blocks"] if "text" in b)
    assert "Latest links" in shown and "Most active authors" in shown and "author0" in shown
    assert "&lt;!channel&gt; @\u2060here" in shown and "<!channel>" not in shown and "<@U1>" not in shown
    assert "https://tiktok.com/@a/1?x=%3Cb%3E|" in shown  # the link shown, unable to break out

    bot.send.click(header(fake, crisis), "crisis.volume.chart", user=ANA, channel=crisis.channel_id)
    bot.settle()
    assert len(fake.uploads) == 2


def test_the_chart_library_is_loaded_only_when_a_chart_is_drawn():
    import subprocess
    import sys

    probe = (
        "import sys, app, handlers.commands, bot.views.chart, bot.flows.volume, bot.scheduler;"
        "print('matplotlib' in sys.modules, 'numpy' in sys.modules)"
    )
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert found == ["False", "False"]


def test_volume_outside_a_war_room_says_where_to_run_it(bot, fake):
    assert "war room" in bot.ask("volume", user=ANA, channel=fake.general.id).json["text"]


def test_keywords_and_feeds_change_in_the_war_room(bot, fake, clock_at_t0):
    crisis = bot.open_crisis("Double charges", user=ANA, keywords="double charge")
    bot.send.click(header(fake, crisis), "crisis.volume.tracking", user=DAN, channel=crisis.channel_id)
    bot.settle()
    assert "Only people in" in str(bot.last_view()["blocks"])  # Dan is not in the war room
    bot.send.command("keywords", user=ANA, channel=crisis.channel_id)
    bot.settle()
    modal = bot.last_view()
    assert modal["callback_id"] == "crisis.volume.tracking"
    bad = bot.send.submit(modal, {"keywords": "refund", "feeds": "https://ok.example/feed\nnot a feed"}, user=ANA)
    assert "Line 2" in bad.json["errors"]["feeds"]
    counts(bot, WATCH, {T0 - HOUR: 4})  # already counted for the watch, with "Acme" in them
    assert bot.send.submit(modal, {"keywords": "refund, Acme", "feeds": "https://ok.example/feed"}, user=ANA).body == ""
    bot.settle()
    assert bot.services.crises.get(crisis.id).keywords == ("refund", "Acme")
    assert [f.url for f in bot.services.feeds.of(crisis.id)] == ["https://ok.example/feed"]
    assert bot.services.mentions.total(crisis.id, 0, at(T0) + 3600) == 4  # earlier mentions now count for it
    assert "Keywords: refund, Acme · 1 feed" in str(header(fake, crisis)["blocks"])
    event = [e for e in bot.services.timeline.events(crisis.id) if e.kind == "tracking_changed"][-1]
    assert event.actor == ANA and event.detail["keywords"] == ["refund", "Acme"]


def test_only_people_in_the_war_room_change_what_it_tracks_whatever_the_form_says(bot, fake, clock_at_t0):
    crisis = bot.open_crisis("Double charges", user=ANA, keywords="double charge", private=["private"])
    bot.send.command("keywords", user=ANA, channel=crisis.channel_id)
    bot.settle()
    modal = bot.last_view()  # Ana's form, submitted by Dan, who is not in the war room
    reply = bot.send.submit(modal, {"keywords": "anything", "feeds": "https://evil.example/feed"}, user=DAN)
    assert reply.json["response_action"] == "errors" and "Only people in" in reply.json["errors"]["keywords"]
    bot.settle()
    assert bot.services.crises.get(crisis.id).keywords == ("double charge",)
    assert bot.services.feeds.of(crisis.id) == []


@pytest.fixture
def listening(fake):
    return fake.add_channel("brand-alerts", members={"UBOT0001", ANA, BOB})


@pytest.fixture
def watch_bot(fake, env, listening):
    harness = Harness.start(fake, {**env, "LISTENING_CHANNEL": listening.id, "WATCH_KEYWORDS": "Acme"})
    yield harness
    harness.stop()


def alert(fake, listening, n, start=0):
    for i in range(start, start + n):
        yield fake.message_event(
            listening.id,
            subtype="bot_message",
            bot="B0MELTW01",
            username="Meltwater",
            attachments=[
                {
                    "author_name": f"user{i % 4}",
                    "title": f"Acme lost my parcel #{i}",
                    "title_link": f"https://x.com/u{i}/status/{i}",
                    "text": "Acme!!",
                }
            ],
        )


def alerts(listening):
    return [m for m in listening.messages if m.get("user") == "UBOT0001" and "mentions in the last hour" in m["text"]]


def test_a_spike_alerts_once_and_its_button_opens_a_prefilled_form(watch_bot, fake, listening, clock_at_t0):
    bot = watch_bot
    counts(bot, WATCH, {T0 - (24 - h) * HOUR: 2 for h in range(23)})  # normal: about 2 an hour
    clock_at_t0.move_to(T0 + 10 * MINUTE)
    for event in alert(fake, listening, 19):
        bot.send.event(event)
    tick(bot.services)
    assert alerts(listening) == []  # 19 is under SPIKE_MIN_MENTIONS
    for event in alert(fake, listening, 6, start=19):
        bot.send.event(event)
    tick(bot.services)
    tick(bot.services)
    (message,) = alerts(listening)
    assert (
        "*25 mentions in the last hour*" in str(message["blocks"])
        and "No open crisis covers it" in message["blocks"][0]["text"]["text"]
    )
    assert "https://x.com/u24/status/24" in str(message["blocks"])
    clock_at_t0.move_to(T0 + 20 * MINUTE)
    for event in alert(fake, listening, 30, start=25):
        bot.send.event(event)
    tick(bot.services)
    assert len(alerts(listening)) == 1  # the same spike, still rising: no second alert

    bot.send.click(fake.message(listening.id, message["ts"]), "crisis.open.spike", user=BOB, channel=listening.id)
    bot.settle()
    form = bot.last_view()
    values = {b["block_id"]: b["element"] for b in form["blocks"] if b["type"] == "input"}
    assert values["title"]["initial_value"] == "Acme lost my parcel #54 Acme!!"
    assert values["link"]["initial_value"] == "https://x.com/u54/status/54"
    assert values["platform"]["initial_option"]["value"] == "x"
    assert values["keywords"]["initial_value"] == "Acme"
    assert bot.send.submit(form, {"category": "general_negativity"}, user=BOB).body == ""
    bot.settle()
    crisis = bot.services.crises.get(1)
    assert crisis.keywords == ("Acme",) and bot.services.mentions.total(crisis.id, at(T0), at(T0) + 3600) == 55
    assert "*55* in the last hour" in volume_text(header(fake, crisis))


def test_a_spike_ends_after_an_hour_below_and_the_next_one_alerts_again(watch_bot, fake, listening, clock_at_t0):
    bot = watch_bot
    for event in alert(fake, listening, 25):
        bot.send.event(event)
    tick(bot.services)
    assert len(alerts(listening)) == 1
    for minutes in (70, 100, 131):
        clock_at_t0.move_to(T0 + minutes * MINUTE)
        tick(bot.services)
    assert bot.services.spikes.current() is None
    for event in alert(fake, listening, 25, start=100):
        bot.send.event(event)
    tick(bot.services)
    assert len(alerts(listening)) == 2


@pytest.mark.parametrize("private", [False, True])
def test_no_alert_when_an_open_crisis_covers_the_rise(watch_bot, fake, listening, clock_at_t0, private):
    bot = watch_bot
    bot.open_crisis("Lost parcels", user=ANA, keywords="lost my parcel", private=["private"] if private else [])
    for event in alert(fake, listening, 40):
        bot.send.event(event)
    tick(bot.services)
    assert alerts(listening) == [] and bot.services.spikes.current() is None


def test_the_owner_is_told_once_when_the_volume_has_calmed_down(bot, fake, clock_at_t0):
    crisis = bot.open_crisis("Calming", user=ANA, owner=BOB, keywords="calm")
    counts(bot, crisis.id, {T0 - (24 - h) * HOUR: 1 for h in range(24)})  # normal: 1 an hour
    counts(bot, crisis.id, {T0: 50, T0 + HOUR: 80, T0 + 2 * HOUR: 2}, prefix="rise")
    bot.send.click(fake.message(crisis.channel_id, crisis.checklist_ts), "crisis.step.done#1", user=ANA)
    bot.settle()

    def calm_notices():
        return [m for m in fake.channels[crisis.channel_id].messages if m["text"].startswith("🌤️")]

    clock_at_t0.move_to(T0 + 7 * HOUR + 59 * MINUTE)
    tick(bot.services)
    assert calm_notices() == []
    clock_at_t0.move_to(T0 + 8 * HOUR)
    tick(bot.services)
    tick(bot.services)
    (notice,) = calm_notices()
    assert f"<@{BOB}>" in notice["text"] and "near normal for 6 hours" in notice["text"]
    assert (
        "step 2 (Own it and apologise)" in notice["text"]
        and "step 1" not in notice["text"]
        and "/crisis close" in notice["text"]
    )
    clock_at_t0.move_to(T0 + 20 * HOUR)
    tick(bot.services)
    assert len(calm_notices()) == 1
    find_element(header(fake, crisis)["blocks"], "crisis.volume.chart")


def test_the_digest_shows_each_crisis_volume_now_and_at_peak_and_a_chart_of_the_day(fake, env, management, clock_at_t0):
    bot = Harness.start(fake, {**env, "DIGEST_CHANNEL": management.id, "DIGEST_TIME": "09:00", "DIGEST_TZ": "UTC"})
    try:
        public = bot.open_crisis("Double charges", user=ANA, keywords="double charge")
        secret = bot.open_crisis("Secret recall", user=CAR, keywords="recall", private=["private"])
        quiet = bot.open_crisis("Quiet one", user=ANA, keywords="nothing")
        counts(bot, public.id, {T0 + 2 * HOUR: 540, T0 + 22 * HOUR + 10 * MINUTE: 312})
        counts(bot, secret.id, {T0 + 21 * HOUR: 77}, prefix="s")
        clock_at_t0.move_to(T0 + 23 * HOUR + 5 * MINUTE)  # 09:05 the next day
        tick(bot.services)
    finally:
        bot.stop()
    (digest,) = [m for m in management.messages if "Crisis digest" in m["text"]]
    text = str(digest["blocks"])
    assert "Double charges" in text and "📈 312 in the last hour, peak 540" in text
    # the private crisis's volume stays in its war room (a bare "77" could be in the fake's port)
    assert not re.search(r"\b77\b", text.replace(fake.base, "")) and "recall" not in text
    assert text.count("📈") == 1  # the quiet one has no figures to show
    (upload,) = fake.uploads.values()
    assert upload["channel"] == management.id and upload["thread_ts"] == digest["ts"]
    image = Image.open(io.BytesIO(upload["content"]))
    assert image.format == "PNG" and image.size == (800, 300)
    assert image.text["Description"] == f"#{public.id} Double charges" and quiet.title not in image.text["Description"]


def test_the_closing_summary_records_the_peak_the_total_and_the_fall(bot, fake, clock_at_t0):
    crisis = bot.open_crisis("Double charges", user=ANA, keywords="double charge")
    counts(bot, crisis.id, {T0 - (24 - h) * HOUR: 2 for h in range(24)})
    counts(bot, crisis.id, {T0: 40, T0 + HOUR: 120, T0 + 2 * HOUR: 60, T0 + 3 * HOUR: 3}, prefix="rise")
    for step in (1, 2, 3, 4):
        bot.send.click(fake.message(crisis.channel_id, crisis.checklist_ts), f"crisis.step.done#{step}", user=ANA)
        bot.settle()
    clock_at_t0.move_to(T0 + 6 * HOUR)
    bot.send.command("close", user=ANA, channel=crisis.channel_id)
    bot.settle()
    lesson = "Answer the first complaints within the hour, before they spread."
    bot.send.submit(bot.last_view(), {"lessons": lesson}, user=ANA)
    bot.settle()
    summary = next(
        m for m in fake.channels[crisis.channel_id].messages if m["text"].startswith(f"Crisis #{crisis.id} closed")
    )
    volume = next(b for b in summary["blocks"] if b["block_id"] == "volume")["text"]["text"]
    assert volume.startswith(f"📈 *Volume:* peak 120 an hour, <!date^{at(T0 + HOUR)}^")
    assert "271 mentions in total" in volume and "back to normal 2 hours after the peak" in volume
