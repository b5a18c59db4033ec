"""Faster equivalents of pdfplumber steps whose library version is needlessly slow; same results."""
from __future__ import annotations

from bisect import bisect_left
from functools import lru_cache
from operator import itemgetter
from typing import Callable, Iterator, Optional
from unicodedata import normalize as normalize_unicode

from pdfminer.layout import LTChar, LTContainer
from pdfplumber.page import ALL_ATTRS, FilteredPage, Page, fix_fontname_bytes
from pdfplumber.utils import extract_text, resolve_all, resolve_and_decode

_POSITION = itemgetter("doctop", "x0")


_PLAIN = frozenset({float, int, str, bool, type(None)})   # what resolve_all returns unchanged


def page_objects(page) -> dict[str, list[dict]]:
    """``page.objects`` of a pdfplumber Page, cached on it as pdfplumber caches it: the same dicts.

    pdfplumber builds each object's dict with a generic resolve of every
    attribute (a quarter of reading a page). Chars, nearly every object of a
    page, are built here with only their non-plain attributes resolved; other
    objects go through pdfplumber's own process_object. A cropped or filtered
    page, or one read with layout analysis (laparams, which we do not use), is
    left to pdfplumber altogether.
    """
    if type(page) is not Page or page.pdf.laparams is not None:
        return page.objects
    if not hasattr(page, "_objects"):
        objects: dict[str, list[dict]] = {}
        for obj in _layout_objects(page, page.layout._objs, _char_maker(page)):
            if obj["object_type"] != "anno":
                objects.setdefault(obj["object_type"], []).append(obj)
        page._objects = objects
    return page._objects


def _layout_objects(page, items: list, char: Callable[[LTChar], dict]) -> Iterator[dict]:
    """``page.iter_layout_objects(items)`` without layout analysis, chars built by char."""
    for item in items:
        if isinstance(item, LTContainer):   # a figure: its contents, not itself
            yield from _layout_objects(page, item._objs, char)
        elif type(item) is LTChar:
            yield char(item)
        else:
            yield page.process_object(item)


def _char_maker(page) -> Callable[[LTChar], dict]:
    """``page.process_object`` for an LTChar: the same keys in the same order, the same values."""
    number, doctop, norm = page.page_number, page.initial_doctop, page.pdf.unicode_norm
    height, (mb_x0, mb_top) = page.height, page.mediabox[:2]

    def char(obj: LTChar) -> dict:
        attr = {k: v if type(v) in _PLAIN or type(v) is tuple and all(type(x) in _PLAIN for x in v)
                else resolve_all(v) for k, v in obj.__dict__.items() if k in ALL_ATTRS}
        attr["object_type"] = "char"
        attr["page_number"] = number
        for cs in ("ncs", "scs"):
            if hasattr(obj, cs):
                attr[cs] = _colour_space(getattr(obj, cs).name)
        text = obj.get_text()
        attr["text"] = normalize_unicode(norm, text) if norm is not None else text
        gs = obj.graphicstate
        attr["stroking_color"] = gs.scolor if isinstance(gs.scolor, tuple) else (gs.scolor,)
        attr["non_stroking_color"] = gs.ncolor if isinstance(gs.ncolor, tuple) else (gs.ncolor,)
        if isinstance(attr["fontname"], bytes):
            attr["fontname"] = fix_fontname_bytes(attr["fontname"])
        if "y0" in attr:
            attr["top"] = (height - attr["y1"]) + mb_top
            attr["bottom"] = (height - attr["y0"]) + mb_top
            attr["doctop"] = doctop + attr["top"]
        if "x0" in attr and mb_x0 != 0:
            attr["x0"] = attr["x0"] + mb_x0
            attr["x1"] = attr["x1"] + mb_x0
        return attr
    return char


def _colour_space(name):
    """``resolve_and_decode(name)`` of a colour space name; a page names the same few over and over."""
    return _decoded_name(name) if type(name) is str else resolve_and_decode(name)


@lru_cache(maxsize=64)
def _decoded_name(name: str) -> str:
    return resolve_and_decode(name)


def dedupe_chars(page, tolerance: float = 1, extra_attrs: Optional[tuple[str, ...]] = ("fontname", "size")):
    """``page.dedupe_chars()``: the same chars in the same order, in a fraction of its time."""
    deduped = FilteredPage(page, lambda obj: True)
    deduped._objects = dict(page.objects)   # as pdfplumber's own dedupe_chars builds it
    deduped._objects["char"] = unique_chars(page.chars, tolerance, extra_attrs)
    return deduped


