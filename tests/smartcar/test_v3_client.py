"""The Smartcar API v3 client against a mocked aiohttp session (no network)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
import logging
from typing import Any

from aiohttp import ClientConnectionError, ClientSession
import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.smartcar_webhooks.smartcar import DataDelivery, Field
from custom_components.smartcar_webhooks.smartcar.app_token import AppToken
from custom_components.smartcar_webhooks.smartcar.client import (
    KIND_API,
    SmartcarApiError,
    SmartcarAuthError,
    SmartcarBillingError,
    SmartcarClient,
    SmartcarConnectionError,
    SmartcarNotCapableError,
    SmartcarRateLimitError,
    SmartcarServerError,
    SmartcarVehicleStateError,
)
from custom_components.smartcar_webhooks.smartcar.v3 import (
    CONNECTIONS_PAGE_SIZE,
    MANAGEMENT_BASE,
    PATHS,
    VEHICLE_BASE,
    Connection,
    SignalsResult,
    SmartcarV3Client,
    Subscription,
)
from custom_components.smartcar_webhooks.smartcar.vehicle_api import (
    CommandResult,
    CommandStatus,
    VehicleApi,
)

from .v3_helpers import (
    CLIENT_ID,
    CLIENT_SECRET,
    TOKEN_URL,
    Clock,
    answer,
    in_turn,
    token_body,
)

USER = "218eda3b-0656-49a8-8f3d-360cdad07334"
VEHICLE = "36ab27d0-fd9d-4455-823a-ce30af709ffc"
WEBHOOK = "8a2b3c4d-webhook"
CONNECTIONS_URL = f"{VEHICLE_BASE}/connections"
SIGNALS_URL = f"{VEHICLE_BASE}/vehicles/{VEHICLE}/signals"
COMMANDS_URL = f"{VEHICLE_BASE}/vehicles/{VEHICLE}/commands"
WEBHOOK_URL = f"{MANAGEMENT_BASE}/webhooks/{WEBHOOK}"
SUBSCRIPTIONS_URL = f"{MANAGEMENT_BASE}/subscriptions"
RECEIVED_AT = datetime(2026, 12, 1, 12, tzinfo=UTC)


@pytest.fixture
def aiohttp_mock() -> AiohttpClientMocker:
    """Canned answers of Smartcar's hosts (see `token_endpoint`)."""
    return AiohttpClientMocker()


@pytest.fixture
async def session(aiohttp_mock: AiohttpClientMocker) -> AsyncGenerator[ClientSession]:
    """A session answered by `aiohttp_mock`."""
    session = aiohttp_mock.create_session(asyncio.get_running_loop())
    yield session
    await session.close()


@pytest.fixture
def tokens(session: ClientSession) -> AppToken:
    """The application token."""
    return AppToken(session, CLIENT_ID, CLIENT_SECRET, clock=Clock())


@pytest.fixture
def client(session: ClientSession, tokens: AppToken) -> SmartcarV3Client:
    """A v3 client on Smartcar's hosts."""
    return SmartcarV3Client(session, tokens)


@pytest.fixture(autouse=True)
def token_endpoint(aiohttp_mock: AiohttpClientMocker) -> None:
    """Every token request gets the next of app-token-1, -2, ..."""
    aiohttp_mock.post(
        TOKEN_URL,
        side_effect=in_turn(
            [
                answer("post", TOKEN_URL, json=token_body(f"app-token-{n}"))
                for n in range(1, 5)
            ]
        ),
    )


def _api_calls(aiohttp_mock: AiohttpClientMocker) -> list[tuple[Any, ...]]:
    return [call for call in aiohttp_mock.mock_calls if str(call[1]) != TOKEN_URL]


def _connection(n: int, **attributes: Any) -> dict[str, Any]:
    return {
        "id": f"connection-{n}",
        "type": "connection",
        "attributes": {
            "permissions": ["read_battery", "control_charge"],
            "vehicle": {"make": "TESLA", "model": "Model 3", "year": 2022},
            **attributes,
        },
        "relationships": {
            "vehicle": {"data": {"id": f"vehicle-{n}", "type": "vehicle"}},
            "user": {"data": {"id": USER, "type": "user"}},
        },
    }


