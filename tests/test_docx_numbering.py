"""DOCX automatic list numbering (w:numPr -> numbering.xml) read as the numbers Word shows.

Regression for a 序号 column numbered by Word (List Number style, no typed
digits): item_no came out null and a 同（2）cell could not be resolved.
Each test builds its small file here: python-docx for the body, raw XML for
word/numbering.xml.
"""
import io
import zipfile

import docx
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE as RT

from extractors.docx import DocxExtractor, list_number
from pipeline.model import Paragraph
from pipeline.run import process

HEADER = ["序号", "具体任务", "责任单位", "完成时限"]
ROWS = [
    ["梳理规范基层政府权责清单，编制政务公开事项目录。", "县政府办公室", "2023年6月底前"],
    ["建立健全标准目录动态更新机制。", "县直各有关单位", "持续推进"],
    ["做好重要政策文件解读，做到同步起草、同步审签。", "县政府办公室、县委宣传部", "2023年第三季度"],
    ["加强政务舆情回应工作。", "同（2）", "2023年12月底前"],
]


# ---- fixture builders -------------------------------------------------------

def _lvl(ilvl: int, fmt: str = "decimal", text: str = "", start: int = 1, extra: str = "") -> str:
    text = text or f"%{ilvl + 1}."
    return (f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>'
            f'<w:lvlText w:val="{text}"/>{extra}</w:lvl>')


def _numbering(abstracts: dict[int, list[str]], nums: dict[int, tuple[int, str]]) -> str:
    """numbering.xml: {abstractNumId: [w:lvl xml]} and {numId: (abstractNumId, w:lvlOverride xml)}."""
    body = "".join(f'<w:abstractNum w:abstractNumId="{a}">{"".join(levels)}</w:abstractNum>'
                   for a, levels in abstracts.items())
    body += "".join(f'<w:num w:numId="{n}"><w:abstractNumId w:val="{a}"/>{over}</w:num>'
                    for n, (a, over) in nums.items())
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"{body}</w:numbering>")


def _number(paragraph, num_id: int, ilvl: int = 0) -> None:
    """Give a paragraph direct numbering (w:pPr/w:numPr)."""
    num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    num_pr.get_or_add_ilvl().val = ilvl
    num_pr.get_or_add_numId().val = num_id


def _save(document, numbering_xml: str = "") -> bytes:
    """The .docx bytes, with word/numbering.xml replaced when numbering_xml is given."""
    buf = io.BytesIO()
    document.save(buf)
    if not numbering_xml:
        return buf.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = numbering_xml.encode() if info.filename == "word/numbering.xml" else zin.read(info)
            zout.writestr(info, data)
    return out.getvalue()


def _task_table(document, rows=ROWS, seq=None):
    """A 序号 | 具体任务 | 责任单位 | 完成时限 table; seq(paragraph, i) fills or numbers each 序号 cell."""
    table = document.add_table(rows=1 + len(rows), cols=4)
    for c, text in enumerate(HEADER):
        table.cell(0, c).text = text
    for r, row in enumerate(rows, 1):
        for c, text in enumerate(row, 1):
            table.cell(r, c).text = text
        if seq:
            seq(table.cell(r, 0).paragraphs[0], r - 1)
    return table


def _tasks(data: bytes):
    return process(data, "x.docx").tasks


def _paragraphs(data: bytes) -> list[str]:
    return [b.text for b in DocxExtractor().extract(data).blocks if isinstance(b, Paragraph)]


# ---- tests ------------------------------------------------------------------

def test_list_number_style_numbers_the_seq_column_and_resolves_same_as_row_2():
    """issue-docx-auto-numbered-seq: Word's List Number style (numPr in styles.xml) in the 序号 cells."""
    d = docx.Document()
    d.add_paragraph("任务分工表")
    _task_table(d, seq=lambda p, i: setattr(p, "style", d.styles["List Number"]))
    tasks = _tasks(_save(d))
    assert [t.item_no for t in tasks] == ["1", "2", "3", "4"]
    assert [t.group_no for t in tasks] == [None] * 4
    assert tasks[3].lead_units == tasks[1].lead_units == ["县直各有关单位"]


def test_direct_numbering_with_start_gives_item_no():
    d = docx.Document()
    _task_table(d, seq=lambda p, i: _number(p, 7))
    xml = _numbering({3: [_lvl(0, text="（%1）", start=1)]}, {7: (3, "")})
    tasks = _tasks(_save(d, xml))
    assert [t.item_no for t in tasks] == ["1", "2", "3", "4"]
    assert tasks[3].lead_units == ["县直各有关单位"]


