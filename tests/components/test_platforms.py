"""Every platform's entities as snapshots, as Home Assistant core tests them."""

from __future__ import annotations

from unittest.mock import patch

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.smartcar_webhooks import PLATFORMS
from custom_components.smartcar_webhooks.const import DOMAIN
from tests.components.control_common import (
    SMARTCAR_WEBHOOK_ID,
    add_credentials,
    connect_data,
)
from tests.conftest import PostDelivery, load_fixture

# Platforms that act on the car: only a Connect entry with the permissions has them.
CONTROL_PLATFORMS = {Platform.BUTTON, Platform.LOCK, Platform.NUMBER, Platform.SWITCH}
DELIVERIES = (
    "v4_vehicle_state.json",
    "v4_vehicle_state_charging.json",
    "v4_vehicle_error.json",
    "v2_dynamic.json",
    "v2_event_based.json",
)


@pytest.fixture(autouse=True)
async def webhook_component(hass: HomeAssistant) -> None:
    """Webhook (and http) set up before `post_delivery` opens its client."""
    assert await async_setup_component(hass, "webhook", {})


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.freeze_time("2026-01-01T00:00:00+00:00")
async def test_entities(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    """What the fixtures' deliveries make of each platform."""
    if platform in CONTROL_PLATFORMS:
        await add_credentials(hass)
        config_entry = MockConfigEntry(
            domain=DOMAIN,
            title="Smartcar",
            unique_id=SMARTCAR_WEBHOOK_ID,
            data=connect_data(),
        )
    with patch("custom_components.smartcar_webhooks.PLATFORMS", [platform]):
        config_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        for name in DELIVERIES:
            await post_delivery(load_fixture(name))

    await snapshot_platform(hass, entity_registry, snapshot, config_entry.entry_id)
