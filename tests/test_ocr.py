"""Issue 7, OCR part: scanned PDFs, garbled text layers and .png/.jpg pages read by OCR.

The scans are built once per session by tests/fixtures/build_scans.py
(pdftoppm + img2pdf at 200 dpi) from the sample PDFs, and scored with the
shared scorer against the samples' gold files.
"""
from __future__ import annotations

import importlib.util
import json
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from extractors.base import Limits
from extractors.image import ImageExtractor
from extractors.ocr import OcrSettings, deskew, engine, to_gray
from extractors.ocrgrid import find_grids
from extractors.ocrpdf import needs_ocr, page_ranges, page_texts
from extractors.pdf import _read_pdf
from pipeline.errors import EmptyDocument, TooLarge
from pipeline.run import process

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "corpus" / "gold"
SCORER = ROOT.parent / "shared" / "eval" / "score.py"
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
import build_scans  # noqa: E402  (a script kept beside its fixtures, not a package)


@pytest.fixture(scope="session")
def scans(tmp_path_factory) -> dict[str, Path]:
    return build_scans.build(tmp_path_factory.mktemp("scans"))


@pytest.fixture(scope="session")
def results(scans):
    """process() of each scan, run once: OCR takes seconds per page."""
    cache = {}

    def result(name: str, source: str):
        if name not in cache:
            cache[name] = process(scans[name].read_bytes(), source)
        return cache[name]
    return result


def _score(result, gold_name: str, tmp_path: Path) -> float:
    """The shared scorer's headline cell accuracy of one result against one gold file."""
    spec = importlib.util.spec_from_file_location("score", SCORER)
    scorer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scorer)
    out, gold = tmp_path / "out", tmp_path / "gold"
    out.mkdir()
    gold.mkdir()
    shutil.copy(GOLD / gold_name, gold)
    (out / "documents.jsonl").write_text(json.dumps(result.document.as_dict(), ensure_ascii=False) + "\n")
    (out / "tasks.jsonl").write_text("".join(json.dumps(t.as_dict(), ensure_ascii=False) + "\n"
                                             for t in result.tasks))
    return scorer.score(out, gold)["headline_cell_accuracy"]


@pytest.mark.parametrize("name, gold", [
    ("jiujiang_2020_annex1.pdf", "jiujiang_2020_annex1.pdf.gold.json"),
    ("tunliu_2020_tasks.pdf", "tunliu_2020_tasks.pdf.gold.json"),
    ("tilted_stamped.pdf", "tunliu_2020_tasks.pdf.gold.json"),  # 0.6 degrees, red seal on page 1
])
def test_scanned_sample_gives_the_gold_cells(name, gold, results, tmp_path):
    source = json.loads((GOLD / gold).read_text("utf-8"))["source"]
    assert _score(results(name, source), gold, tmp_path) >= 0.95


def test_scanned_tasks_carry_ocr_and_the_warning_names_the_pages(results):
    result = results("tunliu_2020_tasks.pdf", "variants/tunliu_2020_tasks.pdf")
    assert result.tasks and all("ocr" in t.flags for t in result.tasks)
    assert "pages 1-4 read by OCR" in result.document.warnings


def test_scanned_page_inside_a_text_pdf_is_read_and_only_its_rows_flagged(results, tmp_path):
    result = results("mixed.pdf", "tunliu_2020_tasks.pdf")
    assert result.document.warnings == ["page 4 read by OCR"]
    assert _score(result, "tunliu_2020_tasks.pdf.gold.json", tmp_path) >= 0.95
    flagged = {t.page for t in result.tasks if "ocr" in t.flags}
    assert flagged == {4} and {t.page for t in result.tasks} == {1, 2, 3, 4}


def test_text_pdf_tasks_are_not_marked_ocr():
    path = ROOT / "corpus" / "variants" / "tunliu_2020_tasks.pdf"
    result = process(path.read_bytes(), "tunliu_2020_tasks.pdf")
    assert result.tasks and not any("ocr" in t.flags for t in result.tasks)
    assert not any("OCR" in w for w in result.document.warnings)


READ_TEXT_PDF = """
import sys
from pipeline.run import process
result = process(open(sys.argv[1], "rb").read(), "a.pdf")
assert result.tasks, "no tasks read"
print(" ".join(m for m in ("extractors.ocr", "numpy", "cv2", "rapidocr") if m in sys.modules))
"""


