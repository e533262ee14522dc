"""A printed page's scan (版面图): the layout system's PDF of the page, or a picture of it,
turned into the image readers see, with each story's area on it (热区) where the PDF's text
says where the story is. Pure Python (pypdfium2, Pillow): no Django.

Founder's 数字报刊 systems attach each page's image with clickable story areas; here the
areas come from the PDF's own text positions: each story's headline is found on the page,
and its area runs from the headline to the end of the story's last paragraph (issue 12). A
story whose text is not found gets no area (its link stays in the page's story list), and an
editor can draw or correct an area in the admin.

Areas are fractions of the page's width and height, from the top left corner.
"""

import io
from dataclasses import dataclass

import pypdfium2
from PIL import Image

from articles.photos import PhotoRejected, clean_upload

#: The largest scan accepted: a page PDF with its pictures is a few MB.
MAX_SCAN_BYTES = 30 * 1024 * 1024
#: Width in pixels of the page image readers see (a phone zooms; a desktop shows it whole).
IMAGE_WIDTH = 1600
#: A page larger than this (in points, 1/72 inch) is not a newspaper page: A2 is 1191 × 1684;
#: nor one smaller than this (A6 is 298 × 420), nor one more than this many times as tall as
#: it is wide, or as wide as it is tall (a broadsheet is 1.5): the image is rendered
#: IMAGE_WIDTH pixels wide, so a 20 × 3000 point "page" would be 240 million pixels.
MAX_PAGE_POINTS = 3000
MIN_PAGE_POINTS = 200
MAX_ASPECT = 3
#: Characters of a paragraph's end that must be found for the area to reach it.
END_CHARS = 12
#: Margin added around an area, as a fraction of the page.
PADDING = 0.004
JPEG_QUALITY = 85


class ScanRejected(ValueError):
    """A scan that is not accepted; ``str(exc)`` is a sentence in Chinese for the editor."""


@dataclass(frozen=True)
class StoryText:
    """What is looked for on the page: a story's ``key`` (its id), its title block and its
    last paragraph's text."""

    key: int
    headline: str
    kicker: str = ""
    last: str = ""


@dataclass(frozen=True)
class Area:
    left: float
    top: float
    width: float
    height: float


@dataclass(frozen=True)
class PageScan:
    """The page image (JPEG bytes and its size in pixels) and the stories' areas by key."""

    image: bytes
    width: int
    height: int
    areas: dict[int, Area]
    kind: str  #: "pdf" | "image"


def read_scan(data: bytes, *, name: str, stories: list[StoryText]) -> PageScan:
    """The page image and story areas of an uploaded scan: a PDF (its first page) or a JPEG,
    PNG or WebP picture (no areas: a picture has no text positions).

    Raises :class:`ScanRejected` for an empty, too large, damaged or unknown file, and for
    a PDF page of an impossible size.
    """
    if not data:
        raise ScanRejected(f"版面原件 {name} 是空文件。")
    if len(data) > MAX_SCAN_BYTES:
        raise ScanRejected(f"版面原件 {name} 超过 {MAX_SCAN_BYTES // 1024 // 1024} MB。")
    if data[:5] == b"%PDF-":
        return _read_pdf(data, name, stories)
    try:
        clean = clean_upload(io.BytesIO(data), name=name, size=len(data))
    except PhotoRejected as exc:
        raise ScanRejected(f"{exc}版面原件须是 PDF，或 JPEG、PNG、WebP 图片。") from exc
    with Image.open(io.BytesIO(clean.data)) as im:
        return PageScan(*_jpeg(im), areas={}, kind="image")


def _jpeg(im: Image.Image) -> tuple[bytes, int, int]:
    im = im.convert("RGB")
    if im.width > IMAGE_WIDTH:
        im = im.resize((IMAGE_WIDTH, round(im.height * IMAGE_WIDTH / im.width)), Image.LANCZOS)
    out = io.BytesIO()
    im.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue(), im.width, im.height


