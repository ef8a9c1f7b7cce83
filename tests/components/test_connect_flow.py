"""Tests of the Smartcar Connect path of the config flow, of reauth and reconfigure.

Smartcar is mocked with `aioclient_mock` (no network); the OAuth callback and
the webhook are reached through Home Assistant's HTTP server.
"""

from __future__ import annotations

import base64
from http import HTTPStatus
import json
import time
from typing import Any
from unittest.mock import patch

from aiohttp import ClientError
from aiohttp.test_utils import TestClient
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import SOURCE_REAUTH, SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_TOKEN, CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ImplementationUnavailableError
from homeassistant.helpers import (
    config_entry_oauth2_flow,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.smartcar_webhooks.config_flow import CONNECT_FAILURES
from custom_components.smartcar_webhooks.const import (
    CONF_CLOUDHOOK,
    CONF_MANAGEMENT_TOKEN,
    CONF_SMARTCAR_USER_ID,
    CONF_SMARTCAR_WEBHOOK_ID,
    CONF_VEHICLES,
    DOMAIN,
    OAUTH2_AUTHORIZE,
    OAUTH2_SCOPES,
    OAUTH2_TOKEN,
)
from custom_components.smartcar_webhooks.smartcar import hash_challenge, sign_body
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
KIA_LABEL = "KIA EV6 (2023) · VIN …1234"
POLESTAR_LABEL = "POLESTAR Polestar 2 (2024) · VIN …5678"
VW_LABEL = "VOLKSWAGEN ID.4 (2022) · VIN …9012"

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


@pytest.fixture
async def external_url(hass: HomeAssistant) -> None:
    """An external https URL Smartcar could deliver to."""
    await async_process_ha_core_config(hass, {"external_url": EXTERNAL_URL})


@pytest.fixture
async def credentials(hass: HomeAssistant) -> None:
    """Smartcar application credentials, as the user adds them."""
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(CLIENT_ID, CLIENT_SECRET), AUTH_DOMAIN
    )


@pytest.fixture
async def client(hass_client_no_auth: ClientSessionGenerator) -> Client:
    """The HTTP client for the webhook and the OAuth callback."""
    return await hass_client_no_auth()


