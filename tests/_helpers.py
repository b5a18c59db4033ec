"""Small helpers shared by the reader tests (text views of a document, a tiny PDF writer)."""
from __future__ import annotations

import io

from extractors.ofd_pdf import pdf_file
from pipeline.model import Paragraph, RawDocument, Table


def all_text(doc: RawDocument) -> str:
    """Every paragraph and cell text of a document, one per line."""
    parts = []
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            parts.append(block.text)
        else:
            parts.extend(cell.text for row in block.grid for cell in row)
    return "\n".join(parts)


def row_texts(table: Table, r: int) -> list[str]:
    """The cell texts of row r, one per grid column."""
    return [table.text(r, c) for c in range(table.n_cols)]


_FONTS = {
    3: "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    4: "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
       "/DescendantFonts [5 0 R] >>",
    5: "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo "
       "<< /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor 6 0 R /DW 1000 >>",
    6: "<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [0 -200 1000 900] "
       "/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>",
}


def make_pdf(pages: list[list[str]], title: str | None = None, encrypt: bool = False) -> bytes:
    """A valid PDF (US Letter pages) whose page i draws the operators pages[i]."""
    objs: dict[int, bytes] = {1: b"<< /Type /Catalog /Pages 2 0 R >>"}
    objs.update({num: body.encode() for num, body in _FONTS.items()})
    kids, num = [], 7
    for ops in pages:
        stream = "\n".join(ops).encode("latin-1")
        objs[num] = (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {num + 1} 0 R "
                     "/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> >>").encode()
        objs[num + 1] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)
        kids.append(num)
        num += 2
    objs[2] = f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>".encode()
    trailer = "/Root 1 0 R"
    if title is not None:
        objs[num] = f"<< /Title <feff{title.encode('utf-16-be').hex()}> >>".encode()
        trailer += f" /Info {num} 0 R"
        num += 1
    if encrypt:
        # Standard security handler, RC4 40-bit; /U does not match the empty password.
        objs[num] = f"<< /Filter /Standard /V 1 /R 2 /O <{'ab' * 32}> /U <{'cd' * 32}> /P -4 >>".encode()
        trailer += f" /Encrypt {num} 0 R /ID [<{'01' * 16}> <{'01' * 16}>]"
        num += 1
    return pdf_file(objs, trailer)


def pdf_text(x: float, y: float, s: str, size: int = 10) -> str:
    """Content-stream operators that show s at (x, y), PDF coordinates (origin bottom left)."""
    if s.isascii():
        esc = s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return f"BT /F1 {size} Tf {x} {y} Td ({esc}) Tj ET"
    return f"BT /F2 {size} Tf {x} {y} Td <{s.encode('utf-16-be').hex()}> Tj ET"


def pdf_line(x1: float, y1: float, x2: float, y2: float) -> str:
    """Content-stream operators that stroke one straight line."""
    return f"{x1} {y1} m {x2} {y2} l S"


def ruled_pdf(rows: list[list[str]], widths: list[float], size: int = 9) -> bytes:
    """A one-page PDF holding one ruled table (one text line per cell, 22 pt rows)."""
    xs = [40.0]
    for w in widths:
        xs.append(xs[-1] + w)
    top = 740.0
    ys = [top - 22 * r for r in range(len(rows) + 1)]
    ops = [pdf_line(xs[0], y, xs[-1], y) for y in ys] + [pdf_line(x, ys[-1], x, top) for x in xs]
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            if cell:
                ops.append(pdf_text(xs[c] + 2, ys[r] - 15, cell, size))
    return make_pdf([ops])


# --------------------------------------------------------------------------
# One table as a notice in DOCX, HTML, PDF and TXT (group cells merged where the format can)
# --------------------------------------------------------------------------

def as_docx(rows, merge_col=None, title=""):
    """A DOCX: the title paragraph, then the table (equal cells down merge_col merged)."""
    import docx  # only the tests that build DOCX need it
    d = docx.Document()
    d.add_paragraph(title)
    table = d.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            merged_away = c == merge_col and r > 0 and rows[r - 1][c] == text
            table.cell(r, c).text = "" if merged_away else text
    if merge_col is not None:
        for r in range(2, len(rows)):
            if rows[r][merge_col] == rows[r - 1][merge_col]:
                table.cell(r - 1, merge_col).merge(table.cell(r, merge_col))
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def as_html(rows, merge_col=None, title=""):
    """An HTML page: the title, then the table (equal cells down merge_col as one rowspan cell)."""
    out = []
    for r, row in enumerate(rows):
        cells = []
        for c, text in enumerate(row):
            if c == merge_col and r > 0 and rows[r - 1][c] == text:
                continue
            span = 1
            while c == merge_col and r + span < len(rows) and rows[r + span][c] == text:
                span += 1
            cells.append(f'<td rowspan="{span}">{text}</td>' if span > 1 else f"<td>{text}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<html><head><meta charset="utf-8"><title>{title}</title></head><body><div class="article">'
            f"<p>{title}</p><table>{''.join(out)}</table></div></body></html>").encode("utf-8")


def as_pdf(rows, merge_col=None, title=""):
    """A ruled PDF of rows at 7 pt, each column as wide as its longest cell (a title line is not drawn)."""
    widths = [max(len(row[c]) for row in rows) * 7.5 + 8 for c in range(len(rows[0]))]
    return ruled_pdf(rows, widths, size=7)


def as_txt(rows, merge_col=None, title=""):
    """A text file: the title, a blank line, one tab-separated line per row."""
    return (title + "\n\n" + "\n".join("\t".join(row) for row in rows) + "\n").encode("utf-8")


def table_formats(title: str) -> dict:
    """Builders fmt -> (rows, merge_col=None) -> bytes of a notice holding one table under title."""
    from functools import partial
    return {name: partial(fn, title=title) for name, fn in
            (("docx", as_docx), ("html", as_html), ("pdf", as_pdf), ("txt", as_txt))}
