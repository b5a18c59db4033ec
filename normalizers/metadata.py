"""Title, 发文字号, 发文机关 and 成文日期 of a notice from its body paragraphs (SPEC.md documents).

The body decides; the page's own metadata block (索引号, 发布机构, 生成日期 …)
only fills the document number when the body has none, and the page or file
title only stands in for a body without a heading.  The publishing date of a
web page (生成日期, 发布日期) is not the 成文日期 and stays in ``meta``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Optional

from normalizers.text import cn_int, strip_glosses


@dataclass(slots=True)
class DocMeta:
    """What the notice says about itself; issue_date is ISO YYYY-MM-DD; fields: its label/value pairs."""
    title: Optional[str] = None
    doc_number: Optional[str] = None
    issuer: Optional[str] = None
    issue_date: Optional[str] = None
    fields: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------
# 发文字号
# --------------------------------------------------------------------------

_OPEN, _CLOSE = "〔[【(（［﹝", "〕]】)）］﹞"
_DOC_NUMBER = re.compile(
    rf"(?P<prefix>[\u4e00-\u9fff]{{1,12}}?)\s*[{re.escape(_OPEN)}]\s*(?P<year>(?:19|20)\d{{2}})\s*"
    rf"[{re.escape(_CLOSE)}]\s*(?:第\s*)?(?P<num>\d{{1,5}})\s*号"
)
# The document's own number stands on a line of its own, maybe labelled, bracketed or signed.
_OWN_NUMBER_LINE = re.compile(
    rf"^(?:(?:发文字号|文号|文件编号|发文编号)\s*[:：]?)?\s*[(（]?\s*(?P<number>{_DOC_NUMBER.pattern})\s*[)）]?"
    r"\s*(?:签发人\s*[:：]?\s*[\u4e00-\u9fff ]{0,12})?$"
)
_META_NUMBER_KEYS = ("文件编号", "发文字号", "文号", "发文编号", "文件字号")


def normalize_doc_number(text: str) -> Optional[str]:
    """The first 发文字号 in the text with its year in 〔〕: `东政办秘[2020]64号` → `东政办秘〔2020〕64号`."""
    m = _DOC_NUMBER.search(text or "")
    if not m:
        return None
    return f"{m.group('prefix')}〔{m.group('year')}〕{int(m.group('num'))}号"


def _own_doc_number(head: list[str]) -> Optional[str]:
    """A line of the head block that is nothing but a document number."""
    for line in head:
        m = _OWN_NUMBER_LINE.match(line)
        if m:
            return normalize_doc_number(m.group("number"))
    return None


# --------------------------------------------------------------------------
# Title
# --------------------------------------------------------------------------

# A heading names a kind of document at its end.
_GENRE = re.compile(
    r"(?:通知|通告|公告|意见|方案|决定|通报|报告|批复|函|办法|规定|细则|要点|计划|安排|规划|纲要|"
    r"目录|清单|模板|指引|指南|规则|条例|命令|决议|纪要|公报|总结|说明|答复|表|台账|分工|分解|任务)"
    r"(?:[(（][^()（）]{1,20}[)）])?$"
)
_ISSUING_WORD = re.compile(r"关于|印发|转发|批转")
# Sentence punctuation outside 《》 means a sentence, not a heading (、 and · are allowed).
_SENTENCE_PUNCT = re.compile(r"[,，。;；:：!！?？]")
_CITATION = re.compile(r"《[^《》]*》")
_CITATION_MARKS = re.compile(r"[《》]")
_NUMBERED = re.compile(r"^(?:[一二三四五六七八九十]+[、.]|[(（][一二三四五六七八九十\d]+[)）]|\d+[.、．)]|第[一二三四五六七八九十\d]+[条章节])")
_ANNEX_LABEL = re.compile(r"^附件\s*\d*\s*[:：]?\s*")
_ANNEX_LISTING = re.compile(r"^附件\s*\d*\s*[:：]\s*\S")
_SENTENCE_END = re.compile(r"[。:：;；]$")
_NOTE_LINE = re.compile(r"^[(（][^()（）]*[)）]$")
_TITLE_LINES = 4          # a title is broken over at most this many lines
_HEAD_PARAGRAPHS = 30     # the title is looked for among the first paragraphs only
_MIN_HEADING = 8          # a heading without 关于/印发 is at least this long
_MIN_OPENING = 6          # the first line of a title broken over lines is at least this long


def _heading_like(line: str) -> bool:
    """Short, unnumbered, not a document number or a date (maybe signed), no sentence punctuation outside
    citations. A signature block above an annex's heading (太和县人民政府办公室 / 2021年3月15日 /
    太和县2021年政务公开工作要点) is no title broken over lines."""
    if not 2 <= len(line) <= 120 or _NUMBERED.match(line) or _OWN_NUMBER_LINE.match(line) \
            or _DATE_LINE.match(line) or _NUMERIC_DATE_LINE.match(line):
        return False
    return not _SENTENCE_PUNCT.search(_CITATION.sub("", line))


def _is_title(text: str) -> bool:
    """A whole title: ends with a document kind; without 关于/印发 it must be a real heading's length."""
    if not _heading_like(text) or not _GENRE.search(text):
        return False
    return bool(_ISSUING_WORD.search(text)) or len(text) >= _MIN_HEADING


