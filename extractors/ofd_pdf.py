"""Draw OFD pages (placed characters and straight rules) as a minimal PDF for the PDF reader.

Other than printable ASCII (Helvetica), characters are shown through a CID
font whose codes are the characters' own UCS-2 codes (Identity-H) with a
ToUnicode map saying so: no font file is embedded, since only positions and
text matter to the reader, and every BMP character (✓, ■, rare CJK) survives.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from extractors.ofd import OfdPage

MM = 72 / 25.4
_FONTS = {
    3: "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    4: "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H "
       "/DescendantFonts [5 0 R] /ToUnicode 7 0 R >>",
    5: "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo "
       "<< /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor 6 0 R /DW 1000 >>",
    6: "<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [0 -200 1000 900] "
       "/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>",
}


def _to_unicode() -> bytes:
    """A ToUnicode CMap stream mapping every 2-byte code to the same UCS-2 character."""
    ranges = [f"<{hi:02x}00> <{hi:02x}ff> <{hi:02x}00>" for hi in range(256) if not 0xD8 <= hi <= 0xDF]
    blocks = [ranges[i:i + 100] for i in range(0, len(ranges), 100)]
    body = "\n".join(f"{len(b)} beginbfrange\n" + "\n".join(b) + "\nendbfrange" for b in blocks)
    cmap = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /UCS2-Identity def "
            "/CMapType 2 def 1 begincodespacerange <0000> <ffff> endcodespacerange\n"
            f"{body}\nendcmap CMapName currentdict /CMap defineresource pop end end").encode()
    return b"<< /Length %d >>\nstream\n%s\nendstream" % (len(cmap), cmap)


def _glyph_op(char: str, x: float, y: float, size: float) -> str:
    """Show one character at (x, y) points: Helvetica for printable ASCII, else STSong by UCS-2 code."""
    if " " < char < "\x7f":
        font, operand = "F1", "(" + char.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"
    else:
        code = ord(char) if ord(char) <= 0xFFFF and not 0xD800 <= ord(char) <= 0xDFFF else 0x3013  # 〓 outside UCS-2
        font, operand = "F2", f"<{code:04x}>"
    return f"BT /{font} {size:.2f} Tf 1 0 0 1 {x:.2f} {y:.2f} Tm {operand} Tj ET"


def _page_ops(page: "OfdPage") -> str:
    """PDF content stream of one page: every glyph at its baseline, every segment stroked."""
    height = page.height * MM
    ops = [_glyph_op(g.text, g.x * MM, height - g.y * MM, g.size * MM) for g in page.glyphs]
    for x0, y0, x1, y1, width in page.segments:
        ops.append(f"{width * MM:.2f} w {x0 * MM:.2f} {height - y0 * MM:.2f} m "
                   f"{x1 * MM:.2f} {height - y1 * MM:.2f} l S")
    return "\n".join(ops)


def page_pdf(pages: list["OfdPage"]) -> bytes:
    """A PDF with one page per OFD page, of the same size."""
    objs: dict[int, bytes] = {1: b"<< /Type /Catalog /Pages 2 0 R >>"}
    objs.update({num: body.encode() for num, body in _FONTS.items()})
    objs[7] = _to_unicode()
    kids, num = [], 8
    for page in pages:
        stream = _page_ops(page).encode("latin-1")
        objs[num] = (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {page.width * MM:.2f} {page.height * MM:.2f}] "
                     f"/Contents {num + 1} 0 R /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> >>").encode()
        objs[num + 1] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)
        kids.append(num)
        num += 2
    objs[2] = f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>".encode()
    return pdf_file(objs)


def pdf_file(objs: dict[int, bytes], trailer: str = "/Root 1 0 R") -> bytes:
    """A PDF file of the numbered objects, with its cross-reference table and trailer."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for n in sorted(objs):
        offsets[n] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (n, objs[n])
    xref, size = len(out), max(objs) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    out += b"".join(b"%010d 00000 n \n" % offsets[n] for n in range(1, size))
    out += f"trailer\n<< /Size {size} {trailer} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
