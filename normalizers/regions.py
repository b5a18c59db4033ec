"""Resolve a notice's province, city, county and adcode from what it says (SPEC.md documents.province…adcode).

Evidence is gathered as *mentions*: each names one or more divisions of the
shipped gazetteer (``data/divisions.tsv``) and carries a weight by where it was
found.  The region is then chosen top-down, province → prefecture → county,
one level at a time: a level is filled only when one division there clearly
outweighs its siblings, and a mention that could mean several divisions (朝阳区
is in Beijing and in Changchun) only counts once the levels above have made it
unambiguous.  Nothing is guessed: a level without such evidence stays null.

Whose region: the issuer names the document's own level.  A county office that
cites its province's and the State Council's documents is a county notice; a
provincial office's notice stays provincial however many counties it lists.
Without an issuer the title's leading name plays that part, and without either
the evidence decides alone (an annex table whose units say `市公安局屯留分局`).

Municipalities (北京市, 天津市, 上海市, 重庆市) are their own city: province and
city both hold the municipality's name, the districts are counties, and a
municipality-level notice has adcode 110000 etc.  County-level units that a
province administers directly (仙桃市 429004, 济源市 419001, 五指山市 469001)
are counties with city = null, as in GB/T 2260.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field, fields
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable, Optional

import opencc

from normalizers import datacache, text as text_module
from normalizers.text import (char_class, clean_chars, squeeze_spaces, strip_glosses, to_simplified,
                              to_simplified_each)


@dataclass(frozen=True, slots=True)
class Region:
    """Resolved region; adcode is the 6-digit code of the lowest known level."""
    province: Optional[str] = None
    city: Optional[str] = None
    county: Optional[str] = None
    adcode: Optional[str] = None


@dataclass(slots=True)
class RegionEvidence:
    """What a document says that can reveal its region.

    ``body`` is the body text (paragraphs, and preferably the tables' cell text
    too, joined with newlines); ``units`` the unit names from the tables;
    ``site`` the page chrome, footer and meta text (网站标识码, ICP备案,
    公安备案, site name, SiteIDCode).
    """
    issuer: str = ""
    title: str = ""
    doc_number: str = ""
    body: str = ""
    units: list[str] = field(default_factory=list)
    site: str = ""


# --------------------------------------------------------------------------
# Gazetteer
# --------------------------------------------------------------------------

PROVINCE, CITY, COUNTY = 0, 1, 2
_MUNICIPALITIES = ("11", "12", "31", "50")

# Province abbreviations (简称) as used in ICP/公安备案 numbers and 发文字号.
_ABBREVIATIONS = {
    "京": "11", "津": "12", "冀": "13", "晋": "14", "蒙": "15", "辽": "21", "吉": "22",
    "黑": "23", "沪": "31", "苏": "32", "浙": "33", "皖": "34", "闽": "35", "赣": "36",
    "鲁": "37", "豫": "41", "鄂": "42", "湘": "43", "粤": "44", "桂": "45", "琼": "46",
    "渝": "50", "川": "51", "蜀": "51", "贵": "52", "黔": "52", "云": "53", "滇": "53",
    "藏": "54", "陕": "61", "秦": "61", "甘": "62", "陇": "62", "青": "63", "宁": "64",
    "新": "65",
}

# Minority nationalities that appear in names of autonomous divisions, longest first.
_ETHNIC = sorted((
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 拉祜 水 东乡 "
    "纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 "
    "俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
).split(), key=len, reverse=True)
_AUTONOMOUS = re.compile(r"^(.{2,}?)(?:(?:%s)族)*自治(?:区|州|县|旗)$" % "|".join(_ETHNIC))
_SUFFIXES = ("特别行政区", "自治区", "地区", "林区", "特区", "矿区", "省", "市", "区", "县", "旗", "盟", "州")

# Names that are also everyday words (老城区 "the old town", 新县城 …): only taken
# with their parent named in front or at the head of an organisation's name.
_GENERIC_NAMES = frozenset({"新城区", "老城区", "城中区", "市中区", "城东区", "城西区", "城北区", "城南区"})


@dataclass(frozen=True, slots=True)
class Division:
    """One row of the gazetteer with its place in the hierarchy."""
    code: str
    name: str
    level: int
    chain: tuple[str, ...]   # codes from the province down to this division
    core: str                # name without its level word (东至县 → 东至), '' if under 2 chars

    def __reduce__(self) -> tuple:
        # pickled as a call with its fields (the gazetteer cache): a slots dataclass's own state
        # protocol makes loading thousands of them several times slower
        return (Division, tuple(getattr(self, f.name) for f in fields(self)))


@dataclass(slots=True)
class Gazetteer:
    """The divisions, indexed by code, full name and core name."""
    divisions: dict[str, Division]
    full: dict[str, tuple[str, ...]]
    cores: dict[str, tuple[str, ...]]
    # first two characters → lengths of the names starting with them, longest first (every name has two
    # or more: core_name gives '' below two); two characters narrow the candidates far more than one
    lengths: dict[str, tuple[int, ...]]
    # a character that begins some name, followed by one that is second in a name beginning like it:
    # the scan jumps from one such pair to the next (see _start_pattern)
    starts: re.Pattern

    def get(self, code: str) -> Division:
        """The division with this code."""
        return self.divisions[code]


def core_name(name: str) -> str:
    """The name without its level word and nationalities: 酉阳土家族苗族自治县 → 酉阳; '' if under 2 chars."""
    m = _AUTONOMOUS.match(name)
    if m:
        return m.group(1)
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return ""


def _chain(code: str, codes: set[str]) -> tuple[str, ...]:
    province = code[:2] + "0000"
    if code == province:
        return (province,)
    city = code[:4] + "00"
    if code == city:
        return (province, code)
    if city in codes and code[:2] not in _MUNICIPALITIES:
        return (province, city, code)
    return (province, code)


# What the gazetteer's code is made of, as imported: this module (names, cores, indexes) and
# to_simplified()'s module and library (the t2s spellings). Taken now, not when gazetteer() first
# runs: files upgraded in between would name a table that the old code in memory built.
_GAZETTEER_CODE = datacache.digest([Path(__file__), Path(text_module.__file__)],
                                   extra=f"opencc {getattr(opencc, '__version__', '?')}")


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """Load the shipped division list once (package data, read-only), as an earlier run kept it when it can."""
    data = resources.files("normalizers").joinpath("data/divisions.tsv")
    return datacache.cached("gazetteer", [data], build_gazetteer, Gazetteer, Path(__file__).parent / "__pycache__",
                            extra=_GAZETTEER_CODE)


def build_gazetteer() -> Gazetteer:
    """The gazetteer built from the shipped division list."""
    text = resources.files("normalizers").joinpath("data/divisions.tsv").read_text(encoding="utf-8")
    rows = [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
    codes = {code for code, _ in rows}
    divisions: dict[str, Division] = {}
    full: dict[str, list[str]] = defaultdict(list)
    cores: dict[str, list[str]] = defaultdict(list)
    for code, name in rows:
        chain = _chain(code, codes)
        level = PROVINCE if len(chain) == 1 else CITY if chain[-1][4:] == "00" else COUNTY
        div = Division(code, name, level, chain, core_name(name))
        divisions[code] = div
        # evidence goes through OpenCC t2s, which turns 乾县 into 干县: index that spelling too
        for spelling in {name, to_simplified(name)}:
            full[spelling].append(code)
        for spelling in {div.core, to_simplified(div.core)} - {""}:
            cores[spelling].append(code)
    lengths: dict[str, set[int]] = defaultdict(set)
    for surface in list(full) + list(cores):
        lengths[surface[:2]].add(len(surface))
    return Gazetteer(divisions, {k: tuple(v) for k, v in full.items()}, {k: tuple(v) for k, v in cores.items()},
                     {k: tuple(sorted(v, reverse=True)) for k, v in lengths.items()}, _start_pattern(lengths))


def _start_pattern(prefixes: Iterable[str]) -> re.Pattern:
    """Where one of the two-character prefixes may start: its first character, then a second character
    that follows some first character of the same group.

    One class of first and one of second characters lets 公开 and 政府 through (公 begins 公安, 开 is
    second in names that begin otherwise): twenty times more positions than names, each a lookup in
    _scan. First characters are grouped by how many second characters follow them (1, 2-3, 4-9, 10 or
    more), so that 公 and 政, which begin few names, are not tested against the seconds of 东 or 南:
    less than half as many positions pass. Every prefix still does (its second character is in its
    first's group), and _scan's lookup stays the exact test.
    """
    seconds_of: dict[str, set[str]] = defaultdict(set)
    for prefix in prefixes:
        seconds_of[prefix[0]].add(prefix[1])
    groups: dict[int, list[str]] = defaultdict(list)
    for first, seconds in seconds_of.items():
        groups[sum(len(seconds) > n for n in (1, 3, 9))].append(first)
    # the first character is matched, so that the engine skips from one of them to the next; each group
    # then tests the second character, and only when that passes looks back at the first
    tests = [f"{char_class(set().union(*(seconds_of[f] for f in firsts)))}(?<={char_class(firsts)}.)"
             for _, firsts in sorted(groups.items())]
    return re.compile(f"{char_class(seconds_of)}(?={'|'.join(tests)})", re.S)


def region_of(code: str) -> Region:
    """The Region (names and adcode) of one gazetteer code."""
    gaz = gazetteer()
    names = [gaz.get(c).name for c in gaz.get(code).chain]
    province = names[0]
    div = gaz.get(code)
    municipality = code[:2] in _MUNICIPALITIES
    if div.level == PROVINCE:
        return Region(province, province if municipality else None, None, code)
    if div.level == CITY:
        return Region(province, names[1], None, code)
    city = names[1] if len(names) == 3 else (province if municipality else None)
    return Region(province, city, div.name, code)


def adcode_of(province: Optional[str], city: Optional[str], county: Optional[str]) -> Optional[str]:
    """The code of the lowest of the named divisions that fits under the others; None if none fits."""
    gaz = gazetteer()
    names = [n for n in (province, city, county) if n]
    if not names:
        return None
    for code in gaz.full.get(names[-1], ()):
        chain_names = {gaz.get(c).name for c in gaz.get(code).chain}
        if all(n in chain_names for n in names):
            return code
    return None


# --------------------------------------------------------------------------
# Mentions
# --------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Mention:
    """Divisions one piece of text may mean, and how much it counts."""
    codes: tuple[str, ...]
    weight: float
    source: str
    start: int = -1      # offset in the text it was found in
    end: int = -1        # offset just after it


# How much a mention counts, by where it was found.
W_SITE_CODE = 30.0     # 网站标识码 / SiteIDCode: the site's own adcode
W_ISSUER = 20.0
W_SITE_NAME = 10.0     # 主办 / 版权所有 / site name lines
W_TITLE = 10.0
W_PSB_CODE = 8.0       # 公网安备 number: adcode of the registering police bureau
W_SITE_ABBR = 5.0      # 赣ICP备 → the site is registered in 江西
W_UNIT = 3.0
W_TITLE_CITED = 3.0    # inside 《》 in the title (印发《东湖区…方案》: usually the own region)
W_DOC_NUMBER = 2.0     # 发文字号 prefix: only confirms a division that has other evidence
W_BODY = 1.0
W_BODY_CITED = 0.5     # inside 《》 or a citation's brackets: a higher level's document

# A level is filled when its best division has at least this much evidence, at
# least twice the next one, and (below the province) at least this share of
# everything said about the level above.
MIN_SCORE = 0.5
DOMINANCE = 2.0
MIN_SHARE = 0.4

_CJK_CHAR = re.compile(r"[\u3400-\u9fff]")
_LEVEL_WORDS = {"省": (PROVINCE,), "市": (CITY, COUNTY), "州": (CITY,), "盟": (CITY,),
                "县": (COUNTY,), "区": (COUNTY,), "旗": (COUNTY,)}
# An organisation follows the name: 东至县人民政府, 屯留县公安局, 东湖区委.
_ORG_AFTER = re.compile(r"(?:人民政府|政府|人大|政协|[党县区市旗州]委|委员会|纪委|法院|检察院"
                        r"|[\u4e00-\u9fff]{0,8}?(?:局|办公室|办|中心|委))")
# A zone a city names after itself (赣州经济技术开发区, 合肥高新区, 兰州新区)
_ZONE_AFTER = re.compile(r"(?:经济技术开发区|经济开发区|经开区|高新技术产业开发区|高新区|新区|工业园区|综合保税区)")
# A year follows the name at the head of a heading: 沛县2021年政务公开工作要点.
_YEAR_AFTER = re.compile(r"\s*(?:\d{4}|[〇○零一二三四五六七八九]{4})\s*年")
_BRANCH_AFTER = re.compile(r"(?:分局|支局|分中心|分所|分院)")
# Cores that are also department words: 区公安分局 and 市自然资源分局 name no 公安县 or 资源县.
_DEPARTMENT_WORDS = frozenset({"公安", "资源"})
# Site names: "中国九江"网, “东至政府网”, 南昌东湖网站.
_SITE_BEFORE = re.compile(r"中国[\"“「『]?$|[\"“「『]$")
_SITE_AFTER = re.compile(r"^[\"”」』]?(?:人民政府|政府)?(?:门户)?网")


Hit = tuple[int, int, str]   # start, end, surface


def _scan(text: str, gaz: Gazetteer) -> list[Hit]:
    """Leftmost-longest non-overlapping hits of full names and cores."""
    hits, end = [], 0
    full, cores, lengths = gaz.full, gaz.cores, gaz.lengths
    for m in gaz.starts.finditer(text):
        start = m.start()
        # most candidates begin no name: ruled out by the one lookup before anything else
        sizes = lengths.get(text[start:start + 2])
        if sizes is None or start < end:
            continue   # no name starts here, or inside the name just found
        for size in sizes:
            surface = text[start:start + size]
            if len(surface) == size and (surface in full or surface in cores):
                hits.append((start, start + size, surface))
                end = start + size
                break
    return hits


def _is_ancestor_hit(hit: Optional[Hit], start: int, codes: Iterable[str],
                     gaz: Gazetteer) -> set[str]:
    """Codes among `codes` that the hit just before (ending at `start`) names an ancestor of."""
    if hit is None or hit[1] != start:
        return set()
    before = set(gaz.full.get(hit[2], ())) | set(gaz.cores.get(hit[2], ()))
    return {c for c in codes if before & set(gaz.get(c).chain[:-1])}


def _at_head_of_org(text: str, start: int, end: int) -> bool:
    """The name starts a word and an organisation or a year follows: 和县人民政府, 攸县2021年政务公开…,
    not 市和县政府."""
    boundary = start == 0 or not _CJK_CHAR.match(text[start - 1])
    return boundary and bool(_ORG_AFTER.match(text, end) or _YEAR_AFTER.match(text, end))


def _read_full(text: str, hit: Hit, prev: Optional[Hit], gaz: Gazetteer) -> tuple[str, ...]:
    """A full name counts, unless it is two characters or an everyday word without parent or office."""
    start, end, surface = hit
    codes = gaz.full[surface]
    parented = _is_ancestor_hit(prev, start, codes, gaz)
    if parented:
        # 南京市鼓楼区: the name written in front picks one of the namesakes
        return tuple(sorted(parented))
    short = len(surface) <= 2 or surface in _GENERIC_NAMES
    if not short:
        return codes
    return codes if _at_head_of_org(text, start, end) else ()


def _is_branch_name(text: str, start: int, core: str) -> bool:
    """市公安局屯留分局 names 屯留; 区公安分局 (level word, then a department word) names nothing."""
    after_level = start > 0 and text[start - 1] in _LEVEL_WORDS
    return core not in _DEPARTMENT_WORDS and not after_level


def _read_core(text: str, hit: Hit, prev: Optional[Hit], nxt: Optional[Hit], gaz: Gazetteer,
               bare_ok: bool) -> tuple[str, ...]:
    """A core name counts with a level word and an organisation, before 分局, in a site name, or next to its kin."""
    start, end, surface = hit
    codes = gaz.cores[surface]
    level_word = text[end:end + 1]
    # a name starts a word, or follows its parent's: 贵安新区 holds no 安新县
    word_start = start == 0 or not _CJK_CHAR.match(text[start - 1]) or (prev is not None and prev[1] == start)
    if word_start and _ZONE_AFTER.match(text, end):
        # 赣州经济技术开发区, 兰州新区: a city's zone (its management committee is the city's)
        return tuple(c for c in codes if gaz.get(c).level == CITY)
    if level_word in _LEVEL_WORDS and word_start and _ORG_AFTER.match(text, end + 1):
        # a renamed unit (屯留县 is 屯留区 since 2018): same core, level word of the day
        return tuple(c for c in codes if gaz.get(c).level in _LEVEL_WORDS[level_word])
    if _BRANCH_AFTER.match(text, end) and _is_branch_name(text, start, surface):
        return tuple(c for c in codes if gaz.get(c).level != PROVINCE)
    if _SITE_BEFORE.search(text, max(0, start - 3), start) and _SITE_AFTER.match(text[end:end + 8]):
        return tuple(c for c in codes if gaz.get(c).level != PROVINCE)
    parented = _is_ancestor_hit(prev, start, codes, gaz)
    if parented:
        return tuple(sorted(parented))
    if nxt is not None and nxt[0] == end:
        below = set(gaz.full.get(nxt[2], ())) | set(gaz.cores.get(nxt[2], ()))
        kin = {c for c in codes if any(c in gaz.get(b).chain[:-1] for b in below)}
        if kin:
            return tuple(sorted(kin))
    return codes if bare_ok else ()


_TITLE_CITED = re.compile(r"《[^《》]{0,200}》")
_NUMBER_CITED = re.compile(r"[(（][^()（）]{0,60}?\d+\s*号[^()（）]{0,20}[)）]")


def _cited_spans(text: str) -> list[tuple[int, int]]:
    """Spans that cite other documents: 《…》 and brackets around a 发文字号 or 令第N号."""
    spans = [m.span() for m in _TITLE_CITED.finditer(text)] if "《" in text else []
    if "号" in text:   # what every such bracket holds
        spans += [m.span() for m in _NUMBER_CITED.finditer(text)]
    return spans


def find_mentions(text: str, weight: float, source: str, cited_weight: Optional[float] = None,
                  bare_ok: bool = False) -> list[Mention]:
    """Mentions of divisions in one text; those inside citations get `cited_weight`."""
    gaz = gazetteer()
    return _mentions(text, _scan(text, gaz), gaz, weight, source, cited_weight, bare_ok)


def _mentions(text: str, hits: list[Hit], gaz: Gazetteer, weight: float, source: str,
              cited_weight: Optional[float], bare_ok: bool) -> list[Mention]:
    """The mentions the scan's hits in text make."""
    if not hits:
        return []
    spans = _cited_spans(text) if cited_weight is not None else []
    out = []
    for k, hit in enumerate(hits):
        prev = hits[k - 1] if k else None
        nxt = hits[k + 1] if k + 1 < len(hits) else None
        if hit[2] in gaz.full:
            codes = _read_full(text, hit, prev, gaz)
        else:
            codes = _read_core(text, hit, prev, nxt, gaz, bare_ok)
        if not codes:
            continue
        cited = any(s <= hit[0] < e for s, e in spans)
        out.append(Mention(codes, cited_weight if cited else weight, source, hit[0], hit[1]))
    return out


# --------------------------------------------------------------------------
# Site evidence: codes, registrations, site names
# --------------------------------------------------------------------------

_SITE_CODE = re.compile(r"(?:网站标识码|网站识别码|SiteIDCode)\D{0,12}?(\d{10})", re.I)
# "SiteIDCode" as re.I matches it (ſ is an s, İ and ı are an i), without re.I's cost
_SITE_ID_LATIN = re.compile("[Ssſ][Iiİı][Tt][Ee][Iiİı][Dd][Cc][Oo][Dd][Ee]")
# (the number alone says the bureau; starting at the literal lets the search skip to it)
_PSB = re.compile(r"公网安备\s*(\d{6})\d*")
_ICP = re.compile(r"([%s])\s*ICP\s*[备证]" % "".join(_ABBREVIATIONS), re.I)
_SITE_KEYWORDS = re.compile(r"主办|承办|版权所有|网站名称|SiteName|主管单位|发布机构", re.I)
# (opens with a look-ahead at the characters a match can begin with: the engine then leaves every other
# position after one test instead of trying each alternative there)
_SEGMENT_SPLIT = re.compile(r"(?=[\s|｜?主承技版网联电生])"
                            r"(?:[\n|｜\t]|\s{2,}|\?{2,}|(?=主办|承办|技术支持|版权所有|网站标识码|联系电话|电话|生成日期))")


def _code_mention(code: str, weight: float, source: str) -> Optional[Mention]:
    """A 6-digit code, or the nearest level above it that the gazetteer knows."""
    gaz = gazetteer()
    for candidate in (code, code[:4] + "00", code[:2] + "0000"):
        if candidate in gaz.divisions:
            return Mention((candidate,), weight, source)
    return None


def identifier_mentions(text: str) -> list[Mention]:
    """Mentions from site identifiers and registration numbers (网站标识码, 公网安备, ICP备)."""
    out: list[Optional[Mention]] = []
    # The patterns are slow to try at every character of a long body; the words they need are not.
    out += [_code_mention(m.group(1)[:6], W_SITE_CODE, "site_code") for m in _site_codes(text)]
    out += [_code_mention(m.group(1), W_PSB_CODE, "psb_code") for m in _PSB.finditer(text)]
    out += [_code_mention(_ABBREVIATIONS[m.group(1)] + "0000", W_SITE_ABBR, "icp") for m in _ICP.finditer(text)]
    return [m for m in out if m is not None]


def _site_codes(text: str) -> list[re.Match]:
    """What _SITE_CODE.finditer finds, trying only where one of its key words starts (the pattern
    is slow to try at every character of a long body)."""
    starts = sorted([m.start() for m in _SITE_ID_LATIN.finditer(text)]
                    + [m.start() for m in re.finditer("网站标识码|网站识别码", text)])
    found: list[re.Match] = []
    for start in starts:
        if found and start < found[-1].end():
            continue   # inside the code just read
        m = _SITE_CODE.match(text, start)
        if m:
            found.append(m)
    return found


def site_name_mentions(text: str) -> list[Mention]:
    """Mentions in the lines that name the site's owner (主办, 版权所有, site name)."""
    out = []
    for segment in _SEGMENT_SPLIT.split(text):
        # only these lines: injected link lists in the chrome name places anywhere
        if segment and _SITE_KEYWORDS.search(segment) and "技术支持" not in segment:
            out += find_mentions(_SITE_KEYWORDS.sub(" ", segment), W_SITE_NAME, "site_name", bare_ok=True)
    return out


# --------------------------------------------------------------------------
# Choosing the region
# --------------------------------------------------------------------------

def _child_scores(mentions: list[Mention], path: tuple[str, ...], allowed: Optional[set[str]],
                  gaz: Gazetteer) -> tuple[dict[str, float], float]:
    """Evidence for each child of `path`, and all evidence at or below `path`.

    A mention votes for a child only when every reading of it that lies under
    `path` lies under that one child.
    """
    scores: dict[str, float] = defaultdict(float)
    total = 0.0
    # a mention's vote depends on its codes alone, and most mentions repeat a few codes (the
    # issuer's name on every line): each codes' vote is worked out once, the weights still
    # added mention by mention in the same order
    votes: dict[tuple[str, ...], Optional[str]] = {}
    for m in mentions:
        if m.codes not in votes:
            votes[m.codes] = _vote(m.codes, path, allowed, gaz)
        vote = votes[m.codes]
        if vote is None:
            continue
        total += m.weight
        if vote:
            scores[vote] += m.weight
    return scores, total


def _vote(codes: tuple[str, ...], path: tuple[str, ...], allowed: Optional[set[str]],
          gaz: Gazetteer) -> Optional[str]:
    """The child of `path` a mention of `codes` votes for; '' if it only counts in the total, None if it lies
    outside `path`."""
    depth = len(path)
    chains = [ch for ch in (gaz.get(c).chain for c in codes) if ch[:depth] == path]
    if not chains:
        return None
    children = {ch[depth] for ch in chains if len(ch) > depth}
    if len(children) == 1 and len(chains) == sum(len(ch) > depth for ch in chains):
        child = children.pop()
        if allowed is None or child in allowed:
            return child
    return ""


def _doc_number_bonus(scores: dict[str, float], prefix: str, gaz: Gazetteer) -> None:
    """A 发文字号 prefix (东政办秘, 赣府厅发) confirms a division that already has evidence."""
    if not prefix:
        return
    for code in list(scores):
        div = gaz.get(code)
        own = div.core[:1] == prefix[:1] if div.core else False
        province = div.level == PROVINCE and _ABBREVIATIONS.get(prefix[:1]) == code[:2]
        if own or province:
            scores[code] += W_DOC_NUMBER


def _descend(mentions: list[Mention], allowed: Optional[set[str]], cap: int, prefix: str) -> Optional[str]:
    """Walk province → city → county while one child clearly leads; return the last code chosen."""
    gaz = gazetteer()
    path: tuple[str, ...] = ()
    while True:
        scores, total = _child_scores(mentions, path, allowed, gaz)
        _doc_number_bonus(scores, prefix, gaz)
        if not scores:
            break
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        best, score = ranked[0]
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        if score < MIN_SCORE or score < DOMINANCE * second:
            break
        # without an issuer to say how deep the document goes, a level below the
        # province must carry a fair share of what is said at and below the level above
        if path and allowed is None and score < MIN_SHARE * total:
            break
        path = gaz.get(best).chain
        if gaz.get(best).level >= cap:
            break
    return path[-1] if path else None


def _anchor(mentions: list[Mention]) -> tuple[Optional[set[str]], int]:
    """Divisions the document's own issuer (or title head) may be, and its level."""
    gaz = gazetteer()
    if not mentions:
        return None, COUNTY
    level = max(gaz.get(c).level for m in mentions for c in m.codes)
    codes = {c for m in mentions for c in m.codes if gaz.get(c).level == level}
    allowed = {a for c in codes for a in gaz.get(c).chain}
    return allowed, level


def _prepare(text: str) -> str:
    """SPEC normalisation (glosses, simplified, NFKC, spacing) with line breaks kept."""
    return _prepare_each([text])[0]


def _prepare_each(texts: list[str]) -> list[str]:
    """_prepare() of each text, with one OpenCC call for all of them (a document has dozens of unit names,
    and each call has a fixed cost; to_simplified_each() gives what to_simplified() gives each text)."""
    simplified = to_simplified_each([strip_glosses(text or "") for text in texts])
    return ["\n".join(squeeze_spaces(line) for line in clean_chars(text).split("\n")) for text in simplified]


_DOC_PREFIX = re.compile(r"^([\u4e00-\u9fff]{1,10})\s*[〔\[【(（［]")


def _title_head(mentions: list[Mention]) -> list[Mention]:
    """The title's leading names (东湖区关于…, 九江市…, 安徽省东至县人民政府…: each name written right
    after the one before) name the document's own region."""
    ends = {0}
    head = []
    for m in sorted(mentions, key=lambda m: m.start):
        if m.start not in ends:
            break
        head.append(m)
        ends.add(m.end)
    return head


def gather(ev: RegionEvidence) -> tuple[list[Mention], list[Mention]]:
    """All mentions in the evidence, and those naming the document's own region (issuer, else title head)."""
    units = list(dict.fromkeys(ev.units))   # every task names its offices again: each read once
    issuer, title, body, site, *prepared = _prepare_each([ev.issuer, ev.title, ev.body, ev.site] + units)
    issuer_mentions = find_mentions(issuer, W_ISSUER, "issuer")
    title_mentions = find_mentions(title, W_TITLE, "title", cited_weight=W_TITLE_CITED)
    own = issuer_mentions or _title_head(title_mentions)
    mentions = issuer_mentions + title_mentions
    # a page saved as text keeps its footer, so identifiers are looked for in the body too
    mentions += identifier_mentions(site + "\n" + body) + site_name_mentions(site)
    per_unit = {unit: find_mentions(text, W_UNIT, "unit") for unit, text in zip(units, prepared)}
    for unit in ev.units:
        mentions += per_unit[unit]   # each naming still counts (Mention is frozen)
    mentions += body_mentions(body)
    return mentions, own


_LIST_PROVINCES = 4   # a line naming places in this many provinces is a list of places, not the document's


def body_mentions(body: str) -> list[Mention]:
    """Mentions in the body, line by line, leaving out lines that list places all over the country.

    Such lines are injected link spam (林口县| 沛县| 淮阳县 …) or national
    overviews (北京、上海、广东等地); either way they say nothing of the document's region.
    """
    out: list[Mention] = []
    gaz = gazetteer()
    # One scan of the whole body: no name holds a line break, so its hits are each line's hits.
    hits, k = _scan(body, gaz), 0
    while k < len(hits):
        # the line of the next hit: most lines name no place and are never looked at
        start = body.rfind("\n", 0, hits[k][0]) + 1
        end = body.find("\n", hits[k][0])
        end = len(body) if end < 0 else end
        line_hits = []
        while k < len(hits) and hits[k][0] < end:
            line_hits.append((hits[k][0] - start, hits[k][1] - start, hits[k][2]))
            k += 1
        found = _mentions(body[start:end], line_hits, gaz, W_BODY, "body", W_BODY_CITED, False)
        provinces = {m.codes[0][:2] for m in found if len(m.codes) == 1}
        if len(provinces) < _LIST_PROVINCES:
            out += found
    return out


# Central bodies: their notices belong to no region, wherever a site republishes them.
_NATIONAL_ISSUER = re.compile(r"^(?:国务院|中共中央|全国|国家|中华人民共和国|最高人民)"
                              r"|^(?!中共|[省市县区乡镇])[\u4e00-\u9fff]{1,8}部(?:办公厅)?$")


def resolve_region(ev: RegionEvidence) -> Region:
    """Province, city, county and adcode that the evidence supports; unknown levels stay None."""
    mentions, own = gather(ev)
    if not own and _NATIONAL_ISSUER.match(_prepare(ev.issuer)):
        return Region()
    allowed, cap = _anchor(own)
    m = _DOC_PREFIX.match(_prepare(ev.doc_number))
    code = _descend(mentions, allowed, cap, m.group(1) if m else "")
    return region_of(code) if code else Region()
