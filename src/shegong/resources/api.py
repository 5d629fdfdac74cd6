"""The JSON API of the resources app (issue 5; being written)."""

from ninja import Router

router = Router(tags=["resources"])
