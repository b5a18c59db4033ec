"""Thresholds of `govnotice compare`: notice grouping and task matching (no heavy imports, so the CLI starts fast)."""
from __future__ import annotations

from dataclasses import dataclass, field, fields


@dataclass(frozen=True)
class MatchSettings:
    """Thresholds of the matcher (a dict with the same keys works too)."""
    threshold: float = 0.12          # cosine to a match's centroid needed to join it …
    margin: float = 0.06             # … and by how much it must beat a rival task of the same notice (last pass)
    idf_power: float = 2.0           # idf raised to this power: words that many tasks use weigh much less
    group_weight: float = 0.25       # share of the group/subgroup text (context) in a task's vector
    char_ngrams: tuple = (2, 3)      # character n-gram lengths beside the jieba words
    same_object: float = 80.0        # rapidfuzz ratio of the text after two differing verbs that vetoes a match
    same_frame: float = 75.0         # rapidfuzz ratio of two texts without their local proper nouns at which
                                     # differing nouns veto a match (the nouns are what differs)
    object_chars: int = 4            # a shared ending at least this long is one object …
    head_chars: int = 4              # … and differing heads at most this long are verbs on it
    fuzz_weight: float = 0.02        # rapidfuzz ratio (0..1) times this breaks near ties
    near_best: float = 0.25          # matches this far below a task's best are not checked nor chosen
    candidates: int = 8              # closest matches per task that the assignment chooses among
    vector_memory_mb: int = 128      # budget for the dense task and match vectors; sets their dimensions …
    min_dims: int = 512              # … but no fewer (cosine error about 1/sqrt(dims) when projected)
    buckets: int = 4                 # projection buckets per feature
    rounds: int = 2                  # passes that place every notice again against all the others
    seed: int = 20200814             # of the random projection, so runs repeat exactly

    def __post_init__(self):
        # a NaN or a cosine above 1 would reach the matrix code and fail there, far from its cause
        if not (isinstance(self.threshold, (int, float)) and 0 < self.threshold <= 1):
            raise ValueError(f"threshold (--threshold) must be a number in (0, 1], not {self.threshold!r}")

    @classmethod
    def of(cls, value: "MatchSettings | dict | None") -> "MatchSettings":
        """Settings from None, a dict of overrides or settings themselves."""
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        known = {f.name for f in fields(cls)}
        unknown = set(value) - known
        if unknown:
            raise ValueError(f"unknown match settings: {', '.join(sorted(unknown))}")
        return cls(**value)


@dataclass(frozen=True)
class CompareSettings:
    """Thresholds of notice grouping and matching (a dict with the same keys works for `match`)."""
    same_rows: float = 0.9            # share of equal task rows (Jaccard) that makes two documents one notice …
    same_details: float = 0.8         # … when their lead units and deadlines agree this often (where both state them)
    minhashes: int = 4                # salted hashes used to find candidate pairs of such documents
    deadline_share: float = 0.3       # share of a no-year notice's dated deadlines the first year of its plan holds
    year_likeness: float = 0.1        # mean best cosine of a no-year notice's tasks to a dated notice's that
                                      # gives it that notice's plan year (when its deadlines do not)
    local_noun_chars: int = 2         # characters after a place's bare name read as a local proper noun …
    local_noun_share: float = 0.1     # … unless more than one notice and more than this share of those compared
                                      # write them (政务, 发布: everyone's words)
    match: MatchSettings = field(default_factory=MatchSettings)
