"""DOCX reader: merges, nesting, spacer rows, hostile packages; one quirk per small file built here."""
import io
import zipfile
from copy import deepcopy
from pathlib import Path

import docx
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from extractors.base import Limits
from extractors.docx import DocxExtractor
from pipeline.errors import EncryptedDocument, TooLarge, UnreadableDocument
from pipeline.model import Paragraph

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _save(document) -> bytes:
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _vmerge(cell, value):
    tc_pr = cell._tc.get_or_add_tcPr()
    el = OxmlElement("w:vMerge")
    if value:
        el.set(qn("w:val"), value)
    tc_pr.append(el)


def _raw_merge_table() -> bytes:
    """3 x 3 table: column 0 vMerged over rows 1-2, a gridSpan header, an empty spacer row."""
    d = docx.Document()
    d.add_paragraph("附件1")
    t = d.add_table(rows=4, cols=3)
    t.cell(0, 0).text = "序号"
    t.cell(0, 1).merge(t.cell(0, 2)).text = "具体要求"
    t.cell(1, 0).text = "1"
    t.cell(1, 1).text = "(1)"
    t.cell(1, 2).text = "第一件事"
    # row 2: vMerge continuation by hand (python-docx merge would also merge text)
    t.cell(2, 1).text = "(2)"
    t.cell(2, 2).text = ""
    _vmerge(t.cell(1, 0), "restart")
    _vmerge(t.cell(2, 0), None)
    d.add_paragraph("正文结束")
    return _save(d)


def test_paragraphs_and_tables_keep_document_order():
    raw = DocxExtractor().extract(_raw_merge_table())
    kinds = [type(b).__name__ for b in raw.blocks]
    assert kinds == ["Paragraph", "Table", "Paragraph"]
    assert raw.blocks[0].text == "附件1"


def test_gridspan_and_vmerge_share_one_cell_and_spacer_rows_go():
    table = DocxExtractor().extract(_raw_merge_table()).tables[0]
    assert table.n_cols == 3
    assert table.n_rows == 3  # the empty fourth row is a spacer
    assert table.grid[0][1] is table.grid[0][2]  # gridSpan header
    assert table.grid[2][0] is table.grid[1][0]  # vMerge
    assert table.is_continuation(2, 0) and not table.is_continuation(2, 2)
    assert table.text(2, 2) == ""  # an empty cell is its own, not merged
    assert table.grid[2][2] is not table.grid[1][2]


def test_nested_table_text_goes_into_the_cell():
    d = docx.Document()
    t = d.add_table(rows=1, cols=2)
    t.cell(0, 0).text = "外层"
    inner = t.cell(0, 1).add_table(rows=2, cols=2)
    inner.cell(0, 0).text = "甲"
    inner.cell(1, 1).text = "乙"
    table = DocxExtractor().extract(_save(d)).tables[0]
    assert "甲" in table.text(0, 1) and "乙" in table.text(0, 1)


def test_one_cell_layout_table_is_unwrapped():
    d = docx.Document()
    outer = d.add_table(rows=1, cols=1)
    inner = outer.cell(0, 0).add_table(rows=2, cols=2)
    inner.cell(0, 0).text = "序号"
    inner.cell(1, 0).text = "1"
    tables = DocxExtractor().extract(_save(d)).tables
    assert len(tables) == 1 and tables[0].n_cols == 2 and tables[0].text(0, 0) == "序号"


def test_line_breaks_inside_cells_and_paragraphs_are_kept():
    d = docx.Document()
    p = d.add_paragraph("东至县人民政府办公室关于印发")
    p.add_run().add_break()
    p.add_run("实施方案的通知")
    t = d.add_table(rows=1, cols=2)   # (a table of one cell is a box around text: its paragraphs)
    t.cell(0, 0).text = "县教育局"
    t.cell(0, 0).add_paragraph("县公安局")
    t.cell(0, 1).text = "2020年底前"
    raw = DocxExtractor().extract(_save(d))
    assert raw.blocks[0].text == "东至县人民政府办公室关于印发\n实施方案的通知"
    assert raw.tables[0].text(0, 0) == "县教育局\n县公安局"


def test_sample_tunliu_typed_in_headers_and_merges():
    raw = DocxExtractor().extract((CORPUS / "tunliu_2020_tasks.docx").read_bytes())
    table = raw.tables[0]
    assert table.n_cols == 6
    headers = [r for r in range(table.n_rows) if table.text(r, 0) == "序号"]
    assert len(headers) == 4  # the header row typed in again at the top of pages 2-4
    assert table.is_continuation(2, 0) and table.text(2, 1) == "组织实施"


