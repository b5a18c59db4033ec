"""Pair precision and recall of `govnotice compare` against the hand-made alignment of the samples.

usage: python tests/compare/score_matches.py [REPORTDIR]   (default: outputs/compare)
REPORTDIR holds matches.jsonl as `govnotice compare` writes it.
"""
from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ALIGNMENT = HERE / "alignment.yaml"


def _pairs(groups: list[list[str]], skip: set[str]) -> set[frozenset]:
    """Unordered pairs of tasks of different notices that share a group, leaving out `skip`."""
    out = set()
    for members in groups:
        for a, b in itertools.combinations(sorted(set(members) - skip), 2):
            if a[0] != b[0]:
                out.add(frozenset((a, b)))
    return out


def score(matches: list[dict], alignment: dict) -> dict:
    """Precision, recall and pair counts of the matches against the alignment."""
    letter = {stem: key for key, stem in alignment["notices"].items()}
    predicted: dict[str, list[str]] = {}
    for row in matches:
        key = letter.get(Path(row["source"]).stem)
        if key is not None:
            predicted.setdefault(row["match_id"], []).append(f"{key}{row['row'] + 1}")
    skip = set(alignment.get("unreadable") or [])
    got = _pairs(list(predicted.values()), skip)
    gold = _pairs(alignment["clusters"], skip)
    hit = got & gold
    return {"precision": len(hit) / len(got) if got else 1.0, "recall": len(hit) / len(gold) if gold else 1.0,
            "predicted": len(got), "gold": len(gold), "correct": len(hit),
            "false": sorted(tuple(sorted(p)) for p in got - gold),
            "missed": sorted(tuple(sorted(p)) for p in gold - got)}


def main(argv: list[str]) -> int:
    """Print the scores of REPORTDIR/matches.jsonl."""
    folder = Path(argv[0]) if argv else HERE.parent.parent / "outputs" / "compare"
    with open(folder / "matches.jsonl", encoding="utf-8") as handle:
        matches = [json.loads(line) for line in handle]
    result = score(matches, yaml.safe_load(ALIGNMENT.read_text(encoding="utf-8")))
    print(f"pairs: {result['correct']} right of {result['predicted']} found, {result['gold']} in the alignment")
    print(f"precision {result['precision']:.3f}  recall {result['recall']:.3f}")
    for name in ("false", "missed"):
        if result[name]:
            print(f"{name}: " + ", ".join("-".join(p) for p in result[name]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
