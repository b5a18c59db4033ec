"""The marks that symbol fonts draw in XLSX cells (a 标准目录's ticks), as the characters they stand for.

A catalog copied from Word or ticked in Excel writes its marks in a symbol
font: ``ü`` in Wingdings is ✓, ``P`` in Wingdings 2 is ✓, ``þ``/``¨`` in
Wingdings are ☑/□ before each 公开渠道. The file stores the letter and the
font apart: a whole cell's font in its style (styles.xml ``cellXfs`` →
``fonts``), a part of a cell's text in a rich-text run of the shared or inline
string (``<r><rPr><rFont val="Wingdings"/>``). calamine gives the letters
only, so a ticked 全社会 read as ``ü`` was no tick. The cells whose text a
symbol font changes are found here and given as the text they show; the
marks are extractors/docx_symbols.py's (pipeline/lexicon.py SYMBOL_MARKS).
Only workbooks that name a symbol font at all are scanned.
"""
from __future__ import annotations

import re
import zipfile
from typing import Mapping, Optional

from lxml import etree

from extractors.docx_symbols import font_text, symbol_font
from extractors.sheetsize import column_number
from pipeline.lexicon import SYMBOL_MARKS

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
_REF = re.compile(r"([A-Z]{1,3})(\d+)")
# a font name of SYMBOL_MARKS in a part's bytes (as an attribute value): the gate before any parsing
_NAMED = re.compile(rb'val="(?:%s)"' % b"|".join(re.escape(name.encode()) for name in SYMBOL_MARKS), re.IGNORECASE)
Marks = Optional[Mapping[int, str]]
Runs = list[tuple[Optional[str], str]]   # (the run's own font, or None for the cell's; its text)


def symbol_texts(zf: zipfile.ZipFile, styles: Optional[str], strings: Optional[str],
                 sheets: Mapping[str, str]) -> dict[str, dict[tuple[int, int], str]]:
    """Sheet name -> (row, col) -> the text of each cell whose text a symbol font draws as marks, for the
    worksheets ``sheets`` (name -> zip member); ``styles`` and ``strings`` are the styles and shared
    strings members (None when the workbook has none)."""
    styles_xml = zf.read(styles) if styles else b""
    strings_xml = zf.read(strings) if strings else b""
    if not (_NAMED.search(styles_xml) or _NAMED.search(strings_xml)):
        return {}   # the common case: no symbol font anywhere
    cell_marks = _style_marks(etree.fromstring(styles_xml, _XML)) if styles_xml else {}
    shared = [_runs(si) for si in etree.fromstring(strings_xml, _XML).iter(_MAIN + "si")] if strings_xml else []
    return {name: _sheet_texts(zf, member, cell_marks, shared) for name, member in sheets.items()}


def _style_marks(styles: etree._Element) -> dict[int, Mapping[int, str]]:
    """cellXfs index -> the marks of its font, for the styles whose font is a symbol font."""
    fonts_el = styles.find(_MAIN + "fonts")
    xfs = styles.find(_MAIN + "cellXfs")
    if fonts_el is None or xfs is None:
        return {}
    fonts = []
    for font in fonts_el.iter(_MAIN + "font"):
        name = font.find(_MAIN + "name")
        fonts.append(symbol_font(name.get("val") if name is not None else None))
    out = {}
    for index, xf in enumerate(xfs.iter(_MAIN + "xf")):
        font_id = xf.get("fontId") or "0"
        marks = fonts[int(font_id)] if font_id.isdigit() and int(font_id) < len(fonts) else None
        if marks:
            out[index] = marks
    return out


def _runs(el: etree._Element) -> Runs:
    """The runs of a shared or inline string (<si>, <is>): its plain <t>, or each <r>'s font and text
    (phonetic <rPh> runs are no part of the text)."""
    runs: Runs = []
    for child in el:
        if child.tag == _MAIN + "t":
            runs.append((None, child.text or ""))
        elif child.tag == _MAIN + "r":
            font = child.find(f"{_MAIN}rPr/{_MAIN}rFont")
            text = "".join(t.text or "" for t in child.iter(_MAIN + "t"))
            runs.append((font.get("val") if font is not None else None, text))
    return runs


def _drawn(runs: Runs, cell: Marks) -> str:
    """The text the runs show: each in its own font, or in the cell's."""
    out = []
    for font, text in runs:
        marks = symbol_font(font) if font is not None else cell
        out.append(font_text(marks, text) if marks else text)
    return "".join(out)


def _sheet_texts(zf: zipfile.ZipFile, member: str, cell_marks: dict[int, Mapping[int, str]],
                 shared: list[Runs]) -> dict[tuple[int, int], str]:
    """(row, col) -> shown text of the sheet's string cells that a symbol font changes, streaming."""
    out = {}
    with zf.open(member) as stream:
        for _, c in etree.iterparse(stream, tag=_MAIN + "c", resolve_entities=False, no_network=True):
            runs = _cell_runs(c, shared)
            ref = _REF.match(c.get("r", ""))
            if runs is not None and ref:
                style = c.get("s") or "0"
                cell = cell_marks.get(int(style)) if style.isdigit() else None
                text = _drawn(runs, cell)
                if text != "".join(t for _, t in runs):
                    out[(int(ref.group(2)) - 1, column_number(ref.group(1)) - 1)] = text
            c.clear()
    return out


def _cell_runs(c: etree._Element, shared: list[Runs]) -> Optional[Runs]:
    """A string cell's runs (shared, inline or a formula's text); None for a number, date or bool."""
    kind = c.get("t")
    if kind == "inlineStr":
        inline = c.find(_MAIN + "is")
        return _runs(inline) if inline is not None else None
    value = c.find(_MAIN + "v")
    if value is None or value.text is None:
        return None
    if kind == "s":
        index = value.text.strip()
        return shared[int(index)] if index.isdigit() and int(index) < len(shared) else None
    return [(None, value.text)] if kind == "str" else None
