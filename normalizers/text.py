"""Text normalisation shared by every field (SPEC.md "Text normalisation")."""
from __future__ import annotations

import hashlib
import json
import logging
import re
import unicodedata
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Optional

import opencc

log = logging.getLogger(__name__)

# Pinyin gloss after a character, e.g. 發(fā) or 區（qū）: lower-case latin with
# at least one tone mark (or ü), in half- or full-width brackets.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü"
# The characters \s matches, spelled out: as the first item of a pattern, a class of plain characters is
# one table look-up per character as the engine skips to a possible start, \s a function call.
_WHITESPACE = "\t-\r\x1c- \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_IDEOGRAPH = r"[\u3400-\u9fff\uf900-\ufaff]"
# A gloss after a character or at the start of a line, past its open bracket.
_AFTER_CHAR = r"\s*([a-z" + _TONED + r"]{1,7})\s*[)）]"
_AFTER_LINE = r"\s*[a-z]{0,6}[" + _TONED + r"][a-z" + _TONED + r"]{0,6}\s*[)）][ \t]*"
# A match starts at a space or an open bracket, which the pattern takes first, so that the engine skips
# to it (a look-ahead there would be tried at every character); the look-behinds then check that one
# character again together with what stands before it (so a character too many in the first class
# would change nothing). The same spans as, written plainly,
#   (?<=IDEOGRAPH)\s*[(（] AFTER_CHAR  |  ^[ \t]*(?:[(（] AFTER_LINE)+
# since each branch is split by its first character (a space or a bracket: no character is both).
_GLOSS = re.compile(
    "[" + _WHITESPACE + "(（](?:"
    r"(?:(?<=" + _IDEOGRAPH + r"\s)\s*[(（]|(?<=" + _IDEOGRAPH + r"[(（]))" + _AFTER_CHAR
    # a line that starts with glosses: their characters ended the line above (a wrapped
    # or printed page); here a tone mark is required, so that `(a)` stays a list mark
    + r"|(?:(?<=^[ \t])[ \t]*[(（]|(?<=^[(（]))" + _AFTER_LINE + r"(?:[(（]" + _AFTER_LINE + r")*)",
    re.M,
)
# What every gloss holds: a bracket, then (after spaces) a latin letter. Few texts do, and a search
# for it is much cheaper than trying _GLOSS at every space and bracket. One pattern per
# bracket, tried where the bracket occurs: a pattern that opens with one character skips to it several
# times faster than one that opens with a class (a body of thousands of characters holds brackets and
# no gloss), and most short texts hold no bracket at all.
_GLOSS_HINT = re.compile(r"\(\s*[a-z" + _TONED + r"]")
_WIDE_GLOSS_HINT = re.compile(r"（\s*[a-z" + _TONED + r"]")
# zero-width and bidi marks, BOM, soft hyphen; and control characters (not tab or newline):
# one class, so that one pass removes both
_INVISIBLE = "\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\ufeff\u00ad"
_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_UNSEEN = re.compile(f"[{_INVISIBLE}{_CONTROL}]")

# Characters next to which whitespace is dropped: CJK ideographs, CJK and
# full-width punctuation, and the quotes/dashes Chinese text uses.
_CJK = (
    "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3200-\u32ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
    "\u2014\u2015\u2018\u2019\u201c\u201d\u2026\u00b7\u25a0\u25a1\u2611\u221a\u2713"
)
# (The two patterns below open with a look-ahead at the one character a match can begin with, before
# their look-behinds and repeats: the regex engine then leaves every other position after one test.)
_SPACE_NEXT_TO_CJK = re.compile(rf"(?=\s)(?:\s+(?=[{_CJK}])|(?<=[{_CJK}])\s+)")
# (\s\s* is \s+ spelled so that the engine skips to a space: a class first, not a repeat)
_SPACES = re.compile(r"\s\s*")
# A line break is a wrap: it vanishes unless it falls between two latin letters or digits.
_WRAP = re.compile(r"(?=[ \t\n])(?:(?<![A-Za-z0-9])[ \t]*\n\s*|[ \t]*\n\s*(?![A-Za-z0-9]))")


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s.json")


# The characters at which OpenCC's t2s can change a text, listed by tests/fixtures/build_t2s_changes.py
# from the installed dictionaries: a text that holds none of them comes out of OpenCC as it went in.
T2S_CHANGES = "data/t2s_changes.txt"


def t2s_files(config: Path) -> list[Path]:
    """The t2s configuration file and the dictionary files it names, in the order it names them."""
    def named(node) -> list[str]:
        if isinstance(node, dict):
            return ([node["file"]] if isinstance(node.get("file"), str) else []) + \
                [f for value in node.values() for f in named(value)]
        return [f for value in node for f in named(value)] if isinstance(node, list) else []
    names = named(json.loads(config.read_text("utf-8")))
    return [config] + [config.parent / name for name in dict.fromkeys(names)]


