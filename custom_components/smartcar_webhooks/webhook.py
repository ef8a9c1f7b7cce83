"""The Smartcar callback URI: a Home Assistant webhook with a strict contract.

Per request: a `Content-Encoding` other than identity -> 415 (nothing read);
body over 1 MiB -> 413; a body that cannot be read -> 400 (415 and this 400
end the connection); no `SC-Signature` -> only a VERIFY may be answered, and
only inside a verification window (else 403), anything else 401; bad
signature -> 401; signed but unparseable -> 400; otherwise 200 with what
became of it (applied, a duplicate, a stale replay, a test delivery) once it
is on disk, or 503 (Smartcar retries) when it could not be kept. The
handler never touches the network and never lets an exception escape.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from http import HTTPStatus
from typing import Any

from aiohttp import ClientError, hdrs, web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web import RequestPayloadError
from homeassistant.core import HomeAssistant, callback
from homeassistant.util import dt as dt_util
from homeassistant.util.aiohttp import MockRequest

from .const import LOGGER, MAX_BODY_BYTES, VERIFY_WINDOW
from .smartcar import (
    ChargingEvent,
    DataDelivery,
    ErrorDelivery,
    InvalidDeliveryError,
    VerifyRequest,
    hash_challenge,
    parse_delivery,
    parse_unsigned_verify,
    verify_signature,
)
from .smartcar.event_types import unknown_event_type
from .store import NotKeptError

SIGNATURE_HEADER = "SC-Signature"
MAX_CHALLENGE_LENGTH = 1024
MAX_UNSIGNED_BYTES = 16 * 1024

type Handler = Callable[[HomeAssistant, str, web.Request], Awaitable[web.Response]]
# Applies a signed delivery; returns the status word to answer with once it is
# kept (on disk), or raises `NotKeptError` (answered 503, which Smartcar retries).
type DeliveryReceiver = Callable[
    [DataDelivery | ErrorDelivery | ChargingEvent], Awaitable[str]
]


class VerificationWindow:
    """A limited time during which Smartcar's VERIFY challenge is answered.

    Answering a VERIFY is an HMAC of the challenge with the management token,
    the same construction as a delivery's signature: outside a window the
    webhook must not answer, or anyone knowing the URL could have bodies signed.

    An answer does not close the window: a VERIFY is unsigned, so the first one
    may be forged, and Smartcar's own must still be answered after it. Answering
    is harmless, as only challenges that cannot be a delivery body are answered.
    """

    def __init__(
        self, on_verified: Callable[[VerifyRequest], None] | None = None
    ) -> None:
        """Start closed; `on_verified` is told of every answered VERIFY."""
        self._on_verified = on_verified
        self._closes_at: datetime | None = None
        self._waiters: list[asyncio.Future[VerifyRequest]] = []

    @property
    def is_open(self) -> bool:
        """Whether a VERIFY would be answered now."""
        return self._closes_at is not None and dt_util.utcnow() < self._closes_at

    @property
    def closes_at(self) -> datetime | None:
        """When an open window closes; None when it is closed."""
        return self._closes_at if self.is_open else None

    @callback
    def open(self, until: datetime | None = None) -> None:
        """Open (or extend) the window for ten minutes, or until a given time.

        `until` hands over what is left of another window (the set-up flow's)
        and is capped at ten minutes from now.
        """
        latest = dt_util.utcnow() + VERIFY_WINDOW
        self._closes_at = latest if until is None else min(until, latest)

    @callback
    def close(self) -> None:
        """Close the window."""
        self._closes_at = None

    @callback
    def verified(self, request: VerifyRequest) -> None:
        """A VERIFY was answered: wake whoever waits; the window stays open."""
        if self._on_verified is not None:
            self._on_verified(request)
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(request)
        self._waiters.clear()

    async def async_wait(self) -> VerifyRequest:
        """Open the window and wait for a VERIFY; TimeoutError after ten minutes.

        The first answered VERIFY ends the wait; the window stays open for the
        rest of its ten minutes, or until its owner closes it.
        """
        self.open()
        waiter: asyncio.Future[VerifyRequest] = (
            asyncio.get_running_loop().create_future()
        )
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(VERIFY_WINDOW.total_seconds()):
                return await waiter
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)


def is_safe_challenge(challenge: str) -> bool:
    """Whether answering this challenge cannot sign a delivery body.

    A delivery body is a JSON object: refuse anything that could be one (or an
    array), anything with a quote, and anything but printable ASCII.
    """
    return (
        len(challenge) <= MAX_CHALLENGE_LENGTH
        and challenge.isascii()
        and challenge.isprintable()
        and challenge.lstrip()[:1] not in ("{", "[")
        and '"' not in challenge
    )


def _json(status: HTTPStatus, payload: dict[str, Any]) -> web.Response:
    return web.json_response(payload, status=status)


def is_identity_encoded(request: web.Request | MockRequest) -> bool:
    """Whether the body arrives as sent: no `Content-Encoding` but identity.

    Smartcar never compresses; refusing before the first read means aiohttp
    never decompresses (or fails to decompress) an attacker's body for us.
    """
    encoding = request.headers.get(hdrs.CONTENT_ENCODING, "")
    return encoding.strip().lower() in ("", "identity")


def _refuse_body(
    request: web.Request | MockRequest, response: web.Response
) -> web.Response:
    """End the connection with a response that leaves the body unread.

    After a response aiohttp reads what is left of the body to keep the
    connection; an undecodable body then fails and is logged at ERROR, also
    when it arrives after the response (a slow sender), and a body that failed
    to decode leaves the connection unusable. So the connection stops reading
    (`close`), the body counts as finished, and the connection closes right
    after the response.
    """
    if isinstance(request, web.BaseRequest):
        request.protocol.close()
        request.content.feed_eof()
    response.force_close()
    return response


async def read_body(request: web.Request | MockRequest) -> bytes | None:
    """Read at most 1 MiB of the raw body; None when it is larger.

    Cloudhook requests (`MockRequest`) have no `read()` and no content length;
    both kinds have `content.read(n)`.
    """
    length = getattr(request, "content_length", None)
    if length is not None and length > MAX_BODY_BYTES:
        return None
    # MockRequest.content makes a new reader on every access: take it once.
    content = request.content
    body = bytearray()
    while len(body) <= MAX_BODY_BYTES:
        chunk = await content.read(MAX_BODY_BYTES + 1 - len(body))
        if not chunk:
            return bytes(body)
        body += chunk
    return None


@callback
def async_create_handler(
    management_token: str,
    window: VerificationWindow,
    receive: DeliveryReceiver,
    on_verify_refused: Callable[[], None],
    on_bad_signature: Callable[[bytes, str], None] = lambda _body, _signature: None,
) -> Handler:
    """Build the webhook handler for one management token.

    `on_bad_signature` hears of every request whose `SC-Signature` is wrong,
    with its body and signature: many of them and no good delivery usually
    mean the token was changed.
    """

    def answer_verify(request: VerifyRequest) -> web.Response:
        if not window.is_open or not is_safe_challenge(request.challenge):
            LOGGER.info("Refused a Smartcar VERIFY outside a verification window")
            on_verify_refused()
            return _json(HTTPStatus.FORBIDDEN, {"error": "verification not open"})
        answer = hash_challenge(management_token, request.challenge)
        window.verified(request)
        LOGGER.info("Answered Smartcar's VERIFY challenge")
        return _json(HTTPStatus.OK, {"challenge": answer})

    def unsigned(body: bytes) -> web.Response:
        # Only a VERIFY may come unsigned; VERIFY bodies are small, so anything
        # larger is refused before the (attacker-paid) JSON parse, and nothing
        # but the challenge is read from it.
        if len(body) <= MAX_UNSIGNED_BYTES and (request := parse_unsigned_verify(body)):
            return answer_verify(request)
        LOGGER.debug("Rejected an unsigned webhook request")
        return _json(HTTPStatus.UNAUTHORIZED, {"error": "missing signature"})

    async def handle(
        hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        if not is_identity_encoded(request):
            LOGGER.debug("Rejected a webhook body with a content encoding")
            return _refuse_body(
                request,
                _json(
                    HTTPStatus.UNSUPPORTED_MEDIA_TYPE, {"error": "unsupported encoding"}
                ),
            )
        try:
            body = await read_body(request)
        except (
            ClientError,
            HttpProcessingError,
            OSError,
            RequestPayloadError,
            ValueError,
        ):
            LOGGER.debug("Rejected a webhook body that could not be read")
            return _refuse_body(
                request, _json(HTTPStatus.BAD_REQUEST, {"error": "unreadable body"})
            )
        if body is None:
            LOGGER.debug("Rejected a webhook body over %s bytes", MAX_BODY_BYTES)
            return _json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "too large"})

        signature = request.headers.get(SIGNATURE_HEADER)
        if signature is None:
            return unsigned(body)
        if not verify_signature(management_token, body, signature):
            LOGGER.debug("Rejected a webhook request with a wrong signature")
            on_bad_signature(body, signature)
            return _json(HTTPStatus.UNAUTHORIZED, {"error": "bad signature"})

        try:
            delivery = parse_delivery(body, received_at=dt_util.utcnow())
        except InvalidDeliveryError as err:
            if (event_type := unknown_event_type(body)) is not None:
                LOGGER.debug("Ignored a signed Smartcar event of type %s", event_type)
                return _json(HTTPStatus.OK, {"status": "ignored"})
            LOGGER.warning("Rejected a signed Smartcar delivery: %s", err)
            return _json(HTTPStatus.BAD_REQUEST, {"error": str(err)})
        if isinstance(delivery, VerifyRequest):
            return answer_verify(delivery)
        try:
            status = await receive(delivery)
        except NotKeptError:
            LOGGER.debug("A signed delivery could not be kept; answered 503")
            return _json(HTTPStatus.SERVICE_UNAVAILABLE, {"error": "not kept"})
        return _json(HTTPStatus.OK, {"status": status})

    return handle
