r"""Strings from a webhook body made safe to keep: valid Unicode, no control characters.

JSON may carry any code point, lone surrogates included (`"\ud800"`); such a
string cannot be encoded as UTF-8, so once it reaches Home Assistant's
registries or states nothing can be saved any more. Identifiers must already
be clean (a changed id is another vehicle); display text is cleaned.
"""

from __future__ import annotations

import re
from typing import Any

MAX_ID_LENGTH = 128
MAX_CODE_LENGTH = 64
MAX_NAME_LENGTH = 64
MAX_DESCRIPTION_LENGTH = 512

# Printable ASCII without spaces: Smartcar's ids are UUIDs, its codes SHOUTING_CASE.
_TOKEN = re.compile(r"[\x21-\x7e]+")
# Characters that break a line: shown as one space.
_BREAKS = re.compile(r"[\t-\r\x1c-\x1f\x85\u2028\u2029]")
# C0/C1 controls, lone surrogates, bidirectional and zero-width format controls.
_INVISIBLE = re.compile(
    r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]"
)
_SPACES = re.compile(r"\s+")
# A signal as a code (`tractionbattery-range`) or as `Group.Name`.
_SIGNAL = re.compile(r"([A-Za-z0-9_]{1,64})[.-]([A-Za-z0-9_-]{1,64})")


def clean_token(value: Any, max_length: int) -> str | None:
    """An id or code exactly as sent, or None when it is not printable ASCII.

    No cleaning here: an identifier that needed cleaning is not the identifier.
    """
    if (
        isinstance(value, str)
        and len(value) <= max_length
        and _TOKEN.fullmatch(value) is not None
    ):
        return value
    return None


def clean_id(value: Any) -> str | None:
    """A vehicle, webhook, delivery or event id; None when it is not a clean one."""
    return clean_token(value, MAX_ID_LENGTH)


def clean_code(value: Any) -> str | None:
    """An error type, code or resolution; None when it is not a clean one."""
    return clean_token(value, MAX_CODE_LENGTH)


def clean_text(value: Any, max_length: int) -> str | None:
    """Display text with line breaks as spaces and invisible characters removed.

    Whitespace runs become one space, the ends are trimmed and the result is
    cut to `max_length`; None when nothing printable is left.
    """
    if not isinstance(value, str):
        return None
    # Looking further than this cannot change the result much; it bounds the work.
    text = _BREAKS.sub(" ", value[: max_length * 4])
    text = _SPACES.sub(" ", _INVISIBLE.sub("", text)).strip()[:max_length].rstrip()
    return text or None


def signal_code(reference: Any) -> str | None:
    """The signal code of a reference as Smartcar writes either form.

    `TractionBattery.StateOfCharge` and `tractionbattery-stateofcharge` both
    give `tractionbattery-stateofcharge`; None for anything else.
    """
    if (
        not isinstance(reference, str)
        or (match := _SIGNAL.fullmatch(reference)) is None
    ):
        return None
    return f"{match[1]}-{match[2]}".lower()
