"""Tests of the Smartcar Connect path of the config flow, of reauth and reconfigure.

Smartcar is mocked with `aioclient_mock` (no network); the OAuth callback and
the webhook are reached through Home Assistant's HTTP server.
"""

from __future__ import annotations

from http import HTTPStatus
import time
from typing import Any
from unittest.mock import patch

from aiohttp import ClientError
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import CONF_TOKEN, CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ImplementationUnavailableError
from homeassistant.helpers import config_entry_oauth2_flow, entity_registry as er
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from yarl import URL

from custom_components.smartcar_webhooks.const import (
    CONF_CLOUDHOOK,
    CONF_MANAGEMENT_TOKEN,
    CONF_SCOPES,
    CONF_SMARTCAR_USER_ID,
    CONF_SMARTCAR_WEBHOOK_ID,
    CONF_VEHICLES,
    DOMAIN,
    OAUTH2_AUTHORIZE,
    OAUTH2_SCOPES,
    OAUTH2_TOKEN,
)
from custom_components.smartcar_webhooks.smartcar import hash_challenge, token_unique_id
from tests.components.flow_helpers import (
    API,
    AUTH_DOMAIN,
    BASIC_AUTH,
    CLIENT_ID,
    CLIENT_SECRET,
    EXTERNAL_URL,
    KIA,
    KIA_LABEL,
    OTHER_USER_ID,
    POLESTAR,
    POLESTAR_LABEL,
    REDIRECT_URI,
    SMARTCAR_WEBHOOK_ID,
    TOKEN_RESPONSE,
    UNIQUE_ID,
    USER_ID,
    VEHICLES,
    VW,
    VW_LABEL,
    Client,
    answer_verify,
    api_calls,
    connect_entry_data,
    mock_smartcar,
    select_default,
    select_options,
    sign_in,
    signed,
    smartcar_error,
    start_connect,
    vehicle_device,
    vehicles_form,
    verified_flow,
    verify_body,
    webhook_url,
)
from tests.components.flow_translations import check_flow_translations
from tests.conftest import MANAGEMENT_TOKEN, WEBHOOK_ID, load_fixture


@pytest.fixture(autouse=True)
def translations(hass: HomeAssistant) -> None:
    """Every flow result of these tests is translated."""
    check_flow_translations(hass)


@pytest.fixture
async def credentials(hass: HomeAssistant) -> None:
    """Smartcar application credentials, as the user adds them."""
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(CLIENT_ID, CLIENT_SECRET), AUTH_DOMAIN
    )


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


async def pick(hass: HomeAssistant, result: Any, picked: list[str]) -> Any:
    """Submit the vehicle pick form."""
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_VEHICLES: picked}
    )


async def enter_webhook_id(hass: HomeAssistant, result: Any, webhook_id: str) -> Any:
    """Submit the form asking for Smartcar's webhook id."""
    assert result["step_id"] == "smartcar_webhook_id"
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SMARTCAR_WEBHOOK_ID: webhook_id}
    )


# --- mode menu and credentials ---------------------------------------------


@pytest.mark.usefixtures("external_url")
async def test_verified_webhook_offers_connect_or_webhook_only(
    hass: HomeAssistant, client: Client
) -> None:
    result = await verified_flow(hass, client)

    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "mode"
    assert result["menu_options"] == ["connect", "connect_control", "webhook_only"]


@pytest.mark.usefixtures("external_url")
async def test_verify_naming_no_webhook_id_still_offers_connect(
    hass: HomeAssistant, client: Client
) -> None:
    result = await verified_flow(hass, client, verify_body(None))

    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["connect", "connect_control", "webhook_only"]


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
    # The VERIFY's webhook id was never confirmed: a signed delivery will tell.
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


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
async def test_with_two_credentials_the_user_picks_one(
    hass: HomeAssistant, client: Client
) -> None:
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential("second-id", "second-secret"), "second"
    )

    result = await start_connect(hass, client)

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "pick_implementation"


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
        POLESTAR: "Polestar 2 (2024)",
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

    # No word in code: the step's description explains what the id's start is.
    assert select_options(result)[POLESTAR] == POLESTAR[:8]


