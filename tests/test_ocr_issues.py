"""OCR regressions: text only a picture holds, phone photos stored sideways, cut rows finished on a scan.

The files in tests/data are built by tests/fixtures/build_scan_issues.py; each OCR'd document is
read once per module (OCR takes seconds a page), as tests/test_ocr.py does.
"""
from __future__ import annotations

import io
import logging
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from extractors.base import Limits
from extractors.image import decode
from extractors.ocr import OcrSettings, _text_lines, upright
from extractors.ocrpdf import PAGE_PICTURE, TABLE_PICTURE, Picture, picture_reason, pictures
from extractors.pdf import _read_pdf
from normalizers.text import normalize
from pipeline.run import process

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "fixtures"))
from build_scan_issues import STAMP, TASKS, TITLE  # noqa: E402

A4 = (595.0, 842.0)


@pytest.fixture(scope="module")
def read():
    """process() of a regression file, run once per module."""
    cache = {}

    def result(name: str):
        if name not in cache:
            cache[name] = process((HERE / "data" / name).read_bytes(), name)
        return cache[name]
    return result


def _rows(tasks) -> list[tuple]:
    return [(t.item_no, t.item, t.lead_units, t.support_units, t.deadline_text) for t in tasks]


WANT = [(str(i), normalize(item), [lead], [support] if support else [], normalize(deadline))
        for i, (item, lead, support, deadline) in enumerate(TASKS, 1)]


# --------------------------------------------------------------------------
# A picture on a page that holds some real text
# --------------------------------------------------------------------------

def test_scan_under_a_web_stamp_line_is_read_by_ocr(read):
    # a website printed its name, address and date over the scan as real text (~45 characters):
    # more than the 10 that mark a page without a text layer, yet none of the table
    result = read("issue-scan-under-web-stamp.pdf")
    assert result.document.warnings == ["page 1 read by OCR"]
    assert _rows(result.tasks) == WANT
    assert all("ocr" in t.flags for t in result.tasks)


def test_table_pasted_as_a_picture_into_a_typed_page_is_read_by_ocr(read):
    # 附件2, the title and a 注 line are typed; the table is a scanned picture a fifth of the page:
    # the whole page is read by OCR, its typed text too
    result = read("issue-table-pasted-as-picture.pdf")
    assert result.document.warnings == ["page 1 read by OCR"]
    assert result.document.title == TITLE
    assert _rows(result.tasks) == WANT
    assert all("ocr" in t.flags for t in result.tasks)


@pytest.mark.parametrize("name", ["issue-letterhead-red-banner.pdf", "issue-watermark-under-text.pdf",
                                  "issue-seal-scan-under-signature.pdf"])
def test_big_pictures_of_a_typed_page_keep_its_text_layer(read, name):
    # a 红头 banner 7 cm tall over a typed table (OCR finds the typed table: no table more than the layer),
    # a page-sized watermark under a sparse signature page (OCR reads the watermark, not the signature),
    # a page-sized seal scan under the signature
    result = read(name)
    assert not any("OCR" in w for w in result.document.warnings)
    assert _rows(result.tasks) == WANT and not any("ocr" in t.flags for t in result.tasks)
    assert (result.document.issuer, result.document.issue_date) == ("某某县人民政府办公室", "2023-05-20")


def test_banner_logo_seal_and_photo_pictures_keep_the_text_layer(read):
    pages, _ = _read_pdf((HERE / "data" / "issue-seal-logo-photo-pictures.pdf").read_bytes(), Limits())
    # the 红头 banner, logo and seal are too small to hold a table; the photo is table-sized, so
    # its page is read by OCR, but OCR finds no table in it and the text layer stays
    assert [picture_reason(p.pictures, p.size) for p in pages] == [None, TABLE_PICTURE]
    result = read("issue-seal-logo-photo-pictures.pdf")
    assert not any("OCR" in w for w in result.document.warnings)
    assert _rows(result.tasks) == WANT
    assert not any("ocr" in t.flags for t in result.tasks)


def _char(x: float, top: float, size: float = 10.0, text: str = "字") -> dict:
    return {"x0": x, "x1": x + size, "top": top, "bottom": top + size, "text": text}


