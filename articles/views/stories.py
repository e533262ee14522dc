"""The public reader site: home, article, column, reporter, topic and date archive pages.

Every story a reader sees comes from ``Article.objects.published()`` (DESIGN.md, "Public
visibility is one rule in one place"); lists add ``with_listing()`` so that each page makes
the same number of queries however many stories it lists. Views only fetch and arrange;
rules live on the QuerySets.
"""

from itertools import groupby

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from unionnews.dates import month_span
from unionnews.web import EVERY_PAGE, paginate, redirect_if_moved

from .. import coverage, structured_data
from ..models import Article, Column, CoverageCount, Reporter, prefetch_listing
from ..topics import TopicLink, topic_slug, topic_url

#: Featured stories at the top of the home page.
HOME_FEATURED = 5
#: Newest stories shown under each column on the home page.
HOME_PER_COLUMN = 5


def home(request):
    """Featured stories, the newest stories of each column, then all stories newest first.

    Page 2 onwards of ``?page=`` shows only the running list of latest stories.
    """
    public = Article.objects.published()
    page_obj = paginate(request, public.listed().newest_first(), total=coverage.total())
    page_obj.object_list = list(page_obj.object_list)
    featured, by_column = [], []
    if page_obj.number == 1:
        featured = list(public.filter(featured=True).listed().newest_first()[:HOME_FEATURED])
        by_column = list(public.latest_per_column(HOME_PER_COLUMN).listed())
    # The three lists' credits, unions and photos in one query each, not one a list.
    prefetch_listing([*page_obj.object_list, *featured, *by_column])
    columns = [
        (stories[0].column, stories)
        for stories in (list(g) for _, g in groupby(by_column, key=lambda a: a.column_id))
    ]
    return render(
        request,
        "articles/article_home.html",
        {"featured": featured, "columns": columns, "page_obj": page_obj},
    )


def article_detail(request, pk: int, slug: str):
    """One story as the paper prints it; 404 unless it is published and its time has come."""
    article = get_object_or_404(
        Article.objects.published().with_detail().prefetch_related("corrections"), pk=pk
    )
    if moved := redirect_if_moved(request, slug, article.get_absolute_url(), article.slug):
        return moved
    return render(request, "articles/article_detail.html", article_page(request, article))


def article_page(request, article: Article) -> dict:
    """What the story page shows of ``article`` (fetched with ``with_detail()`` and its
    corrections): the title block, the lead-in, the body, its photos with their credits, the
    links to unions, events, reporters and topics, and the page's structured data. The same
    for readers and for the desk's preview of a story not published yet.

    A photo credit is printed once (issue 9): the story's own photo credit line is left out
    when a photo's caption already carries the same line.
    """
    bylines = list(article.bylines.all())
    corrections = list(article.corrections.all())  # oldest first (Correction.Meta.ordering)
    lead = article.lead_photo()
    photo_story = article.kind == Article.Kind.PHOTO
    figures = [
        {"photo": photo, "credit": photo.credit_line(photo_story=photo_story)}
        for photo in sorted(article.photos.all(), key=lambda p: p is not lead)
    ]
    photo_credit = article.photo_credit()
    if photo_credit in {figure["credit"] for figure in figures}:
        photo_credit = ""
    image = structured_data.og_image(request, lead)
    paragraphs = article.paragraphs
    topics = [TopicLink(tag.name, topic_url(tag)) for tag in article.tags.all()]
    data = structured_data.news_article(
        request, article, bylines=bylines, topics=topics, corrections=corrections, image=image
    )
    placement = article.print_placement
    # 见报: the page it ran on, once its edition is out (editions.Edition.is_public).
    print_page = placement.page if placement and placement.page.edition.is_public else None
    return {
        "article": article,
        "print_page": print_page,
        # A back issue put online later: its web date is labelled, not taken for the paper's.
        "online_later": print_page is not None
        and article.publish_at is not None
        and timezone.localdate(article.publish_at) != print_page.edition.paper_date,
        "bylines": bylines,
        "unions": list(article.unions.all()),
        "events": list(article.events.all()),
        "lead_in": article.lead_in(),
        "standalone_byline": article.standalone_byline(),
        "photo_credit": photo_credit,
        "lead_figure": figures[0] if figures else None,
        "other_figures": figures[1:],
        "og_image": image,
        "corrections": corrections,
        "first_paragraph": paragraphs[0] if paragraphs else "",
        "other_paragraphs": paragraphs[1:],
        "topics": topics,
        "canonical_url": request.build_absolute_uri(article.get_absolute_url()),
        "published_iso": data["datePublished"],
        "json_ld": structured_data.json_ld(data),
    }


