"""Reader for notice pages published as .png/.jpg images: OCR through extractors.ocr.

The image size is read from the file header before anything is decoded, so
a small file that would decode to gigabytes (an image bomb) is refused.
"""
from __future__ import annotations

import io
import logging
import warnings

import numpy as np

from extractors.base import Extractor, Limits, check_bytes
from extractors.ocr import OcrSettings, normalise_scale, read_image
from pipeline.errors import EmptyDocument, TooLarge, UnreadableDocument
from pipeline.model import RawDocument

log = logging.getLogger(__name__)


class ImageExtractor(Extractor):
    """Reads a scanned or photographed notice page by OCR."""
    format = "image"

    def extract(self, data: bytes, limits: Limits = Limits()) -> RawDocument:
        """Read the bytes of a PNG or JPEG page into paragraphs and tables."""
        check_bytes(data, limits)
        settings = OcrSettings()
        result = read_image(normalise_scale(decode(data, limits), settings), None, settings)
        if not result.has_text:
            raise EmptyDocument("image: OCR found no text in it")
        return RawDocument(format=self.format, blocks=result.blocks, warnings=["image read by OCR"])


def decode(data: bytes, limits: Limits) -> np.ndarray:
    """The image as BGR pixels on white paper (transparency flattened, turned as EXIF says); size checked first."""
    from PIL import Image, UnidentifiedImageError
    try:
        with warnings.catch_warnings():
            # our own limit decides; Pillow still refuses outright what is twice its own
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))  # lazy: reads the header only
            width, height = image.size
            if width * height > limits.max_image_pixels:
                raise TooLarge(f"image is {width}x{height} pixels (limit {limits.max_image_pixels} pixels)")
            image.load()
    except Image.DecompressionBombError as exc:
        raise TooLarge(f"image: {exc}"[:200]) from None
    except TooLarge:
        raise
    except UnidentifiedImageError:
        raise UnreadableDocument("broken image: neither a readable PNG nor JPEG") from None
    except Exception as exc:  # Pillow's decoders raise many untyped errors on broken files
        raise UnreadableDocument(f"broken image: {type(exc).__name__}: {exc}"[:200]) from None
    image = upright(image)
    canvas = Image.new("RGB", image.size, "white")
    canvas.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
    return np.asarray(canvas)[:, :, ::-1].copy()  # RGB -> BGR, as OpenCV reads colour


def upright(image):
    """The image turned as its EXIF Orientation tag says (a phone photo stores its pixels sideways).

    A broken EXIF block leaves the pixels as stored: the tag is a hint, the pixels are the page.
    """
    from PIL import ExifTags, ImageOps
    try:
        if image.getexif().get(ExifTags.Base.Orientation, 1) == 1:
            return image  # upright as stored (exif_transpose would copy it)
        return ImageOps.exif_transpose(image)
    except Exception as exc:  # Pillow's EXIF parser raises many untyped errors on broken tags
        log.debug("EXIF orientation not applied: %s: %s", type(exc).__name__, exc)
        return image
