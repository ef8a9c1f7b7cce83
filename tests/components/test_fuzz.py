"""Fuzz over Home Assistant's HTTP stack: whatever arrives, the webhook keeps its contract.

Every request goes through `hass_client_no_auth` to `/api/webhook/<id>` of a
set-up entry. After each one: the status is the contract's for that kind of
request (never 5xx); no log record at ERROR or above, and no line of the
integration's (DEBUG included) with a control character; every state, the entity
and device registries, the config entries and the integration's stored data
serialise with Home Assistant's JSON encoder; every value lies in its physical
range; and a request that was not correctly signed changed nothing at all.

The default run sends about 3,000 requests (300 of them as Home Assistant Cloud
relays a cloudhook delivery; under CI the same ones every run);
`FUZZ_EXAMPLES=20000 scripts/test tests/components/test_fuzz.py --no-cov -s` sends more
(and prints what was sent and answered).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Generator
from datetime import datetime
import json
import logging
import math
import os
from typing import Any

from aiohttp.http_exceptions import ContentEncodingError
from aiohttp.test_utils import TestClient
from homeassistant.components.webhook import async_handle_webhook
from homeassistant.const import (
    EVENT_STATE_CHANGED,
    PERCENTAGE,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.json import json_bytes
from homeassistant.util import dt as dt_util
from homeassistant.util.aiohttp import MockRequest
from hypothesis import HealthCheck, given, settings
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smartcar_webhooks.const import LOGGER
from custom_components.smartcar_webhooks.smartcar import Field, Location
from custom_components.smartcar_webhooks.smartcar.signals import SIGNAL_OF
from custom_components.smartcar_webhooks.vehicle import (
    KEY_LAST_DELIVERY,
    KEY_LAST_UPDATE,
)
from tests.components.fuzz_requests import (
    FuzzRequest,
    arbitrary_bodies,
    damaged_deliveries,
    many_vehicle_deliveries,
    relayed,
    requests,
)
from tests.conftest import WEBHOOK_ID

# Total requests of a run, shared by the tests below as their weights say.
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3000"))
FUZZ = settings(deadline=None, suppress_health_check=list(HealthCheck))

# Sensor states shown in a unit that cannot be negative (the store is held to
# each field's plausible range, in its native unit).
NON_NEGATIVE_CLASSES = {
    "distance",
    "duration",
    "energy",
    "energy_storage",
    "pressure",
    "volume_storage",
    "voltage",
}


def examples(weight: float) -> int:
    """This test's share of the run."""
    return max(10, round(FUZZ_EXAMPLES * weight))


def check_value(key: Field, value: Any) -> None:
    """A stored value lies in its field's physical range (the parser's own table)."""
    if isinstance(value, Location):
        assert -90 <= value.latitude <= 90, value
        assert -180 <= value.longitude <= 180, value
        assert value.heading is None or 0 <= value.heading < 360, value
    elif (
        key in SIGNAL_OF
        and (quantity := SIGNAL_OF[key].quantity) is not None
        and value is not None
    ):
        assert isinstance(value, float | int) and not isinstance(value, bool), value
        assert quantity.low <= value <= quantity.high, (key, value)


def check_state(state: Any, unique_id: str, now: datetime) -> None:
    """A state of the integration shows nothing outside its physical range."""
    attributes = state.attributes
    if state.domain == "device_tracker":
        if (latitude := attributes.get("latitude")) is not None:
            assert -90 <= latitude <= 90, state
            assert -180 <= attributes["longitude"] <= 180, state
        if (heading := attributes.get("heading")) is not None:
            assert 0 <= heading < 360, state
        return
    if state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
        return
    if state.domain == "number":
        assert attributes["min"] <= float(state.state) <= attributes["max"], state
        return
    if state.domain != "sensor":
        return
    device_class = attributes.get("device_class")
    if unique_id.endswith((f"_{KEY_LAST_UPDATE}", f"_{KEY_LAST_DELIVERY}")):
        # Readings never carry a time after their arrival.
        assert dt_util.parse_datetime(state.state) <= now, state
    elif attributes.get("unit_of_measurement") == PERCENTAGE:
        assert 0 <= float(state.state) <= 100, state
    elif device_class in NON_NEGATIVE_CLASSES:
        assert 0 <= float(state.state) < math.inf, state


