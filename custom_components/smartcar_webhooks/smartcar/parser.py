"""Parse Smartcar webhook bodies (2.0 and 4.0) into typed, immutable results.

`parse_delivery` is total: it returns a typed delivery or raises
`InvalidDeliveryError`, whatever bytes it is given. A field with the wrong type
or a value implausible in every unit it could be in (see `units`) is dropped
with a reason while the other fields of the same delivery still count. Every
string it returns is valid Unicode without control characters (the VERIFY
challenge excepted: it is answered byte for byte, and the webhook refuses an
unsafe one): ids that are not clean are refused, display text is cleaned. The
work per body is bounded (`MAX_*` of each format).

The formats: `parse_v2` (2.0), `parse_signals` (4.0 deliveries and v3 reads),
`coerce` (values). What each signal is: `signals.SIGNALS`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
import json
from typing import Any

import orjson

from .errors import InvalidDeliveryError
from .models import ChargingEvent, DataDelivery, Delivery, ErrorDelivery, VerifyRequest
from .parse_signals import clear_signal_memos, parse_v4
from .parse_v2 import parse_v2
from .signals import SIGNALS_OF_CODE, SIGNALS_OF_PATH
from .text import clean_id, signal_code
from .values import Field

# Smartcar re-sends a delivery byte for byte, and a re-sent body parses to the
# same delivery: the bodies parsed lately are kept, by their bytes.
RECENT_BODIES = 16
# body -> its delivery, and the newest time in it.
_recent: OrderedDict[bytes | str, tuple[Delivery, datetime | None]] = OrderedDict()


def _loads(body: bytes | str) -> Any:
    """The JSON document: orjson, and json where orjson is stricter than json.

    json also reads NaN and Infinity, lone surrogates, integers beyond 64 bits
    and UTF-16/32 bodies: those keep giving what they gave (a dropped field, a
    cleaned string), whichever library parses.
    """
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as err:
        raise InvalidDeliveryError("body is not JSON") from err


def _times(delivery: Delivery) -> Iterator[datetime | None]:
    if isinstance(delivery, DataDelivery):
        yield delivery.delivered_at
        for report in delivery.vehicles:
            yield report.fetched_at
            for reading in report.readings:
                yield reading.recorded_at
    elif isinstance(delivery, ErrorDelivery):
        yield delivery.delivered_at
    elif isinstance(delivery, ChargingEvent):
        yield delivery.event_time


def _newest(delivery: Delivery, received_at: datetime) -> tuple[bool, datetime | None]:
    """Whether parsing the same body later gives the same delivery, and its newest time.

    Not when a time was cut to the arrival (a car clock ahead): later it is cut
    less. A VERIFY is never kept: it is answered, not applied.
    """
    if isinstance(delivery, VerifyRequest):
        return False, None
    times = [at for at in _times(delivery) if at is not None]
    newest = max(times, default=None)
    return newest is None or newest < received_at, newest


def clear_recent_bodies() -> None:
    """Forget the bodies and signals parsed lately (tests start from nothing)."""
    _recent.clear()
    clear_signal_memos()


def parse_delivery(body: bytes | str, *, received_at: datetime) -> Delivery:
    """Parse a raw webhook body into a typed delivery.

    `received_at` stands in for times the body does not give. Raises
    `InvalidDeliveryError` for a body that is not JSON, not an object, or not a
    known shape; never anything else. A body seen lately is not parsed again:
    its delivery is the same, received now.
    """
    if (known := _recent.get(body)) is not None and (
        known[1] is None or known[1] < received_at
    ):
        _recent.move_to_end(body)
        return replace(known[0], received_at=received_at)  # type: ignore[arg-type]
    document = _loads(body)
    if not isinstance(document, dict):
        raise InvalidDeliveryError("body is not a JSON object")
    if "eventType" in document:
        delivery = parse_v4(document, received_at)
    elif "eventName" in document:
        delivery = parse_v2(document, received_at)
    else:
        raise InvalidDeliveryError("body is not a known Smartcar delivery")
    reusable, newest = _newest(delivery, received_at)
    if reusable:
        _recent[body] = (delivery, newest)
        if len(_recent) > RECENT_BODIES:
            _recent.popitem(last=False)
    return delivery


def parse_unsigned_verify(body: bytes | str) -> VerifyRequest | None:
    """The VERIFY challenge of an unsigned body; None for anything else.

    Reads only the event type, the challenge and the webhook id the sender
    claims (kept only when it is a clean id), and never raises. Anyone can send
    an unsigned body: the claimed id proves nothing (learn it from signed
    deliveries, red team 7.2).
    """
    try:
        document = json.loads(body)
    except ValueError, RecursionError:
        return None
    if not isinstance(document, dict):
        return None
    if "eventType" in document:
        version, is_verify, container = (
            "4.0",
            document["eventType"] == "VERIFY",
            document.get("data"),
        )
    else:
        version, is_verify, container = (
            "2.0",
            document.get("eventName") == "verify",
            document.get("payload"),
        )
    if not is_verify or not isinstance(container, dict):
        return None
    challenge: Any = container.get("challenge")
    if not isinstance(challenge, str) or not challenge:
        return None
    meta = document.get("meta") if version == "4.0" else document
    claimed = meta.get("webhookId") if isinstance(meta, dict) else None
    return VerifyRequest(challenge, clean_id(claimed), version)


def fields_of_signal(signal: str) -> tuple[Field, ...]:
    """The fields a 4.0 signal gives; empty for a signal the integration does not use.

    Takes a code (`tractionbattery-range`) or Smartcar's other spelling
    (`TractionBattery.Range`), as `VehicleError.signals` may hold either.
    """
    code = signal_code(signal)
    rows = None if code is None else SIGNALS_OF_CODE.get(code)
    return () if rows is None else tuple(row.field for row in rows)


def fields_of_path(path: str) -> tuple[Field, ...]:
    """The fields a 2.0 path (webhook item or REST endpoint) gives; () if unknown."""
    return tuple(row.field for row in SIGNALS_OF_PATH.get(path, ()))
