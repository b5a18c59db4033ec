"""HTML reader: the article of a government web page, its tables and its metadata block.

The page is decoded (declared charset checked against the bytes), parsed with
BeautifulSoup + lxml (no DTD, so no external entity is ever resolved), and
split into three parts:

* hidden elements (display:none, off-screen, tiny fonts, CSS-hidden classes):
  dropped entirely; injected link spam lives there;
* the article container (the content/article/zoom/TRS_Editor… element with the
  most text, or the densest block when no such element exists): its paragraphs
  and tables become the blocks;
* everything else (tool bar, nav, breadcrumb, metadata block, share bar,
  footer, <meta> values): ``chrome_text``, region evidence only. A metadata
  box laid out as cells (<th>索引号</th><td>…</td>, <dt>/<dd>, labels with or
  without their colon) is read into ``meta`` from its cells, and is chrome even
  when it stands inside the article (never a table of the blocks).

The headline is the first <h1> outside the article that is not a column's or
the site's name (通知公告, 信息公开目录); such a name gives way to a formal
<title> (关于印发…的通知).

Tables: rowspan/colspan are laid out with ``build_grid`` (bad values clamped).
A table with a single column is a layout wrapper: its cells are read as
paragraphs and any table inside them is emitted as a table of its own; so is a
small table whose only filled cell holds a table (a spacer column beside it). A table
nested in a cell of a real table goes into that cell's text, one line per row.
"""
from __future__ import annotations

import html as htmllib
import importlib.util
import logging
import re
import sys
import threading
import types
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional, Union


class _RunsOnFirstUse(types.ModuleType):
    """A module whose code runs when one of its attributes is first read. Reading __spec__ does not
    count: every `import` statement of it does that (importlib.util.LazyLoader's modules load then).

    The first reader runs the code under a lock and only then makes it an ordinary module: a thread
    that reads an attribute meanwhile waits for the whole module, never sees it half run.
    """

    def __getattribute__(self, name: str) -> object:
        if name == "__spec__":
            return types.ModuleType.__getattribute__(self, name)
        with _FIRST_USE:   # re-entrant: the module's own code reads its attributes while it runs
            if type(self) is _RunsOnFirstUse and not _RUNNING:
                _RUNNING.append(self)
                try:
                    self.__spec__.loader.exec_module(self)
                except BaseException:
                    sys.modules.pop(self.__name__, None)   # as a failed import leaves it: absent
                    raise
                finally:
                    _RUNNING.clear()
                self.__class__ = types.ModuleType   # an ordinary module from here on
        return types.ModuleType.__getattribute__(self, name)


_FIRST_USE = threading.RLock()
_RUNNING: list = []   # the module whose code is running (set only by the thread that holds _FIRST_USE)


def _lazy_soupsieve() -> None:
    """Register soupsieve as a module that runs on first use: bs4 imports it at start-up, and compiling
    its selector grammar is two thirds of `import bs4`, but only .select() needs it (the reader never calls it)."""
    if "soupsieve" in sys.modules or "bs4" in sys.modules:
        return   # imported already: nothing left to spare
    spec = importlib.util.find_spec("soupsieve")
    if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
        return   # not installed (bs4 goes without CSS selectors, as it would anyway), or loaded some odd way
    module = importlib.util.module_from_spec(spec)
    module.__class__ = _RunsOnFirstUse
    sys.modules["soupsieve"] = module


_lazy_soupsieve()

from bs4 import BeautifulSoup, NavigableString, Tag  # noqa: E402  (soupsieve registered lazily first)
from bs4.element import PreformattedString  # noqa: E402

from extractors.base import Extractor, Limits, check_bytes
from extractors.captions import with_caption_lines
from extractors.text import box_pairs, canonical_encoding, check_text, decode_bytes, is_meta_line, meta_from_lines
from extractors.texttables import is_header_word, stream_blocks
from pipeline.errors import EmptyDocument
from pipeline.lexicon import ANNEX_LABEL_LINE, DOCUMENT_KIND_END
from pipeline.model import Block, Paragraph, RawDocument, Table, build_grid

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------
# Bytes to markup
# --------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]{0,300}?charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9_.\-]+)""", re.I)
_XML_DECL = re.compile(r"<\?xml[^>]*\?>", re.I)
# A DOCTYPE with an internal subset, and any stray entity declaration: never
# handed to a parser (XXE); lxml's HTML parser ignores them anyway.
_DOCTYPE = re.compile(r"<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>", re.I | re.S)
_ENTITY_DECL = re.compile(r"<!ENTITY[^>]*>", re.I)


def declared_charset(data: bytes) -> Optional[str]:
    """The charset a page declares (meta charset, http-equiv or XML declaration)."""
    head = data[:8192]
    m = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return m.group(1).decode("ascii", "replace") if m else None


# Nesting deeper than this is flattened before parsing: real pages stay far
# below it, and the tree walks (and BeautifulSoup) stay cheap.
MAX_DEPTH = 400
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:\-]*)[^<>]*>")
# the same tags, split into the parts that say whether one counts (see _counts)
_TAG_PARTS = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:\-]*)[^<>]*?(/?)>")
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
# Elements whose end tag may be left out: the parser closes them itself, so
# they do not build depth and must not be counted.
_OPTIONAL_END = frozenset("p li dt dd tr td th thead tbody tfoot option optgroup rt rp colgroup "
                          "caption head body html".split())
_UNCOUNTED = _VOID | _OPTIONAL_END


def _counts(m: re.Match) -> bool:
    name = m.group(2).lower()
    return name not in _VOID and name not in _OPTIONAL_END and not m.group(0).endswith("/>")


def max_depth(markup: str, stop: int = 0) -> int:
    """Nesting depth estimated from the tag stream (stops early once `stop` is exceeded)."""
    depth = deepest = 0
    # the tags as (slash, name, self-closing slash) tuples: lighter than a match object per tag
    for closing, name, self_closing in _TAG_PARTS.findall(markup):
        if self_closing or name.lower() in _UNCOUNTED:
            continue
        if closing:
            depth -= 1 if depth else 0
        else:
            depth += 1
            if depth > deepest:
                deepest = depth
                if stop and deepest > stop:
                    break
    return deepest


