"""The package builds without setuptools warnings about our layout and ships its data files."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("pipeline", "extractors", "normalizers")


def test_build_ships_the_data_without_layout_warnings(tmp_path):
    # finding 6: `.ci/setup` printed "Package 'normalizers.data' is absent from the packages configuration"
    src = tmp_path / "src"
    for package in PACKAGES:
        shutil.copytree(ROOT / package, src / package, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    built = subprocess.run([sys.executable, "-c", "import setuptools; setuptools.setup()", "build_py",
                            "-d", str(tmp_path / "build")], cwd=src, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    assert "is absent from the packages configuration" not in built.stdout + built.stderr
    for package in PACKAGES:
        data = {p.relative_to(src) for p in (src / package).rglob("*")
                if p.is_file() and "__pycache__" not in p.parts}
        assert data <= {p.relative_to(tmp_path / "build") for p in (tmp_path / "build").rglob("*")}, package
