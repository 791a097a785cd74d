"""`/crisis open` end to end: signed requests in, Web API calls out, state in SQLite."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from bot.model import SetupState, StepState
from bot.scheduler import tick
from bot.slack.budget import POSTS_PER_CHANNEL_BURST
from bot.words.slugs import channel_name
from tests.conftest import ANA, BOB, CAR, at_once
from tests.fakeslack import BOT_USER, OTHER_TEAM
from tests.harness import Harness
from tests.slackclient import find_element


def test_open_creates_a_complete_war_room(bot, fake):
    reply = bot.send.command("open Delivery delays anger customers", user=ANA, channel=fake.general.id)
    assert reply.status == 200 and reply.body == ""  # acked at once, nothing else in the ack
    bot.settle()
    view = bot.last_view()
    assert view["callback_id"] == "crisis.open"
    title_input = next(b for b in view["blocks"] if b["block_id"] == "title")
    assert title_input["element"]["initial_value"] == "Delivery delays anger customers"
    owner_input = next(b for b in view["blocks"] if b["block_id"] == "owner")
    assert owner_input["element"]["initial_user"] == ANA

    reply = bot.send.submit(
        view,
        {
            "description": "A video of a late parcel went viral",
            "link": "https://x.com/someone/status/1",
            "platform": "x",
            "category": "business_error",
            "severity": "high",
            "language": "nl",
            "owner": BOB,
            "responders": [CAR],
        },
        user=ANA,
    )
    assert reply.status == 200 and reply.body == ""
    bot.settle()

    crisis = bot.services.crises.get(1)
    assert crisis.setup_state is SetupState.DONE and crisis.owner_id == BOB
    channel = fake.channels[crisis.channel_id]
    assert channel.name.startswith("crisis-") and channel.name.endswith("-delivery-delays-anger-customers")
    assert crisis.channel_name == channel.name
    assert "Delivery delays anger customers" in channel.topic and "#1" in channel.purpose
    assert channel.members == {"UBOT0001", ANA, BOB, CAR}
    assert fake.count("conversations.invite") == 1  # everyone in one call

    assert len(channel.messages) == 2
    header, checklist = fake.message(channel.id, crisis.header_ts), fake.message(channel.id, crisis.checklist_ts)
    assert channel.pins == [header["ts"]]
    header_text = str(header["blocks"])
    for expected in (
        "Delivery delays anger customers",
        "Business error on our part",
        "High",
        f"<@{BOB}>",
        "Nederlands",
        "https://x.com/someone/status/1",
    ):
        assert expected in header_text
    for step in (1, 2, 3, 4):
        find_element(checklist["blocks"], f"crisis.step.done#{step}")
    find_element(checklist["blocks"], "crisis.step.skip#2")
    find_element(checklist["blocks"], "crisis.step.skip#4")
    assert "crisis.step.skip#1" not in str(checklist["blocks"])

    assert any(f"<#{channel.id}>" in m["text"] and "owner" in m["text"] for m in fake.dm_messages(BOB))
    assert fake.responses[-1]["text"].startswith("✅ War room")

    stored_steps = bot.services.steps.of(crisis.id)
    assert [s.state for s in stored_steps] == [StepState.PENDING] * 4
    assert bot.services.crises.participants(crisis.id) == {ANA, BOB, CAR}
    kinds = [e.kind for e in bot.services.timeline.events(crisis.id)]
    assert kinds == ["opened", "war_room_ready"]


def test_modal_errors_are_inline_and_nothing_is_created(bot, fake):
    bot.send.command("open", user=ANA, channel=fake.general.id)
    bot.settle()
    view = bot.last_view()
    reply = bot.send.submit(view, {"title": "   ", "link": "not a link", "category": None}, user=ANA)
    assert reply.status == 200
    assert reply.json["response_action"] == "errors"
    assert set(reply.json["errors"]) == {"title", "link", "category"}
    assert "https://" in reply.json["errors"]["link"]
    bot.settle()
    assert fake.count("conversations.create") == 0
    assert list(bot.services.store.db["crises"].rows) == []

    # the same modal, corrected, goes through
    reply = bot.send.submit(view, {"title": "Fixed title", "link": "example.com/p/1", "category": "trolling"}, user=ANA)
    assert reply.body == ""
    bot.settle()
    crisis = bot.services.crises.get(1)
    assert crisis.link == "https://example.com/p/1" and crisis.category.value == "trolling"


def test_non_latin_titles_get_readable_channel_names(bot, fake):
    chinese = bot.open_crisis("数据泄露引发投诉", user=ANA)
    russian = bot.open_crisis("Отзыв клиента в Instagram", user=ANA)
    emoji = bot.open_crisis("🔥🔥🔥", user=ANA)
    assert chinese.channel_name.endswith("-shu-ju-xie-lu-yin-fa-tou-su")
    assert russian.channel_name.endswith("-otzyv-klienta-v-instagram")
    assert emoji.channel_name.endswith("-fire-fire-fire")
    # the real title, in its own script, is in the topic
    assert "数据泄露引发投诉" in fake.channels[chinese.channel_id].topic


def test_a_channel_name_taken_in_slack_gets_a_suffix(bot, fake):
    taken = channel_name("Same title", datetime.now(UTC).date(), 1)
    fake.add_channel(taken, members=set())  # someone made it by hand
    crisis = bot.open_crisis("Same title", user=ANA)
    assert crisis.channel_name == f"{taken}-2"
    assert [c["name"] for c in fake.calls_to("conversations.create")] == [taken, f"{taken}-2"]


def test_a_name_an_earlier_war_room_has_is_not_asked_for_again(bot, fake):
    """Slack would only answer name_taken: the second war room of the day under one title is
    created in one round trip."""
    first = bot.open_crisis("Same title", user=ANA)
    second = bot.open_crisis("Same title", user=ANA)
    assert second.channel_name == f"{first.channel_name}-2"
    assert [c["name"] for c in fake.calls_to("conversations.create")] == [first.channel_name, second.channel_name]


def test_invite_failure_keeps_the_crisis_and_explains_the_fix(bot, fake):
    fake.add_user("UGONE0009", name="gone", deleted=True)
    crisis = bot.open_crisis("Invite trouble", user=ANA, responders=[BOB, "UGONE0009"])
    assert crisis.setup_state is SetupState.FAILED
    channel = fake.channels[crisis.channel_id]
    assert {ANA, BOB} <= channel.members  # the others got in: the batch was retried one by one
    assert len(channel.messages) == 2 and channel.pins  # header, checklist, pin all done anyway
    report = fake.responses[-1]
    assert "<@UGONE0009>" in report["text"] and "not in this workspace" in report["text"]
    find_element(report["blocks"], "crisis.setup.resume")

    # Running /crisis open again offers to finish this one instead of opening a second crisis
    reply = bot.send.command("open Invite trouble", user=ANA, channel=fake.general.id)
    assert "not fully set up" in reply.json["text"] and fake.count("views.open") == 1
    offer = {"ts": "1.1", "blocks": reply.json["blocks"], "channel": fake.general.id}

    # The fix: the person is back; "Finish set-up" invites them, and only does what is left
    fake.users["UGONE0009"]["deleted"] = False
    bot.send.click(offer, "crisis.setup.resume", user=ANA)
    bot.settle()
    crisis = bot.services.crises.get(crisis.id)
    assert crisis.setup_state is SetupState.DONE and crisis.setup_error is None
    assert "UGONE0009" in channel.members
    assert fake.count("conversations.create") == 1 and len(channel.messages) == 2
    assert fake.responses[-1]["replace_original"] is True and fake.responses[-1]["text"].startswith("✅")
    assert len(list(bot.services.store.db["crises"].rows)) == 1


def test_people_of_other_workspaces_and_organisations_keep_nobody_else_out(bot, fake):
    grid = fake.add_user("W0GRID001", name="grid", team=OTHER_TEAM)  # Enterprise Grid: another workspace
    partner = fake.add_user("UEXT00001", name="partner", external=True)  # Slack Connect: another organisation
    crisis = bot.open_crisis("Grid and Connect", user=ANA, responders=[BOB, grid, CAR, partner])
    channel = fake.channels[crisis.channel_id]
    assert channel.members == {BOT_USER, ANA, BOB, CAR}  # everyone Slack allows got in
    assert len(channel.messages) == 2 and channel.pins  # and the war room is complete

    (report,) = [r for r in fake.responses if grid in r["text"]]  # the opener is told once
    text = report["text"]
    assert f"<@{grid}>: they are in another workspace of your organisation" in text
    assert f"<@{partner}>: they are external and your workspace does not allow inviting external people" in text
    assert "org_user_not_in_team" not in text and "no_external_invite_permission" not in text and "`" not in text
    assert not any(grid in m["text"] for m in channel.messages + fake.dm_messages(BOB))  # nobody else is told


@pytest.mark.parametrize(
    "code, why",
    [
        ("invitee_cant_see_channel", "cannot see this channel"),
        ("user_team_not_in_channel", "this channel is not shared with"),
        ("not_allowed_token_type", "invite them yourself"),
    ],
)
def test_every_slack_connect_refusal_is_explained_in_plain_words(bot, fake, code, why):
    partner = fake.add_user("UEXT00002", name="partner", external=True)
    fake.fail("conversations.invite", code, times=10, when=lambda args: partner in args["users"])
    crisis = bot.open_crisis("Connect", user=ANA, responders=[BOB, partner])
    assert fake.channels[crisis.channel_id].members == {BOT_USER, ANA, BOB}
    text = fake.responses[-1]["text"]
    assert f"<@{partner}>" in text and why in text and code not in text


def test_opening_anyway_opens_a_fresh_modal(bot, fake):
    fake.add_user("UGONE0009", deleted=True)
    bot.open_crisis("First", user=ANA, responders=["UGONE0009"])
    reply = bot.send.command("open Second one", user=ANA, channel=fake.general.id)
    offer = {"ts": "1.1", "blocks": reply.json["blocks"], "channel": fake.general.id}
    bot.send.click(offer, "crisis.open.anyway", user=ANA)
    bot.settle()
    view = bot.last_view()
    assert next(b for b in view["blocks"] if b["block_id"] == "title")["element"]["initial_value"] == "Second one"


def test_channel_creation_failure_is_reported_and_retry_creates_one_channel(bot, fake):
    fake.fail("conversations.create", "restricted_action")
    crisis = bot.open_crisis("Blocked by settings", user=ANA)
    assert crisis.channel_id is None and crisis.setup_state is SetupState.FAILED
    report = fake.responses[-1]
    assert "couldn't create the war-room channel" in report["text"] and "workspace settings" in report["text"]
    assert fake.count("chat.postMessage") == 0  # nothing that needs the channel was tried

    bot.send.click(
        {"ts": "1.2", "blocks": report["blocks"], "channel": fake.general.id}, "crisis.setup.resume", user=ANA
    )
    bot.settle()
    crisis = bot.services.crises.get(crisis.id)
    assert crisis.channel_id and crisis.setup_state is SetupState.DONE
    assert fake.count("conversations.create") == 2 and len(fake.channels[crisis.channel_id].messages) == 2


def reports(fake):
    return [r["text"] for r in fake.responses if "Crisis #" in r["text"] or r["text"].startswith("✅ War room")]


def test_after_a_passing_slack_failure_set_up_tries_again_within_seconds_and_more_slowly_each_time(bot, fake):
    fake.fail("conversations.create", "service_unavailable", times=2)
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=True) as traveller:
        crisis = bot.open_crisis("Slack hiccup", user=ANA)  # fails: the next try is due in seconds
        assert crisis.setup_state is SetupState.PENDING
        traveller.move_to(start + timedelta(seconds=6))
        tick(bot.services)  # fails again: the next try waits a little longer
        traveller.move_to(start + timedelta(seconds=12))
        tick(bot.services)
        assert fake.count("conversations.create") == 2
        traveller.move_to(start + timedelta(seconds=30))
        tick(bot.services)
    assert bot.services.crises.get(crisis.id).setup_state is SetupState.DONE
    (failed, ready) = reports(fake)  # the same failure twice is reported once
    assert "couldn't create the war-room channel" in failed and ready.startswith("✅ War room")


def test_retry_set_up_runs_at_once_after_a_passing_failure(bot, fake):
    fake.fail("conversations.create", "service_unavailable")
    crisis = bot.open_crisis("Retry now", user=ANA)
    report = fake.responses[-1]
    bot.send.click(
        {"ts": "1.3", "blocks": report["blocks"], "channel": fake.general.id}, "crisis.setup.resume", user=ANA
    )
    bot.settle()
    assert bot.services.crises.get(crisis.id).setup_state is SetupState.DONE
    assert fake.responses[-1]["text"].startswith("✅ War room") and fake.responses[-1]["replace_original"] is True


def test_rate_limits_are_retried_after_retry_after(bot, fake):
    fake.fail("conversations.invite", "ratelimited", status=429, retry_after=1)
    crisis = bot.open_crisis("Busy Slack", user=ANA, responders=[BOB])
    assert crisis.setup_state is SetupState.DONE
    invites = [c for c in fake.calls if c.method == "conversations.invite"]
    assert len(invites) == 2 and invites[1].at - invites[0].at >= 1.0


def test_a_rate_limited_form_is_explained_at_once_not_retried_past_its_trigger(bot, fake):
    fake.fail("views.open", "ratelimited", status=429, retry_after=30)  # the trigger dies after 3 s
    bot.send.command("open Busy Slack", user=ANA, channel=fake.general.id)
    bot.settle(timeout=5)
    assert fake.count("views.open") == 1
    assert (
        "Slack is rate-limiting the bot" in fake.responses[-1]["text"] and "/crisis open" in fake.responses[-1]["text"]
    )


def test_slack_retries_never_create_a_second_crisis_or_channel(bot, fake):
    bot.send.command("open Retried", user=ANA, channel=fake.general.id)
    bot.settle()
    view = bot.last_view()
    values = {"category": "trolling"}
    first = bot.send.submit(view, values, user=ANA)
    retry = bot.send.submit(
        view, values, user=ANA, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    )
    assert first.status == retry.status == 200
    bot.settle()
    assert fake.count("conversations.create") == 1
    assert len(list(bot.services.store.db["crises"].rows)) == 1


def test_simultaneous_duplicate_submissions_create_one_channel(bot, fake):
    bot.send.command("open Double submit", user=ANA, channel=fake.general.id)
    bot.settle()
    view = bot.last_view()
    fake.latency = 0.05  # make the set-up slow enough to overlap
    at_once(4, bot.send.submit, view, {"category": "venting"}, user=ANA)
    bot.settle()
    assert fake.count("conversations.create") == 1 and fake.count("pins.add") == 1
    assert len(list(bot.services.store.db["crises"].rows)) == 1


def test_a_retried_slash_command_opens_one_modal(bot, fake):
    trigger = bot.send.trigger()
    bot.send.command("open Once", user=ANA, channel=fake.general.id, trigger_id=trigger)
    bot.send.command(
        "open Once", user=ANA, channel=fake.general.id, trigger_id=trigger, headers={"X-Slack-Retry-Num": "1"}
    )
    bot.settle()
    assert fake.count("views.open") == 1


def test_an_expired_trigger_is_explained(bot, fake):
    trigger = bot.send.trigger()
    fake.expired_triggers.add(trigger)
    reply = bot.send.command("open Slow", user=ANA, channel=fake.general.id, trigger_id=trigger)
    assert reply.status == 200
    bot.settle()
    assert "took too long" in fake.responses[-1]["text"] and "/crisis open" in fake.responses[-1]["text"]


def test_private_war_room(bot, fake):
    crisis = bot.open_crisis("Quiet one", user=ANA, private=["private"])
    assert crisis.is_private and fake.channels[crisis.channel_id].is_private


def test_when_every_channel_name_is_taken_the_opener_is_told_what_to_do(bot, fake):
    title = "Names all taken"
    names = [channel_name(title, datetime.now(UTC).date(), attempt) for attempt in range(1, 21)]
    for name in names:
        fake.add_channel(name, members=set(), archived=True)  # archived channels keep their names
    crisis = bot.open_crisis(title, user=ANA)
    assert crisis.channel_id is None and crisis.setup_state is SetupState.FAILED
    report = fake.responses[-1]["text"]
    assert f"#{names[0]}" in report and f"#{names[-1]}" in report and "Rename" in report and "Retry set-up" in report
    fake.channels[next(c.id for c in fake.channels.values() if c.name == names[0])].name = "old-names-all-taken"
    bot.send.click(
        {"ts": "1.2", "blocks": fake.responses[-1]["blocks"], "channel": fake.general.id},
        "crisis.setup.resume",
        user=ANA,
    )
    bot.settle()
    assert bot.services.crises.get(crisis.id).channel_name == names[0]


def test_the_form_tracks_the_title_by_default_and_checks_the_feeds(bot, fake):
    bot.send.command("open Late parcels", user=ANA, channel=fake.general.id)
    bot.settle()
    view = bot.last_view()
    keywords = next(b for b in view["blocks"] if b["block_id"] == "keywords")
    assert keywords["element"]["initial_value"] == "Late parcels"
    reply = bot.send.submit(view, {"category": "venting", "feeds": "https://ok.example/feed\nnot a feed"}, user=ANA)
    assert reply.json["response_action"] == "errors" and "Line 2" in reply.json["errors"]["feeds"]
    assert bot.services.crises.get(1) is None
    reply = bot.send.submit(view, {"category": "venting", "keywords": "", "feeds": "ok.example/feed"}, user=ANA)
    assert reply.body == ""
    bot.settle()
    crisis = bot.services.crises.get(1)
    assert crisis.keywords == ("Late parcels",)
    assert [f.url for f in bot.services.feeds.of(crisis.id)] == ["https://ok.example/feed"]


def field(view, block_id):
    return next(b for b in view["blocks"] if b["block_id"] == block_id)["element"]


def test_a_title_typed_with_markup_characters_is_escaped_once(bot, fake):
    bot.send.command("open Q&A <script>", user=ANA, channel=fake.general.id)  # arrives as Q&amp;A &lt;script&gt;
    bot.settle()
    view = bot.last_view()
    assert field(view, "title")["initial_value"] == "Q&A <script>"
    bot.send.submit(view, {"category": "trolling"}, user=ANA)
    bot.settle()
    crisis = bot.services.crises.get(1)
    assert crisis.title == "Q&A <script>" and crisis.channel_name.endswith("-q-a-script")
    header = fake.message(crisis.channel_id, crisis.header_ts)
    assert header["blocks"][0]["text"]["text"] == "🔥 Q&A <script>"  # plain text, as typed
    assert "Q&amp;A &lt;script&gt;" in fake.channels[crisis.channel_id].topic  # mrkdwn: escaped once
    answer = bot.ask("lessons Q&A", user=ANA, channel=fake.general.id).json["text"]
    assert "“Q&amp;A”" in answer


def test_a_huge_title_while_a_set_up_is_unfinished_still_offers_both_ways(bot, fake):
    fake.fail("conversations.create", "restricted_action")
    bot.open_crisis("Blocked by settings", user=ANA)
    huge = "Delivery " * 300  # 2,700 characters: more than a button's value holds
    reply = bot.send.command(f"open {huge}", user=ANA, channel=fake.general.id)
    assert reply.status == 200 and "not fully set up" in reply.json["text"], reply.json
    offer = {"ts": "1.1", "blocks": reply.json["blocks"], "channel": fake.general.id}
    bot.send.click(offer, "crisis.open.anyway", user=ANA)
    bot.settle()
    title = field(bot.last_view(), "title")["initial_value"]
    assert title.startswith("Delivery Delivery") and len(title) <= 150


def test_the_link_is_a_url_input_that_slack_checks_as_people_type(bot, fake):
    bot.send.command("open Link check", user=ANA, channel=fake.general.id)
    bot.settle()
    view = bot.last_view()
    assert field(view, "link")["type"] == "url_text_input"
    forged = bot.send.submit(view, {"category": "trolling", "link": "javascript:alert(1)"}, user=ANA)
    assert "https://" in forged.json["errors"]["link"]  # what Slack's client lets through is checked again
    assert bot.send.submit(view, {"category": "trolling", "link": "https://x.com/a/status/1"}, user=ANA).body == ""
    bot.settle()
    assert bot.services.crises.get(1).link == "https://x.com/a/status/1"


def test_set_up_runs_independent_tasks_at_once(bot, fake):
    """Only the channel must come first: the header, checklist, topic, purpose, invitations and
    the owner's DM are all in flight together, then the pin."""
    fake.latency = 0.2
    crisis = bot.open_crisis(user=ANA, owner=BOB)
    calls = [c for c in fake.calls if c.args.get("channel") == crisis.channel_id or c.args.get("channel") == BOB]
    create = next(c for c in fake.calls if c.method == "conversations.create")
    after_create = [c for c in calls if c.started >= create.at]
    first_wave = [c for c in after_create if c.started < create.at + fake.latency / 2]
    assert {c.method for c in first_wave} >= {
        "conversations.setTopic",
        "conversations.setPurpose",
        "conversations.invite",
        "chat.postMessage",
    }
    assert sum(c.method == "chat.postMessage" for c in first_wave) >= 2  # header and checklist (and the DM)
    pin = next(c for c in calls if c.method == "pins.add")
    assert pin.started >= min(c.at for c in first_wave if c.method == "chat.postMessage")  # after the header


