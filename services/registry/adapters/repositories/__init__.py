"""Rows to domain objects and back, a module per topic."""
