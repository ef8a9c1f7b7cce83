"""The set-up of a Smartcar API v3 entry (issue 18.1-18.4).

API credentials (`client_…`) in Home Assistant's application credentials,
the Application ID asked for after a token was requested, Connect with the
Application ID as its client id, the user found in `GET /connections`, and
subscriptions through the Management API. Smartcar is `aioclient_mock`.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import config_entry_oauth2_flow
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from yarl import URL

from custom_components.smartcar_webhooks.const import (
    CONF_APPLICATION_ID,
    CONF_MANAGEMENT_TOKEN,
    CONF_SMARTCAR_USER,
    CONF_SMARTCAR_USER_ID,
    CONF_SMARTCAR_WEBHOOK_ID,
    CONF_VEHICLES,
    DOMAIN,
    MANAGEMENT_API_BASE,
    V3_TOKEN_URL,
    VEHICLE_API_BASE,
)
from tests.components.flow_helpers import (
    AUTH_DOMAIN,
    KIA,
    OTHER_USER_ID,
    POLESTAR,
    REDIRECT_URI,
    SMARTCAR_WEBHOOK_ID,
    USER_ID,
    Client,
    api_calls,
    connect_entry_data,
    start_connect,
    start_flow,
)
from tests.components.flow_translations import check_flow_translations

API_CLIENT_ID = "client_0123456789abcdef"
API_SECRET = "api-client-secret-value"
APPLICATION_ID = "3f9a1c2e-7b4d-4e8f-9a6b-1c2d3e4f5a6b"
APP_TOKEN = "app-token-1"
CONNECTIONS = f"{VEHICLE_API_BASE}/connections"
WEBHOOK = f"{MANAGEMENT_API_BASE}/webhooks/{SMARTCAR_WEBHOOK_ID}"
SUBSCRIPTIONS = f"{MANAGEMENT_API_BASE}/subscriptions"


def connection(
    vehicle_id: str, user_id: str = USER_ID, **vehicle: Any
) -> dict[str, Any]:
    """One item of `GET /connections`, as Smartcar's reference shows it."""
    return {
        "id": f"conn-{vehicle_id[:8]}",
        "type": "connection",
        "attributes": {
            "permissions": ["read_battery", "control_charge"],
            "vehicle": {"make": "KIA", "model": "EV6", "year": 2023, **vehicle},
        },
        "relationships": {
            "vehicle": {"data": {"id": vehicle_id, "type": "vehicle"}},
            "user": {"data": {"id": user_id, "type": "user"}},
        },
    }


def mock_v3(
    aioclient_mock: AiohttpClientMocker,
    connections: list[dict[str, Any]] | None = None,
    *,
    auto_subscribe: bool = False,
) -> None:
    """Smartcar v3 answering: token, connections, the webhook, subscriptions."""
    aioclient_mock.post(
        V3_TOKEN_URL,
        json={"access_token": APP_TOKEN, "token_type": "Bearer", "expires_in": 3600},
    )
    aioclient_mock.get(
        CONNECTIONS,
        json={
            "data": [connection(KIA)] if connections is None else connections,
            "links": {"next": None},
        },
    )
    aioclient_mock.get(
        WEBHOOK,
        json={
            "data": {
                "id": SMARTCAR_WEBHOOK_ID,
                "type": "webhook",
                "attributes": {"name": "Home", "autoSubscribe": auto_subscribe},
            }
        },
    )
    aioclient_mock.post(SUBSCRIPTIONS, status=HTTPStatus.ACCEPTED, json={})


@pytest.fixture(autouse=True)
def translations(hass: HomeAssistant) -> None:
    """Every flow result of these tests is translated."""
    check_flow_translations(hass)


@pytest.fixture
async def api_credentials(hass: HomeAssistant) -> None:
    """The API credentials, as the Dashboard's API Credentials page shows them."""
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(API_CLIENT_ID, API_SECRET), AUTH_DOMAIN
    )


