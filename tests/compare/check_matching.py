"""Checks of the matcher that do not just re-fit the samples; prints pair precision and recall of each.

usage: python tests/compare/check_matching.py [STORE]   (default: outputs, the samples' store)

1. samples: the five sample notices against the hand alignment (what score_matches.py prints);
2. leave one notice out: for each notice, the threshold that scores best (F1) on the other four
   notices alone, then used on all five and scored on the pairs that involve the held-out notice only;
3. paraphrases: 4 synthetic notices per sample notice, every task reworded (paraphrase.py), scored
   against the truth the rewording keeps, at the default threshold.
"""
from __future__ import annotations

import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from pipeline.compare import group_notices, load_store, match_rows  # noqa: E402
from pipeline.match_settings import CompareSettings, MatchSettings  # noqa: E402
from tests.compare import paraphrase  # noqa: E402
from tests.compare.score_matches import ALIGNMENT, score  # noqa: E402

GRID = (0.06, 0.08, 0.10, 0.12, 0.14, 0.16, 0.18, 0.20, 0.24)


def _rows(documents: list[dict], tasks: list[dict], threshold: float) -> list[dict]:
    settings = CompareSettings(match=MatchSettings(threshold=threshold))
    return match_rows(documents, tasks, group_notices(documents, tasks, settings), settings)


def _f1(result: dict) -> float:
    p, r = result["precision"], result["recall"]
    return 2 * p * r / (p + r) if p + r else 0.0


def _only(alignment: dict, keep: set[str]) -> dict:
    """The alignment restricted to the notices whose letters are in keep."""
    return dict(alignment, clusters=[[t for t in c if t[0] in keep] for c in alignment["clusters"]])


def leave_one_out(documents: list[dict], tasks: list[dict], alignment: dict) -> dict:
    """Threshold chosen on four notices, scored on the pairs of the fifth; micro precision and recall."""
    stems = {stem: key for key, stem in alignment["notices"].items()}
    letter_of = {d["doc_id"]: stems.get(Path(d["source"]).stem) for d in documents}
    hit = got = gold = 0
    chosen = {}
    for held in sorted(alignment["notices"]):
        rest = {k for k in alignment["notices"] if k != held}
        docs = [d for d in documents if letter_of[d["doc_id"]] in rest]
        mine = [t for t in tasks if letter_of[t["doc_id"]] in rest]
        best = max(GRID, key=lambda th: (_f1(score(_rows(docs, mine, th), _only(alignment, rest))), -abs(th - 0.12)))
        chosen[held] = best
        result = score(_rows(documents, tasks, best), alignment)
        involved = lambda pairs: [p for p in pairs if any(t[0] == held for t in p)]  # noqa: E731
        false, missed = len(involved(result["false"])), len(involved(result["missed"]))
        gold_held = len(_pairs_with(alignment, held))
        found = gold_held - missed
        hit, got, gold = hit + found, got + found + false, gold + gold_held
    return {"precision": hit / got, "recall": hit / gold, "thresholds": chosen}


def _pairs_with(alignment: dict, held: str) -> list[tuple]:
    skip = set(alignment.get("unreadable") or [])
    out = []
    for members in alignment["clusters"]:
        live = [t for t in members if t not in skip]
        out += [(a, b) for a in live for b in live if a < b and a[0] != b[0] and held in (a[0], b[0])]
    return out


def main(argv: list[str]) -> int:
    """Print the three checks."""
    store = Path(argv[0]) if argv else HERE.parent.parent / "outputs"
    documents, tasks = load_store(store)
    alignment = yaml.safe_load(ALIGNMENT.read_text(encoding="utf-8"))
    default = MatchSettings().threshold
    sample = score(_rows(documents, tasks, default), alignment)
    print(f"samples (threshold {default:g}):      precision {sample['precision']:.3f}  recall {sample['recall']:.3f}")
    lono = leave_one_out(documents, tasks, alignment)
    print(f"leave one notice out:         precision {lono['precision']:.3f}  recall {lono['recall']:.3f}"
          f"  thresholds {lono['thresholds']}")
    docs, synth, truth = paraphrase.build(documents, tasks, alignment, copies=4)
    para = paraphrase.pair_scores(_rows(docs, synth, default), truth)
    print(f"paraphrases ({len(docs)} notices):    precision {para['precision']:.3f}  recall {para['recall']:.3f}"
          f"  ({para['predicted']} pairs found, {para['gold']} true)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
