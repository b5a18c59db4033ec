"""DOCX reader: body paragraphs and tables in document order, merges resolved.

python-docx opens the package (its XML parser never resolves entities); the
body is then walked as WordprocessingML so that gridSpan, vMerge, gridBefore,
nested tables and content controls are handled the same way everywhere.
Numbers that Word draws itself (automatic list numbering) are rendered as
text at the start of their paragraphs (see list_labels).
"""
from __future__ import annotations

import io
import logging
import math
import re
import zipfile
import zlib
from dataclasses import dataclass
from types import MappingProxyType
from typing import Iterator, Mapping, Optional

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError

from extractors.base import Extractor, Limits, check_bytes
from extractors.captions import with_caption_lines
from extractors.docx_symbols import font_text, sym_text, symbol_font
from pipeline.errors import EncryptedDocument, GovnoticeError, TooLarge, UnreadableDocument
from pipeline.lexicon import (ANNEX_LABEL_LINE, DOC_NUMBER_LINE, DOCUMENT_KIND_END, FORM_LABEL, FULL_DATE_LINE,
                              ORG_ENDINGS, SEAL_NOTE)
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
        body = document.element.body
        _drop_hidden_runs(body)
        _drop_placeholders(body, document.styles.element)
        _drop_deleted(body)
        chunks = _alt_chunks(document, body, limits, raw.warnings)
        raw.blocks = with_caption_lines(list(_blocks(body, list_labels(document.part, body), chunks)))
        margins = _header_footer_text(document)
        raw.title_hint = (document.core_properties.title or "").strip() or _header_title(margins) \
            or next((c.title_hint for c in chunks.values() if c.title_hint), None)
        # an imported page's own furniture and metadata box count as the file's (a CMS's export)
        raw.chrome_text = "\n".join(text for text in [margins, *(c.chrome_text for c in chunks.values())] if text)
        for chunk in chunks.values():
            raw.meta = {**chunk.meta, **raw.meta}
            raw.warnings.extend(chunk.warnings)
        return raw


_OFF = frozenset({"0", "false", "off"})


def _drop_hidden_runs(body) -> None:
    """Take the runs formatted as hidden text (w:vanish in the run's own properties) out of the parsed
    body: Word and WPS neither show nor print them (a note to the drafter, a deleted 责任单位 kept hidden).
    A w:vanish on a paragraph mark hides only the mark; hidden text set by a character style is read."""
    for vanish in list(body.iter(W + "vanish")):
        rpr = vanish.getparent()
        run = rpr.getparent() if rpr is not None else None
        if run is None or rpr.tag != W + "rPr" or run.tag != W + "r" or vanish.get(W + "val") in _OFF:
            continue
        if run.getparent() is not None:
            run.getparent().remove(run)


def _drop_deleted(body) -> None:
    """Take out what a revision tracked as deleted beyond its text (w:delText is never read): a table row
    (w:trPr/w:del) and a paragraph whose mark is deleted or moved away (w:moveFrom) and that keeps no text.
    The document as it reads has neither: no empty task row, and Word's list numbers (序号) do not count them."""
    for mark in list(body.iter(W + "del", W + "moveFrom")):
        props = mark.getparent()
        owner = props.getparent() if props is not None else None
        if owner is None or owner.getparent() is None:
            continue
        if props.tag == W + "trPr" and owner.tag == W + "tr" and mark.tag == W + "del":
            owner.getparent().remove(owner)
        elif props.tag == W + "rPr" and owner.tag == W + "pPr" and owner.getparent().tag == W + "p":
            p = owner.getparent()
            if p.getparent() is not None and not paragraph_text(p).strip() and not text_boxes(p):
                p.getparent().remove(p)


def _drop_placeholders(body, styles) -> None:
    """Take the prompt out of content controls that show their placeholder (w:sdtPr/w:showingPlcHdr): the
    runs Word writes for it in the placeholder's character style (named "Placeholder Text" in styles.xml,
    whatever its id), as 单击或点击此处输入文字。 of an unfilled form field is no content. Every other run is
    read, since a program that fills a control may leave the flag on; a prompt in no such style is read
    too (the glossary's placeholder text is not looked up). Paragraphs, cells and rows stay where they are."""
    flags = [flag for flag in body.iter(W + "showingPlcHdr") if flag.getparent() is not None
             and flag.getparent().tag == W + "sdtPr" and flag.get(W + "val") not in _OFF]
    prompt_styles = _placeholder_styles(styles) if flags else frozenset()
    for flag in flags if prompt_styles else ():
        content = flag.getparent().getparent().find(W + "sdtContent")
        for run in list(content.iter(W + "r")) if content is not None else ():
            style = run.find(W + "rPr/" + W + "rStyle")
            if style is not None and style.get(W + "val") in prompt_styles and run.getparent() is not None:
                run.getparent().remove(run)


