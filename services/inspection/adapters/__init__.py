"""What touches the outside: inspection's tables, the events it consumes, its gauges."""
