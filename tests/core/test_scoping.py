import pytest
from hypothesis import given
from hypothesis import strategies as st

from shegong.core.scoping import CodeRange, Scope, ancestor_code, level_of_code

pytestmark = pytest.mark.dbless

BEICHEN = 120113000000
GUOYUAN = 120113001000


def test_subtree_ranges_follow_the_code_hierarchy() -> None:
    assert CodeRange.subtree(BEICHEN, 3) == CodeRange(120113000000, 120114000000)
    assert CodeRange.subtree(GUOYUAN, 4) == CodeRange(120113001000, 120113002000)
    assert CodeRange.subtree(120000000000, 1) == CodeRange(120000000000, 130000000000)
    assert 120113001009 in CodeRange.subtree(GUOYUAN, 4)
    assert 120113002001 not in CodeRange.subtree(GUOYUAN, 4)


def test_level_and_ancestor_of_a_code() -> None:
    assert [
        level_of_code(c) for c in (120000000000, 120100000000, BEICHEN, GUOYUAN, 120113001009)
    ] == [1, 2, 3, 4, 5]
    assert ancestor_code(120113001009, 3) == BEICHEN
    assert ancestor_code(120113001009, 4) == GUOYUAN


def test_scope_merges_adjacent_ranges_and_filters_nothing_when_empty() -> None:
    scope = Scope.of([CodeRange.subtree(120113002000, 4), CodeRange.subtree(GUOYUAN, 4)])
    assert scope.ranges == (CodeRange(120113001000, 120113003000),)
    assert not Scope()
    assert Scope().q("code").children == [("pk__in", [])]
    assert Scope.all().contains(110101001000)


@given(
    st.integers(min_value=11, max_value=82),
    st.integers(0, 99),
    st.integers(0, 99),
    st.integers(1, 999),
    st.integers(0, 999),
)
def test_a_code_is_inside_exactly_its_ancestors_subtrees(
    p: int, c: int, d: int, t: int, v: int
) -> None:
    code = int(f"{p:02d}{c:02d}{d:02d}{t:03d}{v:03d}")
    for level in (1, 2, 3, 4):
        own = CodeRange.subtree(code, level)
        assert code in own
        sibling = CodeRange(own.hi, own.hi + (own.hi - own.lo))
        assert code not in sibling
        assert Scope.of([own]).covers(CodeRange.subtree(code, min(level + 1, 5)))
