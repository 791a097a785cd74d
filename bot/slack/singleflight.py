"""One worker at a time per key; the others leave a note that the work must be done again.

Used for re-rendering a crisis's checklist: when ten people click within a second, one thread
renders, sees the state moved meanwhile and renders once more, instead of ten threads racing
ten chat.update calls into Slack's rate limit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable


class SingleFlight:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._again: dict[Hashable, bool] = {}  # key → someone asked again while it was running

    def run(self, key: Hashable, work: Callable[[], None]) -> bool:
        """Run `work` now, or (if another thread is running it for `key`) make that thread run it
        once more when done. Returns whether this call did the work."""
        with self._lock:
            if key in self._again:
                self._again[key] = True
                return False
            self._again[key] = False
        try:
            while True:
                work()
                with self._lock:
                    if not self._again[key]:
                        return True
                    self._again[key] = False
        finally:
            with self._lock:
                self._again.pop(key, None)
