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
            if j != -1 and j - (i + size) <= size:
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
