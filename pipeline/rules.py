"""The version of the reading rules: a document read under other rules is read again.

It is a digest of the code and data that turn bytes into records (the readers,
the normalisers and the table interpretation), so any change to them, by any
branch, makes the store re-read its documents; modules that only move records
around (the CLI, the store, the exporters, compare, fetch, the executor) are
left out, so changing them keeps the store's documents.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULE_PACKAGES = ("extractors", "normalizers", "pipeline")
# pipeline modules that do not change what a document yields
NOT_RULES = frozenset({"__init__.py", "__main__.py", "cli.py", "store.py", "exporters.py", "rules.py",
                       "inputs.py", "manifest.py", "schema.py", "compare.py", "report.py", "fetch.py",
                       "executor.py", "api.py"})


def _rule_files() -> list[Path]:
    files = []
    for package in RULE_PACKAGES:
        for path in sorted((ROOT / package).rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            if package == "pipeline" and path.name in NOT_RULES:
                continue
            files.append(path)
    return files


def rules_version() -> str:
    """16 hex digits naming the current rules (a digest of the rule modules and their data)."""
    digest = hashlib.sha256()
    for path in _rule_files():
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


RULES_VERSION = rules_version()
