"""Smartcar's application token (API v3): the OAuth 2.0 client-credentials grant.

One token serves every vehicle and the Management API of an application. It
lives an hour and has no refresh token: it is requested when first needed,
kept, requested again a few minutes before it expires or when a call answers
401, and never more than once at a time however many callers wait for it.

How the client credentials travel is not settled (SMARTCAR-V3.md §2: the
docs' example is a form, their schema JSON; both known Home Assistant
integrations post JSON), so that is decided by `TOKEN_BODY_STYLE` alone.
Neither the secret nor a token appears in a repr, a message or a log line.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from enum import StrEnum
import json
import logging
import math
import time
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout

from .api_errors import api_error, clamp_retry_after, read_body
from .client import (
    SmartcarApiError,
    SmartcarConnectionError,
    SmartcarCredentialsError,
    SmartcarRateLimitError,
    SmartcarServerError,
)
from .text import MAX_CODE_LENGTH, clean_token

_LOGGER = logging.getLogger(__name__)

TOKEN_URL = "https://iam.smartcar.com/oauth2/token"
TOKEN_TIMEOUT = ClientTimeout(total=30)
# Renewed this long before it expires, so no call goes out with a dying token.
RENEW_MARGIN = 300.0
# Smartcar says an hour; taken when the answer gives no usable lifetime.
DEFAULT_LIFETIME = 3600.0
MAX_LIFETIME = 86400.0
MAX_TOKEN_LENGTH = 8192
MAX_TOKEN_ANSWER_BYTES = 64 * 1024


class TokenBodyStyle(StrEnum):
    """How the client id and secret are sent to the token endpoint."""

    JSON = "json"  # {"grant_type", "client_id", "client_secret"} as JSON
    FORM = "form"  # the same three as application/x-www-form-urlencoded
    BASIC = "basic"  # HTTP Basic client_id:client_secret, form grant_type


# The one place that decides it: what both known integrations send today.
TOKEN_BODY_STYLE = TokenBodyStyle.JSON


def token_request(
    client_id: str, client_secret: str, style: TokenBodyStyle = TOKEN_BODY_STYLE
) -> dict[str, Any]:
    """The keyword arguments of the token `POST` in a body style."""
    grant = {"grant_type": "client_credentials"}
    credentials = {"client_id": client_id, "client_secret": client_secret}
    match style:
        case TokenBodyStyle.JSON:
            return {"json": {**grant, **credentials}}
        case TokenBodyStyle.FORM:
            return {"data": {**grant, **credentials}}
        case TokenBodyStyle.BASIC:
            pair = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
            return {"data": grant, "headers": {"Authorization": f"Basic {pair}"}}


def _lifetime(value: Any) -> float:
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    ):
        return float(min(value, MAX_LIFETIME))
    return DEFAULT_LIFETIME


class AppToken:
    """The application token of one set of API credentials, shared by all callers."""

    def __init__(
        self,
        session: ClientSession,
        client_id: str,
        client_secret: str,
        *,
        token_url: str = TOKEN_URL,
        body_style: TokenBodyStyle = TOKEN_BODY_STYLE,
        clock: Callable[[], float] = time.monotonic,
        renew_margin: float = RENEW_MARGIN,
    ) -> None:
        """Credentials and where to send them; `clock` counts seconds."""
        self._session = session
        self._client_id = client_id
        self._client_secret = client_secret
        self._token_url = token_url
        self._body_style = body_style
        self._clock = clock
        self._renew_margin = renew_margin
        self._token: str | None = None
        self._renew_at = 0.0
        self._lock = asyncio.Lock()
        self.requests = 0  # how many token requests were sent

    def __repr__(self) -> str:
        """Say whether a token is held; never the token or the secret."""
        return f"AppToken(cached={self._token is not None})"

    @property
    def client_id(self) -> str:
        """The API client id these credentials belong to (not a secret)."""
        return self._client_id

    def _valid(self) -> str | None:
        if self._token is not None and self._clock() < self._renew_at:
            return self._token
        return None

    async def token(self) -> str:
        """A token that is good for a few minutes at least; requested if need be."""
        if (token := self._valid()) is not None:
            return token
        async with self._lock:
            # Whoever waited here finds the token the first caller fetched.
            if (token := self._valid()) is not None:
                return token
            return await self._fetch()

    async def renew(self, refused: str) -> str:
        """A new token after `refused` got a 401; one request for all who saw it."""
        async with self._lock:
            if self._token is not None and self._token != refused:
                return self._token  # someone else renewed it meanwhile
            self._token = None
            return await self._fetch()

    def forget(self) -> None:
        """Drop the token (new credentials, or an entry being unloaded)."""
        self._token = None

    async def _fetch(self) -> str:
        self.requests += 1
        started = self._clock()
        try:
            async with self._session.post(
                self._token_url,
                timeout=TOKEN_TIMEOUT,
                **token_request(self._client_id, self._client_secret, self._body_style),
            ) as response:
                status = response.status
                retry_after = response.headers.get("retry-after")
                raw = await read_body(response, MAX_TOKEN_ANSWER_BYTES)
        except (ClientError, TimeoutError) as err:
            raise SmartcarConnectionError(
                f"Smartcar's token endpoint not reachable: {type(err).__name__}"
            ) from err
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = None
        if status >= 400:
            raise _token_error(status, body, retry_after)
        token = clean_token(
            body.get("access_token") if isinstance(body, dict) else None,
            MAX_TOKEN_LENGTH,
        )
        token_type = body.get("token_type", "bearer") if isinstance(body, dict) else ""
        if (
            token is None
            or not isinstance(token_type, str)
            or token_type.lower() != "bearer"
        ):
            raise SmartcarApiError("Smartcar's token answer has no bearer token")
        assert isinstance(body, dict)
        lifetime = _lifetime(body.get("expires_in"))
        margin = min(self._renew_margin, lifetime / 2)
        self._token = token
        self._renew_at = started + lifetime - margin
        _LOGGER.debug("Got an application token for %d s", int(lifetime))
        return token


def _token_error(status: int, body: Any, retry_after: str | None) -> SmartcarApiError:
    """An OAuth error answer (`{error, error_description}`) as a typed error."""
    oauth = body.get("error") if isinstance(body, dict) else None
    code = clean_token(oauth, MAX_CODE_LENGTH)
    # Smartcar documents 401 `invalid_client`; any 401 here refuses the credentials.
    if code == "invalid_client" or status == 401:
        return SmartcarCredentialsError(
            f"Smartcar refused the API credentials ({status} {code or 'invalid_client'})",
            status=status,
            error_type="invalid_client",
            code=code,
        )
    if status == 429:
        return SmartcarRateLimitError(
            "Smartcar's token endpoint is rate limited",
            retry_after=clamp_retry_after(retry_after),
            status=status,
            code=code,
        )
    if status >= 500:
        return SmartcarServerError(
            f"Smartcar's token endpoint failed ({status})", status=status, code=code
        )
    if code is not None:
        return SmartcarApiError(
            f"Smartcar refused the token request ({status} {code})",
            status=status,
            error_type="oauth",
            code=code,
        )
    return api_error(status, body, retry_after=retry_after)
