"""Every top-level function and class of the library is used somewhere (finding 13: dead helpers)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("pipeline", "extractors")


def test_no_unused_top_level_definitions():
    files = [p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))]
    files += sorted((ROOT / "normalizers").rglob("*.py"))   # uses from there count too
    texts = {p: p.read_text(encoding="utf-8") for p in files}
    unused = []
    for path in files:
        if path.parts[-2] not in PACKAGES:
            continue
        for node in ast.parse(texts[path]).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("__"):
                word = re.compile(rf"\b{re.escape(node.name)}\b")
                if sum(len(word.findall(text)) for text in texts.values()) <= 1:   # only its own def
                    unused.append(f"{path.relative_to(ROOT)}:{node.name}")
    assert unused == []
