"""The entry's options as the rest of the integration reads them."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry

from .const import CONF_FALLBACK_HOURS, CONF_LOW_BATTERY, DEFAULT_LOW_BATTERY


def low_battery(entry: ConfigEntry) -> float:
    """The entry's low-battery threshold in %."""
    return float(entry.options.get(CONF_LOW_BATTERY, DEFAULT_LOW_BATTERY))


def fallback_hours(entry: ConfigEntry) -> int:
    """Hours without data after which a vehicle is read through the API (0: never)."""
    return int(entry.options.get(CONF_FALLBACK_HOURS, 0))