async def application_form(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> Any:
    """Verified, Connect chosen with API credentials: the Application ID form."""
    result = await start_connect(hass, client)
    assert result["type"] is FlowResultType.FORM, result
    assert result["step_id"] == "application"
    return result


async def signed_in(
    hass: HomeAssistant,
    client: Client,
    result: Any,
    application_id: str = APPLICATION_ID,
) -> Any:
    """Enter the Application ID and come back from Connect (code and user_id)."""
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_APPLICATION_ID: application_id}
    )
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    authorize = URL(result["url"])
    assert authorize.query["client_id"] == application_id
    state = config_entry_oauth2_flow._encode_jwt(
        hass, {"flow_id": result["flow_id"], "redirect_uri": REDIRECT_URI}
    )
    response = await client.get(
        f"/auth/external/callback?code=abcd&user_id={USER_ID}&state={state}"
    )
    assert response.status == HTTPStatus.OK
    return await hass.config_entries.flow.async_configure(result["flow_id"])


# --- 18.1: credentials that cannot be confused --------------------------------------


@pytest.mark.usefixtures("external_url", "current_request_with_host", "api_credentials")
async def test_api_credentials_are_checked_before_the_application_id_is_asked(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_v3(aioclient_mock)

    result = await application_form(hass, client, aioclient_mock)

    ((_, _, body, _),) = [
        c for c in aioclient_mock.mock_calls if str(c[1]) == V3_TOKEN_URL
    ]
    assert body == {
        "grant_type": "client_credentials",
        "client_id": API_CLIENT_ID,
        "client_secret": API_SECRET,
    }
    assert result["description_placeholders"]["redirect_uri"]
    assert not hass.config_entries.async_entries(DOMAIN)


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (API_CLIENT_ID, "api_client_id_as_application_id"),
        ("https://my.home-assistant.io/redirect/oauth", "url_as_application_id"),
        ("two words", "invalid_application_id"),
    ],
)
@pytest.mark.usefixtures("external_url", "current_request_with_host", "api_credentials")
async def test_a_value_in_the_wrong_field_names_the_right_one(
    hass: HomeAssistant,
    client: Client,
    aioclient_mock: AiohttpClientMocker,
    value: str,
    error: str,
) -> None:
    mock_v3(aioclient_mock)
    result = await application_form(hass, client, aioclient_mock)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_APPLICATION_ID: value}
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_APPLICATION_ID: error}
    assert not hass.config_entries.async_entries(DOMAIN)


@pytest.mark.parametrize(
    ("token", "error"),
    [
        (API_CLIENT_ID, "api_client_id_as_management_token"),
        ("https://example.com/api/webhook/abc", "url_as_management_token"),
    ],
)
async def test_a_wrong_value_as_the_management_token_names_the_right_field(
    hass: HomeAssistant, token: str, error: str
) -> None:
    result = await start_flow(hass, token)

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {CONF_MANAGEMENT_TOKEN: error}