def t2s_digest(config: Path) -> str:
    """SHA-256 of the t2s configuration and of the dictionaries it names (names and bytes)."""
    digest = hashlib.sha256()
    for path in t2s_files(config):
        digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def read_t2s_changes(text: str) -> tuple[str, str]:
    """The digest line and the characters of a t2s_changes.txt file."""
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    key, _, digest = lines[0].partition("\t")
    if key != "digest" or not digest:
        raise ValueError("no digest line")
    return digest, "".join(lines[1:])


@lru_cache(maxsize=1)
def _may_change() -> Optional[re.Pattern]:
    """A pattern for the characters at which t2s can change a text; None (every text goes through
    OpenCC) when the installed dictionaries are not those the list was made from."""
    try:
        digest, chars = read_t2s_changes(resources.files("normalizers").joinpath(T2S_CHANGES).read_text("utf-8"))
        config = getattr(_converter(), "config", None)
        if not config:
            log.debug("OpenCC does not say which t2s.json it read: every text goes through OpenCC")
            return None
        if t2s_digest(Path(config)) != digest:
            log.debug("OpenCC's t2s dictionaries are not those %s was made from: every text goes through OpenCC",
                      T2S_CHANGES)
            return None
    except (OSError, ValueError, IndexError, KeyError, TypeError) as exc:
        log.debug("%s not read (%s): every text goes through OpenCC", T2S_CHANGES, exc)
        return None
    # The characters beyond the BMP (rare in notices) are one range here: the regex engine tests the
    # BMP ones with one table look-up, but each single character outside its table one by one.
    bmp = sorted(ord(c) for c in set(chars) if ord(c) < 0x10000)
    return re.compile("[" + _as_ranges(bmp) + "\U00010000-\U0010ffff]")


def _as_ranges(codes: list[int]) -> str:
    """Sorted code points as the inside of a regex class, consecutive ones as ranges."""
    runs: list[list[int]] = []
    for code in codes:   # a class of single characters is slow to compile and to match
        if runs and code == runs[-1][1] + 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    return "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in runs)


def char_class(chars) -> str:
    """A regex class of these characters (an iterable of one-character strings), in code point order."""
    return "[" + _as_ranges(sorted({ord(c) for c in chars})) + "]"


def _unchanged_by_t2s(text: str) -> bool:
    """True when OpenCC's t2s is known to give back the text as it is (most simplified text: a search
    costs a third of OpenCC's pass over the same text, and a short text skips its fixed cost)."""
    pattern = _may_change()
    return pattern is not None and not pattern.search(text)


def strip_glosses(text: str) -> str:
    """Remove pinyin glosses such as the `(fā)` in `發(fā)`."""
    if ("(" in text and _GLOSS_HINT.search(text)) or ("（" in text and _WIDE_GLOSS_HINT.search(text)):
        return _GLOSS.sub("", text)
    return text


def to_simplified(text: str) -> str:
    """Traditional to simplified Chinese (OpenCC t2s, phrase-aware)."""
    return _converter().convert(text) if text and not _unchanged_by_t2s(text) else text


def to_simplified_each(texts: list[str]) -> list[str]:
    """to_simplified() of each text, in one OpenCC call for those that need one.

    Each call has a fixed cost that a document's hundreds of short texts would pay
    one by one. No OpenCC dictionary key holds a line break, so no phrase match
    spans two texts joined by one, and the result splits back line for line."""
    out = list(texts)
    todo = [k for k, text in enumerate(texts) if text and not _unchanged_by_t2s(text)]
    if not todo:
        return out
    lines = _converter().convert("\n".join(texts[k] for k in todo)).split("\n")
    i = 0
    for k in todo:
        n = texts[k].count("\n") + 1
        out[k] = "\n".join(lines[i:i + n])
        i += n
    return out


@lru_cache(maxsize=1)
def _unified_table() -> dict[int, str]:
    """str.translate table from data/radicals.tsv (built from Unicode data by tests/fixtures/build_radicals.py)."""
    text = resources.files("normalizers").joinpath("data/radicals.tsv").read_text("utf-8")
    table: dict[int, str] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            source, target = line.split("\t")[:2]
            table[int(source, 16)] = chr(int(target, 16))
    return table


@lru_cache(maxsize=1)
def _unified_ranges() -> str:
    """The characters _unified_table() maps, as the inside of a regex class."""
    return _as_ranges(sorted(_unified_table()))


@lru_cache(maxsize=1)
def _unified_chars() -> re.Pattern:
    """Any character _unified_table() maps: most texts hold none, and a regex search is cheaper than translate."""
    return re.compile("[" + _unified_ranges() + "]")


@lru_cache(maxsize=1)
def _mapped_or_unseen() -> re.Pattern:
    """Any character that unify_ideographs() maps or clean_chars() removes (most texts hold none)."""
    return re.compile("[" + _unified_ranges() + _INVISIBLE + _CONTROL + "]")


def unify_ideographs(text: str) -> str:
    """Radicals (⺠ U+2EA0, ⼈ U+2F08) and compatibility ideographs as the unified ideograph a reader sees."""
    # PDF producers (Chromium/Skia, some WPS exports) map glyphs to radical code
    # points; NFKC folds the Kangxi block only, not the Radicals Supplement
    return text.translate(_unified_table()) if _unified_chars().search(text) else text


