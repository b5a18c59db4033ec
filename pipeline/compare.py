"""`govnotice compare STORE -o REPORTDIR`: the same tasks across notices, their deadlines and lead units.

Pure functions on rows (dicts as in documents.jsonl and tasks.jsonl): group documents into notices,
match tasks across the preferred documents (pipeline.matching), and lay the matches out as rows and a
pivot. pipeline.report writes the files.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Optional

from pipeline.disjoint import DisjointSets
from pipeline.match_settings import CompareSettings, MatchSettings

log = logging.getLogger(__name__)

EXAMPLE = "example: govnotice compare outputs -o outputs/compare --reference jiujiang_2020_annex1.pdf"


class CompareError(Exception):
    """The store cannot be compared (missing files, unknown reference notice)."""


def load_store(store: str | Path) -> tuple[list[dict], list[dict]]:
    """Documents and tasks of a store: from notices.db, its store of record, or, in a folder that holds
    only the exports (copied without the database), from documents.jsonl and tasks.jsonl."""
    from pipeline.store import DB_NAME, Store  # the CLI's start-up does not pay for the store's imports
    root = Path(store)
    if (root / DB_NAME).is_file():
        with Store(root) as opened:
            return opened.documents(), opened.tasks()
    rows = {}
    for name in ("documents", "tasks"):
        path = root / f"{name}.jsonl"
        if not path.is_file():
            raise CompareError(f"{root} is not a govnotice store: neither {DB_NAME} nor {path.name} is there")
        with open(path, encoding="utf-8") as handle:
            rows[name] = [json.loads(line) for line in handle if line.strip()]
    return rows["documents"], rows["tasks"]


def _item_key(task: dict) -> str:
    return re.sub(r"\s+", "", task.get("item") or "")


def _minhashes(items, count: int) -> list[str]:
    """The smallest salted hash of the item set, per salt (equal with probability = Jaccard)."""
    out = []
    for salt in range(count):
        out.append(min(hashlib.blake2b(f"{salt}|{i}".encode(), digest_size=8).hexdigest() for i in items))
    return out


def _details(task: dict) -> tuple:
    """What a task row says beside its wording: its lead units and its deadline (None where it says nothing)."""
    units = frozenset(task.get("lead_units") or []) or None
    kind = task.get("deadline_kind")
    if task.get("deadline") or kind in (None, "none"):
        return units, task.get("deadline")
    return units, (kind, re.sub(r"\s+", "", task.get("deadline_text") or ""))  # 持续推进, 每季度 …


def _details_agree(ra: dict[str, set], rb: dict[str, set], settings: CompareSettings) -> bool:
    """The rows both documents hold name mostly the same lead units and deadlines, where both state them.

    A county that copies another's plan word for word puts its own units and deadlines in (`区发改委`
    for `县发改委`, September for June): the same wording alone is not the same notice. A value one
    copy lacks (a reader that lost the deadline column) is no evidence either way, and lead units agree
    when one copy's are among the other's (a reader that kept one unit of a cell of two).
    """
    compared = agreed = 0
    for item in ra.keys() & rb.keys():
        for part, same in ((0, _units_agree), (1, set.intersection)):
            mine = {d[part] for d in ra[item] if d[part] is not None}
            theirs = {d[part] for d in rb[item] if d[part] is not None}
            if mine and theirs:
                compared += 1
                agreed += bool(same(mine, theirs))
    return not compared or agreed / compared >= settings.same_details


def _units_agree(mine: set[frozenset], theirs: set[frozenset]) -> bool:
    """Some lead units of one copy's row are all among those of the other copy's (or the reverse)."""
    return any(a <= b or b <= a for a in mine for b in theirs)


def _same_notice(a: dict, b: dict, rows: dict[str, dict], settings: CompareSettings) -> bool:
    """The same notice in two documents: a document number, a title and date, or nearly all task rows
    (their wording, and their units and deadlines where both state them)."""
    if a.get("adcode") and b.get("adcode") and a["adcode"] != b["adcode"]:
        return False  # two places never publish one notice
    if a.get("doc_number") and a.get("doc_number") == b.get("doc_number"):
        return True
    if a.get("title") and a.get("issue_date") and (a["title"], a["issue_date"]) == (b.get("title"), b.get("issue_date")):
        return True
    ra, rb = rows[a["doc_id"]], rows[b["doc_id"]]
    if not (ra and rb) or len(ra.keys() & rb.keys()) / len(ra.keys() | rb.keys()) < settings.same_rows:
        return False
    return _details_agree(ra, rb, settings)


def _candidate_pairs(docs: list[dict], rows: dict[str, dict], settings: CompareSettings) -> set[tuple[int, int]]:
    """Pairs of documents worth checking: sharing a document number, a title and date, or a min-hash."""
    buckets: dict[tuple, list[int]] = {}
    for i, doc in enumerate(docs):
        keys = [("no", doc.get("doc_number")), ("title", doc.get("title"), doc.get("issue_date"))]
        if rows[doc["doc_id"]]:
            keys += [("rows", s, h) for s, h in enumerate(_minhashes(rows[doc["doc_id"]], settings.minhashes))]
        for key in keys:
            if all(key[1:]):
                buckets.setdefault(key, []).append(i)
    pairs = set()
    for members in buckets.values():
        pairs.update((a, b) for n, a in enumerate(members) for b in members[n + 1:])
    return pairs


def _preference(doc: dict) -> tuple:
    """Most records first; then fewest warnings; a document read from extracted text last; then source."""
    records = (doc.get("n_tasks") or 0) + (doc.get("n_catalog") or 0) + (doc.get("n_domains") or 0)
    return (-records, len(doc.get("warnings") or []), doc.get("format") == "txt", doc.get("source") or "")


def group_notices(documents: list[dict], tasks: list[dict], settings: Optional[CompareSettings] = None) -> list[dict]:
    """A notices row per document: `doc_id`, `source`, `notice_id` (the preferred doc_id), `preferred`."""
    settings = settings or CompareSettings()
    docs = sorted(documents, key=lambda d: d["doc_id"])
    rows: dict[str, dict[str, set]] = {d["doc_id"]: {} for d in docs}  # per document: item -> its details
    for task in tasks:
        if task["doc_id"] in rows and _item_key(task):
            rows[task["doc_id"]].setdefault(_item_key(task), set()).add(_details(task))
    sets = DisjointSets(len(docs))
    for a, b in sorted(_candidate_pairs(docs, rows, settings)):
        if sets.find(a) != sets.find(b) and _same_notice(docs[a], docs[b], rows, settings):
            sets.union(a, b)
    out = []
    for members in sets.groups(docs):
        best = min(members, key=_preference)
        out += [{"doc_id": d["doc_id"], "source": d.get("source"), "notice_id": best["doc_id"],
                 "preferred": d is best} for d in members]
    return sorted(out, key=lambda r: (r["source"] or "", r["doc_id"]))


def _levels(doc: dict) -> list[str]:
    """The region names a document states, highest level first (`福州市`, `鼓楼区`)."""
    return [doc[level] for level in ("province", "city", "county") if doc.get(level)]


def _with_parent(depth: int):
    """A label step: the lowest region with `depth` levels above it written before it (`福州市鼓楼区`)."""
    def step(doc: dict, label: str) -> str:
        levels = _levels(doc)
        return "".join(levels[-1 - depth:]) if levels else label
    return step


def _with_date(doc: dict, label: str) -> str:
    """A label step for two notices of one place: their issue date (else the source's file name)."""
    return f"{label} ({doc.get('issue_date') or Path(doc.get('source') or doc['doc_id']).stem})"


def _with_source(doc: dict, label: str) -> str:
    """A label step for two notices of one place and date: the source's file name."""
    return f"{label} [{Path(doc.get('source') or doc['doc_id']).name}]"


def _with_path(doc: dict, label: str) -> str:
    """The last label step, for two files of one name: the source's path in the store (`东至县 [a/b.pdf]`)."""
    name = f" [{Path(doc.get('source') or doc['doc_id']).name}]"
    return f"{label.removesuffix(name)} [{doc.get('source') or doc['doc_id']}]"


# Tried in this order on the labels that still collide; a step is taken only when it tells some apart.
_LABEL_STEPS = (_with_parent(1), _with_parent(2), _with_date, _with_source, _with_path)


def region_labels(documents: list[dict]) -> dict[str, str]:
    """A column label per document: its lowest known region, else its title, else its source; made unique.

    Places of one name (鼓楼区 of 福州市 and of 南京市) get their parent levels, two notices of one place
    their issue date, then their file name, then their path in the store: one label is one notice.
    """
    docs = sorted(documents, key=lambda d: d["doc_id"])
    labels = {d["doc_id"]: (_levels(d)[-1:] or [d.get("title") or d.get("source") or d["doc_id"]])[0]
              for d in docs}
    for step in _LABEL_STEPS:
        for group in _collisions(docs, labels):
            candidates = {d["doc_id"]: step(d, labels[d["doc_id"]]) for d in group}
            if len(set(candidates.values())) > 1:
                labels.update(candidates)
    for group in _collisions(docs, labels):  # one source path twice: stores merged by hand, not one store
        labels.update({d["doc_id"]: f"{labels[d['doc_id']]} {{{d['doc_id']}}}" for d in group})
    if len(set(labels.values())) != len(labels):  # doc_ids are unique: only a bug gets here
        raise RuntimeError("region labels are not unique")
    return labels


def _collisions(docs: list[dict], labels: dict[str, str]) -> list[list[dict]]:
    """The groups of documents (two or more) that share a label, in doc_id order."""
    groups: dict[str, list[dict]] = {}
    for doc in docs:
        groups.setdefault(labels[doc["doc_id"]], []).append(doc)
    return [group for group in groups.values() if len(group) > 1]


_DIGITS = str.maketrans("〇○零一二三四五六七八九", "000123456789")
_YEAR = r"(?:19|20)\d\d|[一二][〇○零九][〇○零一二三四五六七八九]{2}"
# `2022年`, and a range's first year however it is written: `2021—2023年`, `2021年—2023年`, `2021至2023年`
_TITLE_YEAR = re.compile(rf"({_YEAR})\s*(?:年|[—–\-~～至到]{{1,2}}\s*(?:{_YEAR})\s*年)")
_NUMBER_YEAR = re.compile(r"[〔\[［(（]((?:19|20)\d\d)[〕\]］)）]")


def _title_year(doc: dict) -> Optional[int]:
    """The first year the title names (of a range, its first)."""
    match = _TITLE_YEAR.search(doc.get("title") or "")
    return int(match.group(1).translate(_DIGITS)) if match else None


def _date_year(doc: dict) -> Optional[int]:
    """The year of the issue date."""
    return int(doc["issue_date"][:4]) if doc.get("issue_date") else None


def _number_year(doc: dict) -> Optional[int]:
    """The `〔2022〕` of the document number."""
    match = _NUMBER_YEAR.search(doc.get("doc_number") or "")
    return int(match.group(1)) if match else None


def stated_year(copies: list[dict]) -> Optional[int]:
    """The plan year the copies of a notice state: the first year a title names (`2022年政务公开工作要点`,
    `二〇二二年`, the first of a range `2021—2023年`) in any copy, else an issue date's year, else the
    `〔2022〕` of a document number; the copies are read in the order given (the preferred first)."""
    for read in (_title_year, _date_year, _number_year):
        for doc in copies:
            year = read(doc)
            if year is not None:
                return year
    return None


def deadline_year(tasks: list[dict], share: float) -> Optional[int]:
    """The first year that holds at least `share` of the tasks' dated deadlines; None without a date.

    A plan runs from its own year on: a 2020 plan sets deadlines in 2020, 2021 and 2022 (the samples'
    annexes: 15, 8 and 5 of 28), and when the later years hold more of them the first is still the
    plan's; a stray earlier deadline (`2022年12月底前` in a 2023 plan) holds too small a share to count.
    """
    counts = Counter(int(t["deadline"][:4]) for t in tasks if t.get("deadline"))
    total = sum(counts.values())
    return next((year for year in sorted(counts) if counts[year] >= share * total), None)


def notice_years(documents: list[dict], notices: list[dict], tasks: Optional[list[dict]] = None,
                 settings: Optional[CompareSettings] = None) -> dict[str, Optional[int]]:
    """The plan year of each notice, by notice_id: the year its copies state (stated_year).

    A notice that states none (an annex file without title or date) goes with the others when they
    state one year between them. Among notices of several years it takes the year its dated deadlines
    start in (deadline_year) when some notice states that year, else the year of the notice its tasks
    are most like, else its deadlines' year all the same; one still of no year is compared with no
    other notice, and a warning says so.
    """
    settings = settings or CompareSettings()
    docs = {d["doc_id"]: d for d in documents}
    copies: dict[str, list[dict]] = {}
    for notice in notices:
        copies.setdefault(notice["notice_id"], []).append(docs[notice["doc_id"]])
    years = {notice_id: stated_year(sorted(group, key=_preference)) for notice_id, group in sorted(copies.items())}
    known = set(years.values()) - {None}
    unknown = [notice_id for notice_id, year in years.items() if year is None]
    if len(known) <= 1:
        return dict.fromkeys(years, next(iter(known), None))
    rows: dict[str, list[dict]] = {}
    for task in tasks or []:
        rows.setdefault(task["doc_id"], []).append(task)
    by_deadline = {notice_id: deadline_year([t for doc in copies[notice_id] for t in rows.get(doc["doc_id"], [])],
                                            settings.deadline_share) for notice_id in unknown}
    own = {notice_id: rows.get(notice_id, []) for notice_id in years}  # a notice_id is its preferred doc_id
    likest = _likest_years([n for n in unknown if by_deadline[n] not in known], years, own, settings)
    for notice_id in unknown:
        year = by_deadline[notice_id]
        years[notice_id] = year if year in known else likest.get(notice_id, year)
        if years[notice_id] is None and own[notice_id]:
            log.warning("%s: no plan year in its title, dates, document number or deadlines, and no task like "
                        "another notice's; it is compared with the notices of unknown year only",
                        docs[notice_id].get("source") or notice_id)
    return years


def _likest_years(unknown: list[str], years: dict[str, Optional[int]], own: dict[str, list[dict]],
                  settings: CompareSettings) -> dict[str, int]:
    """For notices of no stated year: the year of the notice of a stated year whose tasks theirs are most
    like (the mean over its tasks of the best cosine to one of that notice's), when it reaches
    `settings.year_likeness`."""
    dated = [n for n in sorted(years) if years[n] is not None and own[n]]
    wanted = [n for n in unknown if own[n]]
    if not dated or not wanted:
        return {}
    import numpy as np
    from pipeline.matching import dense, vectors  # numpy, scipy and jieba load only when a comparison runs
    order = dated + wanted
    tasks = [t for n in order for t in own[n]]
    vecs = dense(vectors([t.get("item") or "" for t in tasks], [_context(t) for t in tasks], settings.match),
                 settings.match)
    starts = np.cumsum([0] + [len(own[n]) for n in order])
    out = {}
    for k, notice_id in enumerate(wanted, len(dated)):
        sims = vecs[starts[k]:starts[k + 1]] @ vecs[:starts[len(dated)]].T
        likeness = np.maximum.reduceat(sims, starts[:len(dated)], axis=1).mean(axis=0)
        best = int(np.argmax(likeness))  # the first of equals: notices in notice_id order, so runs repeat
        if likeness[best] >= settings.year_likeness:
            out[notice_id] = years[dated[best]]
    return out


def _year_order(year: Optional[int]) -> tuple:
    """Plan years in order, the unknown year last."""
    return year is None, year or 0


_LEVEL_HEAD = re.compile(r"自治|街道|[省市县区州盟旗镇乡]")
_CJK = re.compile(r"[\u4e00-\u9fff]+")
_QUOTES = {"“": "”", "「": "」", "『": "』", "‘": "’", '"': '"'}


def _in_quotes(text: str, at: int) -> bool:
    """True when position `at` of the text lies inside quotation marks (an unclosed one runs to the end)."""
    closing = None
    for ch in text[:at]:
        if closing is None and ch in _QUOTES:
            closing = _QUOTES[ch]
        elif ch == closing:
            closing = None
    return closing is not None


def local_names(item: str, doc: dict, chars: int = 2) -> frozenset:
    """The local proper nouns a task names: (place, noun) for the `chars` characters right after its own
    place's bare name (`缙云烧饼` → (缙云, 烧饼), `灵璧分厅` → (灵璧, 分厅)).

    A place name without its level (缙云, not 缙云县) is a modifier that makes a local proper noun: a
    product, a brand, a branch of a provincial app. Another place's task naming something else there
    (临西轴承) is not the same task, however alike the frame around it (公开…产业扶持政策). Not read as
    one: the place with its level (缙云县…, 阳朔镇…), a name inside quotation marks (a media account or
    column, “缙云发布”), and a place name that is part of a word (高新 in 高新技术, 市中 in 全市中小企业).
    """
    from normalizers.regions import core_name
    from pipeline.matching import word_bounds  # jieba loads only when a comparison runs
    out = set()
    bounds = None
    for level in ("county", "city", "province"):
        stem = core_name(doc.get(level) or "")  # 长阳土家族自治县 → 长阳; '' when the name has no level word
        if not stem:
            continue
        for found in re.finditer(re.escape(stem), item):
            noun = item[found.end():found.end() + chars]
            if len(noun) != chars or not _CJK.fullmatch(noun) or _LEVEL_HEAD.match(noun) or \
                    _in_quotes(item, found.start()):
                continue
            bounds = word_bounds(item) if bounds is None else bounds
            if found.start() in bounds and found.end() in bounds:
                out.add((stem, noun))
    return frozenset(out)


_LEVEL_PREFIX = re.compile(r"^[省市县区](?=[^直级委域内属])")


def common_unit(name: str, doc: dict) -> str:
    """A unit name comparable across places: the region prefix stripped (`县发改委`, `东至县发改委` → `发改委`)."""
    from normalizers.regions import core_name
    for level in ("county", "city", "province"):
        full = doc.get(level) or ""
        for prefix in (full, core_name(full)):
            if len(prefix) >= 2 and name.startswith(prefix) and len(name) > len(prefix) + 1:
                name = name[len(prefix):]
                break
    stripped = _LEVEL_PREFIX.sub("", name)
    return stripped if len(stripped) >= 2 else name


MATCH_COLUMNS = ["match_id", "match_label", "notice_id", "doc_id", "source", "table", "row", "province", "city",
                 "county", "adcode", "region", "group", "item", "lead_units", "lead_units_common", "deadline_text",
                 "deadline", "deadline_kind", "later_than_reference"]


def _context(task: dict) -> str:
    return " ".join(t for t in (task.get("group"), task.get("subgroup")) if t)


def _label(items: list[str]) -> str:
    """The wording most members use, the shortest among ties."""
    counts = Counter(items)
    return min(counts, key=lambda t: (-counts[t], len(t), t))


def _cluster_by_year(tasks: list[dict], docs: dict[str, dict], years: dict[str, Optional[int]],
                     settings: CompareSettings) -> list[int]:
    """A match number per task; tasks of notices of different plan years never share a match.

    Analysts compare districts within one year's plan: the same wording in 2022 and in 2023 is
    two tasks with deadlines a year apart, not one task with a spread of 365 days.
    """
    from pipeline.matching import cluster  # numpy, scipy and jieba load only when a comparison runs
    numbers = [0] * len(tasks)
    offset = 0
    for year in sorted({years[t["doc_id"]] for t in tasks}, key=_year_order):
        part = [i for i, t in enumerate(tasks) if years[t["doc_id"]] == year]
        names = [local_names(tasks[i].get("item") or "", docs[tasks[i]["doc_id"]], settings.local_noun_chars)
                 for i in part]
        found = cluster([tasks[i]["doc_id"] for i in part], [tasks[i].get("item") or "" for i in part],
                        [_context(tasks[i]) for i in part], settings.match,
                        _distinctive(names, [tasks[i] for i in part], settings))
        for i, k in zip(part, found):
            numbers[i] = offset + k
        offset += max(found) + 1
    return numbers


def _distinctive(names: list[frozenset], tasks: list[dict], settings: CompareSettings) -> list[frozenset]:
    """The local proper nouns (local_names, per task) that few of the notices compared write at all.

    `政务` after a bare 缙云 (缙云政务服务中心) or `发布` are everyone's words, not a product of the place:
    a noun that more than one notice and more than `local_noun_share` of them write is dropped.
    """
    nouns = {noun for found in names for _, noun in found}
    if not nouns:
        return names
    texts: dict[str, list[str]] = {}
    for task in tasks:
        texts.setdefault(task["doc_id"], []).append(task.get("item") or "")
    joined = ["\n".join(items) for items in texts.values()]
    most = max(1, int(settings.local_noun_share * len(joined)))
    common = {noun for noun in nouns if sum(noun in text for text in joined) > most}
    return [frozenset(p for p in found if p[1] not in common) if found else found for found in names]


def match_rows(documents: list[dict], tasks: list[dict], notices: list[dict],
               settings: Optional[CompareSettings] = None,
               years: Optional[dict[str, Optional[int]]] = None) -> list[dict]:
    """A matches row per task of a preferred document, sorted by match and region (`years`: the
    notice_years of the store, when the notices are a selection of it)."""
    settings = settings or CompareSettings()
    docs = {d["doc_id"]: d for d in documents}
    preferred = {n["doc_id"] for n in notices if n["preferred"]}
    mine = sorted((t for t in tasks if t["doc_id"] in preferred),
                  key=lambda t: (t["doc_id"], t.get("table") or 0, t.get("row") or 0))
    years = years if years is not None else notice_years(documents, notices, tasks, settings)
    numbers = _cluster_by_year(mine, docs, years, settings)
    members: dict[int, list[str]] = {}
    for task, k in zip(mine, numbers):
        members.setdefault(k, []).append(task.get("item") or "")
    names = {k: _label(items) for k, items in members.items()}
    by_year: dict[Optional[int], list[dict]] = {}
    for doc_id in sorted(preferred):
        by_year.setdefault(years[doc_id], []).append(docs[doc_id])
    labels = {}  # a column per notice within its year's pivot: a label tells apart the notices of one year
    for group in by_year.values():
        labels.update(region_labels(group))
    rows = []
    for task, k in zip(mine, numbers):
        doc = docs[task["doc_id"]]
        rows.append({
            "match_id": f"M{k + 1:04d}", "match_label": names[k], "notice_id": task["doc_id"],
            "doc_id": task["doc_id"], "source": doc.get("source"), "table": task.get("table"),
            "row": task.get("row"), **{f: doc.get(f) for f in ("province", "city", "county", "adcode")},
            "region": labels[task["doc_id"]], "group": task.get("group"), "item": task.get("item"),
            "lead_units": task.get("lead_units") or [],
            "lead_units_common": [common_unit(u, doc) for u in task.get("lead_units") or []],
            "deadline_text": task.get("deadline_text"), "deadline": task.get("deadline"),
            "deadline_kind": task.get("deadline_kind"), "later_than_reference": None})
    return sorted(rows, key=lambda r: (r["match_id"], r["region"], r["table"] or 0, r["row"] or 0))


def resolve_reference(reference: str, documents: list[dict], notices: list[dict]) -> str:
    """The notice_id of a reference given as a doc_id, a source path or a source's file name."""
    by_doc = {n["doc_id"]: n["notice_id"] for n in notices}
    if reference in by_doc:
        return by_doc[reference]
    hits = {by_doc[d["doc_id"]] for d in documents
            if d.get("source") in (reference,) or Path(d.get("source") or "").name == reference}
    if len(hits) != 1:
        why = "no document" if not hits else f"{len(hits)} notices"
        raise CompareError(f"--reference {reference}: {why} of the store has that doc_id, source or file name")
    return hits.pop()


def mark_later(rows: list[dict], notice_id: str) -> None:
    """Set `later_than_reference` on the rows of every match the reference notice has a task in."""
    ref = {r["match_id"]: r for r in rows if r["notice_id"] == notice_id}
    for row in rows:
        base = ref.get(row["match_id"])
        if base is None or row["notice_id"] == notice_id:
            continue
        if base["deadline"] and row["deadline"]:
            row["later_than_reference"] = row["deadline"] > base["deadline"]


ONGOING, NONE = "持续", "—"


def cell(row: dict) -> object:
    """A pivot cell: the deadline as a date, `持续` for ongoing, `—` for none, the text when unparsed."""
    if row["deadline"]:
        return date.fromisoformat(row["deadline"])
    if row["deadline_kind"] == "ongoing":
        return ONGOING
    if row["deadline_kind"] == "none" or not row["deadline_text"]:
        return NONE
    return row["deadline_text"]


def timelines(rows: list[dict], regions: list[str], reference: Optional[str] = None) -> list[dict]:
    """Per match in two or more notices (or holding a task of the reference notice): its regions' deadlines."""
    by_match: dict[str, list[dict]] = {}
    for row in rows:
        by_match.setdefault(row["match_id"], []).append(row)
    out = []
    for match_id in sorted(by_match):
        members = by_match[match_id]
        notices = {r["notice_id"] for r in members}
        if reference is not None and reference not in notices or reference is None and len(notices) < 2:
            continue
        dates = sorted(r["deadline"] for r in members if r["deadline"])
        present = {r["region"] for r in members}
        out.append({"match_id": match_id, "match_label": members[0]["match_label"], "members": members,
                    "earliest": dates[0] if dates else None, "latest": dates[-1] if dates else None,
                    "spread_days": (date.fromisoformat(dates[-1]) - date.fromisoformat(dates[0])).days
                    if dates else None, "missing": [r for r in regions if r not in present]})
    return out


def pivot(lines: list[dict], regions: list[str]):
    """The pivot as a DataFrame: a row per timeline, a column per region, earliest, latest, spread, missing."""
    import pandas as pd
    records = []
    for line in lines:
        present = {member["region"] for member in line["members"]}
        rec = {"match_id": line["match_id"], "task": line["match_label"], "regions": len(present)}
        rec.update({region: None for region in regions})
        for member in line["members"]:
            if member["region"] not in regions or rec[member["region"]] is not None:
                # one column per notice: a second deadline there would hide the first
                raise RuntimeError(f"pivot: {line['match_id']} has no column of its own for {member['region']}")
            rec[member["region"]] = cell(member)
        rec["earliest"] = date.fromisoformat(line["earliest"]) if line["earliest"] else None
        rec["latest"] = date.fromisoformat(line["latest"]) if line["latest"] else None
        rec["spread_days"] = line["spread_days"]
        rec["missing"] = "、".join(line["missing"])
        records.append(rec)
    columns = ["match_id", "task", "regions", *regions, "earliest", "latest", "spread_days", "missing"]
    return pd.DataFrame.from_records(records, columns=columns)


def _region_order(rows: list[dict], documents: list[dict], reference: Optional[str]) -> list[str]:
    """Region columns: the reference first, then by adcode and label."""
    seen = {}
    for row in rows:
        seen.setdefault(row["region"], (row["notice_id"] != reference, row["adcode"] or "", row["region"]))
    return sorted(seen, key=lambda r: seen[r])


def _html_data(lines: list[dict], rows: list[dict], notices: list[dict], reference_label: Optional[str]) -> dict:
    """What report.html draws: one timeline per line, the match table, a summary line."""
    preferred = sum(1 for n in notices if n["preferred"])
    summary = (f"{len(notices)} 个文件 · {preferred} 份通知 · {len(rows)} 项任务 · "
               f"{len({r['match_id'] for r in rows})} 个匹配 · {len(lines)} 条时间线")
    if reference_label:
        summary += f" · 参照：{reference_label}"
    years = sorted({t["year"] for t in lines if "year" in t}, key=_year_order)
    if len(years) > 1:
        summary += " · 计划年度：" + "、".join(str(y) if y else "不明" for y in years)
    keep = ("match_id", "match_label", "region", "item", "lead_units_common", "deadline_text", "deadline",
            "later_than_reference")
    return {"title": "各地任务时限对比" + (f"（参照 {reference_label}）" if reference_label else ""),
            "summary": summary,
            "timelines": [{"match_id": t["match_id"], "match_label": t["match_label"], "earliest": t["earliest"],
                           "latest": t["latest"], "spread_days": t["spread_days"], "missing": t["missing"],
                           "marks": [{"region": m["region"], "deadline": m["deadline"],
                                      "deadline_text": m["deadline_text"], "later": m["later_than_reference"]}
                                     for m in t["members"]],
                           **({"year": t["year"]} if "year" in t else {})} for t in lines],
            "matches": [{k: r[k] for k in keep} for r in rows]}


def select_year(documents: list[dict], notices: list[dict], years: dict[str, Optional[int]],
                year: Optional[int]) -> tuple[list[dict], list[dict]]:
    """The documents and notices rows of the notices whose plan year (in `years`, by notice_id) is `year`."""
    keep = [n for n in notices if years[n["notice_id"]] == year]
    if not keep:
        found = "、".join(str(y) if y else "unknown" for y in sorted(set(years.values()), key=_year_order))
        raise CompareError(f"--year {year}: no notice of the store is for that plan year "
                           f"(plan years: {found or 'none'})")
    ids = {n["doc_id"] for n in keep}
    return [d for d in documents if d["doc_id"] in ids], keep


def year_parts(rows: list[dict], years: dict[str, Optional[int]]) -> list[tuple]:
    """The rows split by plan year, as (year, rows) in year order."""
    parts: dict[Optional[int], list[dict]] = {}
    for row in rows:
        parts.setdefault(years[row["notice_id"]], []).append(row)
    return sorted(parts.items(), key=lambda part: _year_order(part[0])) or [(None, [])]


def _reference_year(reference: str, notice_id: str, years: dict[str, Optional[int]],
                    year: Optional[int]) -> Optional[int]:
    """The plan year a comparison with a reference is of: the reference notice's; --year may only repeat it."""
    if year is not None and year != years[notice_id]:
        raise CompareError(f"--year {year}: the reference {reference} is a notice of plan year "
                           f"{years[notice_id] or 'unknown'}; leave out --year or give that one")
    return years[notice_id]


def compare(store: str | Path, outdir: str | Path, reference: Optional[str] = None,
            settings: Optional[CompareSettings] = None, year: Optional[int] = None) -> dict:
    """Compare the notices of a store (of one plan year, if given) and write notices, matches, compare.xlsx
    and report.html into outdir; notices of different plan years are compared apart."""
    from pipeline import report
    settings = settings or CompareSettings()
    documents, tasks = load_store(store)
    notices = group_notices(documents, tasks, settings)
    years = notice_years(documents, notices, tasks, settings)  # of the whole store, before any selection
    ref = resolve_reference(reference, documents, notices) if reference else None
    if ref is not None:  # the reference's plan year is the comparison's
        documents, notices = select_year(documents, notices, years, _reference_year(reference, ref, years, year))
    elif year is not None:
        documents, notices = select_year(documents, notices, years, year)
    rows = match_rows(documents, tasks, notices, settings, years)
    if ref:
        mark_later(rows, ref)
    parts = year_parts(rows, years)
    pivots, lines = {}, []
    for plan, part in parts:
        regions = _region_order(part, documents, ref)
        found = timelines(part, regions, ref)
        if ref:  # the reference's own task order, as the notice lists them
            order = {r["match_id"]: (r["table"] or 0, r["row"] or 0) for r in part if r["notice_id"] == ref}
            found.sort(key=lambda t: order[t["match_id"]])
        if len(parts) > 1:  # notices of several plan years: a pivot sheet and a heading per year
            found = [dict(line, year=plan) for line in found]
        pivots[report.pivot_sheet(plan) if len(parts) > 1 else "pivot"] = pivot(found, regions)
        lines += found
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    label = next((r["region"] for r in rows if r["notice_id"] == ref), None)
    with report.staged(out) as staging:
        report.write_rows(staging, "notices", notices, report.NOTICE_COLUMNS)
        report.write_rows(staging, "matches", rows, MATCH_COLUMNS)
        report.write_xlsx(staging / "compare.xlsx", pivots, rows, MATCH_COLUMNS, notices)
        report.write_html(staging / "report.html", _html_data(lines, rows, notices, label))
    return {"documents": len(notices), "notices": sum(n["preferred"] for n in notices), "tasks": len(rows),
            "matches": len({r["match_id"] for r in rows}), "timelines": len(lines),
            "years": [plan for plan, _ in parts]}


def add_options(cmd) -> None:
    """The options of `govnotice compare`, added to its parser when the command line names it."""
    cmd.epilog = EXAMPLE
    cmd.description = ("Group a store's documents into notices, match the same task across notices and write "
                       "notices, matches (JSONL, CSV), compare.xlsx and report.html into REPORTDIR.")
    cmd.add_argument("store", metavar="STORE", help="folder written by `govnotice extract`")
    cmd.add_argument("-o", "--output", required=True, metavar="REPORTDIR", help="folder for the comparison")
    cmd.add_argument("--reference", metavar="NOTICE",
                     help="doc_id, source or file name of the notice to compare the others with: its tasks are "
                          "the rows, later deadlines are marked and only the notices of its plan year are compared "
                          "(default: none, every task in two notices)")
    cmd.add_argument("--year", type=int, metavar="YEAR",
                     help="compare only the notices of this plan year (the first year of the title, else of the "
                          "issue date; default: every year, each compared apart)")
    cmd.add_argument("--threshold", type=float, default=MatchSettings().threshold, metavar="COSINE",
                     help=f"similarity a task needs to join a match (default {MatchSettings().threshold:g})")


def main(args) -> int:
    """Run `govnotice compare` from parsed arguments; returns the exit status."""
    try:
        settings = CompareSettings(match=MatchSettings(threshold=args.threshold))
        summary = compare(args.store, args.output, args.reference, settings, year=getattr(args, "year", None))
    except (CompareError, OSError, ValueError) as exc:
        if getattr(args, "debug", False):
            raise
        print(f"govnotice: {exc}", file=sys.stderr)
        return 2
    print(f"{summary['documents']} documents, {summary['notices']} notices, {summary['tasks']} tasks, "
          f"{summary['matches']} matches, {summary['timelines']} on timelines"
          + (f" (plan years {', '.join(str(y or 'unknown') for y in summary['years'])} apart)"
             if len(summary["years"]) > 1 else ""), file=sys.stderr)
    return 0
