"""The public reader site: home, article, column, reporter, topic and date archive pages.

Every story a reader sees comes from ``Article.objects.published()`` (DESIGN.md, "Public
visibility is one rule in one place"); lists add ``with_listing()`` so that each page makes
the same number of queries however many stories it lists. Views only fetch and arrange;
rules live on the QuerySets.
"""

import json
from datetime import datetime
from itertools import groupby
from typing import NamedTuple

from django.core.paginator import Page, Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from taggit.models import Tag

from unionnews.slugs import pinyin_slug

from .models import Article, Column, Reporter

SITE_NAME = "工会新闻"
#: Stories per page on every paginated list.
PER_PAGE = 20
#: Featured stories at the top of the home page.
HOME_FEATURED = 5
#: Newest stories shown under each column on the home page.
HOME_PER_COLUMN = 5


# -- helpers shared by the public views of all three apps ----------------------------------------


def paginate(request, items) -> Page:
    """Page ``?page=N`` of ``items``, :data:`PER_PAGE` a page; a bad number gives page 1 or
    the last page rather than an error."""
    return Paginator(items, PER_PAGE).get_page(request.GET.get("page"))


def redirect_if_moved(request, slug: str, canonical_url: str, canonical_slug: str):
    """A 301 to ``canonical_url`` when the URL's ``slug`` is not the object's current one.

    The id in the URL finds the object; the slug is only for readers, so an outdated or
    mistyped slug (e.g. after a headline was edited) moves permanently to the current URL,
    keeping the query string. Returns ``None`` when the slug is right.
    """
    if slug == (canonical_slug or "-"):
        return None
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{canonical_url}?{query}" if query else canonical_url)


class TopicLink(NamedTuple):
    """A topic (taggit tag) as a public page shows it: name, URL and story count."""

    name: str
    url: str
    count: int = 0


def topic_slug(tag: Tag) -> str:
    """The readable part of a topic URL: the pinyin of its name (taggit's own slug of a
    Chinese name is Chinese, or empty for a name with no letters), ``"-"`` if there is none."""
    return pinyin_slug(tag.name) or "-"


def topic_url(tag: Tag) -> str:
    """The public URL of a topic, ``/topics/<id>-<pinyin>/``: stable by id, like the others."""
    return reverse("articles:topic_detail", args=[tag.pk, topic_slug(tag)])


_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def json_ld(data: dict) -> SafeString:
    """``data`` as JSON safe to place inside ``<script type="application/ld+json">``.

    Like Django's ``json_script`` filter (which can only write ``type="application/json"``):
    ``<``, ``>`` and ``&`` are escaped as ``\\u003C`` etc., so a headline containing
    ``</script>`` cannot close the element.
    """
    text = json.dumps(data, ensure_ascii=False, cls=DjangoJSONEncoder)
    return mark_safe(text.translate(_JSON_SCRIPT_ESCAPES))


def _iso(moment: datetime) -> str:
    """``2023-07-15T10:00:00+08:00``: local time, whole seconds, as schema.org and OG expect."""
    return timezone.localtime(moment).replace(microsecond=0).isoformat()


# -- pages ----------------------------------------------------------------------------------------