def _grouped(document, numbered: bool) -> None:
    """Two chapters 一、/二、 (full-width heading rows) with items 1., 2. under each, typed or numbered by Word."""
    table = document.add_table(rows=7, cols=4)
    for c, text in enumerate(HEADER):
        table.cell(0, c).text = text
    plan = [("推进决策公开", None), (None, 0), (None, 1), ("推进执行公开", None), (None, 2), (None, 3)]
    chapter = item = 0
    for r, (heading, row) in enumerate(plan, 1):
        if heading:
            chapter, item = chapter + 1, 0
            cell = table.cell(r, 0).merge(table.cell(r, 3))
            cell.text = heading if numbered else f"{'一二'[chapter - 1]}、{heading}"
            if numbered:
                _number(cell.paragraphs[0], 1, 0)
            continue
        item += 1
        for c, text in enumerate(ROWS[row], 1):
            table.cell(r, c).text = text
        if numbered:
            _number(table.cell(r, 0).paragraphs[0], 1, 1)
        else:
            table.cell(r, 0).text = f"{item}."


def test_chinese_counting_headings_give_groups_and_items_restart_under_each():
    xml = _numbering({0: [_lvl(0, "chineseCounting", "%1、", extra='<w:suff w:val="nothing"/>'),
                          _lvl(1, "decimal", "%2.")]}, {1: (0, "")})
    auto, typed = docx.Document(), docx.Document()
    _grouped(auto, numbered=True)
    _grouped(typed, numbered=False)
    tasks = _tasks(_save(auto, xml))
    assert [(t.group_no, t.group, t.item_no) for t in tasks] == [
        ("一", "推进决策公开", "1"), ("一", "推进决策公开", "2"),
        ("二", "推进执行公开", "1"), ("二", "推进执行公开", "2")]
    fields = ("group_no", "group", "item_no", "item", "lead_units", "deadline")
    assert ([[getattr(t, f) for f in fields] for t in tasks]
            == [[getattr(t, f) for f in fields] for t in _tasks(_save(typed))])


def test_body_headings_render_as_word_shows_them():
    d = docx.Document()
    for text, ilvl in [("总体要求", 0), ("工作目标", 1), ("明确任务", 2), ("细化分工", 2),
                       ("主要任务", 0), ("推进公开", 1), ("落实责任", 2)]:
        _number(d.add_paragraph(text), 4, ilvl)
    levels = [_lvl(0, "chineseCountingThousand", "%1、", extra='<w:suff w:val="nothing"/>'),
              _lvl(1, "chineseCounting", "（%2）", extra='<w:suff w:val="nothing"/>'),
              _lvl(2, "decimal", "%3.")]
    xml = _numbering({0: levels}, {4: (0, "")})
    assert _paragraphs(_save(d, xml)) == ["一、总体要求", "（一）工作目标", "1. 明确任务", "2. 细化分工",
                                          "二、主要任务", "（一）推进公开", "1. 落实责任"]


def test_start_override_restarts_and_plain_instances_of_the_abstract_continue():
    d = docx.Document()
    for num_id in (1, 1, 2, 2, 3, 4):
        _number(d.add_paragraph("事项"), num_id)
    override = '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="{}"/></w:lvlOverride>'
    xml = _numbering({0: [_lvl(0, start=3)], 1: [_lvl(0, "upperLetter")]},
                     {1: (0, ""), 2: (0, override.format(1)), 3: (0, ""), 4: (1, override.format(5))})
    assert _paragraphs(_save(d, xml)) == ["3. 事项", "4. 事项", "1. 事项", "2. 事项", "3. 事项", "E. 事项"]


def test_start_override_in_the_seq_column_gives_item_no():
    d = docx.Document()
    _task_table(d, seq=lambda p, i: _number(p, 2))
    override = '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="5"/></w:lvlOverride>'
    tasks = _tasks(_save(d, _numbering({0: [_lvl(0)]}, {2: (0, override)})))
    assert [t.item_no for t in tasks] == ["5", "6", "7", "8"]


def test_lvl_restart_zero_keeps_counting_across_a_higher_level():
    d = docx.Document()
    for ilvl in (0, 1, 1, 0, 1):
        _number(d.add_paragraph("事项"), 1, ilvl)
    xml = _numbering({0: [_lvl(0, "chineseCounting", "%1、"),
                          _lvl(1, "decimal", "%1.%2", extra='<w:lvlRestart w:val="0"/>')]}, {1: (0, "")})
    assert _paragraphs(_save(d, xml)) == ["一、 事项", "一.1 事项", "一.2 事项", "二、 事项", "二.3 事项"]


def test_bullets_and_num_id_zero_give_no_number_text():
    d = docx.Document()
    _task_table(d, seq=lambda p, i: _number(p, 1))
    _number(d.add_paragraph("加强组织领导"), 1)
    off = d.add_paragraph("不编号", style="List Number")
    _number(off, 0)
    xml = _numbering({0: [_lvl(0, "bullet", "\u2022")]}, {1: (0, "")})
    data = _save(d, xml)
    assert _paragraphs(data) == ["加强组织领导", "不编号"]
    assert [t.item_no for t in _tasks(data)] == [None] * 4