def test_sample_jx_county_labels_and_unit_cells_are_merged():
    table = DocxExtractor().extract((CORPUS / "jx_county_2022_tasks.docx").read_bytes()).tables[0]
    assert (table.n_rows, table.n_cols) == (45, 4)
    assert table.grid[44][3] is table.grid[42][3]  # item 45 has no units cell of its own


def test_not_a_zip_is_unreadable():
    with pytest.raises(UnreadableDocument):
        DocxExtractor().extract(b"this is not a zip file at all")


def test_zip_without_word_document_is_unreadable():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(UnreadableDocument):
        DocxExtractor().extract(buf.getvalue())


def test_zip_bomb_member_is_refused_before_inflating():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", b"\0" * (3 * 1024 * 1024))
    data = buf.getvalue()
    assert len(data) < 64 * 1024
    with pytest.raises(TooLarge):
        DocxExtractor().extract(data, Limits(max_unzipped_bytes=1024 * 1024))


def test_ole_container_is_reported_as_encrypted():
    with pytest.raises(EncryptedDocument):
        DocxExtractor().extract(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)


def test_external_entities_are_never_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-CONTENT")
    data = _save(docx.Document())
    src = zipfile.ZipFile(io.BytesIO(data))
    body = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file://{secret}">]>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            '<w:body><w:p><w:r><w:t>before &xxe; after</w:t></w:r></w:p></w:body></w:document>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for item in src.infolist():
            zf.writestr(item, body if item.filename == "word/document.xml" else src.read(item.filename))
    try:
        raw = DocxExtractor().extract(out.getvalue())
    except UnreadableDocument:
        return  # refusing the part is as good as not resolving it
    text = " ".join(b.text for b in raw.blocks if isinstance(b, Paragraph))
    assert "TOPSECRET" not in text


# --------------------------------------------------------------------------
# Bodies written as raw WordprocessingML (text boxes, revisions, frames)
# --------------------------------------------------------------------------

_NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
       'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
       'xmlns:v="urn:schemas-microsoft-com:vml"')


def _with_body(body: str) -> bytes:
    """A real DOCX package whose document.xml body is replaced by `body`."""
    src = zipfile.ZipFile(io.BytesIO(_save(docx.Document())))
    xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {_NS}>'
           f'<w:body>{body}<w:sectPr/></w:body></w:document>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for item in src.infolist():
            zf.writestr(item, xml if item.filename == "word/document.xml" else src.read(item.filename))
    return out.getvalue()


