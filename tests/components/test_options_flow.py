"""Tests of the options flow: subscribe and unsubscribe vehicles of a Connect entry."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import ClientError
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ImplementationUnavailableError
from homeassistant.helpers import config_entry_oauth2_flow, device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.smartcar_webhooks.config_flow import SmartcarWebhooksConfigFlow
from custom_components.smartcar_webhooks.const import (
    CONF_LOW_BATTERY,
    CONF_MANAGEMENT_TOKEN,
    CONF_SMARTCAR_WEBHOOK_ID,
    CONF_VEHICLES,
    DOMAIN,
    OAUTH2_TOKEN,
)
from tests.components.flow_helpers import (
    API,
    AUTH_DOMAIN,
    CLIENT_ID,
    CLIENT_SECRET,
    FORGED_WEBHOOK_ID,
    KIA,
    KIA_LABEL,
    POLESTAR,
    POLESTAR_LABEL,
    SMARTCAR_WEBHOOK_ID,
    UNIQUE_ID,
    VEHICLES,
    VW,
    VW_LABEL,
    api_calls,
    connect_entry_data,
    mock_smartcar,
    refuse_webhook,
    select_default,
    select_options,
    smartcar_error,
    vehicle_device,
    webhook_url,
)
from tests.components.flow_translations import check_flow_translations
from tests.conftest import MANAGEMENT_TOKEN

KIA_RECORD = {"make": "KIA", "model": "EV6", "year": 2023}
POLESTAR_RECORD = {"make": "POLESTAR", "model": "Polestar 2", "year": 2024}


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


@pytest.fixture
def entry_data() -> dict[str, Any]:
    """A Connect entry with the Kia subscribed and a valid access token."""
    return connect_entry_data({KIA: KIA_RECORD})


@pytest.fixture
async def entry(hass: HomeAssistant, entry_data: dict[str, Any]) -> MockConfigEntry:
    """The Connect entry, set up: the Kia has its device."""
    entry = MockConfigEntry(
        domain=DOMAIN, title="Smartcar", unique_id=UNIQUE_ID, data=entry_data
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def open_vehicles(hass: HomeAssistant, entry: MockConfigEntry) -> Any:
    """Open the options and choose the vehicles."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    return await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "vehicles"}
    )


async def submit(hass: HomeAssistant, entry: MockConfigEntry, picked: list[str]) -> Any:
    """Open the options and submit a vehicle selection."""
    result = await open_vehicles(hass, entry)
    assert result["type"] is FlowResultType.FORM
    return await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_VEHICLES: picked}
    )


def add_device(hass: HomeAssistant, entry: MockConfigEntry, vehicle_id: str) -> None:
    """A vehicle known from deliveries only: it has a device, no subscription record."""
    dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, vehicle_id)},
        name="Volkswagen ID.4",
    )


def _webhook_only_data() -> dict[str, Any]:
    return {
        key: value
        for key, value in connect_entry_data().items()
        if key not in ("auth_implementation", CONF_TOKEN)
    }


async def test_every_entry_has_options(hass: HomeAssistant) -> None:
    webhook_only = MockConfigEntry(domain=DOMAIN, data=_webhook_only_data())
    connect = MockConfigEntry(domain=DOMAIN, data=connect_entry_data())

    assert SmartcarWebhooksConfigFlow.async_supports_options_flow(webhook_only)
    assert SmartcarWebhooksConfigFlow.async_supports_options_flow(connect)


async def test_connect_entry_chooses_vehicles_or_the_threshold(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(entry.entry_id)

    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["vehicles", "low_battery"]


async def test_webhook_only_entry_opens_on_the_threshold_at_its_default(
    hass: HomeAssistant,
) -> None:
    webhook_only = MockConfigEntry(domain=DOMAIN, data=_webhook_only_data())
    webhook_only.add_to_hass(hass)

    result = await hass.config_entries.options.async_init(webhook_only.entry_id)

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "low_battery"
    (key,) = result["data_schema"].schema
    assert key.description == {"suggested_value": 20}


async def test_threshold_is_saved_and_keeps_other_options(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    hass.config_entries.async_update_entry(entry, options={"other": True})
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "low_battery"}
    )

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_LOW_BATTERY: 35.0}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {"other": True, CONF_LOW_BATTERY: 35}
    assert entry.state is ConfigEntryState.LOADED


