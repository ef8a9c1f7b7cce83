"""Smartcar's API down, slow, failing or rate limiting: never an unhandled exception.

Subscribing (set-up and options), unsubscribing (options and removal) and the
token refresh (options and the entry's own upkeep) each meet every fault: no
ERROR record and no escaping exception, a translated error or abort for the
user, a removal that completes, and reauth only when Smartcar refuses the
sign-in (a 4xx). The feature tests already cover some faults per operation
(test_connect_flow, test_options_flow, test_connect); this file adds the
others, so that docs/RELIABILITY.md can show the whole matrix.

"slow" is what aiohttp raises when its timeout passes: a bare TimeoutError.
"""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Any

from aiohttp import ClientConnectionError
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.smartcar_webhooks.connect import TOKEN_REFRESH_INTERVAL
from custom_components.smartcar_webhooks.const import (
    CONF_VEHICLES,
    DOMAIN,
    OAUTH2_TOKEN,
)
from tests.components.flow_helpers import (
    API,
    AUTH_DOMAIN,
    CLIENT_ID,
    CLIENT_SECRET,
    EXTERNAL_URL,
    KIA,
    KIA_LABEL,
    POLESTAR,
    POLESTAR_LABEL,
    UNIQUE_ID,
    VEHICLES,
    VW,
    Client,
    connect_entry_data,
    mock_smartcar,
    smartcar_error,
    vehicle_device,
    vehicles_form,
    webhook_url,
)
from tests.components.flow_translations import check_flow_translations

KIA_RECORD = {"make": "KIA", "model": "EV6", "year": 2023}
# Smartcar's REST API failing, as aioclient_mock arguments.
DOWN = {"exc": ClientConnectionError("connection refused")}
SLOW = {"exc": TimeoutError()}
UNAVAILABLE = {"status": 503, "text": "<html>Service Unavailable</html>"}
# The token endpoint failing.
TOKEN_FAULTS = {
    "down": DOWN,
    "slow": SLOW,
    "503": UNAVAILABLE,
    "429": {"status": 429, "headers": {"retry-after": "60"}, "json": {}},
}
TOKEN_REFUSED = {"status": 401, "json": {"error": "invalid_client"}}


@pytest.fixture(autouse=True)
def translations(hass: HomeAssistant) -> None:
    """Every flow result of these tests is translated."""
    check_flow_translations(hass)


@pytest.fixture(autouse=True)
async def credentials(hass: HomeAssistant) -> None:
    """The Smartcar application credentials the entries signed in with."""
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(CLIENT_ID, CLIENT_SECRET), AUTH_DOMAIN
    )


async def set_up(hass: HomeAssistant, data: dict[str, Any]) -> MockConfigEntry:
    """A Connect entry, set up with its background tasks done."""
    entry = MockConfigEntry(
        domain=DOMAIN, title="Smartcar", unique_id=UNIQUE_ID, data=data
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return entry


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every record at ERROR or above, from any logger."""
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def reauth_flows(hass: HomeAssistant, entry: MockConfigEntry) -> list[Any]:
    """The reauth flows in progress for an entry."""
    return list(entry.async_get_active_flows(hass, {SOURCE_REAUTH}))


async def options_vehicles(hass: HomeAssistant, entry: MockConfigEntry) -> Any:
    """Open the options and choose the vehicles (token refresh, vehicle list)."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    return await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "vehicles"}
    )


# --- subscribe during set-up ----------------------------------------------------


@pytest.mark.usefixtures("current_request_with_host")
@pytest.mark.parametrize(
    ("answer", "error"),
    [(SLOW, "cannot_connect"), (UNAVAILABLE, "smartcar_unavailable")],
    ids=["slow", "503"],
)
async def test_set_up_subscription_fault_keeps_the_flow_with_an_error(
    hass: HomeAssistant,
    client: Client,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
    answer: dict[str, Any],
    error: str,
) -> None:
    await async_process_ha_core_config(hass, {"external_url": EXTERNAL_URL})
    for vehicle_id in VEHICLES:
        aioclient_mock.post(webhook_url(vehicle_id), **answer)
    mock_smartcar(aioclient_mock)
    result = await vehicles_form(hass, client, aioclient_mock)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_VEHICLES: [KIA, VW]}
    )

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "smartcar_webhook_id"
    assert result["errors"] == {"base": error}
    assert hass.config_entries.async_entries(DOMAIN) == []
    assert errors_logged(caplog) == []


