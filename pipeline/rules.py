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
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULE_PACKAGES = ("extractors", "normalizers")
# pipeline modules that decide what a document yields (process() and everything it imports)
RULE_MODULES = ("catalog.py", "columns.py", "disjoint.py", "errors.py", "lexicon.py", "limits.py", "model.py",
                "tables.py", "tasks.py", "vertical.py")
# run.py also holds the runner; only process() and the module-level names it uses are rules
RUN_MODULE = "run.py"
CACHE_NAME = "rules-version"   # normalizers/datacache.py keeps it as rules-version-<digest>.pickle
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


def cached_version(root: Path = ROOT) -> str:
    """rules_version(root), kept in the package's __pycache__ under a digest of the files' bytes.

    Reading the syntax trees costs about 0.14 s of CPU, paid by every run before its first document;
    hashing the bytes costs a few milliseconds. The digest covers this module too (how the files are
    hashed) and the Python version (ast.dump's text changes between versions).
    """
    from normalizers import datacache
    return datacache.cached(CACHE_NAME, [*rule_files(root), Path(__file__)], lambda: rules_version(root), str,
                            root / "pipeline" / "__pycache__")


@lru_cache(maxsize=1)
def current() -> str:
    """The rules version of this installation, worked out once when first asked for (not at import:
    hashing the rule files costs more than `govnotice --help` may)."""
    return cached_version()


def __getattr__(name: str):
    if name == "RULES_VERSION":   # module attribute computed on first use (PEP 562)
        return current()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
