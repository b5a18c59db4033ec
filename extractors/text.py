"""TXT reader: text already pulled out of a notice, tables written with tabs or one cell per line.

Also home of what the HTML reader shares with it: decoding bytes whose
encoding is unknown or misdeclared, and reading a 索引号:/发布机构: block.
"""
from __future__ import annotations

import codecs
import csv
import io
import logging
import re
from functools import lru_cache
from typing import Optional

from extractors.base import Extractor, Limits, check_bytes
from extractors.detect import utf16_without_bom
from extractors.texttables import canon, find_text_tables, spaced_to_tabs
from pipeline.errors import EmptyDocument, UnreadableDocument
from pipeline.lexicon import NUMBER_CELL
from pipeline.model import RawDocument

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
# GB2312 and GBK pages routinely hold characters only GB18030 (their superset) has.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "hz": "gb18030", "big5": "big5hkscs"}
_SINGLE_BYTE = re.compile(r"^(latin_1|iso8859_\d+|cp125\d|ascii|mac_\w+|cp437)$")


def canonical_encoding(name: Optional[str]) -> Optional[str]:
    """The Python codec for a declared charset name, widened to its superset; None if unknown."""
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None
    codec = codec.replace("-", "_")
    if codec in ("utf_8", "utf_8_sig"):
        return "utf-8"
    return _SUPERSETS.get(codec, codec)


