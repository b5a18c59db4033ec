"""The version of the reading rules: a document read under other rules is read again.

It is a digest of exactly the code and data that turn bytes into records: the
readers (extractors/), the normalisers and their data (normalizers/), the
pipeline modules named in RULE_MODULES, and ``process`` with its helpers in
pipeline/run.py. The rules are listed, not the exceptions, so a new module that
only moves records around (CLI, store, exporters, compare, fetch, executor)
does not re-read the store. Python is hashed as its syntax tree, so a comment
or a docstring line alone does not change the version.
"""
from __future__ import annotations

import ast
import hashlib
import logging
import os
import re
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

log = logging.getLogger("govnotice")

ROOT = Path(__file__).resolve().parent.parent
RULE_PACKAGES = ("extractors", "normalizers")
# pipeline modules that decide what a document yields (process() and everything it imports)
RULE_MODULES = ("catalog.py", "columns.py", "errors.py", "lexicon.py", "model.py", "tables.py", "tasks.py",
                "vertical.py")
# run.py also holds the runner; only process() and the module-level names it uses are rules
RUN_MODULE = "run.py"
CACHE_PREFIX = "rules-version-"
RUN_PARTS = frozenset({"doc_id_of", "process", "_inherit", "_iso_date", "_set_region", "REGION_FIELDS",
                       "MAX_EVIDENCE_LINE", "MAX_EVIDENCE_UNIT"})


def rule_files(root: Path = ROOT) -> list[Path]:
    """The files whose content is the rules, in a fixed order."""
    files = []
    for package in RULE_PACKAGES:
        files += [p for p in sorted((root / package).rglob("*"))
                  if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"]
    files += [root / "pipeline" / name for name in RULE_MODULES]
    return files + [root / "pipeline" / RUN_MODULE]


def _strip_docstrings(tree: ast.AST) -> ast.AST:
    """The tree without docstrings (their wording decides no record)."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                node.body = node.body[1:] or [ast.Pass()]
    return tree


def _names(node: ast.stmt) -> set[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return {t.id for t in targets if isinstance(t, ast.Name)}
    return set()


def _content(path: Path, root: Path) -> bytes:
    """What counts of one rule file: the syntax tree of Python (run.py: only its RUN_PARTS), else the bytes."""
    data = path.read_bytes()
    if path.suffix != ".py":
        return data
    tree = _strip_docstrings(ast.parse(data, filename=str(path)))
    if path == root / "pipeline" / RUN_MODULE:
        tree.body = [node for node in tree.body if _names(node) & RUN_PARTS]
    return ast.dump(tree).encode()


def rules_version(root: Path = ROOT) -> str:
    """16 hex digits naming the current rules (a digest of the rule modules and their data)."""
    digest = hashlib.sha256()
    for path in rule_files(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(_content(path, root) + b"\0")
    return digest.hexdigest()[:16]


def _raw_digest(files: list[Path], root: Path) -> str:
    """A digest of the rule files' bytes as they are, of this module (how they are hashed) and of the
    Python version (ast.dump's text changes between versions): it keys the cached version."""
    digest = hashlib.sha256(f"{sys.version_info[0]}.{sys.version_info[1]}\0".encode())
    digest.update(Path(__file__).read_bytes() + b"\0")
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def cached_version(root: Path = ROOT) -> str:
    """rules_version(root), kept in the package's __pycache__ under a digest of the files' bytes.

    Reading the syntax trees costs about 0.14 s of CPU, paid by every run before its first document;
    hashing the bytes costs a few milliseconds. Like a .pyc file, the cache is a convenience: a
    folder that cannot be written, or a cache file that is not a version, means computing it again.
    """
    raw = _raw_digest(rule_files(root), root)
    cache = root / "pipeline" / "__pycache__" / f"{CACHE_PREFIX}{raw}"
    try:
        kept = cache.read_text(encoding="ascii").strip()
        if re.fullmatch(r"[0-9a-f]{16}", kept):
            return kept
    except (OSError, UnicodeError):
        pass   # no cache yet (or unreadable): computed below
    version = rules_version(root)
    if _raw_digest(rule_files(root), root) == raw:   # not edited while it was being read
        _keep(cache, version)
    return version


def _keep(cache: Path, version: str) -> None:
    """Write the cache file (replacing any for older rule files); a failure only costs the next run time."""
    try:
        cache.parent.mkdir(exist_ok=True)
        for old in cache.parent.glob(CACHE_PREFIX + "*"):
            old.unlink(missing_ok=True)
        handle, tmp = tempfile.mkstemp(prefix=".rules-", dir=cache.parent)
        with os.fdopen(handle, "w", encoding="ascii") as out:
            out.write(version)
        os.chmod(tmp, 0o644)   # mkstemp makes it private; every user of an installation reads it
        os.replace(tmp, cache)
    except OSError as exc:
        log.debug("rules version not cached in %s: %s", cache.parent, exc)


@lru_cache(maxsize=1)
def current() -> str:
    """The rules version of this installation, worked out once when first asked for (not at import:
    hashing the rule files costs more than `govnotice --help` may)."""
    return cached_version()


def __getattr__(name: str):
    if name == "RULES_VERSION":   # module attribute computed on first use (PEP 562)
        return current()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
