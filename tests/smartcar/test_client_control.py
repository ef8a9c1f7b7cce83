"""Acting on the car and reading it afresh through the REST client (no network)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any

from aiohttp import ClientSession
import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.smartcar_webhooks.smartcar import (
    READ_PERMISSIONS,
    Field,
    FieldError,
    Location,
    Reading,
    Unit,
    fields_of_path,
    readable_paths,
)
from custom_components.smartcar_webhooks.smartcar.client import (
    API_BASE,
    KIND_API,
    SmartcarApiError,
    SmartcarAuthError,
    SmartcarClient,
    SmartcarNotCapableError,
    SmartcarPermissionError,
    SmartcarRateLimitError,
    SmartcarServerError,
    SmartcarVehicleStateError,
)

TOKEN = "user-access-token-secret"
VEHICLE = "36ab27d0-fd9d-4455-823a-ce30af709ffc"
VEHICLE_URL = f"{API_BASE}/v2.0/vehicles/{VEHICLE}"
ASKED_AT = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
SUCCESS = {"status": "success", "message": "Successfully sent request to vehicle"}


@pytest.fixture
def aiohttp_mock() -> AiohttpClientMocker:
    """Canned Smartcar answers; records every request made."""
    return AiohttpClientMocker()


@pytest.fixture
async def session(aiohttp_mock: AiohttpClientMocker) -> AsyncGenerator[ClientSession]:
    """A session whose requests are answered by `aiohttp_mock`."""
    session = aiohttp_mock.create_session(asyncio.get_running_loop())
    yield session
    await session.close()


@pytest.fixture
def client(session: ClientSession) -> SmartcarClient:
    """A client on the real Smartcar base URL."""
    return SmartcarClient(session)


def smartcar_error(
    error_type: str, code: str | None, status: int, resolution: str | None = None
) -> dict[str, Any]:
    """Smartcar's error body."""
    return {
        "type": error_type,
        "code": code,
        "description": "Smartcar said no.",
        "statusCode": status,
        "resolution": {"type": resolution},
        "requestId": "5dea93a1-3f79-4246-90c5-89610a20471b",
    }


def item(path: str, body: dict[str, Any], **headers: str) -> dict[str, Any]:
    """One answer of a batch, as Smartcar sends it."""
    return {
        "path": path,
        "body": body,
        "code": 200,
        "headers": {"sc-data-age": "2026-01-01T11:58:00.000Z", **headers},
    }


