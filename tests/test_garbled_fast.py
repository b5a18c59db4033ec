"""The near-repeat count of normalizers.garbled equals the plain scan it replaced (a quadratic reference)."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from normalizers import garbled

SEPARATORS = set("、,;，；:：。!?！？")


def reference_near_repeats(text: str) -> int:
    """The straightforward scan: every start, every size, count and test each phrase afresh."""
    def cjk(phrase: str) -> int:
        return sum(1 for ch in phrase if "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff")
    found, i, n = 0, 0, len(text)
    while i < n:
        hit = 0
        for size in range(min(15, (n - i) // 2), 4, -1):
            phrase = text[i:i + size]
            if cjk(phrase) < 4 or SEPARATORS & set(phrase):
                continue
            j = text.find(phrase, i + size, i + 3 * size)
            # copies in two clauses or list entries (…程序，重大… / …清单和行政…) are no debris
            between = text[i + size:j] if j != -1 else ""
            if j != -1 and j - (i + size) <= size and not (SEPARATORS & set(between) or between[-1:] in set("和及与或并")):
                hit = size
                break
        found, i = (found + 1, i + hit) if hit else (found, i + 1)
    return found


# few distinct characters, so that repeats are common
_ALPHABET = st.sampled_from(list("信息公开平台集中发布市县政府、，。a1") + ["\uf900", "\u3400"])


@settings(max_examples=500, deadline=None)
@given(st.lists(_ALPHABET, max_size=80).map("".join))
def test_near_repeats_match_the_plain_scan(text):
    assert garbled._near_repeats(text) == reference_near_repeats(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(_ALPHABET, max_size=30).map("".join), st.integers(2, 4))
def test_near_repeats_match_on_restated_phrases(phrase, times):
    text = (phrase + "集") * times
    assert garbled._near_repeats(text) == reference_near_repeats(text)


def test_a_restated_phrase_is_counted():
    assert garbled._near_repeats("信息公开平台集中发信息公开平台集化化") >= 1
    assert garbled._cjk_count("市a县，\uf900") == 3


def test_a_term_named_again_in_the_next_clause_or_list_entry_is_not_debris():
    # both are ordinary task wording; each was flagged garbled_text
    assert not garbled.is_garbled("严格执行重大行政决策程序，重大行政决策事项目录和重大行政决策草案向社会公开")
    assert not garbled.is_garbled("依照法律法规规定，公开行政规范性文件制定主体清单和行政规范性文件目录")


def reference_frequent_phrase(text: str) -> bool:
    """The plain scan over every phrase size, without stopping early."""
    n = len(text)
    for size in range(garbled._MIN_FREQUENT, 9):
        counts = {}
        for i in range(n - size + 1):
            counts[text[i:i + size]] = counts.get(text[i:i + size], 0) + 1
        for phrase, times in counts.items():
            if times < garbled._FREQUENT_TIMES or SEPARATORS & set(phrase) or phrase.isdigit():
                continue
            if garbled._non_overlapping(text, phrase) * size / n >= garbled._FREQUENT_SHARE:
                return True
    return False


@settings(max_examples=500, deadline=None)
@given(st.lists(_ALPHABET, max_size=60).map("".join))
def test_frequent_phrase_matches_the_plain_scan(text):
    assert garbled._has_frequent_phrase(text) == reference_frequent_phrase(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(_ALPHABET, min_size=3, max_size=9).map("".join), st.integers(3, 6), st.lists(_ALPHABET, max_size=20))
def test_frequent_phrase_matches_on_restated_phrases(phrase, times, debris):
    text = phrase * times + "".join(debris)
    assert garbled._has_frequent_phrase(text) == reference_frequent_phrase(text)
