"""Errors raised by the Smartcar library."""

from __future__ import annotations


class SmartcarError(Exception):
    """Base class of every error this library raises."""


class InvalidDeliveryError(SmartcarError):
    """A webhook body that is not JSON, not an object, or not a known shape."""