# Full-width punctuation that Chinese text is full of, and the no-break spaces, each with its compatibility
# decomposition (one ASCII character each): see nfkc().
_WIDE_FORMS = tuple((wide, unicodedata.normalize("NFKD", wide)) for wide in "，（）：；！？\u3000\xa0")


def nfkc(text: str) -> str:
    """unicodedata.normalize("NFKC", text), cheaper on text that holds full-width punctuation."""
    # CPython normalises a text that fails its quick check character by character through its composition
    # tables (about 10 µs for a paragraph), and one full-width comma fails it. NFKC(x) is the canonical
    # composition of NFKD(x), and NFKD(x) stays the same when a character of x is first replaced by its
    # own compatibility decomposition: so the result is the same, and the quick check then mostly passes.
    if unicodedata.is_normalized("NFKC", text):
        return text
    for wide, narrow in _WIDE_FORMS:
        text = text.replace(wide, narrow)
    return unicodedata.normalize("NFKC", text)


def clean_chars(text: str) -> str:
    """Radicals unified, NFKC, then zero-width and control characters removed (tabs and newlines kept)."""
    if not _mapped_or_unseen().search(text):
        # NFKC turns no character into one that unify_ideographs() maps or _UNSEEN matches
        # (tests/test_text.py checks every code point), so NFKC alone is the whole of it
        return nfkc(text)
    return _UNSEEN.sub("", nfkc(unify_ideographs(text)))


def squeeze_spaces(text: str) -> str:
    """Join lines; no whitespace next to CJK; other whitespace runs become one space."""
    if not _has_space(text):
        return text   # nothing to join or squeeze (most cells): skip the three passes
    text = _squeeze(text)
    # NFKC writes a spacing accent (´, ゛) as a space and a combining mark; squeezing the space away
    # brings the mark to a letter, and the pair composes (A + U+0301 is Á): done here until nothing
    # changes, so that a second normalize() changes nothing (a few passes at most; most text has no mark)
    for _ in range(4):
        if not _MARKS.search(text):
            break
        again = _squeeze(nfkc(text))
        if again == text:
            break
        text = again
    return text


def _has_space(text: str) -> bool:
    """Whether text holds a character that \\s matches."""
    # str.split() splits at the same characters (both ask Py_UNICODE_ISSPACE) and tests each about
    # three times faster than a regex search, which matters on a body of thousands of characters
    return bool(text) and text.split(None, 1) != [text]


def _squeeze(text: str) -> str:
    text = _WRAP.sub("", text)
    text = _SPACE_NEXT_TO_CJK.sub("", text)
    return _SPACES.sub(" ", text).strip()


_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u3099\u309a]")


def normalize_lines(text: str) -> list[str]:
    """Normalise text but keep its line structure: one normalised string per non-empty line."""
    text = clean_chars(to_simplified(strip_glosses(clean_chars(text or ""))))
    return [line for line in (squeeze_spaces(part) for part in text.split("\n")) if line]


def _before_script(text: str) -> str:
    """normalize()'s steps before the script conversion (invisible characters go first so that they
    cannot hide a gloss)."""
    return strip_glosses(clean_chars(text))


def _after_script(text: str) -> str:
    """normalize()'s steps after the script conversion."""
    return squeeze_spaces(clean_chars(text))


@lru_cache(maxsize=4096)
def _normalize(text: str) -> str:
    return _after_script(to_simplified(_before_script(text)))


def normalize(text: str | None) -> str:
    """Full SPEC normalisation of one text value; None becomes ''."""
    # cached: the table stage asks for the same cell's text many times
    return _normalize(text) if text else ""


def normalize_all(texts: list[str | None]) -> list[str]:
    """normalize() of each text, with one OpenCC call for all of them (see to_simplified_each)."""
    before = [_before_script(t) if t else "" for t in texts]
    return [_after_script(s) if t else "" for t, s in zip(texts, to_simplified_each(before))]


_CN_DIGITS = {**{c: i for i, c in enumerate("0123456789")}, "〇": 0, "○": 0, "零": 0, "O": 0,
              "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def cn_int(text: str) -> int | None:
    """A number written in Arabic or Chinese numerals: 20, 二十, 十五, 三十一, 二〇二〇 (digit by digit); None if odd."""
    text = text.strip()
    if "十" in text:
        head, _, tail = text.partition("十")
        if len(head) > 1 or len(tail) > 1:
            return None
        tens = _CN_DIGITS.get(head) if head else 1
        ones = _CN_DIGITS.get(tail) if tail else 0
        return None if tens is None or ones is None else tens * 10 + ones
    digits = [_CN_DIGITS.get(ch) for ch in text]
    if not digits or None in digits:
        return None
    return int("".join(map(str, digits)))


def is_cjk(ch: str) -> bool:
    """True for a CJK ideograph."""
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"
