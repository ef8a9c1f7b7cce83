"""Fixtures of the simulator tests: pure aiohttp on loopback, a manual clock.

Nothing here starts Home Assistant; servers listen on 127.0.0.1 only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
import json
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
import pytest

from smartcar_simulator import ManualClock, hash_challenge, sign_body
from smartcar_simulator.api import create_app
from smartcar_simulator.payloads import DeliveryFormat
from smartcar_simulator.simulator import Settings, Simulator

AMT = "test-amt"
START = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def loopback(socket_enabled: None) -> None:
    """The test servers listen on 127.0.0.1 (the test plugin blocks sockets otherwise)."""


@pytest.fixture
def clock() -> ManualClock:
    """A clock that advances only when the simulator sleeps."""
    return ManualClock(START, speed=60)


@dataclass
class Receiver:
    """A stand-in for Home Assistant's webhook: records, answers as told."""

    token: str = AMT
    statuses: list[int] = field(default_factory=list)  # answers to give, then 200
    bodies: list[bytes] = field(default_factory=list)
    signatures: list[str | None] = field(default_factory=list)
    answer_verify: Callable[[str], str] = lambda challenge: hash_challenge(
        AMT, challenge
    )
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        """Record the request; answer VERIFY, else the next status."""
        body = await request.read()
        self.bodies.append(body)
        self.signatures.append(request.headers.get("SC-Signature"))
        document = json.loads(body)
        challenge = (document.get("data") or document.get("payload") or {}).get(
            "challenge"
        )
        if challenge is not None and "SC-Signature" not in request.headers:
            return web.json_response({"challenge": self.answer_verify(challenge)})
        status = self.statuses.pop(0) if self.statuses else 200
        return web.json_response({}, status=status)

    def documents(self) -> list[dict[str, Any]]:
        """The bodies as JSON."""
        return [json.loads(body) for body in self.bodies]

    def signed_correctly(self) -> bool:
        """Whether every body carried its HMAC with the AMT."""
        return all(
            signature == sign_body(self.token, body)
            for body, signature in zip(self.bodies, self.signatures, strict=True)
        )


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A webhook receiver on a loopback port; `receiver.url` is its callback URI."""
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/api/webhook/{webhook_id}", receiver.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    receiver.url = str(server.make_url("/api/webhook/abc123"))
    yield receiver
    await server.close()


@pytest.fixture
def settings() -> Settings:
    """Two cars, both formats."""
    return Settings(token=AMT, cars=2, fmt=DeliveryFormat.BOTH, page_size=1)


@pytest.fixture
async def sim(settings: Settings, clock: ManualClock) -> AsyncIterator[Simulator]:
    """A simulator on the manual clock."""
    simulator = Simulator(settings, clock=clock)
    yield simulator
    await simulator.close()


@pytest.fixture
async def client(
    sim: Simulator,
) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    """The simulator's HTTP API."""
    async with TestClient(TestServer(create_app(sim), host="127.0.0.1")) as test_client:
        yield test_client
