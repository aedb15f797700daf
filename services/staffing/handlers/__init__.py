"""Staffing's use cases: command in, load, domain, events to the outbox, commit."""
