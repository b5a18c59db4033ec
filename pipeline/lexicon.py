"""The one lexicon: header words per column role and the numbering patterns, compiled once.

Every reader (to find where a table starts) and the table stage (to read a
header into column roles, to split numbers off labels) take their words and
patterns from here, so a wording learnt once is known everywhere. This is
data at the level of the document model: it imports nothing from the project.
Words are simplified Chinese; callers match after folding script and width.
"""
from __future__ import annotations

import re

# --------------------------------------------------------------------------
# Header words per column role
# --------------------------------------------------------------------------

# Checked in this order: the first role one of whose words occurs in a header
# wins, so the specific wordings come before the generic ones (完成时限 is a
# deadline although 完成 is no role word; 当前进度 is not a deadline).
ROLE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # catalog (标准目录) columns
    ("cat_level1", ("一级事项",)),
    ("cat_level2", ("二级事项",)),
    ("cat_content", ("公开内容", "公开要素")),
    ("cat_basis", ("公开依据",)),
    ("cat_time", ("公开时限",)),
    ("cat_subject", ("公开主体",)),
    ("cat_channel", ("公开渠道", "载体")),
    ("cat_audience", ("公开对象", "全社会", "特定群体")),
    ("cat_mode", ("公开方式", "主动公开", "依申请")),
    # domain → lead-unit tables
    ("dom_ministry", ("国务院部门", "编制部门", "制定部门", "国务院")),
    ("dom_domain", ("试点领域", "领域", "标准目录", "标准指引")),
    # task tables
    ("deadline", ("进度安排", "完成时间", "完成时限", "时限要求", "时间节点", "完成期限", "进度要求",
                  "计划进度", "时间要求", "截止时间", "时限", "时间", "期限", "时序", "节点", "年限")),
    ("other", ("当前进度", "进度", "进展", "备注", "情况", "说明", "成效", "佐证", "领导", "联系人", "电话",
               "责任人", "负责人", "经办人",
               "完成标准", "工作标准", "验收标准", "考核标准", "评价标准", "成果形式", "预期成果", "考核指标",
               "分值", "评分", "资金", "经费")),
    ("guide", ("指导", "主管", "督导", "督办")),
    ("support", ("配合", "协办", "协助", "参与", "协同")),
    ("lead", ("牵头", "责任", "主体", "承办", "负责", "实施单位", "单位", "部门")),
    ("item", ("具体", "事项", "要求", "内容", "措施", "举措", "分解", "描述", "要点", "职责")),
    ("group", ("任务", "目标", "类别", "项目", "重点工作", "工作", "领域")),
    ("seq", ("序号", "编号", "序")),
)
UNIT_ROLES = ("lead", "guide", "support")
# Roles a header gives with too little certainty to stand against what the
# column holds: a 工作 or 项目 header may head items or groups alike.
GENERIC_WORDS = frozenset({"工作", "项目", "内容", "任务"})

# How a column name ends: a header cell that ends otherwise is data, not a name.
HEADER_ENDINGS = (
    "序号", "序", "编号", "任务", "事项", "内容", "要求", "措施", "举措", "目标", "类别", "项目", "工作", "单位",
    "部门", "主体", "时间", "时限", "期限", "节点", "安排", "进度", "备注", "领域", "依据", "渠道", "载体", "对象",
    "方式", "情况", "说明", "标准", "领导", "分工", "群体", "公开", "社会", "分解", "牵头", "配合", "协办", "成果",
    "指标", "电话", "联系人", "分值", "国务院部门", "年限", "描述", "要点", "职责", "责任人", "负责人")

# Words that column labels of notice tables are made of: a line or a run of
# paragraphs carrying several of them is where a table written as text starts.
TABLE_HEADER_WORDS = (
    "序号", "编号", "任务", "事项", "内容", "单位", "部门", "时间", "时限", "期限", "进度",
    "要求", "措施", "目标", "领域", "依据", "主体", "渠道", "载体", "对象", "方式", "名称",
    "备注", "责任", "牵头", "配合", "协办", "主管", "指导", "完成", "目录", "项目", "类别",
)
# Labels that open a header row (the caption above it ends before them).
FIRST_LABELS = frozenset({"序号", "编号", "序列", "序次"})

# What an organisation's name ends with (a column of such names is a unit column).
ORG_ENDINGS = ("局", "委", "办", "室", "部", "厅", "院", "中心", "政府", "处", "所", "站", "馆", "会", "队",
               "单位", "部门", "街道", "镇", "乡", "公司", "银行", "支行", "分行", "集团", "社", "团", "台",
               "署", "科", "股", "法院", "检察院", "办事处")


# A column name is short and holds no digits or sentence punctuation.
LABEL_MAX_LENGTH = 10
NOT_LABEL = re.compile(r"[,，。;；:：、!！?？\d]")


