"""normalizers.metadata: gold title / 发文字号 / 发文机关 / 成文日期 from every sample, and hand cases."""
from __future__ import annotations

import json
import re
from pathlib import Path

import docx
import pdfplumber
import pytest
from bs4 import BeautifulSoup

from normalizers.metadata import DocMeta, extract_metadata, normalize_doc_number
from normalizers.text import normalize

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
GOLD = sorted((CORPUS / "gold").glob("*.gold.json"))


# --------------------------------------------------------------------------
# Paragraphs as a reader would pass them (tables left out)
# --------------------------------------------------------------------------

def _sample(gold: Path) -> Path:
    name = gold.name[: -len(".gold.json")]
    return CORPUS / name if (CORPUS / name).exists() else CORPUS / "variants" / name


def _html(path: Path) -> tuple[list[str], str]:
    raw = path.read_bytes()
    m = re.search(rb"charset=[\"']?([\w-]+)", raw[:2000])
    encoding = m.group(1).decode() if m else "utf-8"
    soup = BeautifulSoup(raw.decode("gb18030" if encoding.lower() in ("gbk", "gb2312") else encoding), "lxml")
    article = soup.find(id="zoom")
    return [p.get_text() for p in article.find_all("p") if not p.find_parent("table")], soup.title.get_text()


def _txt(path: Path) -> tuple[list[str], None]:
    """Non-empty lines outside blocks that hold tab-separated cells."""
    lines: list[str] = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        rows = block.split("\n")
        if not any(row.startswith("\t") or "\t" in row.strip() for row in rows):
            lines += rows
    return lines, None


def _docx(path: Path) -> tuple[list[str], str]:
    document = docx.Document(str(path))
    return [p.text for p in document.paragraphs], document.core_properties.title


def _pdf(path: Path) -> tuple[list[str], str | None]:
    """Page text outside the table boxes."""
    lines: list[str] = []
    with pdfplumber.open(str(path)) as pdf:
        for page in pdf.pages:
            boxes = [t.bbox for t in page.find_tables()]

            def outside(obj, boxes=boxes):
                x, top = obj.get("x0", 0), obj.get("top", 0)
                return not any(b[0] <= x <= b[2] and b[1] <= top <= b[3] for b in boxes)
            lines += (page.filter(outside).extract_text() or "").split("\n")
        return lines, (pdf.metadata or {}).get("Title")


READERS = {".html": _html, ".txt": _txt, ".docx": _docx, ".pdf": _pdf}


def _paragraphs(gold: Path) -> tuple[list[str], str | None]:
    path = _sample(gold)
    raw, hint = READERS[path.suffix](path)
    return [t for t in (normalize(p) for p in raw) if t], normalize(hint) or None


@pytest.mark.parametrize("gold", GOLD, ids=lambda p: p.name)
def test_gold_metadata(gold):
    expected = json.loads(gold.read_text(encoding="utf-8"))["document"]
    paragraphs, hint = _paragraphs(gold)
    got = extract_metadata(paragraphs, {}, hint)
    assert (got.title, got.doc_number, got.issuer, got.issue_date) == (
        expected["title"], expected["doc_number"], expected["issuer"], expected["issue_date"])


def test_gold_page_dates_stay_out_of_issue_date():
    """donghu's page says 生成日期 2020-07-08; the 成文日期 under the text is 2020-07-03."""
    gold = next(g for g in GOLD if g.name.startswith("donghu_2020.html"))
    paragraphs, hint = _paragraphs(gold)
    meta = json.loads(gold.read_text(encoding="utf-8"))["document"]["meta"]
    assert meta["生成日期"] == "2020-07-08"
    assert extract_metadata(paragraphs, meta, hint).issue_date == "2020-07-03"


# --------------------------------------------------------------------------
# 发文字号
# --------------------------------------------------------------------------

