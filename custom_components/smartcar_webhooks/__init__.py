"""Smartcar Webhooks."""
