"""The form a Smartcar webhook id must have before anything may use it."""

from __future__ import annotations

import pytest

from custom_components.smartcar_webhooks.smartcar import is_webhook_id


@pytest.mark.parametrize(
    "value",
    [
        "8a326743-4efd-406d-88d6-1c8cb3420e11",
        "C6BA6FCC-64F1-4DAA-9AD6-16C8EE597411",
        "8a3267434efd406d88d61c8cb3420e11",
        "webhook_01",
        "a" * 64,
    ],
    ids=["uuid", "uuid-upper", "uuid-hex", "underscore", "longest"],
)
def test_webhook_id_form_is_accepted(value: str) -> None:
    assert is_webhook_id(value)


@pytest.mark.parametrize(
    "value",
    [
        "\ud800",
        "8a326743-4efd-406d-88d6-1c8cb3420e1\ud800",
        "",
        "short",
        "a" * 65,
        "-8a326743-4efd",
        "8a326743 4efd 406d",
        "8a326743-4efd-406d-88d6-1c8cb3420e11\n",
        "../../vehicles",
        "8a326743/4efd",
        "\uff18a326743-4efd-406d",  # full-width digit eight
        "8a326743-4efd-406dé",
        None,
        12345678,
    ],
    ids=[
        "lone-surrogate",
        "trailing-surrogate",
        "empty",
        "too-short",
        "too-long",
        "leading-dash",
        "spaces",
        "trailing-newline",
        "path",
        "slash",
        "non-ascii-digit",
        "non-ascii-letter",
        "none",
        "int",
    ],
)
def test_anything_else_is_refused(value: object) -> None:
    assert not is_webhook_id(value)
