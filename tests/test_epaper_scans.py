"""The page scan (issue 12): a page's PDF becomes the image readers see, with each story's
area found from the PDF's text; a picture gives an image without areas; a bogus file is
refused with a message. PDFs are made from the seed pages (tests/pdfs.py)."""

import io
from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image

from articles.importer import parse_page
from articles.models import Article
from articles.services import article_approve, union_directory
from editions.models import Edition, Placement
from editions.scans import ScanRejected, StoryText, read_scan
from editions.services import PageFile, edition_import, edition_publish, page_attach_scan
from organizations.services import directory_load
from tests import factories
from tests.pdfs import PAGE_HEIGHT, PAGE_WIDTH, Box, page_pdf

PAGES = sorted((Path(__file__).resolve().parent.parent / "fixtures" / "pages").glob("*.txt"))
DAY = date(2023, 7, 15)

#: Two columns of boxes down an A3 page, as a page's layout sets its stories.
BOXES = [
    Box(40, 40, 360),
    Box(440, 40, 360),
    Box(40, 420, 360),
    Box(440, 420, 360),
    Box(40, 800, 360),
    Box(440, 800, 360),
    Box(40, 1000, 360),
]


def seed_stories(path):
    return parse_page(path.read_bytes(), source=path.name, directory=union_directory()).articles


def texts(stories):
    return [
        StoryText(key=i, headline=s.headline, kicker=s.kicker or "", last=s.paragraphs[-1])
        for i, s in enumerate(stories)
    ]


@pytest.mark.django_db
def test_each_storys_area_is_found_where_the_pdf_sets_it():
    directory_load()
    stories = seed_stories(PAGES[1])
    data, bottoms = page_pdf(stories, BOXES[: len(stories)])
    scan = read_scan(data, name="第4版.pdf", stories=texts(stories))
    assert scan.kind == "pdf" and scan.width == 1600
    assert scan.height == round(1600 * PAGE_HEIGHT / PAGE_WIDTH)
    assert set(scan.areas) == set(range(len(stories)))
    for i, box in enumerate(BOXES[: len(stories)]):
        area = scan.areas[i]
        # The area starts at the story's box and reaches its last line, within a line.
        assert area.left == pytest.approx(box.left / PAGE_WIDTH, abs=0.01)
        assert area.top == pytest.approx(box.top / PAGE_HEIGHT, abs=0.02)
        assert area.top + area.height == pytest.approx(bottoms[i] / PAGE_HEIGHT, abs=0.02)
        assert area.left + area.width <= (box.left + box.width) / PAGE_WIDTH + 0.01
    with Image.open(io.BytesIO(scan.image)) as image:
        assert image.format == "JPEG" and image.size == (scan.width, scan.height)


@pytest.mark.django_db
def test_a_story_not_on_the_pdf_gets_no_area():
    directory_load()
    stories = seed_stories(PAGES[0])
    data, _ = page_pdf(stories[:2], BOXES[:2])
    scan = read_scan(data, name="第3版.pdf", stories=texts(stories))
    assert set(scan.areas) == {0, 1}


def test_a_picture_of_the_page_is_an_image_without_areas():
    out = io.BytesIO()
    Image.new("RGB", (2400, 3400), (240, 240, 230)).save(out, "PNG")
    scan = read_scan(out.getvalue(), name="第3版.png", stories=[StoryText(1, "主题")])
    assert scan.kind == "image" and scan.areas == {}
    assert (scan.width, scan.height) == (1600, 2267)


