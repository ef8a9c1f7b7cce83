"""Development setting: Smartcar's URLs can point at the local simulator."""

from __future__ import annotations

import runpy
from typing import Any
import warnings

from homeassistant.core import HomeAssistant
import pytest

from custom_components.smartcar_webhooks import const
from custom_components.smartcar_webhooks.connect import smartcar_client

VARIABLES = {
    "SMARTCAR_WEBHOOKS_DEV_AUTHORIZE_URL": "OAUTH2_AUTHORIZE",
    "SMARTCAR_WEBHOOKS_DEV_TOKEN_URL": "OAUTH2_TOKEN",
    "SMARTCAR_WEBHOOKS_DEV_API_URL": "API_BASE",
}


def _run_const() -> dict[str, Any]:
    """const.py run afresh (in its package: it imports the signal registry)."""
    with warnings.catch_warnings():
        # Running the already imported module again is the point here.
        warnings.filterwarnings(
            "ignore", "'.*const' found in sys.modules", RuntimeWarning
        )
        return runpy.run_module(const.__name__)


def test_default_urls_are_smartcars(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    values = _run_const()
    assert values["OAUTH2_AUTHORIZE"] == "https://connect.smartcar.com/oauth/authorize"
    assert values["OAUTH2_TOKEN"] == "https://auth.smartcar.com/oauth/token"
    assert values["API_BASE"] == "https://api.smartcar.com"


def test_environment_points_the_urls_at_a_simulator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for variable in VARIABLES:
        monkeypatch.setenv(variable, f"http://127.0.0.1:8124/{variable.lower()}")
    values = _run_const()
    for variable, name in VARIABLES.items():
        assert values[name] == f"http://127.0.0.1:8124/{variable.lower()}"


async def test_api_client_uses_the_configured_base(hass: HomeAssistant) -> None:
    assert smartcar_client(hass)._api_base == const.API_BASE