def _placeholder_styles(styles) -> frozenset:
    """The ids of the styles named "Placeholder Text" (Word's character style for a control's prompt)."""
    ids = set()
    for style in styles.iterchildren(W + "style") if styles is not None else ():
        name = style.find(W + "name")
        if name is not None and (name.get(W + "val") or "").strip().lower() == "placeholder text":
            ids.add(style.get(W + "styleId"))
    return frozenset(ids)


# Paragraph element -> the list number Word shows before its text (see list_labels).
_NO_LABELS: Mapping = MappingProxyType({})


# what an imported part (w:altChunk) is, by its content type: the reader of that format reads it
_CHUNK_FORMATS = {"text/html": "html", "application/xhtml+xml": "html", "text/plain": "txt",
                  "message/rfc822": "mht", "multipart/related": "mht"}
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _alt_chunks(document, body, limits: Limits, warnings: list[str]) -> Mapping:
    """The documents imported whole into the body (w:altChunk: an editor's or a CMS's HTML), each read by
    its own reader, by their w:altChunk element; a part that cannot be read is a warning."""
    chunks = {}
    for element in body.iter(W + "altChunk"):
        part = document.part.related_parts.get(element.get(R_ID))
        kind = _CHUNK_FORMATS.get(part.content_type.split(";")[0].strip().lower()) if part is not None else None
        if kind is None:
            warnings.append(f"imported content not read ({part.content_type if part is not None else 'no part'})")
            continue
        from extractors import extractor_for   # (the HTML reader loads only for such a file)
        try:
            chunks[element] = extractor_for(kind).extract(part.blob, limits)
        except GovnoticeError as exc:
            warnings.append(f"imported {kind} content not read: {exc}")
    return chunks


def _blocks(container, labels: Mapping = _NO_LABELS, chunks: Mapping = _NO_LABELS) -> Iterator[Block]:
    """Paragraphs and tables of a body (or cell) in order, unwrapping content controls; an imported
    document (w:altChunk) gives the blocks its reader read."""
    for child in container.iterchildren():
        tag = child.tag
        if tag == W + "p":
            for box in text_boxes(child):   # a title in a text box reads before its anchor
                yield from _blocks(box, labels)
            text = paragraph_text(child)
            label = labels.get(child) if labels else None
            if label and not _TYPED_NUMBER.match(text):
                # an empty numbered paragraph still shows (and is) its number; a number also typed
                # into the text (a 序号 cell holding 1 under the list's 1.) is read once
                text = label[0] + label[1] + text if text.strip() else label[0]
            if text.strip():
                yield Paragraph(text)
        elif tag == W + "tbl":
            yield from _table_blocks(child, labels)
        elif tag in (W + "sdt", W + "customXml"):
            content = child.find(W + "sdtContent") if tag == W + "sdt" else child
            if content is not None:
                yield from _blocks(content, labels, chunks)
        elif tag == W + "altChunk" and child in chunks:
            yield from chunks[child].blocks


MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_TEXT_TAGS = frozenset({W + "t", W + "br", W + "cr", W + "tab", W + "noBreakHyphen", W + "sym", W + "fldChar"})
# Subtrees whose text is not the paragraph's own: a text box (read as paragraphs of its own), the fallback
# copy of an mc:AlternateContent (the same text again), a tracked deletion (w:del) and a tracked move's old
# place (w:moveFrom; its text stands at the w:moveTo), neither of which is in the document as it reads (their
# text is w:delText, but a form field's mark in them is not), and a phonetic guide's annotation (w:rt, the
# pinyin 拼音指南 sets above a character), no part of the text it annotates
_NOT_OWN = frozenset({W + "txbxContent", MC + "Fallback", W + "del", W + "moveFrom", W + "rt"})


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
    """Visible text of a w:p: runs joined, w:br/w:cr as line breaks, deleted text left out, the check marks
    and boxes of symbol fonts (w:sym, or a run typed in Wingdings) and of check-box form fields as their
    characters."""
    parts: list[str] = []
    for el in _own_text_elements(p):
        tag = el.tag
        if tag == W + "t":
            # An entity reference (never resolved) splits the text: keep what follows it.
            text = (el.text or "") + "".join(child.tail or "" for child in el)
            marks = symbol_font(_run_font(el))
            parts.append(font_text(marks, text) if marks else text)
        elif tag == W + "sym":
            parts.append(sym_text(el.get(W + "font"), el.get(W + "char")))
        elif tag in (W + "br", W + "cr"):
            parts.append("\n")
        elif tag == W + "tab":
            parts.append("\t")
        elif tag == W + "fldChar":
            parts.append(_check_box(el))
        else:
            parts.append("-")
    return "".join(parts)


