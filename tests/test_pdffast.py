"""extractors.pdffast.dedupe_chars keeps exactly the chars pdfplumber's dedupe_chars keeps, in its order."""
from __future__ import annotations

import io
from pathlib import Path

import pdfplumber
import pytest
from pdfplumber.table import Table as PdfplumberTable
from pdfplumber.utils import dedupe_chars as pdfplumber_dedupe

from extractors.pdffast import CellIndex, dedupe_chars, page_objects, table_texts, unique_chars
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st
from extractors.ofd_pdf import pdf_file
from tests._helpers import make_pdf

ROOT = Path(__file__).resolve().parent.parent
PDFS = sorted((ROOT / "corpus").rglob("*.pdf")) + sorted((ROOT / "tests" / "pdfs").glob("*.pdf"))


def _fake_bold_pdf() -> bytes:
    """Fake bold and stray copies: the same line printed at 0, 0.3 and 2 pt, an exact copy, CJK twice."""
    ops = []
    for dx, dy in [(0, 0), (0.3, 0), (0, 0), (2, 0), (0.2, 0.4), (0, 1.5)]:
        ops.append(f"BT /F1 12 Tf {72 + dx} {700 + dy} Td (Fake bold heading, 2020) Tj ET")
    for dx in (0, 0.6):
        ops.append(f"BT /F2 12 Tf {72 + dx} 650 Td <5e7f53535e02> Tj ET")
    ops.append("BT /F1 10 Tf 72 600 Td (A plain line with repeated letters: aaaa 1111) Tj ET")
    return make_pdf([ops, ops[:3]])


def _same_as_pdfplumber(data: bytes, **kwargs) -> int:
    """Check every page; return how many chars the dedupe removed."""
    removed = 0
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            ours, theirs = dedupe_chars(page, **kwargs), page.dedupe_chars(**kwargs)
            assert ours.chars == theirs.chars
            assert [id(c) for c in ours.chars] == [id(c) for c in theirs.chars]
            assert ours.extract_text() == theirs.extract_text()
            removed += len(page.chars) - len(ours.chars)
    return removed


@pytest.mark.parametrize("kwargs", [{}, {"tolerance": 0.25}, {"tolerance": 3}, {"extra_attrs": None}])
def test_fake_bold_is_removed_exactly_as_pdfplumber_does(kwargs):
    assert _same_as_pdfplumber(_fake_bold_pdf(), **kwargs) > 0


@pytest.mark.parametrize("path", PDFS, ids=lambda p: p.name)
def test_sample_pdfs_keep_the_same_chars(path):
    _same_as_pdfplumber(path.read_bytes())


def _odd_page_pdf() -> bytes:
    """A page whose MediaBox does not start at 0 0, turned 90 degrees: coloured and marked text, a curve, a box."""
    ops = ("/P << /MCID 3 >> BDC 0.2 0.4 0.6 rg BT /F1 12 Tf 100 700 Td (Marked blue) Tj ET EMC "
           "1 0 0 RG 0.5 0.5 0 rg 50 50 200 100 re B 70 600 m 90 650 120 650 140 600 c S "
           "BT /F1 9 Tf 3 Tr 300 300 Td (invisible) Tj ET")
    objs = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
            3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
            4: b"<< /Type /Page /Parent 2 0 R /MediaBox [30 40 642 832] /Rotate 90 /Contents 5 0 R "
               b"/Resources << /Font << /F1 3 0 R >> >> >>",
            5: b"<< /Length %d >>\nstream\n%s\nendstream" % (len(ops), ops.encode())}
    return pdf_file(objs, "/Root 1 0 R")


# (with laparams page_objects leaves the page to pdfplumber)
@pytest.mark.parametrize("options", [{}, {"unicode_norm": "NFKC"}], ids=str)
@pytest.mark.parametrize("path", PDFS + ["odd page"], ids=lambda p: getattr(p, "name", p))
def test_page_objects_are_pdfplumbers(path, options):
    data = _odd_page_pdf() if path == "odd page" else path.read_bytes()
    kinds = set()
    with pdfplumber.open(io.BytesIO(data), **options) as ours, pdfplumber.open(io.BytesIO(data), **options) as theirs:
        for mine, page in zip(ours.pages, theirs.pages):
            built, parsed = page_objects(mine), page.parse_objects()
            assert mine.objects is built   # cached where pdfplumber looks
            assert list(built) == list(parsed)
            for kind in parsed:   # every key, in pdfplumber's order, with its value
                assert [list(o.items()) for o in built[kind]] == [list(o.items()) for o in parsed[kind]]
                kinds.add(kind)
    assert "char" in kinds


def test_page_objects_of_a_cropped_page_are_its_own():
    with pdfplumber.open(ROOT / "corpus" / "jiujiang_2020_annex1.pdf") as pdf:
        page = pdf.pages[0]
        top = page.crop((0, 0, page.width, page.height / 2))
        chars = page_objects(top)["char"]
        assert chars == top.chars and 0 < len(chars) < len(page.chars)


