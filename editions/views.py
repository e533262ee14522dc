"""The public digital paper (数字报): the latest edition, one edition with its pages and a
calendar of past issues, and one page with its stories in layout order, as readers of a
printed paper browse it (issue 12). An edition shows once ``Edition.objects.published()``
holds it; on its pages only ``Article.objects.published()`` stories are listed."""

import calendar
from dataclasses import dataclass
from datetime import date

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render

from articles.models import Article

from .models import Edition, Page

WEEKDAYS = "一二三四五六日"


def _public_pages(edition: Edition) -> list[Page]:
    """The edition's pages in print order, each with its published stories in layout
    order (``page.stories``): two queries however many pages and stories."""
    stories = (
        Article.objects.published()
        .listed()
        .order_by("placement__position", "pk")
        .select_related("placement")
    )
    pages = list(edition.pages.all())
    by_page: dict[int, list[Article]] = {page.pk: [] for page in pages}
    for story in stories.filter(placement__page__in=pages):
        by_page[story.placement.page_id].append(story)
    for page in pages:
        page.edition = edition
        page.stories = by_page[page.pk]
    return pages


@dataclass
class CalendarDay:
    day: date | None
    edition_url: str = ""
    current: bool = False


def _calendar(edition: Edition) -> dict:
    """The month of ``edition`` as weeks of days, those with a published edition linked, and
    the nearest published editions before and after the month (上月 / 下月)."""
    year, month = edition.paper_date.year, edition.paper_date.month
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    published = Edition.objects.published()
    days = set(
        published.filter(paper_date__range=(first, last)).values_list("paper_date", flat=True)
    )
    weeks = [
        [
            CalendarDay(
                day if day.month == month else None,
                Edition(paper_date=day).get_absolute_url() if day in days else "",
                day == edition.paper_date,
            )
            for day in week
        ]
        for week in calendar.Calendar().monthdatescalendar(year, month)
    ]
    before = published.filter(paper_date__lt=first).order_by("-paper_date").first()
    after = published.filter(paper_date__gt=last).order_by("paper_date").first()
    return {"month": first, "weeks": weeks, "weekdays": WEEKDAYS, "before": before, "after": after}


def _edition_page(request, edition: Edition, *, latest: bool = False):
    neighbours = Edition.objects.published()
    return render(
        request,
        "editions/edition_detail.html",
        {
            "edition": edition,
            "pages": _public_pages(edition),
            "calendar": _calendar(edition),
            "latest": latest,
            "previous": neighbours.filter(paper_date__lt=edition.paper_date)
            .order_by("-paper_date")
            .first(),
            "next": neighbours.filter(paper_date__gt=edition.paper_date)
            .order_by("paper_date")
            .first(),
        },
    )


def latest(request):
    """/epaper/: the newest published edition (its page says so), or a notice that none
    is out yet."""
    edition = Edition.objects.published().order_by("-paper_date").first()
    if edition is None:
        return render(request, "editions/no_edition.html")
    return _edition_page(request, edition, latest=True)


def edition_detail(request, day: date):
    """/epaper/2023-07-15/: one edition's pages with their stories, and the month's
    calendar; a 404 for a day with no published edition."""
    return _edition_page(request, get_object_or_404(Edition.objects.published(), paper_date=day))


def _pixels(placement, page) -> tuple[int, int, int, int] | None:
    """A story's area (fractions of the page) in the page image's pixels, for the SVG."""
    if not (page.image and placement.has_area):
        return None
    width, height = page.image_width, page.image_height
    return (
        round(placement.area_left * width),
        round(placement.area_top * height),
        round(placement.area_width * width),
        round(placement.area_height * height),
    )


def _image_public(page: Page) -> bool:
    """Whether readers may see ``page``'s image: the image shows every story printed on the
    page, so only when each of them is public (a story held back at publication, or
    withdrawn since, would be readable on it); the page's story list is shown either way."""
    placed = page.placements.count()
    public = Article.objects.published().filter(placement__page=page).count()
    return bool(page.image) and placed == public


def page_image(request, day: date, number: int, stem: str):
    """The page image readers see (a JPEG made from the page's scan), once the edition is
    out and every story on the page is public (:func:`_image_public`); a 404 otherwise. The
    URL names the image file (``Page.image_url``), so a replaced scan is a new URL."""
    edition = get_object_or_404(Edition.objects.published(), paper_date=day)
    page = get_object_or_404(Page, edition=edition, number=number)
    if not page.image or page.image_url() != request.path or not _image_public(page):
        raise Http404("这一版没有版面图。")
    return image_response(page, cache_control="public, max-age=3600")


def image_response(page: Page, *, cache_control: str) -> FileResponse:
    """``page``'s image file as a JPEG response, for readers (:func:`page_image`) and for
    the desk (the page's admin screen). Raises ``Http404`` when it has none or the file
    is gone."""
    if not page.image:
        raise Http404("这一版没有版面图。")
    try:
        handle = default_storage.open(page.image.name, "rb")
    except FileNotFoundError as exc:
        raise Http404("版面图文件不见了。") from exc
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = cache_control
    return response


def page_detail(request, day: date, number: int):
    """/epaper/2023-07-15/3/: one page as printed: its stories in layout order, with 上一版 /
    下一版 and the edition's other pages."""
    edition = get_object_or_404(Edition.objects.published(), paper_date=day)
    pages = _public_pages(edition)
    index = next((i for i, page in enumerate(pages) if page.number == number), None)
    if index is None:
        raise Http404("这一期没有这一版。")
    page = pages[index]
    page.image_shown = _image_public(page)
    for story in page.stories:
        story.area = _pixels(story.placement, page)
    return render(
        request,
        "editions/page_detail.html",
        {
            "edition": edition,
            "page": page,
            "pages": pages,
            "previous_page": pages[index - 1] if index > 0 else None,
            "next_page": pages[index + 1] if index + 1 < len(pages) else None,
        },
    )
