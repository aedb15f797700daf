"""What touches the outside: staffing's tables, the events it consumes, its gauges."""