@pytest.mark.parametrize("written", [
    "东政办秘〔2020〕64号", "东政办秘[2020]64号", "东政办秘【2020】64号", "东政办秘(2020)64号",
    "东政办秘（2020）64号", "东政办秘［2020］64号", "东政办秘﹝2020﹞64号", "东政办秘 〔 2020 〕 64 号",
    "东政办秘〔2020〕第64号", "东政办秘〔2020〕064号",
])
def test_doc_number_brackets(written):
    assert normalize_doc_number(written) == "东政办秘〔2020〕64号"


@pytest.mark.parametrize("text", ["", "2020年8月14日", "第64号", "东政办秘〔20〕64号", "国办发〔2019〕"])
def test_no_doc_number(text):
    assert normalize_doc_number(text) is None


def test_own_doc_number_not_a_citation():
    paragraphs = ["关于做好政务公开工作的通知", "各乡镇:", "根据《国务院办公厅关于…的意见》(国办发〔2019〕54号)精神,现通知如下。"]
    assert extract_metadata(paragraphs, {}).doc_number is None


@pytest.mark.parametrize("line", ["赣府厅发〔2020〕17号", "(赣府厅发〔2020〕17号)", "文号:赣府厅发[2020]17号",
                                  "赣府厅发〔2020〕17号 签发人:张三"])
def test_own_doc_number_line_shapes(line):
    paragraphs = [line, "江西省人民政府办公厅关于全面推进基层政务公开标准化规范化的实施意见"]
    assert extract_metadata(paragraphs, {}).doc_number == "赣府厅发〔2020〕17号"


def test_doc_number_from_meta_when_body_has_none():
    meta = {"索引号": "A25010-1", "文件编号": "东政办秘[2020]64号"}
    assert extract_metadata(["关于印发某某方案的通知"], meta).doc_number == "东政办秘〔2020〕64号"


# --------------------------------------------------------------------------
# Title and issuer
# --------------------------------------------------------------------------

TITLE_CASES = [
    # one line, issuer before 关于
    (["东至县人民政府办公室关于印发东至县实施方案的通知", "各乡镇:"],
     "东至县人民政府办公室关于印发东至县实施方案的通知", "东至县人民政府办公室"),
    # issuer before 印发《…》
    (["东湖区人民政府办公室印发《东湖区关于全面推进基层政务公开的实施方案》的通知"],
     "东湖区人民政府办公室印发《东湖区关于全面推进基层政务公开的实施方案》的通知", "东湖区人民政府办公室"),
    # broken over three lines, after the document number
    (["东政办秘〔2020〕64号", "东至县人民政府办公室关于印发东至县全面", "推进基层政务公开标准化规范化", "工作实施方案的通知", "各乡镇:"],
     "东至县人民政府办公室关于印发东至县全面推进基层政务公开标准化规范化工作实施方案的通知", "东至县人民政府办公室"),
    # a bracketed period on a line of its own inside a broken title
    (["某县人民政府办公室关于印发某县政务公开", "（2021—2023年）", "三年行动计划的通知", "各乡镇人民政府："],
     "某县人民政府办公室关于印发某县政务公开（2021—2023年）三年行动计划的通知", "某县人民政府办公室"),
    # an annex: 附件 labels skipped, the heading taken, no issuer
    (["附件1", "基层政务公开标准化规范化工作任务分工及进度安排"], "基层政务公开标准化规范化工作任务分工及进度安排", None),
    (["附件 1", "基层政务公开标准化规范化工作", "任务分工及进度安排"], "基层政务公开标准化规范化工作任务分工及进度安排", None),
    (["附件2:基层政务公开事项标准目录格式模板"], "基层政务公开事项标准目录格式模板", None),
    # site chrome and breadcrumbs before the title are passed over
    (["东至县人民政府", "首页", "信息公开", "政府文件", "发布机构:东至县政府办 生成日期:2020-08-20",
      "东至县人民政府关于加强政务公开工作的意见"], "东至县人民政府关于加强政务公开工作的意见", "东至县人民政府"),
    # a heading that names no kind of document, and a table label, are no title
    (["政务公开事项标准目录简化及落实"], None, None),
    (["标准目录"], None, None),
    (["一、总体要求", "(一)指导思想"], None, None),
    ([], None, None),
]


