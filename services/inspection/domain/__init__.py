"""Inspection's domain: sampling, spot checks, surveys, complaints and sanctions."""
