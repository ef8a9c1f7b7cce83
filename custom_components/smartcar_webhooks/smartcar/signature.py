"""HMAC-SHA256 signatures of Smartcar webhooks.

Smartcar signs each delivery body with the Application Management Token (AMT)
and expects VERIFY challenges to be answered with the same construction.
"""

from __future__ import annotations

import hashlib
import hmac


def _hex_hmac(amt: str, message: bytes) -> str:
    return hmac.new(amt.encode(), message, hashlib.sha256).hexdigest()


def hash_challenge(amt: str, challenge: str) -> str:
    """Return the answer to a VERIFY challenge: hex HMAC-SHA256(AMT, challenge)."""
    # surrogatepass: total on any str a JSON body can carry (lone surrogates too).
    return _hex_hmac(amt, challenge.encode("utf-8", "surrogatepass"))


def sign_body(amt: str, body: bytes) -> str:
    """Return the `SC-Signature` Smartcar sends for `body`."""
    return _hex_hmac(amt, body)


def verify_signature(amt: str, body: bytes, signature: str | None) -> bool:
    """Check `SC-Signature` over the raw body bytes in constant time."""
    if not signature or not signature.isascii():
        return False
    expected = _hex_hmac(amt, body)
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode())