_TAG_START = re.compile(r"<([A-Za-z][A-Za-z0-9:\-]*)")


def depth_bound(markup: str) -> int:
    """An upper bound of max_depth(markup): how many start tags could count. Names are gathered by
    one regex and counted in C, several times cheaper than the depth walk that most pages need not take."""
    counts = Counter(_TAG_START.findall(markup))
    return sum(n for name, n in counts.items() if name.lower() not in _UNCOUNTED)


def flatten_deep(markup: str, limit: int = MAX_DEPTH) -> str:
    """Drop the tags nested deeper than `limit` (their text stays, in the ancestor at the limit)."""
    if depth_bound(markup) <= limit or max_depth(markup, limit) <= limit:
        return markup
    pieces: list[str] = []
    pos = depth = 0
    for m in _TAG.finditer(markup):
        if not _counts(m):
            continue
        if m.group(1):
            drop = depth > limit
            depth = max(0, depth - 1)
        else:
            depth += 1
            drop = depth > limit
        if drop:
            pieces.append(markup[pos:m.start()])
            pieces.append(" ")
            pos = m.end()
    pieces.append(markup[pos:])
    return "".join(pieces)


def prepare_markup(text: str) -> str:
    """Markup safe to parse: no XML/DOCTYPE/ENTITY declarations, nesting bounded."""
    text = _XML_DECL.sub("", text[:4096]) + text[4096:]
    text = _DOCTYPE.sub("", text)
    text = _ENTITY_DECL.sub("", text)
    return flatten_deep(text)


# --------------------------------------------------------------------------
# Walking the tree into lines (iterative: pages can be deep)
# --------------------------------------------------------------------------

_BLOCK = frozenset(
    "address article aside blockquote body center dd details dialog dir div dl dt fieldset "
    "figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html li main menu nav "
    "ol p pre section summary table tbody thead tfoot tr ul caption legend".split())
_SKIP_TAGS = frozenset(
    "script style noscript template head title iframe object embed svg canvas select button "
    "input textarea map audio video math".split())
_SPACES = re.compile(r"[ \t\n\r\f\v][ \t\n\r\f\v]*")   # ([…]+ spelled so that the engine skips to a space)
# Elements _enter treats specially; any other one just passes its children on
_SPECIAL = _BLOCK | {"br", "pre", "table", "td", "th"}
# The blocks whose only effect is a line's end before and after them (most elements of an article: <p>);
# the walk handles them itself, without a call of _enter
_PLAIN_BLOCK = _BLOCK - {"pre", "table"}

Unit = Union[str, Table]


def clean_line(raw: str) -> str:
    """HTML whitespace rendering of one line: runs collapse, &nbsp; becomes a space."""
    return _SPACES.sub(" ", raw).replace("\xa0", " ").strip(" ")


class _Lines:
    """Collects rendered lines; a block edge ends a line that has content, <br> always does."""
    __slots__ = ("out", "buf", "filled")

    def __init__(self) -> None:
        self.out: list[Unit] = []
        self.buf: list[str] = []
        self.filled = 0   # non-empty lines so far

    def block_edge(self) -> None:
        """End the current line if it holds anything but plain whitespace."""
        if not self.buf:   # nothing since the last edge (a block's start right after another's end)
            return
        raw = "".join(self.buf)
        if raw.strip(" \t\n\r\f\v"):   # a line of &nbsp; is an (empty) line
            self._add(clean_line(raw))
        self.buf = []

    def line_break(self) -> None:
        """End the current line, even an empty one (<br>)."""
        self._add(clean_line("".join(self.buf)))
        self.buf = []

    def _add(self, line: str) -> None:
        self.out.append(line)
        self.filled += 1 if line else 0


@dataclass(slots=True)
class _Walk:
    """What a walk skips and how it treats tables."""
    skip: set[int]
    tables_as_blocks: bool = False   # body: tables become Table units
    limit: int = 0                   # stop after this many non-empty lines (0: no limit)


# Pushed after an element's children: leaving it ends a line (a marker, not a (node, leaving) pair per node)
_EDGE = object()


def walk(root: Tag, how: _Walk) -> list[Unit]:
    """Render a subtree into lines (and Tables when how.tables_as_blocks)."""
    lines = _Lines()
    limit, skip = how.limit, how.skip
    stack: list = [root]
    while stack and not (limit and lines.filled >= limit):
        node = stack.pop()
        if node is _EDGE:
            lines.block_edge()
            continue
        kind = type(node)
        if kind is NavigableString:   # the exact types first: most nodes are plain text or a plain Tag
            lines.buf.append(node)   # a str already: joined into plain str lines
            continue
        if kind is not Tag:
            if isinstance(node, NavigableString):
                if not isinstance(node, PreformattedString):
                    lines.buf.append(node)
                continue
            if not isinstance(node, Tag):
                continue
        name = node.name
        if id(node) in skip or name in _SKIP_TAGS:
            continue
        if name in _PLAIN_BLOCK:   # what _enter does for these
            lines.block_edge()
            stack.append(_EDGE)
            stack.extend(reversed(node.contents))
        elif name in _SPECIAL:
            _enter(node, root, how, lines, stack)
        else:   # an inline element (span, strong, a …): only its children count
            stack.extend(reversed(node.contents))
    if not (limit and lines.filled >= limit):
        lines.block_edge()
    return lines.out


def _enter(node: Tag, root: Tag, how: _Walk, lines: _Lines, stack: list) -> None:
    name = node.name
    if name == "br":
        lines.line_break()
        return
    if name == "pre":
        lines.block_edge()
        for text in node.get_text().split("\n"):
            lines.buf.append(text)
            lines.line_break()
        return
    if name == "table" and node is not root and how.tables_as_blocks:
        units = table_units(node, how.skip)
        if units is not None:
            lines.block_edge()
            lines.out.extend(units)
            return
    if name in ("td", "th"):
        if how.tables_as_blocks:   # a cell of a layout table: its own paragraph
            lines.block_edge()
            stack.append(_EDGE)
        else:
            lines.buf.append(" ")
    elif name in _BLOCK:
        lines.block_edge()
        stack.append(_EDGE)
    stack.extend(reversed(node.contents))


