"""Deadline parsing: case table, gold deadlines, and hypothesis properties."""
from __future__ import annotations

import calendar
import json
from dataclasses import fields
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from normalizers.deadlines import Deadline, parse_deadline
from normalizers.text import normalize

HERE = Path(__file__).parent
GOLD_DIR = HERE.parent / "corpus" / "gold"
KINDS = {"date", "ongoing", "none", "unparsed"}
DEADLINE_FLAGS = {"year_inferred", "deadline_before_issue"}
BOUNDED = settings(max_examples=200, deadline=None)


def _iso(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _case_table() -> list:
    tables = yaml.safe_load((HERE / "cases" / "deadlines.yaml").read_text(encoding="utf-8"))
    return [
        pytest.param(*row, id=f"{group}-{n}")
        for group, rows in tables.items()
        for n, row in enumerate(rows)
    ]


CASES = _case_table()


def test_case_table_is_large_enough():
    assert len(CASES) >= 120


@pytest.mark.parametrize("written, issue, deadline, start, kind, flags", CASES)
def test_case(written, issue, deadline, start, kind, flags):
    got = parse_deadline(written, _iso(issue))
    assert (got.deadline, got.start, got.kind, got.flags) == (deadline, start, kind, tuple(flags))
    assert got.text == (normalize(written) or None)


def test_public_shape():
    assert [f.name for f in fields(Deadline)] == ["text", "deadline", "start", "kind", "flags"]
    got = parse_deadline("2020年8月底前")
    with pytest.raises(AttributeError):
        got.deadline = "2020-01-01"  # frozen


def test_text_keeps_the_whole_cell():
    cell = "2020年8月底前完成\n梳理，2020年10月底前完成公开"
    got = parse_deadline(cell)
    assert got.text == "2020年8月底前完成梳理,2020年10月底前完成公开"
    assert got.deadline == "2020-10-31"


def test_raw_cell_text():
    got = parse_deadline("２０２０年　８月底\n前完成", date(2020, 7, 3))
    assert got == Deadline("2020年8月底前完成", "2020-08-31", None, "date", ())


# --------------------------------------------------------------------------
# Gold files: every deadline_text must come out as the gold says
# --------------------------------------------------------------------------

def _gold_rows() -> list:
    rows = []
    for path in sorted(GOLD_DIR.glob("*.gold.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        issue = gold["document"].get("issue_date")
        for task in gold["tasks"]:
            rows.append(pytest.param(issue, task, id=f"{path.name}-{task['table']}-{task['row']}"))
    return rows


GOLD_ROWS = _gold_rows()


def test_gold_rows_found():
    assert len(GOLD_ROWS) > 100


@pytest.mark.parametrize("issue, task", GOLD_ROWS)
def test_gold_deadline(issue, task):
    got = parse_deadline(task["deadline_text"], _iso(issue))
    assert got.text == task["deadline_text"]
    assert got.deadline == task["deadline"]
    assert got.kind == task["deadline_kind"]
    assert got.start == task["deadline_start"]
    assert set(got.flags) == DEADLINE_FLAGS & set(task["flags"])


# --------------------------------------------------------------------------
# Property 1: generated dates written in several styles parse to the right date
# --------------------------------------------------------------------------

_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_CN = "〇一二三四五六七八九"


def _cn_small(n: int) -> str:
    """1..31 in Chinese numerals: 九, 十, 十二, 二十, 三十一."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _CN[ones]
    return ("" if tens == 1 else _CN[tens]) + "十" + (_CN[ones] if ones else "")


def _write(style: str, y: int, m: int, d: int | None) -> str:
    """A date (or a month when d is None) written in one style, without suffix."""
    if style in ("numeric.", "numeric/", "numeric-"):
        sep = style[-1]
        month = f"{m:02d}" if sep == "-" else str(m)
        return f"{y}{sep}{month}" + (f"{sep}{d}" if d else "")
    if style.startswith("chinese"):
        zero = "0" if style == "chinese0" else "〇"
        year = "".join(_CN[int(c)] for c in str(y)).replace("〇", zero)
        return f"{year}年{_cn_small(m)}月" + (f"{_cn_small(d)}日" if d else "")
    text = f"{y}年{m}月" + (f"{d}日" if d else "")
    return text.translate(_FULL_WIDTH) if style == "fullwidth" else text


@st.composite
def written_dates(draw):
    """(text, expected ISO deadline) for a generated date with a suffix."""
    y, m = draw(st.integers(1990, 2100)), draw(st.integers(1, 12))
    last = calendar.monthrange(y, m)[1]
    d = draw(st.integers(1, last))
    style = draw(st.sampled_from(
        ["arabic", "fullwidth", "chinese", "chinese0", "numeric.", "numeric/", "numeric-"]))
    suffix = draw(st.sampled_from(["前", "以前", "之前", "底前", "完成", ""]))
    shape = draw(st.sampled_from(["day", "month"]))
    if suffix == "底前" and not style.startswith("numeric"):
        return _write(style, y, m, None) + "底前", date(y, m, last)
    if suffix == "底前" or shape == "day":  # 底前 after a day is not a form; use the day
        suffix = "" if suffix == "底前" else suffix
        return _write(style, y, m, d) + suffix, date(y, m, d)
    if suffix in ("前", "以前", "之前"):  # before month M: end of month M-1
        return _write(style, y, m, None) + suffix, date(y, m, 1) - timedelta(days=1)
    return _write(style, y, m, None) + suffix, date(y, m, last)


@BOUNDED
@given(written_dates())
def test_generated_dates_parse(case):
    text, expected = case
    got = parse_deadline(text)
    assert (got.kind, got.deadline, got.start, got.flags) == ("date", expected.isoformat(), None, ())


@BOUNDED
@given(written_dates(), st.dates(date(1990, 1, 1), date(2100, 12, 31)))
def test_before_issue_flag(case, issue):
    text, expected = case
    got = parse_deadline(text, issue)
    assert got.deadline == expected.isoformat()
    assert ("deadline_before_issue" in got.flags) == (expected < issue)


@BOUNDED
@given(st.integers(1, 12), st.dates(date(1990, 1, 1), date(2099, 12, 31)))
def test_year_inferred_is_never_before_issue(month, issue):
    got = parse_deadline(f"{month}月底前", issue)
    assert got.kind == "date" and got.flags == ("year_inferred",)
    deadline = date.fromisoformat(got.deadline)
    assert deadline.month == month
    assert issue <= deadline < issue.replace(day=1) + timedelta(days=366 + 31)


# --------------------------------------------------------------------------
# Properties 2 and 3: never raises; normalising first changes nothing
# --------------------------------------------------------------------------

_DATEISH = st.text(
    st.sampled_from(list("0123456789年月日号旬上中下底末前以之至到起-—~～./第季度半内今明每"
                         "持续长期〇一二三四五六七八九十 ，\n\u3000發(fā)\u200b")),
    max_size=30,
)
_ANY_TEXT = st.one_of(st.text(), _DATEISH)
_ISSUE = st.one_of(st.none(), st.dates(date(1990, 1, 1), date(2100, 12, 31)))


@BOUNDED
@given(_ANY_TEXT, _ISSUE)
def test_never_raises_and_is_consistent(text, issue):
    got = parse_deadline(text, issue)
    assert got.kind in KINDS
    assert set(got.flags) <= DEADLINE_FLAGS
    assert (got.deadline is not None) == (got.kind == "date")
    assert (got.text is None) == (got.kind == "none")
    if got.start is not None:
        assert got.deadline is not None
        if issue is None:  # a written span never ends before it starts
            assert got.start <= got.deadline
    if got.deadline:
        date.fromisoformat(got.deadline)


@BOUNDED
@given(_ANY_TEXT, _ISSUE)
def test_normalised_input_parses_the_same(text, issue):
    assert parse_deadline(text, issue) == parse_deadline(normalize(text), issue)
