"""Pages for cases (to be written)."""