def text_lines(root: Tag, skip: set[int], limit: int = 0) -> list[str]:
    """The non-empty lines of a subtree (the first `limit` of them when given); tables flattened, one line per row."""
    lines = [u for u in walk(root, _Walk(skip, limit=limit)) if isinstance(u, str) and u]
    return lines[:limit] if limit else lines


# --------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------

_INT = re.compile(r"\s*\+?(\d+)")
MAX_ROWSPAN = 65534   # HTML's own limits
MAX_COLSPAN = 1000


def span_value(value: object, rowspan: bool) -> int:
    """A rowspan/colspan attribute as a sane integer (garbage -> 1, 0 rows -> to the end)."""
    m = _INT.match(value) if isinstance(value, str) else None
    if not m:
        return 1
    n = int(m.group(1)[:6])
    if n == 0:
        return MAX_ROWSPAN if rowspan else 1
    return min(n, MAX_ROWSPAN if rowspan else MAX_COLSPAN)


def _spans(attrs: dict, widest: int) -> tuple[int, int]:
    """A cell's (rowspan, colspan), the colspan at most the table's width; most cells state neither."""
    rowspan, colspan = attrs.get("rowspan"), attrs.get("colspan")
    return (1 if rowspan is None else span_value(rowspan, True),
            1 if colspan is None else min(span_value(colspan, False), widest))


def table_rows(table: Tag, skip: set[int]) -> list[list[Tag]]:
    """The table's own rows (not those of nested tables) as lists of td/th."""
    rows: list[list[Tag]] = []
    for child in table.children:
        if not isinstance(child, Tag) or id(child) in skip:
            continue
        trs = [child] if child.name == "tr" else (
            [t for t in child.children if isinstance(t, Tag) and t.name == "tr"]
            if child.name in ("thead", "tbody", "tfoot") else [])
        for tr in trs:
            if id(tr) not in skip:
                rows.append([c for c in tr.children
                             if isinstance(c, Tag) and c.name in ("td", "th") and id(c) not in skip])
    return rows


def cell_text(cell: Tag, skip: set[int]) -> str:
    """A cell's text: <p>/<br>/<div> become line breaks; a nested table one line per row."""
    plain = _plain_cell_text(cell, skip)
    if plain is not None:
        return plain
    lines = [u for u in walk(cell, _Walk(skip)) if isinstance(u, str)]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def _plain_cell_text(cell: Tag, skip: set[int]) -> Optional[str]:
    """What the walk makes of a cell of text and inline elements, wrapped in at most one <p> or
    <div> (most cells are), read without the walk; None for any other cell."""
    if cell.name not in ("td", "th") or id(cell) in skip:
        return None
    kids = cell.contents
    if len(kids) > 1:   # a lone child needs no filter: only a <p>/<div> passes the test below, and a Tag is never left out
        kids = [c for c in kids if not _adds_nothing(c)]
    root, raw = cell, [" "]   # the walk puts a space before a cell's text
    if len(kids) == 1 and isinstance(kids[0], Tag) and kids[0].name in ("p", "div") and id(kids[0]) not in skip:
        # the block's start ends a line of only that space and blank text, so they are dropped
        root, raw = kids[0], []
    only = root.contents[0] if len(root.contents) == 1 else None
    if type(only) is NavigableString:
        # one run of text (most cells): the space in front, if any, is gone once the line is cleaned
        return clean_line(only) if only.strip(" \t\n\r\f\v") else ""
    # the descendants in document order, by hand: lighter than bs4's generator on every cell
    stack = root.contents[::-1]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is NavigableString:
            raw.append(node)
        elif kind is Tag or isinstance(node, Tag):
            if node.name in _SPECIAL or node.name in _SKIP_TAGS or id(node) in skip:
                return None
            stack.extend(node.contents[::-1])
        elif not isinstance(node, PreformattedString):
            raw.append(node)
    text = "".join(raw)
    return clean_line(text) if text.strip(" \t\n\r\f\v") else ""


def _adds_nothing(node: object) -> bool:
    """A comment, or text of nothing but the spaces a line drops."""
    if isinstance(node, PreformattedString):
        return True
    return isinstance(node, NavigableString) and not node.strip(" \t\n\r\f\v")


_MAX_WRAPPER_CELLS = 6   # cells of a layout table set around a table (a spacer column, an empty row)


def _wraps_one_table(rows: list[list[Tag]]) -> bool:
    """A small layout table around a table: one cell holds a table, every other cell is empty (a spacer
    column beside it). Its cells are walked as the page's blocks, so the inner table is a table of its own,
    not the lines of a cell. (Only small tables are looked into: a data table has more cells.)"""
    cells = [td for row in rows for td in row]
    if len(cells) > _MAX_WRAPPER_CELLS:
        return False
    holders = [td for td in cells if td.find("table") is not None]
    return len(holders) == 1 and all(td is holders[0] or not td.get_text().strip(" \t\n\r\f\v\xa0\u3000")
                                     for td in cells)


def table_units(table: Tag, skip: set[int]) -> Optional[list[Unit]]:
    """A <table> as units: [caption, Table]; [] when empty; None for a layout table (walk into it)."""
    rows = table_rows(table, skip)
    widest = max((len(r) for r in rows), default=0)
    if widest <= 1:
        return None if rows else []
    if _wraps_one_table(rows):
        return None
    data = [[(cell_text(td, skip), *_spans(td.attrs, widest)) for td in row] for row in rows]
    # Word's "web page" markup ends a table with an empty row that only sets column widths (<tr height=0>);
    # a group cell whose rowspan runs into it would push its cells right, into columns no row fills
    while data and all(not text and rowspan == 1 for text, rowspan, _ in data[-1]):
        data.pop()
    grid = build_grid([row for row in data if row] or [[]])
    if not any(cell.text for row in grid for cell in row):
        return []
    units: list[Unit] = []
    # table.find("caption", recursive=False) without bs4's matcher machinery
    caption = next((c for c in table.children if isinstance(c, Tag) and c.name == "caption"), None)
    if caption is not None and id(caption) not in skip:
        units.extend(text_lines(caption, skip))
    units.append(Table(grid))
    return units


