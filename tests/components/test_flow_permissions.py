"""Choosing the control permissions: at set-up, by signing in again, from the options.

Also the option of the fallback update.
"""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from yarl import URL

from custom_components.smartcar_webhooks.const import (
    CONF_CONTROL,
    CONF_FALLBACK_HOURS,
    CONF_SCOPES,
    CONF_VEHICLES,
    DOMAIN,
    OAUTH2_SCOPES,
)
from tests.components.flow_helpers import (
    AUTH_DOMAIN,
    CLIENT_ID,
    CLIENT_SECRET,
    EXTERNAL_URL,
    KIA,
    TOKEN_RESPONSE,
    UNIQUE_ID,
    connect_entry_data,
    mock_smartcar,
    sign_in,
    verified_flow,
)
from tests.components.flow_translations import check_flow_translations

type Client = TestClient[Any, Any]

CONTROL = ["control_charge", "control_security"]
KIA_RECORD = {"make": "KIA", "model": "EV6", "year": 2023}


@pytest.fixture(autouse=True)
async def setup(hass: HomeAssistant) -> None:
    """Translated results, an https external URL and the credentials."""
    check_flow_translations(hass)
    await async_process_ha_core_config(hass, {"external_url": EXTERNAL_URL})
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(CLIENT_ID, CLIENT_SECRET), AUTH_DOMAIN
    )


async def entry_with(hass: HomeAssistant, **data: Any) -> MockConfigEntry:
    """A loaded Connect entry with the Kia, and this data on top."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Smartcar",
        unique_id=UNIQUE_ID,
        data={**connect_entry_data({KIA: KIA_RECORD}), **data},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def scopes_of(result: Any) -> list[str]:
    """The scopes of the authorize URL an external step opens."""
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    return str(URL(result["url"]).query["scope"]).split(" ")


# --- set-up --------------------------------------------------------------------


@pytest.mark.usefixtures("current_request_with_host")
async def test_set_up_may_ask_to_control_the_car(
    hass: HomeAssistant, client: Client
) -> None:
    result = await verified_flow(hass, client)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "connect_control"}
    )

    assert scopes_of(result) == [*OAUTH2_SCOPES, *CONTROL]


@pytest.mark.usefixtures("current_request_with_host")
async def test_set_up_with_control_keeps_the_permissions_in_the_entry(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_smartcar(aioclient_mock)
    result = await verified_flow(hass, client)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "connect_control"}
    )
    result = await sign_in(hass, client, aioclient_mock, result["flow_id"])

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_VEHICLES: [KIA]}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_SCOPES] == [*OAUTH2_SCOPES, *CONTROL]


@pytest.mark.usefixtures("current_request_with_host")
async def test_trying_again_after_a_failed_sign_in_keeps_the_choice(
    hass: HomeAssistant, client: Client
) -> None:
    result = await verified_flow(hass, client)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "connect_control"}
    )
    state = URL(result["url"]).query["state"]
    await client.get(f"/auth/external/callback?error=access_denied&state={state}")
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["step_id"] == "connect_failed"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step": "connect"}
    )

    assert scopes_of(result) == [*OAUTH2_SCOPES, *CONTROL]


# --- reauth ----------------------------------------------------------------------


async def test_reauth_offers_control_as_the_entry_has_it(
    hass: HomeAssistant,
) -> None:
    read_only = await entry_with(hass)

    result = await read_only.start_reauth_flow(hass)

    assert result["step_id"] == "reauth_confirm"
    [field] = result["data_schema"].schema
    assert (field.schema, field.default()) == (CONF_CONTROL, False)


@pytest.mark.usefixtures("current_request_with_host")
async def test_reauth_can_add_the_control_permissions(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_smartcar(aioclient_mock)
    entry = await entry_with(hass)
    result = await entry.start_reauth_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CONTROL: True}
    )
    assert scopes_of(result) == [*OAUTH2_SCOPES, *CONTROL]
    token = {**TOKEN_RESPONSE, "access_token": "new-access-token"}
    result = await sign_in(hass, client, aioclient_mock, result["flow_id"], token)
    await hass.async_block_till_done()

    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_SCOPES] == [*OAUTH2_SCOPES, *CONTROL]


@pytest.mark.usefixtures("current_request_with_host")
async def test_reauth_of_an_entry_with_control_keeps_it_by_default(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    entry = await entry_with(hass, **{CONF_SCOPES: [*OAUTH2_SCOPES, *CONTROL]})
    result = await entry.start_reauth_flow(hass)

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})

    assert scopes_of(result) == [*OAUTH2_SCOPES, *CONTROL]


# --- options ---------------------------------------------------------------------


async def open_options(
    hass: HomeAssistant, entry: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> Any:
    """The options' vehicles form, with the Kia subscribed."""
    mock_smartcar(aioclient_mock)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "vehicles"}
    )
    assert result["type"] is FlowResultType.FORM
    return result


