"""Users, role assignments and API tokens."""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from shegong.core.models import EffectiveQuerySet, ScopedQuerySet
from shegong.core.scoping import CodeRange, Scope, level_of_code
from shegong.regions.models import Region, ServiceArea, Station

from .roles import RANK, STATION_ROLES, Role, grants


class ScopedUserManager(UserManager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """A login. Its person-side record (certificate, posts) is regions.StaffMember."""

    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    # Bumped on logout, disable and password change: every session made before is invalid,
    # because Django compares the session's stored hash with get_session_auth_hash().
    session_generation = models.PositiveIntegerField(default=0, editable=False)
    home_region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("division"),
        help_text=_("Where the account was created; decides who may manage it."),
    )

    scope_field = "home_region_id"
    objects: ClassVar[ScopedUserManager] = ScopedUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_session_auth_hash(self) -> str:
        key_salt = "shegong.accounts.User.get_session_auth_hash"
        return salted_hmac(
            key_salt, f"{self.password}:{self.session_generation}", algorithm="sha256"
        ).hexdigest()

    # --- jurisdiction ------------------------------------------------------------------------
    def active_assignments(self) -> list[RoleAssignment]:
        cached: list[RoleAssignment] | None = getattr(self, "_assignments_cache", None)
        if cached is None:
            cached = list(
                RoleAssignment.objects.current().filter(user=self).select_related("station")
            )
            self._assignments_cache = cached
        return cached

    def _assignment_ranges(self) -> list[tuple[RoleAssignment, list[CodeRange]]]:
        """Each active assignment with the code ranges of its place."""
        cached = getattr(self, "_ranges_cache", None)
        if cached is not None:
            return cached
        assignments = self.active_assignments()
        station_ids = {a.station_id for a in assignments if a.station_id}
        by_station: dict[int, list[CodeRange]] = {}
        if station_ids:
            rows = ServiceArea.objects.current().filter(station_id__in=station_ids)
            for station_id, code, level in rows.values_list(
                "station_id", "region_id", "region__level"
            ):
                by_station.setdefault(station_id, []).append(CodeRange.subtree(code, level))
        out = []
        for a in assignments:
            if a.station_id:
                # A station role reaches the divisions the station serves, and its own site.
                ranges = [*by_station.get(a.station_id, []), CodeRange.subtree(a.region_id, 5)]
            else:
                ranges = [a.region_range]
            out.append((a, ranges))
        self._ranges_cache = out
        return out

    def jurisdiction(self, perm: str | None = None) -> Scope:
        """The places where this user holds `perm` (any permission when None)."""
        if not self.is_active:
            return Scope()
        if self.is_superuser:
            return Scope.all()
        cache: dict[str | None, Scope] = self.__dict__.setdefault("_scope_cache", {})
        if perm not in cache:
            cache[perm] = Scope.of(
                r for a, ranges in self._assignment_ranges() if grants(a.role, perm) for r in ranges
            )
        return cache[perm]

    def stations(self, perm: str | None = None) -> list[Station]:
        """Stations this user works at through station roles granting `perm`."""
        return [a.station for a in self.active_assignments() if a.station and grants(a.role, perm)]

    def max_rank_over(self, place: CodeRange) -> int:
        """Highest rank among this user's roles whose place covers `place` (0: none)."""
        if self.is_superuser:
            return 99
        return max(
            (
                RANK.get(a.role, 0)
                for a, ranges in self._assignment_ranges()
                if any(r.covers(place) for r in ranges)
            ),
            default=0,
        )

    def forget_jurisdiction(self) -> None:
        for attr in ("_assignments_cache", "_ranges_cache", "_scope_cache"):
            self.__dict__.pop(attr, None)


class AssignmentQuerySet(ScopedQuerySet, EffectiveQuerySet):  # type: ignore[override]  # two queryset bases: stub limit
    """Role assignments: scoped like everything else, and effective-dated."""


class RoleAssignment(models.Model):
    """A role held at a place: a division subtree, or a station (its service area)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("division")
    )
    station = models.ForeignKey(
        Station,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("station"),
    )
    valid_from = models.DateField(_("from"), default=timezone.localdate)
    valid_to = models.DateField(_("until"), null=True, blank=True)
    granted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("role assignment")
        indexes = [models.Index(fields=["user", "valid_from"])]

    def __str__(self) -> str:
        place = self.station.name if self.station else self.region.name
        return f"{self.get_role_display()} · {place}"

    @property
    def region_range(self) -> CodeRange:
        return CodeRange.subtree(self.region_id, level_of_code(self.region_id))

    @property
    def is_station_role(self) -> bool:
        return self.role in STATION_ROLES


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored; the secret is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=8, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def digest_of(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()


class LoginFailure(models.Model):
    """Failed login attempts, counted per username and per IP for the lockout window."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.username} {self.ip} {self.at:%Y-%m-%d %H:%M}"


def as_user(actor: Any) -> User | None:
    """The actor as a User row, for `created_by` / `recorded_by` columns; None for the system
    actor (demo builder, loaders) and anything else that is not a login."""
    return actor if isinstance(actor, User) else None
