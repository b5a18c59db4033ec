"""Issuer, issue date and region from what a document prints about itself (issue 8, item 4).

Each document is built here, in the format a county office would publish it:
发布机构:/发文日期: lines at the top of a PDF, a report's signature block at the
end of a DOCX, 填报单位:/填报日期: lines in a text file, and a county named
only in the running text.
"""
from __future__ import annotations

import io
import logging

import docx
import pytest

from normalizers.metadata import document_fields, extract_metadata
from pipeline.run import process
from _helpers import make_pdf

TABLE = [("序号", "工作任务", "具体事项", "责任单位", "完成时限"),
         ("1", "决策公开", "推进重大决策预公开", "县发改委", "2020年8月底前"),
         ("2", "执行公开", "公开重点工作进展情况", "县政府办", "2020年12月底前")]


def _cid(text: str) -> str:
    return "<" + text.encode("utf-16-be").hex() + ">"


def _pdf(lines: list[str]) -> bytes:
    """One PDF page printing the lines (STSong CID font), one under the other."""
    ops = [f"BT /F2 12 Tf 60 {740 - 22 * i} Td {_cid(line)} Tj ET" for i, line in enumerate(lines)]
    return make_pdf([ops])


def _docx(paragraphs_before: list[str], paragraphs_after: list[str]) -> bytes:
    """A DOCX: paragraphs, the task table, more paragraphs."""
    document = docx.Document()
    for text in paragraphs_before:
        document.add_paragraph(text)
    table = document.add_table(rows=len(TABLE), cols=len(TABLE[0]))
    for r, row in enumerate(TABLE):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    for text in paragraphs_after:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _fields(result) -> tuple:
    d = result.document
    return d.issuer, d.issue_date, d.province, d.city, d.county


@pytest.fixture(autouse=True)
def _quiet_pdfminer():
    logging.getLogger("pdfminer").setLevel(logging.ERROR)


# --------------------------------------------------------------------------
# Label lines printed at the top
# --------------------------------------------------------------------------

@pytest.mark.parametrize("label_lines", [
    ["发布机构:东至县人民政府办公室", "发文日期:2020年8月3日"],
    ["发布机构:东至县人民政府办公室    发文日期:2020-08-03"],        # two pairs on one printed line
    ["索引号:11341721-2020-0064  发布机构:东至县人民政府办公室", "成文日期:2020年08月03日  有效性:有效"],
    ["发文机关:东至县人民政府办公室", "发文日期:2020.8.3"],
])
def test_label_lines_at_the_top_of_a_pdf_give_issuer_date_and_region(label_lines):
    pdf = _pdf([*label_lines, "政务公开工作要点", "各乡镇人民政府:", "现将工作要点印发给你们,请认真贯彻落实。"])
    result = process(pdf, "issue-label-lines.pdf")
    assert _fields(result) == ("东至县人民政府办公室", "2020-08-03", "安徽省", "池州市", "东至县")
    assert result.document.meta.get("发布机构", result.document.meta.get("发文机关")) == "东至县人民政府办公室"


def test_a_sites_posting_date_is_not_the_issue_date():
    # 发布日期 / 生成日期 say when a site posted the page, not when the office signed it
    pdf = _pdf(["发布机构:东至县人民政府办公室", "发布日期:2020-08-20", "政务公开工作要点", "正文内容如下。"])
    result = process(pdf, "issue-posting-date.pdf")
    assert result.document.issue_date is None
    assert result.document.meta["发布日期"] == "2020-08-20"


def test_the_body_decides_over_the_labels():
    paragraphs = ["发布机构:东湖区百花洲街道", "发文日期:2020年7月8日",
                  "东湖区人民政府办公室关于印发政务公开工作要点的通知", "各街道办事处:", "现印发给你们。",
                  "东湖区人民政府办公室", "2020年7月3日"]
    meta = extract_metadata(paragraphs, {})
    assert (meta.issuer, meta.issue_date) == ("东湖区人民政府办公室", "2020-07-03")


def test_a_page_block_value_that_runs_into_the_next_label_is_split():
    fields = document_fields([], {"发布机构": "东至县人民政府办公室发文日期:2020年8月3日", "索引号": "123"})
    assert fields == {"发布机构": "东至县人民政府办公室", "发文日期": "2020年8月3日", "索引号": "123"}


