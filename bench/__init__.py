"""Benchmarks that need a real PostgreSQL; run with `make bench`."""
