"""What a Smartcar identifier may look like.

A VERIFY is unsigned, so an id it carries is the sender's choice: only an id of
this strict form may even be tried, and it is trusted only once Smartcar's API
accepted it.
"""

from __future__ import annotations

import hashlib
import re

# Smartcar's webhook ids are UUIDs; allow any short ASCII token of that alphabet.
_WEBHOOK_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{7,63}", re.ASCII)


def is_webhook_id(value: object) -> bool:
    """Whether a value has the form of a Smartcar webhook id.

    8 to 64 ASCII letters, digits, `-` or `_`, starting with a letter or digit:
    a UUID passes; text, paths, whitespace and lone surrogates do not.
    """
    return isinstance(value, str) and _WEBHOOK_ID.fullmatch(value) is not None


def token_unique_id(management_token: str) -> str:
    """An entry's unique id: the Smartcar application, named by its token.

    Nothing a request carries can set it, it is known before anything is
    registered, and one application is set up once.
    """
    return hashlib.sha256(management_token.encode()).hexdigest()[:32]
