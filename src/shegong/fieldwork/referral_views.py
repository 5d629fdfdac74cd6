"""Pages for referrals (to be written)."""