def bomb_pdf(width: float, height: float) -> bytes:
    """A one-page PDF of a page size no newspaper has: a few hundred bytes that would render
    to hundreds of millions of pixels at the page image's width."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(width, height))
    pdf.drawString(1, 1, "x")
    pdf.save()
    return out.getvalue()


@pytest.mark.parametrize("size", [(1, 3000), (20, 3000), (3000, 20), (100, 150)])
def test_a_pdf_of_no_page_size_is_refused_before_it_is_rendered(size):
    with pytest.raises(ScanRejected, match="不像报纸版面"):
        read_scan(bomb_pdf(*size), name="bomb.pdf", stories=[])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "是空文件"),
        (b"%PDF-1.7\nnot really a pdf", "不是可以打开的 PDF"),
        (b"GIF89a" + b"\0" * 100, "版面原件须是 PDF，或 JPEG、PNG、WebP 图片"),
        ("不是文件".encode(), "版面原件须是 PDF"),
    ],
)
def test_a_bogus_scan_is_refused_with_a_message(data, message):
    with pytest.raises(ScanRejected, match=message):
        read_scan(data, name="x.pdf", stories=[])


@pytest.mark.django_db
def test_a_page_imported_with_its_pdf_shows_its_image_with_story_links(client):
    directory_load()
    editor = factories.make_user("editor", is_staff=True, is_superuser=True)
    stories = seed_stories(PAGES[1])
    pdf, _ = page_pdf(stories, BOXES[: len(stories)])
    files = [
        PageFile(number=3, source=PAGES[0].name, data=PAGES[0].read_bytes()),
        PageFile(
            number=4, source=PAGES[1].name, data=PAGES[1].read_bytes(), scan=("第4版.pdf", pdf)
        ),
    ]
    edition = edition_import(user=editor, paper_date=DAY, issue_number=None, files=files).edition
    page = edition.pages.get(number=4)
    assert page.image and page.image_width == 1600
    assert all(p.has_area for p in page.placements.all())
    image_url = page.image_url()
    assert f"{DAY:%Y%m%d}" not in page.image.name  # a random name: not guessable in a bucket
    assert client.get(image_url).status_code == 404  # not out yet

    for story in Article.objects.filter(placement__page__edition=edition):
        story.photo_waived = True
        story.save(update_fields=["photo_waived"])
        article_approve(article=story, user=editor)
    edition_publish(user=editor, edition=edition)
    html = client.get(page.get_absolute_url()).content.decode()
    assert f'<image xlink:href="{image_url}"' in html
    for placement in page.placements.select_related("article"):
        story = placement.article
        assert f'<a xlink:href="{story.get_absolute_url()}" aria-label="{story.headline}">' in html
    image = client.get(image_url)
    assert image["Content-Type"] == "image/jpeg"
    assert b"".join(image.streaming_content)[:3] == b"\xff\xd8\xff"
    # Page 3 has no scan: its stories are listed, and there is no image.
    third = client.get(reverse("editions:page", args=[DAY, 3])).content.decode()
    assert "<svg" not in third and "用专业技能大赛造就“首都建筑工匠”" in third


@pytest.mark.django_db
def test_an_editor_corrects_an_area_and_a_new_scan_replaces_the_image(client):
    directory_load()
    editor = factories.make_user("editor", is_staff=True, is_superuser=True)
    files = [PageFile(number=4, source=PAGES[1].name, data=PAGES[1].read_bytes())]
    edition = edition_import(user=editor, paper_date=DAY, issue_number=None, files=files).edition
    page = edition.pages.get()
    stories = seed_stories(PAGES[1])
    pdf, _ = page_pdf(stories[:3], BOXES[:3])
    page_attach_scan(user=editor, page=page, name="第4版.pdf", data=pdf)
    placements = list(page.placements.order_by("position"))
    assert [p.has_area for p in placements] == [True, True, True, False, False]

    client.force_login(editor)
    url = reverse("admin:editions_page_change", args=[page.pk])
    form = {
        "name": "要闻",
        "editor": "张三",
        "placements-TOTAL_FORMS": str(len(placements)),
        "placements-INITIAL_FORMS": str(len(placements)),
        "placements-MIN_NUM_FORMS": "0",
        "placements-MAX_NUM_FORMS": "1000",
    }
    for i, p in enumerate(placements):
        form |= {f"placements-{i}-id": str(p.pk), f"placements-{i}-page": str(page.pk)}
        form[f"placements-{i}-position"] = str(p.position)
        for name in Placement.AREA_FIELDS:
            value = getattr(p, name)
            form[f"placements-{i}-{name}"] = "" if value is None else str(value)
    bad = form | {
        "placements-3-area_left": "0.9",
        "placements-3-area_top": "0.5",
        "placements-3-area_width": "0.3",
        "placements-3-area_height": "0.1",
    }
    refused = client.post(url, bad)
    assert "热区超出了版面的范围" in refused.content.decode()
    good = form | {
        "placements-3-area_left": "0.5",
        "placements-3-area_top": "0.5",
        "placements-3-area_width": "0.3",
        "placements-3-area_height": "0.1",
    }
    assert client.post(url, good).status_code == 302
    corrected = Placement.objects.get(pk=placements[3].pk)
    assert (corrected.area_left, corrected.area_width) == (0.5, 0.3)
    assert Edition.objects.get().pages.get().name == "要闻"


@pytest.mark.django_db
def test_a_page_image_is_shown_only_when_every_story_on_it_is_public(client):
    """The image shows the whole printed page: a story held back at publication would be
    readable on it. The page's story list is shown either way."""
    directory_load()
    editor = factories.make_user("editor", is_staff=True, is_superuser=True)
    stories = seed_stories(PAGES[1])
    pdf, _ = page_pdf(stories, BOXES[: len(stories)])
    files = [
        PageFile(
            number=4, source=PAGES[1].name, data=PAGES[1].read_bytes(), scan=("第4版.pdf", pdf)
        )
    ]
    edition = edition_import(user=editor, paper_date=DAY, issue_number=None, files=files).edition
    page = edition.pages.get()
    placed = list(Article.objects.filter(placement__page=page).order_by("placement__position"))
    for story in placed[1:]:  # the first is held back
        story.photo_waived = True
        story.save(update_fields=["photo_waived"])
        article_approve(article=story, user=editor)
    edition_publish(user=editor, edition=edition)
    html = client.get(page.get_absolute_url()).content.decode()
    assert "<svg" not in html
    assert placed[1].headline in html and placed[0].headline not in html
    assert client.get(page.image_url()).status_code == 404
