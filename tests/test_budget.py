"""Slack's rate tiers as the bot's own budget: bursts go out at once, storms wait for Slack."""

from __future__ import annotations

import pytest

from bot.slack.budget import RateBudget


class Clock:
    """A monotonic clock that moves only when the budget sleeps (nothing real is waited for)."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def budget(clock: Clock) -> RateBudget:
    return RateBudget(monotonic=clock.monotonic, sleep=clock.sleep)


def test_a_burst_within_the_tier_goes_out_without_waiting(budget: RateBudget, clock: Clock) -> None:
    for _ in range(20):  # conversations.create is Tier 2: 20 a minute
        assert budget.take("conversations.create")
    assert clock.slept == []


def test_beyond_the_burst_calls_are_spread_at_the_tier_rate(budget: RateBudget, clock: Clock) -> None:
    for _ in range(22):
        budget.take("conversations.create")
    assert sum(clock.slept) == pytest.approx(6.0)  # two more at one every 3 s


def test_methods_have_their_own_budgets(budget: RateBudget, clock: Clock) -> None:
    for _ in range(20):
        budget.take("conversations.create")
    assert budget.take("views.open")
    assert clock.slept == []


def test_posts_follow_each_channels_budget(budget: RateBudget, clock: Clock) -> None:
    for _ in range(5):
        budget.take("chat.postMessage", "C1")
    assert clock.slept == []
    budget.take("chat.postMessage", "C2")  # another channel is not held up
    assert clock.slept == []
    budget.take("chat.postMessage", "C1")
    assert sum(clock.slept) == pytest.approx(1.0)


def test_a_429_holds_every_caller_of_the_method_until_retry_after(budget: RateBudget, clock: Clock) -> None:
    budget.rate_limited("chat.update", 30)
    budget.take("chat.update")
    assert clock.now >= 130
    assert budget.take("views.open")  # other methods were never held


def test_a_call_that_cannot_wait_is_refused_at_once(budget: RateBudget, clock: Clock) -> None:
    budget.rate_limited("views.open", 30)
    assert not budget.take("views.open", deadline=clock.now + 3)
    assert clock.slept == []
