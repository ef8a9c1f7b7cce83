"""Billed Smartcar calls, counted per vehicle and calendar month (UTC), persisted.

Smartcar bills reads and commands per vehicle and month (free plans are
reported to have about 500). The count survives restarts in its own small
`Store`; a new month starts at zero. Listeners hear of every change, so a
diagnostic sensor can show it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.storage import Store

from .const import DOMAIN

STORAGE_VERSION = 1
SAVE_DELAY = 10  # seconds: a burst of calls is written once


def month_of(when: datetime) -> str:
    """The billing month of a moment: "2026-12"."""
    return f"{when.year:04d}-{when.month:02d}"


class UsageCounter:
    """One entry's billed calls: vehicle id -> count in the current month."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Bind to the entry's own file; `async_load` reads it."""
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.usage"
        )
        self._month = ""
        self._counts: dict[str, int] = {}
        self._listeners: list[Callable[[], None]] = []

    async def async_load(self) -> None:
        """Read the stored month and counts (anything unusable counts as none)."""
        data = await self._store.async_load()
        if not isinstance(data, dict) or not isinstance(data.get("month"), str):
            return
        counts = data.get("counts")
        self._month = data["month"]
        self._counts = {
            str(vehicle_id): count
            for vehicle_id, count in (
                counts.items() if isinstance(counts, dict) else ()
            )
            if type(count) is int and count >= 0
        }

    def count(self, vehicle_id: str, now: datetime) -> int:
        """The vehicle's billed calls in the month of `now`."""
        if month_of(now) != self._month:
            return 0
        return self._counts.get(vehicle_id, 0)

    @callback
    def async_add(self, vehicle_id: str, now: datetime) -> int:
        """Count one billed call; the vehicle's count this month."""
        if (month := month_of(now)) != self._month:
            self._month, self._counts = month, {}
        self._counts[vehicle_id] = self._counts.get(vehicle_id, 0) + 1
        self._store.async_delay_save(self._data, SAVE_DELAY)
        for listener in list(self._listeners):
            listener()
        return self._counts[vehicle_id]

    def _data(self) -> dict[str, Any]:
        return {"month": self._month, "counts": dict(self._counts)}

    @callback
    def async_listen(self, listener: Callable[[], None]) -> CALLBACK_TYPE:
        """Call `listener` after every counted call; returns the remover."""
        self._listeners.append(listener)

        def remove() -> None:
            self._listeners.remove(listener)

        return remove

    async def async_flush(self) -> None:
        """Write what is not saved yet (unload)."""
        if self._month:
            await self._store.async_save(self._data())

    async def async_remove(self) -> None:
        """Delete the file (the entry is removed)."""
        await self._store.async_remove()
