"""Tests of the pure Smartcar library (custom_components/smartcar_webhooks/smartcar)."""