def home(request):
    """Featured stories, the newest stories of each column, then all stories newest first.

    Page 2 onwards of ``?page=`` shows only the running list of latest stories.
    """
    public = Article.objects.published()
    page_obj = paginate(request, public.with_listing().newest_first())
    featured, columns = [], []
    if page_obj.number == 1:
        featured = list(public.filter(featured=True).with_listing().newest_first()[:HOME_FEATURED])
        by_column = public.latest_per_column(HOME_PER_COLUMN).with_listing()
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
    url = article.get_absolute_url()
    if moved := redirect_if_moved(request, slug, url, article.slug):
        return moved

    bylines = list(article.bylines.all())
    corrections = list(article.corrections.all())  # oldest first (Correction.Meta.ordering)
    lead = article.lead_photo()
    photo_story = article.kind == Article.Kind.PHOTO
    figures = [
        {"photo": photo, "credit": photo.credit_line(photo_story=photo_story)}
        for photo in sorted(article.photos.all(), key=lambda p: p is not lead)
    ]
    og_image = None
    if lead is not None:
        biggest = lead.sources().get("largest")
        og_image = {
            "url": request.build_absolute_uri(biggest.file.url if biggest else lead.image.url),
            "width": biggest.width if biggest else lead.width,
            "height": biggest.height if biggest else lead.height,
            "alt": lead.alt_text,
        }
    paragraphs = article.paragraphs
    canonical_url = request.build_absolute_uri(url)
    topics = [TopicLink(tag.name, topic_url(tag)) for tag in article.tags.all()]
    authors = {}
    for byline in bylines:  # one Person per reporter, even with a text and a photo credit
        authors.setdefault(
            byline.reporter.pk,
            {
                "@type": "Person",
                "name": byline.reporter.name,
                "jobTitle": byline.title,
                "url": request.build_absolute_uri(byline.reporter.get_absolute_url()),
            },
        )
    structured = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.headline,
        "alternativeHeadline": article.title_text if article.title_text != article.headline else "",
        "datePublished": _iso(article.publish_at),
        "dateModified": _iso(article.updated_at),
        "inLanguage": "zh-CN",
        "url": canonical_url,
        "mainEntityOfPage": canonical_url,
        "author": list(authors.values()),
        "publisher": {
            "@type": "Organization",
            "name": SITE_NAME,
            "url": request.build_absolute_uri(reverse("articles:home")),
        },
        "articleSection": article.column.name if article.column else "",
        "image": [og_image["url"]] if og_image else [],
        "keywords": [topic.name for topic in topics],
        "correction": [
            {
                "@type": "CorrectionComment",
                "text": correction.text,
                "datePublished": _iso(correction.published_at),
            }
            for correction in corrections
        ],
    }
    structured = {key: value for key, value in structured.items() if value not in ("", [])}
    return render(
        request,
        "articles/article_detail.html",
        {
            "article": article,
            "bylines": bylines,
            "lead_in": article.lead_in(),
            "standalone_byline": article.standalone_byline(),
            "photo_credit": article.photo_credit(),
            "lead_figure": figures[0] if figures else None,
            "other_figures": figures[1:],
            "og_image": og_image,
            "corrections": corrections,
            "first_paragraph": paragraphs[0] if paragraphs else "",
            "other_paragraphs": paragraphs[1:],
            "topics": topics,
            "canonical_url": canonical_url,
            "published_iso": structured["datePublished"],
            "json_ld": json_ld(structured),
        },
    )


def column_detail(request, pk: int, slug: str):
    """A column's published stories, newest first."""
    column = get_object_or_404(Column, pk=pk)
    if moved := redirect_if_moved(request, slug, column.get_absolute_url(), column.slug):
        return moved
    stories = Article.objects.published().filter(column=column).with_listing().newest_first()
    return render(
        request,
        "articles/column_detail.html",
        {"column": column, "page_obj": paginate(request, stories)},
    )


def reporter_detail(request, pk: int, slug: str):
    """A reporter's published stories, text or photo, newest first."""
    reporter = get_object_or_404(Reporter.objects.select_related("union"), pk=pk)
    if moved := redirect_if_moved(request, slug, reporter.get_absolute_url(), reporter.slug):
        return moved
    stories = Article.objects.published().credited_to(reporter).with_listing().newest_first()
    return render(
        request,
        "articles/reporter_detail.html",
        {"reporter": reporter, "page_obj": paginate(request, stories)},
    )


def topic_list(request):
    """Topics that have published stories, the most covered first."""
    counts = Article.objects.published().count_per("tags")
    tags = sorted(Tag.objects.filter(pk__in=counts), key=lambda t: (-counts[t.pk], t.name))
    topics = [TopicLink(tag.name, topic_url(tag), counts[tag.pk]) for tag in tags]
    return render(request, "articles/topic_list.html", {"page_obj": paginate(request, topics)})


def topic_detail(request, pk: int, slug: str):
    """A topic's published stories, newest first. A topic with none is not a page (404):
    a tag used only on drafts must not show."""
    tag = get_object_or_404(Tag, pk=pk)
    if moved := redirect_if_moved(request, slug, topic_url(tag), topic_slug(tag)):
        return moved
    stories = Article.objects.published().filter(tags=tag).with_listing().newest_first()
    page_obj = paginate(request, stories)
    if not page_obj.paginator.count:
        raise Http404("该话题还没有报道。")
    return render(
        request,
        "articles/topic_detail.html",
        {"topic": TopicLink(tag.name, topic_url(tag)), "page_obj": page_obj},
    )