@pytest.fixture
async def token_auth(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> list[str]:
    """The Authorization header of every request to the token endpoint.

    `aioclient_mock.mock_calls` keeps method, URL, data and headers but not the
    `auth=` argument: the mocked session's request method is wrapped to keep
    what either would send, `auth=BasicAuth(...)` or an Authorization header.
    """
    session = async_get_clientsession(hass)
    forward = session._request
    seen: list[str] = []

    async def request(method: str, url: Any, **kwargs: Any) -> Any:
        if str(url) == OAUTH2_TOKEN:
            auth = kwargs.get("auth")
            headers = kwargs.get("headers") or {}
            seen.append(auth.encode() if auth else headers.get("Authorization", ""))
        return await forward(method, url, **kwargs)

    object.__setattr__(session, "_request", request)
    return seen


def json_bytes(body: dict[str, Any]) -> bytes:
    """A body as Smartcar sends it."""
    return json.dumps(body).encode()


def signed(body: dict[str, Any], token: str = MANAGEMENT_TOKEN) -> dict[str, Any]:
    """`client.post` arguments of a delivery signed with a management token."""
    raw = json_bytes(body)
    return {"data": raw, "headers": {"SC-Signature": sign_body(token, raw)}}


async def verified_flow(
    hass: HomeAssistant, client: Client, verify: dict[str, Any] | None = None
) -> Any:
    """Submit the token and answer Smartcar's VERIFY; the result after it."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_MANAGEMENT_TOKEN: MANAGEMENT_TOKEN}
    )
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    webhook_id = result["description_placeholders"]["webhook_url"].rsplit("/", 1)[1]
    response = await client.post(
        f"/api/webhook/{webhook_id}",
        json=load_fixture("v4_verify.json") if verify is None else verify,
    )
    assert response.status == HTTPStatus.OK
    await hass.async_block_till_done()
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


# --- mode menu and credentials ---------------------------------------------


@pytest.mark.usefixtures("external_url")
async def test_verified_webhook_offers_connect_or_webhook_only(
    hass: HomeAssistant, client: Client
) -> None:
    result = await verified_flow(hass, client)

    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "mode"
    assert result["menu_options"] == ["connect", "webhook_only"]


@pytest.mark.usefixtures("external_url")
async def test_connect_without_credentials_explains_how_to_add_them(
    hass: HomeAssistant, client: Client
) -> None:
    result = await start_connect(hass, client)

    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "no_credentials"
    assert result["menu_options"] == ["connect", "webhook_only"]


@pytest.mark.usefixtures("external_url", "current_request_with_host")
async def test_connect_again_after_adding_credentials_opens_smartcar_connect(
    hass: HomeAssistant, client: Client
) -> None:
    result = await start_connect(hass, client)
    assert result["step_id"] == "no_credentials"
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(CLIENT_ID, CLIENT_SECRET), AUTH_DOMAIN
    )

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "connect"}
    )

    assert result["type"] is FlowResultType.EXTERNAL_STEP
    assert result["url"].startswith(OAUTH2_AUTHORIZE)


@pytest.mark.usefixtures("external_url")
async def test_no_credentials_menu_can_finish_webhook_only(
    hass: HomeAssistant, client: Client
) -> None:
    result = await start_connect(hass, client)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "webhook_only"}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert CONF_TOKEN not in result["data"]
    assert result["data"][CONF_SMARTCAR_WEBHOOK_ID] == SMARTCAR_WEBHOOK_ID


@pytest.mark.usefixtures("external_url")
async def test_verify_without_smartcar_webhook_id_creates_webhook_only_entry(
    hass: HomeAssistant, client: Client
) -> None:
    verify = load_fixture("v4_verify.json")
    del verify["meta"]["webhookId"]

    result = await verified_flow(hass, client, verify)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert CONF_TOKEN not in result["data"]
    assert CONF_SMARTCAR_WEBHOOK_ID not in result["data"]


@pytest.mark.usefixtures("external_url")
async def test_connect_while_the_credentials_provider_is_down_explains_credentials(
    hass: HomeAssistant, client: Client
) -> None:
    async def provider_down(_hass: HomeAssistant, _domain: str) -> list[Any]:
        raise ImplementationUnavailableError("cloud")

    config_entry_oauth2_flow.async_add_implementation_provider(
        hass, "cloud", provider_down
    )

    result = await start_connect(hass, client)

    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "no_credentials"


@pytest.mark.usefixtures("external_url", "credentials")
async def test_verify_of_a_configured_webhook_offers_no_connect(
    hass: HomeAssistant, client: Client
) -> None:
    existing = MockConfigEntry(
        domain=DOMAIN, unique_id=SMARTCAR_WEBHOOK_ID, data=connect_entry_data()
    )
    existing.add_to_hass(hass)

    result = await verified_flow(hass, client)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert existing.data[CONF_TOKEN]["access_token"] == "stored-access-token"
    assert existing.data[CONF_VEHICLES] == connect_entry_data()[CONF_VEHICLES]


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
async def test_connect_opens_smartcar_connect_with_the_scopes(
    hass: HomeAssistant, client: Client
) -> None:
    result = await start_connect(hass, client)

    assert result["type"] is FlowResultType.EXTERNAL_STEP
    url = URL(result["url"])
    assert str(url.with_query(None)) == OAUTH2_AUTHORIZE
    assert url.query["response_type"] == "code"
    assert url.query["client_id"] == CLIENT_ID
    assert url.query["redirect_uri"] == REDIRECT_URI
    assert url.query["scope"].split(" ") == list(OAUTH2_SCOPES)
    assert url.query["state"] == config_entry_oauth2_flow._encode_jwt(
        hass, {"flow_id": result["flow_id"], "redirect_uri": REDIRECT_URI}
    )


# --- sign-in and the vehicle list -------------------------------------------


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
async def test_code_is_exchanged_with_http_basic_client_auth(
    hass: HomeAssistant,
    client: Client,
    aioclient_mock: AiohttpClientMocker,
    token_auth: list[str],
) -> None:
    mock_smartcar(aioclient_mock)

    await vehicles_form(hass, client, aioclient_mock)

    assert token_auth == [BASIC_AUTH]
    [(_method, _url, form, _headers)] = [
        call for call in aioclient_mock.mock_calls if str(call[1]) == OAUTH2_TOKEN
    ]
    assert form["grant_type"] == "authorization_code"
    assert form["code"] == "abcd"
    assert form["redirect_uri"] == REDIRECT_URI
    assert "client_secret" not in form


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
async def test_signed_in_user_picks_from_every_vehicle_all_selected(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_smartcar(aioclient_mock)

    result = await vehicles_form(hass, client, aioclient_mock)

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "vehicles"
    assert select_options(result) == {
        KIA: KIA_LABEL,
        POLESTAR: POLESTAR_LABEL,
        VW: VW_LABEL,
    }
    assert select_default(result) == [KIA, POLESTAR, VW]


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
async def test_vehicle_list_is_read_with_the_users_token(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_smartcar(aioclient_mock)

    await vehicles_form(hass, client, aioclient_mock)

    calls = api_calls(aioclient_mock, "GET")
    assert {url for url, _headers in calls} == {
        f"{API}/user",
        f"{API}/vehicles?limit=50&offset=0",
        *(f"{API}/vehicles/{vehicle_id}" for vehicle_id in VEHICLES),
        *(f"{API}/vehicles/{vehicle_id}/vin" for vehicle_id in VEHICLES),
    }
    assert {headers["Authorization"] for _url, headers in calls} == {
        "Bearer user-access-token"
    }


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
@pytest.mark.parametrize(
    "vin_answer",
    [
        smartcar_error(401),
        smartcar_error(403),
        {"exc": ClientError()},
    ],
    ids=["401", "403", "client-error"],
)
async def test_vehicle_without_vin_is_listed_without_it(
    hass: HomeAssistant,
    client: Client,
    aioclient_mock: AiohttpClientMocker,
    vin_answer: dict[str, Any],
) -> None:
    aioclient_mock.get(f"{API}/vehicles/{POLESTAR}/vin", **vin_answer)
    mock_smartcar(aioclient_mock)

    result = await vehicles_form(hass, client, aioclient_mock)

    assert select_options(result) == {
        KIA: KIA_LABEL,
        POLESTAR: "POLESTAR Polestar 2 (2024)",
        VW: VW_LABEL,
    }


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
async def test_vehicle_whose_attributes_fail_is_listed_by_its_id(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.get(f"{API}/vehicles/{POLESTAR}", **smartcar_error(500))
    aioclient_mock.get(f"{API}/vehicles/{POLESTAR}/vin", **smartcar_error(500))
    mock_smartcar(aioclient_mock)

    result = await vehicles_form(hass, client, aioclient_mock)

    assert select_options(result) == {
        KIA: KIA_LABEL,
        POLESTAR: "Vehicle 36ab27d0",
        VW: VW_LABEL,
    }


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (smartcar_error(401), "invalid_auth"),
        (smartcar_error(429), "rate_limited"),
        (smartcar_error(500), "smartcar_unavailable"),
        (smartcar_error(400), "smartcar_error"),
        ({"exc": ClientError()}, "cannot_connect"),
    ],
    ids=["401", "429", "500", "400", "client-error"],
)
async def test_vehicle_list_error_keeps_the_verified_webhook(
    hass: HomeAssistant,
    client: Client,
    aioclient_mock: AiohttpClientMocker,
    answer: dict[str, Any],
    reason: str,
) -> None:
    aioclient_mock.get(f"{API}/vehicles", **answer)
    mock_smartcar(aioclient_mock)

    result = await vehicles_form(hass, client, aioclient_mock)

    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "connect_failed"
    assert result["description_placeholders"]["reason"] == CONNECT_FAILURES[reason]


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
async def test_user_lookup_error_keeps_the_verified_webhook(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.get(f"{API}/user", **smartcar_error(401))
    mock_smartcar(aioclient_mock)

    result = await vehicles_form(hass, client, aioclient_mock)

    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "connect_failed"
    assert (
        result["description_placeholders"]["reason"] == CONNECT_FAILURES["invalid_auth"]
    )


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
async def test_account_without_vehicles_keeps_the_verified_webhook(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_smartcar(aioclient_mock, {})

    result = await vehicles_form(hass, client, aioclient_mock)

    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "connect_failed"
    assert (
        result["description_placeholders"]["reason"] == CONNECT_FAILURES["no_vehicles"]
    )


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
@pytest.mark.parametrize(
    ("status", "reason"),
    [(400, "oauth_unauthorized"), (401, "oauth_unauthorized"), (500, "oauth_failed")],
)
async def test_refused_code_exchange_keeps_the_verified_webhook(
    hass: HomeAssistant,
    client: Client,
    aioclient_mock: AiohttpClientMocker,
    status: int,
    reason: str,
) -> None:
    aioclient_mock.post(OAUTH2_TOKEN, status=status, json={"error": "invalid_grant"})
    result = await start_connect(hass, client)

    result = await sign_in(hass, client, aioclient_mock, result["flow_id"])

    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "connect_failed"
    assert result["description_placeholders"]["reason"] == CONNECT_FAILURES[reason]


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
async def test_user_denying_access_keeps_the_verified_webhook(
    hass: HomeAssistant, client: Client
) -> None:
    result = await start_connect(hass, client)
    state = config_entry_oauth2_flow._encode_jwt(
        hass, {"flow_id": result["flow_id"], "redirect_uri": REDIRECT_URI}
    )

    await client.get(f"/auth/external/callback?error=access_denied&state={state}")
    result = await hass.config_entries.flow.async_configure(result["flow_id"])

    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "connect_failed"
    assert (
        result["description_placeholders"]["reason"]
        == CONNECT_FAILURES["user_rejected_authorize"]
    )


# --- subscribing ------------------------------------------------------------


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
async def test_after_a_failed_connect_webhook_only_still_finishes(
    hass: HomeAssistant, client: Client
) -> None:
    result = await start_connect(hass, client)
    state = config_entry_oauth2_flow._encode_jwt(
        hass, {"flow_id": result["flow_id"], "redirect_uri": REDIRECT_URI}
    )
    await client.get(f"/auth/external/callback?error=access_denied&state={state}")
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["step_id"] == "connect_failed"
    # Showing the step again (a reload of the dialog) keeps the same menu.
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["step_id"] == "connect_failed"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "webhook_only"}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_SMARTCAR_WEBHOOK_ID] == SMARTCAR_WEBHOOK_ID
    assert CONF_TOKEN not in result["data"]


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
async def test_picked_vehicles_are_subscribed_with_the_users_token(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_smartcar(aioclient_mock)
    result = await vehicles_form(hass, client, aioclient_mock)

    await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_VEHICLES: [KIA, VW]}
    )

    calls = api_calls(aioclient_mock, "POST")
    assert sorted(url for url, _headers in calls) == sorted(
        [webhook_url(KIA), webhook_url(VW)]
    )
    assert {headers["Authorization"] for _url, headers in calls} == {
        "Bearer user-access-token"
    }


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
async def test_subscribed_entry_keeps_webhook_tokens_user_and_vehicles(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_smartcar(aioclient_mock)
    result = await vehicles_form(hass, client, aioclient_mock)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_VEHICLES: [KIA, VW]}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Smartcar"
    data = result["data"]
    token = data.pop(CONF_TOKEN)
    assert data == {
        CONF_WEBHOOK_ID: data[CONF_WEBHOOK_ID],
        CONF_MANAGEMENT_TOKEN: MANAGEMENT_TOKEN,
        CONF_CLOUDHOOK: False,
        CONF_SMARTCAR_WEBHOOK_ID: SMARTCAR_WEBHOOK_ID,
        "auth_implementation": AUTH_DOMAIN,
        CONF_SMARTCAR_USER_ID: USER_ID,
        CONF_VEHICLES: {
            KIA: {"make": "KIA", "model": "EV6", "year": 2023},
            VW: {"make": "VOLKSWAGEN", "model": "ID.4", "year": 2022},
        },
    }
    assert len(data[CONF_WEBHOOK_ID]) == 64
    assert token == {
        **TOKEN_RESPONSE,
        "expires_at": pytest.approx(time.time() + 7200, abs=60),
    }
    assert result["result"].unique_id == SMARTCAR_WEBHOOK_ID


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
async def test_subscribed_result_lists_each_vehicle(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_smartcar(aioclient_mock)
    result = await vehicles_form(hass, client, aioclient_mock)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_VEHICLES: [KIA, VW]}
    )

    assert result["description"] == "subscribed"
    assert result["description_placeholders"] == {
        "results": f"- {KIA_LABEL}: subscribed\n- {VW_LABEL}: subscribed"
    }


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
@pytest.mark.parametrize(
    ("answer", "text"),
    [
        (smartcar_error(429), "Smartcar is rate limiting, try again later"),
        (smartcar_error(500), "Smartcar is unavailable, try again later"),
        (smartcar_error(401), "refused: sign in again"),
        (smartcar_error(400), "Smartcar refused it"),
        ({"exc": ClientError()}, "Smartcar could not be reached"),
    ],
    ids=["429", "500", "401", "400", "client-error"],
)
async def test_failed_subscription_is_reported_and_not_kept(
    hass: HomeAssistant,
    client: Client,
    aioclient_mock: AiohttpClientMocker,
    answer: dict[str, Any],
    text: str,
) -> None:
    aioclient_mock.post(webhook_url(POLESTAR), **answer)
    mock_smartcar(aioclient_mock)
    result = await vehicles_form(hass, client, aioclient_mock)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_VEHICLES: [KIA, POLESTAR]}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert list(result["data"][CONF_VEHICLES]) == [KIA]
    assert result["description_placeholders"] == {
        "results": f"- {KIA_LABEL}: subscribed\n- {POLESTAR_LABEL}: {text}"
    }


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
async def test_picking_no_vehicle_creates_entry_without_vehicles(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_smartcar(aioclient_mock)
    result = await vehicles_form(hass, client, aioclient_mock)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_VEHICLES: []}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_VEHICLES] == {}
    assert result["description_placeholders"] == {"results": "-"}
    assert api_calls(aioclient_mock, "POST") == []


# --- from subscription to entities ------------------------------------------


async def connected_entry(
    hass: HomeAssistant,
    client: Client,
    aioclient_mock: AiohttpClientMocker,
    picked: list[str],
) -> Any:
    """The whole flow: credentials, Connect, vehicles picked, entry set up."""
    mock_smartcar(aioclient_mock)
    result = await vehicles_form(hass, client, aioclient_mock)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_VEHICLES: picked}
    )
    await hass.async_block_till_done()
    entry = result["result"]
    assert entry.state is ConfigEntryState.LOADED
    return entry


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
async def test_subscribed_vehicles_have_devices_before_any_delivery(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    entry = await connected_entry(hass, client, aioclient_mock, [KIA, POLESTAR])

    kia = vehicle_device(hass, entry.entry_id, KIA)
    polestar = vehicle_device(hass, entry.entry_id, POLESTAR)
    assert kia is not None
    assert (kia.name, kia.manufacturer, kia.model) == ("Kia EV6", "Kia", "EV6 (2023)")
    assert polestar is not None
    assert (polestar.name, polestar.manufacturer, polestar.model) == (
        "Polestar 2",
        "Polestar",
        "Polestar 2 (2024)",
    )
    assert vehicle_device(hass, entry.entry_id, VW) is None


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
async def test_delivery_for_a_subscribed_vehicle_updates_its_entities(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    entry = await connected_entry(hass, client, aioclient_mock, [KIA, POLESTAR])
    delivery = load_fixture("v4_vehicle_state.json")
    delivery["data"]["vehicle"].update(
        id=POLESTAR, make="POLESTAR", model="Polestar 2", year=2024
    )

    response = await client.post(
        f"/api/webhook/{entry.data[CONF_WEBHOOK_ID]}", **signed(delivery)
    )
    await hass.async_block_till_done()

    assert await response.json() == {"status": "ok"}
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{POLESTAR}_battery_level"
    )
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.state == "67.0"
    entity = er.async_get(hass).async_get(entity_id)
    assert entity is not None
    assert entity.device_id == vehicle_device(hass, entry.entry_id, POLESTAR).id


# --- reauth -----------------------------------------------------------------


@pytest.fixture
async def connect_entry(hass: HomeAssistant) -> MockConfigEntry:
    """A Connect entry, set up."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Smartcar",
        unique_id=SMARTCAR_WEBHOOK_ID,
        data=connect_entry_data(),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def reauth_sign_in(
    hass: HomeAssistant,
    client: Client,
    aioclient_mock: AiohttpClientMocker,
    entry: MockConfigEntry,
) -> Any:
    """Start reauth, confirm, sign in again; the result after the token exchange."""
    entry.async_start_reauth(hass)
    await hass.async_block_till_done()
    [flow] = entry.async_get_active_flows(hass, {SOURCE_REAUTH})
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    token = {**TOKEN_RESPONSE, "access_token": "new-access-token"}
    result = await sign_in(hass, client, aioclient_mock, result["flow_id"], token)
    await hass.async_block_till_done()
    return result


@pytest.mark.usefixtures("credentials")
async def test_reauth_asks_to_sign_in_again(
    hass: HomeAssistant, connect_entry: MockConfigEntry
) -> None:
    result = await connect_entry.start_reauth_flow(hass)

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
async def test_reauth_with_the_same_account_stores_the_new_token(
    hass: HomeAssistant,
    connect_entry: MockConfigEntry,
    client: Client,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    mock_smartcar(aioclient_mock)

    result = await reauth_sign_in(hass, client, aioclient_mock, connect_entry)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert connect_entry.data[CONF_TOKEN]["access_token"] == "new-access-token"
    assert connect_entry.data[CONF_SMARTCAR_USER_ID] == USER_ID
    assert connect_entry.data[CONF_VEHICLES] == connect_entry_data()[CONF_VEHICLES]
    assert connect_entry.data[CONF_MANAGEMENT_TOKEN] == MANAGEMENT_TOKEN
    assert connect_entry.state is ConfigEntryState.LOADED


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
async def test_reauth_with_another_account_aborts_wrong_account(
    hass: HomeAssistant,
    connect_entry: MockConfigEntry,
    client: Client,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    mock_smartcar(aioclient_mock, user_id=OTHER_USER_ID)

    result = await reauth_sign_in(hass, client, aioclient_mock, connect_entry)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert connect_entry.data[CONF_TOKEN]["access_token"] == "stored-access-token"
    assert connect_entry.data[CONF_SMARTCAR_USER_ID] == USER_ID


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
async def test_reauth_of_entry_without_user_id_keeps_the_signed_in_user(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data=connect_entry_data(user_id=None))
    entry.add_to_hass(hass)
    mock_smartcar(aioclient_mock, user_id=OTHER_USER_ID)

    result = await reauth_sign_in(hass, client, aioclient_mock, entry)

    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_SMARTCAR_USER_ID] == OTHER_USER_ID


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
async def test_reauth_user_lookup_error_aborts(
    hass: HomeAssistant,
    connect_entry: MockConfigEntry,
    client: Client,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.get(f"{API}/user", **smartcar_error(500))

    result = await reauth_sign_in(hass, client, aioclient_mock, connect_entry)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "smartcar_unavailable"
    assert connect_entry.data[CONF_TOKEN]["access_token"] == "stored-access-token"


# --- reconfigure ------------------------------------------------------------

NEW_TOKEN = "new-management-token"


@pytest.mark.usefixtures("credentials")
async def test_reconfigure_asks_for_a_new_management_token(
    hass: HomeAssistant, connect_entry: MockConfigEntry
) -> None:
    result = await connect_entry.start_reconfigure_flow(hass)

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    assert CONF_MANAGEMENT_TOKEN in result["data_schema"].schema


@pytest.mark.usefixtures("credentials")
async def test_reconfigure_blank_token_is_a_form_error(
    hass: HomeAssistant, connect_entry: MockConfigEntry
) -> None:
    result = await connect_entry.start_reconfigure_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_MANAGEMENT_TOKEN: "   "}
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "empty_token"}
    assert connect_entry.data[CONF_MANAGEMENT_TOKEN] == MANAGEMENT_TOKEN


@pytest.mark.usefixtures("external_url", "credentials")
async def test_reconfigure_reloads_the_entry_and_waits_for_verify(
    hass: HomeAssistant, connect_entry: MockConfigEntry
) -> None:
    before = connect_entry.runtime_data
    result = await connect_entry.start_reconfigure_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_MANAGEMENT_TOKEN: f" {NEW_TOKEN} "}
    )

    assert result["type"] is FlowResultType.SHOW_PROGRESS
    assert result["step_id"] == "verify"
    assert result["description_placeholders"] == {
        "webhook_url": f"{EXTERNAL_URL}/api/webhook/{WEBHOOK_ID}"
    }
    assert connect_entry.data[CONF_MANAGEMENT_TOKEN] == NEW_TOKEN
    assert connect_entry.state is ConfigEntryState.LOADED
    assert connect_entry.runtime_data is not before
    assert connect_entry.runtime_data.window.is_open


