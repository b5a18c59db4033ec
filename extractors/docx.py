"""DOCX reader: body paragraphs and tables in document order, merges resolved.

python-docx opens the package (its XML parser never resolves entities); the
body is then walked as WordprocessingML so that gridSpan, vMerge, gridBefore,
nested tables and content controls are handled the same way everywhere.
"""
from __future__ import annotations

import io
import logging
import zipfile
import zlib
from typing import Iterator, Optional

import docx
from docx.opc.exceptions import PackageNotFoundError

from extractors.base import Extractor, Limits, check_bytes
from pipeline.errors import EncryptedDocument, TooLarge, UnreadableDocument
from pipeline.model import Block, Cell, Paragraph, RawDocument, Table

log = logging.getLogger(__name__)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def check_zip(data: bytes, limits: Limits, kind: str = "DOCX") -> None:
    """Refuse a zip whose members would inflate past the limit, before inflating anything."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile as exc:
        raise UnreadableDocument(f"not a valid {kind} (zip) file: {exc}") from None
    total = 0
    for info in infos:
        if info.file_size > limits.max_unzipped_bytes:
            raise TooLarge(f"{kind} member {info.filename} inflates to {info.file_size} bytes "
                           f"(limit {limits.max_unzipped_bytes})")
        total += info.file_size
    if total > 2 * limits.max_unzipped_bytes:
        raise TooLarge(f"{kind} inflates to {total} bytes (limit {2 * limits.max_unzipped_bytes})")
    _verify_members(data, kind)


def _verify_members(data: bytes, kind: str = "DOCX") -> None:
    """Inflate every member in small chunks, so a header that understates its size fails here.

    zipfile stops a streamed member at its declared size and then checks the
    CRC, while ``ZipFile.read`` (what python-docx calls) inflates the whole
    member in one go: a lying header would cost gigabytes there, and only
    the declared (already limited) size here.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                with zf.open(info) as member:
                    while member.read(1 << 20):
                        continue
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, ValueError, EOFError) as exc:
        raise UnreadableDocument(f"corrupt {kind} (zip) member: {exc}") from None


class DocxExtractor(Extractor):
    """Reads .docx (Office Open XML word processing) files."""
    format = "docx"

    def extract(self, data: bytes, limits: Limits = Limits()) -> RawDocument:
        """Read the bytes of a .docx file into a RawDocument."""
        check_bytes(data, limits)
        if data.startswith(_OLE_MAGIC):
            # Password-protected OOXML is stored inside an OLE container.
            raise EncryptedDocument("password-protected or legacy OLE Word file")
        check_zip(data, limits)
        try:
            document = docx.Document(io.BytesIO(data))
        except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
            raise UnreadableDocument(f"not a Word document: {exc}") from None
        except Exception as exc:  # lxml and python-docx raise many types on broken XML
            raise UnreadableDocument(f"broken DOCX: {type(exc).__name__}: {exc}") from None
        raw = RawDocument(format=self.format)
        raw.blocks = list(_blocks(document.element.body))
        raw.title_hint = (document.core_properties.title or "").strip() or None
        raw.chrome_text = _header_footer_text(document)
        return raw


def _blocks(container) -> Iterator[Block]:
    """Paragraphs and tables of a body (or cell) in order, unwrapping content controls."""
    for child in container.iterchildren():
        tag = child.tag
        if tag == W + "p":
            for box in text_boxes(child):   # a title in a text box reads before its anchor
                yield from _blocks(box)
            text = paragraph_text(child)
            if text.strip():
                yield Paragraph(text)
        elif tag == W + "tbl":
            yield from _table_blocks(child)
        elif tag in (W + "sdt", W + "customXml"):
            content = child.find(W + "sdtContent") if tag == W + "sdt" else child
            if content is not None:
                yield from _blocks(content)


MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_TEXT_TAGS = frozenset({W + "t", W + "br", W + "cr", W + "tab", W + "noBreakHyphen"})
# Subtrees whose text is not the paragraph's own: a text box (read as paragraphs
# of its own) and the fallback copy of an mc:AlternateContent (the same text again).
_NOT_OWN = frozenset({W + "txbxContent", MC + "Fallback"})


def _own_text_elements(p) -> Iterator:
    """The text elements of a paragraph, in order, outside text boxes and fallbacks."""
    stack = list(reversed(list(p)))
    while stack:
        el = stack.pop()
        if el.tag in _NOT_OWN:
            continue
        if el.tag in _TEXT_TAGS:
            yield el   # w:t children are entity references, read by paragraph_text
        else:
            stack.extend(reversed(list(el)))


def text_boxes(p) -> list:
    """The w:txbxContent elements anchored in a paragraph, each once (no fallback copies)."""
    boxes = []
    stack = list(reversed(list(p)))
    while stack:
        el = stack.pop()
        if el.tag == MC + "Fallback":
            continue
        if el.tag == W + "txbxContent":
            boxes.append(el)
            continue
        stack.extend(reversed(list(el)))
    return boxes