# --------------------------------------------------------------------------
# Hidden elements, chrome and the article container
# --------------------------------------------------------------------------

_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|opacity\s*:\s*0(?:\.0*)?\s*(?:;|$|!)"
    r"|(?:left|top|right|text-indent|margin-left|margin-top)\s*:\s*-\d{3,}"
    r"|clip\s*:\s*rect\(\s*0", re.I)
_TINY_FONT = re.compile(r"font-size\s*:\s*(?:0|[0-3](?:\.\d+)?px|0?\.[0-2]\d*(?:em|rem))\s*(?:;|$|!)", re.I)
_ZERO_BOX = re.compile(r"(?:^|;)\s*(?:height|width)\s*:\s*0(?:px)?\s*(?:;|$)", re.I)
_OVERFLOW_HIDDEN = re.compile(r"overflow\s*:\s*hidden", re.I)
_HIDDEN_CLASSES = frozenset({"hidden", "hide", "d-none", "display-none", "invisible", "dn"})
_CSS_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_CSS_MEDIA = re.compile(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", re.I)
_SIMPLE_SELECTOR = re.compile(r"^[a-z0-9]*([.#])([\w-]+)$", re.I)

_CHROME_TAGS = frozenset({"nav", "header", "footer", "aside"})
# Elements the density fallback may descend into (never into a paragraph).
_CONTAINERS = frozenset("div section article main td tbody table tr center form font span".split())
_CHROME_NAMES = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|menu|share|bdshare|jiathis|breadcrumbs?|crumbs?|position|location"
    r"|footer|foot|top-?bar|toolbar|tools?|copyright|header|head|banner|sidebar|side|related"
    r"|qrcode|ewm|print|font-?size|search|login|links|friendlinks|skip)(?:$|[\s_-])", re.I)
_CONTENT_NAMES = re.compile(
    r"content|article|zoom|trs_?editor|detail|main-?text|maintext|textcon|wzcon|newstext|bodytext"
    r"|body-text|con-?text|zwnr|(?:^|[\s_-])(?:zw|nr|con|text|entry|post)(?:$|[\s_-])", re.I)


def _names(tag: Tag) -> str:
    classes = tag.get("class") or []
    if isinstance(classes, str):
        classes = [classes]
    return " ".join([*classes, str(tag.get("id") or "")]).strip()


def css_hidden(soup: BeautifulSoup, tags: Optional[list[Tag]] = None) -> tuple[set[str], set[str]]:
    """Classes and ids that the page's own <style> hides (outside @media blocks); `tags`: soup's elements
    (its <style>s at least), when known."""
    classes: set[str] = set()
    ids: set[str] = set()
    styles = soup.find_all("style") if tags is None else [t for t in tags if t.name == "style"]
    for style in styles:
        css = _CSS_MEDIA.sub("", style.get_text())
        for selectors, body in _CSS_RULE.findall(css):
            if not re.search(r"display\s*:\s*none|visibility\s*:\s*hidden", body, re.I):
                continue
            for selector in selectors.split(","):
                m = _SIMPLE_SELECTOR.match(selector.strip())
                if m:
                    (classes if m.group(1) == "." else ids).add(m.group(2))
    return classes, ids


# Every attribute is_hidden reads: an element with none of them is not hidden.
_HIDING_ATTRS = frozenset({"hidden", "aria-hidden", "type", "style", "class", "id"})


def is_hidden(tag: Tag, css: tuple[set[str], set[str]]) -> bool:
    """True for an element a reader never sees (where injected spam hides)."""
    attrs = tag.attrs
    if not attrs:
        return False   # every test below reads an attribute (most elements have none)
    if "hidden" in attrs or ("aria-hidden" in attrs and str(attrs["aria-hidden"]).lower() == "true"):
        return True
    if tag.name == "input" and str(attrs.get("type", "")).lower() == "hidden":
        return True
    style = attrs.get("style")
    if style:
        hides = _style_hides(str(style))
        if hides is True or (hides is None and not _sizes_own_font(tag)):
            return True
    classes = attrs.get("class")
    if classes:
        if isinstance(classes, str):
            classes = classes.split()
        if any(c.lower() in _HIDDEN_CLASSES or c in css[0] for c in classes):
            return True
    return "id" in attrs and str(attrs["id"] or "") in css[1]


# Cached: a page repeats a few inline styles on element after element.
@lru_cache(maxsize=1024)
def _style_hides(style: str) -> Optional[bool]:
    """Whether an inline style hides its element (display:none, off-screen, zero box): True, False, or None
    for a tiny font alone, which hides the element's own text but not a child that sets its own size."""
    if _HIDDEN_STYLE.search(style) or (_ZERO_BOX.search(style) and _OVERFLOW_HIDDEN.search(style)):
        return True
    return None if _TINY_FONT.search(style) else False


_SIZE_VALUE = re.compile(r"font-size\s*:\s*(?:([\d.]+)\s*(px|pt|r?em|%)?|([a-z-]+))", re.I)
_ZERO_LINE = re.compile(r"line-height\s*:\s*0(?:\.0*)?\s*[a-z%]*\s*(?:;|$|!)", re.I)
# Smallest size, per unit, that a reader can read (a bare number is only ever 0).
_READABLE_FROM = {"px": 4.0, "pt": 3.0, "em": 0.3, "rem": 0.3, "%": 30.0, "": float("inf")}


def _readable_size(style: str) -> Optional[bool]:
    """Whether an inline style sets a readable font size: True, False (0 in any unit, a few px, or a line
    height of 0, or hidden otherwise), or None when it sets no font size."""
    m = _SIZE_VALUE.search(style)
    if not m:
        return None
    if _HIDDEN_STYLE.search(style) or _ZERO_LINE.search(style):
        return False
    if m.group(3):
        return m.group(3).lower() not in ("0", "inherit")
    try:
        return float(m.group(1)) >= _READABLE_FROM[(m.group(2) or "").lower()]
    except ValueError:
        return False