def archive(request):
    """Months with published stories and how many, newest first, grouped by year."""
    months = Article.objects.published().month_counts()
    for row in months:
        row["url"] = reverse("articles:archive_month", args=[row["month"].year, row["month"].month])
    return render(request, "articles/article_archive.html", {"months": months})


def archive_month(request, year: int, month: int):
    """The stories published in one month (Asia/Shanghai time), newest first; 404 for a month
    without any, as Django's own date archives do."""
    try:
        start = timezone.make_aware(datetime(year, month, 1))
        end = timezone.make_aware(datetime(year + month // 12, month % 12 + 1, 1))
    except (ValueError, OverflowError) as exc:
        raise Http404("没有这个月份。") from exc
    stories = (
        Article.objects.published()
        .filter(publish_at__gte=start, publish_at__lt=end)
        .with_listing()
        .newest_first()
    )
    page_obj = paginate(request, stories)
    if not page_obj.paginator.count:
        raise Http404("这个月没有报道。")
    return render(
        request,
        "articles/article_archive_month.html",
        {"month": start, "page_obj": page_obj},
    )


def search(request):
    """Site search (站内搜索): published stories containing every word of ``?q=``, newest first,
    with the words marked in the headline and in a snippet of the body.

    Optional filters: ``?union=<id>`` (that union and the unions below it), ``?topic=<tag id>``
    and ``?from=`` / ``?to=`` (``YYYY-MM-DD``, whole days in Asia/Shanghai, both included). A
    bad filter value is named in a message and ignored, never an error page. An empty query
    shows the form and a hint. The number of queries does not depend on the number of results.
    """
    from datetime import timedelta

    from organizations.models import Union

    from . import search as search_rules

    public = Article.objects.published()
    query = request.GET.get("q", "").strip()[:100]
    terms = search_rules.query_terms(query)
    problems: list[str] = []

    unions = list(
        Union.objects.reviewed()
        .filter(pk__in=Article.unions.through.objects.filter(article__in=public).values("union"))
        .order_by("name")
    )
    topic_counts = public.count_per("tags")
    topics = sorted(Tag.objects.filter(pk__in=topic_counts), key=lambda t: t.name)

    def chosen(param: str, options: list, what: str):
        value = request.GET.get(param, "").strip()
        if not value:
            return None
        found = next((o for o in options if str(o.pk) == value), None)
        if found is None:
            problems.append(f"没有找到所选的{what}（{value[:20]}），已忽略这一条件。")
        return found

    def day(param: str, what: str):
        value = request.GET.get(param, "").strip()
        if not value:
            return None
        try:
            moment = datetime.strptime(value, "%Y-%m-%d")
        except ValueError:
            problems.append(f"{what}“{value[:20]}”无法识别，请写成 2023-07-15 这样的格式。")
            return None
        if not 1900 <= moment.year <= 2999:
            problems.append(f"{what}“{value}”超出了可查询的年份（1900—2999）。")
            return None
        return moment

    union, topic = chosen("union", unions, "工会"), chosen("topic", topics, "话题")
    start, end = day("from", "起始日期"), day("to", "截止日期")
    if start and end and start > end:
        problems.append("起始日期晚于截止日期，已忽略日期条件。")
        start = end = None

    page_obj = None
    if terms:
        stories = public.search(query)
        if union is not None:
            stories = stories.about_unions(Union.objects.subtree_ids(union))
        if topic is not None:
            stories = stories.filter(tags=topic)
        if start is not None:
            stories = stories.filter(publish_at__gte=timezone.make_aware(start))
        if end is not None:
            stories = stories.filter(publish_at__lt=timezone.make_aware(end + timedelta(days=1)))
        page_obj = paginate(request, stories.with_listing())
        for article in page_obj:
            article.headline_html = search_rules.highlight(article.headline, terms)
            article.snippet_html = search_rules.snippet(article.body, terms)

    return render(
        request,
        "articles/search.html",
        {
            "query": query,
            "searched": bool(terms),
            "page_obj": page_obj,
            "problems": problems,
            "unions": unions,
            "topics": topics,
            "union": union,
            "topic": topic,
            "date_from": request.GET.get("from", "").strip()[:10] if start else "",
            "date_to": request.GET.get("to", "").strip()[:10] if end else "",
        },
    )