def _check_box(fld_char) -> str:
    """The box a legacy check-box form field (FORMCHECKBOX: w:ffData/w:checkBox, no text of its own) draws:
    ☑ when checked (w:checked, else its w:default), □ when not; '' for any other field's mark."""
    box = fld_char.find(W + "ffData/" + W + "checkBox")
    if box is None:
        return ""
    state = box.find(W + "checked")
    state = box.find(W + "default") if state is None else state
    return "☑" if state is not None and state.get(W + "val", "1") not in _OFF else "□"


def _run_font(t) -> Optional[str]:
    """The font a w:t's run sets for Latin text (w:rFonts ascii, else hAnsi), or None."""
    fonts = t.getparent().find(W + "rPr/" + W + "rFonts")
    return None if fonts is None else fonts.get(W + "ascii") or fonts.get(W + "hAnsi")


def _table_blocks(tbl, labels: Mapping = _NO_LABELS) -> Iterator[Block]:
    """One Table, or the blocks inside a layout table (see _is_frame)."""
    rows = [tr for tr in _children(tbl, "tr")]
    cells = [tc for tr in rows for tc in _children(tr, "tc")]
    if _is_frame(rows, cells):
        for cell in cells:
            yield from _blocks(cell, labels)
        return
    table = _read_table(rows, labels, _grid_widths(tbl))
    if table is not None:
        yield table


def _is_frame(rows: list, cells: list) -> bool:
    """A layout table: a single cell (a 红头 box around the title or 文号), a letterhead's or signature's
    box (see _is_letterhead), one cell per row around a table, or a table inside one of its cells with
    more rows than the layout table itself has (the annex's table set in a box beside an empty margin
    cell, above a 填报单位 | 填报时间 line, or beside or under its caption: 附件2, a title)."""
    if not cells:
        return False
    if len(cells) == 1:
        return True
    inner = [(tc, tc.find(".//" + W + "tbl")) for tc in cells]
    nested = [t for _, t in inner if t is not None]
    if not nested:
        return _is_letterhead(rows, cells)
    if len(cells) == len(rows) and not any(_int_attr(tc, W + "tcPr/" + W + "gridSpan", 1) > 1 for tc in cells):
        return True
    # around the bigger table only empty cells, a form's filled-in lines or its caption (附件2, the
    # title, even set vertically), no data of its own
    others = [tc for tc, t in inner if t is None]
    return any(sum(1 for _ in _children(t, "tr")) > len(rows) for t in nested) and \
        all(_caption_cell(tc) for tc in others)


_LETTERHEAD_ROWS = 4   # a 文号 | 签发人 line, a red head above it, a signature and its date: a few rows
_ORG_LINE = re.compile(r"^[\u4e00-\u9fff()（）]{2,40}$")


def _is_letterhead(rows: list, cells: list) -> bool:
    """A box Word lays out the letterhead or signature lines in: a few rows of cells that are blank or hold
    such lines only (文号, 签发人：…, an office, a full date, a seal note), with a 文号 among them or a
    signature (an office directly above its date, in one cell or in the next row's cell of its column).
    A bare label cell (报送截止时间：) with a value beside it, or full dates in two rows, make it data."""
    if len(rows) > _LETTERHEAD_ROWS:
        return False
    placed = [[(_cell_lines(tcs[0]), start) for tcs, start, _ in _placed_cells(tr)] for tr in rows]
    lines = [line for row in placed for cell, _ in row for line in cell]
    if not all(DOC_NUMBER_LINE.match(line) or FULL_DATE_LINE.match(line) or FORM_LABEL.match(line)
               or _is_office(line) for line in lines):
        return False
    if any(cell and _BARE_LABEL.match(cell[-1]) and any(c for c, _ in row[k + 1:]) for row in placed
           for k, (cell, _) in enumerate(row)):
        return False   # 报送单位： | 县政务公开办: a form's label and its value
    if sum(any(FULL_DATE_LINE.match(line) for cell, _ in row for line in cell) for row in placed) > 1:
        return False   # dates in two rows: a schedule
    if any(DOC_NUMBER_LINE.match(line) for line in lines):
        return True
    below = {(r, start): cell for r, row in enumerate(placed) for cell, start in row}
    return any(_is_office(a) and FULL_DATE_LINE.match(b) for row in placed for cell, _ in row
               for a, b in zip(cell, cell[1:])) or any(
        cell and _is_office(cell[-1]) and below.get((r + 1, start)) and FULL_DATE_LINE.match(below[r + 1, start][0])
        for r, row in enumerate(placed) for cell, start in row)