def _sizes_own_font(tag: Tag) -> bool:
    """True when every text inside sits in an element that sets its own readable font size: `font-size:0`
    on a wrapper is a layout idiom (it removes the gaps between inline blocks) whose children show at their
    own size. Text of the wrapper's own (or in a child that sets no size, or a size of 0 in any unit, or a
    line height of 0) inherits the tiny font: the wrapper is hidden, as injected spam is."""
    shown = False
    for text in tag.find_all(string=True):
        if type(text) is not NavigableString or not text.strip():
            continue
        node = text.parent
        while node is not None and node is not tag:
            if node.name in ("script", "style"):
                break
            readable = _readable_size(str(node.get("style") or ""))
            if readable is not None:
                if readable:
                    shown = True
                break   # a tiny size is that element's own to hide
            node = node.parent
        else:
            return False   # the wrapper's own text, or a child's that sets no size
    return shown


# Cached: a page gives the same few class names to element after element (the regexes cost microseconds each).
@lru_cache(maxsize=1024)
def _name_kinds(names: str) -> tuple[bool, bool]:
    """Whether class/id names are content-like, and whether they name site furniture."""
    content = bool(_CONTENT_NAMES.search(names))
    return content, _chrome_named(names, content)


def _chrome_named(names: str, content_named: bool) -> bool:
    """Class/id names of site furniture: nav/share/footer… (a content-like name always wins)."""
    return not content_named and bool(_CHROME_NAMES.search(names))


@dataclass(slots=True)
class _Page:
    """The parsed page and what each element is."""
    root: Tag
    tags: list[Tag]
    hidden: set[int]
    chrome: set[int]
    size: dict[int, int]        # visible text length, chrome and hidden parts excluded
    links: dict[int, int]       # of which inside <a>
    content_named: list[Tag]    # visible or not, below the root, with a content-like class or id
    # by _HEAD_NAMES and _BODY_NAMES: the page's <style>s, <title>s and <meta>s, the root's <table>s and
    # <dl>s together, <h1>s and <a>s, in document order (one pass each for the readers that want only those)
    named: dict[str, list[Tag]]


_END = object()   # marks, on the traversal stack, where the root's subtree ends


def all_tags(soup: BeautifulSoup, root: Tag) -> tuple[list[Tag], list[Tag]]:
    """Every element of the page in document order (what soup.find_all(True) finds), and root with
    the elements below it: one traversal for the survey, the <style>s, <meta>s and <title>."""
    out: list[Tag] = []
    start = end = 0
    stack: list = soup.contents[::-1]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is NavigableString:   # most nodes: plain text, told without the isinstance below
            continue
        if node is _END:
            end = len(out)
        elif kind is Tag or isinstance(node, Tag):
            if node is root:
                start = len(out)
                stack.append(_END)
            out.append(node)
            stack.extend(node.contents[::-1])
    # the subtree is a run of the document order: root, then its descendants
    return out, ([root, *out] if root is soup else out[start:end])


def survey(soup: BeautifulSoup, root: Tag, tags: Optional[tuple[list[Tag], list[Tag]]] = None) -> _Page:
    """Classify every element and measure the visible text under it (`tags`: what all_tags() gives, when known)."""
    every, tags = tags or all_tags(soup, root)
    named: dict[str, list[Tag]] = {key: [] for key in (*_HEAD_NAMES, *_BODY_NAMES.values())}
    for tag in every:   # one pass for what three would find (css_hidden reads only the <style>s)
        if tag.name in _HEAD_NAMES:
            named[tag.name].append(tag)
    hidden, chrome, content_named = _classify(tags, root, css_hidden(soup, named["style"]), named)
    size: dict[int, int] = {}
    links: dict[int, int] = {}
    left_out = hidden | chrome
    for tag in reversed(tags):   # children before parents
        total = linked = 0
        for child in tag.contents:
            kind = type(child)   # the exact types first: isinstance on every child adds up on big pages
            if kind is NavigableString:
                total += len(child.strip())
            elif kind is Tag or isinstance(child, Tag):
                key = id(child)
                if key in left_out:
                    continue
                inner = size.get(key, 0)
                total += inner
                linked += inner if child.name == "a" else links.get(key, 0)
            elif isinstance(child, NavigableString) and not isinstance(child, PreformattedString):
                total += len(child.strip())
        size[id(tag)] = total
        links[id(tag)] = linked
    return _Page(root, tags, hidden, chrome, size, links, content_named, named)


# What survey() gathers by name: from the whole page, and from below the root
_HEAD_NAMES = frozenset({"style", "title", "meta"})
_BODY_NAMES = {"table": "table dl", "dl": "table dl", "h1": "h1", "a": "a"}   # tag name: its list in _Page.named


def _classify(tags: list[Tag], root: Tag, css: tuple[set[str], set[str]],
              named: dict[str, list[Tag]]) -> tuple[set[int], set[int], list[Tag]]:
    """Hidden and chrome elements, and the content-named ones; each tag's class/id names are read once.
    The tags of _BODY_NAMES, hidden or not, go into `named` on the way."""
    hidden: set[int] = set()
    chrome: set[int] = set()
    content_named: list[Tag] = []
    for tag in tags:
        name, attrs = tag.name, tag.attrs
        if name in _BODY_NAMES:
            named[_BODY_NAMES[name]].append(tag)
        # align/valign/width… alone (most attributes) hide nothing: is_hidden reads only _HIDING_ATTRS
        if name in _SKIP_TAGS or (attrs and not _HIDING_ATTRS.isdisjoint(attrs) and is_hidden(tag, css)):
            hidden.add(id(tag))
            continue
        if tag is root:
            continue
        # most elements carry neither class nor id (or no attribute at all): nothing to name them
        names = _names(tag) if attrs and ("class" in attrs or "id" in attrs) else ""
        content, furniture = _name_kinds(names) if names else (False, False)
        if content:
            content_named.append(tag)
        if name in _CHROME_TAGS or furniture:
            chrome.add(id(tag))
    return hidden, chrome, content_named


