"""Development setting: Smartcar's URLs can point at the local simulator."""

from __future__ import annotations

import logging
import runpy
from typing import Any
import warnings

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest

import custom_components.smartcar_webhooks as integration
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


@pytest.mark.parametrize(
    "url",
    [
        "http://attacker.example.com/token",
        "http://192.168.1.10:8124/token",
        "ftp://127.0.0.1/token",
        "https://user:pw@smartcar.example.com/",
        "http://127.0.0.1:notaport/",
        "not a url",
        "",
    ],
)
def test_override_that_is_not_https_or_loopback_is_refused(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    """Issue 19.8: the token and secrets would be sent there in plain text."""
    for variable in VARIABLES:
        monkeypatch.setenv(variable, url)

    values = _run_const()

    assert values["API_BASE"] == "https://api.smartcar.com"
    assert values["OAUTH2_TOKEN"] == "https://auth.smartcar.com/oauth/token"
    assert sorted(values["DEV_REFUSED"]) == sorted(VARIABLES)
    assert values["DEV_OVERRIDES"] == []


@pytest.mark.parametrize(
    "url",
    ["https://sim.example.com/x", "http://localhost:8124", "http://[::1]:8124/x"],
)
def test_https_or_loopback_override_is_used(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("SMARTCAR_WEBHOOKS_DEV_API_URL", url)

    values = _run_const()

    assert values["API_BASE"] == url
    assert values["DEV_OVERRIDES"] == ["SMARTCAR_WEBHOOKS_DEV_API_URL"]


@pytest.mark.parametrize(
    ("overrides", "refused", "expected"),
    [
        (["SMARTCAR_WEBHOOKS_DEV_API_URL"], [], ["overrides are active"]),
        ([], ["SMARTCAR_WEBHOOKS_DEV_TOKEN_URL"], ["Ignored development URL"]),
        ([], [], []),
    ],
)
async def test_start_warns_whenever_an_override_is_active_or_refused(
    hass: HomeAssistant,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    overrides: list[str],
    refused: list[str],
    expected: list[str],
) -> None:
    monkeypatch.setattr(integration, "DEV_OVERRIDES", overrides)
    monkeypatch.setattr(integration, "DEV_REFUSED", refused)

    assert await async_setup_component(hass, const.DOMAIN, {})

    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING
        and "development url overrides" in r.getMessage().lower()
    ]
    assert len(warnings) == len(expected)
    for text, warning in zip(expected, warnings, strict=True):
        assert text in warning
        assert "127.0.0.1" not in warning
