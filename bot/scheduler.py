"""The bot's clock-driven work, run every SCHEDULER_SECONDS by a background thread.

Every job reads what is due from the database and claims it there, so several copies of the
bot (gunicorn workers, a restart overlapping the old process) can all tick safely, and work
that fell due while the bot was down is done once when it is back.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from bot import clock, publish
from bot.flows import closing, digest, feeds, inbox, nudges, promises, reopening, updates, volume, war_room_setup
from bot.services import Services
from bot.words import i18n
from storage.database import StorageError

log = logging.getLogger(__name__)


def resume_setups(services: Services, *, now: int) -> int:
    """Finish war rooms whose set-up a crash or a passing Slack failure interrupted."""
    crises = services.crises.setups_to_resume(now=now)
    for crisis in crises:
        war_room_setup.set_up(services, crisis.id)
    return len(crises)


# Recovery first (what people asked for and a crash left undone, then what it left half-done),
# then what the clock made due.
JOBS: tuple[Callable[..., int], ...] = (
    inbox.sweep,
    reopening.finish_restores,
    resume_setups,
    publish.sweep_posts,
    updates.finish_finals,
    closing.finish_archives,
    publish.sweep_renders,
    publish.sweep_updates,
    feeds.poll_due,
    publish.sweep_volume,
    nudges.send_due,
    promises.send_due,
    feeds.tell_broken,
    volume.watch_spikes,
    volume.calm_due,
    digest.send_due,
)


def tick(services: Services, *, now: int | None = None) -> dict[str, int]:
    """Run every job once; one failing job never stops the others. Returns what each did.
    What the clock makes is for the team to read: in TEAM_LOCALE, unless a job knows whose
    language a text is in (a DM, the digest)."""
    now = clock.now() if now is None else now
    done = {}
    for job in JOBS:
        name = f"{job.__module__.rsplit('.', 1)[-1]}.{job.__name__}"
        try:
            with i18n.speaking(services.team_language()):
                done[name] = job(services, now=now)
        except StorageError as error:  # the work stays due: the next tick tries again
            log.warning("scheduled job %s could not store its work: %s", name, error)
        except Exception:
            log.exception("scheduled job %s failed", name)
    return done


class Scheduler:
    """A daemon thread calling `tick` every `interval` seconds until stopped."""

    def __init__(self, services: Services, interval: float) -> None:
        self.services = services
        self.interval = interval
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="scheduler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            tick(self.services)
            if self._stopping.wait(self.interval):
                return