_BARE_LABEL = re.compile(r"^[^:：]{1,20}[:：]$")


def _cell_lines(tc) -> list[str]:
    """The non-blank lines of a cell's paragraphs, spaces and seal notes taken out."""
    lines = [_without_seal(re.sub(r"\s+", "", paragraph_text(p))) for p in tc.iter(W + "p")]
    return [line for line in lines if line]


def _is_office(line: str) -> bool:
    """A line naming an office (…办公室, …人民政府, …文件 of a 红头)."""
    return bool(_ORG_LINE.match(line)) and line.removesuffix("文件").endswith(ORG_ENDINGS)


def _without_seal(line: str) -> str:
    """A line without the seal note or publishing note at its end (东至县人民政府办公室（盖章）, （此件公开发布）)."""
    at = max(line.rfind("("), line.rfind("（"))
    return line[:at] if at >= 0 and SEAL_NOTE.match(line[at:]) else line


# a heading's line: short, no sentence punctuation (naming a kind of document at its end, see _heading)
_SHORT_LINE = re.compile(r"^[^，,。；;：:！!？?]{2,60}$")


def _heading(line: str) -> bool:
    """A title line: short, unpunctuated, naming a kind of document at its end (…任务分工表, …进度安排);
    a label of another kind (项目, 工作内容) is data."""
    return bool(_SHORT_LINE.match(line) and DOCUMENT_KIND_END.search(line))


def _caption_cell(tc) -> bool:
    """A cell beside a table that holds nothing but its caption: blank, a form's lines, 附件2, a title."""
    lines = [paragraph_text(p).strip() for p in tc.iter(W + "p")]
    return all(not line or FORM_LABEL.match(line) or ANNEX_LABEL_LINE.match(line) or _heading(line)
               for line in lines)


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


def _cell_text(tc, labels: Mapping = _NO_LABELS) -> str:
    """A cell's paragraphs joined by line breaks; a nested table's rows as further lines."""
    lines: list[str] = []
    for block in _blocks(tc, labels):
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


def _merge_val(tc, name: str) -> Optional[str]:
    """A cell's w:vMerge or w:hMerge: "restart", "continue" (also when it has no w:val), or None."""
    node = tc.find(W + "tcPr/" + W + name)
    if node is None:
        return None
    return node.get(W + "val", "continue")


# Grids folded no further than this (see logical_columns): Word's own limit is 63 columns, and a table a person
# drew has a few row shapes (header, data, a merged row or two), not hundreds.
_MAX_FOLDED_GRID = 256
_MAX_ROW_SHAPES = 512


def _grid_widths(tbl) -> list[int]:
    """The w:tblGrid column widths (twips); empty when any is missing or unreadable."""
    widths = []
    for col in tbl.iterfind(W + "tblGrid/" + W + "gridCol"):
        try:
            width = float(col.get(W + "w", ""))
        except ValueError:
            return []
        if not math.isfinite(width):   # 1e999 or nan: no width int() can hold
            return []
        widths.append(max(0, int(width)))
    return widths


def _placed_cells(tr) -> list[tuple]:
    """(w:tc elements, first grid column, grid column after it) of each cell of a row, gridBefore skipped.
    A cell that continues a legacy horizontal merge (w:hMerge without "restart", as older writers and
    converters still put it where Word would write a gridSpan) widens the cell before it."""
    at = _int_attr(tr, W + "trPr/" + W + "gridBefore", 0)
    out: list[tuple] = []
    for tc in _children(tr, "tc"):
        span = _int_attr(tc, W + "tcPr/" + W + "gridSpan", 1)
        if out and _merge_val(tc, "hMerge") == "continue":
            tcs, start, _ = out[-1]
            out[-1] = (tcs + (tc,), start, at + span)
        else:
            out.append(((tc,), at, at + span))
        at += span
    return out


def _merged_text(tcs: tuple, labels: Mapping = _NO_LABELS) -> str:
    """The text of a cell, with that of the cells merged into it across (see _placed_cells) that add any."""
    text = _cell_text(tcs[0], labels)
    for tc in tcs[1:]:
        extra = _cell_text(tc, labels).strip()
        if extra and extra not in text:
            text = f"{text}\n{extra}" if text.strip() else extra
    return text


