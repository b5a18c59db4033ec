"""Manifests: a CSV (file, province, city, county, url, ...) whose rows override what a document says.

Excel on Chinese Windows saves CSV as GBK ("CSV") or UTF-16 ("Unicode text",
tab-separated), so the encoding and the delimiter are read from the bytes.
A row that cannot be used as written gets a warning that names its line.
"""
from __future__ import annotations

import csv
import io
import logging
from pathlib import Path
from typing import Optional


log = logging.getLogger("govnotice")
REQUIRED = ("file", "province", "city", "county")
HEADER = "file,province,city,county,url"
LEVELS = ("province", "city", "county")


class ManifestError(ValueError):
    """The manifest cannot be used (no such file, wrong header)."""


def decode_manifest(data: bytes) -> str:
    """The text of a manifest: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (GBK)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030", "replace")


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    return "\t" if first.count("\t") > first.count(",") else ","


def _check_row(path: Path, line: int, row: dict, n_columns: int, width: int) -> None:
    """Warn about a short row; drop region names that are not known (or do not fit the others), saying so."""
    from normalizers.regions import adcode_of   # the division table loads only when a manifest is read
    if width < n_columns:
        log.warning("manifest %s line %d: %d of %d columns; the missing ones are taken as empty",
                    path, line, width, n_columns)
    kept: list[Optional[str]] = []
    for level in LEVELS:
        name = row.get(level) or None
        if name and adcode_of(*kept, name, *[None] * (len(LEVELS) - len(kept) - 1)) is None:
            log.warning("manifest %s line %d: no %s %s is known%s; it is left out", path, line, level, name,
                        " under " + "/".join(k for k in kept if k) if any(kept) else "")
            row[level], name = "", None
        kept.append(name)


def load_manifest(path: Path) -> dict[str, dict[str, str]]:
    """Rows of a manifest CSV (file, province, city, county, url) keyed by file name."""
    try:
        text = decode_manifest(Path(path).read_bytes())
    except OSError as exc:
        raise ManifestError(f"cannot read manifest {path}: {exc.strerror or exc}") from exc
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    header = [h.strip().lower() for h in next(reader, [])]
    missing = set(REQUIRED) - set(header)
    if missing:
        raise ManifestError(f"manifest {path} lacks the column(s) {', '.join(sorted(missing))} (header: {HEADER})")
    rows: dict[str, dict[str, str]] = {}
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        row = {k: (cells[i] if i < len(cells) else "").strip() for i, k in enumerate(header) if k}
        _check_row(path, reader.line_num, row, len(header), len(cells))
        if row.get("file"):
            rows[row["file"]] = row
    return rows


def find_manifest(inputs: list[str], given: Optional[str]) -> Optional[Path]:
    """The manifest to apply: the one given, else a manifest.csv at the top of an input folder (said on stderr)."""
    if given:
        return Path(given)
    for folder in inputs:
        candidate = Path(folder) / "manifest.csv"
        if Path(folder).is_dir() and candidate.is_file():
            log.warning("applying %s (found in the input folder; --manifest chooses another)", candidate)
            return candidate
    return None
