"""The JSON API for assessments (to be written)."""

from ninja import Router

router = Router(tags=["assessments"])
