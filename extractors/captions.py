"""Caption rows atop a table (a Word table's, a sheet's, a web page's): the lines a reader takes as the
document's title.

Apart from extractors/base.py so that what every command loads (`govnotice --help` included) does not
compile the lexicon's patterns: only the readers that read captions import this."""
from __future__ import annotations

from pipeline.lexicon import FORM_LABEL, GROUP_NUMBER, MAX_CAPTION_ROWS, ROW_START, TABLE_HEADER_WORDS
from pipeline.model import Block, Cell, Paragraph, Table

_MAX_FORM_CELLS = 3      # a form line holds a label and value or two, not a row of headers
_MIN_HEADER_CELLS = 3    # the header of a task or catalog table: three columns at least
_MAX_HEADER_CELL = 16    # a column wording is short (a longer cell is data)


def caption_lines(grid: list[list[Cell]]) -> list[str]:
    """The lines of the caption rows atop a table's grid (a Word table's, a sheet's): rows of one text (附件2, the
    title) or of a form's label:value cells (填报单位:…), at most six, right above its header row; blank rows are
    passed over. None when a numbered heading (一、…) or row opens the table, or when no header follows: a label
    over data rows is a group's, not the document's title."""
    lines: list[str] = []
    for row in grid[:MAX_CAPTION_ROWS + 1]:
        texts = [cell.text.strip() for cell in {id(cell): cell for cell in row}.values() if cell.text.strip()]
        if not texts:
            continue
        single = len(texts) == 1 and not (GROUP_NUMBER.match(texts[0]) or ROW_START.match(texts[0]))
        form = len(texts) <= _MAX_FORM_CELLS and all(FORM_LABEL.match(text) for text in texts)
        if not (single or form):
            return lines if header_like(texts) else []
        lines.extend(line.strip() for text in texts for line in text.splitlines() if line.strip())
    return []


def header_like(texts: list[str]) -> bool:
    """Cells of a header row: three or more short texts, most of them column wordings (序号, 具体事项, 责任单位)."""
    cells = [unspaced(text) for text in texts]   # a letter-spaced 序  号 is 序号
    if len(cells) < _MIN_HEADER_CELLS or any(len(c) > _MAX_HEADER_CELL or ROW_START.match(c) for c in cells):
        return False
    hits = sum(1 for c in cells if any(word in c for word in TABLE_HEADER_WORDS))
    return hits >= 2 and hits * 2 >= len(cells)


def with_caption_lines(blocks: list[Block]) -> list[Block]:
    """The blocks, with the caption rows atop the first table (above its header) also given as paragraphs
    before it: an annex whose title is the table's first row (X县2021年政务公开重点任务分工表 across it) has
    no title paragraph, and the title and region are read from paragraphs. The rows stay in the table, where
    the table stage reads them as captions; lines the body already holds before the table are not repeated."""
    first = next((i for i, block in enumerate(blocks) if isinstance(block, Table)), None)
    if first is None:
        return blocks
    before = {unspaced(block.text) for block in blocks[:first]}
    lines = [line for line in caption_lines(blocks[first].grid) if unspaced(line) not in before]
    return blocks[:first] + [Paragraph(line) for line in lines] + blocks[first:]


def unspaced(text: str) -> str:
    """Text without its spaces (a letter-spaced 序  号, a caption broken over lines), as written: no
    normalising (pipeline.columns.squash normalises too)."""
    return "".join(text.split())
