"""Notification's webhooks channel (issue 9)."""