def column_detail(request, pk: int, slug: str):
    """A column's published stories, newest first."""
    column = get_object_or_404(Column, pk=pk)
    if moved := redirect_if_moved(request, slug, column.get_absolute_url(), column.slug):
        return moved
    stories = Article.objects.published().filter(column=column).with_listing().newest_first()
    total = coverage.count(CoverageCount.Kind.COLUMN, column.pk)
    return render(
        request,
        "articles/column_detail.html",
        {"column": column, "page_obj": paginate(request, stories, total=total)},
    )


def reporter_detail(request, pk: int, slug: str):
    """A reporter's published stories, text or photo, newest first. A person credited only
    on stories readers cannot see has no page (404): a draft's credit is not public."""
    reporter = get_object_or_404(Reporter.objects.select_related("union"), pk=pk)
    stories = Article.objects.published().credited_to(reporter).with_listing().newest_first()
    total = coverage.count(CoverageCount.Kind.REPORTER, reporter.pk)
    page_obj = paginate(request, stories, total=total)
    if not page_obj.paginator.count:
        raise Http404("没有这位作者的报道。")
    if moved := redirect_if_moved(request, slug, reporter.get_absolute_url(), reporter.slug):
        return moved
    return render(
        request, "articles/reporter_detail.html", {"reporter": reporter, "page_obj": page_obj}
    )


def topic_list(request):
    """Topics that have published stories, the most covered first."""
    counts = coverage.counts(CoverageCount.Kind.TAG)
    tags = sorted(Tag.objects.filter(pk__in=counts), key=lambda t: (-counts[t.pk], t.name))
    topics = [TopicLink(tag.name, topic_url(tag), counts[tag.pk]) for tag in tags]
    return render(request, "articles/topic_list.html", {"page_obj": paginate(request, topics)})


def topic_detail(request, pk: int, slug: str):
    """A topic's published stories, newest first. A topic with none is not a page (404):
    a tag used only on drafts must not show."""
    tag = get_object_or_404(Tag, pk=pk)
    stories = Article.objects.published().tagged(tag).with_listing().newest_first()
    page_obj = paginate(request, stories, total=coverage.count(CoverageCount.Kind.TAG, tag.pk))
    if not page_obj.paginator.count:  # before the redirect, whose URL would spell the name
        raise Http404("该话题还没有报道。")
    if moved := redirect_if_moved(request, slug, topic_url(tag), topic_slug(tag)):
        return moved
    return render(
        request,
        "articles/topic_detail.html",
        {"topic": TopicLink(tag.name, topic_url(tag)), "page_obj": page_obj},
    )


def archive(request):
    """Months with published stories and how many, newest first, grouped by year."""
    months = coverage.month_counts()
    for row in months:
        row["url"] = reverse("articles:archive_month", args=[row["month"].year, row["month"].month])
    return render(request, "articles/article_archive.html", {"months": months})


def archive_month(request, year: int, month: int):
    """The stories published in one month (Asia/Shanghai time), newest first; 404 for a month
    without any, as Django's own date archives do."""
    try:
        start, end = month_span(year, month)
    except (ValueError, OverflowError) as exc:
        raise Http404("没有这个月份。") from exc
    stories = (
        Article.objects.published()
        .filter(publish_at__gte=start, publish_at__lt=end)
        .with_listing()
        .newest_first()
    )
    page_obj = paginate(request, stories, max_pages=EVERY_PAGE)  # the older stories are here
    if not page_obj.paginator.count:
        raise Http404("这个月没有报道。")
    return render(
        request,
        "articles/article_archive_month.html",
        {"month": start, "page_obj": page_obj},
    )
