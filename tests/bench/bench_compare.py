"""Benchmark of `govnotice compare`: N notices of tasks copied from the samples with reworded variants.

usage: python tests/bench/bench_compare.py [N ...]      (default: 200 2000)
Each size runs in a fresh process (so peak memory is its own); prints wall and CPU seconds, the load
average (on a shared machine wall time grows with it), peak RSS and the ratios between sizes,
measured side by side on the same machine.
"""
from __future__ import annotations

import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SAMPLES = ROOT / "outputs"
# Rewordings a county's office makes when it copies a city's table: synonyms, filler, clauses dropped.
SWAPS = [("建立健全", "健全完善"), ("健全完善", "建立完善"), ("梳理规范", "梳理"), ("全面", ""), ("及时", "")]
FILLERS = ["进一步", "认真", "扎实"]


def _reword(item: str, rng: random.Random) -> str:
    """One reworded variant of a task text."""
    for old, new in SWAPS:
        if old in item and rng.random() < 0.5:
            item = item.replace(old, new, 1)
    if rng.random() < 0.3:
        item = rng.choice(FILLERS) + item
    clauses = re.split(r"(?<=[,，;；])", item)
    if len(clauses) > 1 and rng.random() < 0.3:
        item = "".join(clauses[:-1]).rstrip(",，;；")
    return item


def _shift(deadline: str | None, rng: random.Random) -> str | None:
    if not deadline:
        return None
    year, month = int(deadline[:4]), int(deadline[5:7]) + rng.choice([-2, -1, 0, 0, 1, 3])
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return f"{year:04d}-{month:02d}-28"


def build_store(folder: Path, n: int, seed: int = 7) -> None:
    """A store of n notices: each a sample notice's tasks, reworded, some dropped, in another county."""
    docs = [json.loads(line) for line in (SAMPLES / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    tasks = [json.loads(line) for line in (SAMPLES / "tasks.jsonl").read_text(encoding="utf-8").splitlines()]
    originals = [d for d in docs if "/" not in d["source"]]  # the five main files, not their variants
    rng = random.Random(seed)
    out_docs, out_tasks = [], []
    for i in range(n):
        base = originals[i % len(originals)]
        doc_id = f"{i:016x}"
        out_docs.append(dict(base, doc_id=doc_id, source=f"bench/{i:05d}.docx", county=f"县{i:05d}",
                             adcode=f"{900000 + i}", doc_number=None, title=f"第{i}号通知"))
        for task in (t for t in tasks if t["doc_id"] == base["doc_id"]):
            if rng.random() < 0.1:
                continue
            deadline = _shift(task["deadline"], rng)
            out_tasks.append(dict(task, doc_id=doc_id, item=_reword(task["item"] or "", rng), deadline=deadline,
                                  deadline_text=deadline and f"{deadline[:4]}年{int(deadline[5:7])}月底前"))
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in (("documents", out_docs), ("tasks", out_tasks)):
        with open(folder / f"{name}.jsonl", "w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def one(n: int) -> dict:
    """Build a store of n notices, compare it, return the measurements (runs in its own process)."""
    sys.path.insert(0, str(ROOT))
    from pipeline.compare import compare
    with tempfile.TemporaryDirectory() as tmp:
        build_store(Path(tmp) / "store", n)
        start, cpu = time.perf_counter(), time.process_time()
        summary = compare(Path(tmp) / "store", Path(tmp) / "report")
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"notices": n, "tasks": summary["tasks"], "matches": summary["matches"], "seconds": seconds,
            "cpu": cpu, "load": os.getloadavg()[0], "peak_mb": peak}


def main(argv: list[str]) -> int:
    """Run each size in a child process and print the table and the ratios."""
    if argv[:1] == ["--one"]:
        print(json.dumps(one(int(argv[1]))))
        return 0
    sizes = [int(a) for a in argv] or [200, 2000]
    results = []
    for n in sizes:
        done = subprocess.run([sys.executable, __file__, "--one", str(n)], capture_output=True, text=True, check=True)
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(f"{'notices':>8} {'tasks':>7} {'matches':>8} {'seconds':>8} {'CPU s':>7} {'load':>5} {'peak MB':>8}")
    for r in results:
        print(f"{r['notices']:>8} {r['tasks']:>7} {r['matches']:>8} {r['seconds']:>8.1f} {r['cpu']:>7.1f} "
              f"{r['load']:>5.1f} {r['peak_mb']:>8.0f}")
    for a, b in zip(results, results[1:]):
        print(f"{b['notices']}/{a['notices']} notices: time x{b['seconds'] / a['seconds']:.1f}, "
              f"memory x{b['peak_mb'] / a['peak_mb']:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