# --- a failed sign-in keeps the verified webhook ------------------------------


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

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "connect_failed"
    assert result["errors"] == {"base": reason}


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
async def test_user_lookup_error_keeps_the_verified_webhook(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.get(f"{API}/user", **smartcar_error(401))
    mock_smartcar(aioclient_mock)

    result = await vehicles_form(hass, client, aioclient_mock)

    assert result["step_id"] == "connect_failed"
    assert result["errors"] == {"base": "invalid_auth"}


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
async def test_account_without_vehicles_keeps_the_verified_webhook(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_smartcar(aioclient_mock, {})

    result = await vehicles_form(hass, client, aioclient_mock)

    assert result["step_id"] == "connect_failed"
    assert result["errors"] == {"base": "no_vehicles"}


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

    assert result["step_id"] == "connect_failed"
    assert result["errors"] == {"base": reason}


async def deny_access(hass: HomeAssistant, client: Client) -> Any:
    """The user says no at Smartcar; the result after the redirect back."""
    result = await start_connect(hass, client)
    state = config_entry_oauth2_flow._encode_jwt(
        hass, {"flow_id": result["flow_id"], "redirect_uri": REDIRECT_URI}
    )
    await client.get(f"/auth/external/callback?error=access_denied&state={state}")
    return await hass.config_entries.flow.async_configure(result["flow_id"])


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
async def test_user_denying_access_keeps_the_verified_webhook(
    hass: HomeAssistant, client: Client
) -> None:
    result = await deny_access(hass, client)

    assert result["step_id"] == "connect_failed"
    assert result["errors"] == {"base": "user_rejected_authorize"}
    # Data only: Smartcar's error code.
    assert result["description_placeholders"] == {"error": "access_denied"}


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
async def test_after_a_failed_connect_webhook_only_still_finishes(
    hass: HomeAssistant, client: Client
) -> None:
    result = await deny_access(hass, client)
    # Showing the step again (a reload of the dialog) keeps the same form.
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["step_id"] == "connect_failed"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step": "webhook_only"}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert CONF_SMARTCAR_WEBHOOK_ID not in result["data"]
    assert CONF_TOKEN not in result["data"]


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
async def test_after_a_failed_connect_trying_again_opens_smartcar_connect(
    hass: HomeAssistant, client: Client
) -> None:
    result = await deny_access(hass, client)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step": "connect"}
    )

    assert result["type"] is FlowResultType.EXTERNAL_STEP
    assert result["url"].startswith(OAUTH2_AUTHORIZE)


# --- subscribing ------------------------------------------------------------


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
async def test_picked_vehicles_are_subscribed_with_the_users_token(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_smartcar(aioclient_mock)
    result = await vehicles_form(hass, client, aioclient_mock)

    await pick(hass, result, [KIA, VW])

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

    result = await pick(hass, result, [KIA, VW])

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Smartcar"
    data = result["data"]
    token = data.pop(CONF_TOKEN)
    assert data == {
        CONF_WEBHOOK_ID: data[CONF_WEBHOOK_ID],
        CONF_MANAGEMENT_TOKEN: MANAGEMENT_TOKEN,
        CONF_CLOUDHOOK: False,
        # Confirmed: Smartcar accepted subscriptions to it with the user's token.
        CONF_SMARTCAR_WEBHOOK_ID: SMARTCAR_WEBHOOK_ID,
        "auth_implementation": AUTH_DOMAIN,
        CONF_SMARTCAR_USER_ID: USER_ID,
        CONF_VEHICLES: {
            KIA: {"make": "KIA", "model": "EV6", "year": 2023},
            VW: {"make": "VOLKSWAGEN", "model": "ID.4", "year": 2022},
        },
        # "Connect" asks for reading only; "connect_control" adds the control ones.
        CONF_SCOPES: list(OAUTH2_SCOPES),
    }
    assert len(data[CONF_WEBHOOK_ID]) == 64
    assert token == {
        **TOKEN_RESPONSE,
        "expires_at": pytest.approx(time.time() + 7200, abs=60),
    }
    assert result["result"].unique_id == UNIQUE_ID


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
async def test_subscribed_result_names_each_vehicle(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_smartcar(aioclient_mock)
    result = await vehicles_form(hass, client, aioclient_mock)

    result = await pick(hass, result, [KIA, VW])

    assert result["description"] == "subscribed"
    assert result["description_placeholders"]["subscribed"] == (
        f"{KIA_LABEL}, {VW_LABEL}"
    )


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
@pytest.mark.parametrize(
    ("answer", "group"),
    [
        (smartcar_error(429), "retry_later"),
        (smartcar_error(500), "retry_later"),
        ({"exc": ClientError()}, "retry_later"),
        (smartcar_error(401), "sign_in"),
        (smartcar_error(400), "refused"),
    ],
    ids=["429", "500", "client-error", "401", "400"],
)
async def test_failed_subscription_is_reported_and_not_kept(
    hass: HomeAssistant,
    client: Client,
    aioclient_mock: AiohttpClientMocker,
    answer: dict[str, Any],
    group: str,
) -> None:
    aioclient_mock.post(webhook_url(POLESTAR), **answer)
    mock_smartcar(aioclient_mock)
    result = await vehicles_form(hass, client, aioclient_mock)

    result = await pick(hass, result, [KIA, POLESTAR])

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert list(result["data"][CONF_VEHICLES]) == [KIA]
    assert result["description"] == "subscribed_partly"
    assert result["description_placeholders"] == {
        "subscribed": KIA_LABEL,
        "unsubscribed": "-",
        "retry_later": "-",
        "sign_in": "-",
        "refused": "-",
    } | {group: POLESTAR_LABEL}


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
async def test_picking_no_vehicle_creates_entry_without_vehicles(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_smartcar(aioclient_mock)
    result = await vehicles_form(hass, client, aioclient_mock)

    result = await pick(hass, result, [])

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_VEHICLES] == {}
    # Nothing confirmed the VERIFY's webhook id.
    assert CONF_SMARTCAR_WEBHOOK_ID not in result["data"]
    assert result["description"] == "nothing_subscribed"
    assert api_calls(aioclient_mock, "POST") == []


# --- Smartcar's webhook id when no VERIFY named one Smartcar accepts -----------


async def webhook_id_form(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> Any:
    """Connect after a VERIFY that named no webhook id; the pick submitted."""
    mock_smartcar(aioclient_mock)
    result = await verified_flow(hass, client, verify_body(None))
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "connect"}
    )
    result = await sign_in(hass, client, aioclient_mock, result["flow_id"])
    return await pick(hass, result, [KIA, VW])


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
async def test_without_a_webhook_id_the_user_is_asked_for_it(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    result = await webhook_id_form(hass, client, aioclient_mock)

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "smartcar_webhook_id"
    assert result["errors"] is None
    assert api_calls(aioclient_mock, "POST") == []


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
async def test_entered_webhook_id_is_kept_once_smartcar_accepts_it(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    result = await webhook_id_form(hass, client, aioclient_mock)

    result = await enter_webhook_id(hass, result, f" {SMARTCAR_WEBHOOK_ID} ")

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_SMARTCAR_WEBHOOK_ID] == SMARTCAR_WEBHOOK_ID
    assert list(result["data"][CONF_VEHICLES]) == [KIA, VW]
    assert result["description"] == "subscribed"


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
async def test_leaving_the_webhook_id_empty_finishes_without_subscribing(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    result = await webhook_id_form(hass, client, aioclient_mock)

    result = await enter_webhook_id(hass, result, "  ")

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_VEHICLES] == {}
    assert CONF_SMARTCAR_WEBHOOK_ID not in result["data"]
    assert result["description"] == "nothing_subscribed"
    assert api_calls(aioclient_mock, "POST") == []


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
@pytest.mark.parametrize(
    "value", ["not a webhook id", "../../vehicles", "\ud800\ud800\ud800\ud800"]
)
async def test_malformed_webhook_id_is_a_field_error_and_never_sent(
    hass: HomeAssistant,
    client: Client,
    aioclient_mock: AiohttpClientMocker,
    value: str,
) -> None:
    result = await webhook_id_form(hass, client, aioclient_mock)

    result = await enter_webhook_id(hass, result, value)

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_SMARTCAR_WEBHOOK_ID: "invalid_webhook_id"}
    assert api_calls(aioclient_mock, "POST") == []


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
async def test_webhook_id_smartcar_refuses_is_asked_again(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    other = "6f1d6a52-1c1e-4a53-9a7e-3b8c2f0d9e41"
    for vehicle_id in (KIA, VW):
        aioclient_mock.post(webhook_url(vehicle_id, other), **smartcar_error(404))
    result = await webhook_id_form(hass, client, aioclient_mock)

    result = await enter_webhook_id(hass, result, other)

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "webhook_refused"}
    result = await enter_webhook_id(hass, result, SMARTCAR_WEBHOOK_ID)
    assert result["data"][CONF_SMARTCAR_WEBHOOK_ID] == SMARTCAR_WEBHOOK_ID


@pytest.mark.usefixtures("external_url", "credentials", "current_request_with_host")
@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (smartcar_error(429), "rate_limited"),
        (smartcar_error(401), "invalid_auth"),
        ({"exc": ClientError()}, "cannot_connect"),
    ],
    ids=["429", "401", "client-error"],
)
async def test_verified_webhook_id_unconfirmed_when_every_subscription_fails(
    hass: HomeAssistant,
    client: Client,
    aioclient_mock: AiohttpClientMocker,
    answer: dict[str, Any],
    error: str,
) -> None:
    for vehicle_id in VEHICLES:
        aioclient_mock.post(webhook_url(vehicle_id), **answer)
    mock_smartcar(aioclient_mock)
    result = await vehicles_form(hass, client, aioclient_mock)

    result = await pick(hass, result, [KIA, VW])

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "smartcar_webhook_id"
    assert result["errors"] == {"base": error}


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
    result = await pick(hass, result, picked)
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
        unique_id=UNIQUE_ID,
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


