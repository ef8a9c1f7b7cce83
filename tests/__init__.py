"""Tests of the Smartcar Webhooks integration."""
