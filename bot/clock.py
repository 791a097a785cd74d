"""The time, in whole seconds since the epoch: what the database stores and Slack formats."""

import time


def now() -> int:
    return int(time.time())