def paragraph_text(p) -> str:
    """Visible text of a w:p: runs joined, w:br/w:cr as line breaks, deleted text left out."""
    parts: list[str] = []
    for el in _own_text_elements(p):
        tag = el.tag
        if tag == W + "t":
            parts.append(el.text or "")
            # An entity reference (never resolved) splits the text: keep what follows it.
            parts.extend(child.tail or "" for child in el)
        elif tag in (W + "br", W + "cr"):
            parts.append("\n")
        elif tag == W + "tab":
            parts.append("\t")
        else:
            parts.append("-")
    return "".join(parts)


def _table_blocks(tbl) -> Iterator[Block]:
    """One Table, or the blocks inside a one-column layout table that wraps a table."""
    rows = [tr for tr in _children(tbl, "tr")]
    cells = [tc for tr in rows for tc in _children(tr, "tc")]
    if _is_frame(rows, cells):
        for cell in cells:
            yield from _blocks(cell)
        return
    table = _read_table(rows)
    if table is not None:
        yield table


def _is_frame(rows: list, cells: list) -> bool:
    """A layout table: one cell per row (a single column) and a table inside it."""
    if not cells or len(cells) != len(rows):
        return False
    if any(_int_attr(tc, W + "tcPr/" + W + "gridSpan", 1) > 1 for tc in cells):
        return False
    return any(tc.find(".//" + W + "tbl") is not None for tc in cells)


def _children(el, name: str) -> Iterator:
    """Direct children named w:<name>, looking through content controls."""
    for child in el.iterchildren():
        if child.tag == W + name:
            yield child
        elif child.tag in (W + "sdt", W + "customXml"):
            content = child.find(W + "sdtContent") if child.tag == W + "sdt" else child
            if content is not None:
                yield from _children(content, name)


def _int_attr(el, path: str, default: int) -> int:
    node = el.find(path)
    if node is None:
        return default
    try:
        return max(1, min(int(node.get(W + "val", default)), 64))
    except ValueError:
        return default


def _cell_text(tc) -> str:
    """A cell's paragraphs joined by line breaks; a nested table's rows as further lines."""
    lines: list[str] = []
    for block in _blocks(tc):
        if isinstance(block, Paragraph):
            lines.append(block.text)
        else:
            for r in range(block.n_rows):
                seen: list[int] = []
                row_text = []
                for c in range(block.n_cols):
                    cell = block.grid[r][c]
                    if id(cell) not in seen and cell.row == r:
                        seen.append(id(cell))
                        row_text.append(cell.text)
                lines.append(" ".join(t for t in row_text if t))
    return "\n".join(lines)


def _vmerge(tc) -> Optional[str]:
    node = tc.find(W + "tcPr/" + W + "vMerge")
    if node is None:
        return None
    return node.get(W + "val", "continue")


def _read_table(rows) -> Optional[Table]:
    """Lay the w:tr/w:tc elements onto a grid, sharing Cell objects across merges."""
    grid: list[list[Optional[Cell]]] = []
    for tr in rows:
        r = len(grid)
        row: list[Optional[Cell]] = []
        row.extend([None] * _int_attr(tr, W + "trPr/" + W + "gridBefore", 0))
        for tc in _children(tr, "tc"):
            span = _int_attr(tc, W + "tcPr/" + W + "gridSpan", 1)
            c = len(row)
            merge = _vmerge(tc)
            above = grid[r - 1][c] if r and c < len(grid[r - 1]) else None
            if merge == "continue" and above is not None:
                cell = above
                cell.rowspan = r - cell.row + 1
                extra = _cell_text(tc).strip()
                if extra and extra not in cell.text:
                    cell.text = f"{cell.text}\n{extra}"
            else:
                cell = Cell(_cell_text(tc), r, c, 1, span)
            row.extend([cell] * span)
        grid.append(row)
    if not grid:
        return None
    width = max(len(row) for row in grid)
    out: list[list[Cell]] = []
    for r, row in enumerate(grid):
        filled = [cell if cell is not None else Cell("", r, c)
                  for c, cell in enumerate(row + [None] * (width - len(row)))]
        if _is_spacer(filled, r):
            continue
        out.append(filled)
    _renumber(out)
    return Table(out) if out and width else None


def _is_spacer(row: list[Cell], r: int) -> bool:
    """An empty row that starts no cell and continues none with text."""
    return all(not cell.text.strip() for cell in row) and all(cell.row == r for cell in row)


def _renumber(grid: list[list[Cell]]) -> None:
    """Reset Cell.row to grid indices after spacer rows were dropped."""
    seen: set[int] = set()
    for r, row in enumerate(grid):
        for cell in row:
            if id(cell) not in seen:
                seen.add(id(cell))
                cell.row = r
    for r, row in enumerate(grid):
        for c, cell in enumerate(row):
            if cell.row == r and (c == 0 or row[c - 1] is not cell):
                cell.col = c
                span = 1
                while r + span < len(grid) and grid[r + span][c] is cell:
                    span += 1
                cell.rowspan = span


def _header_footer_text(document) -> str:
    """Text of the section headers and footers (region evidence such as a site or office name)."""
    parts: list[str] = []
    for section in document.sections:
        for part in (section.header, section.footer):
            try:
                if part.is_linked_to_previous:
                    continue
                parts.extend(p.text for p in part.paragraphs if p.text.strip())
            except (KeyError, ValueError) as exc:  # a broken header part must not cost the body
                log.warning("DOCX header/footer unreadable: %s", exc)
    return "\n".join(parts)
