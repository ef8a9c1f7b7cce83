"""Smartcar's side of a webhook: VERIFY, and signed deliveries with retries.

Only loopback addresses are ever a target: the simulator is for this
machine. A callback URI shown by Home Assistant (https, public host) is
delivered to the loopback base instead, keeping its path.
"""

from __future__ import annotations

from dataclasses import dataclass
import ipaddress
import logging
import secrets
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout
from yarl import URL

from .clock import Clock
from .payloads import Delivery, PayloadFactory
from .signing import hash_challenge, sign_body

_LOGGER = logging.getLogger(__name__)

# Smartcar waits 15 s for an answer, then retries 3 times: +25, +50, +100 s.
TIMEOUT = ClientTimeout(total=15)
RETRY_DELAYS = (25.0, 50.0, 100.0)


class NotLoopbackError(ValueError):
    """The simulator only talks to this machine."""


def ensure_loopback(url: str) -> URL:
    """The URL, if its host is a loopback address (or `localhost`)."""
    parsed = URL(url)
    host = parsed.host or ""
    if host == "localhost":
        return parsed
    try:
        if ipaddress.ip_address(host.strip("[]")).is_loopback:
            return parsed
    except ValueError:
        pass
    raise NotLoopbackError(f"not a loopback URL: {url}")


def delivery_url(callback_uri: str, deliver_to: str | None) -> URL:
    """Where to POST: the callback URI's path and query on `deliver_to` (loopback)."""
    callback = URL(callback_uri)
    if deliver_to is None:
        return ensure_loopback(callback_uri)
    base = ensure_loopback(deliver_to)
    return base.with_path(callback.path).with_query(callback.query)


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """How a VERIFY went, judged as Smartcar judges it."""

    ok: bool
    status: int | None
    reason: str

    def describe(self) -> dict[str, Any]:
        """JSON-able."""
        return {"ok": self.ok, "status": self.status, "reason": self.reason}


class WebhookSender:
    """Sends VERIFY and deliveries to one callback URI, signed with the AMT."""

    def __init__(
        self,
        session: ClientSession,
        *,
        token: str,
        url: URL,
        clock: Clock,
        retry_delays: tuple[float, ...] = RETRY_DELAYS,
    ) -> None:
        """Deliver to `url` (already checked to be loopback)."""
        self._session = session
        self._token = token
        self.url = url
        self._clock = clock
        self._retry_delays = retry_delays
        self.log: list[dict[str, Any]] = []

    async def verify(self, factory: PayloadFactory, version: str) -> VerifyResult:
        """Send VERIFY and check the answer like Smartcar does.

        Pass: status 200 and a JSON body whose `challenge` is the hex
        HMAC-SHA256 of the challenge keyed with the AMT.
        """
        challenge = secrets.token_hex(16)
        delivery = factory.verify(version, challenge)
        try:
            async with self._session.post(
                self.url,
                data=delivery.body,
                headers={"Content-Type": "application/json"},
                timeout=TIMEOUT,
            ) as response:
                status = response.status
                try:
                    answer = await response.json(content_type=None)
                except ValueError:
                    answer = None
        except (ClientError, TimeoutError) as err:
            return VerifyResult(False, None, f"not reachable: {type(err).__name__}")
        if status != 200:
            return VerifyResult(False, status, "status is not 200")
        if not isinstance(answer, dict) or not isinstance(answer.get("challenge"), str):
            return VerifyResult(False, status, "no challenge in the answer")
        if answer["challenge"] != hash_challenge(self._token, challenge):
            return VerifyResult(False, status, "wrong challenge answer")
        return VerifyResult(True, status, "verified")

    async def _post(self, delivery: Delivery) -> int | None:
        try:
            async with self._session.post(
                self.url,
                data=delivery.body,
                headers={
                    "Content-Type": "application/json",
                    "SC-Signature": sign_body(self._token, delivery.body),
                },
                timeout=TIMEOUT,
            ) as response:
                await response.read()
                return response.status
        except (ClientError, TimeoutError) as err:
            _LOGGER.debug("Delivery failed: %s", type(err).__name__)
            return None

    async def send(self, delivery: Delivery) -> int | None:
        """POST a signed delivery; retry (as Smartcar does) until a 2xx.

        Returns the last status, or None when the receiver was never reached.
        """
        status = await self._post(delivery)
        for delay in self._retry_delays:
            if status is not None and 200 <= status < 300:
                break
            await self._clock.sleep(delay)
            status = await self._post(delivery)
        self.log.append({**delivery.describe(), "status": status})
        return status
