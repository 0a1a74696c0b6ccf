"""Per-robot bounded reply queues with round-robin selection across robots.

One robot's backlog must never delay another robot's replies: each robot (the callback's robotCode)
has its own queue of at most `max_per_robot` replies, and the sender takes the next reply from the
robots in turn, skipping robots that are busy or rate-limited. A full queue drops its *oldest* reply
(the one least likely still to be useful), logs it and counts it in `dropped`.

>>> queues = RobotQueues(max_per_robot=2)
>>> for robot, text in [("A", "a1"), ("A", "a2"), ("A", "a3"), ("B", "b1")]:
...     _ = queues.push(robot, text)
>>> queues.dropped, queues.pending
(1, 3)
>>> [queues.pop_next(lambda robot: True) for _ in range(3)]
[('A', 'a2'), ('B', 'b1'), ('A', 'a3')]
"""

from __future__ import annotations

import logging
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Generic, TypeVar

log = logging.getLogger("policybot.dingtalk")

T = TypeVar("T")


class RobotQueues(Generic[T]):
    """Bounded FIFO per robot; `pop_next` serves robots round-robin (not thread-safe: one event loop)."""

    def __init__(self, max_per_robot: int = 100) -> None:
        if max_per_robot < 1:
            raise ValueError(f"max_per_robot must be at least 1. Currently, max_per_robot is {max_per_robot}")
        self.max_per_robot = max_per_robot
        # Insertion order is the round-robin order; a served robot moves to the end.
        self._queues: OrderedDict[str, deque[T]] = OrderedDict()
        self.dropped = 0

    def push(self, robot: str, item: T) -> T | None:
        """Queue `item` for `robot`; return the reply dropped to make room, if any."""
        queue = self._queues.setdefault(robot, deque())
        dropped = None
        if len(queue) >= self.max_per_robot:
            dropped = queue.popleft()
            self.dropped += 1
            log.warning("DingTalk reply queue of robot %r is full (%d): oldest reply dropped",
                        robot[:40], self.max_per_robot)
        queue.append(item)
        return dropped

    def pop_next(self, eligible: Callable[[str], bool]) -> tuple[str, T] | None:
        """The oldest reply of the first robot (in round-robin order) for which `eligible(robot)` holds."""
        for robot in list(self._queues):
            if eligible(robot):
                queue = self._queues.pop(robot)
                item = queue.popleft()
                if queue:
                    self._queues[robot] = queue  # back of the line
                return robot, item
        return None

    def robots(self) -> list[str]:
        """Robots with queued replies, in round-robin order."""
        return list(self._queues)

    def size(self, robot: str) -> int:
        return len(self._queues.get(robot, ()))

    @property
    def pending(self) -> int:
        return sum(len(q) for q in self._queues.values())

    def clear(self) -> int:
        """Forget every queued reply; return how many there were."""
        count = self.pending
        self._queues.clear()
        return count
