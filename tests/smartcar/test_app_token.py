"""The v3 application token: requested once, kept, renewed early and after a 401."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
import logging
from typing import Any

from aiohttp import ClientConnectionError, ClientSession, ServerTimeoutError
import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
    AiohttpClientMockResponse,
)
from yarl import URL

from custom_components.smartcar_webhooks.smartcar.app_token import (
    RENEW_MARGIN,
    TOKEN_BODY_STYLE,
    AppToken,
    TokenBodyStyle,
    token_request,
)
from custom_components.smartcar_webhooks.smartcar.client import (
    SmartcarApiError,
    SmartcarAuthError,
    SmartcarConnectionError,
    SmartcarCredentialsError,
    SmartcarRateLimitError,
    SmartcarServerError,
)

from .v3_helpers import (
    CLIENT_ID,
    CLIENT_SECRET,
    TOKEN_URL,
    Clock,
    answer,
    in_turn,
    token_body,
)


@pytest.fixture
def aiohttp_mock() -> AiohttpClientMocker:
    """Canned answers of the token endpoint."""
    return AiohttpClientMocker()


@pytest.fixture
async def session(aiohttp_mock: AiohttpClientMocker) -> AsyncGenerator[ClientSession]:
    """A session answered by `aiohttp_mock`."""
    session = aiohttp_mock.create_session(asyncio.get_running_loop())
    yield session
    await session.close()


@pytest.fixture
def clock() -> Clock:
    """A hand-moved clock."""
    return Clock()


@pytest.fixture
def tokens(session: ClientSession, clock: Clock) -> AppToken:
    """The application token of the test credentials."""
    return AppToken(session, CLIENT_ID, CLIENT_SECRET, clock=clock)


def _token_answers(aiohttp_mock: AiohttpClientMocker, *tokens: str) -> None:
    aiohttp_mock.post(
        TOKEN_URL,
        side_effect=in_turn(
            [answer("post", TOKEN_URL, json=token_body(t)) for t in tokens]
        ),
    )


# --- the request ---------------------------------------------------------------


async def test_first_call_requests_a_token_with_client_credentials(
    tokens: AppToken, aiohttp_mock: AiohttpClientMocker
) -> None:
    _token_answers(aiohttp_mock, "token-1")

    assert await tokens.token() == "token-1"

    ((method, url, data, _),) = aiohttp_mock.mock_calls
    assert method.upper() == "POST"
    assert str(url) == TOKEN_URL
    assert data == {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }


def test_the_body_style_is_json_by_default() -> None:
    assert TOKEN_BODY_STYLE is TokenBodyStyle.JSON
    assert token_request("id", "secret") == {
        "json": {
            "grant_type": "client_credentials",
            "client_id": "id",
            "client_secret": "secret",
        }
    }


def test_form_and_basic_body_styles() -> None:
    assert token_request("id", "secret", TokenBodyStyle.FORM) == {
        "data": {
            "grant_type": "client_credentials",
            "client_id": "id",
            "client_secret": "secret",
        }
    }
    assert token_request("id", "secret", TokenBodyStyle.BASIC) == {
        "data": {"grant_type": "client_credentials"},
        "headers": {"Authorization": "Basic aWQ6c2VjcmV0"},
    }


async def test_a_configured_token_url_and_body_style_are_used(
    session: ClientSession, aiohttp_mock: AiohttpClientMocker
) -> None:
    url = "http://127.0.0.1:8790/oauth2/token"
    aiohttp_mock.post(url, json=token_body("local"))
    tokens = AppToken(
        session, "id", "secret", token_url=url, body_style=TokenBodyStyle.FORM
    )

    assert await tokens.token() == "local"
    assert aiohttp_mock.mock_calls[0][2]["client_secret"] == "secret"


# --- caching and renewal ----------------------------------------------------------


async def test_the_token_is_kept_until_shortly_before_it_expires(
    tokens: AppToken, aiohttp_mock: AiohttpClientMocker, clock: Clock
) -> None:
    _token_answers(aiohttp_mock, "token-1", "token-2")

    assert await tokens.token() == "token-1"
    clock.now += 3600 - RENEW_MARGIN - 1
    assert await tokens.token() == "token-1"
    assert tokens.requests == 1

    clock.now += 1
    assert await tokens.token() == "token-2"
    assert tokens.requests == 2


@pytest.mark.parametrize(
    ("expires_in", "kept_for"),
    [
        (600, 300),  # 10 min, renewed 5 min early
        (120, 60),  # shorter than the margin: renewed half way
        ("3600", 3300),  # not a number: Smartcar's hour
        (None, 3300),
        (True, 3300),
        (-5, 3300),
        (float("inf"), 3300),
        (10**9, 86400 - 300),  # capped at a day
    ],
)
async def test_the_lifetime_is_taken_from_expires_in(
    tokens: AppToken,
    aiohttp_mock: AiohttpClientMocker,
    clock: Clock,
    expires_in: Any,
    kept_for: float,
) -> None:
    body = token_body("t", expires_in)
    if expires_in is None:
        del body["expires_in"]
    aiohttp_mock.post(TOKEN_URL, json=body)

    await tokens.token()
    clock.now += kept_for - 1
    await tokens.token()
    assert tokens.requests == 1
    clock.now += 1
    await tokens.token()
    assert tokens.requests == 2


async def test_concurrent_callers_share_one_token_request(
    tokens: AppToken, aiohttp_mock: AiohttpClientMocker
) -> None:
    gate = asyncio.Event()

    async def slow(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        await gate.wait()
        return answer("post", TOKEN_URL, json=token_body("shared"))

    aiohttp_mock.post(TOKEN_URL, side_effect=slow)

    async def open_gate() -> None:
        gate.set()

    *results, _ = await asyncio.gather(*(tokens.token() for _ in range(5)), open_gate())

    assert results == ["shared"] * 5
    assert aiohttp_mock.call_count == 1


async def test_renew_after_a_401_requests_a_new_token(
    tokens: AppToken, aiohttp_mock: AiohttpClientMocker
) -> None:
    _token_answers(aiohttp_mock, "token-1", "token-2")

    refused = await tokens.token()
    assert await tokens.renew(refused) == "token-2"
    assert await tokens.token() == "token-2"
    assert tokens.requests == 2


async def test_callers_refused_with_the_same_token_renew_it_once(
    tokens: AppToken, aiohttp_mock: AiohttpClientMocker
) -> None:
    _token_answers(aiohttp_mock, "token-1", "token-2", "token-3")
    refused = await tokens.token()

    renewed = await asyncio.gather(*(tokens.renew(refused) for _ in range(3)))

    assert renewed == ["token-2"] * 3
    assert tokens.requests == 2


async def test_forget_drops_the_token(
    tokens: AppToken, aiohttp_mock: AiohttpClientMocker
) -> None:
    _token_answers(aiohttp_mock, "token-1", "token-2")
    await tokens.token()

    tokens.forget()

    assert await tokens.token() == "token-2"


# --- failures --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (401, {"error": "invalid_client", "error_description": "Bad secret"}),
        (400, {"error": "invalid_client"}),
        (401, None),
        (401, {"unexpected": True}),
        (401, {"error": "unauthorized_client"}),
    ],
)
async def test_refused_credentials_are_a_credentials_error(
    tokens: AppToken, aiohttp_mock: AiohttpClientMocker, status: int, body: Any
) -> None:
    aiohttp_mock.post(TOKEN_URL, status=status, json=body)

    with pytest.raises(SmartcarCredentialsError) as caught:
        await tokens.token()

    assert isinstance(caught.value, SmartcarAuthError)
    assert caught.value.status == status
    assert CLIENT_SECRET not in str(caught.value)


async def test_an_invalid_request_is_an_api_error_not_refused_credentials(
    tokens: AppToken, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.post(TOKEN_URL, status=400, json={"error": "invalid_request"})

    with pytest.raises(SmartcarApiError) as caught:
        await tokens.token()

    assert not isinstance(caught.value, SmartcarCredentialsError)
    assert caught.value.code == "invalid_request"


async def test_a_400_without_an_oauth_error_is_mapped_like_an_api_error(
    tokens: AppToken, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.post(TOKEN_URL, status=400, text="<html>bad</html>")

    with pytest.raises(SmartcarApiError, match="Smartcar API error 400"):
        await tokens.token()


@pytest.mark.parametrize(
    "exc", [ClientConnectionError(), ServerTimeoutError(), TimeoutError()]
)
async def test_token_endpoint_unreachable_is_a_connection_error(
    tokens: AppToken, aiohttp_mock: AiohttpClientMocker, exc: Exception
) -> None:
    aiohttp_mock.post(TOKEN_URL, exc=exc)

    with pytest.raises(SmartcarConnectionError, match="token endpoint not reachable"):
        await tokens.token()


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_token_endpoint_down_is_a_server_error(
    tokens: AppToken, aiohttp_mock: AiohttpClientMocker, status: int
) -> None:
    aiohttp_mock.post(TOKEN_URL, status=status, text="down")

    with pytest.raises(SmartcarServerError):
        await tokens.token()


async def test_token_endpoint_rate_limited_gives_retry_after(
    tokens: AppToken, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.post(TOKEN_URL, status=429, headers={"retry-after": "30"})

    with pytest.raises(SmartcarRateLimitError) as caught:
        await tokens.token()

    assert caught.value.retry_after == 30


async def test_a_failed_request_is_tried_again_by_the_next_caller(
    tokens: AppToken, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.post(
        TOKEN_URL,
        side_effect=in_turn(
            [
                answer("post", TOKEN_URL, status=503),
                answer("post", TOKEN_URL, json=token_body("token-1")),
            ]
        ),
    )

    with pytest.raises(SmartcarServerError):
        await tokens.token()
    assert await tokens.token() == "token-1"


@pytest.mark.parametrize(
    "body",
    [
        {"token_type": "Bearer"},
        {"access_token": "", "token_type": "Bearer"},
        {"access_token": "has space", "token_type": "Bearer"},
        {"access_token": 42, "token_type": "Bearer"},
        {"access_token": "t", "token_type": "mac"},
        {"access_token": "t", "token_type": None},
        ["t"],
        None,
    ],
)
async def test_an_unusable_token_answer_is_an_api_error(
    tokens: AppToken, aiohttp_mock: AiohttpClientMocker, body: Any
) -> None:
    aiohttp_mock.post(TOKEN_URL, json=body)

    with pytest.raises(SmartcarApiError, match="no bearer token"):
        await tokens.token()


async def test_a_token_type_is_optional(
    tokens: AppToken, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.post(TOKEN_URL, json={"access_token": "t"})

    assert await tokens.token() == "t"


async def test_a_non_json_token_answer_is_an_api_error(
    tokens: AppToken, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.post(TOKEN_URL, text="not json")

    with pytest.raises(SmartcarApiError, match="no bearer token"):
        await tokens.token()


async def test_an_oversized_token_answer_is_refused(
    tokens: AppToken, aiohttp_mock: AiohttpClientMocker
) -> None:
    aiohttp_mock.post(TOKEN_URL, text="x" * (64 * 1024 + 1))

    with pytest.raises(SmartcarApiError, match="larger than"):
        await tokens.token()


# --- secrecy ---------------------------------------------------------------------------


async def test_neither_token_nor_secret_in_repr_or_log(
    tokens: AppToken,
    aiohttp_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    _token_answers(aiohttp_mock, "very-secret-token")

    await tokens.token()

    assert repr(tokens) == "AppToken(cached=True)"
    assert tokens.client_id == CLIENT_ID
    for secret in ("very-secret-token", CLIENT_SECRET):
        assert secret not in repr(tokens)
        assert secret not in caplog.text