# --- commands ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "path", "body"),
    [
        ("start_charging", "/charge", {"action": "START"}),
        ("stop_charging", "/charge", {"action": "STOP"}),
        ("lock", "/security", {"action": "LOCK"}),
        ("unlock", "/security", {"action": "UNLOCK"}),
    ],
)
async def test_command_posts_its_action_with_the_users_token(
    client: SmartcarClient,
    aiohttp_mock: AiohttpClientMocker,
    command: str,
    path: str,
    body: dict[str, str],
) -> None:
    aiohttp_mock.post(f"{VEHICLE_URL}{path}", json=SUCCESS)

    await getattr(client, command)(TOKEN, VEHICLE)

    [(method, url, sent, headers)] = aiohttp_mock.mock_calls
    assert (method.upper(), str(url), sent) == ("POST", f"{VEHICLE_URL}{path}", body)
    assert headers["Authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(("percent", "limit"), [(80, 0.8), (50, 0.5), (100, 1.0)])
async def test_charge_limit_is_sent_as_a_fraction(
    client: SmartcarClient,
    aiohttp_mock: AiohttpClientMocker,
    percent: float,
    limit: float,
) -> None:
    aiohttp_mock.post(f"{VEHICLE_URL}/charge/limit", json=SUCCESS)

    await client.set_charge_limit(TOKEN, VEHICLE, percent)

    assert aiohttp_mock.mock_calls[0][2] == {"limit": limit}


@pytest.mark.parametrize("percent", [49.9, 100.1, 0, float("nan"), float("inf")])
async def test_charge_limit_outside_smartcars_range_is_not_sent(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker, percent: float
) -> None:
    with pytest.raises(ValueError, match="50-100"):
        await client.set_charge_limit(TOKEN, VEHICLE, percent)

    assert aiohttp_mock.mock_calls == []


# --- refusals ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "error_class"),
    [
        (
            smartcar_error("VEHICLE_STATE", "ASLEEP", 409),
            409,
            SmartcarVehicleStateError,
        ),
        (
            smartcar_error("VEHICLE_STATE", "CHARGING_PLUG_NOT_CONNECTED", 409),
            409,
            SmartcarVehicleStateError,
        ),
        (
            smartcar_error("COMPATIBILITY", "VEHICLE_NOT_CAPABLE", 501),
            501,
            SmartcarNotCapableError,
        ),
        (
            smartcar_error("COMPATIBILITY", "MAKE_NOT_COMPATIBLE", 501),
            501,
            SmartcarNotCapableError,
        ),
        (
            smartcar_error("PERMISSION", None, 403, "REAUTHENTICATE"),
            403,
            SmartcarPermissionError,
        ),
        (
            smartcar_error("AUTHENTICATION", None, 401, "REAUTHENTICATE"),
            401,
            SmartcarAuthError,
        ),
        (
            smartcar_error("UPSTREAM", "RATE_LIMIT", 502, "RETRY_LATER"),
            502,
            SmartcarRateLimitError,
        ),
        (
            smartcar_error("UPSTREAM", "NO_RESPONSE", 502, "RETRY_LATER"),
            502,
            SmartcarServerError,
        ),
        (
            smartcar_error("BILLING", "VEHICLE_REQUEST_LIMIT", 430),
            430,
            SmartcarApiError,
        ),
    ],
)
async def test_refusal_is_typed_by_smartcars_error_type(
    client: SmartcarClient,
    aiohttp_mock: AiohttpClientMocker,
    body: dict[str, Any],
    status: int,
    error_class: type[SmartcarApiError],
) -> None:
    aiohttp_mock.post(f"{VEHICLE_URL}/charge", status=status, json=body)

    with pytest.raises(SmartcarApiError) as caught:
        await client.start_charging(TOKEN, VEHICLE)

    assert type(caught.value) is error_class
    assert (caught.value.error_type, caught.value.code) == (body["type"], body["code"])


