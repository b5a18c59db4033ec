"""Small helpers shared by the reader tests."""
from pipeline.model import Paragraph, RawDocument, Table


def all_text(doc: RawDocument) -> str:
    """Every paragraph and cell text of a document, one per line."""
    parts = []
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            parts.append(block.text)
        else:
            parts.extend(cell.text for row in block.grid for cell in row)
    return "\n".join(parts)


def row_texts(table: Table, r: int) -> list[str]:
    """The cell texts of row r, one per grid column."""
    return [table.text(r, c) for c in range(table.n_cols)]
