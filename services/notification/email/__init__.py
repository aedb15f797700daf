"""Notification's email channel (issue 9)."""
