"""The events a vehicle's changes make: their types, order and data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from .smartcar import Field

# A charging event both a 2.0 eventBased webhook and the data report fires once
# when their car times are this close: dynamic data follow a change within 30 min.
DOUBLE_EVENT_WINDOW = timedelta(hours=1)


class VehicleEventType(StrEnum):
    """Something that happened to a vehicle, as its event entity fires it."""

    PLUGGED_IN = "plugged_in"
    UNPLUGGED = "unplugged"
    CHARGING_STARTED = "charging_started"
    CHARGING_STOPPED = "charging_stopped"
    CHARGING_COMPLETED = "charging_completed"
    LOW_BATTERY = "low_battery"


CHARGING_EVENTS = frozenset(
    {
        VehicleEventType.CHARGING_STARTED,
        VehicleEventType.CHARGING_STOPPED,
        VehicleEventType.CHARGING_COMPLETED,
    }
)
# Events of one delivery with the same car time: plugged in, then charging
# starts; charging stops, then unplugged.
EVENT_ORDER = {
    VehicleEventType.PLUGGED_IN: 0,
    VehicleEventType.CHARGING_STARTED: 1,
    VehicleEventType.CHARGING_STOPPED: 2,
    VehicleEventType.CHARGING_COMPLETED: 2,
    VehicleEventType.LOW_BATTERY: 3,
    VehicleEventType.UNPLUGGED: 4,
}
NO_TIME = datetime.min.replace(tzinfo=UTC)
EVENT_FIELDS = frozenset({Field.PLUGGED_IN, Field.CHARGING, Field.BATTERY_LEVEL})


@dataclass(frozen=True, slots=True)
class VehicleEvent:
    """One event: its type, the battery level then, and the car's time of it."""

    type: VehicleEventType
    battery_level: float | None
    car_time: datetime | None
