"""Pages for assessments (to be written)."""
