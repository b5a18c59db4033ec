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
The fonts' tables are data of pipeline/lexicon.py (SYMBOL_MARKS), where the
table stage also finds the private-use marks of text whose font is lost.
"""
from __future__ import annotations

from typing import Mapping, Optional

from pipeline.lexicon import PRIVATE_USE_BASE, SYMBOL_MARKS


def _code(value: int) -> int:
    """A font code from a character or w:char value: the private-use copy (0xF000 + code) folded back."""
    return value - PRIVATE_USE_BASE if PRIVATE_USE_BASE <= value <= PRIVATE_USE_BASE + 0xFF else value


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