def decode_bytes(data: bytes, declared: Optional[str] = None) -> tuple[str, str]:
    """Decode bytes to text; returns (text, codec used).

    A BOM wins. A declared charset is tried strictly, but bytes that are valid
    UTF-8 are read as UTF-8 whatever the page claims (GBK text is practically
    never valid UTF-8, while GB18030 accepts much of UTF-8 as mojibake). Then
    UTF-8, then GB18030; failing all, the one of them (or the declared charset) that needs the fewest
    replacement characters.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(codec, errors="replace"), codec
    codec = utf16_without_bom(data)
    if codec is not None:   # as with a BOM: a broken pair further on is a replacement character
        return data.decode(codec, errors="replace"), codec
    declared = canonical_encoding(declared)
    if data.isascii():
        return data.decode("ascii"), "ascii"
    utf8 = _strict(data, "utf-8")
    if utf8 is not None:
        return utf8, "utf-8"
    if declared and declared != "utf-8" and not _SINGLE_BYTE.match(declared):
        text = _strict(data, declared)
        if text is not None:
            return text, declared
    text = _strict(data, "gb18030")
    if text is not None:
        if declared is None and _reads_better_as_big5(data, text):
            big5 = _strict(data, "big5hkscs")
            if big5 is not None:
                return big5, "big5hkscs"
        return text, "gb18030"
    if declared and declared != "utf-8":
        text = _strict(data, declared)
        if text is not None:
            return text, declared
    # a stray byte (a CMS cutting a summary in the middle of a character, a damaged copy) breaks every
    # strict decoding: the reading that needs the fewest replacement characters is the text's
    lenient = dict.fromkeys(c for c in (declared, "gb18030", "utf-8") if c and not _SINGLE_BYTE.match(c))
    return min(((data.decode(codec, errors="replace"), codec) for codec in lenient),
               key=lambda found: found[0].count("\ufffd"))


# Characters a notice is full of, in both scripts (的 一 是 … 县 局 办 and 為 這 會 國 發 …). Big5 bytes are
# valid GBK too (every Big5 lead and trail byte is a GBK one), so a Big5 text without a declared charset
# decodes as GB18030 without an error, into rare characters: the decoding that yields more of these wins.
_COMMON_CHARS = frozenset(
    "的一是在不了有和人这中大为上个国以要时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行"
    "学法所民得经之进着等部度家电力里如水化高自理起小物现实加量都两体制机当使点从业本去把性好应开合还因由其些然前外"
    "天政日社事平形相全表间样与关各重新内数正心明看原又利比或但质第向道此变条只没结解问意建月公无系很情者最立代想已"
    "通并提直题党程展果员位入常文总次品式活设及管特件长求基资级组见计别期根论运农指区强放决被做必先回则任取据处府县"
    "局务办镇乡街责单牵头完成限推落"
    "為這個們來說對開關於實經機體當從業會國時發與級組見計別運農區強決務辦鎮鄉責單頭進動產種學現裡還過麼點無間樣條結"
    "題黨員總設長資圖統論標準規範")
_SNIFF_BYTES = 4096
_BIG5_MARGIN = 2   # times as many common characters as the GB18030 reading has


def _reads_better_as_big5(data: bytes, gb_text: str) -> bool:
    """True when the start of undeclared bytes read as Big5 holds far more common characters than
    read as GB18030 (a traditional-character text saved in Big5)."""
    sample = data[:_SNIFF_BYTES]
    big5 = sample.decode("big5hkscs", errors="replace")
    if big5.count("\ufffd") > 2:
        return False   # GBK text: its bytes are seldom valid Big5 for long
    gb_score = sum(1 for ch in gb_text[:len(big5)] if ch in _COMMON_CHARS)
    big5_score = sum(1 for ch in big5 if ch in _COMMON_CHARS)
    return big5_score > _BIG5_MARGIN * gb_score + 4


def _strict(data: bytes, codec: str) -> Optional[str]:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def check_text(text: str) -> None:
    """Refuse decoded text that is really binary data."""
    sample = text[:8192]
    if sample and (sample.count("\x00") + sample.count("\ufffd")) > len(sample) // 10:
        raise UnreadableDocument("binary data, not text")


# --------------------------------------------------------------------------
# Metadata blocks (索引号: xxx 发布机构: yyy)
# --------------------------------------------------------------------------

# Labels of the 政务公开 metadata block, as canon() sees them.
META_LABELS = frozenset({
    "索引号", "主题分类", "发布机构", "生成日期", "文件编号", "有效性", "公开范围", "公开方式",
    "发文字号", "成文日期", "发布日期", "发文机关", "主题词", "体裁分类", "组配分类",
    "服务对象分类", "信息来源", "公开时限", "公文种类", "发文单位", "文号", "发布时间",
    "效力状况", "时效性", "信息分类", "公开形式", "所属主题", "信息索引号", "公开属性", "来源",
    # the issuer, date and number labels normalizers/metadata.py reads (a value ends where one begins)
    "发文日期", "印发日期", "签发日期", "制发机关", "成文单位", "印发机关", "发布单位", "发文编号", "文件字号",
})
_COLON = re.compile(r"[:：]")
_BAR = re.compile(r"[|｜]")
_WHITESPACE = re.compile(r"\s\s*")   # (\s+ spelled so that the engine skips to a space)
_MAX_META_LINE = 300
_MAX_META_VALUE = 80
# what may stand right before the first label of a line: space, bullet, bracket, bar
_LABEL_BOUNDARY = re.compile(r"[\s•·●▪■◆\-*|｜【\[(（:：;；,，。]")
_MAX_LABEL_CHARS = 16   # a glossed label such as 發(fā)布機構 is longer than it reads
# canon() keeps each ideograph as one character (a gloss holds none, NFKC maps none, OpenCC's t2s turns
# a character or phrase into as many characters, none a space), and each of these marks as a character no
# label holds (NFKC narrows the wide ones; no key of OpenCC's t2s holds a character below U+3400)
_NOT_IN_LABEL = r"0-9\-.,:;?!，、。：；？！"
_LONGEST_LABEL = max(map(len, META_LABELS))
# the end of a text, read backwards, up to a mark or to one ideograph more than the longest label holds
_LABEL_ROOM = re.compile(rf"(?:[^\u4e00-\u9fff{_NOT_IN_LABEL}]*[\u4e00-\u9fff]){{0,{_LONGEST_LABEL}}}"
                         rf"[^\u4e00-\u9fff{_NOT_IN_LABEL}]*")


def _label_before(text: str) -> Optional[str]:
    """The longest tail of text that is a metadata label, as written."""
    # a longer tail than the room left is no label, whatever canon() makes of the rest: not tried, as
    # each try costs an OpenCC call
    room = _LABEL_ROOM.match(text[-_MAX_LABEL_CHARS:][::-1]).end()
    for size in range(room, 1, -1):
        tail = text[-size:]
        if tail[0].isspace():
            continue
        if canon(tail) in META_LABELS:
            return tail
    return None


def meta_pairs(line: str) -> list[tuple[str, str]]:
    """(label as written, value) pairs on one line; empty values kept as ''.

    The first label must start the line or follow a space or mark (so prose
    such as 本文的文号：… is not read as a block); a value longer than a field
    value can be means the line is prose and yields nothing. A value ends at the
    next label, known or not (浏览次数：, 分　类：), and at a tool in brackets (【字体：…】).
    """
    if ":" not in line and "：" not in line:
        return []   # no label without its colon (most lines): told without a parse
    return list(_meta_parse(line)[0])


# A label of the furniture beside the block (浏览次数：802, 作者：…): ends a value even when
# written right after it with no space (县政府办浏览次数：802)
_FURNITURE_LABEL = re.compile(r"(?:(?:浏览|点击|阅读|访问)(?:次数|数|量|率)?|作者|责任编辑|编辑|字体|字号)[ \u3000\xa0]*$")
# Any other label of such a box: a short word of ideographs (maybe spaced out: 分　类) after a space,
# a mark or a letter or digit, never in the middle of a run of ideographs
_OTHER_LABEL = re.compile(r"(?<![\u4e00-\u9fff])(?:[\u4e00-\u9fff]{2,6}|[\u4e00-\u9fff](?:[ \u3000\xa0]+[\u4e00-\u9fff]){1,5})"
                          r"[ \u3000\xa0]*$")
# A tool of the page after a value (【字体：大 中 小】, [打印]); a bracketed year (【2021】5号) is the value's own
_TOOL_MARK = re.compile(r"[【\[](?!\s*\d)")
_VALUE_STRIP = " \t\u3000\xa0|｜;；,，"


def _other_label_start(text: str) -> Optional[int]:
    """Where a label that the block does not know begins at the end of text, if one does."""
    m = _OTHER_LABEL.search(text) or _FURNITURE_LABEL.search(text)
    return m.start() if m else None


# Cached: the reader asks for a block's lines twice (the metadata, then what is page furniture).
@lru_cache(maxsize=4096)
def _meta_parse(line: str) -> tuple[tuple[tuple[str, str], ...], int]:
    """The known labels' pairs of a line, and where the first of them starts."""
    if len(line) > _MAX_META_LINE or not _COLON.search(line):
        return (), 0
    found: list[tuple[int, int, Optional[str]]] = []   # (label start, value start, label; None: not the block's)
    floor = 0
    for m in _COLON.finditer(line):
        before = line[floor:m.start()].rstrip()
        label = _label_before(before)
        if not label:
            other = _other_label_start(before) if found else None
            if other is not None:
                found.append((floor + other, m.end(), None))
                floor = m.end()
            continue
        start = line.rindex(label, floor, m.start() + 1)
        if not found and start and (_LABEL_BOUNDARY.match(line[start - 1]) is None
                                    or any(ch.isdigit() for ch in line[:start])):
            continue   # prose, or a numbered definition list (1. 公开方式：指……)
        found.append((start, m.end(), label))
        floor = m.end()
    pairs = []
    for k, (_, value_start, label) in enumerate(found):
        value = line[value_start:found[k + 1][0] if k + 1 < len(found) else len(line)]
        tool = _TOOL_MARK.search(value)
        value = (value[:tool.start()] if tool else value).strip(_VALUE_STRIP)
        if len(value) > _MAX_META_VALUE or value.endswith(("。", ".")):
            return (), 0
        if label is not None:
            pairs.append((_WHITESPACE.sub("", label), value))
    return tuple(pairs), found[0][0] if found else 0


