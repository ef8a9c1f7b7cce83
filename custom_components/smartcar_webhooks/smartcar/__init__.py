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
from .ids import is_webhook_id
from .models import (
    FIELD_QUANTITIES,
    ChargingEvent,
    ChargingEventType,
    ChargingState,
    Closure,
    Closures,
    DataDelivery,
    Delivery,
    DroppedField,
    ErrorDelivery,
    ErrorState,
    Field,
    FieldError,
    Location,
    LocationType,
    Mode,
    Reading,
    Value,
    VehicleError,
    VehicleInfo,
    VehicleReport,
    VerifyRequest,
    native_unit,
    value_from_json,
    value_to_json,
)
from .parser import (
    USED_SIGNALS,
    fields_of_signal,
    parse_delivery,
    parse_unsigned_verify,
)
from .signature import hash_challenge, sign_body, verify_signature
from .text import signal_code
from .units import QUANTITIES, Quantity, Unit

__all__ = [
    "FIELD_QUANTITIES",
    "QUANTITIES",
    "USED_SIGNALS",
    "ChargingEvent",
    "ChargingEventType",
    "ChargingState",
    "Closure",
    "Closures",
    "DataDelivery",
    "Delivery",
    "DroppedField",
    "ErrorDelivery",
    "ErrorState",
    "Field",
    "FieldError",
    "InvalidDeliveryError",
    "Location",
    "LocationType",
    "Mode",
    "Quantity",
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
    "fields_of_signal",
    "hash_challenge",
    "is_webhook_id",
    "native_unit",
    "parse_delivery",
    "parse_unsigned_verify",
    "sign_body",
    "signal_code",
    "value_from_json",
    "value_to_json",
    "verify_signature",
]