def logical_columns(rows: list[list[tuple[int, int]]], widths: list[int] = ()) -> dict[int, int]:
    """Grid boundary -> logical column boundary, folding boundaries that stand for the same column edge.

    Word adds a grid column wherever a cell edge sits off the others: a border dragged a few mm in one
    row, or a header whose 工作任务 | 具体事项 edge is not where the rows below have it. Two such edges
    are one logical edge when no row has a cell edge at both (so no cell lies between them); the
    nearest compatible ones are folded first. Every cell of every row still gets a column of its
    own, and a table whose rows share their edges keeps its grid. `rows` holds (start, end) pairs.
    """
    shapes = list({frozenset(b for cell in row for b in cell) for row in rows})   # rows' edges, each once
    width = max((b for shape in shapes for b in shape), default=0)
    if width > _MAX_FOLDED_GRID or len(shapes) > _MAX_ROW_SHAPES:
        return {b: b for b in range(width + 1)}   # no table a person drew: Word's grid as it is
    inner = sorted({b for shape in shapes for b in shape if 0 < b < width})
    rows_at = dict.fromkeys(inner, 0)   # boundary -> the row shapes with a cell edge there (a bit each)
    for k, shape in enumerate(shapes):
        for b in shape:
            if b in rows_at:
                rows_at[b] |= 1 << k
    at = list(range(width + 1))
    if len(widths) >= width and any(widths[:width]):
        at = [sum(widths[:b]) for b in range(width + 1)]
    clusters = [(rows_at[b], b, b) for b in inner]   # (rows with an edge in it, first boundary, last)
    while True:
        gaps = [(at[clusters[i + 1][1]] - at[clusters[i][2]], i) for i in range(len(clusters) - 1)
                if not clusters[i][0] & clusters[i + 1][0]]
        if not gaps:
            break
        i = min(gaps)[1]
        clusters[i:i + 2] = [(clusters[i][0] | clusters[i + 1][0], clusters[i][1], clusters[i + 1][2])]
    out = {0: 0, width: len(clusters) + 1}
    for k, (_, first, last) in enumerate(clusters, start=1):
        out.update((b, k) for b in inner if first <= b <= last)
    return out


def _read_table(rows, labels: Mapping = _NO_LABELS, widths: list[int] = ()) -> Optional[Table]:
    """Lay the w:tr/w:tc elements onto a grid of logical columns, sharing Cell objects across merges."""
    placed = [_placed_cells(tr) for tr in rows]
    column = logical_columns([[(start, end) for _, start, end in row] for row in placed], widths)
    grid: list[list[Optional[Cell]]] = []
    for cells in placed:
        r = len(grid)
        row: list[Optional[Cell]] = []
        for tcs, start, end in cells:
            c, span = column[start], column[end] - column[start]
            row.extend([None] * (c - len(row)))
            merge = _merge_val(tcs[0], "vMerge")
            above = grid[r - 1][c] if r and c < len(grid[r - 1]) else None
            if merge == "continue" and above is not None:
                cell = above
                cell.rowspan = r - cell.row + 1
                extra = _merged_text(tcs, labels).strip()
                if extra and extra not in cell.text:
                    cell.text = f"{cell.text}\n{extra}"
            else:
                cell = Cell(_merged_text(tcs, labels), r, c, 1, span)
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


# List numbering. Word numbers list paragraphs itself (w:numPr, resolved through
# word/numbering.xml), so the 1. of a 序号 column or the 一、 of a heading is in no
# w:t. The numbers are rendered here the way Word shows them, from one table built
# per document. Counters run in document order over every paragraph of the body
# (table cells included) and belong to the w:abstractNum: w:num instances of one
# abstract continue one sequence, as Word does, and a w:num's startOverride
# restarts its levels where that instance is first used.

_MAX_LEVELS = 9
# a list number's pattern (%1. / 第%1条 / （%1）) is short: a longer one is no number worth writing
_MAX_LEVEL_TEXT = 32
# a number typed at the start of a numbered paragraph: 1 / 1. / （1） / 一、
_TYPED_NUMBER = re.compile(r"^\s*[(（]?\s*(?:\d{1,3}|[一二三四五六七八九十]{1,3})\s*(?:[)）.、．]|$)")
_PLACEHOLDER = re.compile(r"%([1-9])")
_OFF = frozenset({"0", "false", "off"})