def meta_from_lines(lines: list[str]) -> dict[str, str]:
    """Metadata from label/value lines; a label alone on its line takes the next line's text."""
    meta: dict[str, str] = {}
    for k, line in enumerate(lines):
        pairs = meta_pairs(line)
        if pairs and not pairs[-1][1] and line.rstrip().endswith((":", "：")) and k + 1 < len(lines):
            following = lines[k + 1].strip()
            if following and not meta_pairs(following) and len(following) <= 100:
                pairs[-1] = (pairs[-1][0], following)
        for key, value in pairs:
            if value and key not in meta:
                meta[key] = value
    return meta


def is_meta_line(line: str) -> bool:
    """True when a line is made of metadata pairs (page furniture, not body text): little stands
    before its first label (from there on every part is a label's, known or not, or a tool's)."""
    if ":" not in line and "：" not in line:
        return False   # no label without its colon (most lines): told without a parse
    pairs, first = _meta_parse(line)
    return bool(pairs) and first <= max(8, len(line) // 3)


# --------------------------------------------------------------------------
# Page furniture in page dumps
# --------------------------------------------------------------------------

_CHROME_WORDS = re.compile(
    r"ICP备|公网安备|网站标识码|版权所有|主办[:：]|承办[:：]|技术支持[:：]|网站地图|联系我们|关于我们"
    r"|分享到|打印本页|关闭窗口|手机扫码|扫一扫|当前位置|您的位置|无障碍|关怀版|繁体|字号[:：]"
)
_BULLETS = "•·●▪◆"
_BULLET = re.compile(rf"^[{_BULLETS}]\s*\S{{1,6}}$")
_MAX_CHROME_LINE = 80


def is_chrome_line(line: str) -> bool:
    """True for a short line of site furniture (footer, share bar, nav bullet)."""
    text = line.strip()
    if not text or len(text) > _MAX_CHROME_LINE:
        return False
    if text[0] in _BULLETS and _BULLET.match(text):   # (a look at the first character rules out most lines)
        return True
    return bool(_CHROME_WORDS.search(canon(text)))


def is_link_farm(line: str) -> bool:
    """True for a line of many short '|'-separated names (injected link spam)."""
    if "|" not in line and "｜" not in line:
        return False   # a single part (most lines): told before the strip
    text = line.strip()
    if text.startswith(("|", "｜")):
        return False   # a markdown-style table row
    parts = [p.strip() for p in _BAR.split(text)]
    short = sum(1 for p in parts if 0 < len(p) <= 8)
    return len(parts) >= 6 and short >= 0.6 * len(parts)


# --------------------------------------------------------------------------
# Metadata boxes laid out as cells (<th>索引号</th><td>…</td>, <dt>/<dd>, tab-separated copies)
# --------------------------------------------------------------------------

# A label cell: a short word of ideographs (a known label, or 名称, 主办 …), maybe spaced out, maybe with its colon
_WORD_CELL = re.compile(r"^[\u4e00-\u9fff](?:\s*[\u4e00-\u9fff]){1,7}\s*[:：]?$")
# A cell that is a whole pair of a label the block does not know (主办：…, 网站标识码：…)
_WORD_PAIR = re.compile(r"^[\u4e00-\u9fff](?:\s*[\u4e00-\u9fff]){1,7}\s*[:：]\s*\S")


def box_label(text: str) -> Optional[str]:
    """The known label that a cell (or <dt>) holds and nothing else, its colon optional, keyed as meta_pairs
    keys it (索 引 号： -> 索引号); None for any other text."""
    text = text.strip().rstrip(":：").rstrip()
    if not text or len(text) > _MAX_LABEL_CHARS or canon(text) not in META_LABELS:
        return None
    return _WHITESPACE.sub("", text)


def cell_pairs(cells: list[str], colon: bool = False) -> Optional[list[tuple[str, str, bool]]]:
    """A row of a metadata box or footer as (label, value, label known) units: label cells each followed by
    their value cell, cells that hold whole label：value pairs, and pieces of site furniture (赣ICP备…, label
    ''); None for a row of anything else (a table row). With `colon`, a label cell must end with its colon
    (rows copied as text, where a table's header row is a row of bare words too)."""
    cells = [c.strip() for c in cells]
    units: list[tuple[str, str, bool]] = []
    i = 0
    while i < len(cells):
        cell = cells[i]
        label = _label_cell(cell, colon)
        if label is not None:
            value = cells[i + 1] if i + 1 < len(cells) else ""
            if _label_cell(value, True) is not None:
                value = ""   # a label with an empty value, the next label right after it
            elif not colon and box_label(value):
                return None   # two labels side by side: a header row
            else:
                i += 1
            known = box_label(cell) is not None
            if len(value) > (_MAX_META_VALUE if known else _MAX_META_LINE):   # (名称 or 标题 may hold a long title)
                return None
            units.append((label, value, known))
        elif is_meta_line(cell):
            units.extend((key, value, True) for key, value in meta_pairs(cell))
        elif _WORD_PAIR.match(cell) and len(cell) <= _MAX_META_VALUE:
            key, value = _COLON.split(cell, 1)
            units.append((_WHITESPACE.sub("", key), value.strip(), False))
        elif cell and _CHROME_WORDS.search(canon(cell)) and len(cell) <= _MAX_CHROME_LINE:
            units.append(("", cell, False))
        elif cell:
            return None
        i += 1
    return units or None


def _label_cell(cell: str, colon: bool) -> Optional[str]:
    """The label a label cell holds (as meta_pairs keys it), None for a cell of anything else."""
    if colon and not cell.endswith((":", "：")):
        return None
    known = box_label(cell)   # (a glossed label, 發(fā)布機構, is no plain word)
    if known or not _WORD_CELL.match(cell):
        return known
    return _WHITESPACE.sub("", cell.rstrip(":："))


_MIN_BOX_LABELS = 2   # known labels a box of cells holds at least (and at least half of its labels)
_MAX_BOX_HEADING = 30   # characters of a row of one cell in a box: a heading, or one more pair


def box_pairs(rows: list[list[str]]) -> Optional[list[tuple[str, str]]]:
    """The known label/value pairs of a metadata box laid out as rows of cells (label, value, label, value …);
    None when the rows are no such box. Rows of one cell (a heading, a 名称 row) are fewer than the others
    and short, or pairs themselves: a layout table that holds an info line and the article is no box."""
    pairs: list[tuple[str, str]] = []
    labels = wide = narrow = 0
    for row in rows:
        if not row:
            continue
        units = cell_pairs(row)
        if len(row) > 1:
            wide += 1
        else:
            narrow += 1
        if units is None:
            if len(row) > 1 or len(row[0]) > _MAX_BOX_HEADING:
                return None
            continue
        pairs.extend((label, value) for label, value, known in units if known)
        labels += sum(1 for label, _, _ in units if label)
    if narrow >= wide or len(pairs) < _MIN_BOX_LABELS or 2 * len(pairs) < labels:
        return None
    return pairs


def labelled_row(line: str) -> Optional[str]:
    """A tab-separated line that is the page's metadata box or footer copied as text (索 引 号：⇥…⇥主题分类：⇥…,
    主办：…⇥网站标识码：…⇥赣ICP备…) as one line of label：value pairs; None for a table row."""
    cells = line.split("\t")
    if NUMBER_CELL.match(cells[0].strip()):
        return None   # a numbered row (its 序号) is a table's: most rows of a text table, told at once
    if not _COLON.search(line) and not _CHROME_WORDS.search(canon(line)):
        return None   # no label and no furniture: one look at the line instead of one per cell
    units = cell_pairs(cells, colon=True)
    if not units:
        return None
    flat = "  ".join(f"{label}：{value}" if label else value for label, value, _ in units)
    return flat if any(known for _, _, known in units) or is_chrome_line(flat) else None


# --------------------------------------------------------------------------
# The reader
# --------------------------------------------------------------------------

# Inline markup that survives in text pulled out of rich documents (<u>条</u>).
_INLINE_TAG = re.compile(r"</?(?:u|b|i|em|strong|s|strike|del|ins|sup|sub|span|font|mark)\b[^<>]{0,200}>",
                         re.IGNORECASE)


_QUOTED_SPAN = 50   # physical lines one quoted cell may run over
# a cell quoted as CSV writes it: in quotes, its own quotes doubled ("编制""互联网+""目录")
_CSV_QUOTED = re.compile(r'^"(?:[^"]|"")*""(?:[^"]|"")*"$')


def join_quoted_cells(lines: list[str]) -> list[str]:
    """Tab-separated rows as Excel or WPS save them as text: a cell holding a line break is written in
    quotes over several lines ("县政府办公室、⏎县司法局"), and one holding quotes in quotes with its own
    doubled; each such row becomes one line again, its cells unquoted (a break stays inside the cell).
    Other rows are left exactly as written ("公开"平台 is text, not CSV quoting)."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if "\t" in line and '"' in line and any(cell.startswith('"') for cell in line.split("\t")) \
                and i + 1 < len(lines):
            reader = csv.reader(io.StringIO("\n".join(lines[i:i + _QUOTED_SPAN])), delimiter="\t", strict=True)
            try:
                cells = next(reader)
            except (csv.Error, StopIteration):   # a quote that is text, not CSV quoting
                cells = None
            if cells is not None and (reader.line_num > 1 or any(_CSV_QUOTED.match(c) for c in line.split("\t"))):
                out.append("\t".join(cells))
                i += reader.line_num
                continue
        out.append(line)
        i += 1
    return out


class TextExtractor(Extractor):
    """Reads .txt files: paragraphs, plus tables written as text."""
    format = "txt"

    def extract(self, data: bytes, limits: Limits = Limits()) -> RawDocument:
        """Read the bytes of a text file into a RawDocument."""
        check_bytes(data, limits)
        if not data.strip():   # blanks only: as empty as no bytes
            raise EmptyDocument("empty file")
        text, codec = decode_bytes(data)
        check_text(text)
        text = _INLINE_TAG.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
        text = text.replace("\x0c", "\n")   # form feeds between pages
        lines = join_quoted_cells(spaced_to_tabs(text.split("\n")))
        # the page's metadata box or footer copied with tabs between its pairs: label：value lines, not table rows
        lines = [(labelled_row(line) or line) if "\t" in line else line for line in lines]
        doc = RawDocument(format=self.format)
        log.debug("text decoded as %s", codec)
        meta_lines = [line for line in lines[:200] if "\t" not in line]
        doc.meta = meta_from_lines(meta_lines)
        chrome: list[str] = []
        kept: list[str] = []
        for line in lines:
            if "\t" in line:
                kept.append(line)
            elif is_link_farm(line):
                kept.append("")   # injected spam: dropped, not even chrome
            elif is_chrome_line(line) or is_meta_line(line):
                chrome.append(line.strip())
                kept.append("")
            else:
                kept.append(line)
        doc.blocks = find_text_tables(kept)
        doc.chrome_text = "\n".join(chrome)
        if not doc.blocks and not doc.meta:
            raise EmptyDocument("no text")
        return doc
