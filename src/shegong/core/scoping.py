"""Jurisdiction by code prefix (DESIGN §4.1).

A 12-digit national statistical division code is a path: 2 digits province, 2 city, 2 county,
3 township, 3 village. Codes are stored as integers, so "everything under 120113" is the integer
range [120113000000, 120114000000): a plain B-tree range scan on both PostgreSQL and SQLite,
independent of collation, with no per-row LIKE.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

CODE_DIGITS = 12
# Number of significant leading digits at each level (1 province … 5 village/community).
LEVEL_DIGITS = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}


def level_width(level: int) -> int:
    """How many full codes one division of `level` spans."""
    return 10 ** (CODE_DIGITS - LEVEL_DIGITS[level])


def ancestor_code(code: int, level: int) -> int:
    """The padded code of the ancestor of `code` at `level` (itself if already at that level)."""
    width = level_width(level)
    return code // width * width


def format_code(code: int) -> str:
    return f"{code:012d}"


@dataclass(frozen=True, order=True)
class CodeRange:
    lo: int
    hi: int  # exclusive

    @classmethod
    def subtree(cls, code: int, level: int) -> CodeRange:
        width = level_width(level)
        lo = code // width * width
        return cls(lo, lo + width)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, int) and self.lo <= code < self.hi

    def covers(self, other: CodeRange) -> bool:
        return self.lo <= other.lo and other.hi <= self.hi


@dataclass(frozen=True)
class Scope:
    """A union of code ranges: what one user may see for one purpose. Empty means nothing."""

    ranges: tuple[CodeRange, ...] = ()
    everything: bool = False

    @classmethod
    def of(cls, ranges: Iterable[CodeRange]) -> Scope:
        merged: list[CodeRange] = []
        for r in sorted(ranges):
            if merged and r.lo <= merged[-1].hi:
                last = merged[-1]
                merged[-1] = CodeRange(last.lo, max(last.hi, r.hi))
            else:
                merged.append(r)
        return cls(tuple(merged))

    @classmethod
    def all(cls) -> Scope:
        return cls((), everything=True)

    def __bool__(self) -> bool:
        return self.everything or bool(self.ranges)

    def contains(self, code: int | None) -> bool:
        if code is None:
            return False
        return self.everything or any(code in r for r in self.ranges)

    def covers(self, other: CodeRange) -> bool:
        return self.everything or any(r.covers(other) for r in self.ranges)

    def q(self, field: str) -> Q:
        """A filter keeping rows whose integer code column `field` lies in this scope."""
        if self.everything:
            return Q()
        if not self.ranges:
            return Q(pk__in=[])
        cond = Q()
        for r in self.ranges:
            cond |= Q(**{f"{field}__gte": r.lo, f"{field}__lt": r.hi})
        return cond

    def union(self, other: Scope) -> Scope:
        if self.everything or other.everything:
            return Scope.all()
        return Scope.of(self.ranges + other.ranges)


def level_of_code(code: int) -> int:
    """Level of a padded 12-digit code, read off its trailing zeros (no segment is all zeros)."""
    for level in (1, 2, 3, 4):
        if code % level_width(level) == 0:
            return level
    return 5
