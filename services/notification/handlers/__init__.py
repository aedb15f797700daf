"""Notification's use cases, a module per topic."""
