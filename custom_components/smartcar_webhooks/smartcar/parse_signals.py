"""Signals, as a 4.0 webhook delivers them and as a v3 `GET /vehicles/{id}/signals` answers.

Both carry the same signal bodies (`{code, body, status, meta}`); each body is
read by its registry row (`signals.SIGNALS`). An ERROR status becomes a field
error of every field of the signal; a signal nothing reads is counted, not read.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
import logging
from typing import Any

from .coerce import (
    MAX_CLOSURE_ITEMS,
    Collector,
    DroppedError,
    alert,
    closures,
    convert,
    epoch_ms,
    grid_position,
    iso_time,
    location,
    log_unread,
    not_after,
    optional_bool,
    trouble_codes,
)
from .errors import InvalidDeliveryError
from .models import (
    DataDelivery,
    Delivery,
    ErrorDelivery,
    ErrorState,
    FieldError,
    Mode,
    Reading,
    VehicleError,
    VehicleInfo,
    VehicleReport,
    VerifyRequest,
)
from .signals import SIGNAL_OF, SIGNALS_OF_CODE, Body, Signal
from .text import (
    MAX_DESCRIPTION_LENGTH,
    MAX_NAME_LENGTH,
    clean_code,
    clean_id,
    clean_text,
    signal_code,
)
from .values import ChargingState, Closure, Closures, Field, Value

_LOGGER = logging.getLogger(__name__)

KIND_VEHICLE_STATE = "vehicle_state"
KIND_SIGNALS_READ = "signals_read"

_FIRST_YEAR = 1886  # the first car
_LAST_YEAR = 2100

# The most one body may make the parser do; the body is at most 1 MiB. A 4.0
# delivery carries every subscribed signal (Smartcar has about a hundred).
MAX_SIGNALS_PER_DELIVERY = 256
MAX_TIRES = 16
MAX_ERRORS_PER_DELIVERY = 64
MAX_SIGNALS_PER_ERROR = 128


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidDeliveryError(f"{what} is not an object")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidDeliveryError(f"{what} is not a list")
    return value


def _mode(value: Any) -> Mode | None:
    if isinstance(value, str):
        try:
            return Mode(value.lower())
        except ValueError:
            return None
    return None


def resolution(value: Any) -> str | None:
    """The resolution type of an error body."""
    return clean_code(value.get("type")) if isinstance(value, dict) else None


def field_error(body: Any) -> FieldError:
    """A field error from `{type, code, resolution?}` (anything else: UNKNOWN)."""
    if not isinstance(body, dict):
        return FieldError("UNKNOWN")
    return FieldError(
        type=clean_code(body.get("type")) or "UNKNOWN",
        code=clean_code(body.get("code")),
        resolution=resolution(body.get("resolution")),
    )


# --- 4.0 webhook --------------------------------------------------------------------


def parse_v4(document: dict[str, Any], received_at: datetime) -> Delivery:
    """A 4.0 body (`eventType` present) as a typed delivery."""
    event_type = document.get("eventType")
    raw_meta = document.get("meta")
    meta = raw_meta if isinstance(raw_meta, dict) else {}
    webhook_id = clean_id(meta.get("webhookId"))
    data = _object(document.get("data"), "data")
    if event_type == "VERIFY":
        challenge = data.get("challenge")
        if not isinstance(challenge, str) or not challenge:
            raise InvalidDeliveryError("challenge is missing")
        return VerifyRequest(challenge, webhook_id, "4.0")
    if event_type not in ("VEHICLE_STATE", "VEHICLE_ERROR"):
        raise InvalidDeliveryError("unknown 4.0 eventType")
    mode = _mode(meta.get("mode"))
    webhook_name = clean_text(meta.get("webhookName"), MAX_NAME_LENGTH)
    delivered_at = not_after(epoch_ms(meta.get("deliveredAt")), received_at)
    delivery_id = (
        clean_id(document.get("eventId")) or clean_id(meta.get("deliveryId")) or ""
    )
    vehicle = vehicle_info(_object(data.get("vehicle"), "vehicle"))
    raw_user = data.get("user")
    user_id = clean_id(raw_user.get("id")) if isinstance(raw_user, dict) else None
    if event_type == "VEHICLE_ERROR":
        raw_errors = _list(data.get("errors"), "errors")
        if len(raw_errors) > MAX_ERRORS_PER_DELIVERY:
            _LOGGER.debug("Read the first %s vehicle errors", MAX_ERRORS_PER_DELIVERY)
        errors = tuple(
            error
            for raw in raw_errors[:MAX_ERRORS_PER_DELIVERY]
            if (error := _vehicle_error(raw)) is not None
        )
        return ErrorDelivery(
            webhook_id,
            mode,
            delivery_id,
            delivered_at,
            received_at,
            vehicle,
            errors,
            webhook_name,
            user_id,
        )
    collector = Collector(vehicle.vehicle_id, delivery_id)
    signals = _list(data.get("signals"), "signals")
    memo = signal_memo(vehicle.vehicle_id)
    for signal in signals[:MAX_SIGNALS_PER_DELIVERY]:
        if not isinstance(signal, dict):
            collector.drop("signals", "not a signal")
            continue
        read_signal(collector, signal, signal.get("meta"), received_at, memo)
    if len(signals) > MAX_SIGNALS_PER_DELIVERY:
        collector.drop("signals", "too many signals")
    derive_charging(collector)
    log_unread(collector.unread)
    return DataDelivery(
        kind=KIND_VEHICLE_STATE,
        webhook_id=webhook_id,
        mode=mode,
        delivered_at=delivered_at,
        received_at=received_at,
        vehicles=(VehicleReport(vehicle, delivery_id, tuple(collector.readings)),),
        dropped=tuple(collector.dropped),
        webhook_name=webhook_name,
        user_id=user_id,
    )


def vehicle_info(raw: dict[str, Any]) -> VehicleInfo:
    """`{id, make, model, year}` (or v3's `{id, attributes: {...}}`)."""
    attributes = raw.get("attributes")
    described = attributes if isinstance(attributes, dict) else raw
    year = described.get("year")
    identifier = raw.get("id")
    if not isinstance(identifier, str) or not identifier:
        raise InvalidDeliveryError("vehicle id is missing")
    if (vehicle_id := clean_id(identifier)) is None:
        raise InvalidDeliveryError("vehicle id is invalid")
    return VehicleInfo(
        vehicle_id=vehicle_id,
        make=clean_text(described.get("make"), MAX_NAME_LENGTH),
        model=clean_text(described.get("model"), MAX_NAME_LENGTH),
        year=year if type(year) is int and _FIRST_YEAR <= year <= _LAST_YEAR else None,
    )


def _vehicle_error(raw: Any) -> VehicleError | None:
    if not isinstance(raw, dict) or (error_type := clean_code(raw.get("type"))) is None:
        return None
    signals: dict[str, None] = {}  # signal codes, in order, each once
    raw_signals = raw.get("signals")
    for signal in (
        raw_signals[:MAX_SIGNALS_PER_ERROR] if isinstance(raw_signals, list) else ()
    ):
        reference = signal.get("code") if isinstance(signal, dict) else signal
        if (code := signal_code(reference)) is not None:
            signals[code] = None
    state = ErrorState.RESOLVED if raw.get("state") == "RESOLVED" else ErrorState.ERROR
    return VehicleError(
        type=error_type,
        code=clean_code(raw.get("code")),
        description=clean_text(raw.get("description"), MAX_DESCRIPTION_LENGTH),
        resolution=resolution(raw.get("resolution")),
        state=state,
        signals=tuple(signals),
    )


def derive_charging(collector: Collector) -> None:
    """Whether the car charges, from its charging status when it sends no `charge-ischarging`.

    Some cars report only `charge-detailedchargingstatus`; 2.0 derives the flag the
    same way from `/charge.state`.
    """
    status: Reading | None = None
    for reading in collector.readings:
        if reading.field is Field.CHARGING:
            return
        if reading.field is Field.CHARGING_STATE:
            status = reading
    if status is None:
        return
    row = SIGNAL_OF[Field.CHARGING]
    if status.error is not None:
        collector.add_error((row,), status.error)
    else:
        charging = status.value is ChargingState.CHARGING
        collector.add(row, charging, status.recorded_at)


# --- one signal ---------------------------------------------------------------------


def _time(raw: Any) -> datetime | None:
    # 4.0 sends epoch milliseconds, v3 ISO 8601; 0 or missing means none.
    return iso_time(raw) if isinstance(raw, str) else epoch_ms(raw)


# A car sends every subscribed signal in every delivery, most of them as they
# were: per vehicle, each signal's last raw form and what it read as, so an
# unchanged signal costs a comparison. Only clean reads are kept (a dropped
# value is read, and logged, again); the car time is kept uncut.
MEMO_VEHICLES = 256
type _Outcome = tuple[tuple[Reading, ...], datetime | None]
_memos: OrderedDict[str, dict[str, tuple[dict[str, Any], _Outcome]]] = OrderedDict()


def signal_memo(vehicle_id: str) -> dict[str, tuple[dict[str, Any], _Outcome]]:
    """The vehicle's last raw signals, by code."""
    if (memo := _memos.get(vehicle_id)) is None:
        memo = _memos[vehicle_id] = {}
        if len(_memos) > MEMO_VEHICLES:
            _memos.popitem(last=False)
    else:
        _memos.move_to_end(vehicle_id)
    return memo


def clear_signal_memos() -> None:
    """Forget every vehicle's last signals (tests start from nothing)."""
    _memos.clear()


def _replay(collector: Collector, outcome: _Outcome, received_at: datetime) -> None:
    readings, raw_at = outcome
    at = not_after(raw_at, received_at)
    vehicle_id, delivery_id = collector.vehicle_id, collector.delivery_id
    collector.readings.extend(
        Reading(
            vehicle_id,
            reading.field,
            reading.value,
            reading.unit,
            None if reading.error is not None else at,
            delivery_id,
            reading.error,
        )
        for reading in readings
    )


def read_signal(
    collector: Collector,
    signal: dict[str, Any],
    meta: Any,
    received_at: datetime,
    memo: dict[str, tuple[dict[str, Any], _Outcome]] | None = None,
) -> None:
    """Read one signal `{code, body, status}` whose times are in `meta`.

    With a `memo` (meta inside the signal, as 4.0 sends it), a signal equal to
    the vehicle's last one of its code reads as it read then.
    """
    code = signal.get("code")
    if not isinstance(code, str):
        collector.drop("signals", "not a signal")
        return
    if (rows := SIGNALS_OF_CODE.get(code)) is None:
        collector.unread += 1
        return
    if (
        memo is not None
        and (known := memo.get(code)) is not None
        and (known[0] == signal)
    ):
        _replay(collector, known[1], received_at)
        return
    before, dropped = len(collector.readings), len(collector.dropped)
    raw_at: datetime | None = None
    status = signal.get("status")
    if isinstance(status, dict) and status.get("value") == "ERROR":
        collector.add_error(rows, field_error(status.get("error")))
    else:
        body = signal.get("body")
        if not isinstance(body, dict):
            collector.drop(code, "body is not an object")
            return
        # Only the car's own time counts.
        raw_at = _time(meta.get("oemUpdatedAt")) if isinstance(meta, dict) else None
        _READERS[rows[0].body](
            collector, code, rows, body, not_after(raw_at, received_at)
        )
    if memo is not None and len(collector.dropped) == dropped:
        memo[code] = (signal, (tuple(collector.readings[before:]), raw_at))


type _Reader = Callable[
    [Collector, str, tuple[Signal, ...], dict[str, Any], datetime | None], None
]


def _read_value(
    collector: Collector,
    code: str,
    rows: tuple[Signal, ...],
    body: dict[str, Any],
    at: datetime | None,
) -> None:
    row = rows[0]
    for key in row.keys:
        if key in body:
            raw = body[key]
            break
    else:
        return
    unit = body.get("unit")
    try:
        value = convert(row, raw, unit if isinstance(unit, str) else None)
    except DroppedError as err:
        collector.drop(f"{code}.{key}", str(err))
        return
    collector.add(row, value, at)


def _read_charge_limits(
    collector: Collector,
    code: str,
    rows: tuple[Signal, ...],
    body: dict[str, Any],
    at: datetime | None,
) -> None:
    """`activeLimit`, null when the car is not plugged in: then the GLOBAL limit."""
    raw = body.get("activeLimit")
    if raw is None and isinstance(limits := body.get("values"), list):
        raw = next(
            (
                limit.get("limit")
                for limit in limits[:MAX_TIRES]
                if isinstance(limit, dict) and limit.get("type") == "GLOBAL"
            ),
            None,
        )
    if raw is None:
        return
    unit = body.get("unit")
    try:
        value = convert(rows[0], raw, unit if isinstance(unit, str) else None)
    except DroppedError as err:
        collector.drop(f"{code}.activeLimit", str(err))
        return
    collector.add(rows[0], value, at)


def _read_tires(
    collector: Collector,
    code: str,
    rows: tuple[Signal, ...],
    body: dict[str, Any],
    at: datetime | None,
) -> None:
    values = body.get("values")
    if not isinstance(values, list):
        collector.drop(code, "values is not a list")
        return
    if len(values) > MAX_TIRES:
        collector.drop(code, "too many tires")
        return
    unit = body.get("unit")
    label = unit if isinstance(unit, str) else None
    by_position: dict[tuple[Any, Any], Signal] = {
        row.position: row for row in rows if row.position is not None
    }
    for tire in values:
        row = (
            by_position.get((tire.get("row"), tire.get("column")))
            if isinstance(tire, dict)
            and "tirePressure" in tire
            and type(tire.get("row")) is int
            and type(tire.get("column")) is int
            else None
        )
        if row is None:
            collector.drop(code, "not a tire of a 2x2 layout")
            continue
        try:
            collector.add(row, convert(row, tire["tirePressure"], label), at)
        except DroppedError as err:
            collector.drop(f"{code}.{row.field.value}", str(err))


def _read_closure_grid(
    collector: Collector,
    code: str,
    rows: tuple[Signal, ...],
    body: dict[str, Any],
    at: datetime | None,
) -> None:
    """Doors or windows: `{values: [{row, column, isOpen, isLocked?}], ...}`."""
    values = next((body[key] for key in rows[0].keys if key in body), None)
    if not isinstance(values, list):
        collector.drop(code, "values is not a list")
        return
    if len(values) > MAX_CLOSURE_ITEMS:
        collector.drop(code, "too many items")
        return
    try:
        collector.add(rows[0], closures([_grid_item(value) for value in values]), at)
    except DroppedError as err:
        collector.drop(code, str(err))


def _grid_item(value: Any) -> Closure:
    if not isinstance(value, dict):
        raise DroppedError("not a closure")
    return Closure(
        grid_position(value.get("row")),
        grid_position(value.get("column")),
        optional_bool(value.get("isOpen")),
        optional_bool(value.get("isLocked")),
    )


def _one_value(read: Callable[[dict[str, Any]], Value]) -> _Reader:
    """A reader of a signal whose whole body is one value of its one field."""

    def reader(
        collector: Collector,
        code: str,
        rows: tuple[Signal, ...],
        body: dict[str, Any],
        at: datetime | None,
    ) -> None:
        try:
            collector.add(rows[0], read(body), at)
        except DroppedError as err:
            collector.drop(code, str(err))

    return reader


def _closure(body: dict[str, Any]) -> Closures:
    """A trunk, front trunk, sunroof or engine cover: `{isOpen, isLocked?}`."""
    return closures(
        [
            Closure(
                None,
                None,
                optional_bool(body.get("isOpen")),
                optional_bool(body.get("isLocked")),
            )
        ]
    )


_READERS: dict[Body, _Reader] = {
    Body.VALUE: _read_value,
    Body.CHARGE_LIMITS: _read_charge_limits,
    Body.LOCATION: _one_value(location),
    Body.TIRES: _read_tires,
    Body.CLOSURE_GRID: _read_closure_grid,
    Body.CLOSURE: _one_value(_closure),
    Body.ALERT: _one_value(alert),
    Body.CODES: _one_value(lambda body: trouble_codes(body.get("values"))),
}


# --- v3 signals read ----------------------------------------------------------------


def parse_signals(
    document: Any, *, received_at: datetime, vehicle_id: str | None = None
) -> DataDelivery:
    """A v3 `GET /vehicles/{id}/signals` answer (decoded JSON) as a typed delivery.

    `data[]` holds `{attributes: {code, name, group, status, body}, meta:
    {retrievedAt, oemUpdatedAt}}`, read exactly like a 4.0 delivery's signals;
    a signal's ERROR status is a field error. The vehicle is `included.vehicle`,
    else `vehicle_id` (the one asked about). Raises `InvalidDeliveryError` for
    an answer of another shape; never anything else.
    """
    root = _object(document, "answer")
    included = root.get("included")
    raw_vehicle = included.get("vehicle") if isinstance(included, dict) else None
    if isinstance(raw_vehicle, dict) and "id" in raw_vehicle:
        vehicle = vehicle_info(raw_vehicle)
    elif vehicle_id is not None and (clean := clean_id(vehicle_id)) is not None:
        vehicle = VehicleInfo(clean)
    else:
        raise InvalidDeliveryError("vehicle is missing")
    collector = Collector(vehicle.vehicle_id, "")
    data = _list(root.get("data"), "data")
    for item in data[:MAX_SIGNALS_PER_DELIVERY]:
        attributes = item.get("attributes") if isinstance(item, dict) else None
        if not isinstance(attributes, dict):
            collector.drop("data", "not a signal")
            continue
        read_signal(collector, attributes, item.get("meta"), received_at)
    if len(data) > MAX_SIGNALS_PER_DELIVERY:
        collector.drop("data", "too many signals")
    derive_charging(collector)
    log_unread(collector.unread)
    return DataDelivery(
        kind=KIND_SIGNALS_READ,
        webhook_id=None,
        mode=None,
        delivered_at=None,
        received_at=received_at,
        vehicles=(VehicleReport(vehicle, "", tuple(collector.readings)),),
        dropped=tuple(collector.dropped),
    )