@pytest.mark.parametrize("paragraphs,title,issuer", TITLE_CASES, ids=[str(i) for i in range(len(TITLE_CASES))])
def test_title_and_issuer(paragraphs, title, issuer):
    got = extract_metadata(paragraphs, {})
    assert (got.title, got.issuer) == (title, issuer)


def test_title_hint_without_site_name():
    hint = "东至县人民政府办公室关于印发东至县实施方案的通知_东至县人民政府"
    assert extract_metadata([], {}, hint).title == "东至县人民政府办公室关于印发东至县实施方案的通知"
    assert extract_metadata([], {}, "Microsoft Word - 附件1.docx").title is None


def test_body_title_beats_hint():
    got = extract_metadata(["关于做好2020年政务公开工作的通知"], {}, "某某网站 - 首页")
    assert got.title == "关于做好2020年政务公开工作的通知"


# A site's page: the notice's title in a title block outside the article, the article its letter, the
# signature (with a note in brackets) and then the annex's own heading.
LETTER_THEN_ANNEX = ["各乡镇人民政府,县政府各部门:", "现将《宁陵县2021年政务公开工作要点》印发给你们,请认真贯彻落实。",
                     "宁陵县人民政府办公室", "2021年3月15日", "(此件公开发布)", "宁陵县2021年政务公开工作要点",
                     "为深入推进政务公开,现提出如下要点。"]


def test_a_signature_is_never_read_as_a_title_broken_over_lines():
    got = extract_metadata(LETTER_THEN_ANNEX, {})
    assert got.title == "宁陵县2021年政务公开工作要点"
    for lines in (["宁陵县人民政府办公室", "2021年3月15日", "宁陵县2021年政务公开工作要点"],
                  ["2021年3月15日", "(此件公开发布)", "宁陵县2021年政务公开工作要点"],
                  ["宁陵县人民政府办公室2021年3月15日", "宁陵县2021年政务公开工作要点"]):
        assert extract_metadata(lines, {}).title == "宁陵县2021年政务公开工作要点"


def test_the_page_title_that_issues_the_body_heading_is_the_notices_title():
    hint = "宁陵县人民政府办公室关于印发宁陵县2021年政务公开工作要点的通知-宁陵县人民政府"
    got = extract_metadata(LETTER_THEN_ANNEX, {}, hint)
    assert (got.title, got.issuer, got.issue_date) == (
        "宁陵县人民政府办公室关于印发宁陵县2021年政务公开工作要点的通知", "宁陵县人民政府办公室", "2021-03-15")
    # a page title that issues something else leaves the body's heading in place
    other = "宁陵县人民政府办公室关于印发宁陵县政府信息公开指南的通知"
    assert extract_metadata(LETTER_THEN_ANNEX, {}, other).title == "宁陵县2021年政务公开工作要点"


# --------------------------------------------------------------------------
# Signature and 成文日期
# --------------------------------------------------------------------------

DATE_CASES = [
    (["关于X的通知", "现印发给你们,请认真贯彻落实。", "2020年7月3日"], "2020-07-03", None),
    (["关于X的通知", "正文。", "二〇二〇年八月十四日"], "2020-08-14", None),
    (["关于X的通知", "正文。", "二○二一年十二月三十一日"], "2021-12-31", None),
    (["关于X的通知", "正文。", "(2020年7月3日)"], "2020-07-03", None),
    # signature on the line above the date gives the issuer when the title has none
    (["关于X的通知", "正文。", "东至县人民政府办公室", "2020年8月14日"], "2020-08-14", "东至县人民政府办公室"),
    (["关于X的通知", "正文。", "东至县人民政府办公室2020年8月14日"], "2020-08-14", "东至县人民政府办公室"),
    # a publishing note on the date's line (a Shift+Enter break read as one line)
    (["关于X的通知", "正文。", "东至县人民政府办公室", "2020年8月14日(此件公开发布)"], "2020-08-14", "东至县人民政府办公室"),
    # deadlines and impossible dates are no 成文日期; the first date line counts
    (["关于X的通知", "2020年8月底前完成。", "2020年2月30日", "2020年9月1日", "2021年1月1日"], "2020-09-01", None),
    (["关于X的通知", "于2020年7月3日前完成。"], None, None),
]


