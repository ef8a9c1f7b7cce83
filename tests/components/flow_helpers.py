"""Helpers of the flow tests: Smartcar's API, entries, and the usual steps.

Smartcar's API as `aioclient_mock` answers it, the entries the flows make, and
the steps every flow test walks through.

Nothing here is a fixture: each test module declares the few it needs.
"""

from __future__ import annotations

import base64
from http import HTTPStatus
import json
import time
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_TOKEN, CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import config_entry_oauth2_flow, device_registry as dr
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.smartcar_webhooks.const import (
    CONF_CLOUDHOOK,
    CONF_MANAGEMENT_TOKEN,
    CONF_SMARTCAR_USER_ID,
    CONF_SMARTCAR_WEBHOOK_ID,
    CONF_VEHICLES,
    DOMAIN,
    OAUTH2_TOKEN,
)
from custom_components.smartcar_webhooks.smartcar import sign_body, token_unique_id
from tests.conftest import MANAGEMENT_TOKEN, WEBHOOK_ID, load_fixture

EXTERNAL_URL = "https://example.com"
REDIRECT_URI = "https://example.com/auth/external/callback"
CLIENT_ID = "smartcar-client-id"
CLIENT_SECRET = "smartcar-client-secret"
AUTH_DOMAIN = "cred"
# HTTP Basic client authentication, RFC 7617: base64 of "client id:secret".
BASIC_AUTH = (
    "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
)
API = "https://api.smartcar.com/v2.0"

USER_ID = "5415f06f-9bb6-474a-abc7-8746a362ef3f"  # data.user.id of the v4 fixtures
OTHER_USER_ID = "0c5f64a5-5d4c-4b43-9c2a-0f3a8f5b1e77"
SMARTCAR_WEBHOOK_ID = "8a326743-4efd-406d-88d6-1c8cb3420e11"  # meta.webhookId
# A webhook id of the right form that Smartcar does not know for this application.
FORGED_WEBHOOK_ID = "0badc0de-0000-4000-8000-00000000f00d"
UNIQUE_ID = token_unique_id(MANAGEMENT_TOKEN)

KIA = "9df3e999-f80f-4893-9c42-d3e9f351e174"  # data.vehicle.id of the v4 fixtures
POLESTAR = "36ab27d0-fd9d-4455-823a-ce30af709ffc"
VW = "4f1c8a0e-2b7d-4c55-9e61-7d3a2c9b8f10"
VEHICLES: dict[str, dict[str, Any]] = {
    KIA: {"make": "KIA", "model": "EV6", "year": 2023, "vin": "KNDC3DLC5P5001234"},
    POLESTAR: {
        "make": "POLESTAR",
        "model": "Polestar 2",
        "year": 2024,
        "vin": "LPSVSEDEEML005678",
    },
    VW: {
        "make": "VOLKSWAGEN",
        "model": "ID.4",
        "year": 2022,
        "vin": "WVGZZZE2ZNP009012",
    },
}
KIA_LABEL = "Kia EV6 (2023) · …1234"
POLESTAR_LABEL = "Polestar 2 (2024) · …5678"
VW_LABEL = "Volkswagen ID.4 (2022) · …9012"

TOKEN_RESPONSE = {
    "access_token": "user-access-token",
    "refresh_token": "user-refresh-token",
    "expires_in": 7200,
    "token_type": "Bearer",
}

# Smartcar's error bodies: {type, code, description, resolution, statusCode, requestId}.
ERROR_BODIES: dict[int, dict[str, Any]] = {
    400: {
        "type": "VALIDATION",
        "code": "PARAMETER",
        "description": "Request invalid or malformed.",
        "resolution": {"type": "CONTACT_SUPPORT"},
        "statusCode": 400,
        "requestId": "5dea93a1-3f79-4246-90c4-5b1d2e0e1d0a",
    },
    401: {
        "type": "AUTHENTICATION",
        "code": None,
        "description": "The provided token is invalid or expired.",
        "resolution": {"type": "REAUTHENTICATE"},
        "statusCode": 401,
        "requestId": "5dea93a1-3f79-4246-90c4-5b1d2e0e1d0b",
    },
    429: {
        "type": "RATE_LIMIT",
        "code": "VEHICLE",
        "description": "You have reached the throttling rate limit for this vehicle.",
        "resolution": {"type": "RETRY_LATER"},
        "statusCode": 429,
        "requestId": "5dea93a1-3f79-4246-90c4-5b1d2e0e1d0c",
    },
    403: {
        "type": "PERMISSION",
        "code": None,
        "description": "Your application has insufficient permissions for this request.",
        "resolution": {"type": None},
        "statusCode": 403,
        "requestId": "5dea93a1-3f79-4246-90c4-5b1d2e0e1d0e",
    },
    404: {
        "type": "RESOURCE_NOT_FOUND",
        "code": "PATH",
        "description": "The requested resource does not exist.",
        "resolution": {"type": None},
        "statusCode": 404,
        "requestId": "5dea93a1-3f79-4246-90c4-5b1d2e0e1d0f",
    },
    500: {
        "type": "SERVER",
        "code": "INTERNAL",
        "description": "Smartcar ran into an unexpected issue.",
        "resolution": {"type": "RETRY_LATER"},
        "statusCode": 500,
        "requestId": "5dea93a1-3f79-4246-90c4-5b1d2e0e1d0d",
    },
}

