"""Smartcar's webhook bodies, rendered from a car's current state.

Shapes follow Smartcar's documentation and what real cars send (see
docs in shared/): 2.0 `dynamic` and `eventBased`, 4.0 `VEHICLE_STATE` and
`VEHICLE_ERROR`, and VERIFY in both versions. Bodies are bytes: the exact
bytes that are signed are the bytes that are sent, retried and re-sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
import json
import random
from typing import Any
import uuid

from .cars import Car
from .clock import Clock

# How long before its delivery a car recorded its data, and Smartcar fetched it.
# Tiny on purpose: scenarios are played faster than real time, and an error
# reading is stamped with its arrival (it has no car time of its own), so the
# next good reading must be newer than that however fast steps follow.
DATA_AGE = timedelta(milliseconds=2)
FETCH_AGE = timedelta(milliseconds=1)


class DeliveryFormat(StrEnum):
    """Which webhook format(s) to deliver."""

    V2 = "2.0"
    V4 = "4.0"
    BOTH = "both"

    def includes(self, version: str) -> bool:
        """Whether deliveries of `version` ("2.0" or "4.0") are sent."""
        return self is DeliveryFormat.BOTH or self.value == version


@dataclass(frozen=True, slots=True)
class Delivery:
    """One webhook request body, ready to sign and send."""

    version: str  # "2.0" or "4.0"
    kind: str  # verify, dynamic, eventBased, VEHICLE_STATE, VEHICLE_ERROR
    body: bytes
    vehicle_id: str | None = None
    delivery_id: str | None = None
    test_mode: bool = False

    def describe(self) -> dict[str, Any]:
        """A JSON-able summary (no body): what a control client is shown."""
        return {
            "version": self.version,
            "kind": self.kind,
            "vehicle_id": self.vehicle_id,
            "delivery_id": self.delivery_id,
            "test_mode": self.test_mode,
        }


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _dump(document: dict[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True)
class SignalError:
    """A signal that reports an error instead of a value (4.0), or a failed path (2.0)."""

    type: str = "VEHICLE_STATE"
    code: str | None = "UNREACHABLE"
    resolution: str | None = "RETRY_LATER"
    description: str = "The vehicle could not be reached. Please try again later."


# 4.0 signals every delivery carries: code -> (name, group, body of the car).
SIGNALS: dict[str, tuple[str, str, Callable[[Car], dict[str, Any]]]] = {
    "tractionbattery-stateofcharge": (
        "StateOfCharge",
        "TractionBattery",
        lambda car: {"value": round(car.soc, 1), "unit": "percent"},
    ),
    "tractionbattery-range": (
        "Range",
        "TractionBattery",
        lambda car: {
            "value": round(car.range_km, 1),
            "type": "DEFAULT",
            "additionalValues": [],
            "unit": "km",
        },
    ),
    "tractionbattery-nominalcapacity": (
        "NominalCapacity",
        "TractionBattery",
        lambda car: {
            "capacity": car.spec.capacity_kwh,
            "source": "SMARTCAR",
            "availableCapacities": [],
            "unit": "kWh",
        },
    ),
    "charge-ischargingcableconnected": (
        "IsChargingCableConnected",
        "Charge",
        lambda car: {"value": car.plugged_in},
    ),
    "charge-ischarging": ("IsCharging", "Charge", lambda car: {"value": car.charging}),
    "charge-detailedchargingstatus": (
        "DetailedChargingStatus",
        "Charge",
        lambda car: {"value": car.charge_state.value},
    ),
    "charge-wattage": (
        "Wattage",
        "Charge",
        lambda car: {"value": round(car.charge_power_w), "unit": "watts"},
    ),
    "charge-amperage": (
        "Amperage",
        "Charge",
        lambda car: {"value": round(car.charge_power_w / 690, 1), "unit": "ampere"},
    ),
    "charge-voltage": (
        "Voltage",
        "Charge",
        lambda car: {"value": 230 if car.charging else 0, "unit": "volts"},
    ),
    "charge-energyadded": (
        "EnergyAdded",
        "Charge",
        lambda car: {"value": round(car.energy_added_kwh, 2), "unit": "kWh"},
    ),
    "charge-timetocomplete": (
        "TimeToComplete",
        "Charge",
        lambda car: {"value": car.minutes_to_full},
    ),
    "charge-chargelimits": (
        "ChargeLimits",
        "Charge",
        lambda car: {
            "values": [
                {"type": "GLOBAL", "limit": car.charge_limit, "condition": None}
            ],
            "activeLimit": car.charge_limit,
            "unit": "percent",
        },
    ),
    "location-preciselocation": (
        "PreciseLocation",
        "Location",
        lambda car: {
            "latitude": round(car.latitude, 6),
            "longitude": round(car.longitude, 6),
            "heading": car.heading,
            "locationType": "CURRENT" if car.moving else "LAST_PARKED",
        },
    ),
    "odometer-traveleddistance": (
        "TraveledDistance",
        "Odometer",
        lambda car: {"value": round(car.odometer_km, 1), "unit": "km"},
    ),
    "closure-islocked": ("IsLocked", "Closure", lambda car: {"value": car.locked}),
    "connectivitystatus-isonline": (
        "IsOnline",
        "ConnectivityStatus",
        lambda car: {"value": car.online},
    ),
    "connectivitystatus-isasleep": (
        "IsAsleep",
        "ConnectivityStatus",
        lambda car: {"value": not car.moving and not car.charging},
    ),
    "vehicleidentification-vin": (
        "VIN",
        "VehicleIdentification",
        lambda car: {"value": car.vin},
    ),
}
# Signals whose car time is not meaningful (real cars send 0 for them).
TIMELESS_SIGNALS = frozenset(
    {"tractionbattery-nominalcapacity", "vehicleidentification-vin"}
)


class PayloadFactory:
    """Renders deliveries of one Smartcar webhook.

    Ids come from `rng`, so a seeded factory renders the same ids every run;
    car times come from `clock` and never repeat or go backwards.
    """

    def __init__(
        self,
        *,
        webhook_id: str,
        user_id: str,
        clock: Clock,
        rng: random.Random | None = None,
        webhook_name: str = "Home Assistant",
    ) -> None:
        """A factory for the webhook `webhook_id` of the Smartcar user `user_id`."""
        self.webhook_id = webhook_id
        self.webhook_name = webhook_name
        self.user_id = user_id
        self._clock = clock
        self._rng = rng or random.Random()  # noqa: S311 - ids, not secrets
        self._last = datetime.min.replace(tzinfo=UTC)

    def new_id(self) -> str:
        """A fresh UUID (from the factory's random source)."""
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def _now(self) -> datetime:
        """The delivery time: the clock, but always after the previous one."""
        now = self._clock.now()
        if now <= self._last:
            now = self._last + timedelta(milliseconds=1)
        self._last = now
        return now

    # --- VERIFY ---------------------------------------------------------------

    def verify(self, version: str, challenge: str) -> Delivery:
        """Smartcar's VERIFY request (not signed)."""
        if version == "2.0":
            document: dict[str, Any] = {
                "version": "2.0",
                "webhookId": self.webhook_id,
                "eventName": "verify",
                "payload": {"challenge": challenge},
            }
        else:
            document = {
                "eventId": self.new_id(),
                "eventType": "VERIFY",
                "data": {"challenge": challenge},
                "meta": {
                    "version": "4.0",
                    "webhookId": self.webhook_id,
                    "webhookName": self.webhook_name,
                    "deliveryId": self.new_id(),
                    "deliveredAt": _ms(self._now()),
                },
            }
        return Delivery(version, "verify", _dump(document))

    # --- 4.0 ------------------------------------------------------------------

    def vehicle_state(
        self,
        car: Car,
        *,
        changed: Iterable[str] = (),
        errors: dict[str, SignalError] | None = None,
        first: bool = False,
        test_mode: bool = False,
    ) -> Delivery:
        """A 4.0 VEHICLE_STATE carrying every signal, errors where given."""
        delivered = self._now()
        recorded, retrieved = _ms(delivered - DATA_AGE), _ms(delivered - FETCH_AGE)
        signals = []
        for code, (name, group, body) in SIGNALS.items():
            signal: dict[str, Any] = {"code": code, "name": name, "group": group}
            if errors and (error := errors.get(code)):
                signal["status"] = {
                    "value": "ERROR",
                    "error": {"type": error.type, "code": error.code},
                }
            else:
                timeless = code in TIMELESS_SIGNALS
                signal["body"] = body(car)
                signal["meta"] = {
                    "oemUpdatedAt": 0 if timeless else recorded,
                    "retrievedAt": 0 if timeless else retrieved,
                }
                signal["status"] = {"value": "SUCCESS"}
            signals.append(signal)
        triggers: list[dict[str, Any]] = (
            [{"code": "FIRST_DELIVERY"}]
            if first
            else [
                {
                    "type": "SIGNAL_UPDATED",
                    "signal": {
                        "name": SIGNALS[code][0],
                        "code": code,
                        "group": SIGNALS[code][1],
                    },
                }
                for code in changed
                if code in SIGNALS
            ]
        )
        delivery_id = self.new_id()
        document = {
            "eventId": self.new_id(),
            "eventType": "VEHICLE_STATE",
            "data": {
                "user": {"id": self.user_id},
                "vehicle": self._vehicle(car),
                "signals": signals,
            },
            "triggers": triggers,
            "meta": self._meta(delivery_id, delivered, test_mode, len(signals)),
        }
        return Delivery(
            "4.0",
            "VEHICLE_STATE",
            _dump(document),
            car.vehicle_id,
            delivery_id,
            test_mode,
        )

    def vehicle_error(
        self, car: Car, error: SignalError, *, signals: Iterable[str], resolved: bool
    ) -> Delivery:
        """A 4.0 VEHICLE_ERROR: an error (or its resolution) for some signals."""
        delivered = self._now()
        delivery_id = self.new_id()
        document = {
            "eventId": self.new_id(),
            "eventType": "VEHICLE_ERROR",
            "data": {
                "user": {"id": self.user_id},
                "vehicle": self._vehicle(car),
                "errors": [
                    {
                        "type": error.type,
                        "code": error.code,
                        "description": error.description,
                        "resolution": {"type": error.resolution},
                        "state": "RESOLVED" if resolved else "ERROR",
                        "signals": [
                            {
                                "code": code,
                                "name": SIGNALS[code][0],
                                "group": SIGNALS[code][1],
                            }
                            for code in signals
                            if code in SIGNALS
                        ],
                    }
                ],
            },
            "meta": self._meta(delivery_id, delivered, False, None),
        }
        return Delivery(
            "4.0", "VEHICLE_ERROR", _dump(document), car.vehicle_id, delivery_id
        )

    def _vehicle(self, car: Car) -> dict[str, Any]:
        return {
            "id": car.vehicle_id,
            "make": car.make,
            "model": car.model,
            "year": car.year,
        }

    def _meta(
        self,
        delivery_id: str,
        delivered: datetime,
        test_mode: bool,
        signal_count: int | None,
    ) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "version": "4.0",
            "deliveryId": delivery_id,
            "deliveredAt": _ms(delivered),
            "webhookId": self.webhook_id,
            "webhookName": self.webhook_name,
            "mode": "TEST" if test_mode else "LIVE",
        }
        if signal_count is not None:
            meta["signalCount"] = signal_count
        return meta

    # --- 2.0 ------------------------------------------------------------------

    def dynamic(
        self,
        car: Car,
        *,
        errors: dict[str, SignalError] | None = None,
        test_mode: bool = False,
    ) -> Delivery:
        """A 2.0 `dynamic` delivery: /battery, /charge and /location (errors by path)."""
        delivered = self._now()
        headers = {"sc-data-age": _iso(delivered - DATA_AGE)}
        bodies: dict[str, dict[str, Any]] = {
            "/battery": {
                "percentRemaining": round(car.soc / 100, 4),
                "range": round(car.range_km, 2),
            },
            "/charge": {
                "isPluggedIn": car.plugged_in,
                "state": car.charge_state.value,
            },
            "/location": {
                "latitude": round(car.latitude, 6),
                "longitude": round(car.longitude, 6),
            },
        }
        data = []
        for path, body in bodies.items():
            if errors and (error := errors.get(path)):
                data.append(
                    {
                        "path": path,
                        "code": 409,
                        "body": {
                            "type": error.type,
                            "code": error.code,
                            "description": error.description,
                            "resolution": {"type": error.resolution},
                        },
                        "headers": {},
                    }
                )
            else:
                data.append(
                    {"path": path, "code": 200, "body": body, "headers": headers}
                )
        request_id = self.new_id()
        document = {
            "version": "2.0",
            "webhookId": self.webhook_id,
            "eventName": "dynamic",
            "mode": "test" if test_mode else "live",
            "payload": {
                "vehicles": [
                    {"vehicleId": car.vehicle_id, "requestId": request_id, "data": data}
                ]
            },
        }
        return Delivery(
            "2.0", "dynamic", _dump(document), car.vehicle_id, request_id, test_mode
        )

    def event_based(self, car: Car, event_type: str) -> Delivery:
        """A 2.0 `eventBased` delivery: CHARGING_STARTED, _STOPPED or _COMPLETED."""
        delivered = self._now()
        event_id = self.new_id()
        document = {
            "version": "2.0",
            "webhookId": self.webhook_id,
            "eventName": "eventBased",
            "mode": "live",
            "payload": {
                "eventId": event_id,
                "vehicleId": car.vehicle_id,
                "eventType": event_type,
                "eventTime": _iso(delivered - DATA_AGE),
            },
        }
        return Delivery("2.0", "eventBased", _dump(document), car.vehicle_id, event_id)
