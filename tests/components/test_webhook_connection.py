"""A refused encoded body ends its connection: nothing is read, decoded or logged after it.

After a response aiohttp reads the rest of a body to keep the connection. A
`Content-Encoding: gzip` body that is not gzip then failed to decode: logged at
ERROR with a traceback when the body came after the 415 (red team 7.1 with a
slow sender), and the next request on the same connection never got an answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import json
import logging

from aiohttp import ClientTimeout
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smartcar_webhooks.smartcar import sign_body
from tests.conftest import MANAGEMENT_TOKEN, WEBHOOK_ID, load_fixture

NOT_GZIP = b"this is not compressed data" * 10
# Broken, this hung until aiohttp's five minutes: fail sooner (a local request
# takes milliseconds, so no machine is slow enough to reach this).
HANG = ClientTimeout(total=60)


async def test_encoded_body_sent_after_the_answer_is_never_decoded(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = await hass_client_no_auth()
    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(
        f"POST /api/webhook/{WEBHOOK_ID} HTTP/1.1\r\nHost: localhost\r\n"
        "Content-Type: application/json\r\nContent-Encoding: gzip\r\n"
        f"Content-Length: {len(NOT_GZIP)}\r\n\r\n".encode()
    )
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    writer.write(NOT_GZIP)  # the body only after the answer
    await writer.drain()
    body = await reader.read()  # the server closes the connection
    writer.close()
    await writer.wait_closed()
    await hass.async_block_till_done()

    assert head.startswith(b"HTTP/1.1 415 ")
    assert b"Connection: close" in head
    assert json.loads(body) == {"error": "unsupported encoding"}
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize("chunked", [False, True], ids=["length", "chunked"])
async def test_delivery_after_an_encoded_body_on_one_client_is_applied(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
    chunked: bool,
) -> None:
    client = await hass_client_no_auth()
    delivery = json.dumps(load_fixture("v4_vehicle_state.json")).encode()

    async def chunks(body: bytes) -> AsyncIterator[bytes]:
        yield body

    refused = await client.post(
        f"/api/webhook/{WEBHOOK_ID}",
        data=chunks(NOT_GZIP) if chunked else NOT_GZIP,
        headers={"Content-Encoding": "gzip"},
    )
    await refused.read()
    applied = await client.post(
        f"/api/webhook/{WEBHOOK_ID}",
        data=delivery,
        headers={"SC-Signature": sign_body(MANAGEMENT_TOKEN, delivery)},
        timeout=HANG,
    )

    assert refused.status == 415
    assert refused.headers["Connection"] == "close"
    assert applied.status == 200
    assert await applied.json() == {"status": "ok"}
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
