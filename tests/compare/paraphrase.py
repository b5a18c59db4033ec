"""Harder paraphrases of the sample notices with known truth, for checking the matcher beyond the samples.

Each synthetic notice copies one sample notice's tasks into another county and rewords every task the
ways a county's office rewords a city's plan when it copies it (seen between the samples' own
wordings): the 建立/健全/完善 family swapped, fillers (进一步, 认真, 切实 …) added or dropped, modal
heads (要, 各地要), 县/区 and 全市/全县 swapped, a numbering prefix or a bracketed aside, a basis
clause in front (按照…要求), a purpose clause at the end, the last clause dropped, clauses reordered.
The truth: two tasks are the same task when they copy the same sample task, or sample tasks that the
hand alignment (alignment.yaml) puts in one cluster. Tasks the alignment calls unreadable are left out.
"""
from __future__ import annotations

import random
import re
from pathlib import Path

# the same verb family: official wording uses them interchangeably for "set up / improve a system"
FAMILY = ["建立健全", "健全完善", "建立完善", "完善", "健全", "建立"]
VERBS = {"制定": ["研究制定", "制定出台"], "编制": ["梳理编制", "组织编制"], "开展": ["组织开展", "积极开展"],
         "优化": ["进一步优化"], "落实": ["贯彻落实", "抓好落实"]}
FILLERS = ["进一步", "认真", "切实", "扎实", "全面", "积极"]
MODALS = ["要", "各地要", "各单位要", "应"]
PLACES = [("县、乡", "区、镇(街道)"), ("全市", "全县"), ("全区", "全县"), ("县级", "区级"), ("区政府", "县政府")]
BASES = ["按照上级统一部署要求,", "根据省市工作安排,", "按照《实施方案》要求,", "结合本地实际,"]
PURPOSES = [",确保工作落到实处", ",切实提高工作质量", ",形成长效机制"]
_FAMILY_RUN = re.compile(r"(?:建立|健全|完善)+")
NUMBERING = ["(一)", "1.", "一是", "(3)", "第二,"]


def reword(item: str, rng: random.Random) -> str:
    """One harder reworded variant of a task text."""
    run = _FAMILY_RUN.search(item)
    if run and rng.random() < 0.6:
        item = item[:run.start()] + rng.choice([v for v in FAMILY if v != run.group()]) + item[run.end():]
    for verb, others in VERBS.items():
        if item.startswith(verb) and rng.random() < 0.4:
            item = rng.choice(others) + item[len(verb):]
    for a, b in PLACES:
        if a in item and rng.random() < 0.5:
            item = item.replace(a, b)
        elif b in item and rng.random() < 0.5:
            item = item.replace(b, a)
    for filler in FILLERS:
        if filler in item and rng.random() < 0.5:
            item = item.replace(filler, "", 1)
    if rng.random() < 0.3:
        item = rng.choice(FILLERS) + item
    if rng.random() < 0.2 and not item.startswith(("要", "应")):
        item = rng.choice(MODALS) + item
    clauses = [c for c in re.split(r"(?<=[,，;；。])", item) if c.strip("，,;；。")]
    if len(clauses) > 2 and rng.random() < 0.3:
        clauses = clauses[:1] + rng.sample(clauses[1:], len(clauses) - 1)
    if len(clauses) > 1 and len("".join(clauses[:-1])) >= 10 and rng.random() < 0.3:
        clauses = clauses[:-1]
    item = "".join(clauses).rstrip("，,;；。")
    if rng.random() < 0.25:
        item = rng.choice(BASES) + item
    if rng.random() < 0.25:
        item += rng.choice(PURPOSES)
    if rng.random() < 0.3:
        item = rng.choice(NUMBERING) + item
    return item


def build(documents: list[dict], tasks: list[dict], alignment: dict, copies: int,
          seed: int = 12) -> tuple[list[dict], list[dict], dict[tuple, str]]:
    """Synthetic documents and tasks (`copies` per sample notice) and each task's truth key.

    The truth key of a task is its alignment cluster (or its own sample task name when in none);
    unreadable tasks get no key and are not scored.
    """
    letter = {stem: key for key, stem in alignment["notices"].items()}
    cluster = {name: f"C{i}" for i, members in enumerate(alignment["clusters"]) for name in members}
    skip = set(alignment.get("unreadable") or [])
    originals = {d["doc_id"]: d for d in documents if Path(d["source"]).stem in letter and "/" not in d["source"]}
    rng = random.Random(seed)
    out_docs, out_tasks, truth = [], [], {}
    for copy in range(copies):
        for base in sorted(originals.values(), key=lambda d: d["source"]):
            key = letter[Path(base["source"]).stem]
            doc_id = f"{key}{copy:03d}"
            out_docs.append(dict(base, doc_id=doc_id, source=f"synthetic/{doc_id}.docx", county=f"{key}县{copy}",
                                 adcode=f"9{copy:03d}{ord(key):02d}", doc_number=None, title=f"{doc_id}号通知"))
            for task in (t for t in tasks if t["doc_id"] == base["doc_id"]):
                name = f"{key}{task['row'] + 1}"
                out_tasks.append(dict(task, doc_id=doc_id, item=reword(task["item"] or "", rng)))
                if name not in skip:
                    truth[(doc_id, task["table"], task["row"])] = cluster.get(name, name)
    return out_docs, out_tasks, truth


def pair_scores(rows: list[dict], truth: dict[tuple, str]) -> dict:
    """Pair precision and recall of matches rows against truth keys (pairs of different notices only)."""
    def pairs(key_of) -> set:
        groups: dict = {}
        for row in rows:
            k = (row["doc_id"], row["table"], row["row"])
            if k in truth:
                groups.setdefault(key_of(row, k), []).append(k)
        out = set()
        for members in groups.values():
            members.sort()
            out.update((a, b) for i, a in enumerate(members) for b in members[i + 1:] if a[0] != b[0])
        return out
    got = pairs(lambda row, k: row["match_id"])
    gold = pairs(lambda row, k: truth[k])
    hit = len(got & gold)
    return {"precision": hit / len(got) if got else 1.0, "recall": hit / len(gold) if gold else 1.0,
            "predicted": len(got), "gold": len(gold)}
