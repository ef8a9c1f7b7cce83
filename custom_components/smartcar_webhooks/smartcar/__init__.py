"""A pure, typed library for Smartcar webhooks: signatures and delivery parsing.

Nothing here imports Home Assistant; the integration only adapts it.
"""

from .client import (
    SmartcarApiError,
    SmartcarAuthError,
    SmartcarClient,
    SmartcarConnectionError,
    SmartcarRateLimitError,
    SmartcarServerError,
)
from .errors import InvalidDeliveryError, SmartcarError
from .models import (
    ChargingEvent,
    ChargingEventType,
    ChargingState,
    DataDelivery,
    Delivery,
    DroppedField,
    ErrorDelivery,
    ErrorState,
    Field,
    FieldError,
    Location,
    Mode,
    Reading,
    Unit,
    Value,
    VehicleError,
    VehicleInfo,
    VehicleReport,
    VerifyRequest,
    value_from_json,
    value_to_json,
)
from .parser import parse_delivery
from .signature import hash_challenge, sign_body, verify_signature

__all__ = [
    "ChargingEvent",
    "ChargingEventType",
    "ChargingState",
    "DataDelivery",
    "Delivery",
    "DroppedField",
    "ErrorDelivery",
    "ErrorState",
    "Field",
    "FieldError",
    "InvalidDeliveryError",
    "Location",
    "Mode",
    "Reading",
    "SmartcarApiError",
    "SmartcarAuthError",
    "SmartcarClient",
    "SmartcarConnectionError",
    "SmartcarError",
    "SmartcarRateLimitError",
    "SmartcarServerError",
    "Unit",
    "Value",
    "VehicleError",
    "VehicleInfo",
    "VehicleReport",
    "VerifyRequest",
    "hash_challenge",
    "parse_delivery",
    "sign_body",
    "value_from_json",
    "value_to_json",
    "verify_signature",
]
