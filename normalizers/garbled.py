"""Detect cell text extracted through a broken font map (SPEC.md flag `garbled_text`).

A PDF whose ToUnicode map is broken yields text with tell-tale repetition:
runs of one character (`市市市市`), a phrase repeated back to back
(`是一年,是一年,是一年`), a phrase restated a few characters later with
other debris around it (`信息公开平台集中发信息公开平台集化化`), and text of
the neighbouring cells interleaved into the cell.  Genuine notices repeat
too (two citations of the same provincial office, `同步组织、同步审签`), but
their repeats are long and far apart or short and separated, so the tests
below look at how *close* and how *dense* the repetition is, never at words.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from normalizers.text import normalize

_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_WS = re.compile(r"\s\s*")   # (\s+ spelled so that the engine skips to spaces)
# Separators of lists and clauses: a phrase that spans one is list structure, not debris.
_SEPARATORS = set("、,;，；:：。!?！？")
_SEPARATOR = re.compile("[" + re.escape("".join(sorted(_SEPARATORS))) + "]")

# Three or more copies of the same ideograph in a row (两字叠词 like 常常 are fine).
_RUN = re.compile(rf"([{_CJK}])\1\1")
# A unit of 2-15 characters repeated three or more times back to back.
_TANDEM3 = re.compile(r"(.{2,15}?)\1\1")
# A unit of 4-15 characters repeated twice back to back.
_TANDEM2 = re.compile(r"(.{4,15}?)\1")
# Four characters written again 2-15 characters later: where either tandem starts, as its unit (2+
# characters three times, or 4+ twice) repeats them one unit on. One search rules most texts out.
_CLOSE_REPEAT = re.compile(r"(?=(.{4})).{2,15}?(?=\1)", re.S)
# An ideograph written twice in a row (weak: 层层, 户户 are genuine).
_DOUBLE = re.compile(rf"([{_CJK}])\1")

_MIN_NEAR = 5          # shortest phrase whose close restatement counts (weak signal)
_MAX_NEAR = 15         # longest such phrase
_MIN_FREQUENT = 3      # shortest phrase whose frequent restatement counts
_FREQUENT_TIMES = 4    # ... restated at least this often
_FREQUENT_SHARE = 0.25  # ... covering at least this share of the text
_DOMINANT_SHARE = 0.4  # one ideograph making up this share of a text is debris
_MIN_FRAGMENT = 5      # shortest piece of a neighbouring cell that counts as mixed in


_CJK_CHAR = re.compile(f"[{_CJK}]")
_NOT_CJK = re.compile(f"[^{_CJK}]")


def _cjk_count(text: str) -> int:
    return len(_CJK_CHAR.findall(text))


# Cached: a row's unit cells are prepared again for every cell of the row, and again on the next rows.
@lru_cache(maxsize=4096)
def _prepare(text: str) -> str:
    """SPEC-normalised (pinyin glosses like 區(qū) would repeat) and without whitespace."""
    return _WS.sub("", normalize(text))


def _has_tandem(text: str) -> bool:
    """A phrase repeated back to back: three copies of 2+ chars, or two of 4+ ideographs."""
    if not _CLOSE_REPEAT.search(text):
        return False
    for m in _TANDEM3.finditer(text):
        if _cjk_count(m.group(1)) >= 1 and len(set(m.group(1))) > 1:
            return True
    return any(_cjk_count(m.group(1)) >= 4 for m in _TANDEM2.finditer(text))


def _has_dominant_char(text: str) -> bool:
    """One ideograph makes up a large share of a text of some length."""
    ideographs = _NOT_CJK.sub("", text)   # one string, cheaper than a list of characters
    if len(ideographs) < 8:
        return False
    # no ideograph occurs more often than the repeats allow (length - distinct + 1): most texts
    # have too many distinct ideographs for one to dominate, and need no count
    if (len(ideographs) - len(set(ideographs)) + 1) / len(ideographs) < _DOMINANT_SHARE:
        return False
    return Counter(ideographs).most_common(1)[0][1] / len(ideographs) >= _DOMINANT_SHARE


def _has_frequent_phrase(text: str) -> bool:
    """A short phrase (no list separator in it) restated many times over a short text."""
    n = len(text)
    for size in range(_MIN_FREQUENT, 9):
        counts = Counter(_grams(text, size))
        if not counts or max(counts.values()) < _FREQUENT_TIMES:
            return False   # a longer phrase occurs no more often than its own start
        for phrase, times in counts.items():
            if times < _FREQUENT_TIMES or _SEPARATORS & set(phrase) or phrase.isdigit():
                continue
            if _non_overlapping(text, phrase) * size / n >= _FREQUENT_SHARE:
                return True
    return False


def _non_overlapping(text: str, phrase: str) -> int:
    return text.count(phrase)   # str.count counts copies that do not overlap, left to right


def _near_repeats(text: str) -> int:
    """Phrases of 5+ characters restated within their own length of the first copy."""
    found, i = 0, 0
    for start in _near_starts(text):
        if start < i:
            continue   # inside the phrase just counted
        i = start
        hit = _near_hit(text, i)
        if hit:
            found += 1
            i += hit
    return found


def _near_starts(text: str) -> list[int]:
    """Where a near repeat can start, in order: a restatement repeats the phrase's first
    _MIN_NEAR characters after the phrase and within 3 * _MAX_NEAR characters of its start,
    so only positions whose head recurs so are tried (most cells have none)."""
    heads = _grams(text, _MIN_NEAR)
    if len(set(heads)) == len(heads):
        return []   # no head recurs at all (most cells): one set says so
    # find's end bound keeps the whole later copy within 3 * _MAX_NEAR characters of a
    return [a for a, head in enumerate(heads)
            if text.find(head, a + _MIN_NEAR, a + 3 * _MAX_NEAR) != -1]


def _near_hit(text: str, i: int) -> int:
    """The size of the longest phrase at i restated within its own length, else 0."""
    # a restated phrase that spans a separator is parallel structure (以公开促落实，以公开促规范), and so
    # is a copy past the next separator (_joins_clauses); a copy before it holds no separator, as the
    # phrase holds none: so phrase and copy both fit before the separator (or the end of the text)
    separator = _SEPARATOR.search(text, i)
    longest = min(_MAX_NEAR, ((separator.start() if separator else len(text)) - i) // 2)
    if longest < _MIN_NEAR:
        return 0
    ideographs = _cjk_count(text[i:i + longest])   # in the phrase of each size, counted down as it shrinks
    for size in range(longest, _MIN_NEAR - 1, -1):
        if ideographs < 4:
            break   # a shorter phrase holds no more ideographs
        phrase = text[i:i + size]
        j = text.find(phrase, i + size, i + 3 * size)
        if j != -1 and j - (i + size) <= size and not _joins_clauses(text[i + size:j]):
            return size
        if _CJK_CHAR.match(text, i + size - 1):
            ideographs -= 1   # the next phrase ends one character sooner
    return 0


def _joins_clauses(between: str) -> bool:
    """True when what stands between two copies of a phrase is a clause break or ends in 和/及/与/或:
    a term named again in the next clause or list entry (重大行政决策程序，重大行政决策事项目录和
    重大行政决策草案), not debris."""
    return bool(_SEPARATORS & set(between)) or between[-1:] in _CONNECTORS


_CONNECTORS = set("和及与或并")


def _mixed_in(text: str, others: Sequence[str]) -> bool:
    """Two or more pieces of neighbouring cells, cut off mid-name, inside this text."""
    pieces = set()
    for other in others:
        other = _prepare(other)
        if not other or other == text:
            continue
        # a shared piece starts with one of the neighbour's heads: most neighbours (short unit
        # names, cached) have none in the text, and the text's own heads need not be built
        if not any(head in text for head in _heads(other)):
            continue
        for piece in _shared_pieces(text, other):
            if _cut_in(other, piece):
                pieces.add(piece)
    return len(pieces) >= 2


def _grams(text: str, size: int) -> list[str]:
    """Every substring of `size` characters, in order."""
    return [text[k:k + size] for k in range(len(text) - size + 1)]


def _slices(text: str, size: int) -> set[str]:
    """Every substring of `size` characters."""
    return {text[k:k + size] for k in range(len(text) - size + 1)}


# Cached: each unit cell is a neighbour on every row it stands in.
@lru_cache(maxsize=4096)
def _heads(text: str) -> frozenset[str]:
    """The substrings of _MIN_FRAGMENT characters that a shared piece can start with."""
    return frozenset(_slices(text, _MIN_FRAGMENT))


def _shared_pieces(text: str, other: str) -> list[str]:
    """Maximal substrings (5+ chars, 4+ ideographs) of `text` that also occur in `other`."""
    pieces, i, n = [], 0, len(text)
    while i < n:
        size = 0
        while i + size < n and text[i:i + size + 1] in other:
            size += 1
        if size >= _MIN_FRAGMENT and _cjk_count(text[i:i + size]) >= 4:
            pieces.append(text[i:i + size])
            i += size
        else:
            i += 1
    return pieces


def _cut_in(other: str, piece: str) -> bool:
    """True when every occurrence of `piece` in `other` ends inside a name (an ideograph follows)."""
    for m in re.finditer(re.escape(piece), other):
        after = other[m.end():m.end() + 1]
        if not after or not _cjk_count(after):
            return False
    return True


def is_garbled(text: str, others: Sequence[str] = ()) -> bool:
    """True when the text shows the repetition of a broken font map.

    `others` are the texts of the other cells of the same row, when the caller
    has them: two pieces of them cut off mid-name inside `text` mean the
    extraction interleaved the columns.
    """
    text = _prepare(text)
    if len(text) < 3:
        return False
    return _repeats(text) or (bool(others) and _mixed_in(text, others))


# Cached: the same unit cell comes back on row after row and the checks are quadratic in its length.
@lru_cache(maxsize=4096)
def _repeats(text: str) -> bool:
    """A prepared text (3+ characters) repeats itself the way a broken font map does."""
    if _RUN.search(text) or _has_dominant_char(text):
        return True
    # The other tests need restated 3-character phrases (`restated`: the positions whose three
    # characters occurred earlier). A tandem of period L (2+) restates the 3-grams at its first two
    # positions L later (ababab: aba, bab); a frequent phrase (3+ characters, 4 times) restates its
    # first three characters three times, a near repeat (5+ characters) three 3-grams in a row.
    # Most cells restate fewer and are spared the costly scans.
    restated = len(text) - 2 - len(_slices(text, 3))
    if restated < 2:
        return False
    if _has_tandem(text):
        return True
    if restated < min(_FREQUENT_TIMES - 1, _MIN_NEAR - 2):
        return False
    if _has_frequent_phrase(text):
        return True
    # an ideograph written twice counts only beside a near repeat (层层 alone is genuine)
    return _near_repeats(text) + (1 if _DOUBLE.search(text) else 0) >= 2
