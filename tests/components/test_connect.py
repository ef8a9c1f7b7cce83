"""Smartcar Connect upkeep: token refresh, unsubscribing on removal, reauth, devices.

Also the application credentials platform: Smartcar's endpoints, the scopes,
HTTP Basic client authentication and how token request failures map.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
import logging
import time
from typing import Any

from aiohttp import ClientError
from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.application_credentials import (
    AuthorizationServer,
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import CONF_TOKEN, CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import (
    ImplementationUnavailableError,
    OAuth2TokenRequestConnectionError,
    OAuth2TokenRequestReauthError,
    OAuth2TokenRequestTransientError,
)
from homeassistant.helpers import config_entry_oauth2_flow, device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
    AiohttpClientMockResponse,
)
from yarl import URL

from custom_components.smartcar_webhooks import application_credentials
from custom_components.smartcar_webhooks.connect import (
    TOKEN_REFRESH_INTERVAL,
    UNSUBSCRIBE_TIMEOUT,
)
from custom_components.smartcar_webhooks.const import (
    CONF_MANAGEMENT_TOKEN,
    CONF_SMARTCAR_WEBHOOK_ID,
    CONF_VEHICLES,
    DOMAIN,
    OAUTH2_AUTHORIZE,
    OAUTH2_SCOPES,
    OAUTH2_TOKEN,
)
from tests.components.flow_helpers import (
    AUTH_DOMAIN,
    BASIC_AUTH,
    CLIENT_ID,
    CLIENT_SECRET,
    KIA,
    POLESTAR,
    REDIRECT_URI,
    SMARTCAR_WEBHOOK_ID,
    connect_entry_data,
    signed,
    vehicle_device,
    webhook_url,
)
from tests.conftest import MANAGEMENT_TOKEN, WEBHOOK_ID, load_fixture

type Client = TestClient[Any, Any]

NEW_TOKEN = {
    "access_token": "fresh-access-token",
    "refresh_token": "fresh-refresh-token",
    "expires_in": 7200,
    "token_type": "Bearer",
}
KIA_RECORD = {"make": "KIA", "model": "EV6", "year": 2023}
POLESTAR_RECORD = {"make": "POLESTAR", "model": "Polestar 2", "year": 2024}


@pytest.fixture(autouse=True)
async def credentials(hass: HomeAssistant) -> None:
    """The Smartcar application credentials the entries signed in with."""
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(CLIENT_ID, CLIENT_SECRET), AUTH_DOMAIN
    )


@pytest.fixture
async def token_requests(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> list[dict[str, Any]]:
    """Form and Authorization header of every request to the token endpoint.

    `aioclient_mock.mock_calls` does not keep the `auth=` argument: the mocked
    session's request method is wrapped to keep what would be sent.
    """
    session = async_get_clientsession(hass)
    forward = session._request
    seen: list[dict[str, Any]] = []

    async def request(method: str, url: Any, **kwargs: Any) -> Any:
        if str(url) == OAUTH2_TOKEN:
            auth = kwargs.get("auth")
            headers = kwargs.get("headers") or {}
            seen.append(
                {
                    "form": dict(kwargs.get("data") or {}),
                    "authorization": auth.encode()
                    if auth
                    else headers.get("Authorization"),
                }
            )
        return await forward(method, url, **kwargs)

    object.__setattr__(session, "_request", request)
    return seen


async def set_up(hass: HomeAssistant, data: dict[str, Any]) -> MockConfigEntry:
    """Add an entry with this data and set it up, background tasks included."""
    entry = MockConfigEntry(
        domain=DOMAIN, title="Smartcar", unique_id=SMARTCAR_WEBHOOK_ID, data=data
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return entry


def webhook_only_data() -> dict[str, Any]:
    """A webhook-only entry that knows Smartcar's webhook id."""
    return {
        CONF_WEBHOOK_ID: WEBHOOK_ID,
        CONF_MANAGEMENT_TOKEN: MANAGEMENT_TOKEN,
        CONF_SMARTCAR_WEBHOOK_ID: SMARTCAR_WEBHOOK_ID,
    }


def reauth_flows(hass: HomeAssistant, entry: MockConfigEntry) -> list[Any]:
    """The reauth flows in progress for an entry."""
    return list(entry.async_get_active_flows(hass, {SOURCE_REAUTH}))


