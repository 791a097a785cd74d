from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from tests.fakeslack import FakeSlack
from tests.harness import Harness, base_env

ANA = "UANA0001"  # the opener in most tests
BOB = "UBOB0002"
CAR = "UCAR0003"
DAN = "UDAN0004"  # in the workspace, never invited anywhere


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    slack = FakeSlack().start()
    slack.add_user(ANA, name="ana", locale="en-GB")  # a test of another language sets it itself
    slack.add_user(BOB, name="bob", locale="en-US")
    slack.add_user(CAR, name="car", locale="en-US")
    slack.add_user(DAN, name="dan")
    yield slack
    slack.stop()
    assert slack.violations == [], "the bot sent Slack something it would reject"


@pytest.fixture
def env(fake: FakeSlack, tmp_path) -> dict[str, str]:
    return base_env(fake, str(tmp_path / "crisis.db"))


@pytest.fixture
def bot(fake: FakeSlack, env: dict[str, str]) -> Iterator[Harness]:
    harness = Harness.start(fake, env)
    yield harness
    harness.stop()


@pytest.fixture
def management(fake: FakeSlack):
    """The management channel the digest and closure notes go to."""
    return fake.add_channel("management", members={"UBOT0001", DAN})


def in_thread(fake: FakeSlack, crisis) -> list[dict]:
    """The messages in the thread of a crisis's checklist, oldest first."""
    return [m for m in fake.channels[crisis.channel_id].messages if m["thread_ts"] == crisis.checklist_ts]


def at_once(count: int, call, *args, **kwargs) -> None:
    """Run `call` from `count` threads at the same moment and wait for all of them."""
    threads = [threading.Thread(target=call, args=args, kwargs=kwargs) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@pytest.fixture(autouse=True)
def no_language_left_behind() -> Iterator[None]:
    """No request, job or test may leave its language set for whatever runs next in the thread."""
    from bot.words import i18n

    yield
    assert i18n.current() == i18n.SOURCE, f"the language {i18n.current()!r} was left set"
