"""What every flow needs, built once at start-up and passed in (no import-time clients)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Config
from bot.gateway import SlackGateway
from storage.crises import CrisisRepository
from storage.database import Store
from storage.deliveries import Deliveries
from storage.steps import StepRepository
from storage.timeline import Timeline


@dataclass
class Services:
    config: Config
    store: Store
    slack: SlackGateway
    crises: CrisisRepository
    steps: StepRepository
    timeline: Timeline
    deliveries: Deliveries

    @classmethod
    def build(cls, config: Config, slack: SlackGateway, store: Store | None = None) -> "Services":
        store = store or Store(config.db_path)
        return cls(
            config=config,
            store=store,
            slack=slack,
            crises=CrisisRepository(store),
            steps=StepRepository(store),
            timeline=Timeline(store),
            deliveries=Deliveries(store),
        )
