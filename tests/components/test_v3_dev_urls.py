"""Development setting: the v3 token, vehicle and Management URLs can point at the simulator."""

from __future__ import annotations

import runpy
from typing import Any
import warnings

import pytest

from custom_components.smartcar_webhooks import const


def _run_const() -> dict[str, Any]:
    """const.py run afresh, in its package (it imports the signal registry)."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", "'.*const' found in sys.modules", RuntimeWarning
        )
        return runpy.run_module(const.__name__)


VARIABLES = {
    "SMARTCAR_WEBHOOKS_DEV_V3_TOKEN_URL": (
        "V3_TOKEN_URL",
        "https://iam.smartcar.com/oauth2/token",
    ),
    "SMARTCAR_WEBHOOKS_DEV_VEHICLE_API_URL": (
        "VEHICLE_API_BASE",
        "https://vehicle.api.smartcar.com/v3",
    ),
    "SMARTCAR_WEBHOOKS_DEV_MANAGEMENT_API_URL": (
        "MANAGEMENT_API_BASE",
        "https://management.api.smartcar.com/v3",
    ),
}


def test_default_v3_urls_are_smartcars(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    values = _run_const()
    for name, default in VARIABLES.values():
        assert values[name] == default


def test_environment_points_the_v3_urls_at_a_simulator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for variable in VARIABLES:
        monkeypatch.setenv(variable, f"http://127.0.0.1:8124/{variable.lower()}")
    values = _run_const()
    for variable, (name, _default) in VARIABLES.items():
        assert values[name] == f"http://127.0.0.1:8124/{variable.lower()}"