def _visible(page: _Page, tag: Tag) -> bool:
    return id(tag) not in page.hidden and not any(id(a) in page.hidden for a in tag.parents)


def choose_body(page: _Page) -> Tag:
    """The article container: the content-like element with the most text, innermost
    when a descendant holds nearly all of it; else the densest block."""
    cands = [t for t in page.content_named if page.size[id(t)] > 0 and _visible(page, t)]
    total = page.size[id(page.root)] or 1
    best: Optional[Tag] = max(cands, key=lambda t: page.size[id(t)], default=None)
    if best is None or page.size[id(best)] < min(200, 0.2 * total):
        return _densest(page)
    inner = [t for t in cands if page.size[id(t)] >= 0.9 * page.size[id(best)]
             and any(a is best for a in t.parents)]
    if inner:
        # (the chain runs on to the soup: the same count added to every candidate's depth)
        best = max(inner, key=lambda t: sum(1 for _ in t.parents))
    return best


def _densest(page: _Page) -> Tag:
    """Descend from the root into the container child that holds nearly all the non-link text."""
    node = page.root
    while True:
        kids = [c for c in node.children if isinstance(c, Tag) and c.name in _CONTAINERS
                and id(c) not in page.hidden and id(c) not in page.chrome]
        score = {id(c): page.size[id(c)] - 2 * page.links[id(c)] for c in kids}
        best = max(kids, key=lambda c: score[id(c)], default=None)
        own = page.size[id(node)] - 2 * page.links[id(node)]
        # never into a data table: the article is what holds it, not its longest cell
        if best is None or score[id(best)] < 0.85 * max(own, 1) or _is_data_table(best):
            return node
        node = best


def _is_data_table(node: Tag) -> bool:
    """A <table> of data, not page layout: column headings on top, or rows of several filled cells."""
    if node.name != "table":
        return False
    for tr in node.find_all("tr", limit=3):
        cells = tr.find_all(["td", "th"], recursive=False)
        if sum(1 for c in cells if is_header_word(c.get_text(" ", strip=True))) >= 2:
            return True
    # no header (a task table may have none): rows of three or more filled cells are data
    wide = 0
    for tr in node.find_all("tr", limit=12):
        cells = tr.find_all(["td", "th"], recursive=False)
        wide += sum(1 for c in cells if c.get_text(strip=True)) >= 3
    return wide >= 3


# --------------------------------------------------------------------------
# The reader
# --------------------------------------------------------------------------

_TITLE_SPLIT = re.compile(r"\s*(?:[-_|—–]+|\s--\s)\s*")
_SITE_WORDS = re.compile(r"网|網|站|政府|门户|門戶|办公室|辦公室|中国|中國|gov|www|\.cn|\.com", re.I)
_TECH_META = frozenset({"viewport", "robots", "renderer", "format-detection", "generator",
                        "referrer", "theme-color", "x-ua-compatible", "apple-mobile-web-app-capable"})


class HtmlExtractor(Extractor):
    """Reads HTML pages of government sites."""
    format = "html"

    def extract(self, data: bytes, limits: Limits = Limits()) -> RawDocument:
        """Read the bytes of an HTML page into a RawDocument."""
        check_bytes(data, limits)
        if not data.strip():   # blanks only: as empty as no bytes
            raise EmptyDocument("empty file")
        declared = declared_charset(data)
        text, codec = decode_bytes(data, declared)
        check_text(text)
        markup = prepare_markup(text)
        try:
            doc = read_page(markup)
        except RecursionError:
            doc = read_plain(markup)
            doc.warnings.append("HTML too deeply nested for the parser; read as plain text")
        if declared and codec != "ascii" and canonical_encoding(declared) != codec:
            doc.warnings.append(f"page declares {declared} but its bytes are {codec}; decoded as {codec}")
        if not doc.blocks and not doc.chrome_text and not doc.title_hint:
            raise EmptyDocument("page has no text")
        return doc


def read_page(markup: str) -> RawDocument:
    """Parse prepared markup into a RawDocument."""
    soup = BeautifulSoup(markup, "lxml")
    root = soup.body or soup
    every, inside = all_tags(soup, root)
    page = survey(soup, root, (every, inside))
    body = choose_body(page)
    for ancestor in body.parents:   # the article is never furniture
        page.chrome.discard(id(ancestor))
    boxed, boxes = _boxes(page, body)
    # furniture and the metadata box inside the article: chrome, never blocks
    furniture = page.chrome | boxes
    inner_chrome = [t for t in page.tags if id(t) in furniture and any(a is body for a in t.parents)]
    units = walk(body, _Walk(page.hidden | furniture, tables_as_blocks=True))
    outside = text_lines(root, page.hidden | {id(body)})
    for tag in inner_chrome:
        outside.extend(text_lines(tag, page.hidden))
    doc = RawDocument(format="html")
    doc.blocks = _blocks(units)
    title = next(iter(page.named["title"]), None)   # soup.title
    head_values, named = _head_meta(page.named["meta"], title)
    # a box's cells say where its values end: their pairs win over the lines' (and come first, as on the page)
    doc.meta = {**boxed, **_page_meta(outside, text_lines(body, page.hidden, limit=40)), **boxed}
    h1 = _headline(page, body, title)
    doc.title_hint = _title_hint(named, h1, title)
    if h1 and _heading_missing(h1, doc.blocks):
        doc.blocks.insert(0, Paragraph(h1))
    elif (doc.title_hint is None or ANNEX_LABEL_LINE.match(doc.title_hint)) and doc.blocks \
            and isinstance(doc.blocks[0], Table):
        # a document saved as a web page: no title of its own (or Word's first line, 附件2, as <title>)
        # and the article a bare table. Word and LibreOffice put the heading lines in paragraphs before
        # the table's wrapper, outside what is taken as the article: they are the document's title lines,
        # as in the DOCX. Failing those (Excel's HTML under an .xls name, a site's export), the table's
        # caption rows are its title, as a sheet's are; on a page with a title of its own they would
        # outrank it (a 关于印发X的通知 <title> over a table captioned X)
        lead = lines_before(page, body)
        doc.blocks = with_caption_lines([Paragraph(line) for line in lead] + doc.blocks)
    doc.chrome_text = "\n".join(head_values + outside)
    return doc