def unique_chars(chars: list[dict], tolerance: float = 1,
                 extra_attrs: Optional[tuple[str, ...]] = ("fontname", "size")) -> list[dict]:
    """``pdfplumber.utils.dedupe_chars(chars)``: the same chars kept, in page order.

    pdfplumber sorts every char by its text and font to group them, clusters each
    group with its general cluster_objects and puts the kept chars back in page
    order with ``sorted(kept, key=chars.index)``, a linear search per char (that
    alone was 30-42% of our PDF time on table pages). Here a dict groups the chars
    in page order, a glyph met once on the page (most of them) skips clustering,
    and the kept chars are picked out of the page's list by identity.
    """
    key = itemgetter("upright", "text", *(extra_attrs or ()))
    groups: dict[tuple, list[dict]] = {}
    for char in chars:
        groups.setdefault(key(char), []).append(char)
    kept: set[int] = set()
    for group in groups.values():
        if len(group) == 1:
            kept.add(id(group[0]))
            continue
        for y_cluster in _clusters(group, "doctop", tolerance):
            for x_cluster in _clusters(y_cluster, "x0", tolerance) if len(y_cluster) > 1 else (y_cluster,):
                # the first of the top-left ones, as pdfplumber's stable sort picks
                kept.add(id(min(x_cluster, key=_POSITION)))
    return [char for char in chars if id(char) in kept]


def _clusters(objs: list[dict], attr: str, tolerance: float) -> list[list[dict]]:
    """``cluster_objects(objs, itemgetter(attr), tolerance)``: the same clusters, members in input order.

    Distinct values, sorted, are chained: a value within tolerance of the one
    before it joins that one's cluster.
    """
    values = sorted({obj[attr] for obj in objs})
    index: dict[float, int] = {}
    n, last = 0, values[0]
    for value in values:
        if value > last + tolerance:
            n += 1
        index[value], last = n, value
    clusters: list[list[dict]] = [[] for _ in range(n + 1)]
    for obj in objs:
        clusters[index[obj[attr]]].append(obj)
    return clusters


def table_texts(rows: list[list[Optional[tuple]]], chars: list[dict]) -> list[list[Optional[str]]]:
    """``table.extract()`` for a table's rows of cell boxes and its page's chars: the same texts.

    pdfplumber tests every char of the page against every row and then every
    char of a row against each cell. Here the chars are sorted once by the
    height of their middle, so that each cell looks only at the chars of its
    own height band; a cell's chars keep page order, as extract_text needs.
    """
    mids = [((c["top"] + c["bottom"]) / 2, (c["x0"] + c["x1"]) / 2, k) for k, c in enumerate(chars)]
    # a NaN middle is in no cell; left in, it would break the sort the bands are cut from
    mids = sorted(m for m in mids if m[0] == m[0] and m[1] == m[1])
    heights = [m[0] for m in mids]
    out = []
    for row in rows:
        texts: list[Optional[str]] = []
        for cell in row:
            if cell is None:
                texts.append(None)
                continue
            x0, top, x1, bottom = cell
            band = mids[bisect_left(heights, top):bisect_left(heights, bottom)]
            picked = sorted(k for _, h, k in band if x0 <= h < x1)
            texts.append(extract_text([chars[k] for k in picked]) if picked else "")
        out.append(texts)
    return out


class CellIndex:
    """Answers "is this point inside a cell of one of these tables?" by looking only at cells near its height."""

    BAND = 12.0   # points of page height per bucket: about one line of text

    def __init__(self, tables: list[tuple[tuple, list[tuple]]]):
        self.bands: dict[int, list[tuple[tuple, tuple]]] = {}
        for bbox, cells in tables:
            for cell in cells:
                for band in range(int(cell[1] // self.BAND), int(cell[3] // self.BAND) + 1):
                    self.bands.setdefault(band, []).append((bbox, cell))

    def covers(self, point: tuple[float, float]) -> bool:
        """True when a cell holds the point and its table's box does too (edges included)."""
        x, y = point
        for bbox, cell in self.bands.get(int(y // self.BAND), ()):
            if (bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3]
                    and cell[0] <= x <= cell[2] and cell[1] <= y <= cell[3]):
                return True
        return False
