"""Time for the simulator: wall-clock stamps, scenario time compressed by a speed.

A car's timestamps are always the wall clock (never ahead of the receiver's
clock, which would make a late retry win); `speed` only shortens the waits
between deliveries: one scenario minute takes 60 / speed real seconds.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """What the simulator needs of time."""

    def now(self) -> datetime:
        """The current wall-clock time (UTC)."""
        ...

    async def sleep(self, scenario_seconds: float) -> None:
        """Wait for `scenario_seconds` of scenario time."""
        ...


class RealClock:
    """The wall clock; waits are scenario seconds divided by `speed`."""

    def __init__(self, speed: float = 1.0) -> None:
        """`speed` > 0: how many scenario seconds pass per real second."""
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed

    def now(self) -> datetime:
        """The wall clock."""
        return datetime.now(UTC)

    async def sleep(self, scenario_seconds: float) -> None:
        """Sleep the real-time equivalent of `scenario_seconds`."""
        await asyncio.sleep(max(scenario_seconds, 0) / self.speed)


class ManualClock:
    """A clock for tests: sleeping advances it at once, nothing really waits."""

    def __init__(self, start: datetime, speed: float = 1.0) -> None:
        """Start at `start`; a sleep advances by scenario seconds / `speed`."""
        self._now = start
        self.speed = speed
        self.slept: list[float] = []

    def now(self) -> datetime:
        """The clock's current time."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by real seconds."""
        self._now += timedelta(seconds=seconds)

    async def sleep(self, scenario_seconds: float) -> None:
        """Record the wait, advance, and yield once to the event loop."""
        self.slept.append(scenario_seconds)
        self.advance(max(scenario_seconds, 0) / self.speed)
        await asyncio.sleep(0)
