"""Builders for small workbooks, OFDs and hostile files of the formats read through extractors/office,
sheet and ofd (shared by tests/test_formats.py and tests/test_robustness.py)."""
from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from pathlib import Path

import olefile
import openpyxl

FIXTURES = Path(__file__).resolve().parent / "fixtures"
UNOPENABLE_DOC = FIXTURES / "issue-doc-soffice-cannot-open.doc"
OFD_NS = "http://www.ofdspec.org/2016"
HEADER = ["序号", "工作任务", "具体事项", "责任单位", "完成时限"]
TASKS = [["1", "决策公开", "推进重大决策预公开", "县发改委", "2020年8月底前"],
         ["2", "执行公开", "公开重点工作进展情况", "县政府办", "2020年12月底前"],
         ["3", "结果公开", "公开审计发现问题整改结果", "县审计局", "2020年10月底前"]]


def workbook_bytes(sheets: dict[str, list[list[object]]], merges: dict[str, list[str]] | None = None,
                   hidden: tuple[str, ...] = (), formats: dict[str, dict[str, str]] | None = None) -> bytes:
    """An .xlsx with the given sheets (rows of values), merged ranges, hidden sheets and number formats."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for ref in (merges or {}).get(name, []):
            sheet.merge_cells(ref)
        for ref, fmt in (formats or {}).get(name, {}).items():
            sheet[ref].number_format = fmt
        if name in hidden:
            sheet.sheet_state = "hidden"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def locked_xlsx() -> bytes:
    """A task workbook saved with a password (Office's agile encryption, in an OLE container)."""
    from msoffcrypto.format.ooxml import OOXMLFile
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(workbook_bytes({"任务": [HEADER, *TASKS]}))).encrypt("secret", out)
    return out.getvalue()


def locked_doc() -> bytes:
    """A Word 97 file whose FIB says it is encrypted (what Word writes for a password-protected .doc)."""
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "locked.doc"
        shutil.copy(UNOPENABLE_DOC, target)
        with olefile.OleFileIO(str(target), write_mode=True) as ole:
            fib = bytearray(ole.openstream("WordDocument").read())
            fib[0x0B] |= 0x01
            ole.write_stream("WordDocument", bytes(fib))
        return target.read_bytes()


def ofd_bytes(content: str, extra: dict[str, bytes] | None = None) -> bytes:
    """A one-page OFD whose page content is the given XML (the body of ofd:Layer)."""
    members = {
        "OFD.xml": f'<ofd:OFD xmlns:ofd="{OFD_NS}" Version="1.1"><ofd:DocBody>'
                   "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
        "Doc_0/Document.xml": f'<ofd:Document xmlns:ofd="{OFD_NS}"><ofd:CommonData><ofd:PageArea>'
                              "<ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData>"
                              '<ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages>'
                              "</ofd:Document>",
        "Doc_0/Pages/Page_0/Content.xml": f'<ofd:Page xmlns:ofd="{OFD_NS}"><ofd:Content><ofd:Layer ID="1">'
                                          f"{content}</ofd:Layer></ofd:Content></ofd:Page>",
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in members.items():
            zf.writestr(name, text)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


def text_object(x: float, y: float, text: str, size: float = 4.0, ctm: float = 1.0) -> str:
    """One OFD TextObject: text at (x, y) mm, characters one size apart (DeltaX shorthand).

    With ctm != 1 the object spans the page and its own coordinates are in units of ctm mm
    (a CTM scales them), as converters that write points do (ctm 0.3528).
    """
    if ctm == 1.0:
        boundary, left, base, transform = f"{x} {y} 150 {size * 1.5}", 0.0, size, ""
    else:
        boundary, left, base, transform = "0 0 210 297", x / ctm, (y + size) / ctm, f' CTM="{ctm} 0 0 {ctm} 0 0"'
    unit = size / ctm
    return (f'<ofd:TextObject ID="1" Boundary="{boundary}" Font="1" Size="{unit:.4f}"{transform}>'
            f'<ofd:TextCode X="{left:.4f}" Y="{base:.4f}" DeltaX="g {max(len(text) - 1, 0)} {unit:.4f}">{text}'
            "</ofd:TextCode></ofd:TextObject>")


def ofd_bomb(inflated_mb: int) -> bytes:
    """An OFD holding a resource member of inflated_mb MB of zeros."""
    return ofd_bytes(text_object(20, 20, "关于政务公开的通知"), {"Doc_0/Res/image.png": bytes(inflated_mb << 20)})


def ofd_xxe(secret_file: Path) -> bytes:
    """An OFD whose page declares an external entity reading a local file and shows it."""
    body = text_object(20, 20, "&leak;")
    data = ofd_bytes(body)
    page = "Doc_0/Pages/Page_0/Content.xml"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members[page] = (f'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY leak SYSTEM "{secret_file.as_uri()}">]>'
                     .encode() + members[page])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, raw in members.items():
            zf.writestr(name, raw)
    return buf.getvalue()


def huge_range_xlsx() -> bytes:
    """A task sheet plus one value in the last cell a sheet has (XFD1048576): a 17-billion-cell used range."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [HEADER, *TASKS]:
        sheet.append(row)
    sheet["XFD1048576"] = "末"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def empty_rows_xlsx(rows: int = 1_000_000) -> bytes:
    """A task sheet whose XML then lists a million empty (styled) rows, as a sheet formatted to the end does."""
    data = workbook_bytes({"任务": [HEADER, *TASKS]})
    name = "xl/worksheets/sheet1.xml"
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename != name:
                out.writestr(info.filename, src.read(info))
                continue
            head, tail = src.read(info).split(b"</sheetData>")
            with out.open(name, "w", force_zip64=True) as member:  # written in chunks: small in memory
                member.write(head)
                for start in range(10, 10 + rows, 10_000):
                    member.write("".join(f'<row r="{r}" ht="15" customHeight="1"/>'
                                         for r in range(start, min(start + 10_000, 10 + rows))).encode())
                member.write(b"</sheetData>" + tail)
    return buf.getvalue()
