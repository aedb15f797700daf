"""What registry touches outside itself: its tables, the repositories that turn rows into domain
objects and back, the consumers' table of handlers, and the gauges read at scrape time."""
