"""Registry's domain: units, windows, matters and cases, in plain Python."""
