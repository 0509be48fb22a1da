"""The tests' one way to wait for something: poll a condition with a short interval until a deadline."""

from __future__ import annotations

import time
from typing import Callable

INTERVAL_S = 0.01  # the polling interval only: the outcome is the condition or the deadline


def poll_until(condition: Callable[[], object], seconds: float, what: str = "timed out") -> None:
    """Return once ``condition()`` holds; fail the test with ``what`` once ``seconds`` have passed."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(INTERVAL_S)