def _p(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def _tc(text: str) -> str:
    return f"<w:tc>{_p(text)}</w:tc>"


def _grid(table) -> list[list[str]]:
    return [[table.text(r, c) for c in range(table.n_cols)] for r in range(table.n_rows)]


def test_text_box_title_is_read_once_before_its_anchor():
    box = f"<w:txbxContent>{_p('关于印发实施方案的通知')}</w:txbxContent>"
    anchor = ('<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
              f'<wps:txbx xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">{box}'
              '</wps:txbx></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox>'
              f'{box}</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>'
              '<w:r><w:t>某政办发〔2020〕1号</w:t></w:r></w:p>')
    raw = DocxExtractor().extract(_with_body(anchor + _p("各乡镇：")))
    assert [b.text for b in raw.blocks] == ["关于印发实施方案的通知", "某政办发〔2020〕1号", "各乡镇："]


def test_revisions_and_fields_keep_the_visible_text_once():
    body = ('<w:p><w:r><w:t>现</w:t></w:r><w:del w:id="1" w:author="a"><w:r><w:delText>予</w:delText></w:r></w:del>'
            '<w:ins w:id="2" w:author="a"><w:r><w:t>印发给你们</w:t></w:r></w:ins></w:p>'
            '<w:p><w:r><w:t>某政办发</w:t></w:r><w:fldSimple w:instr=" DOCPROPERTY No "><w:r><w:t>〔2020〕1号</w:t>'
            '</w:r></w:fldSimple></w:p>'
            '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> DATE </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>2020年8月14日</w:t></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')
    raw = DocxExtractor().extract(_with_body(body))
    assert [b.text for b in raw.blocks] == ["现印发给你们", "某政办发〔2020〕1号", "2020年8月14日"]


def test_one_column_frame_of_several_rows_is_unwrapped():
    inner = ("<w:tbl><w:tblPr/>" + "<w:tr>" + "".join(_tc(h) for h in ("序号", "具体事项", "责任单位")) + "</w:tr>"
             + "<w:tr>" + "".join(_tc(t) for t in ("1", "编制目录", "县政府办")) + "</w:tr></w:tbl>")
    frame = (f"<w:tbl><w:tblPr/><w:tr>{_tc('关于印发实施方案的通知')}</w:tr>"
             f"<w:tr><w:tc>{_p('附件')}{inner}{_p('注：按时报送。')}</w:tc></w:tr></w:tbl>")
    raw = DocxExtractor().extract(_with_body(frame))
    kinds = [type(b).__name__ for b in raw.blocks]
    assert kinds == ["Paragraph", "Paragraph", "Table", "Paragraph"]
    assert _grid(raw.tables[0]) == [["序号", "具体事项", "责任单位"], ["1", "编制目录", "县政府办"]]


def test_one_column_table_without_a_table_inside_stays_a_table():
    body = f"<w:tbl><w:tblPr/><w:tr>{_tc('一')}</w:tr><w:tr>{_tc('二')}</w:tr></w:tbl>"
    raw = DocxExtractor().extract(_with_body(body))
    assert _grid(raw.tables[0]) == [["一"], ["二"]]


def test_a_single_cell_box_around_the_title_or_number_reads_as_paragraphs():
    # the 红头 layout: 东至县人民政府办公室文件 and the 文号 in a one-cell table with red borders
    box = f"<w:tbl><w:tblPr/><w:tr><w:tc>{_p('东至县人民政府办公室文件')}{_p('东政办秘〔2020〕64号')}</w:tc></w:tr></w:tbl>"
    raw = DocxExtractor().extract(_with_body(box + _p("关于印发实施方案的通知")))
    assert [type(b).__name__ for b in raw.blocks] == ["Paragraph"] * 3 and raw.tables == []


@pytest.mark.parametrize("shape", ["margin", "form_line"])
def test_a_table_set_in_a_wider_layout_table_is_read_as_a_table(shape):
    inner = ("<w:tbl><w:tblPr/>" + "".join(
        "<w:tr>" + "".join(_tc(t) for t in row) + "</w:tr>"
        for row in (("序号", "具体事项", "责任单位"), ("1", "编制目录", "县政府办"), ("2", "公开目录", "县财政局"))) + "</w:tbl>")
    if shape == "margin":   # an empty margin cell beside the cell that holds the table
        layout = f"<w:tbl><w:tblPr/><w:tr>{_tc('')}<w:tc>{inner}{_p('')}</w:tc></w:tr></w:tbl>"
    else:   # the table's cell above a 填报单位 | 填报时间 line of two cells
        layout = (f"<w:tbl><w:tblPr/><w:tr><w:tc><w:tcPr><w:gridSpan w:val=\"2\"/></w:tcPr>{inner}{_p('')}</w:tc></w:tr>"
                  f"<w:tr>{_tc('填报单位：县政府办')}{_tc('填报时间：2020年8月')}</w:tr></w:tbl>")
    raw = DocxExtractor().extract(_with_body(layout))
    assert len(raw.tables) == 1
    assert _grid(raw.tables[0]) == [["序号", "具体事项", "责任单位"], ["1", "编制目录", "县政府办"], ["2", "公开目录", "县财政局"]]


def test_a_tracked_move_reads_at_its_new_place_only():
    body = ('<w:p><w:moveFrom w:id="1" w:author="a"><w:r><w:t>县、乡两级</w:t></w:r></w:moveFrom>'
            '<w:r><w:t>制定</w:t></w:r><w:moveTo w:id="2" w:author="a"><w:r><w:t>县、乡两级</w:t></w:r></w:moveTo>'
            '<w:r><w:t>政务公开事项清单</w:t></w:r></w:p>')
    assert [b.text for b in DocxExtractor().extract(_with_body(body)).blocks] == ["制定县、乡两级政务公开事项清单"]


def _hmerged(text: str, val: str = "") -> str:
    attr = f' w:val="{val}"' if val else ""
    return f"<w:tc><w:tcPr><w:hMerge{attr}/></w:tcPr>{_p(text)}</w:tc>"


def test_a_legacy_horizontal_merge_reads_as_one_cell_like_a_gridspan():
    # 责任单位 over two columns written with w:hMerge (restart + continue) rather than a gridSpan
    header = "<w:tr>" + _tc("序号") + _tc("具体事项") + _hmerged("责任单位", "restart") + _hmerged("") + _tc("完成时限") + "</w:tr>"
    row = "<w:tr>" + "".join(_tc(t) for t in ("1", "编制目录", "县司法局", "县档案局", "2021年6月底前")) + "</w:tr>"
    merged_item = ("<w:tr>" + _tc("2") + _hmerged("公开目录", "restart") + _hmerged("") + _tc("县财政局")
                   + _tc("持续推进") + "</w:tr>")
    table = DocxExtractor().extract(_with_body(f"<w:tbl><w:tblPr/>{header}{row}{merged_item}</w:tbl>")).tables[0]
    assert table.grid[0][2] is table.grid[0][3] and table.text(0, 2) == "责任单位"
    assert table.grid[2][1] is table.grid[2][2] and table.text(2, 1) == "公开目录"
    from pipeline.run import process
    tasks = process(_with_body(f"<w:tbl><w:tblPr/>{header}{row}</w:tbl>"), "h.docx").tasks
    assert [(t.item, t.lead_units, t.support_units) for t in tasks] == [("编制目录", ["县司法局", "县档案局"], [])]


def test_a_phonetic_guide_reads_as_its_base_text_only():
    # 拼音指南 over a rare character of a unit's name: the pinyin (w:rt) is no part of the name
    ruby = ('<w:r><w:ruby><w:rubyPr><w:rubyAlign w:val="center"/></w:rubyPr><w:rt><w:r><w:t>yī</w:t></w:r></w:rt>'
            '<w:rubyBase><w:r><w:t>黟</w:t></w:r></w:rubyBase></w:ruby></w:r>')
    cell = f"<w:tc><w:p>{ruby}<w:r><w:t>县司法局</w:t></w:r></w:p></w:tc>"
    body = ("<w:tbl><w:tblPr/><w:tr>" + "".join(_tc(h) for h in ("序号", "具体事项", "责任单位")) + "</w:tr>"
            + "<w:tr>" + _tc("1") + _tc("编制目录") + cell + "</w:tr></w:tbl>" + f"<w:p>{ruby}</w:p>")
    raw = DocxExtractor().extract(_with_body(body))
    assert _grid(raw.tables[0])[1] == ["1", "编制目录", "黟县司法局"]
    assert raw.blocks[-1].text == "黟"


def test_a_check_box_field_deleted_or_moved_away_with_changes_tracked_draws_no_box():
    # a FORMCHECKBOX whose runs sit in w:del (or the old place of a move) is not in the document as it reads
    box = ('<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:checkBox><w:default w:val="1"/></w:checkBox>'
           '</w:ffData></w:fldChar></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>')
    body = (f'<w:p><w:r><w:t>公开渠道：</w:t></w:r><w:del w:id="9" w:author="a">{box}</w:del>'
            '<w:r><w:t>政府网站</w:t></w:r></w:p>'
            f'<w:p><w:moveFrom w:id="3" w:author="a">{box}</w:moveFrom><w:r><w:t>政府公报</w:t></w:r></w:p>'
            f'<w:p>{box}<w:r><w:t>两微一端</w:t></w:r></w:p>')
    assert [b.text for b in DocxExtractor().extract(_with_body(body)).blocks] == [
        "公开渠道：政府网站", "政府公报", "☑两微一端"]


def test_a_numbered_paragraph_moved_away_leaves_no_number_at_its_old_place():
    # 甲项工作 moved from first to last with changes tracked: its old place (mark and runs in w:moveFrom) is gone
    document = docx.Document()
    for text in ["甲项工作", "乙项工作", "丙项工作"]:
        document.add_paragraph(text, style="List Number")
    first = document.paragraphs[0]._p
    moved = OxmlElement("w:p")
    moved.extend(list(deepcopy(first)))
    document.paragraphs[2]._p.addnext(moved)
    for p, kind in ((first, "w:moveFrom"), (moved, "w:moveTo")):
        props = OxmlElement("w:rPr")   # the paragraph mark's revision
        p.get_or_add_pPr().append(props)
        props.append(OxmlElement(kind, {qn("w:id"): "1", qn("w:author"): "a"}))
        wrapper = OxmlElement(kind, {qn("w:id"): "2", qn("w:author"): "a"})
        for run in p.findall(qn("w:r")):
            wrapper.append(run)
        p.append(wrapper)
    texts = [b.text for b in DocxExtractor().extract(_save(document)).blocks]
    assert texts == ["1. 乙项工作", "2. 丙项工作", "3. 甲项工作"]
