"""Notification's domain: who is told of what."""
