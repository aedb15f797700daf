"""Staffing's domain: staff, chief representatives, A/B cover, rotation, seals, assessment."""
