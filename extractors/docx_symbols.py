"""The check marks and boxes of Word's symbol fonts, as the Unicode characters they draw.

Word inserts a symbol (Insert > Symbol, or a 公开渠道 cell's ☑ 政府网站 □ 政府公报) as
``<w:sym w:font="Wingdings 2" w:char="F052"/>``: a code of the font, not a
character. A run typed in the font (``<w:t>R</w:t>`` in Wingdings 2, or the
private-use ``\\uf052`` LibreOffice writes for a .doc's symbol) draws the same
mark. Only the marks a form or catalog is ticked with are listed: check marks,
crosses, checked and empty boxes, filled and empty circles and squares, each
given as the common character the table stage reads (a shadowed box as □).

Codes are those of the font's 8-bit table; Word also writes them in the
private-use area (0xF000 + code), and so do PDF text layers of these fonts.
"""
from __future__ import annotations

from typing import Mapping, Optional

# font (lower case) -> code -> mark; see the module docstring
SYMBOL_MARKS: Mapping[str, Mapping[int, str]] = {
    "wingdings": {0x6C: "●", 0x6E: "■", 0x6F: "□", 0x70: "□", 0x71: "□", 0x72: "□", 0x78: "☒",
                  0xA1: "○", 0xA8: "□", 0xFB: "✗", 0xFC: "✓", 0xFD: "☒", 0xFE: "☑"},
    "wingdings 2": {0x4F: "✗", 0x50: "✓", 0x51: "☒", 0x52: "☑", 0x53: "☒", 0x54: "☒",
                    0x98: "●", 0x99: "○", 0xA2: "■", 0xA3: "□"},
    "webdings": {0x61: "✔", 0x63: "□", 0x67: "■", 0x6E: "●", 0x72: "✗"},
}
_PRIVATE_BASE = 0xF000


def _code(value: int) -> int:
    """A font code from a character or w:char value: the private-use copy (0xF000 + code) folded back."""
    return value - _PRIVATE_BASE if _PRIVATE_BASE <= value <= _PRIVATE_BASE + 0xFF else value


def symbol_font(name: Optional[str]) -> Optional[Mapping[int, str]]:
    """The marks of a symbol font named in w:rFonts or w:sym, or None for any other font."""
    return SYMBOL_MARKS.get(name.strip().lower()) if name else None


def sym_text(font: Optional[str], char: Optional[str]) -> str:
    """What a w:sym draws, when it is a known mark; '' otherwise (as before: the symbol is not text)."""
    marks = symbol_font(font)
    if marks is None or not char:
        return ""
    try:
        return marks.get(_code(int(char, 16)), "")
    except ValueError:
        return ""


def font_text(marks: Mapping[int, str], text: str) -> str:
    """Text typed in a symbol font, its known marks turned into their characters (other codes kept)."""
    return "".join(marks.get(_code(ord(ch)), ch) for ch in text)


def _private_use_marks() -> dict[str, str]:
    """Private-use character -> mark, for text whose font is lost (a PDF's, a converted file's): the font that
    sets the most catalogs (Wingdings, then Wingdings 2, then Webdings) decides a code more than one uses."""
    out: dict[str, str] = {}
    for marks in SYMBOL_MARKS.values():
        for code, mark in marks.items():
            out.setdefault(chr(_PRIVATE_BASE + code), mark)
    return out


PRIVATE_USE_MARKS: Mapping[str, str] = _private_use_marks()