# page furniture before a bare table: a breadcrumb, print and font buttons; a site's or office's name
# (a page header) unless the line names a kind of document at its end, as a heading does
_LEAD_FURNITURE = re.compile(r"首页|当前位置|您的位置|打印|关闭|字体|[>›»]")
# LibreOffice writes a page's header and footer as <div title="header">, <div title="footer">
_PAGE_MARGINS = frozenset({"header", "footer"})
_LEAD_LINES = 4        # heading lines looked for before a bare table: 附件2, the title over two lines, a subtitle
_LEAD_LENGTH = 80      # characters of the longest heading line; body text runs longer
_SENTENCE_END = re.compile(r"[。；;]$")


def lines_before(page: _Page, body: Tag) -> list[str]:
    """The short lines right before the article on its page, nearest last: the paragraphs before it and
    before each wrapper it sits in, up to the page's <body>. They stop at furniture (a breadcrumb, a
    site's or office's name that names no document), a link, a line of body text (long, or ending a
    sentence) or a table, and leave out metadata lines (发布时间：…) and LibreOffice's page header."""
    lines: list[str] = []
    node = body
    while node is not page.root and node.parent is not None:
        for sibling in node.previous_siblings:
            if isinstance(sibling, NavigableString):
                text = clean_line(str(sibling)) if type(sibling) is NavigableString else ""
                found = [text] if text else []
            elif not isinstance(sibling, Tag) or id(sibling) in page.hidden \
                    or str(sibling.get("title", "")).lower() in _PAGE_MARGINS:
                continue
            elif id(sibling) in page.chrome or sibling.name == "table" or sibling.find("table") is not None \
                    or any(a.get("href") and a.get_text(strip=True) for a in sibling.find_all("a")):
                return lines   # (Word's bookmarks, <a name=…> in a heading, are no links)
            else:
                found = text_lines(sibling, page.hidden)
            for text in reversed(found):
                if len(text) > _LEAD_LENGTH or _SENTENCE_END.search(text) or len(lines) == _LEAD_LINES \
                        or _LEAD_FURNITURE.search(text) \
                        or (_SITE_WORDS.search(text) and not DOCUMENT_KIND_END.search(text)):
                    return lines
                if not is_meta_line(text):
                    lines.insert(0, text)
        node = node.parent
    return lines


def _page_meta(outside: list[str], head: list[str]) -> dict[str, str]:
    """The page's metadata block: its labels outside the article; failing those, at the article's head.
    When the container chosen as the article opens with the block (a page whose article is only a link to
    its attachment), its labels fill in too: the lines of labels before any other line but the article's
    headline, never labels further down, which belong to the text (a list of the documents a notice cleans
    up, each with its 文号)."""
    found = meta_from_lines(outside)
    if not found:
        return meta_from_lines(head)
    # the block may follow the article's headline (and subtitle): <h1>…</h1><div>发布时间：… 来源：…</div>
    start = 0
    while start < min(len(head), _HEADLINE_LINES) and _HEADLINE.match(head[start]):
        start += 1
    top = next((i for i in range(start, len(head)) if not (is_meta_line(head[i]) or _LABELLED.match(head[i]))),
               len(head))
    return {**meta_from_lines(head[start:top]), **found}


# a line of the block whose label meta_from_lines does not know (名称：…, 标题：…)
_LABELLED = re.compile(r"^[\u4e00-\u9fff ]{1,8}[:：]")
# a headline over the block: a short line without a label's colon that ends no sentence
_HEADLINE = re.compile(r"^[^:：]{1,100}(?<![。；;])$")
_HEADLINE_LINES = 2


# Labels only a site's box uses: inside the article a label/value table is the page's box only with one of
# them (a 废止决定 may tabulate the 文号/成文日期/发文机关 of the document it repeals)
_SITE_LABELS = frozenset({"索引号", "信息索引号", "主题分类", "信息分类", "体裁分类", "组配分类", "服务对象分类",
                          "生成日期", "发布日期", "发布时间", "有效性", "效力状况", "时效性", "公开属性"})


def _boxes(page: _Page, body: Tag) -> tuple[dict[str, str], set[int]]:
    """The metadata boxes laid out as cells (<th>索引号</th><td>…</td>, <dt>/<dd>, labels with or without
    their colon) by id, and their known label/value pairs (the cells say where a value ends): anywhere outside
    the article, and inside it when they hold a label only sites use."""
    meta: dict[str, str] = {}
    boxes: set[int] = set()
    for tag in page.named["table dl"]:
        if not _visible(page, tag):
            continue
        rows = _table_cells(page, tag) if tag.name == "table" else _dl_cells(tag, page.hidden)
        pairs = box_pairs(rows) if rows else None
        if pairs is not None and any(a is body for a in tag.parents) \
                and not _SITE_LABELS & {key for key, _ in pairs}:
            pairs = None
        if pairs is not None:
            boxes.add(id(tag))
            for key, value in pairs:
                if value:
                    meta.setdefault(key, value)
    return meta, boxes


_MAX_BOX_ROWS = 20
_MAX_BOX_CELLS = 8        # cells in a row of a box (four label/value pairs)
_MAX_BOX_TEXT = 300       # characters of a cell of a box (a title under 名称 is the longest)


def _table_cells(page: _Page, table: Tag) -> Optional[list[list[str]]]:
    """The texts of a table's own cells, row by row (a spanning cell once); None, before any text is read,
    for a table that cannot be a box (a page's layout table, a long task table, a cell of more than a title)."""
    rows = table_rows(table, page.hidden)
    if not rows or len(rows) > _MAX_BOX_ROWS or any(len(row) > _MAX_BOX_CELLS for row in rows):
        return None
    if any(page.size.get(id(td), 0) > _MAX_BOX_TEXT for row in rows for td in row):
        return None
    return [[cell_text(td, page.hidden) for td in row] for row in rows]