def delete_calls(aioclient_mock: AiohttpClientMocker) -> list[tuple[str, str]]:
    """(URL, Authorization) of every DELETE sent."""
    return [
        (str(url), headers["Authorization"])
        for method, url, _data, headers in aioclient_mock.mock_calls
        if method.upper() == "DELETE"
    ]


def polestar_state() -> dict[str, Any]:
    """A 4.0 VEHICLE_STATE delivery of the Polestar (not subscribed through Connect)."""
    body = load_fixture("v4_vehicle_state.json")
    body["eventId"] = "d6a1f0a5-7f53-4c5e-8f0e-2f0b4d0f5e61"
    body["meta"]["deliveryId"] = "0b8f8f0c-6b1a-4d8e-9b7a-1c1d9d0f2a33"
    body["data"]["vehicle"].update(
        id=POLESTAR, make="POLESTAR", model="Polestar 2", year=2024
    )
    return body


# --- token upkeep -----------------------------------------------------------


async def test_expired_token_is_refreshed_at_setup_with_basic_auth(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    token_requests: list[dict[str, Any]],
) -> None:
    aioclient_mock.post(OAUTH2_TOKEN, json=NEW_TOKEN)

    await set_up(hass, connect_entry_data(expires_at=time.time() - 60))

    assert token_requests == [
        {
            "form": {
                "grant_type": "refresh_token",
                "client_id": CLIENT_ID,
                "refresh_token": "stored-refresh-token",
            },
            "authorization": BASIC_AUTH,
        }
    ]