@pytest.mark.parametrize("paragraphs,iso,issuer", DATE_CASES, ids=[str(i) for i in range(len(DATE_CASES))])
def test_issue_date_and_signature(paragraphs, iso, issuer):
    got = extract_metadata(paragraphs, {"生成日期": "2020-07-08", "发布日期": "2020-07-08"})
    assert (got.issue_date, got.issuer) == (iso, issuer)


def test_title_issuer_wins_over_signature():
    paragraphs = ["东至县人民政府办公室关于X的通知", "正文。", "东至县政务公开办", "2020年8月14日"]
    assert extract_metadata(paragraphs, {}).issuer == "东至县人民政府办公室"


def test_the_red_head_line_names_the_issuer_when_nothing_else_does():
    paragraphs = ["东至县人民政府办公室文件", "东政办秘〔2020〕64号", "关于印发实施方案的通知", "各乡镇：", "现印发给你们。",
                  "2020年8月14日"]
    assert extract_metadata(paragraphs, {}).issuer == "东至县人民政府办公室"
    # a title or a signature that names the office still comes first
    assert extract_metadata(paragraphs[:5] + ["东至县政务公开办", "2020年8月14日"], {}).issuer == "东至县政务公开办"
    # a title wrapped after 文件, or a text line ending in 文件, is no 红头: it stands above no 文号
    wrapped = ["关于转发省人民政府办公厅文件", "的通知", "各乡镇：", "现转发给你们。", "2020年8月14日"]
    assert extract_metadata(wrapped, {}).issuer is None
    body = ["关于做好政务公开工作的通知", "各乡镇：", "根据池州市人民政府办公室文件", "现通知如下。", "2020年8月14日"]
    assert extract_metadata(body, {}).issuer is None


def test_result_type():
    assert extract_metadata([], {}) == DocMeta()


def test_formal_title_wins_over_a_short_site_headline_above_it():
    paragraphs = ["某县政务公开实施方案", "当前位置:首页>政务公开",
                  "某县人民政府办公室关于印发某县政务公开实施方案的通知", "各乡镇人民政府:", "现印发给你们。"]
    assert extract_metadata(paragraphs, {}).title == "某县人民政府办公室关于印发某县政务公开实施方案的通知"


def test_an_annex_file_keeps_its_own_heading_under_the_notices_title():
    # no letter above the heading: the file is the annex itself, whatever title its properties carry
    hint = "宁陵县人民政府办公室关于印发宁陵县2021年政务公开工作要点的通知"
    got = extract_metadata(["附件", "宁陵县2021年政务公开工作要点", "一、推进决策公开。"], {}, hint)
    assert got.title == "宁陵县2021年政务公开工作要点"


def test_a_title_broken_after_its_issuing_office_keeps_the_office():
    paragraphs = ["沂水县人民政府办公室文件", "沂政办发〔2021〕3号", "沂水县人民政府办公室",
                  "关于印发沂水县2021年政务公开工作要点的通知", "各乡镇人民政府：", "现印发给你们。"]
    assert extract_metadata(paragraphs, {}).title == "沂水县人民政府办公室关于印发沂水县2021年政务公开工作要点的通知"
    joint = ["中共太和县委办公室", "太和县人民政府办公室", "关于印发《太和县2021年政务公开工作要点》的通知", "各乡镇："]
    assert extract_metadata(joint, {}).title == \
        "中共太和县委办公室太和县人民政府办公室关于印发《太和县2021年政务公开工作要点》的通知"
    # a site headline above a formal title is no office: the formal title stands alone
    assert extract_metadata(["政务公开专栏", "关于印发某县政务公开实施方案的通知"], {}).title == \
        "关于印发某县政务公开实施方案的通知"


