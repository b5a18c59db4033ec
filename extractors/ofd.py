"""OFD (GB/T 33190) files: a zip of XML pages, laid out like PDF and read by the PDF reader.

The XML is parsed with lxml without DTDs, entities or network (a DOCTYPE is
refused outright: OFD has none), after the zip-bomb guard. Each page's text
objects (TextCode with X/Y/DeltaX positions) and stroked paths (table rules)
are redrawn as PDF operators on a page of the same size, so that the PDF
reader's ruled-table finder, unruled-table rebuilding and page joins read
the OFD exactly as they read a PDF: no second copy of that layout logic.
"""
from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field

from lxml import etree

from extractors.base import Extractor, Limits
from extractors.docx import check_zip
from extractors.ofd_pdf import page_pdf
from extractors.pdf import PdfExtractor
from pipeline.errors import EmptyDocument, TooLarge, UnreadableDocument
from pipeline.model import RawDocument


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                          remove_comments=True)
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_A4 = (0.0, 0.0, 210.0, 297.0)


@dataclass(slots=True)
class Glyph:
    """One character placed on a page: baseline origin (x, y) and size, in mm from the top left."""
    text: str
    x: float
    y: float
    size: float


@dataclass(slots=True)
class OfdPage:
    """What one page draws: its size, characters and straight stroked segments (mm)."""
    width: float
    height: float
    glyphs: list[Glyph] = field(default_factory=list)
    segments: list[tuple[float, float, float, float, float]] = field(default_factory=list)  # x0 y0 x1 y1 width


class OfdExtractor(Extractor):
    """Reads .ofd files."""
    format = "ofd"

    def extract(self, data: bytes, limits: Limits = Limits()) -> RawDocument:
        """Read the OFD's pages into paragraphs and tables (through the PDF reader's layout analysis)."""
        check_zip(data, limits, "OFD")
        pages = read_pages(data, limits)
        if not any(page.glyphs for page in pages):
            raise EmptyDocument("OFD pages hold no text objects (a scan?)")
        raw = PdfExtractor().extract(page_pdf(pages), limits)
        raw.format = self.format
        return raw


def read_pages(data: bytes, limits: Limits) -> list[OfdPage]:
    """The pages of the first document of the OFD, in order."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = {name.lower().lstrip("/"): name for name in zf.namelist()}

        def xml(path: str) -> etree._Element:
            name = names.get(path.lower().lstrip("/"))
            if name is None:
                raise UnreadableDocument(f"OFD lacks its part {path}")
            return parse_xml(zf.read(name), path)

        root = xml("OFD.xml")
        doc_root = _text(root, "DocRoot")
        if not doc_root:
            raise UnreadableDocument("OFD.xml names no DocRoot")
        document = xml(doc_root)
        base = posixpath.dirname(doc_root.lstrip("/"))
        default_box = _box(_text(document, "PhysicalBox")) or _A4
        locations = [el.get("BaseLoc", "") for el in _all(document, "Page")]
        if len(locations) > limits.max_pdf_pages:
            raise TooLarge(f"OFD has {len(locations)} pages (limit {limits.max_pdf_pages})")
        pages = []
        for loc in locations:
            path = loc.lstrip("/") if loc.startswith("/") else posixpath.normpath(posixpath.join(base, loc))
            pages.append(_page(xml(path), default_box))
        return pages


def parse_xml(data: bytes, path: str) -> etree._Element:
    """One XML part, parsed without DTD, entities or network; a DOCTYPE is refused."""
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise UnreadableDocument(f"broken OFD part {path}: {exc}") from None
    if root.getroottree().docinfo.doctype:
        raise UnreadableDocument(f"OFD part {path} declares a DOCTYPE (entities are refused)")
    return root


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _all(root: etree._Element, name: str) -> list[etree._Element]:
    return [el for el in root.iter() if _local(el) == name]


def _text(root: etree._Element, name: str) -> str:
    found = _all(root, name)
    return (found[0].text or "").strip() if found else ""


def _numbers(text: str | None) -> list[float]:
    return [float(n) for n in _NUMBER.findall(text or "")]


def _box(text: str) -> tuple[float, float, float, float] | None:
    values = _numbers(text)
    return tuple(values[:4]) if len(values) >= 4 else None  # type: ignore[return-value]


def _page(root: etree._Element, default_box: tuple[float, float, float, float]) -> OfdPage:
    """The glyphs and straight segments of one Content.xml."""
    box = _box(_text(root, "PhysicalBox")) or default_box
    page = OfdPage(width=box[2], height=box[3])
    for el in _all(root, "TextObject"):
        page.glyphs.extend(_glyphs(el))
    for el in _all(root, "PathObject"):
        if el.get("Stroke", "true") != "false":
            page.segments.extend(_segments(el))
    return page


class Placement:
    """Where an object's own coordinates land on the page: its CTM, then its Boundary's origin."""
    __slots__ = ("a", "b", "c", "d", "e", "f", "bx", "by")

    def __init__(self, el: etree._Element) -> None:
        origin = _numbers(el.get("Boundary"))
        self.bx, self.by = (origin[0], origin[1]) if len(origin) >= 2 else (0.0, 0.0)
        ctm = _numbers(el.get("CTM"))
        self.a, self.b, self.c, self.d, self.e, self.f = ctm[:6] if len(ctm) >= 6 else (1, 0, 0, 1, 0, 0)

    def point(self, x: float, y: float) -> tuple[float, float]:
        """Page position (mm) of a point given in the object's coordinates."""
        return (self.bx + self.a * x + self.c * y + self.e, self.by + self.b * x + self.d * y + self.f)

    def scale(self) -> float:
        """How much the CTM enlarges lengths (1 without one): font sizes and line widths scale with it."""
        return abs(self.a * self.d - self.b * self.c) ** 0.5 or 1.0