@pytest.mark.usefixtures("credentials")
async def test_reconfigure_without_external_url_shows_the_webhook_path(
    hass: HomeAssistant, connect_entry: MockConfigEntry
) -> None:
    result = await connect_entry.start_reconfigure_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_MANAGEMENT_TOKEN: NEW_TOKEN}
    )

    assert result["description_placeholders"] == {
        "webhook_url": f"/api/webhook/{WEBHOOK_ID}"
    }


@pytest.mark.usefixtures("external_url", "credentials")
async def test_reconfigure_finishes_when_verify_is_answered_with_the_new_token(
    hass: HomeAssistant, connect_entry: MockConfigEntry, client: Client
) -> None:
    verify = load_fixture("v4_verify.json")
    result = await connect_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_MANAGEMENT_TOKEN: NEW_TOKEN}
    )

    response = await client.post(f"/api/webhook/{WEBHOOK_ID}", json=verify)
    await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_configure(result["flow_id"])

    assert response.status == HTTPStatus.OK
    assert await response.json() == {
        "challenge": hash_challenge(NEW_TOKEN, verify["data"]["challenge"])
    }
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"


@pytest.mark.usefixtures("external_url", "credentials")
async def test_reconfigure_follows_a_recreated_smartcar_webhook(
    hass: HomeAssistant, connect_entry: MockConfigEntry, client: Client
) -> None:
    verify = load_fixture("v4_verify.json")
    verify["meta"]["webhookId"] = "recreated-webhook-id"
    result = await connect_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_MANAGEMENT_TOKEN: NEW_TOKEN}
    )

    await client.post(f"/api/webhook/{WEBHOOK_ID}", json=verify)
    await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_configure(result["flow_id"])

    assert result["reason"] == "reconfigure_successful"
    assert connect_entry.unique_id == "recreated-webhook-id"
    assert connect_entry.data[CONF_SMARTCAR_WEBHOOK_ID] == "recreated-webhook-id"