@pytest.mark.usefixtures("current_request_with_host")
@pytest.mark.parametrize("answer", [SLOW, UNAVAILABLE], ids=["slow", "503"])
async def test_set_up_subscription_fault_for_one_vehicle_creates_the_entry(
    hass: HomeAssistant,
    client: Client,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
    answer: dict[str, Any],
) -> None:
    await async_process_ha_core_config(hass, {"external_url": EXTERNAL_URL})
    aioclient_mock.post(webhook_url(POLESTAR), **answer)
    mock_smartcar(aioclient_mock)
    result = await vehicles_form(hass, client, aioclient_mock)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_VEHICLES: [KIA, POLESTAR]}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["description"] == "subscribed_partly"
    assert result["description_placeholders"]["retry_later"] == POLESTAR_LABEL
    assert list(result["data"][CONF_VEHICLES]) == [KIA]
    assert result["result"].state is ConfigEntryState.LOADED
    assert errors_logged(caplog) == []


# --- subscribe and unsubscribe in the options -----------------------------------


@pytest.mark.parametrize(
    ("answer", "group"),
    [
        (DOWN, "retry_later"),
        (SLOW, "retry_later"),
        (smartcar_error(500), "retry_later"),
        (UNAVAILABLE, "retry_later"),
        (smartcar_error(401), "sign_in"),
    ],
    ids=["down", "slow", "500", "503", "401"],
)
async def test_options_subscription_fault_is_reported(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
    answer: dict[str, Any],
    group: str,
) -> None:
    entry = await set_up(hass, connect_entry_data({KIA: KIA_RECORD}))
    aioclient_mock.post(webhook_url(POLESTAR), **answer)
    mock_smartcar(aioclient_mock)
    result = await options_vehicles(hass, entry)

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_VEHICLES: [KIA, POLESTAR]}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["description"] == "updated_partly"
    assert result["description_placeholders"][group] == POLESTAR_LABEL
    assert entry.data[CONF_VEHICLES] == {KIA: KIA_RECORD}
    assert reauth_flows(hass, entry) == []
    assert errors_logged(caplog) == []


@pytest.mark.parametrize(
    ("answer", "group"),
    [
        (SLOW, "retry_later"),
        (smartcar_error(429), "retry_later"),
        (UNAVAILABLE, "retry_later"),
        (smartcar_error(401), "sign_in"),
    ],
    ids=["slow", "429", "503", "401"],
)
async def test_options_unsubscribe_fault_is_reported_and_the_vehicle_goes(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
    answer: dict[str, Any],
    group: str,
) -> None:
    entry = await set_up(hass, connect_entry_data({KIA: KIA_RECORD}))
    aioclient_mock.delete(webhook_url(KIA), **answer)
    mock_smartcar(aioclient_mock)
    result = await options_vehicles(hass, entry)

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_VEHICLES: []}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["description"] == "updated_partly"
    assert result["description_placeholders"][group] == KIA_LABEL
    assert entry.data[CONF_VEHICLES] == {}
    assert vehicle_device(hass, entry.entry_id, KIA) is None
    assert reauth_flows(hass, entry) == []
    assert errors_logged(caplog) == []


# --- the token refresh and the vehicle list in the options ------------------------


@pytest.mark.parametrize("answer", TOKEN_FAULTS.values(), ids=TOKEN_FAULTS)
async def test_options_token_refresh_fault_aborts_without_reauth(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
    answer: dict[str, Any],
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=UNIQUE_ID, data=connect_entry_data(expires_at=0)
    )
    entry.add_to_hass(hass)
    aioclient_mock.post(OAUTH2_TOKEN, **answer)

    result = await options_vehicles(hass, entry)
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "cannot_connect"
    assert reauth_flows(hass, entry) == []
    assert errors_logged(caplog) == []