def test_document_without_numbering_part_reads_typed_numbers():
    d = docx.Document()
    _task_table(d, seq=lambda p, i: setattr(p, "text", f"{i + 1}."))
    _number(d.add_paragraph("悬空的编号"), 9)   # a numPr with no numbering.xml to resolve it
    for rid, rel in list(d.part.rels.items()):
        if rel.reltype == RT.NUMBERING:
            d.part.drop_rel(rid)
    data = _save(d)
    assert "word/numbering.xml" not in zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert _paragraphs(data) == ["悬空的编号"]
    tasks = _tasks(data)
    assert [t.item_no for t in tasks] == ["1", "2", "3", "4"]
    assert tasks[3].lead_units == ["县直各有关单位"]


@pytest.mark.parametrize("fmt, values, shown", [
    ("decimal", [1, 12], ["1", "12"]),
    ("decimalZero", [1, 12], ["01", "12"]),
    ("chineseCounting", [1, 10, 11, 20, 101, 110], ["一", "十", "十一", "二十", "一百零一", "一百一十"]),
    ("chineseCountingThousand", [3, 1001], ["三", "一千零一"]),
    ("japaneseCounting", [12], ["十二"]),
    ("ideographTraditional", [1, 3, 10], ["甲", "丙", "癸"]),
    ("upperLetter", [1, 26, 27], ["A", "Z", "AA"]),
    ("lowerLetter", [2], ["b"]),
    ("upperRoman", [4, 1999], ["IV", "MCMXCIX"]),
    ("lowerRoman", [9], ["ix"]),
    ("decimalEnclosedCircle", [1, 20, 21], ["①", "⑳", "21"]),
    ("none", [3], [""]),
    ("bullet", [3], [""]),
    ("someFutureFormat", [3], ["3"]),
])
def test_list_number_formats(fmt, values, shown):
    assert [list_number(v, fmt) for v in values] == shown


def test_a_number_typed_under_the_lists_own_is_read_once():
    # WPS files often keep a typed 1 in a 序号 cell that the list numbers 1. as well
    d = docx.Document()

    def typed_and_numbered(p, i):
        p.text = str(i + 1)
        _number(p, 7)
    _task_table(d, seq=typed_and_numbered)
    tasks = _tasks(_save(d, _numbering({3: [_lvl(0)]}, {7: (3, "")})))
    assert [t.item_no for t in tasks] == ["1", "2", "3", "4"]


def _three_numbered(level: str) -> list[str]:
    d = docx.Document()
    for k in range(3):
        _number(d.add_paragraph(f"做好第{k}项工作"), 7)
    return _paragraphs(_save(d, _numbering({3: [level]}, {7: (3, "")})))


def test_a_pattern_no_list_number_has_writes_nothing():
    # %1 written 2,000 times: the label of each paragraph would run to megabytes with a large start
    assert _three_numbered(_lvl(0, text="%1" * 2000)) == ["做好第0项工作", "做好第1项工作", "做好第2项工作"]


def test_a_start_past_words_limit_counts_as_a_missing_one():
    # 12 digits (Word allows up to 32767): read as no w:start, which ECMA-376 counts from 0
    assert _three_numbered(_lvl(0, start=int("9" * 12))) == ["0. 做好第0项工作", "1. 做好第1项工作", "2. 做好第2项工作"]


def _track_deletion(element, mark_id: int) -> None:
    """Mark a table row (w:trPr) or a paragraph's mark (w:pPr/w:rPr) deleted, its runs deleted with it."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def deleted():
        mark = OxmlElement("w:del")
        mark.set(qn("w:id"), str(mark_id))
        mark.set(qn("w:author"), "起草人")
        return mark
    if element.tag == qn("w:tr"):
        element.get_or_add_trPr().append(deleted())
    else:
        rpr = OxmlElement("w:rPr")
        rpr.append(deleted())
        element.get_or_add_pPr().append(rpr)
    for run in list(element.iter(qn("w:r"))):
        wrapper = deleted()
        run.addprevious(wrapper)
        wrapper.append(run)
        for text in run.iter(qn("w:t")):
            text.tag = qn("w:delText")


def test_a_row_or_paragraph_deleted_with_changes_tracked_takes_no_list_number():
    """Word numbers the document as it reads: a tracked-deleted 序号 row or numbered heading counts for
    nothing, so 同（2）names the row shown as 2."""
    d = docx.Document()
    gone = d.add_paragraph("一、删去的标题")
    _number(gone, 2)
    kept = d.add_paragraph("总体要求")
    _number(kept, 2)
    table = _task_table(d, seq=lambda p, i: _number(p, 1))
    _track_deletion(table.rows[2]._tr, 5)
    _track_deletion(gone._p, 6)
    xml = _numbering({0: [_lvl(0)], 1: [_lvl(0, "chineseCounting", "%1、")]}, {1: (0, ""), 2: (1, "")})
    data = _save(d, xml)
    assert _paragraphs(data)[0] == "一、 总体要求"   # the deleted heading took no 一
    tasks = _tasks(data)
    assert [t.item_no for t in tasks] == ["1", "2", "3"]
    assert tasks[2].lead_units == tasks[1].lead_units == ["县政府办公室", "县委宣传部"]