type Client = TestClient[Any, Any]


def smartcar_error(status: int) -> dict[str, Any]:
    """`aioclient_mock` arguments of a Smartcar API error answer."""
    headers = {"retry-after": "60"} if status == 429 else None
    return {"status": status, "json": ERROR_BODIES[status], "headers": headers}


def webhook_url(vehicle_id: str, webhook_id: str = SMARTCAR_WEBHOOK_ID) -> str:
    """The subscription URL of a vehicle (POST subscribes, DELETE unsubscribes)."""
    return f"{API}/vehicles/{vehicle_id}/webhooks/{webhook_id}"


def mock_smartcar(
    aioclient_mock: AiohttpClientMocker,
    vehicles: dict[str, dict[str, Any]] = VEHICLES,
    *,
    user_id: str = USER_ID,
) -> None:
    """Smartcar's API answering for a user with these vehicles.

    The mocker answers with the first registered match: register failures first.
    """
    aioclient_mock.get(f"{API}/user", json={"id": user_id})
    aioclient_mock.get(
        f"{API}/vehicles?limit=50&offset=0",
        json={
            "vehicles": list(vehicles),
            "paging": {"count": len(vehicles), "offset": 0},
        },
    )
    for vehicle_id, vehicle in vehicles.items():
        aioclient_mock.get(
            f"{API}/vehicles/{vehicle_id}",
            json={
                "id": vehicle_id,
                "make": vehicle["make"],
                "model": vehicle["model"],
                "year": vehicle["year"],
            },
        )
        aioclient_mock.get(
            f"{API}/vehicles/{vehicle_id}/vin", json={"vin": vehicle["vin"]}
        )
        aioclient_mock.post(
            webhook_url(vehicle_id),
            json={"webhookId": SMARTCAR_WEBHOOK_ID, "vehicleId": vehicle_id},
        )
        aioclient_mock.delete(webhook_url(vehicle_id), json={"status": "success"})


def connect_entry_data(
    vehicles: dict[str, dict[str, Any]] | None = None,
    *,
    expires_at: float | None = None,
    user_id: str | None = USER_ID,
) -> dict[str, Any]:
    """The data of an entry set up through Smartcar Connect."""
    data: dict[str, Any] = {
        CONF_WEBHOOK_ID: WEBHOOK_ID,
        CONF_MANAGEMENT_TOKEN: MANAGEMENT_TOKEN,
        CONF_CLOUDHOOK: False,
        CONF_SMARTCAR_WEBHOOK_ID: SMARTCAR_WEBHOOK_ID,
        "auth_implementation": AUTH_DOMAIN,
        CONF_TOKEN: {
            "access_token": "stored-access-token",
            "refresh_token": "stored-refresh-token",
            "expires_in": 7200,
            "token_type": "Bearer",
            "expires_at": time.time() + 3600 if expires_at is None else expires_at,
        },
        CONF_VEHICLES: {
            KIA: {"make": "KIA", "model": "EV6", "year": 2023},
        }
        if vehicles is None
        else vehicles,
    }
    if user_id is not None:
        data[CONF_SMARTCAR_USER_ID] = user_id
    return data


def api_calls(
    aioclient_mock: AiohttpClientMocker, method: str, prefix: str = API
) -> list[tuple[str, dict[str, str]]]:
    """(URL, headers) of the calls made with a method to URLs under a prefix."""
    return [
        (str(url), headers or {})
        for call_method, url, _data, headers in aioclient_mock.mock_calls
        if call_method.upper() == method and str(url).startswith(prefix)
    ]


