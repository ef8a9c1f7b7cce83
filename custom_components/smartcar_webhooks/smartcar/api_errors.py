"""Smartcar's error answers (v3 and its token endpoint) as the library's typed errors.

Everything an error answer says is the sender's text: codes must be clean
tokens, descriptions are cleaned and cut short, and a `retry-after` counts
only as plain seconds within a day. The v3 error envelope is not confirmed
(SMARTCAR-V3.md §3): `type`, `code`, `resolution` and a description are read
from the body itself or from the first item of a JSON:API `errors` list.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import ClientResponse

from .client import (
    SmartcarApiError,
    SmartcarAuthError,
    SmartcarBillingError,
    SmartcarNotCapableError,
    SmartcarPermissionError,
    SmartcarRateLimitError,
    SmartcarServerError,
    SmartcarVehicleStateError,
)
from .text import clean_code, clean_text

# The longest `retry-after` taken at its word: a day.
MAX_RETRY_AFTER = 86400
# How much of an error's description goes into a message.
MAX_ERROR_TEXT = 160
# Smartcar's plan limit (VEHICLE_LIMIT, VEHICLE_REQUEST_LIMIT) is an HTTP 430.
STATUS_BILLING = 430
_SECONDS = re.compile(r"[0-9]{1,12}")


def clamp_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a `retry-after` header: digits only, at most a day.

    An HTTP date, a fraction, a sign or anything else gives None (no advice).
    """
    if value is None or _SECONDS.fullmatch(value := value.strip()) is None:
        return None
    return float(min(int(value), MAX_RETRY_AFTER))


async def read_body(response: ClientResponse, limit: int) -> bytes:
    """The whole body of an answer, refused (SmartcarApiError) beyond `limit` bytes."""
    stream = response.content
    chunks: list[bytes] = []
    size = 0
    while chunk := await stream.read(limit + 1 - size):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise SmartcarApiError(f"Smartcar's answer is larger than {limit} bytes")
    return b"".join(chunks)


def _envelope(body: Any) -> dict[str, Any]:
    """The error object of an answer: the body, or the first of its `errors`."""
    if not isinstance(body, dict):
        return {}
    errors = body.get("errors")
    if "type" not in body and isinstance(errors, list) and errors:
        first = errors[0]
        return first if isinstance(first, dict) else {}
    return body


def _resolution(value: Any) -> str | None:
    if isinstance(value, dict):
        return clean_code(value.get("type"))
    return clean_code(value)


def _description(error: dict[str, Any]) -> str | None:
    for key in ("detail", "description", "title", "message"):
        if (text := clean_text(error.get(key), MAX_ERROR_TEXT)) is not None:
            return text
    return None


def api_error(
    status: int, body: Any, *, retry_after: str | None = None
) -> SmartcarApiError:
    """The typed error for an error answer (`status` >= 400) and its decoded body."""
    error = _envelope(body)
    error_type = clean_code(error.get("type"))
    code = clean_code(error.get("code"))
    resolution = _resolution(error.get("resolution"))
    description = _description(error)
    kind = "/".join(part for part in (error_type, code) if part)
    message = f"Smartcar API error {status}" + (f" ({kind})" if kind else "")
    if description is not None:
        message = f"{message}: {description}"
    details: dict[str, Any] = {"status": status, "error_type": error_type, "code": code}
    if (
        status == 429
        or error_type == "RATE_LIMIT"
        or (error_type == "UPSTREAM" and code == "RATE_LIMIT")
    ):
        return SmartcarRateLimitError(
            message, retry_after=clamp_retry_after(retry_after), **details
        )
    if status == STATUS_BILLING or error_type == "BILLING":
        return SmartcarBillingError(message, **details)
    if error_type == "PERMISSION":
        return SmartcarPermissionError(message, **details)
    if (
        status == 401
        or error_type == "AUTHENTICATION"
        or resolution == "REAUTHENTICATE"
    ):
        return SmartcarAuthError(message, **details)
    if error_type == "COMPATIBILITY" or status == 501:
        return SmartcarNotCapableError(message, **details)
    if error_type == "VEHICLE_STATE":
        return SmartcarVehicleStateError(message, **details)
    if status >= 500:
        return SmartcarServerError(message, **details)
    return SmartcarApiError(message, **details)
