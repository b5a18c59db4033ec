"""Deadline cells (完成时限) to ISO dates, per SPEC.md "Deadlines".

A small tokenising parser: the cell is normalised, Chinese numerals next to
date units become Arabic, then date "atoms" (year? month? day / 旬 / 底 /
季度 / 半年, plus a suffix 前 / 以前 / 之前 / 为止) are read left to right and
joined into spans where a separator (- — – ~ 至 到, optionally after 起) sits
between two atoms.  The task is done by the latest date in the cell, so
``deadline`` is the latest end; ``start`` is set only when that end closes a
span (or an 即日起至… phrase, whose start is the issue date).

Choices where the brief or SPEC leave room:
- 每年 / 每季度 / 每月 / 按季度 / 定期 … make a cell ``ongoing`` when the date
  it names is the schedule's own (``每年12月底前报送`` is a recurring date, not
  a deadline); a date written before them is a one-time deadline
  (``2020年6月底前建立，每月更新`` is ``date``). Other ongoing words (持续推进,
  长期坚持, 常态化, 及时 …) yield to a concrete date in the same cell
  (``2020年底前建成，长期坚持`` is ``date``), and a bare year in front of one
  (``2021年持续推进`` after another date) names the ongoing phase, not a deadline.
- A list of months or quarters under one unit (``第一、二季度``, ``5、6月``) is
  read as each one spelled out.
- "Before month M" (``6月前``) is the end of M-1; ``6月底前`` is the end of M.
  前 after a bare year, quarter or half-year (``2020年前``) is ambiguous and
  left ``unparsed``; so are 年初, 月初, 月中, …起 (a start without an end),
  …以后, and two date expressions written against each other (a typo such as
  ``2022年底11月前``).
- A date without a year takes the year of the date before it in the same
  cell (one year later if it would otherwise fall before that date, flagged
  ``year_inferred``); failing that the issue year (next year when the whole
  cell would fall before the issue date), flagged ``year_inferred``; with no
  issue date it is ``unparsed``.  今年/本年 and 明年/次年/下一年 count from the issue year.
- A bare year before an event or a season (``2021年春节前``, ``2021年汛期后``, ``2021年秋季``)
  names no date we can place: ``unparsed``, not the year's end.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

from normalizers.text import cn_int, normalize

__all__ = ["Deadline", "parse_deadline"]


@dataclass(frozen=True, slots=True)
class Deadline:
    """A parsed deadline cell: the text as written plus what it means."""
    text: str | None          # the cell as written, normalised (None when empty)
    deadline: str | None      # ISO date YYYY-MM-DD
    start: str | None         # ISO date, only for spans with a start
    kind: str                 # "date" | "ongoing" | "none" | "unparsed"
    flags: tuple[str, ...]    # subset of ("year_inferred", "deadline_before_issue")


class _Unparsable(Exception):
    """Internal: the cell names a date we cannot read without guessing."""


# --------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------

_DASHES = "-—–~―"
_SEP = rf"(?:[{_DASHES}]+|至|到)"
# Recurring schedules: ongoing even next to a date (see module docstring).
_PERIODIC = re.compile(r"每(?:一)?(?:年|季度?|个?月|半年|周|日|天|旬)|按(?:年度?|季度?|月度?|半年|周)|定期")
# a date finer than a year: a month, day, quarter, half-year, 年底/年中/年内, or 2020.6 / 2020-06
_SPECIFIC = re.compile(r"[月日号季旬]|半年|年[底末中内]|\d{4}\s*[./-]\s*\d")
_ONGOING = re.compile(
    r"持续|长期|常态|适时|动态|及时|日常|经常|随时|实时|长效|常年|不定期"
)
# a start written as one (…起, …开始, a span to 长期): what follows it runs on
_OPEN_START = re.compile(rf"起|开始|{_SEP}\s*(?:{_ONGOING.pattern})")

_CN_NUMERALS = "〇○零一二三四五六七八九十两"
# Chinese numerals: converted only as a run right before a date unit or a
# span separator, and only after a non-ideograph or a date-ish word, so that
# words such as 统一 or 一把手 stay as they are.
_CN_RUN = re.compile(
    # (the look-ahead first: the engine leaves a position that holds no numeral after one test)
    rf"(?=[{_CN_NUMERALS}0-9])"
    r"(?:^|(?<=[^\u4e00-\u9fff〇○])|(?<=[年月第至到起自从于在前底末止和及或每今本明]))"
    rf"([{_CN_NUMERALS}0-9]+)"
    rf"(?=\s*(?:[年月日号季旬]|至|到|[{_DASHES}]))"
)
# "2020年7-9月" → "2020年7月-9月"; "7月1-15日" → "7月1日-15日"; "2020-2022年" → "2020年-2022年"
_UNIT_RANGE = re.compile(rf"(?=\d)(?:^|(?<=[年月，,、；;:：(]))(\d{{1,2}})\s*({_SEP})\s*(?=\d{{1,2}}\s*([月日号]))")
_YEAR_RANGE = re.compile(rf"(?=\d)(?<![\d.])(\d{{4}})\s*({_SEP})\s*(?=\d{{4}}\s*年)")

# Atoms: their named groups are read by _core_at() and _fill().
_NUMERIC = re.compile(
    r"(?P<y>\d{4})\s*(?P<sep>[./-])\s*(?P<m>\d{1,2})(?:\s*(?P=sep)\s*(?P<d>\d{1,2}))?(?!\d)"
)
# 次年/下一年 (the year after the issue year) only where a phrase starts: not the 次 of 一次年度考核,
# 首次年度评估, 本次年度报告, nor the 下 of 乡镇以下年度考核
_YEAR = re.compile(r"(?:(?P<y>\d{4})|(?P<rel>今|本|明|(?:(?<![\d\u4e00-\u9fff])|(?<=[于在至到及和或]))(?:次|下一?)))\s*年度?")


def _rest_pattern(year_word: str) -> re.Pattern[str]:
    """What may follow a year (or stand alone): month…, quarter, half-year, 年底/年中/年内."""
    return re.compile(
        r"\s*(?:"
        r"(?P<m>\d{1,2})\s*月份?\s*(?:(?P<d>\d{1,2})\s*[日号]|(?P<xun>上中|中下|上|中|下)旬|(?P<mend>底|末))?"
        r"|(?:第\s*(?P<q>\d{1,2})\s*季度?|(?P<q2>\d{1,2})\s*季度)(?P<qend>末|底)?"
        r"|(?P<half>上|下)半年(?P<hend>末|底)?"
        rf"|{year_word}(?P<yend>底|末|中|内)"
        r")"
    )


_REST_AFTER_YEAR = _rest_pattern("年?")   # 2020年年底 and 2020年底
_REST_BARE = _rest_pattern("年")          # 年底前 without a year
_DAY_ONLY = re.compile(r"(?P<d>\d{1,2})\s*[日号]")
_CLOCK = re.compile(r"\s*(?:[上下]午|晚上?|早上?)?\s*\d{1,2}\s*(?:[:：]\s*\d{2}(?:\s*[:：]\s*\d{2})?|[点时](?:\s*\d{1,2}\s*分|半|整)?)")
_SUFFIX = re.compile(r"\s*(以前|之前|前|为止|止|内)?")
_SPAN = re.compile(rf"\s*(?:起|开始)?\s*{_SEP}\s*")
_FROM_TODAY = re.compile(rf"(?:自|从)?(?:即日|今日|现在)起?\s*{_SEP}\s*")
# What may not follow a date: another date part (a typo such as 2022年底11月前);
# without a suffix also 初/中 (unsure), 后/以后, 起 (a start only), 至今.
_BAD_AFTER_SUFFIX = re.compile(r"\s*[\d年月日号旬季]")
_BAD_FOLLOWER = re.compile(rf"\s*(?:[\d年月日号旬季初中]|[以之]?后|起|开始|{_SEP}\s*\d|[至到]今)")
# After a bare year: a word that ends in 前/后/期间 (春节前, "五一"前, 汛期后), a season, Q3. The word
# stops at punctuation, so 2021年完成，6月底前… is not one.
# 前/后 must end the word: 前期 (完成前期准备) and 后续 (启动后续工作) are no events.
_EVENT_AFTER_YEAR = re.compile(r"\s*(?:[^\s,;:、。()]{1,8}?(?:前|后|期间)(?=$|[\s,;:、。()])|[春夏秋冬]季|Q\d)")
# A year-less 年底/上半年 is not one after these (3年内, 每年底, 半年内, 全年中 …).
_BARE_YEAR_GUARD = set("0123456789半两几多每个周全近去往历上下")
_BEFORE = ("前", "以前", "之前")
_MIN_YEAR, _MAX_YEAR = 1900, 2199


@dataclass(slots=True)
class _Atom:
    """One date expression as written, before a year is assigned."""
    pos: int
    end: int
    year: int | None = None
    rel: int | None = None          # 0 for 今年/本年, 1 for 明年/次年/下一年
    month: int | None = None
    day: int | None = None
    xun: str | None = None
    point: bool = False             # 底/末 of a month, quarter or half-year
    quarter: int | None = None
    half: str | None = None
    yend: str | None = None
    suffix: str = ""


@dataclass(slots=True)
class _Item:
    """A standalone atom, a span first→last, or 即日起至 last."""
    last: _Atom
    first: _Atom | None = None
    from_today: bool = False


@dataclass(slots=True)
class _Result:
    """Resolved items of a cell."""
    ends: list[tuple[date, date | None, bool]] = field(default_factory=list)
    inferred: bool = False
    used_base: bool = False


# --------------------------------------------------------------------------
# Pre-pass
# --------------------------------------------------------------------------

def _cn_number(run: str) -> str:
    """Arabic digits for a run of Chinese numerals (二〇二〇, 十二, 三十一); unchanged if odd."""
    if run.isascii():
        return run
    number = cn_int(run)
    return run if number is None else str(number)


_NUM = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"
# 第一、二季度 / 5、6月 / 3、6、9、12月: the unit written once after a list of numbers
_LIST_MARKS = "、,，和及与"
_UNIT_LIST = re.compile(rf"(?<![\d一二三四五六七八九十])(第?)({_NUM}(?:\s*[{_LIST_MARKS}]\s*第?{_NUM})+)\s*(季度|季|月份|月)")


def _spell_list(m: re.Match[str]) -> str:
    """第一、二季度 → 第一季度、第二季度; 5、6月 → 5月、6月."""
    numbers = re.findall(_NUM, m.group(2))
    quarter = m.group(3).startswith("季")
    return "、".join(f"第{n}季度" if quarter else f"{n}月" for n in numbers)


# What each rewrite of _prepare() needs, searched for first (most cells are a plain 2020年6月底前, and a
# sub call costs more than a search): a list mark for _UNIT_LIST, a Chinese numeral for _CN_RUN (a run
# of ASCII digits alone is written back as it was), a separator for _YEAR_RANGE and _UNIT_RANGE.
_LIST_MARK = re.compile(f"[{_LIST_MARKS}]")
_CN_NUMERAL = re.compile(f"[{_CN_NUMERALS}]")
_SEP_MARK = re.compile(f"[{_DASHES}至到]")


def _prepare(text: str) -> str:
    """Chinese numerals to digits, and shorthand ranges and lists spelled out for the tokeniser."""
    if _LIST_MARK.search(text):
        text = _UNIT_LIST.sub(_spell_list, text)
    if _CN_NUMERAL.search(text):
        text = _CN_RUN.sub(lambda m: _cn_number(m.group(1)), text)
    if _SEP_MARK.search(text):
        text = _YEAR_RANGE.sub(r"\1年\2", text)
        text = _UNIT_RANGE.sub(lambda m: f"{m.group(1)}{m.group(3)}{m.group(2)}", text)
    return text


# --------------------------------------------------------------------------
# Tokeniser
# --------------------------------------------------------------------------

def _fill(atom: _Atom, g: dict[str, str | None]) -> None:
    """Copy the groups of a month/quarter/half/年底 match onto an atom."""
    atom.month = int(g["m"]) if g.get("m") else None
    atom.day = int(g["d"]) if g.get("d") else None
    atom.xun = g.get("xun")
    q = g.get("q") or g.get("q2")
    atom.quarter = int(q) if q else None
    atom.half = g.get("half")
    atom.yend = g.get("yend")
    atom.point = bool(g.get("mend") or g.get("qend") or g.get("hend"))


def _atom_at(t: str, i: int, allow_day: bool = False) -> _Atom | None:
    """The date atom starting exactly at t[i], with its suffix, or None."""
    prev = t[i - 1] if i > 0 else ""
    if prev.isdigit() or prev == ".":
        return None
    atom = _core_at(t, i, prev, allow_day)
    if atom is not None:
        if atom.day is not None:   # a time of day after the day (17:30, 12时) says no other date
            clock = _CLOCK.match(t, atom.end)
            atom.end = clock.end() if clock else atom.end
        suffix = _SUFFIX.match(t, atom.end)
        atom.suffix, atom.end = suffix.group(1) or "", suffix.end()
    return atom


def _bare_ok(m: re.Match[str], prev: str) -> bool:
    """A year-less atom counts unless the word before makes it something else (3年内, 每年底)."""
    if m["yend"] or m["half"]:
        return prev not in _BARE_YEAR_GUARD
    return prev != "年"  # 年6月: the year is garbled, not missing


def _core_at(t: str, i: int, prev: str, allow_day: bool) -> _Atom | None:
    """The atom at t[i] without its suffix."""
    m = _NUMERIC.match(t, i)
    if m:
        day = int(m["d"]) if m["d"] else None
        return _Atom(i, m.end(), year=int(m["y"]), month=int(m["m"]), day=day)
    m = _YEAR.match(t, i)
    if m:
        atom = _Atom(i, m.end(), year=int(m["y"]) if m["y"] else None,
                     rel=None if m["y"] else int(m["rel"] not in ("今", "本")))
        rest = _REST_AFTER_YEAR.match(t, m.end())
        if rest:
            _fill(atom, rest.groupdict())
            atom.end = rest.end()
        return atom
    m = _REST_BARE.match(t, i)
    if m and _bare_ok(m, prev):
        atom = _Atom(i, m.end())
        _fill(atom, m.groupdict())
        return atom
    m = _DAY_ONLY.match(t, i) if allow_day else None
    if m:
        return _Atom(i, m.end(), day=int(m["d"]))
    return None


# Every atom holds a digit (numerals are digits by now) or 年 (今年, 年底, 上半年): a cell with neither
# has no date, and one search says so instead of trying every atom pattern at every character.
_ATOM_MARK = re.compile(r"\d|年")
# Where an atom or 即日起至 can start: a digit, 今/本/明 (年), 第 (季度), 上/下 (半年), 年 (底), a space
# before one of them (the year-less pattern skips spaces), 自/从/即/现 (即日起至). The scan jumps
# from one such character to the next.
_ATOM_START = re.compile(r"[\d\s今本明次第上下年自从即现]")


def _scan(t: str) -> list[_Item]:
    """All date items of a prepared cell, left to right; raises _Unparsable on a malformed one."""
    if not _ATOM_MARK.search(t):
        return []
    items: list[_Item] = []
    i, last_end = 0, -1
    while i < len(t):
        today = _FROM_TODAY.match(t, i)
        atom = _atom_at(t, today.end()) if today else _atom_at(t, i)
        if atom is None:
            start = _ATOM_START.search(t, i + 1)
            i = start.start() if start else len(t)
            continue
        if atom.pos == last_end:
            raise _Unparsable("two dates written against each other")
        item = _Item(atom, from_today=bool(today))
        sep = None if today or atom.suffix else _SPAN.match(t, atom.end)
        second = _atom_at(t, sep.end(), allow_day=True) if sep else None
        if second is not None:
            item = _Item(second, first=atom)
        elif sep is not None and _ONGOING.match(t, sep.end()):
            raise _Unparsable("a span that runs on (2022年6月—长期)")
        bad = _BAD_AFTER_SUFFIX if item.last.suffix else _BAD_FOLLOWER
        if bad.match(t, item.last.end):
            raise _Unparsable("date followed by a date part or an open end")
        if item.last.day is not None and item.last.month is None and item.first is None:
            raise _Unparsable("day without a month")
        if _is_bare_year(item.last) and _EVENT_AFTER_YEAR.match(t, item.last.end):
            raise _Unparsable("a year before an event or a season")
        items.append(item)
        i = last_end = item.last.end
    return items


# --------------------------------------------------------------------------
# Resolution
# --------------------------------------------------------------------------

def _month_end(year: int, month: int) -> date:
    """Last day of a month."""
    return date(year, month, calendar.monthrange(year, month)[1])


def _interval(a: _Atom, year: int, month: int | None) -> tuple[date, date]:
    """First and last day an atom covers in `year` (`month` for a day-only atom)."""
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        raise _Unparsable("year out of range")
    before = a.suffix in _BEFORE
    if a.day is not None:
        if (a.month or month) is None:
            raise _Unparsable("day without a month")
        d = date(year, a.month or month, a.day)
        return d, d
    if a.month is not None:
        first, last = date(year, a.month, 1), _month_end(year, a.month)
        if a.xun:
            lo = {"上": 1, "中": 11, "下": 21, "上中": 1, "中下": 11}[a.xun]
            hi = {"上": 10, "中": 20, "上中": 20}.get(a.xun, last.day)
            return first.replace(day=lo), first.replace(day=hi)
        if a.point:
            return last, last
        if before:  # 6月前: before June, i.e. by the end of May
            prev = first - timedelta(days=1)
            return prev, prev
        return first, last
    if before and not (a.point or a.yend in ("底", "末", "中")):
        raise _Unparsable("前 after a bare year, quarter or half-year")
    return _span_of_year(a, year)


def _span_of_year(a: _Atom, year: int) -> tuple[date, date]:
    """Interval of a quarter, half-year, 年底/年中/年内 or a bare year."""
    if a.quarter is not None:
        if not 1 <= a.quarter <= 4:
            raise _Unparsable("quarter out of range")
        lo, hi = date(year, 3 * a.quarter - 2, 1), _month_end(year, 3 * a.quarter)
    elif a.half is not None:
        lo, hi = (date(year, 1, 1), date(year, 6, 30)) if a.half == "上" else \
            (date(year, 7, 1), date(year, 12, 31))
    elif a.yend == "中":
        return date(year, 6, 30), date(year, 6, 30)
    elif a.yend in ("底", "末"):
        return date(year, 12, 31), date(year, 12, 31)
    else:
        lo, hi = date(year, 1, 1), date(year, 12, 31)
    return (hi, hi) if a.point else (lo, hi)


class _Context:
    """Year and month carried from one atom to the next while resolving a cell."""
    __slots__ = ("issue", "base", "year", "month", "prev_lo", "res")

    def __init__(self, issue: date | None, base: int | None) -> None:
        self.issue, self.base = issue, base
        self.year: int | None = None
        self.month: int | None = None
        self.prev_lo: date | None = None
        self.res = _Result()

    def resolve(self, a: _Atom) -> tuple[date, date]:
        """Give an atom its year and return its interval."""
        if a.year is not None:
            year = a.year
        elif a.rel is not None:
            if self.issue is None:
                raise _Unparsable("今年/明年 without an issue date")
            year, self.res.inferred = self.issue.year + a.rel, True
        elif self.year is not None:
            year = self.year
        elif self.base is not None:
            year, self.res.inferred, self.res.used_base = self.base, True, True
        else:
            raise _Unparsable("no year and no issue date")
        lo, hi = _interval(a, year, self.month)
        # a year taken from the date before rolls over only when the month goes
        # back (11月至2月); 7月20日至7月10日 is a typo and stays inverted
        from_context = a.year is None and a.rel is None and self.year is not None
        month_back = a.month is not None and self.month is not None and a.month < self.month
        if from_context and month_back and self.prev_lo and hi < self.prev_lo:
            year, self.res.inferred = year + 1, True  # 2020年11月-2月: the February after
            lo, hi = _interval(a, year, self.month)
        self.year, self.prev_lo = year, lo
        self.month = a.month or self.month
        return lo, hi


def _resolve(items: list[_Item], issue: date | None, base: int | None) -> _Result:
    """Assign years and dates to every item: (deadline, start, from_today) each."""
    ctx = _Context(issue, base)
    for item in items:
        lo = ctx.resolve(item.first)[0] if item.first else None
        hi = ctx.resolve(item.last)[1]
        if lo is not None and hi < lo:
            raise _Unparsable("span ends before it starts")
        ctx.res.ends.append((hi, lo, item.from_today))
    return ctx.res


def _is_bare_year(a: _Atom) -> bool:
    """A year alone: no month, day, quarter, half-year, 年底 or suffix."""
    return a.month is None and a.day is None and a.quarter is None and a.half is None \
        and a.yend is None and not a.point and not a.suffix


def _ongoing_year(t: str, item: _Item) -> bool:
    """A bare year (no month, quarter or 年底) followed by an ongoing word: 2024年持续推进."""
    return item.first is None and _is_bare_year(item.last) and _ONGOING.match(t, item.last.end) is not None


# What every date needs: a digit or 年 (see _ATOM_MARK), or a Chinese numeral that _prepare() turns into
# digits (each of its patterns needs a digit or a numeral to match, so a cell with none passes unchanged).
_DATE_CHARS = re.compile(r"[\d年〇○零一二三四五六七八九十两]")


def _dates(text: str, issue: date | None) -> tuple[str, str | None, tuple[str, ...]] | None:
    """(deadline, start, flags) of a cell with dates; None when it has none."""
    if not _DATE_CHARS.search(text):
        return None   # what _scan() would find: nothing
    t = _prepare(text)
    items = _scan(t)
    if len(items) > 1:   # 2023年10月底前，2024年持续推进: the year of an ongoing phase is no deadline
        items = [item for item in items if not _ongoing_year(t, item)] or items
    if not items:
        return None
    base = issue.year if issue else None
    res = _resolve(items, issue, base)
    if res.used_base and max(e[0] for e in res.ends) < issue:
        res = _resolve(items, issue, base + 1)  # that month is already past: next year
    hi, lo, from_today = max(res.ends, key=lambda e: e[0])
    if from_today:
        lo = issue
    flags = ("year_inferred",) if res.inferred else ()
    if issue is not None and hi < issue:
        flags += ("deadline_before_issue",)
    return hi.isoformat(), lo.isoformat() if lo else None, flags


# --------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------

def _normal(text: str | None) -> str:
    """normalize() until it stops changing (it is not idempotent on every input)."""
    out = normalize(text)
    for _ in range(3):
        again = normalize(out)
        if again == out:
            break
        out = again
    return out


def parse_deadline(text: str | None, issue_date: date | None = None) -> Deadline:
    """Parse a deadline cell (raw or normalised) against the document's issue date; never raises."""
    if isinstance(issue_date, datetime):
        issue_date = issue_date.date()
    return _parse(_normal(text), issue_date)


