"""Same task across notices: TF-IDF over jieba words and character n-grams, one task per notice per match.

Notices are taken one at a time (in a fixed order, so the result does not depend on how the store
grew); each notice's tasks are assigned one-to-one to the matches found so far
(scipy's linear_sum_assignment on the cosine to each match's centroid), and a task that fits none
opens a match of its own; in the last pass a task joins a match only when no other task of its notice
nearly ties for it (a ratio test). Features are weighted by squared idf, so that words most task texts
share count little. Scope words veto a match: differing numbers (26个领域 vs 3个), differing
level words (县级 vs 乡级) and `其他X` against a plain `X`, each against every member of the match;
and a differing leading verb when the rest is the same (制定 vs 公开), against its first member; and,
when the caller says which local proper nouns each task names (缙云烧饼, 临西轴承), differing ones on
texts that are otherwise nearly the same.
"""
from __future__ import annotations

import functools
import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
from rapidfuzz import fuzz
from scipy import sparse
from scipy.optimize import linear_sum_assignment
from threadpoolctl import threadpool_limits

from pipeline.match_settings import MatchSettings
from pipeline.task_wording import essentials


@functools.lru_cache(maxsize=1)
def _jieba():
    """jieba with its dictionary loaded once per process (the load takes about a second)."""
    import logging

    import jieba
    import jieba.posseg
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


# Numbering and brackets carry no meaning for the match; punctuation splits phrases.
_PUNCT = re.compile(r"[\s,.;:!?，。；：、！？\"“”'‘’()（）《》〈〉【】\[\]<>—\-_/]+")
_LEVEL = re.compile(r"(?<![两三四五六七八九十几各])([省市县区乡镇村])级")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_OTHER = re.compile(r"其[他它]([\u4e00-\u9fff]{2})")
_MODALS = ("要", "应", "应当", "需", "将", "是")


@dataclass(frozen=True)
class Scope:
    """What limits a task's reach: numbers, level words, nouns written as `其他X`, the leading verbs."""
    text: str
    numbers: frozenset
    levels: frozenset
    others: frozenset
    verbs: frozenset
    rest: str


@functools.lru_cache(maxsize=200_000)
def scope_of(text: str) -> Scope:
    """The scope words of one task text (pure function of the text)."""
    numbers, levels, others = bounds_of(text)
    verbs, rest = _leading_verbs(text)
    return Scope(text, numbers, levels, others, verbs, rest)


_NONE: frozenset = frozenset()


def bounds_of(text: str) -> tuple[frozenset, frozenset, frozenset]:
    """The numbers (years left out), level words and `其他X` nouns of a task text: what no two tasks of
    one match may differ in (regular expressions only; most texts have none, and share one empty set)."""
    years = set(re.findall(r"(20\d\d)年", text))
    numbers = frozenset(n for n in _NUMBER.findall(text) if n not in years) or _NONE
    return numbers, frozenset(_LEVEL.findall(text)) or _NONE, frozenset(_OTHER.findall(text)) or _NONE


def _leading_verbs(text: str) -> tuple[frozenset, str]:
    """The first run of verbs of the text (modal words such as 要 and 应 skipped) and the text after it.

    A run of verbs is one action: in 研究制定, 组织开展, 梳理编制 the last verb is the work and the
    ones before it say how it is done, so two tasks share their action when their runs share a verb.
    """
    jieba = _jieba()
    verbs: list[str] = []
    end = 0
    for i, pair in enumerate(jieba.posseg.lcut(text[:16])):
        # one-character "verbs" are mostly jieba's guesses inside names (村(居)民: 居), not actions
        is_verb = pair.flag in ("v", "vn", "vd") and len(pair.word) > 1 and pair.word not in _MODALS
        if verbs and not is_verb:
            break
        if is_verb:
            verbs.append(pair.word)
        elif i > 3:
            break
        end += len(pair.word)
    return (frozenset(verbs), text[end:]) if verbs else (frozenset(), text)


def bounds_conflict(a: Scope, bounds: tuple[frozenset, frozenset, frozenset]) -> bool:
    """True when a task's numbers, level words or `其他X` differ from another's (given as its bounds_of)."""
    numbers, levels, others = bounds
    if a.numbers and numbers and not (a.numbers & numbers):
        return True
    if a.levels and levels and a.levels != levels:
        return True
    return a.others != others  # `其他领域` is a scope of its own: not `26个领域`, not `领域` left unsaid


def word_bounds(text: str) -> set[int]:
    """The offsets in the text where jieba's words start or end."""
    bounds, at = {0}, 0
    for word in _jieba().lcut(text):
        at += len(word)
        bounds.add(at)
    return bounds


