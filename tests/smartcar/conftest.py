"""Fixtures of the Smartcar library tests: fixture files, a fixed clock, a parser."""

from __future__ import annotations

from collections.abc import Callable
import copy
from datetime import UTC, datetime
import json
from pathlib import Path
from typing import Any

import pytest

from custom_components.smartcar_webhooks.smartcar import (
    SIGNALS,
    Delivery,
    Field,
    Unit,
    parse_delivery,
)

FIXTURES = Path(__file__).parent.parent / "fixtures"


@pytest.fixture(scope="session")
def received_at() -> datetime:
    """The fixed time every test delivery arrives at (all fixture times are before it)."""
    return datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="session")
def fixture_text() -> Callable[[str], str]:
    """Return a loader of a fixture file's text."""

    def load(name: str) -> str:
        return (FIXTURES / name).read_text(encoding="utf-8")

    return load


@pytest.fixture(scope="session")
def fixture_json(fixture_text: Callable[[str], str]) -> Callable[[str], Any]:
    """Return a loader of a JSON fixture; every call gets its own copy to mutate."""
    cache: dict[str, Any] = {}

    def load(name: str) -> Any:
        if name not in cache:
            cache[name] = json.loads(fixture_text(name))
        return copy.deepcopy(cache[name])

    return load


@pytest.fixture(scope="session")
def parse(received_at: datetime) -> Callable[[Any], Delivery]:
    """Return `parse_delivery` at the fixed clock; dicts and lists are JSON-encoded first."""

    def run(document: Any) -> Delivery:
        body = document if isinstance(document, str | bytes) else json.dumps(document)
        return parse_delivery(body, received_at=received_at)

    return run


@pytest.fixture(scope="session")
def native_units() -> dict[Field, Unit | None]:
    """The unit every field's value must be declared in (None: not a quantity).

    The registry's quantity of the field: what a case's value means is in the
    case tables of the parser tests.
    """
    return {
        row.field: None if row.quantity is None else row.quantity.unit
        for row in SIGNALS
    }
