"""The reader interface every format implements, and helpers the readers share."""
from __future__ import annotations

import re
import unicodedata

from pipeline.errors import EmptyDocument, TooLarge
from pipeline.model import Paragraph, RawDocument
from pipeline.limits import Limits

_TRIVIAL = re.compile(
    r"^([-—–_~·\s]*\d{1,4}[-—–_~·\s]*|第?\d+页(共\d+页)?|\d+/\d+|[((]?续表?[一二三四五六七八九十\d]{0,3}[))]?|续上表|)$")


def is_trivial(paragraph: Paragraph) -> bool:
    """Page numbers, blank lines and 续表 marks: text that does not separate two table parts."""
    return bool(_TRIVIAL.match(re.sub(r"\s+", "", unicodedata.normalize("NFKC", paragraph.text))))


def check_bytes(data: bytes, limits: Limits) -> None:
    """The guards every reader starts with: no bytes is `empty`, over the size limit is `too_large`."""
    if not data:
        raise EmptyDocument("empty file")
    if len(data) > limits.max_file_bytes:
        raise TooLarge(f"file has {len(data)} bytes (limit {limits.max_file_bytes})")


class Extractor:
    """Turns the bytes of one file into a RawDocument; does not normalise or interpret."""
    format: str = ""

    def extract(self, data: bytes, limits: Limits = Limits()) -> RawDocument:
        """Read the bytes; raise a pipeline.errors exception when they cannot be read."""
        raise NotImplementedError