async def test_refreshed_pair_is_stored_in_the_entry(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.post(OAUTH2_TOKEN, json=NEW_TOKEN)

    entry = await set_up(hass, connect_entry_data(expires_at=time.time() - 60))

    token = entry.data[CONF_TOKEN]
    assert token["access_token"] == "fresh-access-token"
    assert token["refresh_token"] == "fresh-refresh-token"
    assert token["expires_at"] == pytest.approx(time.time() + 7200, abs=60)


async def test_valid_token_is_not_refreshed_at_setup(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    await set_up(hass, connect_entry_data())

    assert aioclient_mock.call_count == 0


async def test_token_is_refreshed_again_every_seven_days(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    aioclient_mock.post(OAUTH2_TOKEN, json=NEW_TOKEN)
    entry = await set_up(hass, connect_entry_data(expires_at=time.time() - 60))
    assert aioclient_mock.call_count == 1

    freezer.tick(TOKEN_REFRESH_INTERVAL)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    assert aioclient_mock.call_count == 2
    assert entry.data[CONF_TOKEN]["expires_at"] == pytest.approx(
        time.time() + 7200, abs=60
    )


async def test_loaded_entry_shares_one_oauth_session(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """One session (and its lock) per entry: refreshes never race each other."""
    aioclient_mock.post(OAUTH2_TOKEN, json=NEW_TOKEN)
    entry = await set_up(hass, connect_entry_data(expires_at=time.time() - 60))
    connect = entry.runtime_data.connect
    session = connect._session
    assert session is not None

    await connect.async_access_token()

    assert connect._session is session
    assert aioclient_mock.call_count == 1


async def test_refresh_stops_when_the_entry_is_unloaded(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    aioclient_mock.post(OAUTH2_TOKEN, json=NEW_TOKEN)
    entry = await set_up(hass, connect_entry_data())
    assert await hass.config_entries.async_unload(entry.entry_id)

    freezer.tick(TOKEN_REFRESH_INTERVAL)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    assert aioclient_mock.call_count == 0


async def set_up_failing(hass: HomeAssistant, data: dict[str, Any]) -> MockConfigEntry:
    """Add an entry whose set-up is expected not to succeed."""
    entry = MockConfigEntry(
        domain=DOMAIN, title="Smartcar", unique_id=SMARTCAR_WEBHOOK_ID, data=data
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def test_refused_refresh_at_set_up_asks_to_sign_in_again(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """test-before-setup: Smartcar refusing the refresh token is an auth failure."""
    aioclient_mock.post(OAUTH2_TOKEN, status=400, json={"error": "invalid_grant"})

    entry = await set_up_failing(hass, connect_entry_data(expires_at=0))

    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert len(reauth_flows(hass, entry)) == 1


@pytest.mark.parametrize(
    "answer", [{"status": 500}, {"status": 429}, {"exc": ClientError()}]
)
async def test_failed_refresh_at_set_up_is_retried(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, answer: dict[str, Any]
) -> None:
    aioclient_mock.post(OAUTH2_TOKEN, **answer)

    entry = await set_up_failing(hass, connect_entry_data(expires_at=0))

    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert reauth_flows(hass, entry) == []


async def test_refused_weekly_refresh_starts_reauth(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = await set_up(hass, connect_entry_data())
    aioclient_mock.post(OAUTH2_TOKEN, status=400, json={"error": "invalid_grant"})

    freezer.tick(TOKEN_REFRESH_INTERVAL)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    assert len(reauth_flows(hass, entry)) == 1
    assert entry.state is ConfigEntryState.LOADED
    assert "Smartcar refused the refresh token; sign in again" in caplog.text


@pytest.mark.parametrize(
    "answer", [{"status": 500}, {"status": 429}, {"exc": ClientError()}]
)
async def test_failed_weekly_refresh_only_logs_a_warning(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    answer: dict[str, Any],
) -> None:
    entry = await set_up(hass, connect_entry_data())
    aioclient_mock.post(OAUTH2_TOKEN, **answer)

    freezer.tick(TOKEN_REFRESH_INTERVAL)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    assert reauth_flows(hass, entry) == []
    assert entry.state is ConfigEntryState.LOADED
    assert [
        record.message
        for record in caplog.records
        if record.levelno == logging.WARNING
        and record.name.startswith("custom_components.smartcar_webhooks")
    ][-1] == "Could not refresh the Smartcar token; will try again"


async def test_unavailable_credentials_are_retried_later(hass: HomeAssistant) -> None:
    async def provider_down(_hass: HomeAssistant, _domain: str) -> list[Any]:
        raise ImplementationUnavailableError("cloud")

    config_entry_oauth2_flow.async_add_implementation_provider(
        hass, "cloud", provider_down
    )

    entry = await set_up_failing(
        hass, {**connect_entry_data(expires_at=0), "auth_implementation": "cloud"}
    )

    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_removed_credentials_ask_the_user(hass: HomeAssistant) -> None:
    """Credentials that are gone fail set-up as an auth problem, not a traceback.

    Home Assistant 2026.10 raises `UnknownImplementationError` (not
    `ImplementationUnavailableError`) for an entry whose credentials are gone.
    """
    entry = await set_up_failing(
        hass, {**connect_entry_data(expires_at=0), "auth_implementation": "gone"}
    )

    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert len(reauth_flows(hass, entry)) == 1


async def test_webhook_only_entry_never_calls_the_token_endpoint(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up(hass, webhook_only_data())

    freezer.tick(TOKEN_REFRESH_INTERVAL)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    assert aioclient_mock.call_count == 0


# --- removal ----------------------------------------------------------------


async def test_removal_unsubscribes_every_known_vehicle_with_the_management_token(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, client: Client
) -> None:
    aioclient_mock.delete(webhook_url(KIA), json={"status": "success"})
    aioclient_mock.delete(webhook_url(POLESTAR), json={"status": "success"})
    entry = await set_up(hass, connect_entry_data({KIA: KIA_RECORD}))
    await client.post(f"/api/webhook/{WEBHOOK_ID}", **signed(polestar_state()))
    await hass.async_block_till_done()
    assert vehicle_device(hass, entry.entry_id, POLESTAR) is not None

    await hass.config_entries.async_remove(entry.entry_id)

    assert sorted(delete_calls(aioclient_mock)) == [
        (webhook_url(POLESTAR), f"Bearer {MANAGEMENT_TOKEN}"),
        (webhook_url(KIA), f"Bearer {MANAGEMENT_TOKEN}"),
    ]


async def test_removal_of_a_webhook_only_entry_unsubscribes_vehicles_from_deliveries(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, client: Client
) -> None:
    """Smartcar's webhook id is learnt from the deliveries' meta.webhookId."""
    aioclient_mock.delete(webhook_url(POLESTAR), json={"status": "success"})
    entry = await set_up(
        hass, {CONF_WEBHOOK_ID: WEBHOOK_ID, CONF_MANAGEMENT_TOKEN: MANAGEMENT_TOKEN}
    )
    await client.post(f"/api/webhook/{WEBHOOK_ID}", **signed(polestar_state()))
    await hass.async_block_till_done()
    assert entry.data[CONF_SMARTCAR_WEBHOOK_ID] == SMARTCAR_WEBHOOK_ID

    await hass.config_entries.async_remove(entry.entry_id)

    assert delete_calls(aioclient_mock) == [
        (webhook_url(POLESTAR), f"Bearer {MANAGEMENT_TOKEN}")
    ]


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 500, "json": {"type": "SERVER", "code": "INTERNAL"}},
        {"exc": ClientError()},
    ],
    ids=["500", "client-error"],
)
async def test_removal_succeeds_when_unsubscribing_fails(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
    answer: dict[str, Any],
) -> None:
    aioclient_mock.delete(webhook_url(KIA), **answer)
    aioclient_mock.delete(webhook_url(POLESTAR), **answer)
    entry = await set_up(
        hass,
        connect_entry_data({KIA: KIA_RECORD, POLESTAR: POLESTAR_RECORD}),
    )

    await hass.config_entries.async_remove(entry.entry_id)

    assert hass.config_entries.async_get_entry(entry.entry_id) is None
    assert len(delete_calls(aioclient_mock)) == 2
    assert "Could not unsubscribe 2 of 2 vehicles" in caplog.text


async def test_unsubscribe_warning_names_no_token_and_no_vehicle(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    aioclient_mock.delete(webhook_url(KIA), exc=ClientError())
    entry = await set_up(hass, connect_entry_data({KIA: KIA_RECORD}))
    caplog.clear()

    await hass.config_entries.async_remove(entry.entry_id)

    # Only this integration's records: a busy machine adds asyncio's slow-task
    # warnings, and the test storage logs what it writes.
    ours = [
        record
        for record in caplog.records
        if record.name.startswith("custom_components.smartcar_webhooks")
    ]
    warnings = [r.getMessage() for r in ours if r.levelno >= logging.WARNING]
    assert warnings == ["Could not unsubscribe 1 of 1 vehicles"]
    text = "\n".join(record.getMessage() for record in ours)
    for secret in (MANAGEMENT_TOKEN, "stored-access-token", KIA, SMARTCAR_WEBHOOK_ID):
        assert secret not in text


async def test_removal_does_not_wait_more_than_twenty_seconds_for_smartcar(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    started = asyncio.Event()

    async def no_answer(
        _method: str, _url: URL, _data: Any
    ) -> AiohttpClientMockResponse:
        started.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    aioclient_mock.delete(webhook_url(KIA), side_effect=no_answer)
    entry = await set_up(hass, connect_entry_data({KIA: KIA_RECORD}))
    removal = hass.async_create_task(hass.config_entries.async_remove(entry.entry_id))
    await started.wait()

    freezer.tick(timedelta(seconds=UNSUBSCRIBE_TIMEOUT + 1))
    async_fire_time_changed(hass)
    await removal

    assert hass.config_entries.async_get_entry(entry.entry_id) is None
    assert "Could not unsubscribe 1 of 1 vehicles" in caplog.text


async def test_removal_without_smartcar_webhook_id_calls_nothing(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = await set_up(
        hass, {CONF_WEBHOOK_ID: WEBHOOK_ID, CONF_MANAGEMENT_TOKEN: MANAGEMENT_TOKEN}
    )
    dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, KIA)}
    )

    await hass.config_entries.async_remove(entry.entry_id)

    assert aioclient_mock.call_count == 0
    assert "Smartcar's webhook id is unknown; cannot unsubscribe vehicles" in (
        caplog.text
    )


async def test_removal_without_vehicles_calls_nothing(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    entry = await set_up(hass, connect_entry_data({}))

    await hass.config_entries.async_remove(entry.entry_id)

    assert aioclient_mock.call_count == 0


# --- VEHICLE_ERROR asking to reauthenticate ---------------------------------


async def test_reauthenticate_error_starts_reauth_for_a_connect_entry(
    hass: HomeAssistant, client: Client
) -> None:
    entry = await set_up(hass, connect_entry_data())

    await client.post(
        f"/api/webhook/{WEBHOOK_ID}", **signed(load_fixture("v4_vehicle_error.json"))
    )
    await hass.async_block_till_done()

    assert len(reauth_flows(hass, entry)) == 1


@pytest.mark.parametrize(
    "signals",
    [
        ["vehicleuseraccount-permissions", "vehicleuseraccount-role"],
        ["VehicleUserAccount.Role"],
    ],
)
async def test_reauthenticate_error_about_unused_signals_starts_no_reauth(
    hass: HomeAssistant, client: Client, signals: list[str]
) -> None:
    """Smartcar asks to sign in again about signals the integration never reads."""
    entry = await set_up(hass, connect_entry_data())
    document = load_fixture("v4_vehicle_error.json")
    document["data"]["errors"] = [
        {**document["data"]["errors"][0], "signals": [{"code": s} for s in signals]}
    ]

    await client.post(f"/api/webhook/{WEBHOOK_ID}", **signed(document))
    await hass.async_block_till_done()

    assert reauth_flows(hass, entry) == []


async def test_reauthenticate_error_about_a_used_signal_starts_reauth(
    hass: HomeAssistant, client: Client
) -> None:
    entry = await set_up(hass, connect_entry_data())
    document = load_fixture("v4_vehicle_error.json")
    document["data"]["errors"] = [
        {
            **document["data"]["errors"][0],
            "signals": [
                {"code": "vehicleuseraccount-role"},
                {"code": "TractionBattery.Range"},
            ],
        }
    ]

    await client.post(f"/api/webhook/{WEBHOOK_ID}", **signed(document))
    await hass.async_block_till_done()

    assert len(reauth_flows(hass, entry)) == 1


async def test_reauthenticate_error_starts_no_reauth_for_a_webhook_only_entry(
    hass: HomeAssistant, client: Client
) -> None:
    entry = await set_up(hass, webhook_only_data())

    await client.post(
        f"/api/webhook/{WEBHOOK_ID}", **signed(load_fixture("v4_vehicle_error.json"))
    )
    await hass.async_block_till_done()

    assert reauth_flows(hass, entry) == []


async def test_resolved_reauthenticate_error_starts_no_reauth(
    hass: HomeAssistant, client: Client
) -> None:
    entry = await set_up(hass, connect_entry_data())
    body = load_fixture("v4_vehicle_error.json")
    body["data"]["errors"][0]["state"] = "RESOLVED"

    await client.post(f"/api/webhook/{WEBHOOK_ID}", **signed(body))
    await hass.async_block_till_done()

    assert reauth_flows(hass, entry) == []


async def test_error_of_another_resolution_starts_no_reauth(
    hass: HomeAssistant, client: Client
) -> None:
    entry = await set_up(hass, connect_entry_data())
    body = load_fixture("v4_vehicle_error.json")
    body["data"]["errors"][0]["resolution"]["type"] = "CONTACT_SUPPORT"

    await client.post(f"/api/webhook/{WEBHOOK_ID}", **signed(body))
    await hass.async_block_till_done()

    assert reauth_flows(hass, entry) == []


async def test_redelivered_reauthenticate_error_starts_one_reauth(
    hass: HomeAssistant, client: Client
) -> None:
    entry = await set_up(hass, connect_entry_data())
    body = load_fixture("v4_vehicle_error.json")

    for _ in range(2):
        await client.post(f"/api/webhook/{WEBHOOK_ID}", **signed(body))
        await hass.async_block_till_done()

    assert len(reauth_flows(hass, entry)) == 1


# --- devices at setup -------------------------------------------------------


async def test_subscribed_vehicles_have_devices_at_setup(hass: HomeAssistant) -> None:
    entry = await set_up(hass, connect_entry_data({KIA: KIA_RECORD}))

    device = vehicle_device(hass, entry.entry_id, KIA)
    assert device is not None
    assert (device.name, device.manufacturer, device.model) == (
        "Kia EV6",
        "Kia",
        "EV6 (2023)",
    )


async def test_subscribed_vehicle_without_attributes_gets_a_generic_device(
    hass: HomeAssistant,
) -> None:
    entry = await set_up(
        hass,
        connect_entry_data({POLESTAR: {"make": None, "model": None, "year": None}}),
    )

    device = vehicle_device(hass, entry.entry_id, POLESTAR)
    assert device is not None
    assert (device.name, device.manufacturer, device.model) == (
        "Smartcar vehicle 36ab27d0",
        None,
        None,
    )


async def test_setup_keeps_the_device_of_a_subscribed_vehicle(
    hass: HomeAssistant,
) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data=connect_entry_data({KIA: KIA_RECORD}))
    entry.add_to_hass(hass)
    registry = dr.async_get(hass)
    existing = registry.async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, KIA)},
        name="Kia EV6",
        manufacturer="Kia",
        model="EV6 (2023)",
    )
    registry.async_update_device(existing.id, name_by_user="Family car")

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    device = vehicle_device(hass, entry.entry_id, KIA)
    assert device is not None
    assert device.id == existing.id
    assert device.name_by_user == "Family car"
    assert len(dr.async_entries_for_config_entry(registry, entry.entry_id)) == 1


async def test_webhook_only_entry_has_no_devices_before_deliveries(
    hass: HomeAssistant,
) -> None:
    entry = await set_up(hass, webhook_only_data())

    assert dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id) == []
    assert CONF_VEHICLES not in entry.data


# --- application credentials --------------------------------------------------


async def test_authorization_server_is_smartcar_connect(hass: HomeAssistant) -> None:
    server = await application_credentials.async_get_authorization_server(hass)

    assert server == AuthorizationServer(
        authorize_url="https://connect.smartcar.com/oauth/authorize",
        token_url="https://auth.smartcar.com/oauth/token",
    )


async def implementation(hass: HomeAssistant) -> Any:
    """The integration's OAuth2 implementation for the test credentials."""
    return await application_credentials.async_get_auth_implementation(
        hass, AUTH_DOMAIN, ClientCredential(CLIENT_ID, CLIENT_SECRET)
    )


@pytest.mark.usefixtures("current_request_with_host")
async def test_authorize_url_asks_for_the_scopes(hass: HomeAssistant) -> None:
    url = URL(await (await implementation(hass)).async_generate_authorize_url("flow"))

    assert str(url.with_query(None)) == OAUTH2_AUTHORIZE
    assert url.query["client_id"] == CLIENT_ID
    assert url.query["redirect_uri"] == REDIRECT_URI
    assert url.query["response_type"] == "code"
    assert url.query["scope"] == " ".join(OAUTH2_SCOPES)
    assert url.query["approval_prompt"] == "force"
    assert "client_secret" not in url.query


async def test_refresh_sends_the_client_secret_only_as_basic_auth(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    token_requests: list[dict[str, Any]],
) -> None:
    aioclient_mock.post(OAUTH2_TOKEN, json=NEW_TOKEN)

    token = await (await implementation(hass)).async_refresh_token(
        {"access_token": "old", "refresh_token": "old-refresh", "expires_in": 7200}
    )

    assert token["access_token"] == "fresh-access-token"
    assert token["refresh_token"] == "fresh-refresh-token"
    [request] = token_requests
    assert request["authorization"] == BASIC_AUTH
    assert request["form"]["grant_type"] == "refresh_token"
    assert request["form"]["refresh_token"] == "old-refresh"
    assert CLIENT_SECRET not in request["form"].values()


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ({"status": 400}, OAuth2TokenRequestReauthError),
        ({"status": 401}, OAuth2TokenRequestReauthError),
        ({"status": 429}, OAuth2TokenRequestTransientError),
        ({"status": 500}, OAuth2TokenRequestTransientError),
        ({"status": 503}, OAuth2TokenRequestTransientError),
        ({"exc": ClientError()}, OAuth2TokenRequestConnectionError),
    ],
    ids=["400", "401", "429", "500", "503", "client-error"],
)
async def test_token_request_failures_map_to_home_assistant_errors(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    answer: dict[str, Any],
    error: type[Exception],
) -> None:
    aioclient_mock.post(OAUTH2_TOKEN, json={"error": "invalid_grant"}, **answer)

    with pytest.raises(error) as raised:
        await (await implementation(hass)).async_refresh_token(
            {"access_token": "old", "refresh_token": "old-refresh"}
        )

    if "status" in answer:
        assert raised.value.status == answer["status"]
    assert type(raised.value) is error


async def test_credentials_description_points_to_the_dashboard(
    hass: HomeAssistant,
) -> None:
    placeholders = await application_credentials.async_get_description_placeholders(
        hass
    )

    assert placeholders == {
        "dashboard_url": "https://dashboard.smartcar.com",
        "redirect_url": "https://my.home-assistant.io/redirect/oauth",
    }