@dataclass(frozen=True, slots=True)
class _Level:
    """One w:lvl: its start, how its counter is written, and the text around it."""
    start: int
    fmt: str
    text: str       # w:lvlText, %N standing for level N's counter
    restart: int    # a paragraph of a level below this index resets it (0: never)
    legal: bool     # w:isLgl: every counter it shows is written as a decimal
    suffix: str     # what Word puts between the number and the text


@dataclass(frozen=True, slots=True)
class _Num:
    """One w:num: the levels of its abstract definition (overrides applied) and its start overrides."""
    abstract: str
    levels: Mapping[int, _Level]
    starts: Mapping[int, int]
    styled: Mapping[str, int]   # paragraph style id -> its level (w:lvl/w:pStyle)

    def start(self, ilvl: int) -> int:
        """The value a level (re)starts at in this instance."""
        if ilvl in self.starts:
            return self.starts[ilvl]
        level = self.levels.get(ilvl)
        return level.start if level is not None else 1


def _val(el, name: str) -> Optional[str]:
    """The w:val of the child w:<name>, or None."""
    child = el.find(W + name)
    return None if child is None else child.get(W + "val")


def _int(text: Optional[str], default: int) -> int:
    """A number attribute; a missing, broken or absurd one (more than 9 digits: Word's own limit on a list
    start is 32767) gives the default."""
    if text is None or len(text.strip()) > 9:
        return default
    try:
        return int(text)
    except ValueError:
        return default


def _related_element(part, reltype: str):
    """The XML root of a part related to the document part, or None (python-docx would create one)."""
    try:
        return getattr(part.part_related_by(reltype), "element", None)
    except (KeyError, ValueError):
        return None


def list_labels(part, body) -> Mapping:
    """The number Word shows before each auto-numbered paragraph of the body: {w:p: (number, separator)}."""
    numbering = _related_element(part, RT.NUMBERING)
    if numbering is None or numbering.find(W + "num") is None:
        return _NO_LABELS
    styles = _related_element(part, RT.STYLES)
    numbered = list(_numbered_paragraphs(body, _StyleNumbering(styles)))
    if not numbered:
        return _NO_LABELS
    counter = _ListCounter(_read_nums(numbering, styles))
    labels = {}
    for p, num_id, ilvl, style in numbered:
        label = counter.advance(num_id, ilvl, style)
        if label is not None:
            labels[p] = label
    return labels


class _StyleNumbering:
    """The numbering paragraph styles give (w:style/w:pPr/w:numPr, basedOn followed), looked up as used."""

    def __init__(self, styles):
        self.by_id: dict[str, object] = {}
        self.default: Optional[str] = None
        for style in styles.iterchildren(W + "style") if styles is not None else ():
            if style.get(W + "type") == "paragraph":
                self.by_id[style.get(W + "styleId")] = style
                if style.get(W + "default") in ("1", "true", "on"):
                    self.default = style.get(W + "styleId")
        self.resolved: dict[Optional[str], tuple] = {}

    def of(self, style_id: Optional[str]) -> tuple[Optional[str], Optional[str]]:
        """(numId, ilvl) a paragraph style gives, each None when it gives none."""
        if style_id not in self.resolved:
            num_id = ilvl = None
            current, hops = style_id, 0
            while current in self.by_id and hops < 16 and (num_id is None or ilvl is None):
                style = self.by_id[current]
                numpr = style.find(W + "pPr/" + W + "numPr")
                if numpr is not None:
                    num_id = _val(numpr, "numId") if num_id is None else num_id
                    ilvl = _val(numpr, "ilvl") if ilvl is None else ilvl
                current, hops = _val(style, "basedOn"), hops + 1
            self.resolved[style_id] = (num_id, ilvl)
        return self.resolved[style_id]


def _candidate_paragraphs(body, styles: _StyleNumbering) -> Iterator:
    """Paragraphs with a w:numPr or a numbered style, found from those few elements, in document order."""
    if styles.of(styles.default)[0] not in (None, "0"):
        yield from body.iter(W + "p")   # the default style numbers: any paragraph may be numbered
        return
    last = None
    for el in body.iter(W + "numPr", W + "pStyle"):
        ppr = el.getparent()
        p = ppr.getparent() if ppr.tag == W + "pPr" else None   # not a w:pPrChange's old properties
        if p is None or p is last or p.tag != W + "p":
            continue
        if el.tag == W + "pStyle" and styles.of(el.get(W + "val"))[0] in (None, "0"):
            continue
        last = p
        yield p


