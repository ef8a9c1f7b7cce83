"""Smartcar's signatures: hex HMAC-SHA256 keyed with the Application Management Token."""

from __future__ import annotations

import hashlib
import hmac


def sign_body(amt: str, body: bytes) -> str:
    """The `SC-Signature` header Smartcar sends with `body`."""
    return hmac.new(amt.encode(), body, hashlib.sha256).hexdigest()


def hash_challenge(amt: str, challenge: str) -> str:
    """The answer Smartcar expects to a VERIFY challenge."""
    return sign_body(amt, challenge.encode())
