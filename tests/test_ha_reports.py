"""The suite's guard against Home Assistant's reports about this integration."""

from __future__ import annotations

import logging
from pathlib import Path
import warnings

from tests.conftest import INTEGRATION_DIR, home_assistant_reports

# The words of homeassistant.helpers.frame.report_usage for a custom integration.
UPDATE_LISTENER_REPORT = (
    "Detected that custom integration 'smartcar_webhooks' has an update listener "
    "and should use it for scheduling a reload at custom_components/"
    "smartcar_webhooks/config_flow.py, line 1: return self.async_update_reload_and_abort("
    ". This will stop working in Home Assistant 2026.12.0, please report it"
)


def record(message: str, level: int = logging.WARNING) -> logging.LogRecord:
    return logging.LogRecord(
        "homeassistant.helpers.frame", level, __file__, 1, message, None, None
    )


def warning(message: str, filename: str) -> warnings.WarningMessage:
    return warnings.WarningMessage(message, DeprecationWarning, filename, 1)


def test_a_report_usage_line_about_us_is_found() -> None:
    assert home_assistant_reports([record(UPDATE_LISTENER_REPORT)], []) == [
        UPDATE_LISTENER_REPORT
    ]


def test_a_report_about_another_integration_is_not_ours() -> None:
    other = UPDATE_LISTENER_REPORT.replace("smartcar_webhooks", "other_thing")

    assert home_assistant_reports([record(other)], []) == []


def test_our_own_debug_lines_are_not_reports() -> None:
    line = record("smartcar_webhooks: deprecated field skipped", logging.DEBUG)

    assert home_assistant_reports([line], []) == []


def test_a_deprecation_warning_raised_from_our_code_is_found() -> None:
    ours = str(Path(INTEGRATION_DIR) / "smartcar_webhooks" / "sensor.py")

    assert home_assistant_reports([], [warning("old API", ours)]) == ["old API"]


def test_a_deprecation_warning_from_a_library_is_not_ours() -> None:
    assert home_assistant_reports([], [warning("old API", "/usr/lib/x.py")]) == []


def test_the_untested_custom_integration_notice_is_not_a_report() -> None:
    notice = (
        "We found a custom integration smartcar_webhooks which has not been tested "
        "by Home Assistant. This component might cause stability problems"
    )

    assert home_assistant_reports([record(notice)], []) == []