# Cached (Deadline is frozen): a task table repeats the same few deadlines row after row.
@lru_cache(maxsize=4096)
def _parse(t: str, issue_date: date | None) -> Deadline:
    if not t:
        return Deadline(None, None, None, "none", ())
    periodic = _PERIODIC.search(t)
    if periodic:
        # a date written before the schedule is a one-time deadline (2023年6月底前建立，每月更新);
        # one after it is the schedule's own (每年12月底前报送)
        head = t[:periodic.start()]
        try:   # a year or years alone (2021年每季度通报) say when the schedule runs, not a deadline
            found = _dates(head, issue_date) if _SPECIFIC.search(head) else None
        except (_Unparsable, ValueError):
            found = None
        if found is None:
            return Deadline(t, None, None, "ongoing", ())
        return Deadline(t, found[0], found[1], "date", found[2])
    try:
        found = _dates(t, issue_date)
    except (_Unparsable, ValueError):  # ValueError: month 13, day 32, 2月30日
        # 2022年5月起长期坚持: a start, then no end but an ongoing word: ongoing, as 每月 would make it
        kind = "ongoing" if _OPEN_START.search(t) and _ONGOING.search(t) else "unparsed"
        return Deadline(t, None, None, kind, ())
    if found is not None:
        return Deadline(t, found[0], found[1], "date", found[2])
    kind = "ongoing" if _ONGOING.search(t) else "unparsed"
    return Deadline(t, None, None, kind, ())