def _without(text: str, names: frozenset) -> str:
    """The text with its local proper nouns (place and noun, as compare.local_names gives them) taken out."""
    for place, noun in names:
        text = text.replace(place + noun, "")
    return text


def names_conflict(task: int, member: int, names: Sequence[frozenset], texts: Sequence[str],
                   settings: MatchSettings) -> bool:
    """True when two tasks each name a local proper noun (缙云烧饼: 烧饼; 临西轴承: 轴承), none the same, and
    the nouns are what differs: without them the two texts are nearly one (`same_frame`). Each place's
    own product, brand or branch is a task of its own; two tasks that differ in more than that are left to
    the cosine (a branch of another provincial app, 天府通办 vs 政务服务网, is the same work)."""
    mine, theirs = names[task], names[member]
    if not mine or not theirs or {n for _, n in mine} & {n for _, n in theirs}:
        return False
    return fuzz.ratio(_without(texts[task], mine), _without(texts[member], theirs)) >= settings.same_frame


def verbs_differ(a: Scope, b: Scope, settings: "MatchSettings | None" = None) -> bool:
    """Another leading verb on the same object (制定X vs 公开X); 编制 vs 梳理编制 count as one action."""
    settings = settings or MatchSettings()
    if _other_prefix(a.text.replace(" ", ""), b.text.replace(" ", ""), settings):
        return True
    if not a.verbs or not b.verbs or any(x in y or y in x for x in a.verbs for y in b.verbs):
        return False
    return fuzz.ratio(a.rest, b.rest) >= settings.same_object


def _other_prefix(a: str, b: str, settings: MatchSettings) -> bool:
    """The same object after two short different heads: `制定政务公开事项清单` vs `公开政务公开事项清单`."""
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    head_a, head_b = a[:len(a) - n], b[:len(b) - n]
    if n < settings.object_chars or not head_a or not head_b:
        return False
    if max(len(head_a), len(head_b)) > settings.head_chars:
        return False
    return head_a not in head_b and head_b not in head_a


def clean(text: Optional[str]) -> str:
    """Task text for matching: its essentials (pipeline.task_wording), punctuation to spaces, lower case."""
    return _PUNCT.sub(" ", essentials(text or "").lower()).strip()


def _features(text: str, settings: MatchSettings) -> list[str]:
    """jieba words plus character n-grams within each phrase."""
    jieba = _jieba()
    feats = [f"w:{w}" for w in jieba.lcut(text) if w.strip()]
    for phrase in text.split():
        for n in settings.char_ngrams:
            feats.extend(f"c:{phrase[i:i + n]}" for i in range(len(phrase) - n + 1))
    return feats


def tfidf(texts: Sequence[str], settings: MatchSettings) -> sparse.csr_matrix:
    """L2-normalised TF-IDF rows (sublinear tf, smooth idf) of the texts; equal texts are analysed once."""
    unique = sorted(set(texts))
    bags = [Counter(_features(t, settings)) for t in unique]
    vocab: dict[str, int] = {}
    df: Counter = Counter()
    for bag in bags:
        df.update(bag.keys())
    for feat in sorted(df):
        vocab[feat] = len(vocab)
    n = len(unique)
    # Squared idf: words that many task texts use (推进, 加强, 工作, 政务公开 …) are filler for the match,
    # found from the texts themselves rather than from a word list.
    idf = np.array([math.log((1 + n) / (1 + df[f])) + 1.0 for f in vocab], dtype=np.float64) ** settings.idf_power
    rows, cols, vals = [], [], []
    for r, bag in enumerate(bags):
        for feat, count in bag.items():
            rows.append(r)
            cols.append(vocab[feat])
            vals.append((1.0 + math.log(count)) * idf[vocab[feat]])
    matrix = sparse.csr_matrix((vals, (rows, cols)), shape=(n, len(vocab)), dtype=np.float64)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    matrix = sparse.diags(1.0 / np.where(norms > 0, norms, 1.0)) @ matrix
    index = {t: i for i, t in enumerate(unique)}
    return matrix[[index[t] for t in texts]].tocsr()


def vectors(items: Sequence[str], contexts: Sequence[str], settings: MatchSettings) -> sparse.csr_matrix:
    """One L2-normalised row per task: its item's TF-IDF with its group's TF-IDF as context."""
    item = tfidf([clean(t) for t in items], settings) * (1.0 - settings.group_weight)
    context = tfidf([clean(t) for t in contexts], settings) * settings.group_weight
    both = sparse.hstack([item, context]).tocsr()
    norms = np.sqrt(np.asarray(both.multiply(both).sum(axis=1)).ravel())
    return (sparse.diags(1.0 / np.where(norms > 0, norms, 1.0)) @ both).tocsr()


