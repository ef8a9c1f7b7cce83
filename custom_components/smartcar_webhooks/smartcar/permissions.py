"""Smartcar permissions (Connect scopes): which one each read and command needs.

The read permissions follow from the signal registry (`signals.SIGNALS`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final

from .signals import READ_SCOPES, SIGNALS_OF_PATH

CONTROL_CHARGE: Final = "control_charge"  # start/stop charging, set the charge limit
CONTROL_SECURITY: Final = "control_security"  # lock and unlock

# A v2.0 endpoint a fresh read asks for -> the permission it needs.
READ_PERMISSIONS: Final[Mapping[str, str]] = MappingProxyType(
    {path: rows[0].permission for path, rows in SIGNALS_OF_PATH.items()}
)


def readable_paths(granted: Iterable[str]) -> tuple[str, ...]:
    """The endpoints a fresh read may ask for with these permissions."""
    scopes = frozenset(granted)
    return tuple(path for path, scope in READ_PERMISSIONS.items() if scope in scopes)


__all__ = [
    "CONTROL_CHARGE",
    "CONTROL_SECURITY",
    "READ_PERMISSIONS",
    "READ_SCOPES",
    "readable_paths",
]
