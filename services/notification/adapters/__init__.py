"""What notification touches outside itself: its tables, the consumers' table of handlers, the
metrics, the templates it renders, the SMTP server and the integrators' webhook receivers."""