def test_text_pdf_never_loads_the_ocr_stack():
    # the OCR stack's imports (numpy, OpenCV) are paid only when a page needs OCR
    run = subprocess.run([sys.executable, "-c", READ_TEXT_PDF, str(ROOT / "corpus" / "jiujiang_2020_annex1.pdf")],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    assert run.stdout.strip() == ""


def test_png_page_is_read(results):
    result = results("page.png", "page.png")
    gold = json.loads((GOLD / "jiujiang_2020_annex1.pdf.gold.json").read_text("utf-8"))
    assert result.document.format == "image"
    assert "image read by OCR" in result.document.warnings
    items = [t.item for t in result.tasks]
    assert [g["item"] for g in gold["tasks"][:3]] == items[:3]
    assert all("ocr" in t.flags for t in result.tasks)


def test_jpeg_page_of_another_resolution_is_read(scans):
    # a 100-dpi JPEG: the image is scaled to the resolution the millimetre thresholds assume
    page = cv2.imread(str(scans["page.png"]))
    small = cv2.resize(page, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    data = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()
    result = process(data, "page.jpeg.bin")  # the name says nothing: the magic number decides
    gold = json.loads((GOLD / "jiujiang_2020_annex1.pdf.gold.json").read_text("utf-8"))
    assert result.document.format == "image"
    assert [t.item for t in result.tasks[:3]] == [g["item"] for g in gold["tasks"][:3]]


def test_a_scan_stated_at_too_low_a_resolution_is_read_as_an_a4_page(scans, tmp_path):
    """200-dpi page images packed as 48 dpi (a page 1.2 m long, as some scanner apps write): the page is
    rendered to an A4 page's length, as an image of unknown resolution is. At 200 dpi of its stated size
    it took over 1.5 GB and ran out of the worker's memory."""
    import img2pdf
    from extractors.ocrpdf import render_scale
    s = OcrSettings()
    assert render_scale((595, 842), s) == s.dpi / 72                         # A4: as it says
    assert render_scale((842, 1191), s) == s.dpi / 72                        # A3 too
    assert round(render_scale((2481, 3508), s) * 3508) == s.px(s.page_long_mm)   # 1.2 m: to A4's length
    page = cv2.imread(str(scans["page.png"]))
    png = tmp_path / "page.png"
    cv2.imwrite(str(png), page)
    data = img2pdf.convert([str(png)], layout_fun=img2pdf.get_fixed_dpi_layout_fun((48, 48)))
    result = process(data, "stated-48dpi.pdf")
    gold = json.loads((GOLD / "jiujiang_2020_annex1.pdf.gold.json").read_text("utf-8"))
    assert [t.item for t in result.tasks[:3]] == [g["item"] for g in gold["tasks"][:3]]


@pytest.mark.parametrize("turn", [cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_90_COUNTERCLOCKWISE])
def test_a_page_scanned_lying_on_its_side_is_read_upright(scans, tmp_path, turn):
    """No /Rotate says so: the text boxes stand taller than wide, and the page is read both ways round."""
    import img2pdf
    png = tmp_path / "sideways.png"
    cv2.imwrite(str(png), cv2.rotate(cv2.imread(str(scans["page.png"])), turn))
    data = img2pdf.convert([str(png)], layout_fun=img2pdf.get_fixed_dpi_layout_fun((200, 200)))
    result = process(data, "sideways.pdf")
    gold = json.loads((GOLD / "jiujiang_2020_annex1.pdf.gold.json").read_text("utf-8"))
    assert [t.item for t in result.tasks[:3]] == [g["item"] for g in gold["tasks"][:3]]


def test_an_upright_scan_is_read_once_and_not_turned(scans, monkeypatch):
    """The sideways test costs an upright page nothing: one OCR run, no turn."""
    import extractors.ocr as ocr
    calls = []
    recognise = ocr._recognise
    monkeypatch.setattr(ocr, "_recognise", lambda gray, s: calls.append(gray.shape) or recognise(gray, s))
    gray = ocr.to_gray(cv2.imread(str(scans["page.png"])), OcrSettings())
    _, result, turns = ocr.upright(gray, OcrSettings())
    assert turns == 0 and len(calls) == 1 and ocr._tall_share(result) < 0.3


def test_blank_scan_is_empty_saying_so(scans):
    with pytest.raises(EmptyDocument, match="OCR found no text"):
        process(scans["blank.pdf"].read_bytes(), "blank.pdf")


def test_garbled_text_layer_is_replaced_by_ocr(results):
    result = results("garbled_layer.pdf", "garbled_layer.pdf")
    assert "page 1 read by OCR" in result.document.warnings
    gold = json.loads((GOLD / "jiujiang_2020_annex1.pdf.gold.json").read_text("utf-8"))
    assert [t.item for t in result.tasks[:3]] == [g["item"] for g in gold["tasks"][:3]]


def test_cells_garbled_as_printed_keep_the_text_layer():
    # the sample's garbled cells are the source's own words: the rendered page says the same
    pages, _ = _read_pdf((ROOT / "corpus" / "jiujiang_2020_annex1.pdf").read_bytes(), Limits())
    assert [needs_ocr(page_texts(p.lines, p.tables)) for p in pages] == [None] * len(pages)


def test_unmapped_glyphs_mark_a_garbled_text_layer():
    assert needs_ocr(["(cid:12)(cid:13)(cid:14) 政务公开", "(cid:15)(cid:16)"]) == "garbled text layer"
    assert needs_ocr(["— 3 —"]) == "no text layer"


def _png(width: int, height: int, rows: bytes) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def test_image_bomb_is_too_large_before_decoding():
    # issue-image-bomb: 30000 x 30000 pixels (900 M) in a file of a few hundred kilobytes
    width = height = 30000
    data = _png(width, height, (b"\x00" + b"\xff" * (width // 8)) * 2000)  # rows beyond these are missing
    assert len(data) < 1_000_000
    with pytest.raises(TooLarge, match="900000000 pixels"):
        process(data, "issue-image-bomb.png")
    small = _png(5000, 5000, (b"\x00" + b"\xff" * 625) * 10)
    with pytest.raises(TooLarge, match="5000x5000 pixels"):
        ImageExtractor().extract(small, Limits(max_image_pixels=10_000_000))


def _grid_page(tilt: float = 0.0) -> np.ndarray:
    """A white 200-dpi page with a 3x3 ruled grid whose first column merges rows 2 and 3."""
    page = np.full((1400, 1800, 3), 255, np.uint8)
    xs, ys = [200, 600, 1000, 1400], [300, 500, 700, 900]
    for x in xs:
        cv2.line(page, (x, ys[0]), (x, ys[-1]), (0, 0, 0), 2)
    for i, y in enumerate(ys):
        cv2.line(page, (xs[1] if i == 2 else xs[0], y), (xs[-1], y), (0, 0, 0), 2)
    if tilt:
        matrix = cv2.getRotationMatrix2D((900, 700), tilt, 1.0)
        page = cv2.warpAffine(page, matrix, (1800, 1400), borderValue=(255, 255, 255))
    return page


@pytest.mark.parametrize("tilt", [0.0, 0.6, -1.5])
def test_grid_with_a_missing_rule_is_a_merged_cell(tilt):
    s = OcrSettings()
    gray, angle = deskew(to_gray(_grid_page(tilt), s), s)
    assert abs(angle + tilt) <= s.skew_step
    (grid,) = find_grids(gray, s)
    assert (len(grid.ys) - 1, len(grid.xs) - 1) == (3, 3)
    assert (1, 0, 3, 1) in grid.regions and len(grid.regions) == 8


def test_red_seal_becomes_paper_and_the_rules_under_it_stay():
    seal = np.full((1400, 1800, 3), 255, np.uint8)
    cv2.circle(seal, (600, 600), 150, (40, 40, 220), 9)  # a seal's ring over a grid crossing
    page = np.minimum(_grid_page(), seal)  # printed ink darkens what is under it
    gray = to_gray(page, OcrSettings())
    (grid,) = find_grids(gray, OcrSettings())
    assert len(grid.xs) == 4 and len(grid.ys) == 4
    assert gray[600, 450] == 255  # the ring is paper now ...
    assert gray[500, 488] < 100    # ... the rule it crosses is still ink
    assert to_gray(page, OcrSettings(drop_red=False))[600, 450] < 128


def test_models_come_from_the_wheel(monkeypatch):
    from rapidocr.utils.download_file import DownloadFile

    def refuse(*args, **kwargs):
        raise AssertionError("rapidocr tried to download a model")
    monkeypatch.setattr(DownloadFile, "_make_http_request", classmethod(refuse))
    page = np.full((120, 400, 3), 255, np.uint8)
    cv2.putText(page, "2020", (40, 85), cv2.FONT_HERSHEY_SIMPLEX, 2.2, (0, 0, 0), 5)
    result = engine.__wrapped__(1, 1280, 4000)(page)  # a fresh engine, its models loaded now
    assert "2020" in "".join(result.txts or ())


def test_page_ranges_are_written_as_spans():
    assert page_ranges([5, 1, 2, 3]) == "1-3, 5"