def test_signed_names_spell_out_the_titles_short_or_joint_issuer():
    short = ["市政府办公室关于印发宿迁市2021年政务公开工作任务清单的通知", "各县（区）人民政府：", "现印发给你们。",
             "宿迁市人民政府办公室", "2021年6月8日"]
    assert extract_metadata(short, {}).issuer == "宿迁市人民政府办公室"
    joint = ["中共太和县委办公室太和县人民政府办公室关于印发实施方案的通知", "各乡镇：", "现印发给你们。",
             "中共太和县委办公室", "太和县人民政府办公室", "2021年5月10日"]
    assert extract_metadata(joint, {}).issuer == "中共太和县委办公室、太和县人民政府办公室"
    # a signature that is another office does not replace the title's issuer
    other = short[:3] + ["宿迁市政务公开办", "2021年6月8日"]
    assert extract_metadata(other, {}).issuer == "市政府办公室"


def test_a_letters_annex_listing_is_no_title():
    paragraphs = ["秭政办发〔2021〕5号", "各乡镇人民政府，县政府各部门：",
                  "《秭归县2021年政务公开工作要点》已经县人民政府同意，现印发给你们，请认真贯彻落实。",
                  "附件：秭归县2021年政务公开工作要点任务分工表", "秭归县人民政府办公室", "2021年4月15日",
                  "秭归县2021年政务公开工作要点", "一、推进决策公开。"]
    hint = "秭归县人民政府办公室关于印发秭归县2021年政务公开工作要点的通知_政府文件_秭归县人民政府"
    assert extract_metadata(paragraphs, {}, hint).title == "秭归县人民政府办公室关于印发秭归县2021年政务公开工作要点的通知"
    # an annex file that opens with its label keeps the heading after it
    assert extract_metadata(["附件1：秭归县2021年政务公开工作要点任务分工表", "序号"], {}).title == \
        "秭归县2021年政务公开工作要点任务分工表"


@pytest.mark.parametrize("heading", ["平江县2020年基层政务公开标准化规范化工作任务分工",
                                     "醴陵市2021年政务公开重点工作任务分解", "某县2022年政务公开重点任务"])
def test_task_division_headings_are_titles(heading, tmp_path):
    document = docx.Document()
    document.add_paragraph(heading)
    table = document.add_table(rows=2, cols=4)
    for cell, text in zip(table.rows[0].cells, ["序号", "工作任务", "责任单位", "完成时限"]):
        cell.text = text
    for cell, text in zip(table.rows[1].cells, ["1", "公开财政预算", "县财政局", "2022年6月底前"]):
        cell.text = text
    document.save(tmp_path / "annex.docx")
    from pipeline.run import process
    result = process((tmp_path / "annex.docx").read_bytes(), "annex.docx")
    assert result.document.title == heading


def test_a_site_name_line_above_the_title_is_no_part_of_it_when_another_office_signed():
    page = ["沂水县人民政府", "关于印发沂水县2021年政务公开工作要点的通知", "各乡镇：", "现印发给你们。",
            "沂水县人民政府办公室", "2021年3月1日"]
    got = extract_metadata(page, {})
    assert (got.title, got.issuer) == ("关于印发沂水县2021年政务公开工作要点的通知", "沂水县人民政府办公室")


def test_a_signature_date_written_with_an_ascii_zero_is_read():
    got = extract_metadata(["关于印发X方案的通知", "各乡镇：", "现印发给你们。", "东至县人民政府办公室", "二0二二年五月六日"], {})
    assert (got.issue_date, got.issuer) == ("2022-05-06", "东至县人民政府办公室")
