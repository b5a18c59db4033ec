"""The load-once table cache (normalizers/datacache.py): never stale, never a failed run."""
from __future__ import annotations

import pickle
from pathlib import Path

from normalizers import datacache, regions


class Builds:
    """A build function that counts its calls and returns what its source file says."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self.calls = 0

    def __call__(self) -> dict:
        self.calls += 1
        return {"rows": self.source.read_text(encoding="utf-8").split()}


def setup(tmp_path: Path) -> tuple[Path, Path, Builds]:
    source = tmp_path / "data.tsv"
    source.write_text("a b c", encoding="utf-8")
    return source, tmp_path / "__pycache__", Builds(source)


def test_second_run_loads_what_the_first_built(tmp_path: Path) -> None:
    source, folder, build = setup(tmp_path)
    first = datacache.cached("table", [source], build, dict, folder)
    second = datacache.cached("table", [source], build, dict, folder)
    assert first == second == {"rows": ["a", "b", "c"]}
    assert build.calls == 1
    assert len(list(folder.glob("table-*.pickle"))) == 1


def test_changed_source_is_built_again_and_replaces_the_old_file(tmp_path: Path) -> None:
    source, folder, build = setup(tmp_path)
    datacache.cached("table", [source], build, dict, folder)
    source.write_text("a b d", encoding="utf-8")
    assert datacache.cached("table", [source], build, dict, folder) == {"rows": ["a", "b", "d"]}
    assert build.calls == 2
    assert len(list(folder.glob("table-*.pickle"))) == 1
    # a different library version (extra) is a different table too
    assert datacache.cached("table", [source], build, dict, folder, extra="lib 2") == {"rows": ["a", "b", "d"]}
    assert build.calls == 3


def test_damaged_or_foreign_file_is_built_again(tmp_path: Path) -> None:
    source, folder, build = setup(tmp_path)
    datacache.cached("table", [source], build, dict, folder)
    kept, = folder.glob("table-*.pickle")
    kept.write_bytes(kept.read_bytes()[:20])   # cut short
    assert datacache.cached("table", [source], build, dict, folder) == {"rows": ["a", "b", "c"]}
    kept.write_bytes(pickle.dumps(["not", "a", "dict"]))
    assert datacache.cached("table", [source], build, dict, folder) == {"rows": ["a", "b", "c"]}
    assert build.calls == 3
    assert pickle.loads(kept.read_bytes()) == {"rows": ["a", "b", "c"]}   # written again, whole


def test_unwritable_folder_costs_only_the_build(tmp_path: Path) -> None:
    source, folder, build = setup(tmp_path)
    folder.write_text("a file where the folder should be")
    assert datacache.cached("table", [source], build, dict, folder) == {"rows": ["a", "b", "c"]}
    assert datacache.cached("table", [source], build, dict, folder) == {"rows": ["a", "b", "c"]}
    assert build.calls == 2
    assert not list(tmp_path.glob(".table-*"))   # no temporary file left behind


def test_gazetteer_survives_the_round_trip(tmp_path: Path) -> None:
    """The gazetteer as kept and loaded back is the gazetteer built from the division list."""
    built = regions.build_gazetteer()
    build = lambda: regions.build_gazetteer()  # noqa: E731
    sources = [Path(regions.__file__)]
    datacache.cached("gazetteer", sources, build, regions.Gazetteer, tmp_path)
    loaded = datacache.cached("gazetteer", sources, lambda: None, regions.Gazetteer, tmp_path)
    assert loaded == built and loaded is not built
    code = next(iter(built.divisions))
    assert loaded.get(code) == built.get(code) and type(loaded.get(code)) is regions.Division
    assert regions.gazetteer() == built


def test_a_folder_that_cannot_be_entered_costs_only_the_build(tmp_path: Path, monkeypatch) -> None:
    # pathlib raises (rather than answering False) when this user may not search the folder
    source, folder, build = setup(tmp_path)
    real = Path.is_file

    def is_file(path: Path) -> bool:
        if path.parent == folder:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)
    monkeypatch.setattr(Path, "is_file", is_file)
    assert datacache.cached("table", [source], build, dict, folder) == {"rows": ["a", "b", "c"]}
    assert build.calls == 1


_UPGRADE_MID_RUN = """
import sys; sys.path.insert(0, sys.argv[1])
from normalizers import regions                      # the process imports the code ...
src = open(regions.__file__, encoding="utf-8").read()
new = src.replace("def core_name(name: str) -> str:\\n", "def core_name(name: str) -> str:\\n    return ''\\n", 1)
assert new != src
open(regions.__file__, "w", encoding="utf-8").write(new)   # ... then the install changes: no cores any more
print(len(regions.gazetteer().cores) > 0)            # built by the code in memory
"""
_NEW_RUN = """
import sys; sys.path.insert(0, sys.argv[1])
from normalizers import regions
print(len(regions.gazetteer().cores), len(regions.build_gazetteer().cores))
"""


def test_a_table_is_kept_under_the_code_that_built_it(tmp_path: Path) -> None:
    # sources edited between a process's import and its first gazetteer() must not name what it builds
    import shutil
    import subprocess
    import sys
    shutil.copytree(Path(regions.__file__).parent, tmp_path / "normalizers",
                    ignore=shutil.ignore_patterns("__pycache__"))
    first = subprocess.run([sys.executable, "-c", _UPGRADE_MID_RUN, str(tmp_path)], capture_output=True, text=True)
    assert first.stdout.split() == ["True"], first.stderr
    second = subprocess.run([sys.executable, "-c", _NEW_RUN, str(tmp_path)], capture_output=True, text=True)
    assert second.stdout.split() == ["0", "0"], second.stderr   # the new code's table, not the old one kept
