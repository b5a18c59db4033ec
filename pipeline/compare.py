"""`govnotice compare STORE -o REPORTDIR`: the same tasks across notices, their deadlines and lead units.

Pure functions on rows (dicts as in documents.jsonl and tasks.jsonl): group documents into notices,
match tasks across the preferred documents (pipeline.matching), and lay the matches out as rows and a
pivot. pipeline.report writes the files.
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Optional

from pipeline.match_settings import CompareSettings, MatchSettings

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


def _minhashes(items: set[str], count: int) -> list[str]:
    """The smallest salted hash of the item set, per salt (equal with probability = Jaccard)."""
    out = []
    for salt in range(count):
        out.append(min(hashlib.blake2b(f"{salt}|{i}".encode(), digest_size=8).hexdigest() for i in items))
    return out


def _same_notice(a: dict, b: dict, rows: dict[str, set], settings: CompareSettings) -> bool:
    """The same notice in two documents: a document number, a title and date, or nearly all task rows."""
    if a.get("adcode") and b.get("adcode") and a["adcode"] != b["adcode"]:
        return False  # two places never publish one notice
    if a.get("doc_number") and a.get("doc_number") == b.get("doc_number"):
        return True
    if a.get("title") and a.get("issue_date") and (a["title"], a["issue_date"]) == (b.get("title"), b.get("issue_date")):
        return True
    ra, rb = rows[a["doc_id"]], rows[b["doc_id"]]
    return bool(ra and rb) and len(ra & rb) / len(ra | rb) >= settings.same_rows


def _candidate_pairs(docs: list[dict], rows: dict[str, set], settings: CompareSettings) -> set[tuple[int, int]]:
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
    rows: dict[str, set] = {d["doc_id"]: set() for d in docs}
    for task in tasks:
        if task["doc_id"] in rows and _item_key(task):
            rows[task["doc_id"]].add(_item_key(task))
    parent = list(range(len(docs)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    for a, b in sorted(_candidate_pairs(docs, rows, settings)):
        if root(a) != root(b) and _same_notice(docs[a], docs[b], rows, settings):
            parent[root(b)] = root(a)
    groups: dict[int, list[dict]] = {}
    for i, doc in enumerate(docs):
        groups.setdefault(root(i), []).append(doc)
    out = []
    for members in groups.values():
        best = min(members, key=_preference)
        out += [{"doc_id": d["doc_id"], "source": d.get("source"), "notice_id": best["doc_id"],
                 "preferred": d is best} for d in members]
    return sorted(out, key=lambda r: (r["source"] or "", r["doc_id"]))


def region_labels(documents: list[dict]) -> dict[str, str]:
    """A column label per document: its lowest known region, else its title, else its source; made unique."""
    labels = {}
    for doc in documents:
        labels[doc["doc_id"]] = (doc.get("county") or doc.get("city") or doc.get("province")
                                 or doc.get("title") or doc.get("source") or doc["doc_id"])
    counts = Counter(labels.values())
    for doc in documents:
        if counts[labels[doc["doc_id"]]] > 1:  # two notices of one place: say which
            tag = doc.get("issue_date") or Path(doc.get("source") or doc["doc_id"]).stem
            labels[doc["doc_id"]] = f"{labels[doc['doc_id']]} ({tag})"
    return labels


_LEVEL_PREFIX = re.compile(r"^[省市县区](?=[^直级委域内属])")


def common_unit(name: str, doc: dict) -> str:
    """A unit name comparable across places: the region prefix stripped (`县发改委`, `东至县发改委` → `发改委`)."""
    for level in ("county", "city", "province"):
        full = doc.get(level) or ""
        stem = re.sub(r"(自治[州县旗]|[省市县区州盟旗])$", "", full)
        for prefix in (full, stem):
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


def match_rows(documents: list[dict], tasks: list[dict], notices: list[dict],
               settings: Optional[CompareSettings] = None) -> list[dict]:
    """A matches row per task of a preferred document, sorted by match and region."""
    settings = settings or CompareSettings()
    docs = {d["doc_id"]: d for d in documents}
    preferred = {n["doc_id"] for n in notices if n["preferred"]}
    mine = sorted((t for t in tasks if t["doc_id"] in preferred),
                  key=lambda t: (t["doc_id"], t.get("table") or 0, t.get("row") or 0))
    from pipeline.matching import cluster  # numpy, scipy and jieba load only when a comparison runs
    numbers = cluster([t["doc_id"] for t in mine], [t.get("item") or "" for t in mine],
                      [_context(t) for t in mine], settings.match)
    members: dict[int, list[str]] = {}
    for task, k in zip(mine, numbers):
        members.setdefault(k, []).append(task.get("item") or "")
    names = {k: _label(items) for k, items in members.items()}
    labels = region_labels([docs[d] for d in sorted(preferred)])
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
        rec = {"match_id": line["match_id"], "task": line["match_label"], "regions": len(regions) - len(line["missing"])}
        rec.update({region: None for region in regions})
        for member in line["members"]:
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
    keep = ("match_id", "match_label", "region", "item", "lead_units_common", "deadline_text", "deadline",
            "later_than_reference")
    return {"title": "各地任务时限对比" + (f"（参照 {reference_label}）" if reference_label else ""),
            "summary": summary,
            "timelines": [{"match_id": t["match_id"], "match_label": t["match_label"], "earliest": t["earliest"],
                           "latest": t["latest"], "spread_days": t["spread_days"], "missing": t["missing"],
                           "marks": [{"region": m["region"], "deadline": m["deadline"],
                                      "deadline_text": m["deadline_text"], "later": m["later_than_reference"]}
                                     for m in t["members"]]} for t in lines],
            "matches": [{k: r[k] for k in keep} for r in rows]}


def compare(store: str | Path, outdir: str | Path, reference: Optional[str] = None,
            settings: Optional[CompareSettings] = None) -> dict:
    """Compare the notices of a store and write notices, matches, compare.xlsx and report.html into outdir."""
    from pipeline import report
    settings = settings or CompareSettings()
    documents, tasks = load_store(store)
    notices = group_notices(documents, tasks, settings)
    rows = match_rows(documents, tasks, notices, settings)
    ref = resolve_reference(reference, documents, notices) if reference else None
    if ref:
        mark_later(rows, ref)
    regions = _region_order(rows, documents, ref)
    lines = timelines(rows, regions, ref)
    if ref:  # the reference's own task order, as the notice lists them
        order = {r["match_id"]: (r["table"] or 0, r["row"] or 0) for r in rows if r["notice_id"] == ref}
        lines.sort(key=lambda t: order[t["match_id"]])
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    label = next((r["region"] for r in rows if r["notice_id"] == ref), None)
    with report.staged(out) as staging:
        report.write_rows(staging, "notices", notices, report.NOTICE_COLUMNS)
        report.write_rows(staging, "matches", rows, MATCH_COLUMNS)
        report.write_xlsx(staging / "compare.xlsx", pivot(lines, regions), rows, MATCH_COLUMNS, notices)
        report.write_html(staging / "report.html", _html_data(lines, rows, notices, label))
    return {"documents": len(notices), "notices": sum(n["preferred"] for n in notices), "tasks": len(rows),
            "matches": len({r["match_id"] for r in rows}), "timelines": len(lines)}


def add_parser(subparsers) -> None:
    """Register `govnotice compare` on the CLI's subparsers."""
    cmd = subparsers.add_parser("compare", help="match tasks across notices and compare their deadlines",
                                description="Group a store's documents into notices, match the same task across "
                                            "notices and write notices, matches (JSONL, CSV), compare.xlsx and "
                                            "report.html into REPORTDIR.", epilog=EXAMPLE)
    cmd.add_argument("store", metavar="STORE", help="folder written by `govnotice extract`")
    cmd.add_argument("-o", "--output", required=True, metavar="REPORTDIR", help="folder for the comparison")
    cmd.add_argument("--reference", metavar="NOTICE",
                     help="doc_id, source or file name of the notice to compare the others with: its tasks are "
                          "the rows and later deadlines are marked (default: none, every task in two notices)")
    cmd.add_argument("--threshold", type=float, default=MatchSettings().threshold, metavar="COSINE",
                     help=f"similarity a task needs to join a match (default {MatchSettings().threshold:g})")
    cmd.set_defaults(func=main)


def main(args) -> int:
    """Run `govnotice compare` from parsed arguments; returns the exit status."""
    try:
        settings = CompareSettings(match=MatchSettings(threshold=args.threshold))
        summary = compare(args.store, args.output, args.reference, settings)
    except (CompareError, OSError, ValueError) as exc:
        if getattr(args, "debug", False):
            raise
        print(f"govnotice: {exc}", file=sys.stderr)
        return 2
    print(f"{summary['documents']} documents, {summary['notices']} notices, {summary['tasks']} tasks, "
          f"{summary['matches']} matches, {summary['timelines']} on timelines", file=sys.stderr)
    return 0