async def reconfigure(
    hass: HomeAssistant, entry: MockConfigEntry, token: str = NEW_TOKEN
) -> Any:
    """Open reconfigure and submit a token."""
    result = await entry.start_reconfigure_flow(hass)
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_MANAGEMENT_TOKEN: token}
    )


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
    result = await reconfigure(hass, connect_entry, "   ")

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "empty_token"}
    assert connect_entry.data[CONF_MANAGEMENT_TOKEN] == MANAGEMENT_TOKEN


@pytest.mark.usefixtures("external_url", "credentials")
async def test_reconfigure_reloads_the_entry_and_waits_for_verify(
    hass: HomeAssistant, connect_entry: MockConfigEntry
) -> None:
    before = connect_entry.runtime_data

    result = await reconfigure(hass, connect_entry, f" {NEW_TOKEN} ")

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
    result = await reconfigure(hass, connect_entry)

    assert result["description_placeholders"] == {
        "webhook_url": f"/api/webhook/{WEBHOOK_ID}"
    }


@pytest.mark.usefixtures("external_url", "credentials")
async def test_reconfigure_finishes_when_verify_is_answered_with_the_new_token(
    hass: HomeAssistant, connect_entry: MockConfigEntry, client: Client
) -> None:
    verify = load_fixture("v4_verify.json")
    result = await reconfigure(hass, connect_entry)

    response = await answer_verify(hass, client, WEBHOOK_ID, verify)
    result = await hass.config_entries.flow.async_configure(result["flow_id"])

    assert response.status == HTTPStatus.OK
    assert await response.json() == {
        "challenge": hash_challenge(NEW_TOKEN, verify["data"]["challenge"])
    }
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert connect_entry.data[CONF_SMARTCAR_WEBHOOK_ID] == SMARTCAR_WEBHOOK_ID