def defaults(result: Any) -> dict[str, Any]:
    """The default of each field of a form."""
    return {
        str(marker.schema): marker.default() for marker in result["data_schema"].schema
    }


async def test_options_show_the_control_choice_and_the_fallback_hours(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    entry = await entry_with(hass)
    hass.config_entries.async_update_entry(entry, options={CONF_FALLBACK_HOURS: 12})

    result = await open_options(hass, entry, aioclient_mock)

    assert defaults(result) == {
        CONF_VEHICLES: [KIA],
        CONF_CONTROL: False,
        CONF_FALLBACK_HOURS: 12,
    }


@pytest.mark.parametrize(("hours", "options"), [(6, {CONF_FALLBACK_HOURS: 6}), (0, {})])
async def test_options_keep_the_fallback_hours_and_none_when_off(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    hours: int,
    options: dict[str, Any],
) -> None:
    entry = await entry_with(hass)
    hass.config_entries.async_update_entry(entry, options={CONF_FALLBACK_HOURS: 3})
    result = await open_options(hass, entry, aioclient_mock)

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_VEHICLES: [KIA], CONF_FALLBACK_HOURS: hours}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == options


async def test_options_turning_control_on_start_a_sign_in_asking_for_it(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    entry = await entry_with(hass)
    result = await open_options(hass, entry, aioclient_mock)

    await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_VEHICLES: [KIA], CONF_CONTROL: True}
    )
    await hass.async_block_till_done()

    [flow] = entry.async_get_active_flows(hass, {SOURCE_REAUTH})
    result = await hass.config_entries.flow.async_configure(flow["flow_id"])
    assert defaults(result) == {CONF_CONTROL: True}


async def test_options_leaving_control_as_it_is_start_no_sign_in(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    entry = await entry_with(hass, **{CONF_SCOPES: [*OAUTH2_SCOPES, *CONTROL]})
    result = await open_options(hass, entry, aioclient_mock)

    await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_VEHICLES: [KIA], CONF_CONTROL: True}
    )
    await hass.async_block_till_done()

    assert not list(entry.async_get_active_flows(hass, {SOURCE_REAUTH}))


@pytest.mark.usefixtures("current_request_with_host")
async def test_signing_in_again_without_control_removes_the_controls(
    hass: HomeAssistant, client: Client, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_smartcar(aioclient_mock)
    entry = await entry_with(hass, **{CONF_SCOPES: [*OAUTH2_SCOPES, *CONTROL]})
    registry = er.async_get(hass)
    registry.async_get_or_create(
        "switch", DOMAIN, f"{KIA}_charging", config_entry=entry
    )
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CONTROL: False}
    )

    await sign_in(hass, client, aioclient_mock, result["flow_id"])
    await hass.async_block_till_done()

    assert entry.data[CONF_SCOPES] == list(OAUTH2_SCOPES)
    assert registry.async_get_entity_id("switch", DOMAIN, f"{KIA}_charging") is None
