"""The async Smartcar REST client, against a mocked aiohttp session (no network)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

from aiohttp import (
    ClientConnectionError,
    ClientError,
    ClientSession,
    ServerTimeoutError,
)
import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.smartcar_webhooks.smartcar import SmartcarError, VehicleInfo
from custom_components.smartcar_webhooks.smartcar.client import (
    API_BASE,
    MAX_PAGES,
    PAGE_SIZE,
    SmartcarApiError,
    SmartcarAuthError,
    SmartcarClient,
    SmartcarConnectionError,
    SmartcarPermissionError,
    SmartcarRateLimitError,
    SmartcarServerError,
)

TOKEN = "user-access-token-secret"
AMT = "management-token-secret"
VEHICLE = "36ab27d0-fd9d-4455-823a-ce30af709ffc"
WEBHOOK = "8a2b3c4d-webhook"
USER_URL = f"{API_BASE}/v2.0/user"
VEHICLES_URL = f"{API_BASE}/v2.0/vehicles"
VEHICLE_URL = f"{API_BASE}/v2.0/vehicles/{VEHICLE}"
WEBHOOK_URL = f"{VEHICLE_URL}/webhooks/{WEBHOOK}"


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


def _ids(start: int, count: int) -> list[str]:
    return [f"vehicle-{n}" for n in range(start, start + count)]


def _page(url: str, offset: int) -> str:
    return f"{url}?limit={PAGE_SIZE}&offset={offset}"


def _query(call: tuple[Any, ...]) -> dict[str, str]:
    return dict(call[1].query)


# --- user_id -----------------------------------------------------------------


async def test_user_id_sends_bearer_token_and_metric_units(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.get(USER_URL, json={"id": "user-1"})

    assert await client.user_id(TOKEN) == "user-1"

    assert len(aiohttp_mock.mock_calls) == 1
    method, url, _, headers = aiohttp_mock.mock_calls[0]
    assert method.upper() == "GET"
    assert str(url) == USER_URL
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["SC-Unit-System"] == "metric"


@pytest.mark.parametrize("body", [{}, {"id": 42}, {"id": None}, ["user-1"], "user-1"])
async def test_user_id_without_id_is_an_api_error(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker, body: Any
) -> None:
    aiohttp_mock.get(USER_URL, json=body)

    with pytest.raises(SmartcarApiError, match="no id"):
        await client.user_id(TOKEN)


# --- vehicle_ids -------------------------------------------------------------


async def test_vehicle_ids_single_page(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.get(
        _page(VEHICLES_URL, 0),
        json={"vehicles": ["a", "b"], "paging": {"count": 2, "offset": 0}},
    )

    assert await client.vehicle_ids(TOKEN) == ["a", "b"]

    assert len(aiohttp_mock.mock_calls) == 1
    _, url, _, headers = aiohttp_mock.mock_calls[0]
    assert url.path == "/v2.0/vehicles"
    assert _query(aiohttp_mock.mock_calls[0]) == {"limit": "50", "offset": "0"}
    assert headers["Authorization"] == f"Bearer {TOKEN}"


async def test_vehicle_ids_follows_pages_until_a_short_page(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker
) -> None:
    first, second = _ids(0, PAGE_SIZE), _ids(PAGE_SIZE, 3)
    aiohttp_mock.get(_page(VEHICLES_URL, 0), json={"vehicles": first})
    aiohttp_mock.get(_page(VEHICLES_URL, PAGE_SIZE), json={"vehicles": second})

    assert await client.vehicle_ids(TOKEN) == first + second

    assert [_query(call) for call in aiohttp_mock.mock_calls] == [
        {"limit": "50", "offset": "0"},
        {"limit": "50", "offset": "50"},
    ]


async def test_vehicle_ids_stops_when_paging_count_is_reached(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker
) -> None:
    # A full page, but Smartcar says that is everything: no second request.
    aiohttp_mock.get(
        _page(VEHICLES_URL, 0),
        json={"vehicles": _ids(0, PAGE_SIZE), "paging": {"count": PAGE_SIZE}},
    )

    assert len(await client.vehicle_ids(TOKEN)) == PAGE_SIZE
    assert len(aiohttp_mock.mock_calls) == 1


@pytest.mark.parametrize("paging", [None, "50", {"count": "50"}, {"count": 51}])
async def test_vehicle_ids_full_page_without_usable_count_asks_for_more(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker, paging: Any
) -> None:
    aiohttp_mock.get(
        _page(VEHICLES_URL, 0), json={"vehicles": _ids(0, PAGE_SIZE), "paging": paging}
    )
    aiohttp_mock.get(_page(VEHICLES_URL, PAGE_SIZE), json={"vehicles": ["last"]})

    ids = await client.vehicle_ids(TOKEN)

    assert len(ids) == PAGE_SIZE + 1
    assert ids[-1] == "last"
    assert len(aiohttp_mock.mock_calls) == 2


async def test_vehicle_ids_skips_entries_that_are_not_strings(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.get(
        _page(VEHICLES_URL, 0),
        json={"vehicles": ["a", 1, None, {"id": "x"}, ["y"], True, "b"]},
    )

    assert await client.vehicle_ids(TOKEN) == ["a", "b"]


@pytest.mark.parametrize(
    "text",
    [
        "{}",
        '{"vehicles": null}',
        '{"vehicles": "a"}',
        '{"vehicles": {}}',
        '["a"]',
        "null",
    ],
)
async def test_vehicle_ids_without_vehicles_is_an_api_error(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker, text: str
) -> None:
    aiohttp_mock.get(VEHICLES_URL, text=text)

    with pytest.raises(SmartcarApiError, match="no vehicles"):
        await client.vehicle_ids(TOKEN)


async def test_vehicle_ids_stops_after_max_pages(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker
) -> None:
    # Smartcar keeps answering full pages, whatever the offset.
    aiohttp_mock.get(VEHICLES_URL, json={"vehicles": _ids(0, PAGE_SIZE)})

    ids = await client.vehicle_ids(TOKEN)

    assert len(aiohttp_mock.mock_calls) == MAX_PAGES
    assert len(ids) == MAX_PAGES * PAGE_SIZE
    assert [_query(call)["offset"] for call in aiohttp_mock.mock_calls] == [
        str(page * PAGE_SIZE) for page in range(MAX_PAGES)
    ]


# --- vehicle_info and vin ----------------------------------------------------


async def test_vehicle_info_parses_make_model_year(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.get(
        VEHICLE_URL,
        json={"id": VEHICLE, "make": "TESLA", "model": "Model 3", "year": 2021},
    )

    info = await client.vehicle_info(TOKEN, VEHICLE)

    assert info == VehicleInfo(
        vehicle_id=VEHICLE, make="TESLA", model="Model 3", year=2021
    )
    method, url, _, headers = aiohttp_mock.mock_calls[0]
    assert (method.upper(), str(url)) == ("GET", VEHICLE_URL)
    assert headers["Authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"make": 1, "model": ["Model 3"], "year": "2021"},
        {"make": None, "model": {"name": "x"}, "year": 2021.0},
    ],
)
async def test_vehicle_info_wrong_types_become_none(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker, body: dict[str, Any]
) -> None:
    aiohttp_mock.get(VEHICLE_URL, json=body)

    assert await client.vehicle_info(TOKEN, VEHICLE) == VehicleInfo(
        vehicle_id=VEHICLE, make=None, model=None, year=None
    )


async def test_vehicle_info_bool_year_is_none(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.get(VEHICLE_URL, json={"make": "BMW", "model": "i3", "year": True})

    info = await client.vehicle_info(TOKEN, VEHICLE)

    assert info.year is None
    assert (info.make, info.model) == ("BMW", "i3")


@pytest.mark.parametrize("text", ["[]", '"TESLA"', "2021", "null"])
async def test_vehicle_info_not_an_object_is_an_api_error(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker, text: str
) -> None:
    aiohttp_mock.get(VEHICLE_URL, text=text)

    with pytest.raises(SmartcarApiError, match="not an object"):
        await client.vehicle_info(TOKEN, VEHICLE)


async def test_vin_is_returned(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.get(f"{VEHICLE_URL}/vin", json={"vin": "5YJ3E1EA7KF000001"})

    assert await client.vin(TOKEN, VEHICLE) == "5YJ3E1EA7KF000001"
    _, url, _, headers = aiohttp_mock.mock_calls[0]
    assert str(url) == f"{VEHICLE_URL}/vin"
    assert headers["Authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize("text", ["{}", '{"vin": null}', '{"vin": 123}', '["vin"]'])
async def test_vin_missing_is_none(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker, text: str
) -> None:
    aiohttp_mock.get(f"{VEHICLE_URL}/vin", text=text)

    assert await client.vin(TOKEN, VEHICLE) is None


# --- subscribe / unsubscribe -------------------------------------------------


async def test_subscribe_posts_with_the_user_token(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.post(WEBHOOK_URL, json={"webhookId": WEBHOOK, "vehicleId": VEHICLE})

    assert await client.subscribe(TOKEN, VEHICLE, WEBHOOK) is None

    assert len(aiohttp_mock.mock_calls) == 1
    method, url, _, headers = aiohttp_mock.mock_calls[0]
    assert method.upper() == "POST"
    assert str(url) == WEBHOOK_URL
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["SC-Unit-System"] == "metric"


async def test_unsubscribe_deletes_with_the_management_token(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.delete(WEBHOOK_URL, json={"status": "success"})

    assert await client.unsubscribe(AMT, VEHICLE, WEBHOOK) is None

    assert len(aiohttp_mock.mock_calls) == 1
    method, url, _, headers = aiohttp_mock.mock_calls[0]
    assert method.upper() == "DELETE"
    assert str(url) == WEBHOOK_URL
    assert headers["Authorization"] == f"Bearer {AMT}"
    assert TOKEN not in headers["Authorization"]


# --- errors ------------------------------------------------------------------


def _error(error_type: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "description": "Smartcar said no.",
        "requestId": "req-1",
        **extra,
    }
    if error_type is not None:
        body["type"] = error_type
    return body


async def test_401_is_an_auth_error_keeping_status_type_and_code(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.get(
        USER_URL,
        status=401,
        json=_error(
            "AUTHENTICATION",
            code="INVALID_TOKEN",
            statusCode=401,
            resolution={"type": "REAUTHENTICATE"},
        ),
    )

    with pytest.raises(SmartcarAuthError) as caught:
        await client.user_id(TOKEN)

    assert caught.value.status == 401
    assert caught.value.error_type == "AUTHENTICATION"
    assert caught.value.code == "INVALID_TOKEN"


async def test_401_without_body_type_is_still_an_auth_error(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.get(USER_URL, status=401, json={})

    with pytest.raises(SmartcarAuthError) as caught:
        await client.user_id(TOKEN)

    assert (caught.value.error_type, caught.value.code) == (None, None)


async def test_403_with_authentication_type_is_an_auth_error(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.get(USER_URL, status=403, json=_error("AUTHENTICATION"))

    with pytest.raises(SmartcarAuthError) as caught:
        await client.user_id(TOKEN)

    assert caught.value.status == 403


@pytest.mark.parametrize("status", [400, 403, 404, 409])
async def test_reauthenticate_resolution_is_an_auth_error(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker, status: int
) -> None:
    aiohttp_mock.get(
        USER_URL,
        status=status,
        json=_error("PERMISSION", resolution={"type": "REAUTHENTICATE"}),
    )

    with pytest.raises(SmartcarAuthError) as caught:
        await client.user_id(TOKEN)

    assert caught.value.status == status
    assert caught.value.error_type == "PERMISSION"


async def test_403_permission_is_a_permission_error_whatever_the_resolution(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker
) -> None:
    # Signing in again and granting the permission is the remedy: an auth error.
    aiohttp_mock.get(
        USER_URL,
        status=403,
        json=_error("PERMISSION", resolution={"type": "CONTACT_SUPPORT"}),
    )

    with pytest.raises(SmartcarPermissionError) as caught:
        await client.user_id(TOKEN)

    assert isinstance(caught.value, SmartcarAuthError)


async def test_429_with_retry_after_is_a_rate_limit_error(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.get(
        USER_URL,
        status=429,
        headers={"retry-after": "30"},
        json=_error("RATE_LIMIT", code="VEHICLE"),
    )

    with pytest.raises(SmartcarRateLimitError) as caught:
        await client.user_id(TOKEN)

    assert caught.value.retry_after == 30.0
    assert caught.value.status == 429
    assert caught.value.error_type == "RATE_LIMIT"
    assert caught.value.code == "VEHICLE"


async def test_retry_after_header_name_is_case_insensitive(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.get(
        USER_URL, status=429, headers={"Retry-After": "2.5"}, json=_error("RATE_LIMIT")
    )

    with pytest.raises(SmartcarRateLimitError) as caught:
        await client.user_id(TOKEN)

    assert caught.value.retry_after == 2.5


@pytest.mark.parametrize(
    "headers",
    [
        None,
        {"retry-after": "soon"},
        {"retry-after": ""},
        {"retry-after": "Wed, 21 Oct 2026 07:28:00 GMT"},
        {"retry-after": "nan"},
        {"retry-after": "inf"},
        {"retry-after": "-5"},
    ],
)
async def test_429_without_numeric_retry_after_has_none(
    client: SmartcarClient,
    aiohttp_mock: AiohttpClientMocker,
    headers: dict[str, str] | None,
) -> None:
    aiohttp_mock.get(USER_URL, status=429, headers=headers, json=_error("RATE_LIMIT"))

    with pytest.raises(SmartcarRateLimitError) as caught:
        await client.user_id(TOKEN)

    assert caught.value.retry_after is None


@pytest.mark.parametrize("status", [400, 403, 503])
async def test_rate_limit_body_type_with_another_status_is_a_rate_limit_error(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker, status: int
) -> None:
    aiohttp_mock.get(
        USER_URL,
        status=status,
        headers={"retry-after": "7"},
        json=_error("RATE_LIMIT", code="SMARTCAR_API"),
    )

    with pytest.raises(SmartcarRateLimitError) as caught:
        await client.user_id(TOKEN)

    assert caught.value.status == status
    assert caught.value.retry_after == 7.0


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_5xx_is_a_server_error(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker, status: int
) -> None:
    aiohttp_mock.get(USER_URL, status=status, json=_error("SERVER", code="INTERNAL"))

    with pytest.raises(SmartcarServerError) as caught:
        await client.user_id(TOKEN)

    assert caught.value.status == status
    assert (caught.value.error_type, caught.value.code) == ("SERVER", "INTERNAL")


async def test_404_is_a_plain_api_error(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.get(
        VEHICLE_URL, status=404, json=_error("RESOURCE_NOT_FOUND", code="PATH")
    )

    with pytest.raises(SmartcarApiError) as caught:
        await client.vehicle_info(TOKEN, VEHICLE)

    assert type(caught.value) is SmartcarApiError
    assert caught.value.status == 404
    assert (caught.value.error_type, caught.value.code) == (
        "RESOURCE_NOT_FOUND",
        "PATH",
    )


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (401, SmartcarAuthError),
        (429, SmartcarRateLimitError),
        (500, SmartcarServerError),
        (503, SmartcarServerError),
        (404, SmartcarApiError),
        (400, SmartcarApiError),
    ],
)
@pytest.mark.parametrize(
    "text", ["<html>Bad Gateway</html>", "", "[1, 2]", '"oops"', "\udcff"]
)
async def test_error_body_not_a_json_object_is_typed_by_status(
    client: SmartcarClient,
    aiohttp_mock: AiohttpClientMocker,
    status: int,
    error_class: type[SmartcarApiError],
    text: str,
) -> None:
    aiohttp_mock.get(
        USER_URL,
        status=status,
        content=text.encode("utf-8", "surrogateescape"),
    )

    with pytest.raises(SmartcarApiError) as caught:
        await client.user_id(TOKEN)

    assert type(caught.value) is error_class
    assert caught.value.status == status
    assert (caught.value.error_type, caught.value.code) == (None, None)
    assert str(caught.value) == f"Smartcar API error {status}"


async def test_error_body_that_cannot_be_read_is_typed_by_status(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker
) -> None:
    # The connection drops while the error body is read.
    aiohttp_mock.get(USER_URL, status=401, json=_error("AUTHENTICATION"), closing=True)

    with pytest.raises(SmartcarAuthError) as caught:
        await client.user_id(TOKEN)

    assert caught.value.error_type is None


async def test_error_fields_of_the_wrong_type_are_dropped(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.get(
        USER_URL,
        status=400,
        json={"type": 7, "code": ["X"], "resolution": "REAUTHENTICATE"},
    )

    with pytest.raises(SmartcarApiError) as caught:
        await client.user_id(TOKEN)

    assert type(caught.value) is SmartcarApiError
    assert (caught.value.error_type, caught.value.code) == (None, None)


async def test_error_message_has_status_type_and_code_but_never_the_token(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.get(
        USER_URL,
        status=409,
        json=_error("COMPATIBILITY", code="MAKE_NOT_COMPATIBLE", token=TOKEN),
    )

    with pytest.raises(SmartcarApiError) as caught:
        await client.user_id(TOKEN)

    message = str(caught.value)
    assert "409" in message
    assert "COMPATIBILITY" in message
    assert "MAKE_NOT_COMPATIBLE" in message
    assert TOKEN not in message
    assert TOKEN not in repr(caught.value)


async def test_error_message_with_code_but_no_type(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.get(USER_URL, status=400, json={"code": "VEHICLE_ASLEEP"})

    with pytest.raises(SmartcarApiError) as caught:
        await client.user_id(TOKEN)

    assert str(caught.value) == "Smartcar API error 400 (VEHICLE_ASLEEP)"


async def test_ids_are_escaped_as_one_path_segment(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.post(
        "https://api.smartcar.com/v2.0/vehicles/a%2F..%2Fb/webhooks/w%3Fx", json={}
    )

    await client.subscribe(TOKEN, "a/../b", "w?x")

    assert len(aiohttp_mock.mock_calls) == 1


async def test_error_message_with_type_but_no_code(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.get(USER_URL, status=400, json=_error("VALIDATION"))

    with pytest.raises(SmartcarApiError) as caught:
        await client.user_id(TOKEN)

    assert str(caught.value) == "Smartcar API error 400 (VALIDATION)"


@pytest.mark.parametrize(
    "exc",
    [
        ClientError(),
        ClientConnectionError(f"cannot connect, Authorization: Bearer {TOKEN}"),
        TimeoutError(),
        ServerTimeoutError(),
    ],
    ids=["ClientError", "ClientConnectionError", "TimeoutError", "ServerTimeoutError"],
)
async def test_session_failure_is_a_connection_error(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker, exc: Exception
) -> None:
    aiohttp_mock.get(USER_URL, exc=exc)

    with pytest.raises(SmartcarConnectionError) as caught:
        await client.user_id(TOKEN)

    assert caught.value.__cause__ is exc
    assert TOKEN not in str(caught.value)


async def test_connection_drop_while_reading_a_success_is_a_connection_error(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.get(USER_URL, json={"id": "user-1"}, closing=True)

    with pytest.raises(SmartcarConnectionError):
        await client.user_id(TOKEN)


@pytest.mark.parametrize("text", ["<html>ok</html>", "{", "\udcff"])
async def test_success_body_not_json_is_an_api_error(
    client: SmartcarClient, aiohttp_mock: AiohttpClientMocker, text: str
) -> None:
    aiohttp_mock.get(USER_URL, content=text.encode("utf-8", "surrogateescape"))

    with pytest.raises(SmartcarApiError, match="not JSON") as caught:
        await client.user_id(TOKEN)

    assert type(caught.value) is SmartcarApiError
    assert caught.value.status is None


@pytest.mark.parametrize(
    "error_class",
    [
        SmartcarApiError,
        SmartcarAuthError,
        SmartcarRateLimitError,
        SmartcarServerError,
        SmartcarConnectionError,
    ],
)
def test_every_client_error_is_a_smartcar_error(error_class: type) -> None:
    assert issubclass(error_class, SmartcarError)


def test_typed_api_errors_are_api_errors() -> None:
    assert issubclass(SmartcarAuthError, SmartcarApiError)
    assert issubclass(SmartcarRateLimitError, SmartcarApiError)
    assert issubclass(SmartcarServerError, SmartcarApiError)
    assert not issubclass(SmartcarConnectionError, SmartcarApiError)


# --- api_base ----------------------------------------------------------------


async def test_api_base_override_is_used_for_every_url(
    session: ClientSession, aiohttp_mock: AiohttpClientMocker
) -> None:
    base = "http://127.0.0.1:8900"
    client = SmartcarClient(session, api_base=f"{base}/")
    vehicle = f"{base}/v2.0/vehicles/{VEHICLE}"
    aiohttp_mock.get(f"{base}/v2.0/user", json={"id": "user-1"})
    aiohttp_mock.get(_page(f"{base}/v2.0/vehicles", 0), json={"vehicles": [VEHICLE]})
    aiohttp_mock.get(vehicle, json={"make": "KIA"})
    aiohttp_mock.get(f"{vehicle}/vin", json={"vin": "KNA"})
    aiohttp_mock.post(f"{vehicle}/webhooks/{WEBHOOK}", json={})
    aiohttp_mock.delete(f"{vehicle}/webhooks/{WEBHOOK}", json={})

    assert await client.user_id(TOKEN) == "user-1"
    assert await client.vehicle_ids(TOKEN) == [VEHICLE]
    assert (await client.vehicle_info(TOKEN, VEHICLE)).make == "KIA"
    assert await client.vin(TOKEN, VEHICLE) == "KNA"
    await client.subscribe(TOKEN, VEHICLE, WEBHOOK)
    await client.unsubscribe(AMT, VEHICLE, WEBHOOK)

    assert len(aiohttp_mock.mock_calls) == 6
    for _, url, _, _ in aiohttp_mock.mock_calls:
        assert (url.scheme, url.host, url.port) == ("http", "127.0.0.1", 8900)
        assert url.path.startswith("/v2.0/")
        assert "//" not in url.path