def _title_at(paragraphs: list[str], i: int) -> Optional[tuple[str, int]]:
    """The title starting at paragraph i (joined over up to four lines), and the index after it."""
    if i > 0 and _ANNEX_LISTING.match(paragraphs[i]) and _SENTENCE_END.search(paragraphs[i - 1]):
        return None   # 附件：X under a letter's last sentence lists the annex; X is its heading further on
    first = _ANNEX_LABEL.sub("", paragraphs[i])
    # a note in brackets, (此件公开发布), opens no title; inside one it may stand: …政务公开 / (2021—2023年) / 三年行动计划
    if not first or not _heading_like(first) or _NOTE_LINE.match(first):
        return None
    text = first
    for j in range(i + 1, min(i + _TITLE_LINES, len(paragraphs)) + 1):
        if _is_title(text):
            return text, j
        # only a real opening is continued (not 首页 > 信息公开 > …), never into a title of its own,
        # except the issuing office(s) above 关于…的通知 (X县人民政府办公室 / 关于印发…的通知)
        if j >= len(paragraphs) or len(first) < _MIN_OPENING \
                or not (_continues(paragraphs[j]) or _issued_under(text, paragraphs[j])):
            return None
        # a pinyin gloss cut off at the line start belongs to the last character before it
        text = strip_glosses(text + paragraphs[j])
    return None


def _issued_under(offices: str, line: str) -> bool:
    """True when `line` is a formal title that opens with its issuing word (关于…的通知) and the lines
    before it name offices only: the title was broken after its issuer."""
    return bool(_ORG_LINE.match(offices)) and _ISSUING_WORD.match(line) is not None and _is_title(line)


def _continues(line: str) -> bool:
    """A line that can carry on a broken title: short, heading-like, not a formal title (关于…的通知) itself."""
    complete = _is_title(line) and bool(_ISSUING_WORD.search(line))
    return len(line) <= 40 and _heading_like(line) and not complete


def _clean_hint(hint: Optional[str]) -> Optional[str]:
    """The page/file title without the site name after `_`, `-` or `|`."""
    if not hint:
        return None
    parts = re.split(r"\s*[_|｜]\s*|\s+[-—–]+\s+|-{1,2}(?=[^-]*$)", hint)
    for part in [hint] + parts:   # the whole first: 2020-2022年…规划 has a hyphen of its own
        part = _ANNEX_LABEL.sub("", part.strip())   # 附件1 above a workbook's title, in its cell
        if part and _is_title(part):
            return part
    return None


