"""Fixtures of the Home Assistant tests."""

from __future__ import annotations

from collections.abc import Generator
from unittest.mock import PropertyMock, patch

from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from tests.components.flow_helpers import EXTERNAL_URL, Client


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/ in every Home Assistant test."""


@pytest.fixture(autouse=True)
async def integration_dependencies(hass: HomeAssistant) -> None:
    """Set up the integration's dependencies before any HTTP test client exists.

    A client freezes the router: components that register views afterwards fail.
    """
    assert await async_setup_component(hass, "application_credentials", {})
    assert await async_setup_component(hass, "webhook", {})


@pytest.fixture
async def client(hass_client_no_auth: ClientSessionGenerator) -> Client:
    """The HTTP client Smartcar (or anyone who knows the URL) posts with."""
    return await hass_client_no_auth()


@pytest.fixture
async def external_url(hass: HomeAssistant) -> None:
    """An external https URL Smartcar could deliver to."""
    await async_process_ha_core_config(hass, {"external_url": EXTERNAL_URL})


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Enable every entity, also those disabled by default (as core's fixture)."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
        new_callable=PropertyMock,
    ):
        yield


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots with Home Assistant's serializer (ids and times left out)."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)
