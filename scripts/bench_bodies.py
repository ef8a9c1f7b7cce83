"""Signed Smartcar delivery bodies for the benchmark, built from the test fixtures.

Every body is a new delivery (its own delivery id) unless said otherwise; the
car's times stay in the past, so the parser never caps them at arrival.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
from typing import Any
import uuid

from custom_components.smartcar_webhooks.smartcar import sign_body

FIXTURES = Path(__file__).parent.parent / "tests" / "fixtures"
TOKEN = "bench-management-token"

type Signed = tuple[bytes, str]  # body, SC-Signature

# Three charge signals more than the 14 of the fixture: 17 signals in all.
_EXTRA_SIGNALS = (
    ("charge-amperage", "Amperage", 16, "amperes"),
    ("charge-voltage", "Voltage", 230, "volts"),
    ("charge-timetocomplete", "TimeToComplete", 95, "minutes"),
)


def _fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


def sign(document: dict[str, Any]) -> Signed:
    """The body as Smartcar sends it, with its signature."""
    body = json.dumps(document, separators=(",", ":")).encode()
    return body, sign_body(TOKEN, body)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class V4Vehicle:
    """A car sending 4.0 VEHICLE_STATE deliveries of 17 signals."""

    def __init__(self, vehicle_id: str | None = None, start: datetime | None = None):
        """Start from the fixture's state; times begin three hours ago."""
        self.document = _fixture("v4_vehicle_state.json")
        self.document["data"]["vehicle"]["id"] = vehicle_id or str(uuid.uuid4())
        signals = self.document["data"]["signals"]
        for code, name, value, unit in _EXTRA_SIGNALS:
            signals.append(
                {
                    "code": code,
                    "name": name,
                    "group": "Charge",
                    "body": {"value": value, "unit": unit},
                    "meta": {"oemUpdatedAt": 0, "retrievedAt": 0},
                    "status": {"value": "SUCCESS"},
                }
            )
        self.document["meta"]["signalCount"] = len(signals)
        self.signals = {signal["code"]: signal for signal in signals}
        self.start = start or datetime.now(UTC) - timedelta(hours=3)
        self.step = 0

    @property
    def vehicle_id(self) -> str:
        """The car's Smartcar id."""
        return str(self.document["data"]["vehicle"]["id"])

    def _new_delivery(self) -> datetime:
        self.step += 1
        now = self.start + timedelta(seconds=self.step)
        meta = self.document["meta"]
        self.document["eventId"] = str(uuid.uuid4())
        meta["deliveryId"] = str(uuid.uuid4())
        meta["deliveredAt"] = _ms(now)
        return now

    def changed(self, *, few: bool = False) -> Signed:
        """A new delivery in which 10 values changed (9 shown by enabled entities).

        Charge, range, charging power, odometer, place and the four tires; also
        the charging current, whose sensor is disabled by default.

        With `few`, only the charge and range changed (what its triggers name).
        """
        now = self._new_delivery()
        step, at = self.step, _ms(now)
        values = {
            "tractionbattery-stateofcharge": 20 + step % 80,
            "tractionbattery-range": 100 + step % 300,
        }
        if not few:
            values |= {
                "charge-wattage": 7000 + step % 4000,
                "odometer-traveleddistance": 18250.4 + step / 10,
                "charge-amperage": 10 + step % 6,
            }
        for code, value in values.items():
            self.signals[code]["body"]["value"] = value
            self.signals[code]["meta"]["oemUpdatedAt"] = at
        if few:
            return sign(self.document)
        location = self.signals["location-preciselocation"]
        location["body"]["latitude"] = 52.5163 + (step % 1000) / 10000
        location["meta"]["oemUpdatedAt"] = at
        tires = self.signals["wheel-tires"]
        for index, tire in enumerate(tires["body"]["values"]):
            tire["tirePressure"] = 34 + (step + index) % 5 / 2
        tires["meta"]["oemUpdatedAt"] = at
        return sign(self.document)

    def unchanged(self) -> Signed:
        """A new delivery (new id, sent later) with the same values and car times."""
        self._new_delivery()
        return sign(self.document)


class V2Account:
    """2.0 `dynamic` deliveries of two cars as in the fixture (new ids), values changing."""

    def __init__(self) -> None:
        """Start from the fixture; the cars' times begin three hours ago."""
        self.document = _fixture("v2_dynamic.json")
        for vehicle in self.document["payload"]["vehicles"]:
            vehicle["vehicleId"] = str(uuid.uuid4())
        self.start = datetime.now(UTC) - timedelta(hours=3)
        self.step = 0

    def changed(self) -> Signed:
        """New request ids; battery, range and the first car's place changed."""
        self.step += 1
        step = self.step
        age = (self.start + timedelta(seconds=step)).isoformat().replace("+00:00", "Z")
        for index, vehicle in enumerate(self.document["payload"]["vehicles"]):
            vehicle["requestId"] = str(uuid.uuid4())
            for item in vehicle["data"]:
                headers = item["headers"]
                key = "sc-data-age" if "sc-data-age" in headers else "sc-fetched-at"
                headers[key] = age
                if item["path"] == "/battery":
                    item["body"]["percentRemaining"] = (20 + (step + index) % 80) / 100
                    item["body"]["range"] = 100.0 + (step + index) % 300
                elif item["path"] == "/location" and item["code"] == 200:
                    item["body"]["latitude"] = 48.1372 + (step % 1000) / 10000
        return sign(self.document)