def _find_title(paragraphs: list[str], hint: Optional[str], meta: dict[str, str]) -> tuple[Optional[str], int]:
    """The first formal heading (关于/印发 …) among the head paragraphs, else the first heading, else the
    page title; and the index after it. A site's short headline often stands above the notice's own title."""
    headings = []   # (title, index after it, index of its first line)
    for i in range(min(len(paragraphs), _HEAD_PARAGRAPHS)):
        found = _title_at(paragraphs, i)
        if found:
            headings.append((*found, i))
    formal = [h for h in headings if _ISSUING_WORD.search(h[0])]
    if formal:
        return formal[0][:2]
    if headings:
        title, after, first = headings[0]
        if _issues(hint, title) and any(_signed_date(line) for line in paragraphs[:first]):
            # many sites print the notice's title in a block above the article, which holds the letter,
            # its signature and date, then the annex's own heading: X under 关于印发X的通知
            return _clean_hint(hint), 0
        return title, after
    for candidate in (hint, meta.get("标题"), meta.get("ArticleTitle")):
        cleaned = _clean_hint(candidate)
        if cleaned:
            return cleaned, 0
    return None, 0


def _issues(hint: Optional[str], heading: str) -> bool:
    """True when the page or file title is a formal title (关于/印发 …) that names this heading."""
    cleaned = _clean_hint(hint)
    named = _CITATION_MARKS.sub("", heading)
    return bool(cleaned and _ISSUING_WORD.search(cleaned) and len(named) >= _MIN_HEADING
                and named in _CITATION_MARKS.sub("", cleaned))


def _signed_date(line: str) -> bool:
    """A line that is only a date, maybe after the signing office (a letter's end)."""
    m = _date_line(line)
    return bool(m and parse_date(m))


def _date_line(line: str) -> Optional[re.Match]:
    """The match of a line that is only a date, maybe after the signing office and its seal, maybe before a
    (此件公开发布) note."""
    return _DATE_LINE.match(_SEAL.sub("", _PUBLISH_NOTE.sub("", line)))


# --------------------------------------------------------------------------
# 成文日期 and 发文机关
# --------------------------------------------------------------------------

_DATE = (r"(?P<y>\d{4}|[〇○零O0一二三四五六七八九]{4})\s*年\s*(?P<m>\d{1,2}|[一二三四五六七八九十]{1,2})\s*月"
         r"\s*(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})\s*日")
_ORG_SUFFIX = (r"(?:人民政府|政府|办公室|办公厅|委员会|管委会|委|局|厅|部|署|办|中心|院|会|组|处|所|站|队|社"
               r"|街道办事处|街道|乡|镇)")
_DATE_LINE = re.compile(rf"^(?P<org>[\u4e00-\u9fff()（）]{{2,40}}?{_ORG_SUFFIX})?\s*[(（]?\s*{_DATE}\s*[)）]?$")
_ORG_LINE = re.compile(rf"^[\u4e00-\u9fff()（）]{{2,40}}{_ORG_SUFFIX}$")
# (此件公开发布), (此件主动公开) … : how the notice is published, written after its date
_PUBLISH_NOTE = re.compile(r"\s*[(（]\s*此件[^()（）]{1,12}[)）]\s*$")
# 东至县人民政府办公室文件: the 红头 line, the issuing office above the 文号
_RED_HEAD = re.compile(rf"^(?P<org>[\u4e00-\u9fff()（）]{{2,40}}?{_ORG_SUFFIX})\s*文件$")
# (盖章), (印章): the seal printed beside a signing office
_SEAL = re.compile(r"\s*[(（](?:盖章|印章|公章|章|签章|签字盖章)[)）]\s*")
_NUMERIC = r"(?P<y>(?:19|20)\d{2})\s*(?P<sep>[-./])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*(?P<d>\d{1,2})"
_NUMERIC_DATE_LINE = re.compile(rf"^{_NUMERIC}$")
_TITLE_ISSUER = re.compile(rf"^(?P<org>[^《》]+?{_ORG_SUFFIX})(?:关于|印发|转发|批转)")


def parse_date(m: re.Match) -> Optional[str]:
    """ISO date from a match of the date pattern, or None when it is no real date."""
    parts = [cn_int(m.group(k)) for k in ("y", "m", "d")]
    if None in parts:
        return None
    try:
        return date(*parts).isoformat()
    except ValueError:
        return None


