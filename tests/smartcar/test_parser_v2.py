"""Smartcar 2.0 deliveries (verify, dynamic, scheduled, eventBased) and body validation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
import re
from typing import Any

import pytest

from custom_components.smartcar_webhooks.smartcar import (
    ChargingEvent,
    ChargingEventType,
    ChargingState,
    Delivery,
    DroppedField,
    Field,
    FieldError,
    InvalidDeliveryError,
    Location,
    Mode,
    SmartcarError,
    Unit,
    VehicleInfo,
    VerifyRequest,
)
from custom_components.smartcar_webhooks.smartcar.signals import SIGNALS_OF_PATH
from tests.smartcar.helpers import (
    RAW,
    data_delivery,
    field_values,
    only_report,
    readings_by_field,
    with_raw,
)

type Parse = Callable[[Any], Delivery]
type LoadJson = Callable[[str], Any]

WEBHOOK_ID = "c6ba6fcc-64f1-4daa-9ad6-16c8ee597411"
VEHICLE_ID = "d329211c-3829-4685-9f7e-b1216460d4a3"
REQUEST_ID = "1739e745-861e-4516-802f-30ac0573cf97"
OTHER_VEHICLE_ID = "61203471-718e-4ac0-ac71-a13b5ac2dee6"
OTHER_REQUEST_ID = "107aad84-b42d-42f1-b660-5dd0c76f0a69"
DATA_AGE = "2025-12-14T08:00:00.000Z"
DATA_AGE_TIME = datetime(2025, 12, 14, 8, 0, tzinfo=UTC)
FETCHED_AT = "2025-12-14T08:06:00.000Z"
FETCHED_AT_TIME = datetime(2025, 12, 14, 8, 6, tzinfo=UTC)

# Conversions written out independently of the library.
MILE_KM = 1.609344
PSI_KPA = 6.894757293168361
GALLON_L = 3.785411784


def _item(
    path: str,
    body: Any,
    *,
    code: Any = 200,
    headers: Any = None,
) -> dict[str, Any]:
    return {
        "path": path,
        "code": code,
        "body": body,
        "headers": {"sc-data-age": DATA_AGE} if headers is None else headers,
    }


def _v2(items: list[Any], *, event_name: str = "dynamic") -> dict[str, Any]:
    return {
        "version": "2.0",
        "webhookId": WEBHOOK_ID,
        "eventName": event_name,
        "mode": "live",
        "payload": {
            "vehicles": [
                {"vehicleId": VEHICLE_ID, "requestId": REQUEST_ID, "data": items}
            ]
        },
    }


# --- the seed's example (Smartcar's public docs) -------------------------------


@pytest.fixture
def seed_text(fixture_text: Callable[[str], str]) -> str:
    return fixture_text("seed_dynamic_trailing_comma.txt")


@pytest.fixture
def seed_delivery(seed_text: str, parse: Parse) -> Delivery:
    fixed, count = re.subn(r",(\s*\})", r"\1", seed_text)
    assert count == 1, "the seed example has exactly one trailing comma"
    return parse(fixed)


def test_seed_example_as_published_is_not_json(seed_text: str, parse: Parse) -> None:
    with pytest.raises(InvalidDeliveryError, match="not JSON"):
        parse(seed_text)


def test_seed_example_battery_level_is_58_percent(seed_delivery: Delivery) -> None:
    reading = readings_by_field(seed_delivery)[Field.BATTERY_LEVEL]
    assert reading.value == 58
    assert reading.unit is Unit.PERCENT


def test_seed_example_range_is_kilometers(seed_delivery: Delivery) -> None:
    reading = readings_by_field(seed_delivery)[Field.RANGE]
    assert reading.value == pytest.approx(283.244544)
    assert isinstance(reading.value, float)
    assert round(reading.value, 2) == 283.24
    assert reading.unit is Unit.KILOMETERS


def test_seed_example_charge_fields(seed_delivery: Delivery) -> None:
    values = field_values(seed_delivery)
    assert values[Field.PLUGGED_IN] is False
    assert values[Field.CHARGING_STATE] is ChargingState.NOT_CHARGING
    assert values[Field.CHARGING] is False


def test_seed_example_location(seed_delivery: Delivery) -> None:
    assert field_values(seed_delivery)[Field.LOCATION] == Location(
        37.4292, 122.1381, None
    )


def test_seed_example_has_exactly_the_dynamic_fields(seed_delivery: Delivery) -> None:
    assert set(readings_by_field(seed_delivery)) == {
        Field.BATTERY_LEVEL,
        Field.RANGE,
        Field.PLUGGED_IN,
        Field.CHARGING_STATE,
        Field.CHARGING,
        Field.LOCATION,
    }
    assert data_delivery(seed_delivery).dropped == ()


def test_seed_example_recorded_times_come_from_sc_data_age(
    seed_delivery: Delivery,
) -> None:
    recorded = {f: r.recorded_at for f, r in readings_by_field(seed_delivery).items()}
    battery_time = datetime(2024, 9, 20, 21, 58, 6, tzinfo=UTC)
    assert recorded[Field.BATTERY_LEVEL] == battery_time
    assert recorded[Field.RANGE] == battery_time
    assert recorded[Field.PLUGGED_IN] == battery_time
    assert recorded[Field.CHARGING_STATE] == battery_time
    assert recorded[Field.CHARGING] == battery_time
    assert recorded[Field.LOCATION] == datetime(2024, 9, 20, 21, 58, 48, tzinfo=UTC)


def test_seed_example_delivery_id_is_the_request_id(seed_delivery: Delivery) -> None:
    report = only_report(seed_delivery)
    assert report.delivery_id == "25d743b8-14cf-4744-b067-bd8d7daf3f1a"
    assert {r.delivery_id for r in report.readings} == {report.delivery_id}


def test_seed_example_identifies_webhook_vehicle_and_mode(
    seed_delivery: Delivery, received_at: datetime
) -> None:
    delivery = data_delivery(seed_delivery)
    assert delivery.kind == "dynamic"
    assert delivery.webhook_id == "865ca68d-a9b6-4d74-856e-605db0209eca"
    assert delivery.mode is Mode.LIVE
    # A 2.0 body does not say when it was sent; only its arrival is known.
    assert delivery.delivered_at is None
    assert delivery.received_at == received_at
    report = only_report(delivery)
    assert report.vehicle == VehicleInfo("00000000-0000-4000-A000-000000000000")
    assert {r.vehicle_id for r in report.readings} == {report.vehicle.vehicle_id}


# --- verify -----------------------------------------------------------------


def test_v2_verify_returns_challenge_webhook_id_and_version(
    fixture_json: LoadJson, parse: Parse
) -> None:
    assert parse(fixture_json("v2_verify.json")) == VerifyRequest(
        challenge="30a407b9-b1ac-41a0-989a-ae4c28c9a43a",
        webhook_id=WEBHOOK_ID,
        version="2.0",
    )


def test_v2_verify_without_webhook_id(fixture_json: LoadJson, parse: Parse) -> None:
    document = fixture_json("v2_verify.json")
    del document["webhookId"]
    request = parse(document)
    assert isinstance(request, VerifyRequest)
    assert request.webhook_id is None
    assert request.version == "2.0"


@pytest.mark.parametrize("challenge", ["", None, 42, ["abc"], {"value": "abc"}])
def test_v2_verify_without_usable_challenge_is_invalid(
    challenge: Any, fixture_json: LoadJson, parse: Parse
) -> None:
    document = fixture_json("v2_verify.json")
    document["payload"]["challenge"] = challenge
    with pytest.raises(InvalidDeliveryError, match="challenge"):
        parse(document)


def test_v2_verify_without_challenge_key_is_invalid(
    fixture_json: LoadJson, parse: Parse
) -> None:
    document = fixture_json("v2_verify.json")
    del document["payload"]["challenge"]
    with pytest.raises(InvalidDeliveryError, match="challenge"):
        parse(document)


# --- dynamic and scheduled ----------------------------------------------------


def test_v2_dynamic_fixture_reports_each_vehicle_with_its_request_id(
    fixture_json: LoadJson, parse: Parse
) -> None:
    delivery = data_delivery(parse(fixture_json("v2_dynamic.json")))
    assert [(r.vehicle, r.delivery_id) for r in delivery.vehicles] == [
        (VehicleInfo(VEHICLE_ID), REQUEST_ID),
        (VehicleInfo(OTHER_VEHICLE_ID), OTHER_REQUEST_ID),
    ]
    for report in delivery.vehicles:
        assert {r.vehicle_id for r in report.readings} == {report.vehicle.vehicle_id}
        assert {r.delivery_id for r in report.readings} == {report.delivery_id}


def test_v2_dynamic_fixture_values(fixture_json: LoadJson, parse: Parse) -> None:
    delivery = data_delivery(parse(fixture_json("v2_dynamic.json")))
    first, second = delivery.vehicles
    assert {r.field: r.value for r in first.readings} == {
        Field.BATTERY_LEVEL: 73,
        Field.RANGE: 312.5,
        Field.PLUGGED_IN: True,
        Field.CHARGING_STATE: ChargingState.CHARGING,
        Field.CHARGING: True,
        Field.LOCATION: Location(48.1372, 11.5755),
    }
    assert {r.field: r.value for r in second.readings} == {
        Field.BATTERY_LEVEL: 41,
        Field.RANGE: 150.25,
        Field.PLUGGED_IN: False,
        Field.CHARGING_STATE: ChargingState.NOT_CHARGING,
        Field.CHARGING: False,
        Field.LOCATION: None,
    }
    assert delivery.dropped == ()


def test_v2_dynamic_fixture_error_item_has_no_recorded_time(
    fixture_json: LoadJson, parse: Parse
) -> None:
    # Its sc-fetched-at says when Smartcar asked, not when the car recorded anything.
    _, second = data_delivery(parse(fixture_json("v2_dynamic.json"))).vehicles
    (location,) = [r for r in second.readings if r.field is Field.LOCATION]
    assert location.error == FieldError("VEHICLE_STATE", "ASLEEP", "RETRY_LATER")
    assert location.recorded_at is None


@pytest.mark.parametrize("event_name", ["dynamic", "scheduled"])
def test_v2_data_delivery_kind_is_the_event_name(
    event_name: str, parse: Parse, received_at: datetime
) -> None:
    delivery = data_delivery(
        parse(_v2([_item("/odometer", {"distance": 1.5})], event_name=event_name))
    )
    assert delivery.kind == event_name
    assert delivery.webhook_id == WEBHOOK_ID
    assert delivery.delivered_at is None
    assert delivery.received_at == received_at


@pytest.mark.parametrize(
    ("raw_mode", "mode"),
    [
        ("live", Mode.LIVE),
        ("test", Mode.TEST),
        ("simulated", Mode.SIMULATED),
        ("LIVE", Mode.LIVE),
        ("sandbox", None),
        (7, None),
        (None, None),
    ],
)
def test_v2_mode(raw_mode: Any, mode: Mode | None, parse: Parse) -> None:
    document = _v2([])
    document["mode"] = raw_mode
    assert data_delivery(parse(document)).mode is mode


def test_v2_missing_webhook_id_and_mode_are_none(parse: Parse) -> None:
    document = _v2([])
    del document["webhookId"], document["mode"]
    delivery = data_delivery(parse(document))
    assert (delivery.webhook_id, delivery.mode) == (None, None)


def test_v2_vehicle_without_request_id_has_empty_delivery_id(parse: Parse) -> None:
    document = _v2([_item("/odometer", {"distance": 10})])
    del document["payload"]["vehicles"][0]["requestId"]
    report = only_report(parse(document))
    assert report.delivery_id == ""
    assert report.readings[0].delivery_id == ""


def test_v2_empty_vehicle_list_is_an_empty_delivery(parse: Parse) -> None:
    document = _v2([])
    document["payload"]["vehicles"] = []
    delivery = data_delivery(parse(document))
    assert (delivery.vehicles, delivery.dropped) == ((), ())


# --- units ------------------------------------------------------------------


def test_v2_imperial_units_are_converted_to_metric(
    fixture_json: LoadJson, parse: Parse
) -> None:
    values = field_values(parse(fixture_json("v2_scheduled_imperial.json")))
    assert values == {
        Field.BATTERY_LEVEL: 50,
        Field.RANGE: pytest.approx(100 * MILE_KM),
        Field.ODOMETER: pytest.approx(12000 * MILE_KM),
        Field.TIRE_PRESSURE_FRONT_LEFT: pytest.approx(35 * PSI_KPA),
        Field.TIRE_PRESSURE_FRONT_RIGHT: pytest.approx(35.5 * PSI_KPA),
        Field.TIRE_PRESSURE_BACK_LEFT: pytest.approx(33 * PSI_KPA),
        Field.TIRE_PRESSURE_BACK_RIGHT: pytest.approx(33.5 * PSI_KPA),
        Field.FUEL_LEVEL: 60,
        Field.FUEL_RANGE: pytest.approx(250 * MILE_KM),
        Field.FUEL_AMOUNT: pytest.approx(10 * GALLON_L),
        Field.CHARGE_LIMIT: 90,
    }


def test_v2_imperial_reading_examples(fixture_json: LoadJson, parse: Parse) -> None:
    values = field_values(parse(fixture_json("v2_scheduled_imperial.json")))
    assert values[Field.RANGE] == pytest.approx(160.9344)
    assert values[Field.TIRE_PRESSURE_FRONT_LEFT] == pytest.approx(241.3165, abs=1e-4)
    assert values[Field.FUEL_AMOUNT] == pytest.approx(37.85411784)


@pytest.mark.parametrize(
    "headers",
    [
        {"sc-data-age": DATA_AGE, "sc-unit-system": "metric"},
        {"sc-data-age": DATA_AGE},
        {"sc-data-age": DATA_AGE, "sc-unit-system": "IMPERIAL-ish"},
    ],
    ids=["metric", "no-unit-system", "unknown-unit-system"],
)
def test_v2_metric_values_are_taken_as_they_are(
    headers: dict[str, str], fixture_json: LoadJson, parse: Parse
) -> None:
    document = fixture_json("v2_scheduled_imperial.json")
    for item in document["payload"]["vehicles"][0]["data"]:
        item["headers"] = dict(headers)
    values = field_values(parse(document))
    assert values[Field.RANGE] == 100
    assert values[Field.ODOMETER] == 12000
    # 35 kPa is no tyre pressure: only 35 psi is plausible.
    assert values[Field.TIRE_PRESSURE_FRONT_LEFT] == pytest.approx(241.3165, abs=1e-4)
    assert values[Field.FUEL_RANGE] == 250
    assert values[Field.FUEL_AMOUNT] == 10
    assert values[Field.BATTERY_LEVEL] == 50


def test_v2_unit_system_header_name_is_case_insensitive(parse: Parse) -> None:
    item = _item("/odometer", {"distance": 10}, headers={"SC-Unit-System": "imperial"})
    assert field_values(parse(_v2([item])))[Field.ODOMETER] == pytest.approx(
        10 * MILE_KM
    )


# --- every path ---------------------------------------------------------------

V2_PATH_CASES: dict[str, tuple[dict[str, Any], dict[Field, Any]]] = {
    "/battery": (
        {"percentRemaining": 0.73, "range": 312.5},
        {Field.BATTERY_LEVEL: 73, Field.RANGE: 312.5},
    ),
    "/charge": (
        {"isPluggedIn": True, "state": "CHARGING"},
        {
            Field.PLUGGED_IN: True,
            Field.CHARGING_STATE: ChargingState.CHARGING,
            Field.CHARGING: True,
        },
    ),
    "/odometer": ({"distance": 18250.4}, {Field.ODOMETER: 18250.4}),
    "/charge/limit": ({"limit": 0.8}, {Field.CHARGE_LIMIT: 80}),
    "/fuel": (
        {"percentRemaining": 0.25, "range": 210.0, "amountRemaining": 12.5},
        {Field.FUEL_LEVEL: 25, Field.FUEL_RANGE: 210.0, Field.FUEL_AMOUNT: 12.5},
    ),
    "/tires/pressure": (
        {
            "frontLeft": 250.1,
            "frontRight": 249.8,
            "backLeft": 244.0,
            "backRight": 245.5,
        },
        {
            Field.TIRE_PRESSURE_FRONT_LEFT: 250.1,
            Field.TIRE_PRESSURE_FRONT_RIGHT: 249.8,
            Field.TIRE_PRESSURE_BACK_LEFT: 244.0,
            Field.TIRE_PRESSURE_BACK_RIGHT: 245.5,
        },
    ),
    "/engine/oil": ({"lifeRemaining": 0.35}, {Field.OIL_LIFE: 35}),
    "/security": (
        {"isLocked": True, "doors": [{"type": "frontLeft", "status": "LOCKED"}]},
        {Field.LOCKED: True},
    ),
    "/battery/nominal_capacity": (
        {
            "capacity": {"nominal": 77.4, "source": "SMARTCAR"},
            "availableCapacities": [{"capacity": 77.4, "description": None}],
        },
        {Field.BATTERY_CAPACITY: 77.4},
    ),
    "/location": (
        {"latitude": -33.8688, "longitude": 151.2093},
        {Field.LOCATION: Location(-33.8688, 151.2093)},
    ),
}


def test_every_v2_path_of_the_parser_has_a_case() -> None:
    assert set(V2_PATH_CASES) == set(SIGNALS_OF_PATH)


@pytest.mark.parametrize("path", list(V2_PATH_CASES))
def test_v2_path_is_read(path: str, parse: Parse) -> None:
    body, expected = V2_PATH_CASES[path]
    delivery = parse(_v2([_item(path, body)]))
    assert field_values(delivery) == expected
    assert data_delivery(delivery).dropped == ()


@pytest.mark.parametrize("path", list(V2_PATH_CASES))
def test_v2_path_readings_have_native_units_and_data_age(
    path: str, parse: Parse, native_units: dict[Field, Unit | None]
) -> None:
    body, _ = V2_PATH_CASES[path]
    for field, reading in readings_by_field(parse(_v2([_item(path, body)]))).items():
        assert reading.unit is native_units[field]
        assert reading.recorded_at == DATA_AGE_TIME
        assert reading.error is None


def test_v2_fraction_boundaries_are_accepted(parse: Parse) -> None:
    items = [
        _item("/battery", {"percentRemaining": 0}),
        _item("/charge/limit", {"limit": 1}),
    ]
    values = field_values(parse(_v2(items)))
    assert values == {Field.BATTERY_LEVEL: 0, Field.CHARGE_LIMIT: 100}


def test_v2_missing_keys_of_a_path_are_simply_absent(parse: Parse) -> None:
    delivery = parse(_v2([_item("/fuel", {"range": 300})]))
    assert field_values(delivery) == {Field.FUEL_RANGE: 300}
    assert data_delivery(delivery).dropped == ()


def test_v2_unknown_path_is_skipped_silently(parse: Parse) -> None:
    items = [
        _item("/engine/coolant", {"temperature": 90}),
        _item("/vin", {"vin": "NOTAREALVIN000000"}),
        _item("/odometer", {"distance": 5}),
    ]
    delivery = parse(_v2(items))
    assert field_values(delivery) == {Field.ODOMETER: 5}
    assert data_delivery(delivery).dropped == ()


def test_v2_unknown_path_with_error_code_is_skipped(parse: Parse) -> None:
    delivery = parse(_v2([_item("/engine/coolant", {"type": "X"}, code=500)]))
    assert only_report(delivery).readings == ()


# --- error items ----------------------------------------------------------------

ERROR_BODY = {
    "type": "VEHICLE_STATE",
    "code": "ASLEEP",
    "description": "The vehicle is asleep.",
    "resolution": {"type": "RETRY_LATER"},
    "statusCode": 409,
    "requestId": "0d7e2d3c-8b0a-4c35-9a0e-6a1f3b2c4d5e",
}


@pytest.mark.parametrize("path", list(V2_PATH_CASES))
def test_v2_error_item_marks_every_field_of_its_path(path: str, parse: Parse) -> None:
    readings = readings_by_field(parse(_v2([_item(path, ERROR_BODY, code=409)])))
    assert set(readings) == set(V2_PATH_CASES[path][1])
    for reading in readings.values():
        assert reading.value is None
        assert reading.unit is None
        assert reading.error == FieldError("VEHICLE_STATE", "ASLEEP", "RETRY_LATER")
        assert reading.recorded_at is None
        assert reading.delivery_id == REQUEST_ID


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (
            {"type": "PERMISSION", "code": None, "resolution": {"type": None}},
            FieldError("PERMISSION", None, None),
        ),
        (
            {
                "type": "AUTHENTICATION",
                "code": "",
                "resolution": {"type": "REAUTHENTICATE"},
            },
            FieldError("AUTHENTICATION", None, "REAUTHENTICATE"),
        ),
        (
            {"type": "", "code": 5, "resolution": "REAUTHENTICATE"},
            FieldError("UNKNOWN", None, None),
        ),
        (None, FieldError("UNKNOWN")),
        ("Service Unavailable", FieldError("UNKNOWN")),
        ([], FieldError("UNKNOWN")),
    ],
    ids=[
        "permission",
        "empty-code",
        "wrong-types",
        "null-body",
        "text-body",
        "list-body",
    ],
)
def test_v2_error_body_becomes_field_error(
    body: Any, error: FieldError, parse: Parse
) -> None:
    readings = readings_by_field(parse(_v2([_item("/odometer", body, code=500)])))
    assert readings[Field.ODOMETER].error == error


@pytest.mark.parametrize("code", [404, 409, 500, 0, None, True])
def test_v2_item_with_code_other_than_200_is_an_error(code: Any, parse: Parse) -> None:
    reading = readings_by_field(
        parse(_v2([_item("/odometer", {"distance": 5}, code=code)]))
    )[Field.ODOMETER]
    assert reading.value is None
    assert reading.error is not None


def test_v2_item_without_code_is_an_error(parse: Parse) -> None:
    item = _item("/odometer", {"distance": 5})
    del item["code"]
    assert readings_by_field(parse(_v2([item])))[Field.ODOMETER].error == FieldError(
        "UNKNOWN"
    )


# --- bad items and vehicle entries ----------------------------------------------


@pytest.mark.parametrize(
    ("item", "source", "reason"),
    [
        ("/battery", "data", "not an item"),
        (None, "data", "not an item"),
        (42, "data", "not an item"),
        ([{"path": "/battery"}], "data", "not an item"),
        ({"path": 7, "code": 200, "body": {}}, "data", "not an item"),
        ({"code": 200, "body": {"distance": 5}}, "data", "not an item"),
        (
            {"path": "/battery", "code": 200, "body": [0.5]},
            "/battery",
            "body is not an object",
        ),
        (
            {"path": "/battery", "code": 200, "body": None},
            "/battery",
            "body is not an object",
        ),
        ({"path": "/battery", "code": 200}, "/battery", "body is not an object"),
    ],
    ids=[
        "string",
        "null",
        "number",
        "list",
        "path-not-string",
        "no-path",
        "body-list",
        "body-null",
        "no-body",
    ],
)
def test_v2_bad_item_is_dropped_while_other_items_count(
    item: Any, source: str, reason: str, parse: Parse
) -> None:
    delivery = parse(_v2([item, _item("/odometer", {"distance": 5})]))
    assert data_delivery(delivery).dropped == (
        DroppedField(VEHICLE_ID, source, reason),
    )
    assert field_values(delivery) == {Field.ODOMETER: 5}


@pytest.mark.parametrize(
    "entry",
    [
        {"requestId": REQUEST_ID, "data": []},
        {"vehicleId": "", "requestId": REQUEST_ID, "data": []},
        {"vehicleId": 12, "requestId": REQUEST_ID, "data": []},
        {"vehicleId": VEHICLE_ID, "requestId": REQUEST_ID, "data": {}},
        {"vehicleId": VEHICLE_ID, "requestId": REQUEST_ID},
        "vehicle",
        None,
    ],
    ids=[
        "no-vehicle-id",
        "empty-vehicle-id",
        "numeric-vehicle-id",
        "data-object",
        "no-data",
        "string",
        "null",
    ],
)
def test_v2_vehicle_entry_without_id_or_data_is_dropped(
    entry: Any, parse: Parse
) -> None:
    document = _v2([_item("/odometer", {"distance": 5})])
    vehicles = document["payload"]["vehicles"]
    vehicles.insert(0, entry)
    delivery = data_delivery(parse(document))
    assert [r.vehicle.vehicle_id for r in delivery.vehicles] == [VEHICLE_ID]
    assert delivery.dropped == (DroppedField("", "vehicles[0]", "not a vehicle"),)
    assert field_values(delivery) == {Field.ODOMETER: 5}


def test_v2_dropped_fields_name_their_vehicle(parse: Parse) -> None:
    document = _v2([_item("/odometer", {"distance": -1})])
    document["payload"]["vehicles"].append(
        {
            "vehicleId": OTHER_VEHICLE_ID,
            "requestId": OTHER_REQUEST_ID,
            "data": [_item("/battery", {"percentRemaining": 2})],
        }
    )
    assert data_delivery(parse(document)).dropped == (
        DroppedField(VEHICLE_ID, "/odometer.distance", "implausible value"),
        DroppedField(
            OTHER_VEHICLE_ID, "/battery.percentRemaining", "implausible value"
        ),
    )


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (None, "payload is not an object"),
        ([], "payload is not an object"),
        ("vehicles", "payload is not an object"),
        ({}, "vehicles is not a list"),
        ({"vehicles": None}, "vehicles is not a list"),
        ({"vehicles": {"vehicleId": VEHICLE_ID}}, "vehicles is not a list"),
    ],
)
def test_v2_data_delivery_without_payload_or_vehicles_is_invalid(
    payload: Any, message: str, parse: Parse
) -> None:
    document = _v2([])
    document["payload"] = payload
    with pytest.raises(InvalidDeliveryError, match=message):
        parse(document)


def test_v2_delivery_without_payload_key_is_invalid(parse: Parse) -> None:
    document = _v2([])
    del document["payload"]
    with pytest.raises(InvalidDeliveryError, match="payload"):
        parse(document)


@pytest.mark.parametrize("event_name", ["Dynamic", "ping", "", None, 3, ["dynamic"]])
def test_v2_unknown_event_name_is_invalid(event_name: Any, parse: Parse) -> None:
    document = _v2([])
    document["eventName"] = event_name
    with pytest.raises(InvalidDeliveryError, match=r"unknown 2\.0 eventName"):
        parse(document)


# --- recorded times ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"sc-data-age": DATA_AGE, "sc-fetched-at": FETCHED_AT}, DATA_AGE_TIME),
        ({"sc-fetched-at": FETCHED_AT}, FETCHED_AT_TIME),
        ({"sc-data-age": "not a time", "sc-fetched-at": FETCHED_AT}, FETCHED_AT_TIME),
        ({"sc-data-age": None, "sc-fetched-at": FETCHED_AT}, FETCHED_AT_TIME),
        ({"SC-Data-Age": DATA_AGE}, DATA_AGE_TIME),
        ({"sc-data-age": "2025-12-14T08:00:00"}, DATA_AGE_TIME),
        ({"sc-data-age": "2025-12-14T09:00:00+01:00"}, DATA_AGE_TIME),
    ],
    ids=[
        "data-age-wins",
        "fetched-at-fallback",
        "unparseable-data-age",
        "null-data-age",
        "header-case",
        "naive-is-utc",
        "offset",
    ],
)
def test_v2_recorded_time(headers: Any, expected: datetime, parse: Parse) -> None:
    delivery = parse(_v2([_item("/odometer", {"distance": 5}, headers=headers)]))
    assert readings_by_field(delivery)[Field.ODOMETER].recorded_at == expected


@pytest.mark.parametrize(
    "headers",
    [{}, {"sc-data-age": 1765699200000}, {"sc-data-age": ""}, None, "sc-data-age", []],
    ids=["empty", "number", "empty-string", "null", "string", "list"],
)
def test_v2_recorded_time_without_usable_header_is_none(
    headers: Any, parse: Parse
) -> None:
    item = _item("/odometer", {"distance": 5})
    item["headers"] = headers
    reading = readings_by_field(parse(_v2([item])))[Field.ODOMETER]
    assert (reading.value, reading.recorded_at) == (5, None)


def test_v2_recorded_time_without_headers_key_is_none(parse: Parse) -> None:
    item = _item("/odometer", {"distance": 5})
    del item["headers"]
    reading = readings_by_field(parse(_v2([item])))[Field.ODOMETER]
    assert (reading.value, reading.recorded_at) == (5, None)


@pytest.mark.parametrize(
    "headers",
    [
        {"sc-data-age": "2026-03-01T00:00:00.000Z"},
        {"sc-fetched-at": "2030-01-01T00:00:00Z"},
        {"sc-data-age": "2026-01-01T00:00:00.001Z"},
    ],
)
def test_v2_recorded_time_in_the_future_is_clamped_to_received_at(
    headers: dict[str, str], parse: Parse, received_at: datetime
) -> None:
    delivery = parse(_v2([_item("/odometer", {"distance": 5}, headers=headers)]))
    assert readings_by_field(delivery)[Field.ODOMETER].recorded_at == received_at


@pytest.mark.parametrize(
    "data_age", ["0001-01-01T00:00:00+14:00", "0001-01-01T05:00:00+05:01"]
)
def test_v2_recorded_time_before_year_1_in_utc_is_unusable(
    data_age: str, parse: Parse
) -> None:
    # Home Assistant converts timestamps to UTC; one before 0001-01-01T00:00Z
    # cannot be, so such a header must count as unusable.
    item = _item("/odometer", {"distance": 5}, headers={"sc-data-age": data_age})
    reading = readings_by_field(parse(_v2([item])))[Field.ODOMETER]
    assert (reading.value, reading.recorded_at) == (5, None)


def test_v2_charging_event_time_before_year_1_in_utc_is_unusable(
    fixture_json: LoadJson, parse: Parse
) -> None:
    document = fixture_json("v2_event_based.json")
    document["payload"]["eventTime"] = "0001-01-01T00:00:00+14:00"
    event = parse(document)
    assert isinstance(event, ChargingEvent)
    assert event.event_time is None


@pytest.mark.parametrize(
    "headers",
    [{"sc-data-age": DATA_AGE}, {"sc-data-age": "2027-01-01T00:00:00Z"}],
    ids=["past", "future"],
)
def test_v2_error_item_has_no_recorded_time_whatever_its_data_age(
    headers: dict[str, str], parse: Parse
) -> None:
    delivery = parse(_v2([_item("/odometer", ERROR_BODY, code=409, headers=headers)]))
    reading = readings_by_field(delivery)[Field.ODOMETER]
    assert reading.error is not None
    assert reading.recorded_at is None


# --- charge -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "state", "charging"),
    [
        ("CHARGING", ChargingState.CHARGING, True),
        ("charging", ChargingState.CHARGING, True),
        ("FULLY_CHARGED", ChargingState.FULLY_CHARGED, False),
        ("CHARGING_COMPLETE", ChargingState.FULLY_CHARGED, False),
        ("COMPLETE", ChargingState.FULLY_CHARGED, False),
        ("NOT_CHARGING", ChargingState.NOT_CHARGING, False),
        ("STOPPED", ChargingState.NOT_CHARGING, False),
        ("DISCONNECTED", ChargingState.NOT_CHARGING, False),
    ],
)
def test_v2_charge_state_and_derived_charging(
    raw: str, state: ChargingState, charging: bool, parse: Parse
) -> None:
    values = field_values(parse(_v2([_item("/charge", {"state": raw})])))
    assert values == {Field.CHARGING_STATE: state, Field.CHARGING: charging}


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("PAUSED", "unknown charging state"),
        ("", "unknown charging state"),
        (1, "not a string"),
    ],
)
def test_v2_unusable_charge_state_is_dropped_and_charging_not_derived(
    raw: Any, reason: str, parse: Parse
) -> None:
    delivery = parse(_v2([_item("/charge", {"isPluggedIn": True, "state": raw})]))
    assert field_values(delivery) == {Field.PLUGGED_IN: True}
    assert data_delivery(delivery).dropped == (
        DroppedField(VEHICLE_ID, "/charge.state", reason),
    )


# --- wrong-typed and out-of-range values ------------------------------------------


@pytest.mark.parametrize(
    ("path", "key", "raw", "reason"),
    [
        ("/battery", "percentRemaining", '"0.5"', "not a finite number"),
        ("/battery", "percentRemaining", "true", "not a finite number"),
        ("/battery", "percentRemaining", "null", "not a finite number"),
        ("/battery", "percentRemaining", "NaN", "not a finite number"),
        ("/battery", "range", "Infinity", "not a finite number"),
        ("/battery", "range", "-Infinity", "not a finite number"),
        ("/battery", "range", "1e400", "not a finite number"),
        ("/odometer", "distance", "1" + "0" * 400, "not a finite number"),
        ("/odometer", "distance", "-1" + "0" * 400, "not a finite number"),
        ("/battery", "percentRemaining", "1.01", "implausible value"),
        ("/battery", "percentRemaining", "58", "implausible value"),
        ("/battery", "percentRemaining", "-0.01", "implausible value"),
        ("/charge/limit", "limit", "101", "implausible value"),
        ("/engine/oil", "lifeRemaining", "1.5", "implausible value"),
        ("/battery", "range", "-1", "implausible value"),
        ("/odometer", "distance", "-0.5", "implausible value"),
        ("/fuel", "amountRemaining", "-3", "implausible value"),
        ("/tires/pressure", "frontLeft", "-250", "implausible value"),
        ("/tires/pressure", "backRight", '"250"', "not a finite number"),
        ("/charge", "isPluggedIn", '"true"', "not a boolean"),
        ("/charge", "isPluggedIn", "1", "not a boolean"),
        ("/security", "isLocked", "null", "not a boolean"),
    ],
)
def test_v2_bad_value_is_dropped_with_reason(
    path: str, key: str, raw: str, reason: str, parse: Parse
) -> None:
    items = [
        _item(path, {key: RAW}),
        _item("/location", {"latitude": 1, "longitude": 2}),
    ]
    delivery = parse(with_raw(_v2(items), raw))
    assert data_delivery(delivery).dropped == (
        DroppedField(VEHICLE_ID, f"{path}.{key}", reason),
    )
    assert field_values(delivery) == {Field.LOCATION: Location(1, 2)}


def test_v2_bad_value_leaves_the_other_keys_of_its_item(parse: Parse) -> None:
    items = [_item("/battery", {"percentRemaining": RAW, "range": 200})]
    delivery = parse(with_raw(_v2(items), "NaN"))
    assert field_values(delivery) == {Field.RANGE: 200}
    assert data_delivery(delivery).dropped == (
        DroppedField(VEHICLE_ID, "/battery.percentRemaining", "not a finite number"),
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"latitude": 91, "longitude": 10}, "latitude outside -90..90"),
        ({"latitude": -90.5, "longitude": 10}, "latitude outside -90..90"),
        ({"latitude": 10, "longitude": -181}, "longitude outside -180..180"),
        ({"latitude": 10, "longitude": 180.01}, "longitude outside -180..180"),
        ({"latitude": "48.1", "longitude": 11.5}, "not a finite number"),
        ({"longitude": 11.5}, "not a finite number"),
        ({"latitude": 48.1}, "not a finite number"),
        ({"latitude": 48.1, "longitude": True}, "not a finite number"),
    ],
)
def test_v2_bad_location_is_dropped_with_reason(
    body: dict[str, Any], reason: str, parse: Parse
) -> None:
    items = [_item("/location", body), _item("/odometer", {"distance": 5})]
    delivery = parse(_v2(items))
    assert data_delivery(delivery).dropped == (
        DroppedField(VEHICLE_ID, "/location", reason),
    )
    assert field_values(delivery) == {Field.ODOMETER: 5}


def test_v2_nan_latitude_is_dropped(parse: Parse) -> None:
    items = [_item("/location", {"latitude": RAW, "longitude": 11.5})]
    delivery = parse(with_raw(_v2(items), "NaN"))
    assert data_delivery(delivery).dropped == (
        DroppedField(VEHICLE_ID, "/location", "not a finite number"),
    )


@pytest.mark.parametrize(
    ("latitude", "longitude"), [(90, 180), (-90, -180), (0, 0), (-0.0, -0.0)]
)
def test_v2_location_boundaries_are_accepted(
    latitude: float, longitude: float, parse: Parse
) -> None:
    body = {"latitude": latitude, "longitude": longitude}
    location = field_values(parse(_v2([_item("/location", body)])))[Field.LOCATION]
    assert location == Location(latitude, longitude)


def test_v2_imperial_value_overflowing_on_conversion_is_dropped(parse: Parse) -> None:
    # 1.7e308 miles is a finite JSON number but 2.7e308 km is not a float.
    headers = {"sc-data-age": DATA_AGE, "sc-unit-system": "imperial"}
    items = [
        _item("/battery", {"range": 1.7e308, "percentRemaining": 0.5}, headers=headers)
    ]
    delivery = parse(_v2(items))
    assert field_values(delivery) == {Field.BATTERY_LEVEL: 50}
    assert [d.source for d in data_delivery(delivery).dropped] == ["/battery.range"]


# --- eventBased -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "event_type"),
    [
        ("CHARGING_STARTED", ChargingEventType.CHARGING_STARTED),
        ("CHARGING_STOPPED", ChargingEventType.CHARGING_STOPPED),
        ("CHARGING_COMPLETED", ChargingEventType.CHARGING_COMPLETED),
    ],
)
def test_v2_charging_event_type(
    raw: str, event_type: ChargingEventType, fixture_json: LoadJson, parse: Parse
) -> None:
    document = fixture_json("v2_event_based.json")
    document["payload"]["eventType"] = raw
    event = parse(document)
    assert isinstance(event, ChargingEvent)
    assert event.event_type is event_type


def test_v2_charging_event_fields(
    fixture_json: LoadJson, parse: Parse, received_at: datetime
) -> None:
    assert parse(fixture_json("v2_event_based.json")) == ChargingEvent(
        webhook_id=WEBHOOK_ID,
        mode=Mode.LIVE,
        delivery_id="b202c668-3551-4ad9-805e-1d9d6a5af83d",
        vehicle_id=VEHICLE_ID,
        event_type=ChargingEventType.CHARGING_STARTED,
        event_time=datetime(2025, 12, 10, 17, 42, tzinfo=UTC),
        received_at=received_at,
    )


@pytest.mark.parametrize(
    "event_type", ["CHARGING_PAUSED", "", None, 3, ["CHARGING_STARTED"]]
)
def test_v2_unknown_charging_event_type_is_invalid(
    event_type: Any, fixture_json: LoadJson, parse: Parse
) -> None:
    document = fixture_json("v2_event_based.json")
    document["payload"]["eventType"] = event_type
    with pytest.raises(InvalidDeliveryError, match=r"unknown 2\.0 eventType"):
        parse(document)


def test_v2_charging_event_without_event_type_is_invalid(
    fixture_json: LoadJson, parse: Parse
) -> None:
    document = fixture_json("v2_event_based.json")
    del document["payload"]["eventType"]
    with pytest.raises(InvalidDeliveryError, match="eventType"):
        parse(document)


def test_v2_charging_event_without_event_time_has_none(
    fixture_json: LoadJson, parse: Parse, received_at: datetime
) -> None:
    document = fixture_json("v2_event_based.json")
    del document["payload"]["eventTime"]
    event = parse(document)
    assert isinstance(event, ChargingEvent)
    assert (event.event_time, event.received_at) == (None, received_at)


@pytest.mark.parametrize("event_time", ["yesterday", "", None, 1765388520000])
def test_v2_charging_event_with_unusable_event_time_has_none(
    event_time: Any, fixture_json: LoadJson, parse: Parse, received_at: datetime
) -> None:
    document = fixture_json("v2_event_based.json")
    document["payload"]["eventTime"] = event_time
    event = parse(document)
    assert isinstance(event, ChargingEvent)
    assert (event.event_time, event.received_at) == (None, received_at)


def test_v2_charging_event_time_with_offset(
    fixture_json: LoadJson, parse: Parse
) -> None:
    document = fixture_json("v2_event_based.json")
    document["payload"]["eventTime"] = "2025-12-10T18:42:00+01:00"
    event = parse(document)
    assert isinstance(event, ChargingEvent)
    assert event.event_time == datetime(2025, 12, 10, 17, 42, tzinfo=UTC)


def test_v2_charging_event_time_in_the_future_is_clamped(
    fixture_json: LoadJson, parse: Parse, received_at: datetime
) -> None:
    document = fixture_json("v2_event_based.json")
    document["payload"]["eventTime"] = "2026-06-01T00:00:00Z"
    event = parse(document)
    assert isinstance(event, ChargingEvent)
    assert event.event_time == received_at


@pytest.mark.parametrize("vehicle_id", [None, "", 5])
def test_v2_charging_event_without_vehicle_id_is_invalid(
    vehicle_id: Any, fixture_json: LoadJson, parse: Parse
) -> None:
    document = fixture_json("v2_event_based.json")
    document["payload"]["vehicleId"] = vehicle_id
    with pytest.raises(InvalidDeliveryError, match="vehicleId"):
        parse(document)


def test_v2_charging_event_without_event_id_has_empty_delivery_id(
    fixture_json: LoadJson, parse: Parse
) -> None:
    document = fixture_json("v2_event_based.json")
    del document["payload"]["eventId"]
    event = parse(document)
    assert isinstance(event, ChargingEvent)
    assert event.delivery_id == ""


# --- the body itself --------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "not JSON"),
        (b"not json", "not JSON"),
        ("{", "not JSON"),
        (b"\xff\xfe\xfa", "not JSON"),
        (b'{"eventName": "verify", \'payload\': {}}', "not JSON"),
        ("[" * 100_000 + "]" * 100_000, "not JSON"),
        ("[]", "not a JSON object"),
        (
            '[{"eventName": "verify", "payload": {"challenge": "x"}}]',
            "not a JSON object",
        ),
        ('"verify"', "not a JSON object"),
        ("42", "not a JSON object"),
        ("null", "not a JSON object"),
        ("true", "not a JSON object"),
        ("NaN", "not a JSON object"),
        ("{}", "not a known Smartcar delivery"),
        (
            '{"version": "2.0", "payload": {"challenge": "x"}}',
            "not a known Smartcar delivery",
        ),
        ('{"eventname": "verify", "payload": {"challenge": "x"}}', "not a known"),
        ('{"EventType": "VERIFY", "data": {"challenge": "x"}}', "not a known"),
    ],
    ids=[
        "empty",
        "text",
        "truncated",
        "invalid-utf8",
        "single-quotes",
        "deeply-nested",
        "array",
        "array-of-delivery",
        "string",
        "number",
        "null",
        "bool",
        "nan",
        "empty-object",
        "no-event-name",
        "lowercase-eventname",
        "capitalised-eventtype",
    ],
)
def test_body_that_is_not_a_known_delivery_is_invalid(
    body: str | bytes, message: str, parse: Parse
) -> None:
    with pytest.raises(InvalidDeliveryError, match=message):
        parse(body)


@pytest.mark.parametrize("encode", [str, str.encode], ids=["str", "bytes"])
def test_body_may_be_bytes_or_text(
    encode: Callable[[str], str | bytes],
    fixture_text: Callable[[str], str],
    parse: Parse,
) -> None:
    request = parse(encode(fixture_text("v2_verify.json")))
    assert isinstance(request, VerifyRequest)
    assert request.challenge == "30a407b9-b1ac-41a0-989a-ae4c28c9a43a"


def test_invalid_delivery_error_is_a_smartcar_error() -> None:
    assert issubclass(InvalidDeliveryError, SmartcarError)


# --- text: lone surrogates and control characters (red team 7.3) ---------------------


@pytest.mark.parametrize(
    "vehicle_id",
    ["d329211c\ud800", "d329211c\n", "d329 211c", "x" * 129],
    ids=["surrogate", "newline", "space", "too-long"],
)
def test_v2_vehicle_with_an_id_that_is_not_clean_is_dropped(
    vehicle_id: str, parse: Parse
) -> None:
    document = _v2([_item("/odometer", {"distance": 5})])
    document["payload"]["vehicles"].insert(
        0, {"vehicleId": vehicle_id, "requestId": REQUEST_ID, "data": []}
    )
    delivery = data_delivery(parse(document))
    assert [r.vehicle.vehicle_id for r in delivery.vehicles] == [VEHICLE_ID]
    assert delivery.dropped == (DroppedField("", "vehicles[0]", "not a vehicle"),)


def test_v2_webhook_id_that_is_not_clean_is_absent(parse: Parse) -> None:
    document = _v2([])
    document["webhookId"] = "\ud800"
    assert data_delivery(parse(document)).webhook_id is None


def test_v2_verify_webhook_id_that_is_not_clean_is_absent(
    fixture_json: LoadJson, parse: Parse
) -> None:
    document = fixture_json("v2_verify.json")
    document["webhookId"] = "c6ba6fcc\ud800"
    request = parse(document)
    assert isinstance(request, VerifyRequest)
    assert request.webhook_id is None


def test_v2_request_id_that_is_not_clean_is_absent(parse: Parse) -> None:
    document = _v2([_item("/odometer", {"distance": 5})])
    document["payload"]["vehicles"][0]["requestId"] = "1739e745\r\n"
    assert only_report(parse(document)).delivery_id == ""


def test_v2_error_item_codes_that_are_not_clean_are_unknown(parse: Parse) -> None:
    body = {"type": "VEHICLE_STATE\ud800", "code": "ASLEEP\n", "resolution": None}
    reading = readings_by_field(parse(_v2([_item("/odometer", body, code=409)])))[
        Field.ODOMETER
    ]
    assert reading.error == FieldError("UNKNOWN", None, None)


def test_v2_charging_event_with_a_vehicle_id_that_is_not_clean_is_invalid(
    fixture_json: LoadJson, parse: Parse
) -> None:
    document = fixture_json("v2_event_based.json")
    document["payload"]["vehicleId"] = "d329211c\ud800"
    with pytest.raises(InvalidDeliveryError, match="vehicleId is invalid"):
        parse(document)


def test_v2_charging_event_with_an_event_id_that_is_not_clean_has_none(
    fixture_json: LoadJson, parse: Parse
) -> None:
    document = fixture_json("v2_event_based.json")
    document["payload"]["eventId"] = "b202c668\x00"
    event = parse(document)
    assert isinstance(event, ChargingEvent)
    assert event.delivery_id == ""


def test_v2_report_is_fetched_at_the_newest_header_time_errors_included(
    parse: Parse,
) -> None:
    """A 2.0 body has no delivery time; its items' newest header time orders it."""
    delivery = parse(
        _v2(
            [
                _item(
                    "/odometer",
                    {"distance": 1.5},
                    headers={"sc-data-age": "2025-12-14T08:00:00Z"},
                ),
                _item(
                    "/battery",
                    {"type": "VEHICLE_STATE", "code": "ASLEEP"},
                    code=409,
                    headers={"sc-fetched-at": "2025-12-14T08:30:00Z"},
                ),
            ]
        )
    )

    assert only_report(delivery).fetched_at == datetime(2025, 12, 14, 8, 30, tzinfo=UTC)


def test_v2_report_without_header_times_has_no_fetch_time(parse: Parse) -> None:
    delivery = parse(_v2([_item("/odometer", {"distance": 1.5}, headers={})]))

    assert only_report(delivery).fetched_at is None


def test_v2_nominal_capacity_is_read_from_its_nested_object(parse: Parse) -> None:
    items = [_item("/battery/nominal_capacity", {"capacity": {"nominal": "77"}})]
    delivery = parse(_v2(items))
    assert field_values(delivery) == {}
    assert data_delivery(delivery).dropped == (
        DroppedField(
            VEHICLE_ID,
            "/battery/nominal_capacity.capacity.nominal",
            "not a finite number",
        ),
    )
