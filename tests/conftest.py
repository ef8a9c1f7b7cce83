"""Shared fixtures.

The integration is imported first, so the `hass` fixture loads this project's
`custom_components` rather than the test plugin's own testing package.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator
import json
import logging
import os
from pathlib import Path
import re
from typing import Any
import warnings

from aiohttp import ClientResponse
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from hypothesis import settings
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smartcar_webhooks.const import CONF_MANAGEMENT_TOKEN, DOMAIN
from custom_components.smartcar_webhooks.smartcar import sign_body
from custom_components.smartcar_webhooks.smartcar.parser import clear_recent_bodies

# CI replays the same examples every run: a red CI then means a real regression,
# while local runs keep exploring new examples.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

FIXTURES = Path(__file__).parent / "fixtures"
MANAGEMENT_TOKEN = "test-management-token"
WEBHOOK_ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

type PostDelivery = Callable[..., Awaitable[ClientResponse]]

# How Home Assistant reports an integration's use of something it deprecates
# (`helpers.frame.report_usage`, deprecated constants, classes and functions).
HA_REPORT = re.compile(
    r"custom integration 'smartcar_webhooks'|smartcar_webhooks\b.*\b(deprecat|stop working)",
    re.IGNORECASE,
)
INTEGRATION_DIR = str(Path(__file__).parent.parent / "custom_components")


class _Records(logging.Handler):
    """Every log record of a test, whatever the levels pytest captures."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def home_assistant_reports(
    records: Iterable[logging.LogRecord], caught: Iterable[warnings.WarningMessage]
) -> list[str]:
    """What Home Assistant said about this integration's use of its API."""
    found = [
        record.getMessage()
        for record in records
        if record.levelno >= logging.WARNING and HA_REPORT.search(record.getMessage())
    ]
    found += [
        str(warning.message)
        for warning in caught
        if issubclass(warning.category, DeprecationWarning)
        and (
            warning.filename.startswith(INTEGRATION_DIR)
            or "smartcar_webhooks" in str(warning.message)
        )
    ]
    return found


@pytest.fixture(autouse=True)
def fail_on_home_assistant_reports() -> Iterator[None]:
    """A test fails when Home Assistant reports anything about this integration."""
    handler = _Records()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DeprecationWarning)
            yield
    finally:
        root.removeHandler(handler)
    if reports := home_assistant_reports(handler.records, caught):
        pytest.fail(f"Home Assistant reported: {reports}")


@pytest.fixture(autouse=True)
def no_recent_bodies() -> None:
    """Every test parses its bodies itself: none is known from an earlier test."""
    clear_recent_bodies()


def load_fixture(name: str) -> dict[str, Any]:
    """A JSON fixture of tests/fixtures as a dict."""
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def config_entry() -> MockConfigEntry:
    """A webhook-only entry: just the two contract keys."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Smartcar",
        unique_id="smartcar-webhook-id",
        data={CONF_WEBHOOK_ID: WEBHOOK_ID, CONF_MANAGEMENT_TOKEN: MANAGEMENT_TOKEN},
    )


@pytest.fixture
async def setup_entry(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> MockConfigEntry:
    """The entry, added and set up."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    return config_entry


@pytest.fixture
async def post_delivery(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> PostDelivery:
    """POST a body to the webhook, signed with the management token by default."""
    client = await hass_client_no_auth()

    async def post(
        body: dict[str, Any] | bytes | str,
        *,
        sign: bool = True,
        signature: str | None = None,
        webhook_id: str = WEBHOOK_ID,
        method: str = "POST",
    ) -> ClientResponse:
        raw = (
            json.dumps(body).encode()
            if isinstance(body, dict)
            else body.encode()
            if isinstance(body, str)
            else body
        )
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["SC-Signature"] = signature
        elif sign:
            headers["SC-Signature"] = sign_body(MANAGEMENT_TOKEN, raw)
        response = await client.request(
            method, f"/api/webhook/{webhook_id}", data=raw, headers=headers
        )
        await hass.async_block_till_done()
        return response

    return post