async def test_vehicle_rate_limit_keeps_retry_after(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.post(
        f"{VEHICLE_URL}/security",
        status=429,
        headers={"retry-after": "120"},
        json=smartcar_error("RATE_LIMIT", "VEHICLE", 429, "RETRY_LATER"),
    )

    with pytest.raises(SmartcarRateLimitError) as caught:
        await client.lock(TOKEN, VEHICLE)

    assert caught.value.retry_after == 120.0


def test_permission_error_is_an_auth_error_and_the_others_are_not() -> None:
    assert issubclass(SmartcarPermissionError, SmartcarAuthError)
    assert not issubclass(SmartcarVehicleStateError, SmartcarAuthError)
    assert not issubclass(SmartcarNotCapableError, SmartcarServerError)


# --- read --------------------------------------------------------------------


async def test_read_asks_one_batch_for_the_paths(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.post(f"{VEHICLE_URL}/batch", json={"responses": []})

    await client.read(TOKEN, VEHICLE, ["/battery", "/location"], received_at=ASKED_AT)

    [(method, url, sent, headers)] = aiohttp_mock.mock_calls
    assert (method.upper(), str(url)) == ("POST", f"{VEHICLE_URL}/batch")
    assert sent == {"requests": [{"path": "/battery"}, {"path": "/location"}]}
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["SC-Unit-System"] == "metric"


async def test_read_gives_readings_timed_by_the_car_like_a_delivery(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.post(
        f"{VEHICLE_URL}/batch",
        json={
            "responses": [
                item("/battery", {"percentRemaining": 0.8, "range": 300.5}),
                item("/location", {"latitude": 52.37, "longitude": 4.89}),
            ]
        },
    )

    delivery = await client.read(
        TOKEN, VEHICLE, ["/battery", "/location"], received_at=ASKED_AT
    )

    at = datetime(2026, 1, 1, 11, 58, tzinfo=UTC)
    assert (delivery.kind, delivery.webhook_id, delivery.mode) == (KIND_API, None, None)
    assert (delivery.delivered_at, delivery.received_at) == (None, ASKED_AT)
    [report] = delivery.vehicles
    assert report.vehicle.vehicle_id == VEHICLE
    assert report.readings == (
        Reading(VEHICLE, Field.BATTERY_LEVEL, 80.0, Unit.PERCENT, at, ""),
        Reading(VEHICLE, Field.RANGE, 300.5, Unit.KILOMETERS, at, ""),
        Reading(VEHICLE, Field.LOCATION, Location(52.37, 4.89), None, at, ""),
    )


async def test_read_converts_imperial_answers_as_the_parser_does(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.post(
        f"{VEHICLE_URL}/batch",
        json={
            "responses": [
                item("/odometer", {"distance": 100}, **{"sc-unit-system": "imperial"})
            ]
        },
    )

    delivery = await client.read(TOKEN, VEHICLE, ["/odometer"], received_at=ASKED_AT)

    [reading] = delivery.vehicles[0].readings
    assert reading.field is Field.ODOMETER
    assert reading.value == pytest.approx(160.9344)


async def test_read_of_a_refused_path_is_an_error_reading_of_its_fields(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker
) -> None:
    refused = smartcar_error("COMPATIBILITY", "VEHICLE_NOT_CAPABLE", 501)
    aiohttp_mock.post(
        f"{VEHICLE_URL}/batch",
        json={
            "responses": [
                {"path": "/charge/limit", "body": refused, "code": 501, "headers": {}},
                item("/charge", {"isPluggedIn": True, "state": "CHARGING"}),
            ]
        },
    )

    delivery = await client.read(
        TOKEN, VEHICLE, ["/charge/limit", "/charge"], received_at=ASKED_AT
    )

    readings = {r.field: r for r in delivery.vehicles[0].readings}
    assert readings[Field.CHARGE_LIMIT].error == FieldError(
        "COMPATIBILITY", "VEHICLE_NOT_CAPABLE", None
    )
    assert readings[Field.CHARGE_LIMIT].recorded_at is None
    assert readings[Field.CHARGING].value is True


async def test_read_drops_a_value_the_parser_finds_implausible(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.post(
        f"{VEHICLE_URL}/batch",
        json={"responses": [item("/battery", {"percentRemaining": 1.7})]},
    )

    delivery = await client.read(TOKEN, VEHICLE, ["/battery"], received_at=ASKED_AT)

    assert delivery.vehicles[0].readings == ()
    assert [d.source for d in delivery.dropped] == ["/battery.percentRemaining"]


async def test_read_never_dates_a_value_after_it_was_asked(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.post(
        f"{VEHICLE_URL}/batch",
        json={
            "responses": [
                item(
                    "/odometer",
                    {"distance": 1},
                    **{"sc-data-age": "2030-01-01T00:00:00Z"},
                )
            ]
        },
    )

    delivery = await client.read(TOKEN, VEHICLE, ["/odometer"], received_at=ASKED_AT)

    assert delivery.vehicles[0].readings[0].recorded_at == ASKED_AT


@pytest.mark.parametrize("body", [{}, {"responses": {}}, [], {"responses": None}])
async def test_read_answer_without_responses_is_an_api_error(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker, body: Any
) -> None:
    aiohttp_mock.post(f"{VEHICLE_URL}/batch", json=body)

    with pytest.raises(SmartcarApiError, match="no responses"):
        await client.read(TOKEN, VEHICLE, ["/battery"], received_at=ASKED_AT)


async def test_read_refused_as_a_whole_is_a_typed_error(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.post(
        f"{VEHICLE_URL}/batch",
        status=409,
        json=smartcar_error("VEHICLE_STATE", "ASLEEP", 409),
    )

    with pytest.raises(SmartcarVehicleStateError) as caught:
        await client.read(TOKEN, VEHICLE, ["/battery"], received_at=ASKED_AT)

    assert caught.value.code == "ASLEEP"


# --- permissions ---------------------------------------------------------------


def test_readable_paths_follow_the_granted_permissions() -> None:
    assert readable_paths(["read_battery", "read_location", "control_charge"]) == (
        "/battery",
        "/battery/nominal_capacity",  # Smartcar no longer maintains /battery/capacity
        "/location",
    )
    assert readable_paths([]) == ()


def test_every_readable_path_is_one_the_parser_reads() -> None:
    for path in READ_PERMISSIONS:
        assert fields_of_path(path), path


def test_path_fields_include_what_a_path_derives() -> None:
    assert set(fields_of_path("/charge")) == {
        Field.PLUGGED_IN,
        Field.CHARGING_STATE,
        Field.CHARGING,
    }
    assert fields_of_path("/nowhere") == ()