def test_prose_that_opens_with_a_label_word_is_no_field():
    text = "发布机构:" + "各单位要按照要求认真做好政务公开工作并及时报送材料" * 3
    assert document_fields([text], {}) == {}


# --------------------------------------------------------------------------
# A report's signature block at the end
# --------------------------------------------------------------------------

@pytest.mark.parametrize("signature", [
    ["东至县数据资源管理局", "2020年7月10日"],
    ["东至县数据资源管理局(盖章)", "2020年7月10日"],
    ["东至县数据资源管理局", "二〇二〇年七月十日"],
    ["东至县数据资源管理局", "2020.7.10"],
    ["东至县数据资源管理局  2020年7月10日"],
])
def test_signature_block_of_a_docx_report_gives_issuer_and_date(signature):
    data = _docx(["2020年上半年政务公开工作情况报告", "今年以来,我局认真贯彻落实上级部署,现将有关情况报告如下。"],
                 ["以上报告,请审阅。", *signature])
    result = process(data, "issue-signature-block.docx")
    assert _fields(result) == ("东至县数据资源管理局", "2020-07-10", "安徽省", "池州市", "东至县")
    assert len(result.tasks) == 2


def test_filing_labels_at_the_end_of_a_text_report():
    text = "\n".join(["政务公开工作进展情况报告", "一、主要做法", "积极推进基层政务公开。",
                      "填报单位:东至县教育局", "填报日期:2020年7月10日", ""])
    result = process(text.encode("utf-8"), "issue-filing-labels.txt")
    assert _fields(result) == ("东至县教育局", "2020-07-10", "安徽省", "池州市", "东至县")


def test_a_lone_numeric_date_under_the_title_is_not_the_issue_date():
    # a web page's posting date printed under its headline: no signing office above it
    text = "政务公开工作要点的通知\n2020-07-10\n现将有关事项通知如下。\n"
    assert process(text.encode("utf-8"), "issue-lone-date.txt").document.issue_date is None


# --------------------------------------------------------------------------
# A county named only in the running text
# --------------------------------------------------------------------------

@pytest.mark.parametrize("name,body,region", [
    ("county.txt", "为做好2020年全县政务公开工作,东至县各乡镇要高度重视。",
     ("安徽省", "池州市", "东至县")),
    ("district.pdf", "屯留区各乡镇、区直各部门要按照要求认真落实。", ("山西省", "长治市", "屯留区")),
    ("town.docx", "为做好政务公开工作,东至县尧渡镇各村要认真落实。", ("安徽省", "池州市", "东至县")),
])
def test_a_county_named_only_in_the_text_gives_the_region(name, body, region):
    paragraphs = ["政务公开工作要点", body, "现将有关事项通知如下。"]
    if name.endswith(".pdf"):
        data = _pdf(paragraphs)
    elif name.endswith(".docx"):
        data = _docx(paragraphs, [])
    else:
        data = "\n".join(paragraphs).encode("utf-8")
    assert _fields(process(data, name))[2:] == region


@pytest.mark.parametrize("body", [
    "朝阳区各街道要高度重视政务公开工作。",      # 朝阳区: in Beijing and in Changchun
    "新城区各部门要高度重视政务公开工作。",      # several 新城区
    "尧渡镇各村要高度重视政务公开工作。",        # a town alone: the division table stops at counties
])
def test_an_ambiguous_or_unknown_place_is_not_guessed(body):
    text = "\n".join(["政务公开工作要点", body, ""])
    assert _fields(process(text.encode("utf-8"), "issue-ambiguous-place.txt"))[2:] == (None, None, None)


def test_a_web_pages_metadata_block_gives_the_same_fields():
    page = ("<html><head><meta charset='utf-8'><title>政务公开工作要点</title></head><body>"
            "<table class='xxgk'><tr><td>索引号:11341721/2020-00064</td><td>发文机关:东至县人民政府办公室</td></tr>"
            "<tr><td>成文日期:2020年08月03日</td><td>发布日期:2020-08-20</td></tr></table>"
            "<div class='content'><p>政务公开工作要点</p><p>各乡镇人民政府:</p>"
            "<p>现将工作要点印发给你们,请认真贯彻落实。</p></div></body></html>")
    result = process(page.encode("utf-8"), "issue-page-block.html")
    assert _fields(result) == ("东至县人民政府办公室", "2020-08-03", "安徽省", "池州市", "东至县")