@pytest.mark.usefixtures("external_url", "credentials")
async def test_reconfigure_gives_the_entry_the_unique_id_of_its_new_token(
    hass: HomeAssistant, connect_entry: MockConfigEntry
) -> None:
    await reconfigure(hass, connect_entry)

    assert connect_entry.unique_id == token_unique_id(NEW_TOKEN)


@pytest.mark.usefixtures("external_url", "credentials")
async def test_reconfigure_with_the_same_token_verifies_again(
    hass: HomeAssistant, connect_entry: MockConfigEntry
) -> None:
    result = await reconfigure(hass, connect_entry, MANAGEMENT_TOKEN)

    assert result["type"] is FlowResultType.SHOW_PROGRESS
    assert connect_entry.unique_id == UNIQUE_ID


@pytest.mark.usefixtures("external_url", "credentials")
@pytest.mark.parametrize(
    "other_unique_id", [token_unique_id(NEW_TOKEN), SMARTCAR_WEBHOOK_ID + "-old"]
)
async def test_reconfigure_to_the_token_of_another_entry_aborts_and_changes_nothing(
    hass: HomeAssistant, connect_entry: MockConfigEntry, other_unique_id: str
) -> None:
    other = MockConfigEntry(
        domain=DOMAIN,
        unique_id=other_unique_id,
        data={CONF_WEBHOOK_ID: "other-webhook", CONF_MANAGEMENT_TOKEN: NEW_TOKEN},
    )
    other.add_to_hass(hass)

    result = await reconfigure(hass, connect_entry)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert connect_entry.data[CONF_MANAGEMENT_TOKEN] == MANAGEMENT_TOKEN
    assert connect_entry.unique_id == UNIQUE_ID
    assert other.data[CONF_WEBHOOK_ID] == "other-webhook"


@pytest.mark.usefixtures("external_url", "credentials")
async def test_after_reconfigure_deliveries_must_be_signed_with_the_new_token(
    hass: HomeAssistant, connect_entry: MockConfigEntry, client: Client
) -> None:
    result = await reconfigure(hass, connect_entry)
    await answer_verify(hass, client, WEBHOOK_ID)
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
    with patch(
        "custom_components.smartcar_webhooks.async_setup_entry", return_value=False
    ):
        result = await reconfigure(hass, connect_entry)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "entry_not_loaded"