def _image(x0: float, top: float, x1: float, bottom: float) -> dict:
    return {"x0": x0, "top": top, "x1": x1, "bottom": bottom}


def test_a_searchable_scan_keeps_its_text_layer():
    # a scanner's invisible OCR layer over the page image: the text layer covers the picture
    chars = [_char(60 + 12 * k, 80 + 20 * line) for line in range(30) for k in range(38)]
    found = pictures([_image(0, 0, *A4)], chars, A4)
    assert len(found) == 1 and picture_reason(found, A4) is None
    stamp = [_char(100 + 8 * k, 820, 8) for k in range(len(STAMP))]
    assert picture_reason(pictures([_image(0, 0, *A4)], stamp, A4), A4) == PAGE_PICTURE


def test_a_scan_cut_into_strips_is_one_picture_and_a_seal_none():
    strips = [_image(0, 842 / 20 * k, 595, 842 / 20 * (k + 1)) for k in range(20)]
    (picture,) = pictures(strips, [], A4)
    assert picture == Picture((0.0, 0.0, 595.0, 842.0), 595.0 * 842.0, 0.0)
    seal = _image(400, 600, 400 + 42 / 25.4 * 72, 600 + 42 / 25.4 * 72)   # a round seal, 42 mm
    banner = _image(70, 80, 525, 80 + 45 / 25.4 * 72)                       # a 红头 banner, 45 mm tall
    assert pictures([seal, banner], [], A4) == ()


# --------------------------------------------------------------------------
# Phone photos stored sideways
# --------------------------------------------------------------------------

def test_exif_orientation_turns_the_photo_upright(read):
    data = (HERE / "data" / "issue-photo-exif-orientation.jpg").read_bytes()
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.width > stored.height and stored.getexif()[0x0112] == 6
    height, width = decode(data, Limits()).shape[:2]
    assert height > width  # the portrait page it shows
    result = read("issue-photo-exif-orientation.jpg")
    assert _rows(result.tasks) == WANT


def test_a_photo_without_exif_is_left_as_stored():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 10), "white").save(buffer, "JPEG")
    assert decode(buffer.getvalue(), Limits()).shape[:2] == (10, 40)


# --------------------------------------------------------------------------
# The rest of a cut row on a scanned page
# --------------------------------------------------------------------------

def test_row_finished_on_a_scanned_page_is_flagged_ocr(read):
    # item 2 breaks at the foot of text page 1; its rest (a second lead unit) is on page 2, a scan
    result = read("issue-cut-row-rest-on-scanned-page.pdf")
    assert result.document.warnings[0] == "page 2 read by OCR"
    assert [t.item_no for t in result.tasks] == ["1", "2", "3"]
    assert result.tasks[1].lead_units == ["区教育局", "市生态环境局屯留分局"] and result.tasks[1].page == 1
    assert ["ocr" in t.flags for t in result.tasks] == [False, True, True]


# --------------------------------------------------------------------------
# rapidocr's own log
# --------------------------------------------------------------------------

def test_rapidocr_warnings_go_to_the_debug_log(capfd, caplog):
    # rapidocr warns on a blank page in colour on its own stderr handler; govnotice says `empty` itself
    caplog.set_level(logging.DEBUG, logger="extractors.ocr")
    _, result, turns = upright(np.full((300, 400), 255, np.uint8), OcrSettings())
    assert _text_lines(result, OcrSettings()) == [] and turns == 0
    err = capfd.readouterr().err
    assert "[RapidOCR]" not in err and "\x1b[" not in err  # its handler's tag and colour codes
    assert any("text detection result is empty" in r.getMessage() for r in caplog.records)


def test_a_rapidocr_error_is_a_warning_of_ours(caplog):
    from extractors.ocr import quiet_rapidocr
    quiet_rapidocr()
    caplog.set_level(logging.DEBUG, logger="extractors.ocr")
    logging.getLogger("RapidOCR").error("model file is broken")
    logging.getLogger("RapidOCR").warning("The text detection result is empty")
    levels = {r.getMessage(): r.levelno for r in caplog.records if r.name == "extractors.ocr"}
    assert levels == {"rapidocr: model file is broken": logging.WARNING,
                      "rapidocr: The text detection result is empty": logging.DEBUG}