def _read_pdf(data: bytes, name: str, stories: list[StoryText]) -> PageScan:
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        raise ScanRejected(f"版面原件 {name} 不是可以打开的 PDF（可能已损坏或加了密码）。") from exc
    try:
        if len(document) == 0:
            raise ScanRejected(f"版面原件 {name} 没有页面。")
        page = document[0]
        width, height = page.get_size()
        sized = MIN_PAGE_POINTS <= min(width, height) and max(width, height) <= MAX_PAGE_POINTS
        if not sized or max(width, height) > MAX_ASPECT * min(width, height):
            raise ScanRejected(
                f"版面原件 {name} 的页面尺寸（{width:.0f} × {height:.0f} 点）不像报纸版面。"
            )
        bitmap = page.render(scale=IMAGE_WIDTH / width)
        image, pixels_wide, pixels_high = _jpeg(bitmap.to_pil())
        areas = _areas(page.get_textpage(), width, height, stories)
    except (pypdfium2.PdfiumError, MemoryError, OSError) as exc:
        raise ScanRejected(f"版面原件 {name} 无法读取（PDF 已损坏或过于复杂）。") from exc
    finally:
        document.close()
    return PageScan(image, pixels_wide, pixels_high, areas, kind="pdf")


def _squeezed(text: str) -> str:
    """Text as compared with the page: no whitespace (the layout breaks lines anywhere)."""
    return "".join(text.split())


class _PageText:
    """The page's characters without whitespace, each with its box in PDF points.

    The boxes are pdfium's loose ones: the line's height from the font's ascent and descent,
    not the ink of each glyph. A layout PDF often does not embed its Chinese font, and the
    ink then depends on the fonts the server has to stand in for it (without Noto CJK, areas
    came out a line short); a reader's tap area is the line anyway."""

    def __init__(self, textpage):
        self.chars, self.boxes = [], []
        for index in range(textpage.count_chars()):
            char = textpage.get_text_range(index, 1)
            if char and not char.isspace():
                self.chars.append(char)
                self.boxes.append(textpage.get_charbox(index, loose=True))
        self.text = "".join(self.chars)

    def find(self, wanted: str, start: int = 0) -> int:
        return self.text.find(_squeezed(wanted), start) if wanted else -1


def _areas(textpage, width: float, height: float, stories: list[StoryText]) -> dict[int, Area]:
    page = _PageText(textpage)
    areas = {}
    for story in stories:
        headline = _squeezed(story.headline)
        begin = page.find(headline)
        if begin < 0 or not headline:
            continue
        end = begin + len(headline)
        kicker = _squeezed(story.kicker)
        # The kicker stands right above the headline: the area starts there when it is found
        # just before it.
        if kicker and (above := page.find(kicker, max(0, begin - len(kicker) - 20))) >= 0:
            if above < begin:
                begin = above
        tail = _squeezed(story.last)[-END_CHARS:]
        if tail and (found := page.find(tail, end)) >= 0:
            end = found + len(tail)
        boxes = page.boxes[begin:end]
        left = min(b[0] for b in boxes)
        bottom = min(b[1] for b in boxes)
        right = max(b[2] for b in boxes)
        top = max(b[3] for b in boxes)
        areas[story.key] = _fraction(left, bottom, right, top, width, height)
    return areas


def _fraction(left, bottom, right, top, width, height) -> Area:
    """A box in PDF points (origin bottom left) as fractions from the top left, padded and
    kept on the page."""
    x0 = max(0.0, left / width - PADDING)
    y0 = max(0.0, 1 - top / height - PADDING)
    x1 = min(1.0, right / width + PADDING)
    y1 = min(1.0, 1 - bottom / height + PADDING)
    return Area(round(x0, 4), round(y0, 4), round(x1 - x0, 4), round(y1 - y0, 4))