def looks_like_label(text: str, max_length: int = LABEL_MAX_LENGTH) -> bool:
    """A short wording without digits or punctuation: what a column name looks like."""
    return 0 < len(text) <= max_length and not NOT_LABEL.search(text)


# Each role's words as one pattern (one search, not a loop over the words), and any word of any
# role: most wordings asked about hold none, and one search says so.
_ROLE_PATTERNS = tuple((role, re.compile("|".join(map(re.escape, words)))) for role, words in ROLE_WORDS)
_ANY_ROLE_WORD = re.compile("|".join(re.escape(w) for _, words in ROLE_WORDS for w in words))


def role_of_words(header: str) -> str | None:
    """The role whose words occur first in a squashed header wording, or None."""
    if not _ANY_ROLE_WORD.search(header):
        return None
    for role, pattern in _ROLE_PATTERNS:
        if pattern.search(header):
            return role
    return None


def is_generic(header: str) -> bool:
    """True when a squashed header says no more than a generic word (工作, 项目 …)."""
    return header in GENERIC_WORDS


# --------------------------------------------------------------------------
# Numbering patterns
# --------------------------------------------------------------------------

CN_DIGITS = "一二三四五六七八九十"
UPPER_DIGITS = "壹贰叁肆伍陆柒捌玖拾"
ROMAN = "IVXⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩⅪⅫ"
CIRCLED = "".join(chr(0x2460 + i) for i in range(20))  # ① … ⑳
# ① … ⑳ written as the bracketed number they stand for
CIRCLED_AS_BRACKETED = {ch: f"({i + 1})" for i, ch in enumerate(CIRCLED)}

# A bare row number: 3
BARE_NUMBER = re.compile(r"^\d{1,3}$")
# A cell holding only a row number: 3 / 3. / (3) / 3、
NUMBER_CELL = re.compile(r"^[(（]?\d{1,3}[)）.、．]?$")
# A 序号 cell: 3 / (3) / 3. / 三 / (三); group 1 is the number
SEQ_CELL = re.compile(rf"^[(（]?(\d{{1,3}}|[{CN_DIGITS}]{{1,3}})[)）.、．]?$")
# Text that starts with an item number: (3) / 3. / 3、 (not 2021.5)
ITEM_START = re.compile(r"^(?:[(（]\s*\d{1,3}\s*[)）]|\d{1,3}\s*[.、．](?!\d))")
# The number of an item cell, split off its text: group 1 or 2 is the number
ITEM_NUMBER = re.compile(
    rf"^\s*(?:[(（]\s*(\d{{1,3}}|[{CN_DIGITS}]{{1,3}})\s*[)）]|(\d{{1,3}})\s*[.、．)）](?!\d{{1,3}}[.、．]))\s*")
# The number before a group label: 一、 壹、 IV、 (一) (1) 1、 第一部分
GROUP_NUMBER = re.compile(
    rf"^\s*(?:[{CN_DIGITS}]{{1,3}}\s*[、.．]|[{UPPER_DIGITS}]{{1,3}}\s*[、.．]|[{ROMAN}]{{1,4}}\s*[、.．]"
    rf"|[(（]\s*[{CN_DIGITS}\d]{{1,3}}\s*[)）]|\d{{1,3}}\s*[、.．](?!\d)|第[{CN_DIGITS}\d]+[部分项条、]*)\s*")
# A chapter heading of the body text (一、 …): no table row starts like it
HEADING_START = re.compile(rf"^[{CN_DIGITS}]+、")
# A group heading's Chinese number, first level (一、 / 第一部分) and second (（一）)
FIRST_LEVEL = re.compile(rf"^\s*(?:[{CN_DIGITS}]{{1,3}}\s*[、.．]|第[{CN_DIGITS}\d]{{1,3}}部分)")
SECOND_LEVEL = re.compile(rf"^\s*[(（]\s*[{CN_DIGITS}]{{1,3}}\s*[)）]")
# A 序号 cell of a group heading: 一 / 二、 (task rows number 1, 2 …)
CN_SEQ_CELL = re.compile(rf"^[{CN_DIGITS}]{{1,3}}[、.．]?$")
# A form's filled-in line: 填报单位(盖章)：… / 填报时间：… — a short label, maybe a bracketed note, a colon
FORM_LABEL = re.compile(r"^[\u4e00-\u9fff]{2,8}(?:[(（][\u4e00-\u9fff]{1,6}[)）])?\s*[:：]")
# The labels of a form's footer, under its rows (填表人： | 联系电话： | 审核人：): only these, since a record
# row may be all labels too (政策解读：… | 牵头单位：… | 完成时限：…)
FORM_FOOTER_LABELS = ("填表人", "填报人", "制表人", "联系人", "联系电话", "审核人", "负责人", "填报日期", "填表日期",
                      "填报单位")
