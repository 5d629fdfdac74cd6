"""Models of the community app (issue 5; being written)."""