async def test_threshold_form_shows_the_saved_threshold(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    hass.config_entries.async_update_entry(entry, options={CONF_LOW_BATTERY: 35})
    result = await hass.config_entries.options.async_init(entry.entry_id)

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "low_battery"}
    )

    (key,) = result["data_schema"].schema
    assert key.description == {"suggested_value": 35}


async def test_vehicle_changes_keep_the_threshold(
    hass: HomeAssistant, entry: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_smartcar(aioclient_mock)
    hass.config_entries.async_update_entry(entry, options={CONF_LOW_BATTERY: 35})

    await submit(hass, entry, [KIA, POLESTAR])

    assert entry.options == {CONF_LOW_BATTERY: 35}


async def test_options_list_the_users_vehicles_with_subscribed_ones_selected(
    hass: HomeAssistant, entry: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_smartcar(aioclient_mock)

    result = await open_vehicles(hass, entry)

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "vehicles"
    assert select_options(result) == {
        KIA: KIA_LABEL,
        POLESTAR: POLESTAR_LABEL,
        VW: VW_LABEL,
    }
    assert select_default(result) == [KIA]


async def test_vehicle_known_from_deliveries_is_selected_too(
    hass: HomeAssistant, entry: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_smartcar(aioclient_mock)
    add_device(hass, entry, VW)

    result = await open_vehicles(hass, entry)

    assert sorted(select_default(result)) == sorted([KIA, VW])


async def test_selecting_another_vehicle_subscribes_it_with_the_users_token(
    hass: HomeAssistant, entry: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_smartcar(aioclient_mock)

    await submit(hass, entry, [KIA, POLESTAR])

    assert api_calls(aioclient_mock, "POST") == [
        (
            webhook_url(POLESTAR),
            {"Authorization": "Bearer stored-access-token", "SC-Unit-System": "metric"},
        )
    ]
    assert api_calls(aioclient_mock, "DELETE") == []


async def test_subscribed_vehicle_is_kept_in_the_entry(
    hass: HomeAssistant, entry: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_smartcar(aioclient_mock)

    await submit(hass, entry, [KIA, POLESTAR])

    assert entry.data[CONF_VEHICLES] == {KIA: KIA_RECORD, POLESTAR: POLESTAR_RECORD}


async def test_deselecting_a_vehicle_unsubscribes_it_with_the_management_token(
    hass: HomeAssistant, entry: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_smartcar(aioclient_mock)

    await submit(hass, entry, [])

    assert api_calls(aioclient_mock, "DELETE") == [
        (
            webhook_url(KIA),
            {"Authorization": f"Bearer {MANAGEMENT_TOKEN}", "SC-Unit-System": "metric"},
        )
    ]
    assert api_calls(aioclient_mock, "POST") == []


async def test_deselected_vehicle_leaves_the_entry_and_its_device_goes(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    mock_smartcar(aioclient_mock)
    assert vehicle_device(hass, entry.entry_id, KIA) is not None

    await submit(hass, entry, [])

    assert entry.data[CONF_VEHICLES] == {}
    assert vehicle_device(hass, entry.entry_id, KIA) is None
    assert KIA not in entry.runtime_data.store.vehicles
    # Removed with the device registry's current API: no deprecated call reported.
    assert not [r for r in caplog.records if r.name == "homeassistant.helpers.frame"]


async def test_deselected_vehicle_known_from_deliveries_is_unsubscribed(
    hass: HomeAssistant, entry: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_smartcar(aioclient_mock)
    add_device(hass, entry, VW)

    await submit(hass, entry, [KIA])

    assert [url for url, _headers in api_calls(aioclient_mock, "DELETE")] == [
        webhook_url(VW)
    ]
    assert vehicle_device(hass, entry.entry_id, VW) is None
    assert entry.data[CONF_VEHICLES] == {KIA: KIA_RECORD}


async def test_options_result_lists_what_happened_to_each_vehicle(
    hass: HomeAssistant, entry: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_smartcar(aioclient_mock)

    result = await submit(hass, entry, [POLESTAR])

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["description"] == "updated"
    assert result["description_placeholders"] == {
        "subscribed": POLESTAR_LABEL,
        "unsubscribed": KIA_LABEL,
    }
    assert result["data"] == {}


async def test_unchanged_selection_calls_nothing(
    hass: HomeAssistant, entry: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_smartcar(aioclient_mock)

    result = await submit(hass, entry, [KIA])

    assert result["description"] == "unchanged"
    assert api_calls(aioclient_mock, "POST") == []
    assert api_calls(aioclient_mock, "DELETE") == []
    assert entry.data[CONF_VEHICLES] == {KIA: KIA_RECORD}


async def test_failed_subscription_is_reported_and_not_kept(
    hass: HomeAssistant, entry: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.post(webhook_url(POLESTAR), **smartcar_error(429))
    mock_smartcar(aioclient_mock)

    result = await submit(hass, entry, [KIA, POLESTAR])

    assert result["description"] == "updated_partly"
    assert result["description_placeholders"] == {
        "subscribed": "-",
        "unsubscribed": "-",
        "retry_later": POLESTAR_LABEL,
        "sign_in": "-",
        "refused": "-",
    }
    assert entry.data[CONF_VEHICLES] == {KIA: KIA_RECORD}


async def test_failed_unsubscribe_is_reported(
    hass: HomeAssistant, entry: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.delete(webhook_url(KIA), **smartcar_error(500))
    mock_smartcar(aioclient_mock)

    result = await submit(hass, entry, [])

    assert result["description"] == "updated_partly"
    assert result["description_placeholders"]["retry_later"] == KIA_LABEL
    assert result["description_placeholders"]["unsubscribed"] == "-"


@pytest.mark.parametrize(
    "answer", [smartcar_error(500), {"exc": ClientError()}], ids=["500", "client-error"]
)
async def test_deselected_vehicle_goes_even_when_unsubscribing_fails(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    answer: dict[str, Any],
) -> None:
    aioclient_mock.delete(webhook_url(KIA), **answer)
    mock_smartcar(aioclient_mock)

    await submit(hass, entry, [])

    assert entry.data[CONF_VEHICLES] == {}
    assert vehicle_device(hass, entry.entry_id, KIA) is None


async def test_deselecting_in_an_entry_that_is_not_loaded_removes_the_device(
    hass: HomeAssistant, entry_data: dict[str, Any], aioclient_mock: AiohttpClientMocker
) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data=entry_data)
    entry.add_to_hass(hass)
    add_device(hass, entry, KIA)
    mock_smartcar(aioclient_mock)

    await submit(hass, entry, [])

    assert vehicle_device(hass, entry.entry_id, KIA) is None
    assert entry.data[CONF_VEHICLES] == {}


async def test_deselecting_a_vehicle_without_device_drops_it(
    hass: HomeAssistant, entry_data: dict[str, Any], aioclient_mock: AiohttpClientMocker
) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data=entry_data)
    entry.add_to_hass(hass)
    mock_smartcar(aioclient_mock)

    result = await submit(hass, entry, [])

    assert result["description_placeholders"] == {
        "subscribed": "-",
        "unsubscribed": KIA_LABEL,
    }
    assert entry.data[CONF_VEHICLES] == {}


# --- tokens and errors -------------------------------------------------------


@pytest.mark.parametrize(
    "entry_data", [connect_entry_data({KIA: KIA_RECORD}, expires_at=0)]
)
async def test_expired_token_is_refreshed_and_stored_before_listing(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, entry_data: dict[str, Any]
) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data=entry_data)
    entry.add_to_hass(hass)
    aioclient_mock.post(
        OAUTH2_TOKEN,
        json={
            "access_token": "fresh-access-token",
            "refresh_token": "fresh-refresh-token",
            "expires_in": 7200,
            "token_type": "Bearer",
        },
    )
    mock_smartcar(aioclient_mock)

    await open_vehicles(hass, entry)

    assert {
        headers["Authorization"] for _url, headers in api_calls(aioclient_mock, "GET")
    } == {"Bearer fresh-access-token"}
    assert entry.data[CONF_TOKEN]["access_token"] == "fresh-access-token"
    assert entry.data[CONF_TOKEN]["refresh_token"] == "fresh-refresh-token"
    assert entry.data[CONF_TOKEN]["expires_at"] > time.time()


@pytest.mark.parametrize(
    "entry_data", [connect_entry_data({KIA: KIA_RECORD}, expires_at=0)]
)
async def test_refused_refresh_aborts_and_starts_reauth(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, entry_data: dict[str, Any]
) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data=entry_data)
    entry.add_to_hass(hass)
    aioclient_mock.post(OAUTH2_TOKEN, status=400, json={"error": "invalid_grant"})

    result = await open_vehicles(hass, entry)
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_required"
    assert len(list(entry.async_get_active_flows(hass, {SOURCE_REAUTH}))) == 1


@pytest.mark.parametrize(
    "entry_data", [connect_entry_data({KIA: KIA_RECORD}, expires_at=0)]
)
async def test_refresh_server_error_aborts_cannot_connect(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, entry_data: dict[str, Any]
) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data=entry_data)
    entry.add_to_hass(hass)
    aioclient_mock.post(OAUTH2_TOKEN, status=500)

    result = await open_vehicles(hass, entry)
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "cannot_connect"
    assert list(entry.async_get_active_flows(hass, {SOURCE_REAUTH})) == []


async def test_unavailable_credentials_abort_cannot_connect(
    hass: HomeAssistant, entry_data: dict[str, Any]
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN, data={**entry_data, "auth_implementation": "cloud"}
    )
    entry.add_to_hass(hass)

    async def provider_down(_hass: HomeAssistant, _domain: str) -> list[Any]:
        raise ImplementationUnavailableError("cloud")

    config_entry_oauth2_flow.async_add_implementation_provider(
        hass, "cloud", provider_down
    )

    result = await open_vehicles(hass, entry)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "cannot_connect"


async def test_removed_credentials_abort_missing_credentials(
    hass: HomeAssistant, entry_data: dict[str, Any]
) -> None:
    """Home Assistant 2026.10 raises `UnknownImplementationError` for them."""
    entry = MockConfigEntry(
        domain=DOMAIN, data={**entry_data, "auth_implementation": "gone"}
    )
    entry.add_to_hass(hass)

    result = await open_vehicles(hass, entry)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "missing_credentials"


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (smartcar_error(429), "rate_limited"),
        (smartcar_error(500), "smartcar_unavailable"),
        ({"exc": ClientError()}, "cannot_connect"),
    ],
    ids=["429", "500", "client-error"],
)
async def test_vehicle_list_error_aborts(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    answer: dict[str, Any],
    reason: str,
) -> None:
    aioclient_mock.get(f"{API}/vehicles", **answer)

    result = await open_vehicles(hass, entry)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason
    assert entry.data[CONF_VEHICLES] == {KIA: KIA_RECORD}


async def test_refused_token_aborts_and_starts_reauth(
    hass: HomeAssistant, entry: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.get(f"{API}/vehicles", **smartcar_error(401))

    result = await open_vehicles(hass, entry)
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_required"
    assert len(list(entry.async_get_active_flows(hass, {SOURCE_REAUTH}))) == 1


async def test_management_token_is_never_used_to_list_or_subscribe(
    hass: HomeAssistant, entry: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_smartcar(aioclient_mock)

    await submit(hass, entry, list(VEHICLES))

    used = {
        headers["Authorization"]
        for method in ("GET", "POST")
        for _url, headers in api_calls(aioclient_mock, method)
    }
    assert used == {"Bearer stored-access-token"}
    assert entry.data[CONF_MANAGEMENT_TOKEN] == MANAGEMENT_TOKEN


# --- an entry that does not know Smartcar's webhook id -----------------------


@pytest.fixture
def entry_without_webhook_id(hass: HomeAssistant) -> MockConfigEntry:
    """A Connect entry that subscribed nothing at set-up (not loaded)."""
    data = connect_entry_data({KIA: KIA_RECORD})
    del data[CONF_SMARTCAR_WEBHOOK_ID]
    entry = MockConfigEntry(domain=DOMAIN, unique_id=UNIQUE_ID, data=data)
    entry.add_to_hass(hass)
    return entry


async def test_changes_without_a_known_webhook_id_ask_for_it(
    hass: HomeAssistant,
    entry_without_webhook_id: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    mock_smartcar(aioclient_mock)

    result = await submit(hass, entry_without_webhook_id, [KIA, POLESTAR])

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "smartcar_webhook_id"
    assert api_calls(aioclient_mock, "POST") == []


async def test_entered_webhook_id_is_used_and_kept_once_accepted(
    hass: HomeAssistant,
    entry_without_webhook_id: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    mock_smartcar(aioclient_mock)
    result = await submit(hass, entry_without_webhook_id, [KIA, POLESTAR])

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SMARTCAR_WEBHOOK_ID: SMARTCAR_WEBHOOK_ID}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert [url for url, _ in api_calls(aioclient_mock, "POST")] == [
        webhook_url(POLESTAR)
    ]
    assert entry_without_webhook_id.data[CONF_SMARTCAR_WEBHOOK_ID] == (
        SMARTCAR_WEBHOOK_ID
    )


async def test_unsubscribing_with_the_management_token_confirms_the_id_too(
    hass: HomeAssistant,
    entry_without_webhook_id: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    mock_smartcar(aioclient_mock)
    result = await submit(hass, entry_without_webhook_id, [])

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SMARTCAR_WEBHOOK_ID: SMARTCAR_WEBHOOK_ID}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry_without_webhook_id.data[CONF_SMARTCAR_WEBHOOK_ID] == (
        SMARTCAR_WEBHOOK_ID
    )
    assert entry_without_webhook_id.data[CONF_VEHICLES] == {}


async def test_entered_webhook_id_smartcar_refuses_changes_nothing(
    hass: HomeAssistant,
    entry_without_webhook_id: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    refuse_webhook(aioclient_mock)
    mock_smartcar(aioclient_mock)
    add_device(hass, entry_without_webhook_id, KIA)
    result = await submit(hass, entry_without_webhook_id, [POLESTAR])

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SMARTCAR_WEBHOOK_ID: FORGED_WEBHOOK_ID}
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "webhook_refused"}
    assert CONF_SMARTCAR_WEBHOOK_ID not in entry_without_webhook_id.data
    assert entry_without_webhook_id.data[CONF_VEHICLES] == {KIA: KIA_RECORD}
    assert vehicle_device(hass, entry_without_webhook_id.entry_id, KIA) is not None


@pytest.mark.parametrize("value", ["", "not an id", "8a326743/4efd-406d"])
async def test_malformed_webhook_id_is_a_field_error(
    hass: HomeAssistant,
    entry_without_webhook_id: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    value: str,
) -> None:
    mock_smartcar(aioclient_mock)
    result = await submit(hass, entry_without_webhook_id, [KIA, POLESTAR])

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SMARTCAR_WEBHOOK_ID: value}
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_SMARTCAR_WEBHOOK_ID: "invalid_webhook_id"}
    assert api_calls(aioclient_mock, "POST") == []
