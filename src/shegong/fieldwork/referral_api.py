"""The JSON API for referrals (to be written)."""

from ninja import Router

router = Router(tags=["referrals"])