# --- the protocol ----------------------------------------------------------------


def test_both_clients_are_a_vehicle_api(
    client: SmartcarV3Client, session: ClientSession
) -> None:
    clients: list[VehicleApi] = [client, SmartcarClient(session)]
    assert len(clients) == 2


def test_repr_shows_no_secret(client: SmartcarV3Client) -> None:
    assert CLIENT_SECRET not in repr(client)
    assert repr(client) == "SmartcarV3Client(AppToken(cached=False))"


def test_every_path_is_in_the_table() -> None:
    assert set(PATHS) == {
        "connections",
        "signals",
        "command",
        "webhook",
        "subscriptions",
        "subscription",
    }


# --- credentials -------------------------------------------------------------------


async def test_check_credentials_requests_a_token(
    client: SmartcarV3Client, tokens: AppToken
) -> None:
    await client.check_credentials()

    assert tokens.requests == 1


# --- connections -------------------------------------------------------------------


async def test_connections_sends_the_app_token_and_reads_one_page(
    client: SmartcarV3Client, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.get(
        CONNECTIONS_URL,
        json={
            "data": [_connection(1)],
            "meta": {"pageNumber": 1, "pageSize": 10, "totalCount": 1},
            "links": {"next": None},
        },
    )

    assert await client.connections() == [
        Connection(
            connection_id="connection-1",
            user_id=USER,
            vehicle_id="vehicle-1",
            make="TESLA",
            model="Model 3",
            year=2022,
            permissions=("read_battery", "control_charge"),
        )
    ]
    ((method, url, _, headers),) = _api_calls(aiohttp_mock)
    assert method.upper() == "GET"
    assert url.path == "/v3/connections"
    assert dict(url.query) == {"page[number]": "1", "page[size]": "10"}
    assert headers["Authorization"] == "Bearer app-token-1"
    assert "sc-user-id" not in headers


async def test_connections_filters_by_user_and_vehicle(
    client: SmartcarV3Client, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.get(CONNECTIONS_URL, json={"data": []})

    assert await client.connections(user_id=USER, vehicle_id=VEHICLE) == []

    ((_, url, _, _),) = _api_calls(aiohttp_mock)
    assert url.query["filter[userId]"] == USER
    assert url.query["filter[vehicleId]"] == VEHICLE


async def test_connections_follow_pages_until_next_is_empty(
    client: SmartcarV3Client, aiohttp_mock: AiohttpClientMocker
) -> None:
    full = [_connection(n) for n in range(CONNECTIONS_PAGE_SIZE)]
    aiohttp_mock.get(
        CONNECTIONS_URL,
        side_effect=in_turn(
            [
                answer(
                    "get",
                    CONNECTIONS_URL,
                    json={"data": full, "links": {"next": "https://x/?page=2"}},
                ),
                answer(
                    "get",
                    CONNECTIONS_URL,
                    json={"data": [_connection(99)], "links": {"next": None}},
                ),
            ]
        ),
    )

    found = await client.connections()

    assert len(found) == CONNECTIONS_PAGE_SIZE + 1
    pages = [call[1].query["page[number]"] for call in _api_calls(aiohttp_mock)]
    assert pages == ["1", "2"]


async def test_connections_stop_at_the_total_count(
    client: SmartcarV3Client, aiohttp_mock: AiohttpClientMocker
) -> None:
    full = [_connection(n) for n in range(CONNECTIONS_PAGE_SIZE)]
    aiohttp_mock.get(
        CONNECTIONS_URL,
        json={"data": full, "meta": {"totalCount": CONNECTIONS_PAGE_SIZE}},
    )

    assert len(await client.connections()) == CONNECTIONS_PAGE_SIZE
    assert len(_api_calls(aiohttp_mock)) == 1


async def test_connections_stop_after_the_page_limit(
    client: SmartcarV3Client, aiohttp_mock: AiohttpClientMocker
) -> None:
    # A server that always says there is more: the same full page for ever.
    full = [_connection(n) for n in range(CONNECTIONS_PAGE_SIZE)]
    aiohttp_mock.get(CONNECTIONS_URL, json={"data": full, "links": {"next": "more"}})

    assert len(await client.connections()) == CONNECTIONS_PAGE_SIZE
    assert len(_api_calls(aiohttp_mock)) == 50


async def test_connections_skip_items_without_clean_ids_and_clean_text(
    client: SmartcarV3Client, aiohttp_mock: AiohttpClientMocker
) -> None:
    no_user = _connection(2)
    del no_user["relationships"]["user"]
    user_in_attributes = _connection(3, user={"id": "user-3"})
    del user_in_attributes["relationships"]["user"]
    aiohttp_mock.get(
        CONNECTIONS_URL,
        json={
            "data": [
                _connection(
                    1,
                    vehicle={
                        "make": "\u202eTESLA\u0000",
                        "model": "M" * 500,
                        "year": 1800,
                    },
                    permissions=["read_battery", "bad permission", 7, "read_battery"],
                ),
                no_user,
                user_in_attributes,
                {"id": "bad id", "relationships": {}},
                "not an object",
            ]
        },
    )

    first, third = await client.connections()

    assert first.make == "TESLA"
    assert first.model == "M" * 64
    assert first.year is None
    assert first.permissions == ("read_battery",)
    assert first.vehicle.vehicle_id == "vehicle-1"
    assert third.user_id == "user-3"


async def test_connections_answer_without_data_is_an_api_error(
    client: SmartcarV3Client, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.get(CONNECTIONS_URL, json={"items": []})

    with pytest.raises(SmartcarApiError, match="no data list"):
        await client.connections()


# --- Management API ---------------------------------------------------------------------


async def test_webhook_reads_auto_subscribe_and_signals(
    client: SmartcarV3Client, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.get(
        WEBHOOK_URL,
        json={
            "data": {
                "id": WEBHOOK,
                "type": "webhook",
                "attributes": {
                    "name": "Home\nAssistant",
                    "callbackUri": "https://example.org/api/webhook/abc",
                    "errorCallbackUri": "has a space",
                    "isEnabled": True,
                    "autoSubscribe": True,
                    "triggers": [
                        {"code": "charge-ischarging"},
                        "TractionBattery.StateOfCharge",
                        42,
                    ],
                    "data": ["location-preciselocation", "location-preciselocation"],
                },
            }
        },
    )

    webhook = await client.webhook(WEBHOOK)

    assert webhook.webhook_id == WEBHOOK
    assert webhook.name == "Home Assistant"
    assert webhook.enabled is True
    assert webhook.auto_subscribe is True
    assert webhook.triggers == ("charge-ischarging", "tractionbattery-stateofcharge")
    assert webhook.signals == ("location-preciselocation",)
    assert webhook.callback_uri == "https://example.org/api/webhook/abc"
    assert webhook.error_callback_uri is None
    assert "example.org" not in repr(webhook)
    _, url, _, headers = _api_calls(aiohttp_mock)[0]
    assert url.host == "management.api.smartcar.com"
    assert headers["Authorization"] == "Bearer app-token-1"


async def test_webhook_with_odd_fields_keeps_what_is_clean(
    client: SmartcarV3Client, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.get(
        WEBHOOK_URL, json={"id": "bad id", "attributes": {"autoSubscribe": "yes"}}
    )

    webhook = await client.webhook(WEBHOOK)

    assert webhook.webhook_id == WEBHOOK
    assert webhook.auto_subscribe is None


async def test_webhook_answer_that_is_not_an_object_is_an_api_error(
    client: SmartcarV3Client, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.get(WEBHOOK_URL, json=[])

    with pytest.raises(SmartcarApiError, match="not an object"):
        await client.webhook(WEBHOOK)


async def test_subscribe_posts_webhook_user_and_vehicle(
    client: SmartcarV3Client, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.post(SUBSCRIPTIONS_URL, status=202, json={"data": {"id": "sub-1"}})

    await client.subscribe(USER, VEHICLE, WEBHOOK)

    ((method, url, data, _),) = _api_calls(aiohttp_mock)
    assert (method.upper(), str(url)) == ("POST", SUBSCRIPTIONS_URL)
    assert data == {
        "data": {
            "attributes": {"webhookId": WEBHOOK, "userId": USER, "vehicleId": VEHICLE}
        }
    }


async def test_subscribe_already_subscribed_is_success(
    client: SmartcarV3Client, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.post(
        SUBSCRIPTIONS_URL, status=409, json={"type": "CONFLICT", "code": "EXISTS"}
    )

    await client.subscribe(USER, VEHICLE, WEBHOOK)


async def test_subscribe_refused_raises(
    client: SmartcarV3Client, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.post(
        SUBSCRIPTIONS_URL, status=404, json={"type": "RESOURCE_NOT_FOUND"}
    )

    with pytest.raises(SmartcarApiError) as caught:
        await client.subscribe(USER, VEHICLE, WEBHOOK)

    assert caught.value.status == 404


async def test_subscriptions_of_a_vehicle(
    client: SmartcarV3Client, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.get(
        SUBSCRIPTIONS_URL,
        json={
            "data": [
                {
                    "id": "sub-1",
                    "attributes": {
                        "webhookId": WEBHOOK,
                        "vehicleId": VEHICLE,
                        "userId": USER,
                    },
                },
                {
                    "id": "sub-2",
                    "relationships": {
                        "webhook": {"data": {"id": "other-webhook"}},
                        "vehicle": {"data": {"id": VEHICLE}},
                    },
                },
                {"id": "bad id"},
                None,
            ]
        },
    )

    assert await client.subscriptions(VEHICLE) == [
        Subscription("sub-1", WEBHOOK, VEHICLE, USER),
        Subscription("sub-2", "other-webhook", VEHICLE, None),
    ]
    ((_, url, _, _),) = _api_calls(aiohttp_mock)
    assert url.query["filter[vehicleId]"] == VEHICLE


async def test_delete_subscription_accepts_204_and_404(
    client: SmartcarV3Client, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.delete(f"{SUBSCRIPTIONS_URL}/sub-1", status=204)
    aiohttp_mock.delete(f"{SUBSCRIPTIONS_URL}/gone", status=404, json={})

    await client.delete_subscription("sub-1")
    await client.delete_subscription("gone")

    assert [call[1].path for call in _api_calls(aiohttp_mock)] == [
        "/v3/subscriptions/sub-1",
        "/v3/subscriptions/gone",
    ]


async def test_unsubscribe_deletes_only_this_webhooks_subscription(
    client: SmartcarV3Client, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.get(
        SUBSCRIPTIONS_URL,
        json={
            "data": [
                {"id": "mine", "attributes": {"webhookId": WEBHOOK}},
                {"id": "theirs", "attributes": {"webhookId": "other-webhook"}},
                {
                    "id": "other-car",
                    "attributes": {"webhookId": WEBHOOK, "vehicleId": "vehicle-2"},
                },
            ]
        },
    )
    aiohttp_mock.delete(f"{SUBSCRIPTIONS_URL}/mine", status=204)

    await client.unsubscribe(USER, VEHICLE, WEBHOOK)

    deletes = [c for c in _api_calls(aiohttp_mock) if c[0].upper() == "DELETE"]
    assert [call[1].path for call in deletes] == ["/v3/subscriptions/mine"]


# --- signals --------------------------------------------------------------------------------


def _signal(code: str, body: dict[str, Any], **meta: Any) -> dict[str, Any]:
    return {
        "id": code,
        "type": "signal",
        "attributes": {"code": code, "status": {"value": "SUCCESS"}, "body": body},
        "meta": meta,
    }


async def test_signals_carry_the_user_and_return_the_document(
    client: SmartcarV3Client, aiohttp_mock: AiohttpClientMocker
) -> None:
    document = {"data": [_signal("tractionbattery-stateofcharge", {"value": 80})]}
    aiohttp_mock.get(SIGNALS_URL, json=document)

    result = await client.signals(USER, VEHICLE)

    assert result == SignalsResult(VEHICLE, USER, document)
    assert result.items == document["data"]
    ((_, _, _, headers),) = _api_calls(aiohttp_mock)
    assert headers["sc-user-id"] == USER
    assert headers["Authorization"] == "Bearer app-token-1"


def test_signal_items_leave_out_what_is_not_an_object() -> None:
    assert SignalsResult(VEHICLE, USER, {"data": [1, {"a": 1}]}).items == [{"a": 1}]
    assert SignalsResult(VEHICLE, USER, {"data": "x"}).items == []


async def test_signals_answer_that_is_not_an_object_is_an_api_error(
    client: SmartcarV3Client, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.get(SIGNALS_URL, json=[])

    with pytest.raises(SmartcarApiError, match="not an object"):
        await client.signals(USER, VEHICLE)


@pytest.mark.parametrize("user", ["", "two words", "line\nbreak", "x" * 129])
async def test_a_user_id_that_is_not_clean_never_goes_into_a_header(
    client: SmartcarV3Client, aiohttp_mock: AiohttpClientMocker, user: str
) -> None:
    with pytest.raises(ValueError, match="user id"):
        await client.signals(user, VEHICLE)

    assert aiohttp_mock.call_count == 0


async def test_read_parses_signals_like_a_delivery(
    client: SmartcarV3Client, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.get(
        SIGNALS_URL,
        json={
            "data": [
                _signal(
                    "tractionbattery-stateofcharge",
                    {"value": 81, "unit": "percent"},
                    oemUpdatedAt="2026-12-01T11:00:00.000Z",
                    retrievedAt="2026-12-01T11:01:00.000Z",
                ),
                {
                    "id": "charge-ischarging",
                    "attributes": {
                        "code": "charge-ischarging",
                        "status": {
                            "value": "ERROR",
                            "error": {"type": "VEHICLE_STATE", "code": "ASLEEP"},
                        },
                    },
                    "meta": {},
                },
            ]
        },
    )

    delivery = await client.read(USER, VEHICLE, ["/battery"], received_at=RECEIVED_AT)

    assert isinstance(delivery, DataDelivery)
    assert delivery.kind == KIND_API
    assert delivery.webhook_id is None
    (report,) = delivery.vehicles
    readings = {reading.field: reading for reading in report.readings}
    assert readings[Field.BATTERY_LEVEL].value == 81
    assert readings[Field.BATTERY_LEVEL].recorded_at == datetime(
        2026, 12, 1, 11, tzinfo=UTC
    )
    charging = readings[Field.CHARGING]
    assert charging.value is None
    assert charging.error is not None
    assert charging.error.code == "ASLEEP"


async def test_read_uses_the_parser_it_was_given(
    session: ClientSession, tokens: AppToken, aiohttp_mock: AiohttpClientMocker
) -> None:
    parsed = DataDelivery(
        kind=KIND_API,
        webhook_id=None,
        mode=None,
        delivered_at=None,
        received_at=RECEIVED_AT,
        vehicles=(),
    )
    seen: list[SignalsResult] = []

    def parse(result: SignalsResult, received_at: datetime) -> DataDelivery:
        seen.append(result)
        return parsed

    aiohttp_mock.get(SIGNALS_URL, json={"data": []})
    client = SmartcarV3Client(session, tokens, parse_signals=parse)

    assert await client.read(USER, VEHICLE, received_at=RECEIVED_AT) is parsed
    assert seen == [SignalsResult(VEHICLE, USER, {"data": []})]


# --- commands --------------------------------------------------------------------------------

DONE = {
    "data": {
        "type": "command-execution",
        "attributes": {"status": {"value": "SUCCESS"}, "executionMode": "sync"},
    }
}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("start_charging", "charge/start"),
        ("stop_charging", "charge/stop"),
        ("lock", "security/lock"),
        ("unlock", "security/unlock"),
    ],
)
async def test_command_200_is_done(
    client: SmartcarV3Client,
    aiohttp_mock: AiohttpClientMocker,
    method: str,
    path: str,
) -> None:
    aiohttp_mock.post(f"{COMMANDS_URL}/{path}", json=DONE)

    result = await getattr(client, method)(USER, VEHICLE)

    assert result == CommandResult(CommandStatus.DONE, "SUCCESS")
    assert result.done
    ((_, url, data, headers),) = _api_calls(aiohttp_mock)
    assert url.path == f"/v3/vehicles/{VEHICLE}/commands/{path}"
    assert data is None
    assert headers["sc-user-id"] == USER


async def test_command_202_is_still_running(
    client: SmartcarV3Client, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.post(
        f"{COMMANDS_URL}/charge/start",
        status=202,
        json={"data": {"attributes": {"status": {"value": "PENDING"}}}},
    )

    result = await client.start_charging(USER, VEHICLE)

    assert result == CommandResult(CommandStatus.PENDING, "PENDING")
    assert not result.done


async def test_command_202_without_a_body_is_still_running(
    client: SmartcarV3Client, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.post(f"{COMMANDS_URL}/security/lock", status=202)

    assert await client.lock(USER, VEHICLE) == CommandResult(CommandStatus.PENDING)


async def test_command_whose_outcome_is_failed_raises(
    client: SmartcarV3Client, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.post(
        f"{COMMANDS_URL}/security/unlock",
        json={"data": {"attributes": {"status": {"value": "FAILED"}}}},
    )

    with pytest.raises(SmartcarApiError) as caught:
        await client.unlock(USER, VEHICLE)

    assert caught.value.code == "FAILED"


@pytest.mark.parametrize(("percent", "sent"), [(80, 80), (80.0, 80), (72.5, 72.5)])
async def test_set_charge_limit_sends_a_percent(
    client: SmartcarV3Client,
    aiohttp_mock: AiohttpClientMocker,
    percent: float,
    sent: float,
) -> None:
    aiohttp_mock.post(f"{COMMANDS_URL}/charge/set-limit", json=DONE)

    assert (await client.set_charge_limit(USER, VEHICLE, percent)).done

    ((_, _, data, _),) = _api_calls(aiohttp_mock)
    assert data == {"data": {"attributes": {"percent": sent}}}
    assert type(data["data"]["attributes"]["percent"]) is type(sent)


@pytest.mark.parametrize("percent", [49.9, 100.1, float("nan")])
async def test_set_charge_limit_outside_the_range_is_refused(
    client: SmartcarV3Client, aiohttp_mock: AiohttpClientMocker, percent: float
) -> None:
    with pytest.raises(ValueError, match="50-100"):
        await client.set_charge_limit(USER, VEHICLE, percent)

    assert aiohttp_mock.call_count == 0


# --- the token on calls -------------------------------------------------------------------


async def test_a_401_renews_the_token_once_and_sends_again(
    client: SmartcarV3Client, aiohttp_mock: AiohttpClientMocker, tokens: AppToken
) -> None:
    aiohttp_mock.get(
        SIGNALS_URL,
        side_effect=in_turn(
            [
                answer("get", SIGNALS_URL, status=401, json={"type": "AUTHENTICATION"}),
                answer("get", SIGNALS_URL, json={"data": []}),
            ]
        ),
    )

    await client.signals(USER, VEHICLE)

    sent = [call[3]["Authorization"] for call in _api_calls(aiohttp_mock)]
    assert sent == ["Bearer app-token-1", "Bearer app-token-2"]
    assert tokens.requests == 2


async def test_a_second_401_is_an_auth_error_without_a_third_try(
    client: SmartcarV3Client, aiohttp_mock: AiohttpClientMocker, tokens: AppToken
) -> None:
    aiohttp_mock.get(SIGNALS_URL, status=401, json={"type": "AUTHENTICATION"})

    with pytest.raises(SmartcarAuthError):
        await client.signals(USER, VEHICLE)

    assert len(_api_calls(aiohttp_mock)) == 2
    assert tokens.requests == 2


async def test_calls_share_the_cached_token(
    client: SmartcarV3Client, aiohttp_mock: AiohttpClientMocker, tokens: AppToken
) -> None:
    aiohttp_mock.get(SIGNALS_URL, json={"data": []})
    aiohttp_mock.get(CONNECTIONS_URL, json={"data": []})

    await asyncio.gather(
        client.signals(USER, VEHICLE),
        client.connections(),
        client.signals(USER, VEHICLE),
    )

    assert tokens.requests == 1


# --- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (409, {"type": "VEHICLE_STATE", "code": "ASLEEP"}, SmartcarVehicleStateError),
        (430, {"type": "BILLING", "code": "VEHICLE_LIMIT"}, SmartcarBillingError),
        (430, None, SmartcarBillingError),
        (501, {"type": "COMPATIBILITY"}, SmartcarNotCapableError),
        (501, None, SmartcarNotCapableError),
        (502, {"type": "UPSTREAM", "code": "UNKNOWN"}, SmartcarServerError),
        (500, "<html>", SmartcarServerError),
    ],
)
async def test_error_answers_map_to_typed_errors(
    client: SmartcarV3Client,
    aiohttp_mock: AiohttpClientMocker,
    status: int,
    body: Any,
    error: type[SmartcarApiError],
) -> None:
    if isinstance(body, str):
        aiohttp_mock.post(f"{COMMANDS_URL}/charge/start", status=status, text=body)
    else:
        aiohttp_mock.post(f"{COMMANDS_URL}/charge/start", status=status, json=body)

    with pytest.raises(error) as caught:
        await client.start_charging(USER, VEHICLE)

    assert caught.value.status == status


async def test_a_429_carries_smartcars_retry_after(
    client: SmartcarV3Client, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.get(
        SIGNALS_URL,
        status=429,
        json={"type": "RATE_LIMIT", "code": "VEHICLE"},
        headers={"retry-after": "120"},
    )

    with pytest.raises(SmartcarRateLimitError) as caught:
        await client.signals(USER, VEHICLE)

    assert caught.value.retry_after == 120
    assert caught.value.code == "VEHICLE"


async def test_error_text_is_cleaned_and_bounded(
    client: SmartcarV3Client, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.get(
        SIGNALS_URL,
        status=400,
        json={
            "type": "VALIDATION\nINJECTED",
            "code": "X" * 65,
            "detail": "bad\u0000 header\r\nsc-user-id missing " + "y" * 1000,
        },
    )

    with pytest.raises(SmartcarApiError) as caught:
        await client.signals(USER, VEHICLE)

    message = str(caught.value)
    assert caught.value.error_type is None
    assert caught.value.code is None
    assert "\n" not in message
    assert "\x00" not in message
    assert message.startswith("Smartcar API error 400: bad header sc-user-id missing")
    assert len(message) < 200


async def test_network_failure_is_a_connection_error(
    client: SmartcarV3Client, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.get(SIGNALS_URL, exc=ClientConnectionError())

    with pytest.raises(SmartcarConnectionError):
        await client.signals(USER, VEHICLE)


async def test_a_success_that_is_not_json_is_an_api_error(
    client: SmartcarV3Client, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.get(SIGNALS_URL, text="<html>")

    with pytest.raises(SmartcarApiError, match="not JSON"):
        await client.signals(USER, VEHICLE)


async def test_no_token_in_the_log(
    client: SmartcarV3Client,
    aiohttp_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    aiohttp_mock.get(
        SIGNALS_URL,
        side_effect=in_turn(
            [
                answer("get", SIGNALS_URL, status=401),
                answer("get", SIGNALS_URL, json={"data": []}),
            ]
        ),
    )

    await client.signals(USER, VEHICLE)

    assert "app-token" not in caplog.text
    assert CLIENT_SECRET not in caplog.text


# --- base URLs -------------------------------------------------------------------------------


async def test_base_urls_point_at_the_simulator(
    session: ClientSession, aiohttp_mock: AiohttpClientMocker
) -> None:
    base = "http://127.0.0.1:8790"
    aiohttp_mock.post(f"{base}/oauth2/token", json=token_body("sim-token"))
    aiohttp_mock.get(f"{base}/v3/connections", json={"data": []})
    aiohttp_mock.get(f"{base}/v3/webhooks/{WEBHOOK}", json={"data": {}})
    tokens = AppToken(session, "id", "secret", token_url=f"{base}/oauth2/token")
    client = SmartcarV3Client(
        session, tokens, vehicle_base=f"{base}/v3/", management_base=f"{base}/v3"
    )

    await client.connections()
    await client.webhook(WEBHOOK)

    assert [str(call[1]).split("?")[0] for call in aiohttp_mock.mock_calls] == [
        f"{base}/oauth2/token",
        f"{base}/v3/connections",
        f"{base}/v3/webhooks/{WEBHOOK}",
    ]
