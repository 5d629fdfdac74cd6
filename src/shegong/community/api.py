"""The JSON API of the community app (issue 5; being written)."""

from ninja import Router

router = Router(tags=["community"])
