"""Properties of v3 error answers: whatever Smartcar (or anyone) sends, bounded and clean."""

from __future__ import annotations

from typing import Any
import unicodedata

from hypothesis import given, strategies as st

from custom_components.smartcar_webhooks.smartcar.api_errors import (
    MAX_RETRY_AFTER,
    api_error,
    clamp_retry_after,
)
from custom_components.smartcar_webhooks.smartcar.v3 import (
    parse_connection,
    parse_subscription,
    parse_webhook,
)

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "type",
                    "code",
                    "detail",
                    "description",
                    "title",
                    "resolution",
                    "errors",
                ]
            )
            | st.text(max_size=8),
            inner,
            max_size=6,
        )
    ),
    max_leaves=20,
)


def _one_clean_line(text: str) -> bool:
    """No control character or line break, and encodable (no lone surrogate)."""
    text.encode()
    return not any(
        unicodedata.category(char) in ("Cc", "Zl", "Zp", "Cs") for char in text
    )


@given(st.text() | st.none())
def test_retry_after_is_none_or_within_a_day(header: str | None) -> None:
    seconds = clamp_retry_after(header)
    assert seconds is None or 0 <= seconds <= MAX_RETRY_AFTER


@given(st.integers(min_value=400, max_value=599), JSON, st.text() | st.none())
def test_an_error_message_is_one_short_printable_line(
    status: int, body: Any, retry_after: str | None
) -> None:
    message = str(api_error(status, body, retry_after=retry_after))

    assert message.startswith(f"Smartcar API error {status}")
    assert len(message) <= 40 + 2 * 64 + 160
    assert _one_clean_line(message)


@given(JSON)
def test_parsers_never_raise_and_keep_only_clean_ids(item: Any) -> None:
    connection = parse_connection(item)
    subscription = parse_subscription(item)
    webhook = parse_webhook(item, "webhook-1")

    if connection is not None:
        for value in (
            connection.connection_id,
            connection.user_id,
            connection.vehicle_id,
        ):
            assert value.isascii() and value.isprintable() and " " not in value
    if subscription is not None:
        assert subscription.subscription_id.isascii()
    assert webhook.webhook_id
    for text in (webhook.name, webhook.callback_uri):
        assert text is None or _one_clean_line(text)