def _dl_cells(dl: Tag, skip: set[int]) -> list[list[str]]:
    """A definition list as rows of [term, its first definition]."""
    rows: list[list[str]] = []
    for child in dl.children:
        if not isinstance(child, Tag) or id(child) in skip:
            continue
        if child.name == "dt":
            rows.append([" ".join(text_lines(child, skip))])
        elif child.name == "dd" and rows and len(rows[-1]) == 1:
            rows[-1].append(" ".join(text_lines(child, skip)))
    return rows


# The formal title line of a notice (关于印发…的通知): when the article opens with
# one, a differently worded page headline is not put in front of it.
_FORMAL_TITLE = re.compile(r"(?:关于|印发|转发|關於|關于)[^。；;]{2,}(?:通知|通告|公告|意见|意見|方案|决定|決定|通报|通報|批复|批覆|函)$")
_HEAD_BLOCKS = 10


def _heading_missing(h1: str, blocks: list[Block]) -> bool:
    """True when the page headline should open the article: the article's head
    holds neither the headline itself nor a formal title of its own."""
    head = [b.text for b in blocks[:_HEAD_BLOCKS] if isinstance(b, Paragraph)]
    if h1 in head[:5]:
        return False
    if _FORMAL_TITLE.search(h1):
        return True   # a formal headline beats a title the article breaks over lines
    return not any(len(t) <= 120 and _FORMAL_TITLE.search(t) for t in head)


def _blocks(units: list[Unit]) -> list[Block]:
    """Units to blocks: runs of lines go through the paragraph-stream table finder."""
    blocks: list[Block] = []
    run: list[str] = []
    for unit in units:
        if isinstance(unit, Table):
            blocks.extend(stream_blocks(run))
            run = []
            blocks.append(unit)
        else:
            run.append(unit)
    blocks.extend(stream_blocks(run))
    return blocks


def _head_meta(metas: list[Tag], title: Optional[Tag]) -> tuple[list[str], dict[str, str]]:
    """<title> and <meta name=… content=…> values (chrome), and the named values."""
    values: list[str] = []
    named: dict[str, str] = {}
    if title is not None:
        values.append(clean_line(title.get_text()))
    for meta in metas:
        name = str(meta.get("name") or meta.get("property") or "").strip().lower()
        content = clean_line(str(meta.get("content") or ""))
        if not name or not content or name in _TECH_META or meta.get("http-equiv"):
            continue
        named.setdefault(name, content)
        values.append(content)
    return [v for v in values if v], named


def _headings(page: _Page, body: Tag) -> list[str]:
    """Texts of the page's <h1>s that sit outside the article and outside the furniture."""
    found: list[str] = []
    for tag in page.named["h1"]:
        if not _visible(page, tag):
            continue
        chain = list(tag.parents)
        if any(a is body for a in chain) or any(id(a) in page.chrome for a in [tag, *chain]):
            continue
        text = " ".join(text_lines(tag, page.hidden))
        if text:
            found.append(text)
    return found


# A column's or the site's name set as an <h1> (信息公开目录, 通知公告) is this short at most; a notice's title is longer
_COLUMN_NAME = 8


def _headline(page: _Page, body: Tag, title_tag: Optional[Tag]) -> Optional[str]:
    """The page's headline: its first <h1> (outside the article) that is not the name of a column or of the
    site; such a name only when there is no other and <title> holds no formal title (关于印发…的通知)."""
    headings = _headings(page, body)
    if not headings:
        return None
    # the links outside the article (body.find_all("a") named those inside: a walk of the article again)
    links = {"".join(a.get_text().split()) for a in page.named["a"]
             if not any(up is body for up in a.parents)}
    for text in headings:
        if not _column_name(text, links):
            return text
    title = clean_line(title_tag.get_text()) if title_tag is not None else ""
    if any(_FORMAL_TITLE.search(part) for part in _TITLE_SPLIT.split(title)):
        return None
    return headings[0]


def _column_name(text: str, links: set[str]) -> bool:
    """True for a headline that names a column or the site: short, without a number or a formal title's
    wording, or the text of one of the page's links (its navigation, its breadcrumb)."""
    key = "".join(text.split())
    if _FORMAL_TITLE.search(key):
        return False
    return (len(key) <= _COLUMN_NAME and not any(ch.isdigit() for ch in key)) or key in links


def _title_hint(named: dict[str, str], h1: Optional[str], title_tag: Optional[Tag]) -> Optional[str]:
    """ArticleTitle meta, else the <h1>, else <title> without its site-name suffix."""
    for key in ("articletitle", "dc.title"):
        if named.get(key):
            return named[key]
    if h1:
        return h1
    if title_tag is None:
        return None
    title = clean_line(title_tag.get_text())
    parts = _TITLE_SPLIT.split(title)
    site = named.get("sitename", "")
    if len(parts) > 1 and (parts[-1] == site or _SITE_WORDS.search(parts[-1])) and len(parts[-1]) <= 40:
        title = title[: title.rfind(parts[-1])].rstrip(" -_|—–")
    return title or None


# --------------------------------------------------------------------------
# Fallback without a tree
# --------------------------------------------------------------------------

_RAW_SKIP = re.compile(r"<(script|style|noscript|template)\b[^<>]*>.*?</\1\s*>", re.I | re.S)
_RAW_BLOCK = re.compile(r"</?(?:p|div|br|tr|li|h[1-6]|table|section|article|dd|dt|ul|ol)\b[^<>]*>", re.I)
_RAW_TAG = re.compile(r"<[^<>]*>")


def read_plain(markup: str) -> RawDocument:
    """Text of markup without building a tree: block tags break lines, other tags vanish."""
    text = _RAW_SKIP.sub(" ", markup)
    text = _RAW_BLOCK.sub("\n", text)
    text = htmllib.unescape(_RAW_TAG.sub("", text))
    lines = [clean_line(line) for line in text.split("\n")]
    doc = RawDocument(format="html")
    doc.blocks = stream_blocks([line for line in lines if line])
    return doc