def _dims(n_tasks: int, n_features: int, settings: MatchSettings) -> int:
    """Dimensions of the dense task vectors: as many as the budget allows (tasks and matches), at least min_dims."""
    budget = settings.vector_memory_mb * 1024 * 1024 // (4 * 2 * max(1, n_tasks))
    return int(min(n_features, max(settings.min_dims, budget)))


def dense(x: sparse.csr_matrix, settings: MatchSettings) -> np.ndarray:
    """Dense float32 task vectors: the TF-IDF itself when it is narrow enough, else a random projection of it.

    A sparse sign projection (several buckets per feature) keeps cosines within about 1/sqrt(dims);
    dense vectors make centroid updates and cosines plain array arithmetic, which is what lets
    thousands of notices through in seconds.
    """
    n, features = x.shape
    dims = _dims(n, features, settings)
    if dims >= features:
        return np.asarray(x.todense(), dtype=np.float32)
    rng = np.random.default_rng(settings.seed)
    per = settings.buckets
    rows = np.repeat(np.arange(features), per)
    cols = rng.integers(0, dims, size=features * per)
    signs = rng.choice([-1.0, 1.0], size=features * per) / math.sqrt(per)
    proj = sparse.csr_matrix((signs, (rows, cols)), shape=(features, dims))
    out = np.asarray((x @ proj).todense(), dtype=np.float32)
    norms = np.linalg.norm(out, axis=1)
    return out / np.where(norms > 0, norms, 1.0)[:, None]


class _Matches:
    """The matches found so far: the sum of their members' vectors, its norm, and the member tasks of each."""

    def __init__(self, vecs: np.ndarray, texts: Sequence[str], names: Optional[Sequence[frozenset]] = None):
        self.vecs, self.texts = vecs, texts
        # per task, the local proper nouns it names (compare.local_names); per match, its members naming some
        self.names = names if names is not None else [_NONE] * len(texts)
        self.named: list[list[int]] = []
        self.sums = np.zeros((64, vecs.shape[1]), dtype=np.float32)
        self.norms = np.zeros(64, dtype=np.float32)
        self.members: list[list[int]] = []
        # per match, how many members have each distinct bounds_of: a task is checked against every
        # member's numbers and levels (a first member that states none would let 26个 and 3个 in)
        self.bounds: list[Counter] = []
        self.task_bounds: dict[int, tuple] = {}

    def open(self, task: int) -> int:
        """A new match holding one task; returns its number."""
        k = len(self.members)
        if k == len(self.sums):
            self.sums = np.vstack([self.sums, np.zeros_like(self.sums)])
            self.norms = np.concatenate([self.norms, np.zeros_like(self.norms)])
        self.members.append([])
        self.bounds.append(Counter())
        self.named.append([])
        self.add(k, task)
        return k

    def add(self, k: int, task: int, sign: float = 1.0) -> None:
        """Add a task to match k (or take it out, with sign -1)."""
        self.sums[k] += self.vecs[task] * sign
        bounds = self.task_bounds.get(task)
        if bounds is None:
            bounds = self.task_bounds[task] = bounds_of(self.texts[task])
        if sign > 0:
            self.members[k].append(task)
            self.bounds[k][bounds] += 1
            if self.names[task]:
                self.named[k].append(task)
        else:
            self.members[k].remove(task)
            self.bounds[k][bounds] -= 1
            if not self.bounds[k][bounds]:
                del self.bounds[k][bounds]
            if self.names[task]:
                self.named[k].remove(task)
        # an emptied match keeps a zero norm, so its cosine stays 0 and it is never chosen
        self.norms[k] = np.linalg.norm(self.sums[k]) if self.members[k] else 0.0

    def candidates(self, tasks: Sequence[int], top: int) -> tuple[np.ndarray, np.ndarray]:
        """The live matches closest to any of the tasks, and the tasks' cosines to their centroids."""
        count = len(self.members)
        if not count:
            return np.zeros(0, dtype=np.int64), np.zeros((len(tasks), 0))
        norms = self.norms[:count]
        sims = (self.vecs[tasks] @ self.sums[:count].T) / np.where(norms > 1e-9, norms, np.inf)[None, :]
        top = min(top, count)
        best = np.unique(np.argpartition(-sims, top - 1, axis=1)[:, :top])
        best = best[norms[best] > 1e-9]
        return best, sims[:, best].astype(np.float64)