@pytest.mark.usefixtures("external_url", "current_request_with_host", "api_credentials")
async def test_refused_api_credentials_keep_the_webhook_and_say_which_credentials(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.post(
        V3_TOKEN_URL, status=HTTPStatus.UNAUTHORIZED, json={"error": "invalid_client"}
    )

    result = await start_connect(hass, client)

    assert result["step_id"] == "connect_failed"
    assert result["errors"] == {"base": "api_credentials_refused"}
    assert not hass.config_entries.async_entries(DOMAIN)


@pytest.mark.usefixtures("external_url", "current_request_with_host", "api_credentials")
async def test_token_endpoint_down_is_a_retry_not_a_credentials_error(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.post(V3_TOKEN_URL, status=HTTPStatus.SERVICE_UNAVAILABLE)

    result = await start_connect(hass, client)

    assert result["step_id"] == "connect_failed"
    assert result["errors"] == {"base": "smartcar_unavailable"}


@pytest.mark.usefixtures("external_url", "current_request_with_host")
async def test_the_application_id_as_api_client_id_is_refused_before_connect(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(APPLICATION_ID, "legacy-secret"), AUTH_DOMAIN
    )

    result = await start_connect(hass, client)

    assert result["step_id"] == "connect_failed"
    assert result["errors"] == {"base": "legacy_credentials"}
    assert aioclient_mock.call_count == 0


# --- 18.3 and 18.4: the user from the connections, subscriptions ----------------------


@pytest.mark.usefixtures("external_url", "current_request_with_host", "api_credentials")
async def test_v3_set_up_keeps_the_user_and_subscribes_through_management(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_v3(
        aioclient_mock,
        [
            connection(KIA),
            connection(POLESTAR, make="POLESTAR", model="Polestar 2", year=2024),
        ],
    )
    result = await signed_in(
        hass, client, await application_form(hass, client, aioclient_mock)
    )
    assert result["step_id"] == "vehicles"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_VEHICLES: [KIA]}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    data = result["data"]
    assert data[CONF_APPLICATION_ID] == APPLICATION_ID
    assert data[CONF_SMARTCAR_USER_ID] == USER_ID
    assert data[CONF_SMARTCAR_WEBHOOK_ID] == SMARTCAR_WEBHOOK_ID
    assert data[CONF_VEHICLES] == {
        KIA: {"make": "KIA", "model": "EV6", "year": 2023, "user_id": USER_ID}
    }
    assert CONF_TOKEN not in data
    # No secret and no token in the entry.
    assert API_SECRET not in str(data)
    assert APP_TOKEN not in str(data)
    ((_, headers),) = api_calls(aioclient_mock, "POST", SUBSCRIPTIONS)
    assert headers["Authorization"] == f"Bearer {APP_TOKEN}"
    ((_, _, body, _),) = [
        c for c in aioclient_mock.mock_calls if str(c[1]) == SUBSCRIPTIONS
    ]
    assert body == {
        "data": {
            "attributes": {
                "webhookId": SMARTCAR_WEBHOOK_ID,
                "userId": USER_ID,
                "vehicleId": KIA,
            }
        }
    }
    # One token for the whole set-up.
    assert len(api_calls(aioclient_mock, "POST", V3_TOKEN_URL)) == 1


@pytest.mark.usefixtures("external_url", "current_request_with_host", "api_credentials")
async def test_already_subscribed_409_is_success(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.post(
        SUBSCRIPTIONS, status=HTTPStatus.CONFLICT, json={"code": "EXISTS"}
    )
    mock_v3(aioclient_mock)
    result = await signed_in(
        hass, client, await application_form(hass, client, aioclient_mock)
    )

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_VEHICLES: [KIA]}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["description"] == "subscribed"
    assert KIA in result["data"][CONF_VEHICLES]


@pytest.mark.usefixtures("external_url", "current_request_with_host", "api_credentials")
async def test_auto_subscribe_subscribes_nothing_and_says_so(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_v3(aioclient_mock, auto_subscribe=True)

    result = await signed_in(
        hass, client, await application_form(hass, client, aioclient_mock)
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["description"] == "auto_subscribed"
    assert list(result["data"][CONF_VEHICLES]) == [KIA]
    assert not api_calls(aioclient_mock, "POST", SUBSCRIPTIONS)


@pytest.mark.usefixtures("external_url", "current_request_with_host", "api_credentials")
async def test_several_users_pick_theirs_instead_of_aborting(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_v3(aioclient_mock, [connection(KIA, OTHER_USER_ID), connection(POLESTAR)])
    result = await signed_in(
        hass, client, await application_form(hass, client, aioclient_mock)
    )
    assert result["step_id"] == "smartcar_user"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SMARTCAR_USER: USER_ID}
    )

    assert result["step_id"] == "vehicles"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_VEHICLES: [POLESTAR]}
    )
    assert result["data"][CONF_SMARTCAR_USER_ID] == USER_ID
    assert list(result["data"][CONF_VEHICLES]) == [POLESTAR]


@pytest.mark.usefixtures("external_url", "current_request_with_host", "api_credentials")
async def test_no_connection_yet_keeps_the_webhook(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_v3(aioclient_mock, [])

    result = await signed_in(
        hass, client, await application_form(hass, client, aioclient_mock)
    )

    assert result["step_id"] == "connect_failed"
    assert result["errors"] == {"base": "no_vehicles"}


# --- 18.9: a v2.0 entry moves to v3 by signing in with API credentials -----------------


@pytest.mark.usefixtures("external_url", "current_request_with_host", "api_credentials")
async def test_reauth_with_api_credentials_moves_a_v2_entry_to_v3(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN, data=connect_entry_data(), version=1, minor_version=2
    )
    entry.add_to_hass(hass)
    mock_v3(aioclient_mock)
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"control": False}
    )
    assert result["step_id"] == "application"

    result = await signed_in(hass, client, result)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_APPLICATION_ID] == APPLICATION_ID
    assert CONF_TOKEN not in entry.data
    assert entry.data[CONF_SMARTCAR_USER_ID] == USER_ID
    assert KIA in entry.data[CONF_VEHICLES]
    assert entry.source != SOURCE_REAUTH
