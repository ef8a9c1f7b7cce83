"""Typed, immutable results of parsing Smartcar webhook deliveries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .units import Unit
from .values import Field, Value


class ChargingEventType(StrEnum):
    """A 2.0 eventBased charging event."""

    CHARGING_STARTED = "charging_started"
    CHARGING_STOPPED = "charging_stopped"
    CHARGING_COMPLETED = "charging_completed"


class Mode(StrEnum):
    """The mode a webhook delivery was sent in."""

    LIVE = "live"
    TEST = "test"
    SIMULATED = "simulated"


class ErrorState(StrEnum):
    """Whether a 4.0 vehicle error is still present."""

    ERROR = "error"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class FieldError:
    """Why a field could not be read (2.0 item code != 200, 4.0 status ERROR)."""

    type: str
    code: str | None = None
    resolution: str | None = None


@dataclass(frozen=True, slots=True)
class Reading:
    """One field of one vehicle: a value in its native unit, or an error.

    `recorded_at` is when the car recorded the value (4.0 `oemUpdatedAt`, 2.0
    `sc-data-age` or `sc-fetched-at`); None when the body gives no such time
    (every error, `oemUpdatedAt: 0`, an empty `meta`).
    """

    vehicle_id: str
    field: Field
    value: Value | None
    unit: Unit | None
    recorded_at: datetime | None
    delivery_id: str
    error: FieldError | None = None


@dataclass(frozen=True, slots=True)
class DroppedField:
    """A field left out of a delivery, with the reason (never the value)."""

    vehicle_id: str
    source: str
    reason: str


@dataclass(frozen=True, slots=True)
class VehicleInfo:
    """What a 4.0 delivery says about a vehicle."""

    vehicle_id: str
    make: str | None = None
    model: str | None = None
    year: int | None = None


@dataclass(frozen=True, slots=True)
class VerifyRequest:
    """A VERIFY challenge (2.0 or 4.0); Smartcar's webhook id when the body has it."""

    challenge: str
    webhook_id: str | None
    version: str


@dataclass(frozen=True, slots=True)
class VehicleReport:
    """The readings of one vehicle in a data delivery.

    `fetched_at` is the newest time a 2.0 item's headers give (data age or
    fetch time, errors included): a 2.0 body has no delivery time of its own.
    """

    vehicle: VehicleInfo
    delivery_id: str
    readings: tuple[Reading, ...]
    fetched_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DataDelivery:
    """A 2.0 dynamic/scheduled or 4.0 VEHICLE_STATE delivery.

    `delivered_at` is when Smartcar sent it (4.0 `meta.deliveredAt`); None
    when the body does not say (every 2.0 body). `received_at` is its arrival.
    """

    kind: str
    webhook_id: str | None
    mode: Mode | None
    delivered_at: datetime | None
    received_at: datetime
    vehicles: tuple[VehicleReport, ...]
    dropped: tuple[DroppedField, ...] = ()
    webhook_name: str | None = None  # 4.0 `meta.webhookName`, cleaned
    user_id: str | None = None  # 4.0 `data.user.id`: whose vehicle it is


@dataclass(frozen=True, slots=True)
class ChargingEvent:
    """A 2.0 eventBased delivery: charging started, stopped or completed.

    `event_time` is when the car reported it; None when the body has no time.
    """

    webhook_id: str | None
    mode: Mode | None
    delivery_id: str
    vehicle_id: str
    event_type: ChargingEventType
    event_time: datetime | None
    received_at: datetime


@dataclass(frozen=True, slots=True)
class VehicleError:
    """One error of a 4.0 VEHICLE_ERROR delivery."""

    type: str
    code: str | None
    description: str | None
    resolution: str | None
    state: ErrorState
    signals: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ErrorDelivery:
    """A 4.0 VEHICLE_ERROR delivery; `delivered_at` None when the body lacks it."""

    webhook_id: str | None
    mode: Mode | None
    delivery_id: str
    delivered_at: datetime | None
    received_at: datetime
    vehicle: VehicleInfo
    errors: tuple[VehicleError, ...]
    webhook_name: str | None = None
    user_id: str | None = None  # `data.user.id`


type Delivery = VerifyRequest | DataDelivery | ChargingEvent | ErrorDelivery
