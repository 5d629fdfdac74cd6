"""Pages for alerts (to be written)."""