@pytest.mark.usefixtures("external_url", "credentials")
async def test_reconfigure_to_a_webhook_of_another_entry_aborts(
    hass: HomeAssistant, connect_entry: MockConfigEntry, client: Client
) -> None:
    MockConfigEntry(domain=DOMAIN, unique_id="other-webhook-id").add_to_hass(hass)
    verify = load_fixture("v4_verify.json")
    verify["meta"]["webhookId"] = "other-webhook-id"
    result = await connect_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_MANAGEMENT_TOKEN: NEW_TOKEN}
    )

    await client.post(f"/api/webhook/{WEBHOOK_ID}", json=verify)
    await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_configure(result["flow_id"])

    assert result["reason"] == "already_configured"
    assert connect_entry.data[CONF_SMARTCAR_WEBHOOK_ID] == SMARTCAR_WEBHOOK_ID


@pytest.mark.usefixtures("external_url", "credentials")
async def test_after_reconfigure_deliveries_must_be_signed_with_the_new_token(
    hass: HomeAssistant, connect_entry: MockConfigEntry, client: Client
) -> None:
    result = await connect_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_MANAGEMENT_TOKEN: NEW_TOKEN}
    )
    await client.post(f"/api/webhook/{WEBHOOK_ID}", json=load_fixture("v4_verify.json"))
    await hass.async_block_till_done()
    await hass.config_entries.flow.async_configure(result["flow_id"])
    delivery = load_fixture("v4_vehicle_state.json")

    old = await client.post(f"/api/webhook/{WEBHOOK_ID}", **signed(delivery))
    new = await client.post(f"/api/webhook/{WEBHOOK_ID}", **signed(delivery, NEW_TOKEN))

    assert old.status == HTTPStatus.UNAUTHORIZED
    assert new.status == HTTPStatus.OK


@pytest.mark.usefixtures("external_url", "credentials")
async def test_reconfigure_of_an_entry_that_fails_to_load_aborts(
    hass: HomeAssistant, connect_entry: MockConfigEntry
) -> None:
    result = await connect_entry.start_reconfigure_flow(hass)

    with patch(
        "custom_components.smartcar_webhooks.async_setup_entry", return_value=False
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_MANAGEMENT_TOKEN: NEW_TOKEN}
        )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "entry_not_loaded"
