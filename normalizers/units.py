"""Responsible-unit cells into organisation lists (SPEC.md "Units").

A cell such as ``区教育局牵头，区财政局、市公安局屯留分局配合 同（3）`` becomes
``UnitCell(units=("区教育局",), support=("区财政局", "市公安局屯留分局"),
refs=("3",))``. The steps, in order:

1. normalise (normalizers.text), keeping line breaks and turning spaces between
   names into line breaks, since both can separate names or wrap one;
2. take out cross-references (同（3）, 同上);
3. garbled cells are only cut at their commas;
4. resolve each soft break (line break, space, ``/``): a wrap inside a name is
   joined, a break between two names becomes a separator;
5. cut the cell into role chunks (牵头 / 配合 / 会同 / 配合单位: …);
6. split each chunk on separators outside brackets, then between names written
   without a separator, using the endings and level prefixes of
   ``data/unit_lexicon.txt``.

Judgment calls (SPEC.md is silent): ``X等单位`` / ``X等部门`` give only X (a
bare 单位 or 部门 names no organisation), while ``X等相关部门`` /
``X等有关单位`` give X and the collective; a ``（牵头）`` mark makes the unmarked
names of the same cell supporting units; ``X会同Y`` makes Y supporting even
when the sentence goes on with 负责; ``X局各Y所`` / ``X局各分局`` written without a
separator is one entry (the bureau's own stations), ``X局、各Y所`` is two; a
one-character 镇/乡 or a two-character name such as 县委 is only split off
when a separator or line break says so (``县委县政府`` stays one).

Overseeing words (统筹, 督导, 督促, 指导 in the lexicon's [oversee]) are role
words: ``X统筹，Y具体落实`` gives X as unit and Y as supporting unit (the doers
work under the overseer's direction; ``X牵头，Y落实`` still gives both as units,
as before), and so does any 负责/落实 chunk after the overseeing word. They stay
part of a name when no complete name precedes them or an organisation ending
follows (县政府教育督导室, 县城乡统筹发展中心). ``X为牵头单位`` / ``Y为配合单位``
mark roles like the labels; a bracketed note such as ``（按职责分工）`` is
dropped. A prefix-less institution of the lexicon's [standalone] list
(融媒体中心, 管理处, …) is cut off an office or collective name written right
before it (``县政府各部门融媒体中心`` → two), never off a territory or other
institution (``经开区管委会``, ``国有林场管理处`` stay one). After 及/和 a
``各…`` collective starts a new name (``县政府办公室及各有关部门`` → two);
without a connector ``X各有关部门`` is still one. A zone word followed by its
office starts a new name (``高新区管委会经开区管委会`` → two). Labels inside a cell
(``牵头单位：X；责任单位：Y``) read as the two columns would: 责任单位 names supporting
units beside a 牵头单位 label. A name in quotes (``“县政府办公室”``) loses them, and a bare
body after another of the same place shares its place (``各乡镇党委、政府`` → 各乡镇党委,
各乡镇政府).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from normalizers.text import cn_int, normalize_lines

__all__ = ["UnitCell", "parse_units", "split_units"]


@dataclass(frozen=True, slots=True)
class UnitCell:
    """The organisations one unit cell names, by role, and its cross-references."""
    units: tuple[str, ...] = ()
    support: tuple[str, ...] = ()
    refs: tuple[str, ...] = ()


# --------------------------------------------------------------------------
# Lexicon
# --------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Lexicon:
    endings: frozenset[str]
    ending_lengths: tuple[int, ...]  # longest first
    # characters that can close a name _cut_at cuts after: an ending's last, a closing bracket
    # (a bracket group after a name), a lone level word's last (镇, 乡, 街道 …)
    cut_after: frozenset[str]
    multi_endings: tuple[str, ...]   # endings of 2+ characters
    multi_set: frozenset[str]        # the same, for lookups of a slice
    multi_lengths: tuple[int, ...]   # their lengths, longest first
    attach_suffixes: tuple[str, ...]
    level_chars: frozenset[str]
    start_words: tuple[str, ...]
    place_levels: tuple[str, ...]
    collectives: tuple[str, ...]
    non_starts: tuple[str, ...]
    dependent: tuple[str, ...]
    drop: frozenset[str]
    standalone: tuple[str, ...]
    oversee: tuple[str, ...]


def _read_sections(text: str) -> dict[str, list[str]]:
    """The lexicon file as {section: entries}."""
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
        elif line:
            current.append(line)
    return sections


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    """The word lists of data/unit_lexicon.txt, loaded once per process."""
    text = resources.files("normalizers").joinpath("data/unit_lexicon.txt").read_text("utf-8")
    s = _read_sections(text)
    endings = frozenset(s["endings"])
    return _Lexicon(
        endings=endings,
        ending_lengths=tuple(sorted({len(e) for e in endings}, reverse=True)),
        cut_after=frozenset({e[-1] for e in endings} | set(_CLOSE) | {w[-1] for w in _LONE_LEVELS}),
        multi_endings=tuple(sorted((e for e in endings if len(e) > 1), key=len, reverse=True)),
        multi_set=frozenset(e for e in endings if len(e) > 1),
        multi_lengths=tuple(sorted({len(e) for e in endings if len(e) > 1}, reverse=True)),
        attach_suffixes=tuple(sorted(s["attach_suffixes"], key=len, reverse=True)),
        level_chars=frozenset(s["level_chars"]),
        start_words=tuple(s["start_words"]),
        place_levels=tuple(s["place_levels"]),
        collectives=tuple(s["collectives"]),
        non_starts=tuple(s["non_starts"]),
        dependent=tuple(s["dependent"]),
        drop=frozenset(s["drop"]),
        standalone=tuple(sorted(s["standalone"], key=len, reverse=True)),
        oversee=tuple(s["oversee"]),
    )


# --------------------------------------------------------------------------
# Brackets and separators
# --------------------------------------------------------------------------

_OPEN = "([【〔《“"
_CLOSE = ")]】〕》”"
_HARD_SEPS = "、,;，；"
_SEP = "、"            # the separator written when a soft break splits
_CJK = r"\u3400-\u9fff\uf900-\ufaff"
# Patterns the rules below use on every piece, compiled once
_OPENING = re.compile("[" + re.escape(_OPEN) + "]")
_BRACKET = re.compile("[" + re.escape(_OPEN + _CLOSE) + "]")
_COUNTED = re.compile(r"\d+个")
_IDEOGRAPHS = re.compile(f"[{_CJK}]+")
_BRACKETED = re.compile(r"\([^()]*\)")
_NATIONAL_BUREAU = re.compile(r"国家(.{2,4}?)总?局")
_GOVERNMENT = re.compile(r"[省市州盟县区旗](人民)?政府")
_NOT_WORD = re.compile(r"[\s\W_][\s\W_]*")   # ([…]+ spelled so that the engine skips to a match)
_BARE_LEVEL_END = re.compile(r"(?:^|、)各?[省市县区乡镇]$")
_LEADING_YOU = re.compile(r"^[、,;:\s]*由")
_CONNECTOR_OR_STOP = re.compile(r"^(?:以及|和|及|与)|[。.:]+$")
_EMPTY_BRACKETS = re.compile(r"\([\s、,;:]*\)")
_WORD = re.compile(r"\w")
_QUOTED = re.compile(r'[“"][^“”"]+[”"]')
# 各乡镇党委、政府: a bare body after the party committee of a place (a name ending in a level, not an
# agency's own 党委 as in 县住建局党委) is that place's
_BODIES = ("政府", "人民政府", "人大", "政协", "纪委", "管委会", "办事处")
_PARTY_OF_PLACE = re.compile(r"(?<=[省市县区乡镇村旗道])党(?:工)?委$")


def _depths(text: str) -> list[int]:
    """Bracket depth before each character (never negative)."""
    if not _OPENING.search(text):
        return [0] * len(text)   # nothing opens (most names): a closing bracket alone never counts
    # the depth changes only after a bracket: each run up to and including one shares a depth
    depths: list[int] = []
    depth = pos = 0
    for m in _BRACKET.finditer(text):
        depths += [depth] * (m.start() + 1 - pos)
        if m.group() in _OPEN:
            depth += 1
        elif depth:
            depth -= 1
        pos = m.start() + 1
    depths += [depth] * (len(text) - pos)
    return depths


@lru_cache(maxsize=16)
def _separator_class(seps: str) -> re.Pattern:
    """A pattern matching any one of seps (compiled once per set, not looked up in re's cache per cell)."""
    return re.compile("[" + re.escape(seps) + "]")


def _split_top(text: str, seps: str = _HARD_SEPS) -> list[str]:
    """Split on separators outside brackets; pieces stripped, empties kept out."""
    if not _OPENING.search(text):   # no brackets (most cells): every separator splits
        return [p.strip() for p in _separator_class(seps).split(text) if p.strip()]
    pieces, start, depths = [], 0, _depths(text)
    for m in _separator_class(seps).finditer(text):   # the separators only, not every character
        if depths[m.start()] == 0:
            pieces.append(text[start:m.start()])
            start = m.start() + 1
    pieces.append(text[start:])
    return [p.strip() for p in pieces if p.strip()]


def _core(name: str) -> str:
    """The name without trailing bracket groups: 各乡镇(区)人民政府(管理中心) → …人民政府."""
    while name and name[-1] in _CLOSE:
        depth, i = 0, len(name) - 1
        while i >= 0:
            depth += name[i] in _CLOSE
            depth -= name[i] in _OPEN
            if depth == 0:
                break
            i -= 1
        if i <= 0:
            return name
        name = name[:i]
    return name


# --------------------------------------------------------------------------
# What a name looks like
# --------------------------------------------------------------------------

def _ending_len(text: str) -> int:
    """Length of the longest organisation ending text ends with, else 0."""
    lex = _lexicon()
    for n in lex.ending_lengths:
        if len(text) >= n and text[-n:] in lex.endings:
            return n
    return 0


def _complete(name: str, min_len: int = 3) -> bool:
    """True when name ends like a whole organisation name and is long enough."""
    core = _core(name)
    return len(core) >= min_len and _ending_len(core) > 0


# 各… that is part of the name before it: 县人民政府各工作部门, 县司法局各司法所,
# 镇政府各办(站、所)
_NOT_LEVEL = "[^省市县区州盟旗镇乡各、,;]"
_COLLECTIVE = re.compile(
    rf"各{_NOT_LEVEL}{{1,3}}(?:部门|单位|机构)"
    rf"|各(?:市场|{_NOT_LEVEL}){{0,4}}(?:所|站)(?![{_CJK}])"
    rf"|各[局委办室科股站所处队](?![{_CJK}])"
)


def _starts_name(text: str, i: int = 0) -> bool:
    """True when a new organisation name can begin at text[i] (level prefix, 各…, 国家…)."""
    lex, rest = _lexicon(), text[i:]
    if not rest or rest.startswith(lex.non_starts):
        return False
    # the longest ending rest starts with (slices looked up, not every ending tried)
    word = next((rest[:n] for n in lex.multi_lengths if rest[:n] in lex.multi_set), None)
    if word is not None:
        # 人民政府…, 办公室… end a name, they never start one; a zone
        # (经开区, 高新区) does when its office follows: 经开区管委会
        return word.endswith("区") and bool(_first_name(rest[len(word):len(word) + _MAX_NAME]))
    if rest[0] == "各":
        # 县政府各部门, 县人民政府各工作部门: the parts of the name before
        return not (rest.startswith(lex.collectives, 1) or _COLLECTIVE.match(rest))
    if rest[0] in lex.level_chars or rest.startswith(lex.start_words):
        return True
    if _COUNTED.match(rest):  # 26个领域涉及的县直单位
        return True
    return _place_start(rest)


def _place_start(rest: str) -> bool:
    """A place name of 2-4 characters plus a level word (扬子洲镇, 东至县)."""
    lex = _lexicon()
    for n in range(2, 5):
        head = rest[:n]
        if len(head) < n or not _IDEOGRAPHS.fullmatch(head):
            return False
        if head[-1] in lex.level_chars or _holds_ending(head):
            return False  # 人民政府县…, 局县市…: not a place name
        if rest.startswith(lex.place_levels, n):
            return True
    return False


def _holds_ending(text: str) -> bool:
    """True when an organisation ending occurs anywhere in a short text (its slices looked up)."""
    endings, n = _lexicon().endings, len(text)
    return any(text[i:j] in endings for i in range(n) for j in range(i + 1, n + 1))


def _first_name(rest: str) -> str:
    """The shortest leading part of rest (2+ characters) that ends like a name."""
    depths, longest = _depths(rest), _lexicon().ending_lengths[0]
    for j in range(2, len(rest) + 1):
        # only the last few characters can hold an ending: slicing rest[:j] would make this quadratic
        if (j == len(rest) or depths[j] == 0) and _ending_len(rest[max(0, j - longest):j]):
            return rest[:j]
    return ""


def _is_branch(segment: str) -> bool:
    """A short place/unit word plus a branch suffix: 屯留区分局, 东湖分局, 交警大队."""
    suffixes = _lexicon().attach_suffixes
    if not segment.endswith(suffixes):
        return False
    for suffix in suffixes:
        if segment.endswith(suffix):
            body = segment[: -len(suffix)]
            return len(body) <= 2 or (len(body) <= 4 and body[-1] in "区县市镇乡")
    return False


def _attaches(left: str, rest: str) -> bool:
    """True when what follows a complete name still belongs to it."""
    bare = _BRACKETED.sub("", rest)  # 各县(市、区)分局 is a branch like 各县分局
    if any(_is_branch(bare[:j]) for j in range(3, min(len(bare), 8) + 1)):
        return True
    # 国家税务总局东至县税务局, 国家统计局和县调查队: the national bureau's local arm
    m = _NATIONAL_BUREAU.fullmatch(_core(left))
    first = _first_name(rest)
    return bool(m and (m.group(1) in first or first.endswith("调查队")))


# --------------------------------------------------------------------------
# Splitting run-together names
# --------------------------------------------------------------------------

_CONNECTORS = ("以及", "和", "及", "与")
_MAX_NAME = 64
_GOVERNMENT_PARTS = ("有关部门", "相关部门", "各部门", "各有关", "各相关", "直属", "各工作部门", "工作部门")
_LONE_LEVELS = ("镇", "乡", "街道", "村", "社区")
_LEVELS = "省市县区州盟旗镇乡"


def _cut_at(piece: str, start: int, i: int) -> int:
    """Length of the connector to drop when piece can be cut at i, -1 if it cannot."""
    # the name so far, at most _MAX_NAME characters of it: a name is never longer, and
    # copying the whole of it at every character made huge cells quadratic
    left = piece[max(start, i - _MAX_NAME):i]
    if piece[i - 1] in _LEVELS and piece[i] in _LEVELS:
        return -1  # 乡镇, 县区, 省市: one compound level word, not two names
    skip = next((len(c) for c in _CONNECTORS if piece.startswith(c, i)), 0)
    # a name is never longer than _MAX_NAME: looking further only costs time on huge cells
    rest = piece[i + skip:i + skip + _MAX_NAME]
    if not _complete(left):
        # 镇各街办: a bare level word listed before a 各… name
        if not (left in _LONE_LEVELS and rest.startswith("各")):
            return -1
    if _spans_ending(left, rest):
        return -1  # 有关部|门: the cut would break an ending word
    if _standalone_follows(left, rest):
        return skip
    # after 及/和 a 各… collective is a name of its own (县政府办公室及各有关部门)
    starts = _starts_name(rest) or (skip > 0 and rest.startswith("各")) or _company_follows(left, rest)
    if not starts or not _first_name(rest) or _attaches(left, rest):
        return -1
    return skip


# a company or bank, and the prefix-less company or bank that may follow it
_FIRM_ENDS = ("公司", "银行", "支行", "分行")
_FIRM_NAMES = ("公司", "银行")
_MAX_COMPANY = 12   # 城投公司, 文化旅游投资公司, 农业银行: a prefix-less firm name is short


def _company_follows(left: str, rest: str) -> bool:
    """True when a firm's name follows a firm (城投公司|交投公司, …支行|农业银行), not its branch (…|池州分公司)."""
    if not _core(left).endswith(_FIRM_ENDS):
        return False
    first = _first_name(rest[:_MAX_COMPANY])
    return first.endswith(_FIRM_NAMES) and not _is_branch(first) and not first.endswith("分公司")


# names that list a prefix-less institution after them: offices and collectives,
# not territories or institutions with their own 管理处 (开发区管委会, 林场管理处)
_ADMIN_TAIL = ("部门", "单位", "机构", "办", "办公室", "办事处", "政府", "局", "委", "委员会", "部")


def _standalone_follows(left: str, rest: str) -> bool:
    """True when rest opens with a prefix-less institution of its own (…各部门|融媒体中心)."""
    if not _core(left).endswith(_ADMIN_TAIL):
        return False
    for word in _lexicon().standalone:
        if rest.startswith(word):
            after = rest[len(word):]
            return not after or after[0] in _HARD_SEPS or _starts_name(after)
    return False


def _split_run(piece: str) -> list[str]:
    """Cut a separator-free piece between names written without a separator."""
    # _cut_at cuts only after a complete name or a lone level word: after a character that
    # closes neither it cannot cut, and the call is skipped
    closers = _lexicon().cut_after
    if closers.isdisjoint(piece[:-1]):
        return [piece] if piece else []   # no cut can happen (most pieces: one name, closed at its end)
    names, start, depths = [], 0, _depths(piece)
    i = 1
    while i < len(piece):
        if depths[i] == 0 and piece[i] not in _CLOSE and piece[i - 1] in closers:
            skip = _cut_at(piece, start, i)
            if skip >= 0:
                names.append(piece[start:i])
                start = i = i + skip
        i += 1
    names.append(piece[start:])
    return [n for n in names if n]


# --------------------------------------------------------------------------
# Soft breaks: line breaks, spaces and slashes
# --------------------------------------------------------------------------

def _spans_ending(prev: str, nxt: str) -> bool:
    """True when an ending word runs across the break (委|员会, 办|公室)."""
    tail, head = prev[-5:], nxt[:5]
    joined, k = tail + head, len(tail)
    lex = _lexicon()
    # every slice of joined across the break, looked up (not every ending searched for)
    for n in lex.multi_lengths:
        for pos in range(max(0, k - n + 1), min(k, len(joined) - n + 1)):
            if joined[pos:pos + n] in lex.multi_set:
                return True
    return False


def _breaks_between(p: str, nxt: str, line_break: bool = True, depth: int = 0) -> bool:
    """True when a soft break separates two names, False when it wraps one name.

    p is the last name before the break (empty after a separator), depth the
    bracket depth at the break.
    """
    p = p.strip()
    n = (_split_top(nxt) or [""])[0] if nxt[:1] not in _HARD_SEPS else ""
    if not p or not n:
        return False  # a separator is already there
    if n[0] in _OPEN + _CLOSE or depth > 0:
        return False
    if not _complete(p, 2) or _spans_ending(p, n):
        return False
    if len(n) == 1 and n not in _LONE_LEVELS:
        return False  # 区政府 / 办: one character (but a listed 镇 or 乡) is no name of its own
    if len(p) >= 2 and p[-1] in _LEVELS and not n.startswith("各"):
        return False  # 各乡 / 镇人民政府, 区住房和城乡 / 建设管理局: a wrap after a bare level word
    if _GOVERNMENT.fullmatch(p) and n.startswith(_GOVERNMENT_PARTS):
        return False  # 县政府 / 有关部门: the government's own departments
    if _starts_name(n):
        return not _attaches(p, n)
    lex = _lexicon()
    if n.startswith(lex.dependent) or _is_branch(n):
        return False  # 市政府 / 办公室, 县公安局 / 交警大队
    # a bare type word listed on its own line (管理处) is an entry; otherwise a
    # short tail such as 组织部 after 县委 is more likely a wrap
    return (line_break and n in lex.endings) or _complete(n, 4)


_SOFT_BREAK = re.compile(r"[\n/]")


def _resolve_soft(text: str) -> str:
    """Join wrapped names and separate listed ones at every soft break (\\n or /)."""
    if not _SOFT_BREAK.search(text):
        return text   # one line (most cells): nothing to join or separate
    parts, start, depths = [], 0, _depths(text)
    for m in _SOFT_BREAK.finditer(text):
        if depths[m.start()] == 0:
            parts.append((text[start:m.start()], m.group()))
            start = m.start() + 1
    parts.append((text[start:], ""))
    out: list[str] = []
    # the last name written so far and the bracket depth after it, kept as the text
    # grows: rescanning the whole text at every break made many-line cells quadratic
    last, depth = "", 0
    joiner = ""
    for part, nxt_joiner in parts:
        if out and part:
            glue = _SEP if _breaks_between(last, part, joiner == "\n", depth) else joiner.strip()
            part = glue + part
        if part:
            out.append(part)
            last, depth = _advance(last, depth, part)
        joiner = nxt_joiner
    return "".join(out).replace("\n", "")  # breaks left inside brackets are wraps


def _advance(last: str, depth: int, added: str) -> tuple[str, int]:
    """The last name and bracket depth after text is added (the name cut to _MAX_NAME characters)."""
    start = 0
    for i, ch in enumerate(added):
        if depth == 0 and ch in _HARD_SEPS:
            last, start = "", i + 1
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE and depth:
            depth -= 1
    return (last + added[start:])[-_MAX_NAME:], depth


# --------------------------------------------------------------------------
# Preparation: spaces, cross-references, empty and garbled cells
# --------------------------------------------------------------------------

# Whitespace between names separates (or wraps) them like a line break, but
# normalize() would delete it next to CJK; keep it only inside latin text.
_SPACE_RUN = re.compile(r"[^\S\n][^\S\n]*")   # ([…]+ spelled so that the engine skips to a match)
_CN_NUM = "[一二三四五六七八九十]+"
_REF = re.compile(
    r"(?<!合)同\s*(?:"
    rf"(?:第|序号)?\s*\(\s*(\d+|{_CN_NUM})\s*\)(?:项|条|行|号)?"
    r"|(?:第|序号)?\s*(\d+)(?:项|条|行|号)?"
    rf"|第\s*({_CN_NUM})\s*(?:项|条|行)"
    rf"|(上)(?:一?[项条行栏])?(?![{_CJK}])"
    r")"
)
_EMPTY = {"无", "暂无", "空", "略", "无此项"}
_REPEAT_RUN = re.compile(rf"([{_CJK}])\1\1")


def _prepare(text: str) -> str:
    """Normalised cell text with one line per source line or space-separated run."""
    def space(m: re.Match) -> str:
        before, after = m.string[m.start() - 1: m.start()], m.string[m.end(): m.end() + 1]
        latin = before.isascii() and before.isalnum() and after.isascii() and after.isalnum()
        return " " if latin else "\n"
    text = _SPACE_RUN.sub(space, text.replace("\r", "\n"))
    return "\n".join(normalize_lines(text))


def _ref_number(target: str) -> str:
    """`3` for 3 or 三; 上 (the row above) as it is."""
    number = cn_int(target) if target != "上" else None
    return target if number is None else str(number)


def _take_refs(text: str) -> tuple[str, list[str]]:
    """Remove 同（3）/同上 references; return the rest and the references found."""
    refs: list[str] = []

    def take(m: re.Match) -> str:
        refs.append(next(_ref_number(g) for g in m.groups() if g))
        return _SEP
    return _REF.sub(take, text), refs


def _is_empty(text: str) -> bool:
    """True for cells that name nothing: blank, 无, /, —."""
    bare = _NOT_WORD.sub("", text)
    return not bare or bare in _EMPTY


def _is_garbled(text: str) -> bool:
    """True when the text does not look like names (runs of one character, long junk)."""
    if _REPEAT_RUN.search(text):
        return True
    joined = text.replace("\n", "")
    if len(joined) < 30:
        return False   # no piece of it is long enough to be junk
    return any(len(p) >= 30 and not _first_name(p) for p in _split_top(joined))


# --------------------------------------------------------------------------
# Roles: 牵头 / 配合 / 会同 / 配合单位:
# --------------------------------------------------------------------------

_MARK_LEAD = re.compile(r"\((?:牵头|牵头单位|主责|主办|负责)\)")
# (按职责分工) after a name says how the listed units share the work, nothing more
_ROLE_NOTE = re.compile(r"\((?:分别|各自)?(?:按照|按|根据)?职(?:责|能)(?:分工)?(?:分别|各自)?(?:负责|落实)?\)"
                        r"|\((?:分别|各自)(?:负责|落实)\)")
_BY_DUTY = "(?:(?:按照|按|根据)职(?:责|能)(?:分工)?)?"
_ROLE_PATTERN = (
    r"(?P<for_lead>为(?:牵头|主体责任|主要责任|责任|主责|主办)(?:单位|部门))"
    r"|(?P<for_sup>为(?:配合|协办|协助|参与)(?:单位|部门))"
    r"|(?P<label_lead>(?:牵头|主体责任|主要责任|主要负责|责任|主责|主办|承办)(?:单位|部门)[:]|责任主体[:]|牵头[:])"
    r"|(?P<label_sup>(?:配合|协办|协助|参与|协作|协同)(?:单位|部门)[:]|(?:配合|协办)[:])"
    rf"|(?P<mark_lead>{_MARK_LEAD.pattern})"
    r"|(?P<mark_sup>\((?:配合|配合单位|协办|参与|协助)\))"
    r"|(?P<with>(?:牵头)?会同)"
    r"|(?P<oversee>(?:牵头|负责)?(?:{oversee})+(?:负责|协调|推进|落实|实施|检查|安排|部署|调度|工作)?)"
    rf"|(?P<post_sup>{_BY_DUTY}(?:积极|全力|做好|密切|主动|共同|协同)?(?:配合|参与|(?<![政科侨作])协(?:助|办))"
    r"(?:落实|实施|推进|完成|工作)?)"
    r"|(?P<post_lead>(?:分别|共同|具体|各自)?(?:"
    r"(?:(?:按照|按|根据)职(?:责|能)(?:分工)?)?(?:牵头|负责|主抓|抓总|主办)+(?:落实|实施|推进|完成|办理)?"
    r"|(?:按照|按|根据)职(?:责|能)(?:分工)?(?:落实|实施)?"
    r"|(?:(?:组织|具体)实施|抓好落实|各司其职|负总责|协同推进)(?=$|[、,;\n])"
    r"|落实))"
)
# The first characters of _ROLE_PATTERN's alternatives: 为 (for_*), 牵主责承 (label_lead), 配协参 (label_sup),
# ( (mark_*), 牵会 (with), 牵负 (oversee, before its words), 按根积全做密主共协配参 (post_sup), 分共具各 按根
# 牵负主抓 组具抓各负协 落 (post_lead)
_ROLE_STARTS = "为牵主责承配协参(会负按根积全做密共分具各抓组落"
# (列第一位的为牵头单位,下同), (排名不分先后): a note on how the list is written, not part of a name;
# the order it speaks of is kept anyway (the first lead unit is the first listed)
_EDITORIAL_NOTE = re.compile(
    r"\([^()]*(?:下同|(?:列|排名?|排序|居|位)(?:在|于)?(?:第一|首)|第一(?:个|位)?(?:单位|部门)?为牵头"
    r"|不分先后|以下简称)[^()]*\)"
)
_LEAD, _SUPPORT = "lead", "support"
_LEAD_LABEL = re.compile(r"牵头(?:单位|部门)?:")


@lru_cache(maxsize=1)
def _role_re() -> re.Pattern[str]:
    """The role-word pattern, with the overseeing words of the lexicon filled in."""
    words = "|".join(map(re.escape, _lexicon().oversee))
    # A look-ahead at the characters a match can begin with (every alternative's first character, and
    # the overseeing words'): the engine then leaves every other position after one test instead of
    # trying the ten alternatives there. Keep it in step with _ROLE_PATTERN.
    starts = re.escape("".join(sorted(set(_ROLE_STARTS) | {w[0] for w in _lexicon().oversee})))
    return re.compile(f"(?=[{starts}])(?:" + _ROLE_PATTERN.replace("{oversee}", words) + ")")


def _clause_breaks(text: str) -> int:
    """Commas and semicolons outside brackets."""
    depths = _depths(text)
    return sum(1 for m in _separator_class(",;").finditer(text) if depths[m.start()] == 0)


def _last_separator(text: str, seps: str = _HARD_SEPS) -> int:
    """Index just after the last separator outside brackets (0 when there is none)."""
    depths = _depths(text)
    return max((m.end() for m in _separator_class(seps).finditer(text) if depths[m.start()] == 0), default=0)


def _is_oversee(text: str, m: re.Match) -> bool:
    """True when 统筹/指导… at m is a role word, not part of a name (教育督导室, 城乡统筹发展中心)."""
    # a name is never longer than _MAX_NAME: look no further, huge cells stay linear
    head = text[max(0, m.start() - _MAX_NAME):m.start()]
    before = head[_last_separator(head):]
    tail = text[m.end():m.end() + _MAX_NAME]
    after = _split_top(tail + "、")[0] if tail[:1] not in _HARD_SEPS else ""
    if not _complete(before, 2):
        return False
    if not after or _starts_name(after):
        return True
    # 督导组, 统筹发展中心: the word goes on into an organisation ending
    return not (_first_name(after) or any(after.startswith(e) for e in _lexicon().endings))


def _role_chunks(text: str) -> list[tuple[str, str | None]]:
    """Cut the cell at role words; each chunk gets lead, support or None (unmarked)."""
    chunks: list[tuple[str, str | None]] = []
    forced: str | None = None   # role set by a label or 会同 for the next chunk
    overseen = False            # after X统筹 the doers are supporting units
    led = False                 # after X牵头 the names left unmarked support it
    pos, depths = 0, _depths(text)
    # 牵头单位:X 责任单位:Y in one cell: as with the two columns, 责任单位 names the supporting units
    lead_labelled = any(depths[m.start()] == 0 for m in _LEAD_LABEL.finditer(text))
    for m in _role_re().finditer(text):
        kind = m.lastgroup or ""
        if depths[m.start()] > 0 or (kind == "oversee" and not _is_oversee(text, m)):
            continue
        before = text[pos:m.start()]
        if kind.startswith("mark"):
            # (牵头) marks only the name right before it
            cut = _last_separator(before)
            head, last = before[:cut], before[cut:]
            chunks.append((head, forced))
            chunks.append((last, forced or (_LEAD if kind == "mark_lead" else _SUPPORT)))
            forced = None
        elif kind.startswith("label"):
            chunks.append((before, forced))
            lead = kind == "label_lead" and not (lead_labelled and m.group().startswith("责任"))
            forced = _LEAD if lead else _SUPPORT
        elif kind == "with":
            chunks.append((before, forced or _LEAD))
            forced = _SUPPORT
        elif kind == "oversee":
            chunks.append((before, forced or _LEAD))
            forced, overseen = None, True
            pos = m.end()
            continue
        else:
            lead = kind in ("post_lead", "for_lead") and not overseen
            led = led or (kind == "post_lead" and "牵头" in m.group())
            role = forced or (_LEAD if lead else _SUPPORT)
            if role == _SUPPORT and not forced and not chunks and _clause_breaks(before) == 1:
                # X，Y、Z配合 (no role word before): the word supports the names of its own clause; X, before
                # the comma, is unmarked (after X牵头, or in a list X，Y，Z配合, commas only list names)
                cut = _last_separator(before, ",;")
                chunks.append((before[:cut], None))
                before = before[cut:]
            chunks.append((before, role))
            forced = None
        pos = m.end()
    # X牵头，Y (no word after Y): as with a (牵头) mark, the names 牵头 does not mark support
    chunks.append((text[pos:], forced or (_SUPPORT if overseen or led else None)))
    return chunks


# X等相关部门 / X等行业主管部门: the collective after 等 is an entry of its own
_COLLECTIVE_AFTER_DENG = re.compile(r"等(?=[^、,;等]{1,8}?(?:部门|单位|机构)(?:$|[、,;]))")
_TRAILING_DENG = re.compile(
    r"等(?:[\d一二三四五六七八九十]+个)?(?:部门|单位|机构|成员单位|单位和部门|部门和单位)?(?=$|[、,;])"
)


def _merge_shared_levels(pieces: list[str]) -> list[str]:
    """Keep 各乡、镇人民政府 / 省、市、县政府办公厅 whole: the levels share one name. A bare 政府 after
    各乡镇党委 shares its place: 各乡镇党委、政府 names 各乡镇党委 and 各乡镇政府."""
    out: list[str] = []
    for piece in pieces:
        shared = _PARTY_OF_PLACE.search(out[-1]) if out and piece.strip() in _BODIES else None
        if out and _BARE_LEVEL_END.search(out[-1]) and piece[:1] in _LEVELS:
            out[-1] += _SEP + piece
        elif shared and shared.start() > 0:
            out.append(out[-1][:shared.start()] + piece.strip())
        else:
            out.append(piece)
    return out


_DATED = re.compile(r"\d{4}\s*年|\d{1,2}\s*月")


def _chunk_names(chunk: str) -> list[str]:
    """The organisation names of one role chunk, in order."""
    chunk = _LEADING_YOU.sub("", chunk)
    chunk = _COLLECTIVE_AFTER_DENG.sub(_SEP, _TRAILING_DENG.sub("", chunk))
    names: list[str] = []
    for piece in _merge_shared_levels(_split_top(chunk, _HARD_SEPS + ":")):
        names.extend(_piece_names(piece))
    return names


# Cached: a notice names the same offices in cell after cell, and cutting a run looks far around each cut.
@lru_cache(maxsize=4096)
def _piece_names(piece: str) -> tuple[str, ...]:
    """The names of one piece of a chunk between separators (none for punctuation, a date, a dropped word)."""
    piece = _CONNECTOR_OR_STOP.sub("", piece).strip()
    if _BRACKETED.fullmatch(piece) or _QUOTED.fullmatch(piece):
        piece = piece[1:-1]  # 同上(县政府办公室), “县政府办公室”: the name left in its brackets or quotes
    piece = _EMPTY_BRACKETS.sub("", piece).strip("、,;: ")  # brackets emptied by 等 removal
    if not _WORD.search(piece) or _DATED.match(piece):
        return ()   # punctuation, or a date written into the cell (…牵头，2023年底前完成): no name
    if piece and piece not in _lexicon().drop:
        return tuple(_split_run(piece))
    return ()


def _dedupe(names: list[str], exclude: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Names in first-seen order, each once, without the excluded ones."""
    seen = dict.fromkeys(n for n in names if n not in exclude)
    return tuple(seen)


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------

def parse_units(text: str | None) -> UnitCell:
    """Parse one raw unit cell into lead/plain units, supporting units and 同（N） references."""
    return _parse_units(text) if text else UnitCell()


# Cached (UnitCell is frozen): a notice names the same few offices on row after row.
# List numbers inside a cell (1.X 2.Y, (1)X(2)Y, ①X②Y) are no part of a name: they separate names.
# ① and ❶ go before normalising (NFKC writes ① as a bare 1, glued to the name after it).
_CIRCLED = re.compile("[\u2460-\u2473\u2776-\u277f]")
_LIST_NUMBER = re.compile(rf"(?:^|(?<=[\n、,;]))[ \t]*\d{{1,2}}[ \t]*[.、):]\s*(?=[{_CJK}])|\(\d{{1,2}}\)(?=[{_CJK}])", re.M)
# A name marked with *, ★, ▲ … (a note under such tables says 标*的为牵头单位): the lead, as (牵头) makes it
_STAR = "*★☆▲△※"
_STAR_AFTER = re.compile(rf"(?<=[{_CJK})])[ \t]*(?:[{re.escape(_STAR)}]+|\(\*\))(?=[ \t]*(?:$|[\n、,;]))", re.M)
_STAR_BEFORE = re.compile(rf"(?:^|(?<=[\n、,;]))[ \t]*[{re.escape(_STAR)}]+[ \t]*([^\n、,;]+)", re.M)


def _marks_to_roles(text: str) -> str:
    """List numbers become separators, lead marks (牵头) marks."""
    text = _LIST_NUMBER.sub(_SEP, text)
    if any(ch in text for ch in _STAR):
        if _MARK_LEAD.search(text):   # (牵头) says who leads: a star beside it is no second mark
            return _STAR_BEFORE.sub(r"\1", _STAR_AFTER.sub("", text))
        text = _STAR_BEFORE.sub(r"\1(牵头)", _STAR_AFTER.sub("(牵头)", text))
    return text


@lru_cache(maxsize=4096)
def _parse_units(text: str) -> UnitCell:
    prepared, refs = _take_refs(_EDITORIAL_NOTE.sub("", _prepare(_CIRCLED.sub(_SEP, text))))
    prepared = _marks_to_roles(prepared)
    if _is_empty(prepared):
        return UnitCell(refs=_dedupe(refs))
    if _is_garbled(prepared):
        names = _split_top(prepared.replace("\n", ""))
        return UnitCell(units=_dedupe(names), refs=_dedupe(refs))
    chunks = _role_chunks(_ROLE_NOTE.sub("", _resolve_soft(prepared)))
    # a (牵头) mark makes the names it does not mark supporting ones
    default = _SUPPORT if _MARK_LEAD.search(prepared) else _LEAD
    lead: list[str] = []
    support: list[str] = []
    for chunk, role in chunks:
        role = role or default
        (lead if role == _LEAD else support).extend(_chunk_names(chunk))
    units = _dedupe(lead)
    return UnitCell(units=units, support=_dedupe(support, units), refs=_dedupe(refs))


def split_units(text: str | None) -> list[str]:
    """All organisations a cell names (units then supporting units), flattened."""
    cell = parse_units(text)
    return list(_dedupe(list(cell.units) + list(cell.support)))