@pytest.mark.parametrize("path", PDFS, ids=lambda p: p.name)
def test_table_texts_are_pdfplumbers_on_the_sample_tables(path):
    n = 0
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            for table in dedupe_chars(page).find_tables():
                assert table_texts([row.cells for row in table.rows], table.page.chars) == table.extract()
                n += 1
    assert n > 0 or "unruled" in path.name


def _char(text: str, x0: float, top: float) -> dict:
    return {"text": text, "x0": x0, "x1": x0 + 10, "top": top, "bottom": top + 10, "doctop": top,
            "upright": True, "size": 10.0, "fontname": "F1"}  # middles on the grid


_spot = st.integers(min_value=0, max_value=20).map(lambda k: k * 5.0)


@settings(max_examples=200, deadline=None)
@given(chars=st.lists(st.builds(_char, st.sampled_from("县a1 "), _spot, _spot), max_size=40),
       xs=st.lists(_spot, min_size=2, max_size=5, unique=True),
       ys=st.lists(_spot, min_size=2, max_size=5, unique=True), gone=st.sets(st.integers(1, 15)))
def test_table_texts_are_pdfplumbers_on_random_grids(chars, xs, ys, gone):
    # cells on the grid, some missing (None in their row), chars on cell borders as well as inside
    xs, ys = sorted(xs), sorted(ys)
    cells = [(a, t, b, u) for t, u in zip(ys, ys[1:]) for a, b in zip(xs, xs[1:])]
    cells = [cell for k, cell in enumerate(cells) if k not in gone]
    table = PdfplumberTable(SimpleNamespace(chars=chars), cells)
    assert table_texts([row.cells for row in table.rows], chars) == table.extract()


def test_a_char_with_a_nan_middle_leaves_the_other_cells_as_pdfplumber_does():
    """A malformed PDF can put a char at NaN (inf x 0 in a text matrix): it is in no cell, and it must
    not break the sort the height bands are cut from."""
    chars = [_char("B", 0, 100), _char("N", 0, float("nan")), _char("A", 0, 0), _char("M", 0, 50)]
    cells = [(0, 0, 20, 20), (0, 40, 20, 70), (0, 90, 20, 120)]
    table = PdfplumberTable(SimpleNamespace(chars=chars), cells)
    assert table_texts([row.cells for row in table.rows], chars) == table.extract() == [["A"], ["M"], ["B"]]


# Few glyphs on a coarse grid of positions: chains of near values, exact ties and repeated glyphs abound.
_near = st.integers(min_value=0, max_value=24).map(lambda k: k * 0.4)
_chars = st.lists(st.fixed_dictionaries({
    "upright": st.booleans(), "text": st.sampled_from("县县a "), "fontname": st.sampled_from(["F1", "F2"]),
    "size": st.sampled_from([9.0, 12.0]), "doctop": _near, "x0": _near}), max_size=60)


@settings(max_examples=300, deadline=None)
@given(chars=_chars, tolerance=st.sampled_from([0, 0.5, 1, 3]),
       extra_attrs=st.sampled_from([("fontname", "size"), None]))
def test_unique_chars_keeps_what_pdfplumber_keeps(chars, tolerance, extra_attrs):
    chars = [{**char, "n": n} for n, char in enumerate(chars)]   # tells exact copies apart
    ours = unique_chars(chars, tolerance, extra_attrs)
    assert [c["n"] for c in ours] == [c["n"] for c in pdfplumber_dedupe(chars, tolerance, extra_attrs)]


def _box(draw_values) -> tuple:
    x0, y0, w, h = draw_values
    return (x0, y0, x0 + w, y0 + h)


_coord = st.floats(min_value=0, max_value=800, allow_nan=False)
_size = st.floats(min_value=0, max_value=120, allow_nan=False)
_boxes = st.lists(st.tuples(_coord, _coord, _size, _size).map(_box), max_size=12)


@settings(max_examples=300, deadline=None)
@given(tables=st.lists(st.tuples(st.tuples(_coord, _coord, _size, _size).map(_box), _boxes), max_size=3),
       points=st.lists(st.tuples(_coord, _coord), min_size=1, max_size=20))
def test_cell_index_answers_as_the_scan_over_every_cell(tables, points):
    index = CellIndex(tables)
    for x, y in points:
        brute = any(b[0] <= x <= b[2] and b[1] <= y <= b[3] and
                    any(c[0] <= x <= c[2] and c[1] <= y <= c[3] for c in cells) for b, cells in tables)
        assert index.covers((x, y)) == brute


def test_cell_index_on_a_real_table_edge():
    cells = [(50.0, 100.0, 90.0, 136.0), (90.0, 100.0, 340.0, 136.0)]
    index = CellIndex([((50.0, 100.0, 340.0, 136.0), cells)])
    assert index.covers((90.0, 136.0)) and index.covers((50.0, 100.0))
    assert not index.covers((340.1, 120.0)) and not index.covers((60.0, 136.5))
