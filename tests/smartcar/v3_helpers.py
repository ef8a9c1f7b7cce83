"""Shared pieces of the v3 client tests: canned answers on a mocked aiohttp session."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMockResponse,
)
from yarl import URL

TOKEN_URL = "https://iam.smartcar.com/oauth2/token"
CLIENT_ID = "client_0123456789abcdef"
CLIENT_SECRET = "api-client-secret-value"

type SideEffect = Callable[[str, URL, Any], Awaitable[AiohttpClientMockResponse]]


def answer(
    method: str,
    url: str,
    *,
    status: int = 200,
    json: Any = None,
    text: str | None = None,
    headers: dict[str, str] | None = None,
) -> AiohttpClientMockResponse:
    """One canned answer."""
    return AiohttpClientMockResponse(
        method, URL(url), status=status, json=json, text=text, headers=headers
    )


def token_body(token: str, expires_in: Any = 3600) -> dict[str, Any]:
    """Smartcar's token answer."""
    return {"access_token": token, "token_type": "Bearer", "expires_in": expires_in}


def in_turn(answers: Sequence[AiohttpClientMockResponse]) -> SideEffect:
    """A side effect giving these answers one after another (the last one again)."""
    queue = list(answers)

    async def next_answer(
        method: str, url: URL, data: Any
    ) -> AiohttpClientMockResponse:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return next_answer


@dataclass
class Clock:
    """A clock the test moves by hand (seconds)."""

    now: float = 1000.0

    def __call__(self) -> float:
        """The current time."""
        return self.now