def test_a_rate_limit_storm_during_twenty_opens_ends_with_twenty_complete_war_rooms(bot, fake):
    """Twenty crises opened at once while Slack answers 429 to a burst of posts: the budget holds
    every caller for Retry-After, and each war room gets its header and checklist exactly once."""
    owners = [fake.add_user(f"UOWNER{i:03d}") or f"UOWNER{i:03d}" for i in range(20)]  # one DM each
    for _ in range(20):
        bot.send.command("open Storm", user=ANA, channel=fake.general.id)
    bot.settle()
    forms = [v for v in fake.views.values() if v.get("callback_id") == "crisis.open"]
    assert len(forms) == 20
    fake.fail("chat.postMessage", "ratelimited", times=15, status=429, retry_after=1)
    threads = [
        threading.Thread(
            target=bot.send.submit,
            args=(form, {"title": f"Storm {i}", "category": "trolling", "owner": owners[i]}),
            kwargs={"user": ANA},
        )
        for i, form in enumerate(forms)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    bot.settle(timeout=60)
    crises = [bot.services.crises.get(row["id"]) for row in bot.services.store.db["crises"].rows]
    assert len(crises) == 20 and all(c.setup_state is SetupState.DONE for c in crises), [c.setup_error for c in crises]
    for crisis in crises:
        room = fake.channels[crisis.channel_id]
        top_level = [m for m in room.messages if not m.get("thread_ts")]
        assert [m["ts"] for m in top_level].count(crisis.header_ts) == 1
        assert len(top_level) == 2, [m["text"] for m in top_level]  # the header and the checklist, once each
    assert sum(1 for c in fake.calls if c.method == "chat.postMessage") >= 15 + 40


def test_a_submission_that_comes_before_the_record_of_its_form_is_still_answered_where_open_ran(bot, fake):
    """Slack shows the modal before it answers views.open, so the submission can come in before
    the bot has stored its record of the form (for whom, where `/crisis open` ran): the set-up's
    report still goes there, not to a DM."""
    bot.send.command("open Quick submitter", user=ANA, channel=fake.general.id)
    bot.settle()
    view = bot.last_view()
    form = bot.services.shown.form(view["id"])
    with bot.services.store.write() as db:
        db.execute("delete from open_forms where view_id = ?", [view["id"]])
    deferred = []
    defer, bot.services.defer = bot.services.defer, lambda *args, **kwargs: deferred.append((args, kwargs))
    try:
        assert bot.send.submit(view, {"category": "trolling"}, user=ANA).status == 200
    finally:
        bot.services.defer = defer
    bot.services.shown.form_opened(
        view["id"], opener_id=ANA, origin_channel_id=form.origin_channel_id, response_url=form.response_url, at=1
    )
    for args, kwargs in deferred:
        defer(*args, **kwargs)
    bot.settle()
    assert fake.responses[-1]["text"].startswith("✅ War room")
    assert not [m for m in fake.dm_messages(ANA) if m["text"].startswith("✅ War room")]


def test_a_war_rooms_posts_beyond_slacks_burst_go_out_one_a_second(fake, env):
    """At Slack's own speed (the harness otherwise refills the budget faster): the set-up's
    posts and four step replies in one channel, the burst at once and one more each second."""
    bot = Harness.start(fake, env, refill_speed=1)
    try:
        crisis = bot.open_crisis("Paced posts", user=ANA)
        for step in (1, 2, 3, 4):
            bot.send.click(fake.message(crisis.channel_id, crisis.checklist_ts), f"crisis.step.done#{step}", user=ANA)
        bot.settle()
        posts = [c for c in fake.calls if c.method == "chat.postMessage" and c.args["channel"] == crisis.channel_id]
        assert len(posts) > POSTS_PER_CHANNEL_BURST
        first = posts[0].started
        assert posts[POSTS_PER_CHANNEL_BURST - 1].started - first < 1  # the burst went out at once
        for extra, post in enumerate(posts[POSTS_PER_CHANNEL_BURST:], 1):  # then one more a second
            assert post.started - first >= extra - 0.1, [round(p.started - first, 2) for p in posts]
    finally:
        bot.stop()
