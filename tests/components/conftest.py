"""Fixtures of the Home Assistant tests."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest


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