class Records(logging.Handler):
    """Keeps the records of a logger from a level up."""

    def __init__(self, level: int) -> None:
        """Catch `level` and above."""
        super().__init__(level)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record."""
        self.records.append(record)

    def take(self) -> list[logging.LogRecord]:
        """The records kept since the last call."""
        records, self.records = self.records, []
        return records


def is_aiohttp_decoding(record: logging.LogRecord) -> bool:
    """Aiohttp's own ERROR for an encoded body it cannot decode.

    aiohttp decodes a body as it parses the request, before and beside any
    handler, and logs what it cannot decode at ERROR (a 400 of its own), for
    every endpoint of Home Assistant: a platform issue (docs/RELIABILITY.md).
    """
    return (
        record.name == "aiohttp.server"
        and record.exc_info is not None
        and isinstance(record.exc_info[1], ContentEncodingError)
    )


class Fuzz:
    """Sends requests to a set-up entry's webhook and checks the invariants."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: MockConfigEntry,
        client: TestClient[Any, Any],
        errors: Records,
        ours: Records,
    ) -> None:
        """Watch everything a request could change."""
        self.hass, self.entry, self.client, self.errors = hass, entry, client, errors
        self.ours = ours
        self.statuses: Counter[int] = Counter()
        self.platform_errors = 0
        self.attacks: Counter[str] = Counter()
        self.words: Counter[str] = Counter()  # what a 200 said became of it
        self.changes = 0
        for event_type in (
            EVENT_STATE_CHANGED,
            dr.EVENT_DEVICE_REGISTRY_UPDATED,
            er.EVENT_ENTITY_REGISTRY_UPDATED,
        ):
            hass.bus.async_listen(event_type, self._changed)
        self.stored = self._stored()

    def _changed(self, _event: Event[Any]) -> None:
        self.changes += 1

    def _stored(self) -> bytes:
        # What the integration's Store would write, with Home Assistant's encoder.
        return json_bytes(self.entry.runtime_data.store._data())

    async def send(self, request: FuzzRequest, *, via_cloud: bool = False) -> None:
        """Send one request; fail when any invariant does not hold after it.

        `via_cloud`: as a Home Assistant Cloud cloudhook delivers it.
        """
        entry_data, self.changes = self.entry.data, 0
        sent_headers = dict(request.headers)
        if request.signature is not None:
            sent_headers["SC-Signature"] = request.signature

        async def chunks() -> AsyncIterator[bytes]:
            yield request.body

        if via_cloud:
            # What the cloud integration's async_webhook_message hands over.
            answer = await async_handle_webhook(
                self.hass,
                WEBHOOK_ID,
                MockRequest(
                    content=request.body,
                    headers=sent_headers,
                    method=request.method,
                    query_string="",
                    mock_source="cloud",
                    remote=None,
                ),
            )
            status, body = answer.status, answer.body
        else:
            response = await self.client.request(
                request.method,
                f"/api/webhook/{WEBHOOK_ID}",
                data=chunks() if request.chunked else request.body,
                headers=sent_headers,
            )
            status, body = response.status, await response.read()
        await self.hass.async_block_till_done()
        self.statuses[status] += 1
        self.attacks.update(request.attacks())
        if status == 200 and body:
            self.words[json.loads(body).get("status", "challenge")] += 1

        assert status in request.allowed_statuses(), (status, request)
        errors = self.errors.take()
        if request.encoded:
            self.platform_errors += len(errors)
            errors = [r for r in errors if not is_aiohttp_decoding(r)]
        assert errors == [], [r.getMessage() for r in errors]
        for record in self.ours.take():
            # No request text, so no line break or control character, in a line.
            assert record.getMessage().isprintable(), record.getMessage()
        stored = self._checked_storage()
        if not (request.signed and request.method == "POST"):
            # Only correctly signed data may change anything.
            assert self.changes == 0
            assert stored == self.stored
            assert self.entry.data is entry_data
        self.stored = stored
        self._check_ranges()

    def _checked_storage(self) -> bytes:
        hass = self.hass
        for state in hass.states.async_all():
            assert state.as_dict_json  # raises when not serialisable
        json_bytes(er.async_get(hass)._data_to_save())
        json_bytes(dr.async_get(hass)._data_to_save())
        json_bytes(hass.config_entries._data_to_save())
        return self._stored()

    def _check_ranges(self) -> None:
        for vehicle in self.entry.runtime_data.store.vehicles.values():
            for key, field_state in vehicle.fields.items():
                check_value(key, field_state.value)
        now = dt_util.utcnow()
        for entity in er.async_entries_for_config_entry(
            er.async_get(self.hass), self.entry.entry_id
        ):
            if (state := self.hass.states.get(entity.entity_id)) is not None:
                check_state(state, entity.unique_id, now)


