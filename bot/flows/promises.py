"""Keeping the promise of the next stakeholder update: the owner gets a DM shortly before it is
due (UPDATE_REMINDER_MINUTES) and is mentioned in the war room once it is overdue.

Like the nudges, both follow from the stored state, not from sleeping timers: only the latest
update's promise counts (a new update makes a new one), each goes out once by its key, also
across restarts and several running copies, and never for a closed crisis. A reminder whose
moment passed while the bot was down is dropped once the update is overdue: the mention says it.
"""

from __future__ import annotations

from bot.publish import keys
from bot.publish.once import post_once
from bot.rules.updates import reminder_at
from bot.services import Services
from bot.views import updates as views


def send_due(services: Services, *, now: int) -> int:
    """Post every due reminder and overdue mention not posted yet; returns how many this call posted."""
    minutes = services.config.update_reminder_minutes
    due = []
    for promise in services.updates.open_promises():
        update, crisis = promise.update, services.crises.get(promise.crisis_id)
        if crisis is None or update.next_due is None:
            continue
        if now >= update.next_due:
            due.append(
                (
                    keys.key(keys.UPDATE_LATE, update.id),
                    promise.channel_id,
                    views.overdue(promise.owner_id, update, now),
                )
            )
        elif now >= (reminder_at(update, minutes) or now + 1):
            with services.reading(promise.owner_id):  # a DM: in the owner's language
                reminder = views.reminder(crisis, update, now)
            due.append((keys.key(keys.UPDATE_REMINDER, update.id), promise.owner_id, reminder))
    settled = services.outbox.settled(key for key, _, _ in due)
    return sum(
        post_once(services, key, where, message) is not None for key, where, message in due if key not in settled
    )
