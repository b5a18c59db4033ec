"""Radical and compatibility ideographs read as the unified ideograph (issue 8, item 3).

PDF producers (Chromium/Skia, some WPS exports) map glyphs to CJK Radicals
Supplement and Kangxi Radicals code points. The table behind
normalizers.text.unify_ideographs is built from Unicode data by
tests/fixtures/build_radicals.py.
"""
from __future__ import annotations

import logging
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from normalizers.text import _unified_table, normalize, unify_ideographs
from normalizers.units import split_units
from pipeline.run import process
from _helpers import make_pdf

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "corpus" / "dongzhi_2020.html"
RADICAL_BLOCKS = ((0x2E80, 0x2EFF), (0x2F00, 0x2FDF))
ALL_BLOCKS = RADICAL_BLOCKS + ((0xF900, 0xFAFF), (0x2F800, 0x2FA1F))


def _in(blocks, ch: str) -> bool:
    return any(a <= ord(ch) <= b for a, b in blocks)


@pytest.mark.parametrize("raw, want", [
    ("人\u2ea0政府", "人民政府"),                 # ⺠ CJK RADICAL CIVILIAN (Radicals Supplement)
    ("\u2ecb辆购置税", "车辆购置税"),              # ⻋ C-SIMPLIFIED CART
    ("\u2edd品安全", "食品安全"),                 # ⻝ EAT ONE
    ("\u2f08\u2ea0群众", "人民群众"),              # ⼈ KANGXI RADICAL MAN next to ⺠
    ("县\u2ed4户网站", "县门户网站"),              # ⻔ C-SIMPLIFIED GATE
    ("\u2f2f作要点", "工作要点"),                 # ⼯ KANGXI RADICAL WORK
    ("\uf9b4导小组", "领导小组"),                # 領 U+F9B4 CJK COMPATIBILITY IDEOGRAPH, then simplified
])
def test_radicals_read_as_unified_ideographs(raw, want):
    assert normalize(raw) == want


def test_unit_names_with_radicals_are_the_names_a_reader_sees():
    assert split_units("县\u2f08\u2ea0政府办公室、县\u2ed4户网站管理中心") == ["县人民政府办公室", "县门户网站管理中心"]


def test_table_covers_the_blocks_from_unicode_data():
    table = _unified_table()
    kangxi = [cp for cp in range(0x2F00, 0x2FD6)]            # the 214 Kangxi radicals
    supplement = [cp for cp in table if 0x2E80 <= cp <= 0x2EFF]
    assert all(cp in table for cp in kangxi)
    assert len(supplement) >= 100
    # where NFKC folds a character, the table (from EquivalentUnifiedIdeograph.txt) agrees with it
    for cp in kangxi:
        assert table[cp] == unicodedata.normalize("NFKC", chr(cp)), hex(cp)
    # every target is a unified ideograph, never another radical or compatibility character
    assert not any(_in(ALL_BLOCKS, t) for t in table.values())
    assert unify_ideographs("\u2ea0\u2ecb\u2edd") == "民车食"


_MAPPED = sorted(chr(cp) for cp in _unified_table())


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(_MAPPED + list("县政府办公室、,\n ")), max_size=40))
def test_no_mapped_radical_survives_normalisation(text):
    out = normalize(text)
    assert not any(ch in _unified_table() for ch in map(ord, out))
    assert normalize(out) == out


def test_pdf_text_layer_with_radicals_gives_unified_text():
    # UniGB-UCS2-H CIDs are the code points themselves: the text layer holds the radicals
    def cid(text: str) -> str:
        return "<" + text.encode("utf-16-be").hex() + ">"
    lines = ["关于加强\u2edd品安全工作的通知", "东至县\u2f08\u2ea0政府办公室", "2020年8月3日"]
    ops = [f"BT /F2 14 Tf 72 {700 - 30 * i} Td {cid(line)} Tj ET" for i, line in enumerate(lines)]
    result = process(make_pdf([ops]), "issue-radicals.pdf")
    assert result.document.title == "关于加强食品安全工作的通知"
    assert result.document.issuer == "东至县人民政府办公室"


def _chromium_pdf(html: str, tmp_path: Path) -> bytes:
    """html printed to PDF by headless Chromium."""
    page = tmp_path / "page.html"
    page.write_text(html, encoding="utf-8")
    out = tmp_path / "page.pdf"
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "headless Chromium is needed (installed by .ci/setup)"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--no-pdf-header-footer",
                    f"--print-to-pdf={out}", page.as_uri()], capture_output=True, check=True)
    return out.read_bytes()


def _task_rows(result) -> list[tuple]:
    return [(t.group_no, t.group, t.item_no, t.item, t.lead_units, t.support_units, t.deadline_text,
             t.deadline) for t in result.tasks]


def test_chromium_pdf_with_radicals_gives_the_tasks_of_the_html(tmp_path):
    # Chromium prints this sample with unified ideographs in its text layer; the same
    # page written with radicals (as Skia-made PDFs from other sites carry) must read alike
    html = SAMPLE.read_text(encoding="utf-8")
    radical_of: dict[str, str] = {}
    for source, target in sorted(_unified_table().items()):
        if _in(RADICAL_BLOCKS, chr(source)):
            radical_of.setdefault(target, chr(source))
    written = "".join(radical_of.get(ch, ch) for ch in html)
    # a page tall enough for the table not to break: rows cut by a page break are the PDF reader's
    # business (tests/test_extract_pdf.py), this test is about the characters
    written = written.replace("<head>", "<head><style>@page { size: 841mm 1189mm; }</style>", 1)
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    pdf = _chromium_pdf(written, tmp_path)
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert sum(_in(RADICAL_BLOCKS, ch) for ch in text) >= 300, "the PDF's text layer holds no radicals"
    from_pdf, from_html = process(pdf, "page.pdf"), process(SAMPLE.read_bytes(), SAMPLE.name)
    assert len(from_html.tasks) == 36
    assert _task_rows(from_pdf) == _task_rows(from_html)
    assert (from_pdf.document.title, from_pdf.document.issuer) == \
        (from_html.document.title, from_html.document.issuer)


def test_every_mapped_character_is_unified_inside_a_text():
    # the quick check that skips texts without any mapped character must see each of them
    table = _unified_table()
    for code, target in table.items():
        assert unify_ideographs(f"关于{chr(code)}通知 a1") == f"关于{target}通知 a1", hex(code)
    assert unify_ideographs("关于印发通知 a1") == "关于印发通知 a1"
