"""The system actor: who acts when no person does (the demo builder, data loaders).

It has every jurisdiction and is recorded in the audit log as "system". It is never a login.
"""

from __future__ import annotations

from .scoping import CodeRange, Scope


class SystemActor:
    is_authenticated = True
    is_active = True
    is_superuser = True
    pk = None
    home_region_id = None

    def __init__(self, name: str = "system") -> None:
        self.name = name

    def get_username(self) -> str:
        return self.name

    def jurisdiction(self, perm: str | None = None) -> Scope:
        return Scope.all()

    def max_rank_over(self, place: CodeRange) -> int:
        return 99

    def active_assignments(self) -> list[object]:
        return []

    def __str__(self) -> str:
        return self.name