def _score(matches: _Matches, tasks: Sequence[int], cands: np.ndarray, scores: np.ndarray,
           settings: MatchSettings) -> np.ndarray:
    """Cosine to each candidate match, vetoed by scope (numbers and levels against every member, the leading
    verb against its first), fuzzy ratio as tie-break."""
    texts = matches.texts
    best = scores.max(axis=1, initial=0.0)
    # Only a task's near-best matches can win the assignment: the checks are spent on those.
    near = (scores >= settings.threshold - settings.fuzz_weight) & (scores >= best[:, None] - settings.near_best)
    scores = np.where(near, scores, np.minimum(scores, settings.threshold - settings.fuzz_weight))
    for i, j in zip(*np.nonzero(near)):
        task, first = tasks[i], matches.members[cands[j]][0]
        scope = scope_of(texts[task])   # the first member's bounds are among the match's
        named = matches.named[cands[j]]
        if any(bounds_conflict(scope, bounds) for bounds in matches.bounds[cands[j]]) or \
                any(names_conflict(task, other, matches.names, texts, settings) for other in named) or \
                verbs_differ(scope, scope_of(texts[first]), settings):
            scores[i, j] = 0.0
        else:
            scores[i, j] += settings.fuzz_weight * fuzz.ratio(texts[task], texts[first]) / 100.0
    return scores


def _ambiguous(scores: np.ndarray, rows: np.ndarray, cols: np.ndarray, margin: float) -> np.ndarray:
    """Per assignment: another task of the notice wanted that match too and came within `margin` of it.

    A ratio test (as in matching image keypoints): when a notice splits a task into two nearly equal
    candidates, neither is the same task, so the weak evidence of a low cosine is not enough.
    """
    chosen = np.full(scores.shape[0], -np.inf)
    chosen[rows] = scores[rows, cols]
    out = np.zeros(len(rows), dtype=bool)
    for i, (r, c) in enumerate(zip(rows, cols)):
        # a rival is a task that got less than this match would have given it (or nothing)
        rivals = (chosen < scores[:, c]) & (scores[:, c] > scores[r, c] - margin)
        rivals[r] = False
        out[i] = bool(rivals.any())
    return out


def _place(matches: _Matches, tasks: list[int], label: list[int], settings: MatchSettings,
           final: bool = False) -> None:
    """Assign one notice's tasks one-to-one to the live matches; open a match for each task left over.

    In the final pass an assignment that a rival task of the same notice nearly ties is dropped.
    """
    cands, sims = matches.candidates(tasks, settings.candidates)
    if len(cands):
        scores = _score(matches, tasks, cands, sims, settings)
        rows, cols = linear_sum_assignment(-scores)
        ambiguous = _ambiguous(scores, rows, cols, settings.margin) if final else np.zeros(len(rows), bool)
        for r, c, tie in zip(rows, cols, ambiguous):
            if scores[r, c] >= settings.threshold and not tie:
                label[tasks[r]] = int(cands[c])
                matches.add(int(cands[c]), tasks[r])
    for task in tasks:
        if label[task] < 0:
            label[task] = matches.open(task)


def cluster(notices: Sequence[str], items: Sequence[str], contexts: Sequence[str],
            settings: "MatchSettings | dict | None" = None,
            names: Optional[Sequence[frozenset]] = None) -> list[int]:
    """A match number per task; tasks of one notice never share one, a match holds one task per notice.

    `names` (optional, per task): the local proper nouns it names, as (place, noun) pairs; two tasks
    naming only different ones never share a match when the nouns are what differs (names_conflict).
    """
    settings = MatchSettings.of(settings)
    if not items:
        return []
    # Thousands of small products: BLAS threads only fight each other (x30 slower on a busy 2-core box).
    with threadpool_limits(1, user_api="blas"):
        return _cluster(notices, items, contexts, settings, names)


def _cluster(notices: Sequence[str], items: Sequence[str], contexts: Sequence[str],
             settings: MatchSettings, names: Optional[Sequence[frozenset]] = None) -> list[int]:
    x = vectors(items, contexts, settings)
    matches = _Matches(dense(x, settings), [clean(t) for t in items], names)
    by_notice: dict[str, list[int]] = {}
    for i, notice in enumerate(notices):
        by_notice.setdefault(notice, []).append(i)
    order = sorted(by_notice, key=lambda n: (-len(by_notice[n]), n))
    label = [-1] * len(items)
    for notice in order:
        _place(matches, by_notice[notice], label, settings)
    # Later notices saw earlier ones but not the reverse: place every notice again against all others.
    # The ratio test runs in the last pass only: earlier, while matches are still forming, it would
    # keep tasks out of matches they belong to.
    for round_ in range(settings.rounds):
        for notice in order:
            tasks = by_notice[notice]
            for task in tasks:
                matches.add(label[task], task, -1.0)
                label[task] = -1
            _place(matches, tasks, label, settings, final=round_ == settings.rounds - 1)
    return _renumber(label)


def _renumber(label: list[int]) -> list[int]:
    """Match numbers 0, 1, 2 … in order of first appearance, so they do not depend on dropped matches."""
    seen: dict[int, int] = {}
    return [seen.setdefault(k, len(seen)) for k in label]
