"""Signed 4.0 events of a type this library does not know (issue 18.7).

Smartcar mentions events beyond VERIFY, VEHICLE_STATE and VEHICLE_ERROR
(connection status, shape unconfirmed). A signed one is Smartcar's: it is
acknowledged and ignored, never refused with a 400 that Smartcar retries.
"""

from __future__ import annotations

import json

from .text import MAX_CODE_LENGTH, clean_token

KNOWN_EVENT_TYPES = frozenset({"VERIFY", "VEHICLE_STATE", "VEHICLE_ERROR"})
UNPRINTABLE = "-"


def unknown_event_type(body: bytes | str) -> str | None:
    """The event type of a 4.0 envelope of an unknown type (cleaned); else None.

    None for a body that is not a JSON object with a string `eventType`, or
    whose type is known (a known type that failed to parse is bad input).
    """
    try:
        document = json.loads(body)
    except ValueError, RecursionError:
        return None
    if not isinstance(document, dict):
        return None
    event_type = document.get("eventType")
    if not isinstance(event_type, str) or event_type in KNOWN_EVENT_TYPES:
        return None
    return clean_token(event_type, MAX_CODE_LENGTH) or UNPRINTABLE
