"""Page PDFs made from real stories, as a layout system's output would be: each story's
kicker, headline and paragraphs set in its own box on an A3 page, in a CJK font, so that the
text positions a reader of the PDF finds are real (issue 12: print page images are not in
the seed text)."""

import io
from dataclasses import dataclass

from reportlab.lib.pagesizes import A3
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
PAGE_WIDTH, PAGE_HEIGHT = A3


@dataclass(frozen=True)
class Box:
    """A story's box on the page, in points from the top left: where it is set."""

    left: float
    top: float
    width: float


def page_pdf(stories, boxes: list[Box], *, body_lines: int = 6) -> tuple[bytes, dict]:
    """A one-page PDF with each story (kicker, headline, subtitle, paragraphs) in its box;
    returns the bytes and, for each story index, the box's bottom as set (points from the
    top), so a test knows where each story ends."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A3)
    bottoms = {}
    for index, (story, box) in enumerate(zip(stories, boxes, strict=True)):
        y = box.top
        per_line = int(box.width // 11)
        lines = []
        if story.kicker:
            lines.append((14, story.kicker))
        lines.append((min(24, box.width / max(len(story.headline), 1)), story.headline))
        if story.subtitle:
            lines.append((14, story.subtitle))
        text = "".join(story.paragraphs)
        body = [text[i : i + per_line] for i in range(0, len(text), per_line)][:body_lines]
        # The story's last words end its box, as the layout's last line does.
        last = story.paragraphs[-1][-per_line:]
        lines += [(11, line) for line in body] + [(11, last)]
        for size, line in lines:
            y += size * 1.4
            pdf.setFont(FONT, size)
            pdf.drawString(box.left, PAGE_HEIGHT - y, line)
        bottoms[index] = y
    pdf.save()
    return out.getvalue(), bottoms
