"""Home Assistant Cloud cloudhooks, when the cloud integration is loaded.

`homeassistant.components.cloud` is imported lazily: it pulls in a great deal
that an instance without Home Assistant Cloud never needs.
"""

from __future__ import annotations

import contextlib

from homeassistant.core import HomeAssistant

CLOUD_DOMAIN = "cloud"


async def async_get_cloudhook_url(hass: HomeAssistant, webhook_id: str) -> str | None:
    """A cloudhook URL for the webhook when the instance has a subscription."""
    if CLOUD_DOMAIN not in hass.config.components:
        return None
    from homeassistant.components import cloud  # noqa: PLC0415

    if not cloud.async_active_subscription(hass):
        return None
    try:
        return await cloud.async_get_or_create_cloudhook(hass, webhook_id)
    except cloud.CloudNotAvailable:
        return None


async def async_delete_cloudhook(hass: HomeAssistant, webhook_id: str) -> None:
    """Delete the webhook's cloudhook; nothing to do when cloud is not loaded."""
    if CLOUD_DOMAIN not in hass.config.components:
        return
    from homeassistant.components import cloud  # noqa: PLC0415

    with contextlib.suppress(cloud.CloudNotAvailable, ValueError):
        await cloud.async_delete_cloudhook(hass, webhook_id)