def _numbered_paragraphs(body, styles: _StyleNumbering) -> Iterator[tuple]:
    """(w:p, numId, ilvl or None, style id) of every numbered paragraph, in document order."""
    for p in _candidate_paragraphs(body, styles):
        ppr = p.find(W + "pPr")
        numpr = ppr.find(W + "numPr") if ppr is not None else None
        style = (_val(ppr, "pStyle") if ppr is not None else None) or styles.default
        num_id = ilvl = None
        if numpr is not None:
            num_id, ilvl = _val(numpr, "numId"), _val(numpr, "ilvl")
        if num_id is None or ilvl is None:
            inherited = styles.of(style)
            num_id = inherited[0] if num_id is None else num_id
            ilvl = inherited[1] if ilvl is None else ilvl
        if num_id in (None, "0"):
            continue
        if next(p.iterancestors(MC + "Fallback"), None) is not None:
            continue   # the fallback copy of content read (and counted) once already
        yield p, num_id, None if ilvl is None else _int(ilvl, 0), style


def _read_nums(numbering, styles) -> dict[str, _Num]:
    """Every w:num of numbering.xml with its abstract's levels, overrides applied."""
    abstracts = {a.get(W + "abstractNumId"): a for a in numbering.iterchildren(W + "abstractNum")}
    instance_of = {n.get(W + "numId"): _val(n, "abstractNumId") for n in numbering.iterchildren(W + "num")}
    linked = {}   # numbering style id -> numId (w:numStyleLink points at such a style)
    if styles is not None and any(a.find(W + "numStyleLink") is not None for a in abstracts.values()):
        for style in styles.iterchildren(W + "style"):
            numpr = style.find(W + "pPr/" + W + "numPr")
            if style.get(W + "type") == "numbering" and numpr is not None:
                linked[style.get(W + "styleId")] = _val(numpr, "numId")
    parsed: dict[str, tuple] = {}
    nums: dict[str, _Num] = {}
    for num in numbering.iterchildren(W + "num"):
        aid = _val(num, "abstractNumId")
        for _ in range(3):   # follow numStyleLink to the abstract that holds the levels
            link = _val(abstracts[aid], "numStyleLink") if aid in abstracts else None
            if link is None or linked.get(link) not in instance_of:
                break
            aid = instance_of[linked[link]]
        if aid not in abstracts:
            continue
        if aid not in parsed:
            parsed[aid] = _read_abstract(abstracts[aid])
        levels, styled = dict(parsed[aid][0]), parsed[aid][1]
        starts = {}
        for override in num.iterchildren(W + "lvlOverride"):
            ilvl = _int(override.get(W + "ilvl"), -1)
            if not 0 <= ilvl < _MAX_LEVELS:
                continue
            start = _val(override, "startOverride")
            if start is not None:
                starts[ilvl] = _int(start, 1)
            lvl = override.find(W + "lvl")
            if lvl is not None:
                levels[ilvl] = _read_level(lvl, ilvl)
        nums[num.get(W + "numId")] = _Num(aid, levels, starts, styled)
    return nums


def _read_abstract(abstract) -> tuple[dict[int, _Level], dict[str, int]]:
    """The levels of a w:abstractNum and the paragraph styles linked to them."""
    levels: dict[int, _Level] = {}
    styled: dict[str, int] = {}
    for lvl in abstract.iterchildren(W + "lvl"):
        ilvl = _int(lvl.get(W + "ilvl"), -1)
        if 0 <= ilvl < _MAX_LEVELS:
            levels[ilvl] = _read_level(lvl, ilvl)
            style = _val(lvl, "pStyle")
            if style:
                styled.setdefault(style, ilvl)
    return levels, styled


def _level_text(text: Optional[str]) -> str:
    """A level's w:lvlText, or '' (no number) for none or one too long to be a list number."""
    return text if text and len(text) <= _MAX_LEVEL_TEXT else ""


def _read_level(lvl, ilvl: int) -> _Level:
    legal = lvl.find(W + "isLgl")
    return _Level(start=_int(_val(lvl, "start"), 0),   # ECMA-376: no w:start means 0
                  fmt=_val(lvl, "numFmt") or "decimal",
                  text=_level_text(_val(lvl, "lvlText")),
                  restart=_int(_val(lvl, "lvlRestart"), ilvl),
                  legal=legal is not None and legal.get(W + "val", "1") not in _OFF,
                  suffix="" if _val(lvl, "suff") == "nothing" else " ")