FORM_FOOTER = re.compile("^(?:" + "|".join(FORM_FOOTER_LABELS) + r")(?:[(（][\u4e00-\u9fff]{1,6}[)）])?\s*[:：]")
# Caption rows atop a table's header: 附件2 / the title, maybe over two rows / its date line / 说明：… /
# 填报单位:… 填报时间:… / 单位：… (the readers' caption lines and the table stage's title rows alike)
MAX_CAPTION_ROWS = 6
# A line that is only an annex's label: 附件2, 附件二：, 附件2-1 (what Word writes into a saved page's <title>)
ANNEX_LABEL_LINE = re.compile(r"^附件\s*(?:\d+|[一二三四五六七八九十]+)?(?:\s*[-—－]\s*\d+)?\s*[:：]?$")
# The lines of a letterhead's or a signature's box (Word lays them out in a borderless table): the 文号
# (东政办秘〔2020〕64号), a full date (2020年8月14日, 二〇二〇年八月十四日), an office (…办公室, …文件), a seal note
DOC_NUMBER_LINE = re.compile(r"^[\u4e00-\u9fff]{1,12}\s*[〔\[【(（［﹝]\s*(?:19|20)\d{2}\s*[〕\]】)）］﹞]\s*(?:第\s*)?\d{1,5}\s*号$")
FULL_DATE_LINE = re.compile(r"^(?:\d{4}|[〇○零O0一二三四五六七八九]{4})\s*年\s*(?:\d{1,2}|[一二三四五六七八九十]{1,2})\s*月"
                            r"\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*日$")
SEAL_NOTE = re.compile(r"^[(（](?:盖章|印章|公章|章|签章|签字盖章|此件[^()（）]{1,12})[)）]$")
# The kind of document a heading names at its end (…任务分工表, …进度安排, …实施方案), maybe before a
# bracketed note ((2022年版)): a site's or office's name, or a column's, names none
DOCUMENT_KIND_END = re.compile(r"(?:表|清单|安排|方案|计划|目录|要点|任务|分工|台账|通知|意见|办法|细则|规划)"
                               r"(?:[(（][^()（）]{1,20}[)）])?$")
# How a table row starts when it is numbered: 3 / 3. / 3、 / (3) / 一、 / ① (a wrapped line does not)
ROW_START = re.compile(
    rf"^\s*(\d{{1,3}}\s*$|\d{{1,3}}\s*[.、．](?!\d)|[(（]\s*\d{{1,3}}\s*[)）]|[{CN_DIGITS}]+、|[{CIRCLED}])")


# --------------------------------------------------------------------------
# Check marks and boxes of symbol fonts
# --------------------------------------------------------------------------

# The marks a form or catalog is ticked with, as the symbol fonts draw them: font (lower case) -> code of the
# font's 8-bit table -> the common character the table stage reads (check marks, crosses, checked and empty
# boxes, filled and empty circles and squares; a shadowed box as □). Symbol's radical √ is the tick of many
# Chinese forms, its × the cross. extractors/docx_symbols.py reads Word's symbols and runs with them.
SYMBOL_MARKS: dict[str, dict[int, str]] = {
    "wingdings": {0x6C: "●", 0x6E: "■", 0x6F: "□", 0x70: "□", 0x71: "□", 0x72: "□", 0x78: "☒",
                  0xA1: "○", 0xA8: "□", 0xFB: "✗", 0xFC: "✓", 0xFD: "☒", 0xFE: "☑"},
    "wingdings 2": {0x4F: "✗", 0x50: "✓", 0x51: "☒", 0x52: "☑", 0x53: "☒", 0x54: "☒",
                    0x98: "●", 0x99: "○", 0xA2: "■", 0xA3: "□"},
    "webdings": {0x61: "✔", 0x63: "□", 0x67: "■", 0x6E: "●", 0x72: "✗"},
    "symbol": {0xB4: "×", 0xD6: "√"},
}
# Word, PDF text layers and LibreOffice also write a symbol font's code in the private-use area (0xF000 + code)
PRIVATE_USE_BASE = 0xF000
# Private-use character -> mark, for text whose font is lost (a PDF's, a converted file's): the font that sets
# the most catalogs (Wingdings, then Wingdings 2, Webdings, Symbol) decides a code more than one uses, so the
# fonts are laid in from the last, each overwriting the ones after it.
PRIVATE_USE_MARKS: dict[str, str] = {chr(PRIVATE_USE_BASE + code): mark
                                     for marks in reversed(SYMBOL_MARKS.values()) for code, mark in marks.items()}