def _glyphs(el: etree._Element) -> list[Glyph]:
    """Characters of a TextObject: each TextCode starts at X/Y; DeltaX spaces the characters after."""
    place = Placement(el)
    size = (_numbers(el.get("Size")) or [3.5])[0]
    out: list[Glyph] = []
    x = y = 0.0
    for code in (c for c in el if _local(c) == "TextCode"):
        x = (_numbers(code.get("X")) or [x])[0]
        y = (_numbers(code.get("Y")) or [y])[0]
        steps = delta_steps(code.get("DeltaX"))
        for i, char in enumerate(code.text or ""):
            if not char.isspace():
                out.append(Glyph(char, *place.point(x, y), size * place.scale()))
            x += steps[i] if i < len(steps) else (steps[-1] if steps else size)
    return out


def delta_steps(text: str | None) -> list[float]:
    """DeltaX as one step per character gap, the ``g N STEP`` shorthand expanded."""
    steps: list[float] = []
    tokens = (text or "").split()
    i = 0
    while i < len(tokens):
        if tokens[i] == "g" and i + 2 < len(tokens):
            steps.extend([float(tokens[i + 2])] * int(float(tokens[i + 1])))
            i += 3
        else:
            steps.append(float(tokens[i]))
            i += 1
    return steps


def _segments(el: etree._Element) -> list[tuple[float, float, float, float, float]]:
    """Straight segments (M/L/C commands) of a PathObject's AbstractData, moved to page coordinates."""
    place = Placement(el)
    width = (_numbers(el.get("LineWidth")) or [0.353])[0] * place.scale()
    data = next((c.text for c in el if _local(c) == "AbstractData"), "") or ""
    out = []
    start = current = None
    tokens = re.findall(r"[A-Za-z]|" + _NUMBER.pattern, data)
    i = 0
    while i < len(tokens):
        op = tokens[i]
        if op in ("M", "L") and i + 2 < len(tokens) and _NUMBER.fullmatch(tokens[i + 1]) \
                and _NUMBER.fullmatch(tokens[i + 2]):
            point = place.point(float(tokens[i + 1]), float(tokens[i + 2]))
            if op == "L" and current is not None:
                out.append((*current, *point, width))
            else:
                start = point
            current = point
            i += 3
        elif op == "C" and current is not None and start is not None:
            out.append((*current, *start, width))
            current = start
            i += 1
        else:
            i += 1  # curves and arcs (B, Q, A) draw no table rules
    return out