def _find_issue_date(paragraphs: list[str], start: int) -> tuple[Optional[str], int, Optional[str]]:
    """The first line after the title that is only a date (maybe after the signing office, maybe before a
    (此件公开发布) note on the same line)."""
    for i in range(start, len(paragraphs)):
        m = _date_line(paragraphs[i])
        if m:
            iso = parse_date(m)
            if iso:
                return iso, i, m.group("org")
        # 2020.7.10 / 2020-07-10 counts only under a signing office: alone it is a web page's posting date
        m = _NUMERIC_DATE_LINE.match(paragraphs[i])
        if m and i > start and _ORG_LINE.match(_SEAL.sub("", paragraphs[i - 1])):
            iso = _numeric_date(m)
            if iso:
                return iso, i, None
    return None, -1, None


def _numeric_date(m: re.Match) -> Optional[str]:
    """ISO date from a match of 2020-07-10 / 2020.7.10 / 2020/7/10, None when it is no real date."""
    try:
        return date(int(m.group("y")), int(m.group("m")), int(m.group("d"))).isoformat()
    except ValueError:
        return None


def _issuer_from_title(title: Optional[str]) -> Optional[str]:
    """`东至县人民政府办公室关于印发…` → 东至县人民政府办公室."""
    m = _TITLE_ISSUER.match(title or "")
    return m.group("org") if m else None


def _red_head_issuer(paragraphs: list[str]) -> Optional[str]:
    """The office of the 红头 line (东至县人民政府办公室文件) that stands right above the notice's own 文号."""
    number = next((i for i, line in enumerate(paragraphs[:_HEAD_LINES]) if _OWN_NUMBER_LINE.match(line)), None)
    if number is None:
        return None
    for line in reversed(paragraphs[max(0, number - 2):number]):
        m = _RED_HEAD.match(line)
        if m and not _ISSUING_WORD.search(m.group("org")) and not line.startswith(("根据", "按照", "依据")):
            return m.group("org")
    return None


# an office named by its level alone (市政府办公室, 县委办): the title's short form of the signed name
_ABBREVIATED = re.compile(r"^[省市州盟县区旗](?:人民)?(?:政府|委)")


def _spells_out(signed: str, titled: str) -> bool:
    """True when the signed name(s) are the title's issuer written out: the joint offices run together
    in the title (中共X县委办公室X县人民政府办公室), or the place left out of it (宿迁市人民政府办公室 for
    市政府办公室)."""
    joined = signed.replace("、", "")
    if joined == titled:
        return True
    return bool(_ABBREVIATED.match(titled)) and "、" not in signed \
        and signed.replace("人民政府", "政府").endswith(titled.replace("人民政府", "政府")) and len(signed) > len(titled)


def _issuer_from_signature(paragraphs: list[str], date_index: int) -> Optional[str]:
    """The office(s) signed on the lines just above the date."""
    names: list[str] = []
    for i in range(date_index - 1, max(date_index - 3, -1), -1):
        line = _SEAL.sub("", paragraphs[i])
        if not _ORG_LINE.match(line):
            break
        if line not in names:   # the office written again above the date (a page break between)
            names.insert(0, line)
    return "、".join(names) or None


def extract_metadata(paragraphs: list[str], meta: dict[str, str], title_hint: Optional[str] = None) -> DocMeta:
    """Title, document number, issuer and issue date from the body paragraphs (meta and hint as fallbacks)."""
    paras = [p.strip() for p in paragraphs if p and p.strip()]
    fields = document_fields(paras, meta)
    title, after_title = _find_title(paras, title_hint, fields)
    head = paras[: max(after_title, 0) + 3] if title else paras[:8]
    doc_number = _own_doc_number(head)
    if doc_number is None:
        doc_number = next((n for n in (normalize_doc_number(fields.get(k, "")) for k in _META_NUMBER_KEYS) if n), None)
    issue_date, date_index, signer = _find_issue_date(paras, after_title)
    if signer is None and date_index > 0:
        signer = _issuer_from_signature(paras, date_index)
    issuer = _issuer_from_title(title)
    if issuer and signer and signer != issuer and not _spells_out(signer, issuer) \
            and issuer in paras[:max(after_title, 0)]:
        # an office on a line of its own above 关于…的通知 that another office signed: the site's name
        # line of a page copy (沂水县人民政府 over the 办公室's notice), not the start of the title
        title, issuer = title[len(issuer):], None
    if issuer is None or (signer and _spells_out(signer, issuer)):
        issuer = signer or issuer
    if issuer is None:   # the 红头 line names the office when neither the title nor a signature does
        issuer = _red_head_issuer(paras)
    elif _ABBREVIATED.match(issuer):   # 市政府办公室关于…: the 红头 may spell the place out
        red_head = _red_head_issuer(paras)
        issuer = red_head if red_head and _spells_out(red_head, issuer) else issuer
    # the body decides; what the labels state stands in when it says nothing
    issuer = issuer or labelled_issuer(fields)
    issue_date = issue_date or labelled_issue_date(fields)
    return DocMeta(title, doc_number, issuer, issue_date, fields)


