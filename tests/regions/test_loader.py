"""Loading the shipped division codes and national villages files (regions.loader).

The session database already holds Beijing's and Tianjin's divisions and the demo
(tests/conftest.py). Tests that load into an empty table ask for `empty_divisions`
(tests/regions/conftest.py); the others work on that preloaded world.
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from shegong.regions.loader import DATA_DIR, load_shipped, load_villages_file
from shegong.regions.models import Level, Region

TIANJIN = (120000000000, 130000000000)
TIANJIN_DIVISIONS = 1 + 1 + 16 + 299 + 5617  # province, city, counties, townships, villages
CD_HEADER = "code,name,streetCode,provinceCode,cityCode,areaCode\n"


@pytest.fixture(autouse=True)
def _english():
    # Messages are asserted in their English source form, whatever LANGUAGE_CODE says.
    with translation.override("en"):
        yield


def in_tianjin(level: int) -> int:
    lo, hi = TIANJIN
    return Region.objects.filter(level=level, code__gte=lo, code__lt=hi).count()


def in_tianjin_all() -> int:
    lo, hi = TIANJIN
    return Region.objects.filter(code__gte=lo, code__lt=hi).count()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    if name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode("utf-8")))
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_load_tianjin_gives_its_townships_and_villages(empty_divisions):
    out = io.StringIO()
    result = load_shipped(provinces=["12"], stdout=out)

    assert in_tianjin(Level.PROVINCE) == 1
    assert in_tianjin(Level.COUNTY) == 16
    assert in_tianjin(Level.TOWNSHIP) == 299
    assert in_tianjin(Level.VILLAGE) == 5617
    assert Region.objects.count() == TIANJIN_DIVISIONS  # nothing outside Tianjin
    assert (result.added, result.changed, result.unchanged, result.skipped) == (5934, 0, 0, 0)
    assert result.level(Level.TOWNSHIP).added == 299
    assert result.level(Level.VILLAGE).added == 5617

    street = Region.objects.select_related("parent").get(code=120113001000)
    assert street.name == "果园新村街道"
    assert street.level == Level.TOWNSHIP
    assert street.parent_id == 120113000000
    assert street.parent.name == "北辰区"
    community = Region.objects.get(code=120113001009)
    assert community.name == "朝阳里社区居委会"
    assert community.level == Level.VILLAGE
    assert community.parent_id == 120113001000
    assert Region.objects.get(code=120000000000).parent_id is None
    assert Region.objects.get(code=120100000000).name == "市辖区"

    lines = out.getvalue().splitlines()
    assert "townships: added 299, changed 0, unchanged 0" in lines
    assert "villages: added 5617, changed 0, unchanged 0" in lines
    assert lines[-1] == "total: added 5934, changed 0, unchanged 0"


def test_loading_again_adds_nothing(db):
    # The test world has loaded Tianjin already (and Beijing, which stays untouched).
    assert in_tianjin_all() == TIANJIN_DIVISIONS
    before = Region.objects.count()
    out = io.StringIO()
    again = load_shipped(provinces=["12"], stdout=out)

    assert (again.added, again.changed, again.unchanged, again.skipped) == (0, 0, 5934, 0)
    assert again.level(Level.VILLAGE).unchanged == 5617
    lines = out.getvalue().splitlines()
    assert "townships: added 0, changed 0, unchanged 299" in lines
    assert lines[-1] == "total: added 0, changed 0, unchanged 5934"
    assert Region.objects.count() == before
    assert in_tianjin_all() == TIANJIN_DIVISIONS


def test_changed_name_is_reported_and_applied(db, tmp_path):
    load_shipped(provinces=["12"])
    path = write(
        tmp_path,
        "villages.csv",
        CD_HEADER
        + '120113001003,"果园里社区居委会",120113001,12,1201,120113\n'
        + '120113001009,"朝阳里社区",120113001,12,1201,120113\n'
        + '120113001999,"新建社区居委会",120113001,12,1201,120113\n',
    )
    out = io.StringIO()
    result = load_villages_file(path=path, province="12", stdout=out)

    assert (result.added, result.changed, result.unchanged, result.skipped) == (1, 1, 1, 0)
    assert Region.objects.get(code=120113001009).name == "朝阳里社区"
    assert Region.objects.get(code=120113001003).name == "果园里社区居委会"
    added = Region.objects.get(code=120113001999)
    assert (added.name, added.level, added.parent_id) == ("新建社区居委会", 5, 120113001000)
    assert out.getvalue().splitlines()[0] == "villages: added 1, changed 1, unchanged 1"


def test_villages_of_an_unloaded_township_are_skipped_and_reported(empty_divisions, tmp_path):
    load_shipped(provinces=["12"], villages=False)
    path = write(
        tmp_path,
        "villages.csv.gz",
        CD_HEADER
        + '120113001009,"朝阳里社区居委会",120113001,12,1201,120113\n'
        + '120113999001,"不存在社区",120113999,12,1201,120113\n'
        + '540102002001,"绕赛社区居委会",540102002,54,5401,540102\n',
    )
    out = io.StringIO()
    result = load_villages_file(path=path, province="12", stdout=out)

    assert (result.added, result.skipped) == (1, 1)
    assert result.problems == (
        "villages.csv.gz: line 3: 120113999001 不存在社区: "
        "its parent 120113999000 is not loaded; skipped.",
    )
    assert "villages: added 1, changed 0, unchanged 0, skipped 1" in out.getvalue()
    assert not Region.objects.filter(code=120113999001).exists()

    # Tibet's townships are not loaded at all: every Tibetan row is skipped, nothing written.
    tibet = load_villages_file(path=path, province="54")
    assert (tibet.added, tibet.skipped) == (0, 1)
    assert "540102002000 is not loaded" in tibet.problems[0]
    assert not Region.objects.filter(code__gte=540000000000, code__lt=550000000000).exists()


def test_shipped_villages_file_loads_through_load_villages_file(empty_divisions):
    load_shipped(provinces=["12"], villages=False)
    assert in_tianjin(Level.VILLAGE) == 0
    result = load_villages_file(path=DATA_DIR / "villages-12.csv.gz", province="12")
    assert (result.added, result.skipped) == (5617, 0)
    assert in_tianjin(Level.VILLAGE) == 5617


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id,title\n1,x\n", "line 1: unknown header id,title"),
        (CD_HEADER + '12011300100X,"坏",120113001,12,1201,120113\n', "line 2: code '12011300100X'"),
        (
            CD_HEADER + '120113001009,"好",120113001,12,1201,120113\n120113001,"短",120113\n',
            "line 3: code '120113001' is not 12 digits",
        ),
        (CD_HEADER + '120113001009,"",120113001,12,1201,120113\n', "line 2: the name is empty"),
        (CD_HEADER + '120113001009,"错",120113002,12,1201,120113\n', "line 2: streetCode"),
        (
            CD_HEADER + '120113001009,"甲",120113001,12\n120113001009,"乙",120113001,12\n',
            "line 3: code 120113001009 appears twice (first on line 2)",
        ),
        ("code,level,parent,name\n120113001009,6,120113001000,x\n", "line 2: level '6'"),
        ("code,level,parent,name\n120113001000,4,120113000000,x\n", "level 4 does not belong"),
        ("code,level,parent,name\n120113001009,5,120114000000,x\n", "cannot be the parent"),
    ],
)
def test_malformed_file_raises_value_error_naming_the_line(db, tmp_path, text, message):
    load_shipped(provinces=["12"], villages=False)
    before = Region.objects.count()
    path = write(tmp_path, "bad.csv", text)
    with pytest.raises(ValueError, match=r"bad\.csv: ") as excinfo:
        load_villages_file(path=path, province="12")
    assert message in str(excinfo.value)
    assert Region.objects.count() == before


def test_bad_province_codes_are_rejected(db):
    before = Region.objects.count()
    with pytest.raises(ValueError, match="2-digit code"):
        load_shipped(provinces=["1"])
    with pytest.raises(ValueError, match="No shipped divisions for province 99"):
        load_shipped(provinces=["99"])
    assert Region.objects.count() == before


def test_placeholder_levels_are_not_loaded(db, tmp_path):
    # china-division lists 东莞市 again as its own "county" 441900 and 金门县 as its own
    # "township" 350527000; padded to 12 digits those are the codes of the city and the county.
    load_shipped(provinces=["35", "44"], villages=False)
    dongguan = Region.objects.get(code=441900000000)
    assert (dongguan.name, dongguan.level) == ("东莞市", Level.CITY)
    assert Region.objects.get(code=441900003000).parent_id == 441900000000
    jinmen = Region.objects.get(code=350527000000)
    assert (jinmen.name, jinmen.level) == ("金门县", Level.COUNTY)
    assert not Region.objects.filter(parent_id=350527000000).exists()

    path = write(tmp_path, "v.csv", CD_HEADER + '350527000000,"金门县",350527000,35,3505,350527\n')
    result = load_villages_file(path=path, province="35")
    assert (result.added, result.changed, result.skipped) == (0, 0, 1)
    assert "placeholder" in result.problems[0]
    assert Region.objects.get(code=350527000000).level == Level.COUNTY


def test_whole_country_without_villages(empty_divisions):
    result = load_shipped(villages=False)
    counts = {c.level: c.added for c in result.by_level}
    assert counts == {1: 31, 2: 342, 3: 2975, 4: 41351}
    assert Region.objects.filter(level=Level.TOWNSHIP).count() == 41351
    assert not Region.objects.filter(level=Level.VILLAGE).exists()
    assert load_shipped(villages=False).unchanged == 31 + 342 + 2975 + 41351


def test_command_loads_shipped_province(empty_divisions):
    out = io.StringIO()
    call_command("load_regions", "--province", "12", stdout=out)
    assert "villages: added 5617, changed 0, unchanged 0" in out.getvalue()
    assert in_tianjin(Level.VILLAGE) == 5617


def test_command_loads_villages_file(db, tmp_path):
    call_command("load_regions", "--province", "12", stdout=io.StringIO())
    path = write(tmp_path, "v.csv", CD_HEADER + '120113001009,"改名",120113001,12,1201,120113\n')
    out = io.StringIO()
    call_command("load_regions", "--villages", str(path), "--province", "12", stdout=out)
    assert "villages: added 0, changed 1, unchanged 0" in out.getvalue()
    assert Region.objects.get(code=120113001009).name == "改名"


def test_command_errors(db, tmp_path):
    with pytest.raises(CommandError, match="exactly one --province"):
        call_command("load_regions", "--villages", str(tmp_path / "v.csv"))
    with pytest.raises(CommandError, match="File not found"):
        call_command("load_regions", "--villages", str(tmp_path / "v.csv"), "--province", "12")
    bad = write(tmp_path, "bad.csv", "nonsense\n")
    with pytest.raises(CommandError, match=r"bad\.csv: line 1: unknown header"):
        call_command("load_regions", "--villages", str(bad), "--province", "12")
    with pytest.raises(CommandError, match="2-digit code"):
        call_command("load_regions", "--province", "123")
