"""A v2.0 entry keeps working, and a repair offers the move to API v3 (issue 18.9)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smartcar_webhooks.api_v3 import move_to_v3_issue_id
from custom_components.smartcar_webhooks.const import DOMAIN
from custom_components.smartcar_webhooks.diagnostics import (
    async_get_config_entry_diagnostics,
)
from tests.components.control_common import add_credentials, connect_data, set_up
from tests.components.test_v3_runtime import USER_ID, v3_data

API_CLIENT_ID = "client_0123456789abcdef"


@pytest.fixture(autouse=True)
async def components(hass: HomeAssistant) -> None:
    """Repairs, set up before an HTTP client freezes the router."""
    assert await async_setup_component(hass, "repairs", {})
    await add_credentials(hass)


async def test_a_v2_entry_without_api_credentials_gets_no_offer(
    hass: HomeAssistant,
) -> None:
    entry = await set_up(hass, connect_data())

    assert (
        ir.async_get(hass).async_get_issue(DOMAIN, move_to_v3_issue_id(entry)) is None
    )


async def test_api_credentials_offer_the_move_and_the_fix_starts_the_sign_in(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(API_CLIENT_ID, "api-secret"), "api"
    )
    entry = await set_up(hass, connect_data())
    issue = ir.async_get(hass).async_get_issue(DOMAIN, move_to_v3_issue_id(entry))
    assert issue is not None
    assert issue.is_fixable
    client = await hass_client()

    response = await client.post(
        "/api/repairs/issues/fix",
        json={"handler": DOMAIN, "issue_id": issue.issue_id},
    )
    started: dict[str, Any] = await response.json()
    response = await client.post(
        f"/api/repairs/issues/fix/{started['flow_id']}", json={}
    )

    assert response.status == HTTPStatus.OK
    assert started["step_id"] == "confirm"
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_v3_diagnostics_hold_no_user_or_secret(hass: HomeAssistant) -> None:
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(API_CLIENT_ID, "api-secret"), "cred2"
    )
    data = v3_data()
    data["auth_implementation"] = "cred2"
    entry = await set_up(hass, data)

    diagnostics = await async_get_config_entry_diagnostics(hass, entry)

    assert USER_ID not in str(diagnostics)
    assert "api-secret" not in str(diagnostics)
