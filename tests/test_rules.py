"""The rules version: it names exactly the code and data that turn bytes into records."""
from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from pipeline.rules import ROOT, RUN_MODULE, RUN_PARTS, rule_files, rules_version


def _pipeline_imports(tree: ast.AST, used: set[str] | None = None) -> set[str]:
    """pipeline modules a syntax tree imports from (only those binding a name in `used`, if given)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pipeline."):
            if used is None or any((a.asname or a.name) in used for a in node.names):
                found.add(node.module.split(".")[1] + ".py")
    return found


def _defined(node: ast.stmt) -> set[str]:
    if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, ast.Assign):
        return {t.id for t in node.targets if isinstance(t, ast.Name)}
    return set()


def test_every_rule_file_exists_and_imports_only_rules():
    files = rule_files()
    assert all(path.is_file() for path in files)
    pipeline_rules = {p.name for p in files if p.parent == ROOT / "pipeline"}
    for path in files:
        if path.suffix == ".py" and path.name != RUN_MODULE:
            assert _pipeline_imports(ast.parse(path.read_bytes())) <= pipeline_rules, path
    run = ast.parse((ROOT / "pipeline" / RUN_MODULE).read_bytes())
    parts = [n for n in run.body if getattr(n, "name", None) in RUN_PARTS]
    used = {n.id for part in parts for n in ast.walk(part) if isinstance(n, ast.Name)}
    assert {"process", "_set_region"} <= {p.name for p in parts}
    # a helper of process() defined in run.py is a rule too
    defined = {name for node in run.body for name in _defined(node)}
    assert used & defined <= RUN_PARTS
    assert _pipeline_imports(run, used) <= pipeline_rules


def test_modules_that_move_records_are_not_rules():
    names = {p.relative_to(ROOT).as_posix() for p in rule_files()}
    for mover in ("cli.py", "store.py", "exporters.py", "compare.py", "fetch.py", "match_settings.py",
                  "matching.py", "report.py", "report_template.html", "crawl.py", "client.py", "web.py"):
        assert f"pipeline/{mover}" not in names


@pytest.fixture()
def tree(tmp_path) -> Path:
    for package in ("extractors", "normalizers", "pipeline"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_comments_and_non_rule_code_keep_the_version(tree):
    before = rules_version(tree)
    (tree / "pipeline" / "match_settings.py").write_text("# a note\n" + (tree / "pipeline" / "match_settings.py")
                                                         .read_text(encoding="utf-8"), encoding="utf-8")
    _edit(tree / "pipeline" / "tables.py", "\n\n", "\n\n# why this rule\n")
    _edit(tree / "pipeline" / "run.py", "def remove(", "def remove_(")   # the runner, not process()
    assert rules_version(tree) == before


def test_a_rule_change_changes_the_version(tree):
    before = rules_version(tree)
    _edit(tree / "pipeline" / "run.py", "MAX_EVIDENCE_LINE = 2000", "MAX_EVIDENCE_LINE = 2001")
    after_run = rules_version(tree)
    (tree / "normalizers" / "data" / "radicals.tsv").open("a", encoding="utf-8").write("\n")
    assert len({before, after_run, rules_version(tree)}) == 3


def test_the_cached_version_is_the_computed_one_and_follows_every_edit(tree, monkeypatch):
    from pipeline import rules
    first = rules.cached_version(tree)
    assert first == rules_version(tree)
    assert len(list((tree / "pipeline" / "__pycache__").glob(rules.CACHE_NAME + "-*"))) == 1
    # a second run reads the cache: the syntax trees are not read again
    monkeypatch.setattr(rules, "rules_version", lambda root: pytest.fail("computed again"))
    assert rules.cached_version(tree) == first
    monkeypatch.undo()
    _edit(tree / "pipeline" / "run.py", "MAX_EVIDENCE_LINE = 2000", "MAX_EVIDENCE_LINE = 2001")
    changed = rules.cached_version(tree)
    assert changed == rules_version(tree) != first
    assert len(list((tree / "pipeline" / "__pycache__").glob(rules.CACHE_NAME + "-*"))) == 1
    # a comment changes the bytes, not the version: computed again, same answer
    _edit(tree / "pipeline" / "tables.py", "\n\n", "\n\n# why this rule\n")
    assert rules.cached_version(tree) == changed


def test_a_cache_that_cannot_be_written_or_read_costs_only_time(tree):
    from pipeline import rules
    (tree / "pipeline" / "__pycache__").write_text("not a folder")
    assert rules.cached_version(tree) == rules_version(tree)
    (tree / "pipeline" / "__pycache__").unlink()
    rules.cached_version(tree)
    cache, = (tree / "pipeline" / "__pycache__").glob(rules.CACHE_NAME + "-*")
    cache.write_text("../../etc/passwd")   # not a version: ignored and written again
    assert rules.cached_version(tree) == rules_version(tree)


def test_a_change_to_how_the_rules_are_hashed_is_not_served_from_the_cache(tree, tmp_path, monkeypatch):
    from pipeline import rules
    module = tmp_path / "rules_copy.py"   # stands for pipeline/rules.py: its bytes key the cache too
    module.write_bytes(Path(rules.__file__).read_bytes())
    monkeypatch.setattr(rules, "__file__", str(module))
    first = rules.cached_version(tree)
    module.write_text(module.read_text(encoding="utf-8") + "\n# process() alone\n", encoding="utf-8")
    monkeypatch.setattr(rules, "RUN_PARTS", frozenset({"process"}))
    assert rules.cached_version(tree) == rules.rules_version(tree) != first
