"""Smartcar permissions (Connect scopes): which one each read and command needs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final

CONTROL_CHARGE: Final = "control_charge"  # start/stop charging, set the charge limit
CONTROL_SECURITY: Final = "control_security"  # lock and unlock

# A v2.0 endpoint a fresh read asks for -> the permission it needs.
READ_PERMISSIONS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "/battery": "read_battery",
        "/battery/capacity": "read_battery",
        "/charge": "read_charge",
        "/charge/limit": "read_charge",
        "/location": "read_location",
        "/odometer": "read_odometer",
        "/fuel": "read_fuel",
        "/tires/pressure": "read_tires",
        "/engine/oil": "read_engine_oil",
        "/security": "read_security",
    }
)


def readable_paths(granted: Iterable[str]) -> tuple[str, ...]:
    """The endpoints a fresh read may ask for with these permissions."""
    scopes = frozenset(granted)
    return tuple(path for path, scope in READ_PERMISSIONS.items() if scope in scopes)