@pytest.fixture
def error_records() -> Generator[Records]:
    """Every ERROR record of the test, from any logger."""
    handler = Records(logging.ERROR)
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


@pytest.fixture
def our_records() -> Generator[Records]:
    """Every record of the integration, DEBUG included (red team 7.5)."""
    handler = Records(logging.DEBUG)
    ours = logging.getLogger(LOGGER.name)
    level = ours.level
    ours.setLevel(logging.DEBUG)
    ours.addHandler(handler)
    yield handler
    ours.removeHandler(handler)
    ours.setLevel(level)


@pytest.fixture
async def fuzz(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    error_records: Records,
    our_records: Records,
) -> AsyncIterator[Fuzz]:
    """The fuzzer, on one Home Assistant for all examples of a test."""
    fuzz = Fuzz(
        hass, setup_entry, await hass_client_no_auth(), error_records, our_records
    )
    # asyncio's debug mode records a traceback for every task and callback:
    # that costs more than the request itself, and the invariants are ours.
    loop = asyncio.get_running_loop()
    loop.set_debug(False)
    yield fuzz
    loop.set_debug(True)
    print(  # noqa: T201
        f"\n{sum(fuzz.statuses.values())} requests; "
        f"statuses: {dict(sorted(fuzz.statuses.items()))}; "
        f"200 said: {dict(sorted(fuzz.words.items()))}; "
        f"tried: {dict(sorted(fuzz.attacks.items()))}; "
        f"aiohttp decoding errors: {fuzz.platform_errors}"
    )


@settings(FUZZ, max_examples=examples(0.45))
@given(request=requests(damaged_deliveries()))
async def test_signed_damaged_deliveries(fuzz: Fuzz, request: FuzzRequest) -> None:
    await fuzz.send(request)


@settings(FUZZ, max_examples=examples(0.03))
@given(request=requests(many_vehicle_deliveries()))
async def test_signed_deliveries_naming_many_vehicles(
    fuzz: Fuzz, request: FuzzRequest
) -> None:
    await fuzz.send(request)


@settings(FUZZ, max_examples=examples(0.22))
@given(request=requests(arbitrary_bodies()))
async def test_signed_arbitrary_json(fuzz: Fuzz, request: FuzzRequest) -> None:
    await fuzz.send(request)


@settings(FUZZ, max_examples=examples(0.1))
@given(
    request=requests(
        damaged_deliveries() | arbitrary_bodies(), signed=None, odd_headers=True
    ).map(relayed)
)
async def test_cloudhook_requests(fuzz: Fuzz, request: FuzzRequest) -> None:
    await fuzz.send(request, via_cloud=True)


@settings(FUZZ, max_examples=examples(0.2))
@given(
    request=requests(
        damaged_deliveries() | arbitrary_bodies(), signed=None, odd_headers=True
    )
)
async def test_any_signature_headers_and_method(
    fuzz: Fuzz, request: FuzzRequest
) -> None:
    await fuzz.send(request)
