"""Dispatcher signals from a loaded entry to what outlives its reloads (device triggers)."""

from __future__ import annotations

from homeassistant.util.signal_type import SignalType

from .const import DOMAIN
from .events import VehicleEvent


def signal_events(
    entry_id: str, vehicle_id: str
) -> SignalType[tuple[VehicleEvent, ...]]:
    """Dispatcher signal with the events of a delivery for one vehicle."""
    return SignalType(f"{DOMAIN}_{entry_id}_{vehicle_id}_events")


def signal_battery(entry_id: str, vehicle_id: str) -> SignalType[float, float]:
    """Dispatcher signal with a vehicle's battery level before and after a change."""
    return SignalType(f"{DOMAIN}_{entry_id}_{vehicle_id}_battery")
