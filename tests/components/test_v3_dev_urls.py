"""Development setting: the v3 token, vehicle and Management URLs can point at the simulator."""

from __future__ import annotations

from pathlib import Path
import runpy

import pytest

from custom_components.smartcar_webhooks import const

CONST_FILE = Path(const.__file__)
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
    values = runpy.run_path(str(CONST_FILE))
    for name, default in VARIABLES.values():
        assert values[name] == default


def test_environment_points_the_v3_urls_at_a_simulator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for variable in VARIABLES:
        monkeypatch.setenv(variable, f"http://127.0.0.1:8124/{variable.lower()}")
    values = runpy.run_path(str(CONST_FILE))
    for variable, (name, _default) in VARIABLES.items():
        assert values[name] == f"http://127.0.0.1:8124/{variable.lower()}"