# --------------------------------------------------------------------------
# Labelled fields: 发布机构: … 发文日期: … printed on the page, or a web page's block
# --------------------------------------------------------------------------

# in order of authority: who issued the document, then who published or filed it
_ISSUER_LABELS = ("发文机关", "发文单位", "制发机关", "成文单位", "印发机关", "发布机构", "发布单位",
                  "填报单位", "报送单位", "编制单位")
# the date a document was made; 发布日期/生成日期 (when a site posted it) is not its 成文日期
_DATE_LABELS = ("成文日期", "发文日期", "印发日期", "签发日期", "填报日期", "报送日期", "编制日期")
_OTHER_LABELS = ("索引号", "主题分类", "发布日期", "发布时间", "生成日期", "发文字号", "文件编号", "文号",
                 "有效性", "公开方式", "公开范围", "信息来源", "主题词", "体裁分类", "组配分类")
_LABEL = re.compile(
    "(%s)\\s*[:：]\\s*" % "|".join(sorted(_ISSUER_LABELS + _DATE_LABELS + _OTHER_LABELS, key=len, reverse=True))
)
_HEAD_LINES = 15   # label lines stand above the title or right below it
_TAIL_LINES = 8    # or at the end, as a report's 填报单位 / 填报日期
_MAX_VALUE = 60


def _pairs(text: str) -> list[tuple[str, str]]:
    """(label, value) pairs of a text that starts with a known label; [] for anything else."""
    found = list(_LABEL.finditer(text))
    if not found or found[0].start() != 0:
        return []
    pairs = []
    for k, m in enumerate(found):
        end = found[k + 1].start() if k + 1 < len(found) else len(text)
        value = text[m.end():end].strip(" |｜;；,，")
        if len(value) > _MAX_VALUE:
            return []   # prose that opens with a label word
        pairs.append((m.group(1), value))
    return pairs


def document_fields(paragraphs: list[str], meta: dict[str, str]) -> dict[str, str]:
    """The page's metadata block, plus label/value lines printed at the top or end of the text.

    A value that runs into another label (``东至县人民政府办公室发文日期:2020年8月3日``,
    two pairs on one line whose spacing normalisation removed) is split there.
    """
    fields: dict[str, str] = {}
    for key, value in meta.items():
        pairs = _pairs(f"{key}:{value}") if _LABEL.search(value) else []
        for k, v in pairs or [(key, value)]:
            if v:
                fields.setdefault(k, v)
    lines = paragraphs[:_HEAD_LINES] + paragraphs[max(_HEAD_LINES, len(paragraphs) - _TAIL_LINES):]
    for line in lines:
        for k, v in _pairs(line):
            if v:
                fields.setdefault(k, v)
    return fields


def labelled_issuer(fields: dict[str, str]) -> Optional[str]:
    """The issuing office a label names (发文机关 before 发布机构), if it looks like an office."""
    for label in _ISSUER_LABELS:
        value = _SEAL.sub("", fields.get(label, ""))
        if _ORG_LINE.match(value):
            return value
    return None


def labelled_issue_date(fields: dict[str, str]) -> Optional[str]:
    """The ISO date a 成文日期/发文日期 label gives, if it is a real date."""
    for label in _DATE_LABELS:
        value = fields.get(label, "")
        m = re.fullmatch(_DATE, value) or re.fullmatch(_NUMERIC, value)
        if m:
            iso = parse_date(m) if "年" in value else _numeric_date(m)
            if iso:
                return iso
    return None
