"""One Home Assistant in this process, serving HTTP on loopback, and a client beside it.

Home Assistant runs on the main thread's event loop with its own `http`
component: the real aiohttp server, middlewares and webhook view, bound to
127.0.0.1 on a free port. The client runs on a second thread with its own loop,
so its work is not Home Assistant's: a block of requests is measured in wall
time at the client and in CPU time of Home Assistant's thread (read from the
client, before and after the block), which other processes on a busy machine
do not inflate.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
import logging
import threading
import time
from typing import Any, Self
from unittest.mock import patch

import aiohttp
from aiohttp import web
from aiohttp.test_utils import unused_port
from homeassistant.components.http import HomeAssistantHTTP
from homeassistant.components.webhook import async_generate_id, async_register
from homeassistant.const import (
    CONF_WEBHOOK_ID,
    EVENT_STATE_CHANGED,
    EVENT_STATE_REPORTED,
)
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import storage
from homeassistant.loader import DATA_CUSTOM_COMPONENTS
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
)

from custom_components.smartcar_webhooks.const import CONF_MANAGEMENT_TOKEN, DOMAIN

from .bench_bodies import TOKEN, Signed

# Warned once for every custom integration; not news here.
logging.getLogger("homeassistant.loader").setLevel(logging.ERROR)


@asynccontextmanager
async def home_assistant(config_dir: str) -> AsyncIterator[HomeAssistant]:
    """A running Home Assistant with `http` and `webhook`, serving on loopback."""
    async with async_test_home_assistant(config_dir=config_dir) as hass:
        # Load custom_components/ of this repository (as the tests do).
        hass.data.pop(DATA_CUSTOM_COMPONENTS)
        # Set up without binding the configured port (8123 on every interface)...
        with (
            patch.object(HomeAssistantHTTP, "async_bind"),
            patch.object(HomeAssistantHTTP, "start"),
        ):
            assert await async_setup_component(hass, "http", {})
            assert await async_setup_component(hass, "webhook", {})
            assert await async_setup_component(hass, "application_credentials", {})
        # ...then bind loopback on a free port and start Home Assistant's own server.
        hass.http.server_host = ["127.0.0.1"]
        hass.http.server_port = unused_port()
        await hass.http.async_bind()
        await hass.http.start()
        try:
            yield hass
        finally:
            await hass.async_stop(force=True)


def base_url(hass: HomeAssistant) -> str:
    """Where the webhooks of this Home Assistant are."""
    return f"http://127.0.0.1:{hass.http.server_port}/api/webhook/"


@callback
def register_noop_webhook(hass: HomeAssistant) -> str:
    """A bare webhook beside the integration's: answers 200, reads nothing."""

    async def handle(
        hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        return web.Response()

    webhook_id = async_generate_id()
    async_register(hass, "bench", "no-op", webhook_id, handle)
    return webhook_id


async def add_entry(hass: HomeAssistant, *, set_up: bool = True) -> MockConfigEntry:
    """A webhook-only entry of the integration (set up unless told otherwise)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Smartcar",
        data={CONF_WEBHOOK_ID: async_generate_id(), CONF_MANAGEMENT_TOKEN: TOKEN},
    )
    entry.add_to_hass(hass)
    if set_up:
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    return entry


@dataclass
class Block:
    """What one block of requests cost."""

    count: int
    cpu_ns: int  # Home Assistant's thread
    wall_ns: int  # at the client, from the first request to the last answer
    statuses: list[int]
    answers: list[bytes]

    @property
    def cpu_us(self) -> float:
        """Home Assistant's CPU per request, µs."""
        return self.cpu_ns / self.count / 1000

    @property
    def wall_us(self) -> float:
        """Round trip per request, µs."""
        return self.wall_ns / self.count / 1000


class Client:
    """An HTTP client on its own thread and loop, keeping one connection alive."""

    def __init__(self, home_assistant_thread: int) -> None:
        """Start the thread; `home_assistant_thread` is the ident to measure."""
        self._clock = time.pthread_getcpuclockid(home_assistant_thread)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="bench-client", daemon=True
        )
        self._thread.start()
        self._session: aiohttp.ClientSession | None = None

    async def _run[T](self, coro: Coroutine[Any, Any, T]) -> T:
        return await asyncio.wrap_future(
            asyncio.run_coroutine_threadsafe(coro, self._loop)
        )

    def cpu_ns(self) -> int:
        """Home Assistant's thread's CPU time so far."""
        return time.clock_gettime_ns(self._clock)

    async def post(
        self, url: str, bodies: Sequence[Signed], *, new_connection: bool = False
    ) -> Block:
        """POST the bodies one after the other, as Smartcar would."""
        return await self._run(self._post(url, bodies, new_connection))

    async def _post(
        self, url: str, bodies: Sequence[Signed], new_connection: bool
    ) -> Block:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=1)
            )
        session = self._session
        if new_connection:
            session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(force_close=True)
            )
        statuses: list[int] = []
        answers: list[bytes] = []
        try:
            cpu, wall = self.cpu_ns(), time.perf_counter_ns()
            for body, signature in bodies:
                async with session.post(
                    url,
                    data=body,
                    headers={
                        "Content-Type": "application/json",
                        "SC-Signature": signature,
                    },
                ) as response:
                    answers.append(await response.read())
                    statuses.append(response.status)
            wall, cpu = time.perf_counter_ns() - wall, self.cpu_ns() - cpu
        finally:
            if new_connection:
                await session.close()
        return Block(len(bodies), cpu, wall, statuses, answers)

    async def post_concurrently(
        self, url: str, bodies: Sequence[Signed], in_flight: int
    ) -> Block:
        """POST the bodies with `in_flight` requests at a time (a busy fleet)."""
        return await self._run(self._post_concurrently(url, bodies, in_flight))

    async def _post_concurrently(
        self, url: str, bodies: Sequence[Signed], in_flight: int
    ) -> Block:
        statuses: list[int] = [0] * len(bodies)
        answers: list[bytes] = [b""] * len(bodies)
        limit = asyncio.Semaphore(in_flight)
        async with aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=in_flight)
        ) as session:

            async def one(index: int, body: bytes, signature: str) -> None:
                async with (
                    limit,
                    session.post(
                        url,
                        data=body,
                        headers={
                            "Content-Type": "application/json",
                            "SC-Signature": signature,
                        },
                    ) as response,
                ):
                    answers[index] = await response.read()
                    statuses[index] = response.status

            cpu, wall = self.cpu_ns(), time.perf_counter_ns()
            await asyncio.gather(
                *(one(i, body, sig) for i, (body, sig) in enumerate(bodies))
            )
            wall, cpu = time.perf_counter_ns() - wall, self.cpu_ns() - cpu
        return Block(len(bodies), cpu, wall, statuses, answers)

    async def close(self) -> None:
        """Close the session and stop the thread."""
        if self._session is not None:
            await self._run(self._session.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()


@dataclass
class StateWrites:
    """Counts entity state writes: changed states and rewritten unchanged ones."""

    changed: int = 0
    reported: int = 0
    _unsubscribe: list[Callable[[], None]] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Every write."""
        return self.changed + self.reported

    @callback
    def listen(self, hass: HomeAssistant) -> None:
        """Start counting."""

        @callback
        def on_changed(_event: Event) -> None:
            self.changed += 1

        @callback
        def on_reported(_event: Event) -> None:
            self.reported += 1

        @callback
        def every(_data: Any) -> bool:
            return True

        self._unsubscribe += [
            hass.bus.async_listen(EVENT_STATE_CHANGED, on_changed),
            hass.bus.async_listen(
                EVENT_STATE_REPORTED, on_reported, event_filter=every
            ),
        ]

    @callback
    def stop(self) -> None:
        """Stop counting."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()


class StoreWrites:
    """Counts Home Assistant `Store` writes per storage key (files written)."""

    def __init__(self) -> None:
        """Count nothing yet."""
        self.by_key: dict[str, int] = {}
        self._patch = None

    def __enter__(self) -> Self:
        """Wrap the method every Store write goes through."""
        original = storage.Store._async_write_data  # noqa: SLF001
        counts = self.by_key

        async def counted(store: storage.Store[Any], data: dict[str, Any]) -> None:
            counts[store.key] = counts.get(store.key, 0) + 1
            await original(store, data)

        self._patch = patch.object(storage.Store, "_async_write_data", counted)
        self._patch.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        """Stop counting."""
        assert self._patch is not None
        self._patch.stop()


class SimulatedClock:
    """Moves Home Assistant's loop clock forward: timers fire as if time passed."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Take over the loop's clock (until `restore`)."""
        self._loop = hass.loop
        self._real = hass.loop.time
        self.offset = 0.0
        self._loop.time = lambda: self._real() + self.offset  # type: ignore[method-assign]

    async def advance(self, hass: HomeAssistant, seconds: float) -> None:
        """Let `seconds` pass for the loop, and what became due run."""
        self.offset += seconds
        await asyncio.sleep(0)
        await hass.async_block_till_done()

    def restore(self) -> None:
        """Back to the real clock (time already passed stays passed)."""
        del self._loop.time  # type: ignore[method-assign]
