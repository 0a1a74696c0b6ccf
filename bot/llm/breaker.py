"""A small thread-safe circuit breaker: when the LLM keeps failing, stop calling it for a while.

>>> t = [0.0]
>>> b = CircuitBreaker(failures=2, reset_seconds=30, clock=lambda: t[0])
>>> b.record_failure(); b.record_failure(); b.allow()
False
>>> t[0] = 31.0; b.allow()   # half-open: one trial call goes through
True
>>> b.allow()                # ... and only one until it reports back
False
>>> b.record_success(); b.state
'closed'
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Literal

BreakerState = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """Closed → (``failures`` consecutive failures) → open → (``reset_seconds``) → half-open.

    Half-open lets exactly one trial call through: success closes the breaker, failure re-opens it
    for another ``reset_seconds``.

    Args:
        failures: consecutive failures that open the breaker (>= 1).
        reset_seconds: how long the breaker stays open (> 0).
        clock: monotonic seconds; injectable so tests need not sleep.

    Raises:
        ValueError: for a non-positive ``failures`` or ``reset_seconds``.
    """

    def __init__(
        self, failures: int, reset_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if failures < 1:
            raise ValueError(f"failures must be at least 1. Currently, failures is {failures}")
        if reset_seconds <= 0:
            raise ValueError(f"reset_seconds must be positive. Currently, reset_seconds is {reset_seconds}")
        self._threshold = failures
        self._reset = reset_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_in_flight = False

    @property
    def state(self) -> BreakerState:
        """Current state, without side effects."""
        with self._lock:
            return self._state()

    def _state(self) -> BreakerState:
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at >= self._reset:
            return "half_open"
        return "open"

    def allow(self) -> bool:
        """True when a call may be made now (closed, or the single half-open trial)."""
        with self._lock:
            state = self._state()
            if state == "closed":
                return True
            if state == "half_open" and not self._trial_in_flight:
                self._trial_in_flight = True
                return True
            return False

    def record_success(self) -> None:
        """The call worked: close the breaker and forget earlier failures."""
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._trial_in_flight = False

    def record_failure(self) -> None:
        """The call failed: count it, and open (or re-open) the breaker at the threshold."""
        with self._lock:
            self._failures += 1
            if self._trial_in_flight or self._failures >= self._threshold:
                self._opened_at = self._clock()
            self._trial_in_flight = False
