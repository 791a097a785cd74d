"""The rules of stakeholder updates, decided from stored facts alone: who may post one, who it
reaches, when the next one is due, when the owner is chased, and how well the promise was kept.

The owner "reports to the rest of the company" (the playbook): an update goes to the war room,
to the stakeholder channels for the crisis's severity and to its followers, and promises when
the next one comes.
"""

from __future__ import annotations

import statistics
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.model import Crisis, NextUpdate, Update
from bot.rules.permissions import may_see
from bot.words.i18n import _

MORNING = time(9, 0)
ANY_SEVERITY = "*"  # STAKEHOLDER_CHANNELS: the channels of the severities not listed
PRIVATE = "private"  # STAKEHOLDER_CHANNELS: the only channels a private crisis reaches


def may_post(crisis: Crisis, responders: Collection[str], actor: str) -> str | None:
    """Why `actor` may not post an update for this crisis (None when they may): only its owner
    and its responders speak for it, and only while it is open."""
    if not crisis.is_open:
        return _("Crisis #{number} is closed: its final update went out when it closed.").format(number=crisis.id)
    if actor == crisis.owner_id or actor in responders:
        return None
    return _("Only the owner or a responder of crisis #{number} can post its updates. Follow it to get them.").format(
        number=crisis.id
    )


def may_notify_everyone(crisis: Crisis, actor: str) -> bool:
    """`@channel` in the stakeholder channels: only the owner, only for a critical crisis."""
    return actor == crisis.owner_id and crisis.severity.value == "critical"


def due_at(choice: NextUpdate, at: int, zone: ZoneInfo) -> int | None:
    """When the promised next update is due, as a timestamp; None for no further updates.
    "Tomorrow morning" is 09:00 on the next calendar day in the company's zone (DIGEST_TZ)."""
    if choice.seconds is not None:
        return at + choice.seconds
    if choice is NextUpdate.TOMORROW:
        tomorrow = datetime.fromtimestamp(at, zone).date() + timedelta(days=1)
        return int(datetime.combine(tomorrow, MORNING, tzinfo=zone).timestamp())
    return None


def reminder_at(update: Update, minutes: int) -> int | None:
    """When the owner is reminded that the next update is due: `minutes` before it, or halfway
    there for a promise shorter than twice that."""
    if update.next_due is None:
        return None
    return update.next_due - min(minutes * 60, (update.next_due - update.at) // 2)


class Promise(StrEnum):
    """What the header and the digest say about the next update."""

    NONE_YET = "none_yet"  # no update was posted
    DUE = "due"  # the next one is promised for `next_due`
    LATE = "late"  # the promised time has passed
    NO_MORE = "no_more"  # the owner said no further updates (or the final one went out)


def promise(latest: Update | None, now: int) -> Promise:
    if latest is None:
        return Promise.NONE_YET
    if latest.final or latest.next_due is None:
        return Promise.NO_MORE
    return Promise.LATE if now >= latest.next_due else Promise.DUE


def shown_promise(latest: Update | None, now: int) -> str:
    """What a rendered header says about the promise, as one comparable key: it changes when a
    new update comes, when the promise falls due, and as an overdue update grows later (every
    10 minutes in the first hour, then hourly), so the header's "overdue by" stays true."""
    state = promise(latest, now)
    if latest is None or state is not Promise.LATE:
        return f"{latest.id if latest else 0}:{state.value}"
    late = now - (latest.next_due or now)
    step = 600 if late < 3600 else 3600
    return f"{latest.id}:{state.value}:{late // step * step}"


def stakeholder_channels(channels: Mapping[str, tuple[str, ...]], crisis: Crisis) -> tuple[str, ...]:
    """The channels an update of this crisis goes to besides its war room: those listed for its
    severity (or for `*` when its severity is not listed); a private crisis only those listed
    for private crises."""
    if crisis.is_private:
        chosen = channels.get(PRIVATE, ())
    else:
        chosen = channels.get(crisis.severity.value, channels.get(ANY_SEVERITY, ()))
    return tuple(c for c in dict.fromkeys(chosen) if c != crisis.channel_id)


def followers(
    defaults: Iterable[str], choices: Mapping[str, bool], crisis: Crisis, members: Collection[str]
) -> list[str]:
    """Who follows a crisis: the owner and responders by default, plus whoever followed it,
    minus whoever unfollowed; of a private crisis only its members."""
    people = dict.fromkeys([*defaults, *(u for u, on in choices.items() if on)])
    return [u for u in people if choices.get(u, True) and may_see(crisis.is_private, members, u)]


@dataclass(frozen=True)
class Record:
    """How well a crisis kept its promise of updates, for the closing summary."""

    count: int  # updates posted by people (the final one is the bot's)
    mean_interval: int | None  # seconds between one update and the next, on average
    late: int  # updates (the final one included) that came after the promised time


def record(updates: list[Update], *, until: int) -> Record:
    """The record at `until` (the closing): a promise still open then and already due counts
    as late too, since the final update can only come after it."""
    posted = [u for u in updates if not u.final]
    gaps = [b.at - a.at for a, b in zip(posted, posted[1:], strict=False)]
    late = sum(
        1 for before, after in zip(updates, updates[1:], strict=False) if before.next_due and after.at > before.next_due
    )
    last = updates[-1] if updates else None
    if last and not last.final and last.next_due and until > last.next_due:
        late += 1
    return Record(len(posted), int(statistics.mean(gaps)) if gaps else None, late)