async def test_options_token_refused_aborts_and_starts_reauth(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=UNIQUE_ID, data=connect_entry_data(expires_at=0)
    )
    entry.add_to_hass(hass)
    aioclient_mock.post(OAUTH2_TOKEN, **TOKEN_REFUSED)

    result = await options_vehicles(hass, entry)
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_required"
    assert len(reauth_flows(hass, entry)) == 1
    assert errors_logged(caplog) == []


@pytest.mark.parametrize(
    ("answer", "reason"),
    [(SLOW, "cannot_connect"), (UNAVAILABLE, "smartcar_unavailable")],
    ids=["slow", "503"],
)
async def test_options_vehicle_list_fault_aborts(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
    answer: dict[str, Any],
    reason: str,
) -> None:
    entry = await set_up(hass, connect_entry_data({KIA: KIA_RECORD}))
    aioclient_mock.get(f"{API}/vehicles", **answer)

    result = await options_vehicles(hass, entry)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason
    assert reauth_flows(hass, entry) == []
    assert errors_logged(caplog) == []


# --- unsubscribe on removal -------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [SLOW, smartcar_error(429), UNAVAILABLE, smartcar_error(401)],
    ids=["slow", "429", "503", "401"],
)
async def test_removal_completes_whatever_smartcar_answers(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
    answer: dict[str, Any],
) -> None:
    entry = await set_up(hass, connect_entry_data({KIA: KIA_RECORD}))
    aioclient_mock.delete(webhook_url(KIA), **answer)

    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()

    assert hass.config_entries.async_get_entry(entry.entry_id) is None
    assert [method for method, *_ in aioclient_mock.mock_calls] == ["DELETE"]
    assert "Could not unsubscribe 1 of 1 vehicles" in caplog.text
    assert errors_logged(caplog) == []


# --- the entry's own token upkeep -----------------------------------------------


async def set_up_failing(hass: HomeAssistant, data: dict[str, Any]) -> MockConfigEntry:
    """A Connect entry whose set-up (its check of the sign-in) does not succeed."""
    entry = MockConfigEntry(
        domain=DOMAIN, title="Smartcar", unique_id=UNIQUE_ID, data=data
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return entry


@pytest.mark.parametrize("answer", [SLOW, UNAVAILABLE], ids=["slow", "503"])
async def test_token_fault_at_set_up_is_retried(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
    answer: dict[str, Any],
) -> None:
    aioclient_mock.post(OAUTH2_TOKEN, **answer)

    entry = await set_up_failing(hass, connect_entry_data(expires_at=0))

    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert reauth_flows(hass, entry) == []
    assert errors_logged(caplog) == []


async def test_token_refused_at_set_up_starts_reauth(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    aioclient_mock.post(OAUTH2_TOKEN, **TOKEN_REFUSED)

    entry = await set_up_failing(hass, connect_entry_data(expires_at=0))

    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert len(reauth_flows(hass, entry)) == 1
    assert errors_logged(caplog) == []


@pytest.mark.parametrize("answer", [SLOW, UNAVAILABLE], ids=["slow", "503"])
async def test_token_upkeep_fault_only_warns(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    answer: dict[str, Any],
) -> None:
    entry = await set_up(hass, connect_entry_data())
    aioclient_mock.post(OAUTH2_TOKEN, **answer)

    freezer.tick(TOKEN_REFRESH_INTERVAL + timedelta(seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert entry.state is ConfigEntryState.LOADED
    assert reauth_flows(hass, entry) == []
    assert "Could not refresh the Smartcar token; will try again" in caplog.text
    assert errors_logged(caplog) == []


async def test_weekly_refresh_after_a_slow_one_tries_again(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = await set_up(hass, connect_entry_data())
    aioclient_mock.post(OAUTH2_TOKEN, **SLOW)

    for _week in range(2):
        freezer.tick(TOKEN_REFRESH_INTERVAL + timedelta(seconds=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)

    assert aioclient_mock.call_count == 2
    assert entry.state is ConfigEntryState.LOADED
    assert reauth_flows(hass, entry) == []
    assert errors_logged(caplog) == []
