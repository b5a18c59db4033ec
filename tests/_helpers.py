"""Small helpers shared by the reader tests (text views of a document, a tiny PDF writer)."""
from __future__ import annotations

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