class _ListCounter:
    """Word's list counters, advanced paragraph by paragraph in document order."""

    def __init__(self, nums: dict[str, _Num]):
        self.nums = nums
        self.counts: dict[str, list[Optional[int]]] = {}
        self.entered: set[str] = set()

    def advance(self, num_id: str, ilvl: Optional[int], style: Optional[str]) -> Optional[tuple[str, str]]:
        """Count one paragraph of a list; (number as shown, separator), or None for a bullet or no number."""
        num = self.nums.get(num_id)
        if num is None:
            return None
        if ilvl is None:
            ilvl = num.styled.get(style, 0)
        level = num.levels.get(ilvl)
        if level is None:
            return None
        counts = self.counts.setdefault(num.abstract, [None] * _MAX_LEVELS)
        if num_id not in self.entered:
            self.entered.add(num_id)
            for k in num.starts:
                counts[k] = None
        counts[ilvl] = num.start(ilvl) if counts[ilvl] is None else counts[ilvl] + 1
        for k in range(ilvl + 1, _MAX_LEVELS):
            deeper = num.levels.get(k)
            if deeper is None or ilvl < deeper.restart:
                counts[k] = None
        if level.fmt == "bullet":
            return None

        def shown(match) -> str:
            k = int(match.group(1)) - 1
            value = counts[k] if counts[k] is not None else num.start(k)
            fmt = num.levels[k].fmt if k in num.levels else "decimal"
            return list_number(value, "decimal" if level.legal and fmt != "none" else fmt)
        text = _PLACEHOLDER.sub(shown, level.text)
        return (text, level.suffix) if text.strip() else None


_CN_DIGITS = "〇一二三四五六七八九"
_CN_LEGAL = str.maketrans("〇一二三四五六七八九十百千", "零壹贰叁肆伍陆柒捌玖拾佰仟")
_STEMS = "甲乙丙丁戊己庚辛壬癸"
_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
          (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def _chinese(n: int) -> str:
    """一, 十, 十一, 二十, 一百零一 ... (below 10000)."""
    if n == 0:
        return "〇"
    if not 0 < n < 10000:
        return str(n)
    out, gap = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit == 0:
            gap = bool(out)
            continue
        out += ("零" if gap else "") + ("" if digit == 1 and value == 10 and not out else _CN_DIGITS[digit]) + unit
        gap = False
    return out


def _roman(n: int) -> str:
    if not 0 < n < 4000:
        return str(n)
    out = ""
    for value, numeral in _ROMAN:
        count, n = divmod(n, value)
        out += numeral * count
    return out


def _letter(n: int) -> str:
    """A ... Z, AA ... ZZ, AAA (Word repeats the letter)."""
    if not 0 < n <= 26 * 30:   # a hostile w:start must not repeat a letter millions of times
        return str(n)
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def _enclosed(first: int):
    """①-style numbers (one code point per value up to 20), decimal beyond."""
    return lambda n: chr(first + n - 1) if 0 < n <= 20 else str(n)


_FORMATS = {
    "decimalZero": lambda n: f"{n:02d}" if 0 <= n < 10 else str(n),
    "chineseCounting": _chinese, "chineseCountingThousand": _chinese,
    "japaneseCounting": _chinese, "taiwaneseCounting": _chinese, "taiwaneseCountingThousand": _chinese,
    "chineseLegalSimplified": lambda n: _chinese(n).translate(_CN_LEGAL),
    "ideographDigital": lambda n: "".join(_CN_DIGITS[int(d)] for d in str(n)) if n >= 0 else str(n),
    "ideographTraditional": lambda n: _STEMS[(n - 1) % 10] if n > 0 else str(n),
    "ideographZodiac": lambda n: _BRANCHES[(n - 1) % 12] if n > 0 else str(n),
    "upperLetter": _letter, "lowerLetter": lambda n: _letter(n).lower(),
    "upperRoman": _roman, "lowerRoman": lambda n: _roman(n).lower(),
    "decimalEnclosedCircle": _enclosed(0x2460), "decimalEnclosedCircleChinese": _enclosed(0x2460),
    "decimalEnclosedParen": _enclosed(0x2474), "decimalEnclosedFullstop": _enclosed(0x2488),
    "none": lambda n: "", "bullet": lambda n: "",
}


def list_number(value: int, fmt: str) -> str:
    """A list counter written in a w:numFmt (decimal for formats not known here)."""
    return _FORMATS.get(fmt, str)(value)


_MIN_HEADER_TITLE = 8   # characters of a title in the page header (shorter: a column's or office's name)


def _header_title(text: str) -> Optional[str]:
    """A title set in the page header (an annex whose heading repeats on every page): the first header
    or footer line that names a kind of document at its end (…任务分工表), as a hint the body's own
    heading outranks."""
    return next((line for line in map(str.strip, text.splitlines())
                 if len(line) >= _MIN_HEADER_TITLE and _heading(line)), None)


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