def vehicle_device(
    hass: HomeAssistant, entry_id: str, vehicle_id: str
) -> dr.DeviceEntry | None:
    """The device of a vehicle, or None."""
    return dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, vehicle_id), entry_id
    )


def select_options(result: Any) -> dict[str, str]:
    """Value -> label of the vehicle multi-select of a form."""
    selector = next(iter(result["data_schema"].schema.values()))
    return {option["value"]: option["label"] for option in selector.config["options"]}


def select_default(result: Any) -> list[str]:
    """The vehicles a form selects when submitted untouched."""
    return result["data_schema"]({})[CONF_VEHICLES]


def json_bytes(body: dict[str, Any]) -> bytes:
    """A body as Smartcar sends it."""
    return json.dumps(body).encode()


def signed(body: dict[str, Any], token: str = MANAGEMENT_TOKEN) -> dict[str, Any]:
    """`client.post` arguments of a delivery signed with a management token."""
    raw = json_bytes(body)
    return {"data": raw, "headers": {"SC-Signature": sign_body(token, raw)}}


async def answer_verify(
    hass: HomeAssistant,
    client: Client,
    webhook_id: str,
    body: dict[str, Any] | None = None,
) -> ClientResponse:
    """POST an unsigned VERIFY; once answered, the flow's wait has seen it."""
    response = await client.post(
        f"/api/webhook/{webhook_id}", json=verify_body() if body is None else body
    )
    # The flow's wait is a background task, done once a VERIFY was answered
    # (while it waits for one, waiting for it would take ten minutes).
    await hass.async_block_till_done(
        wait_background_tasks=response.status == HTTPStatus.OK
    )
    return response


async def verified_flow(
    hass: HomeAssistant, client: Client, verify: dict[str, Any] | None = None
) -> Any:
    """Submit the token and answer Smartcar's VERIFY; the result after it."""
    result = await start_flow(hass)
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    response = await answer_verify(hass, client, flow_webhook_id(result), verify)
    assert response.status == HTTPStatus.OK
    return await hass.config_entries.flow.async_configure(result["flow_id"])


async def start_connect(hass: HomeAssistant, client: Client) -> Any:
    """A verified flow where the user chose Connect."""
    result = await verified_flow(hass, client)
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "connect"}
    )


async def sign_in(
    hass: HomeAssistant,
    client: Client,
    aioclient_mock: AiohttpClientMocker,
    flow_id: str,
    token: dict[str, Any] = TOKEN_RESPONSE,
) -> Any:
    """Smartcar redirects back with a code; the flow exchanges it for tokens."""
    state = config_entry_oauth2_flow._encode_jwt(
        hass, {"flow_id": flow_id, "redirect_uri": REDIRECT_URI}
    )
    response = await client.get(f"/auth/external/callback?code=abcd&state={state}")
    assert response.status == HTTPStatus.OK
    aioclient_mock.post(OAUTH2_TOKEN, json=token)
    return await hass.config_entries.flow.async_configure(flow_id)


async def vehicles_form(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> Any:
    """Signed in through Connect: the vehicle pick form."""
    result = await start_connect(hass, client)
    return await sign_in(hass, client, aioclient_mock, result["flow_id"])


def refuse_webhook(
    aioclient_mock: AiohttpClientMocker, webhook_id: str = FORGED_WEBHOOK_ID
) -> None:
    """Smartcar refusing subscriptions to a webhook id not of this application.

    Register before `mock_smartcar`: the mocker answers with the first match.
    """
    for vehicle_id in VEHICLES:
        aioclient_mock.post(webhook_url(vehicle_id, webhook_id), **smartcar_error(404))
        aioclient_mock.delete(
            webhook_url(vehicle_id, webhook_id), **smartcar_error(404)
        )


def flow_webhook_id(result: Any) -> str:
    """The Home Assistant webhook id inside the verify step's callback URI."""
    url: str = result["description_placeholders"]["webhook_url"]
    return url.rsplit("/", 1)[1]


async def start_flow(hass: HomeAssistant, token: str = MANAGEMENT_TOKEN) -> Any:
    """Start a set-up flow and submit the token; the verify progress result."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_MANAGEMENT_TOKEN: token}
    )


def verify_body(webhook_id: str | None = SMARTCAR_WEBHOOK_ID) -> dict[str, Any]:
    """A 4.0 VERIFY naming a webhook id (None: naming none)."""
    body = load_fixture("v4_verify.json")
    if webhook_id is None:
        del body["meta"]["webhookId"]
    else:
        body["meta"]["webhookId"] = webhook_id
    return body
