"""Models of the resources app (issue 5; being written)."""
