"""Site search (站内搜索): the reader's query and filters (:class:`SearchForm`), and the page."""

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django_ratelimit.core import is_ratelimited
from taggit.models import Tag

from organizations.models import Union, UnionKind
from unionnews.web import paginate

from .. import coverage
from .. import search as search_rules
from ..models import Article, CoverageCount

#: The longest query read, in characters.
MAX_QUERY = 100
#: Result pages offered, and counted: a reader refines a search (a union, a topic, dates)
#: rather than read past the 200 newest matches. The count reads stored documents until it
#: has found that many, so its cost follows this cap: 25 pages took 25–30 ms of a two-word
#: search at 100,000 stories, 10 take 10–12 ms (issue 11, bench/README.md).
MAX_RESULT_PAGES = 10


@dataclass
class SearchForm:
    """What a reader asked for in ``?q=&union=&topic=&from=&to=``.

    The filters are choices among the unions and topics that have published stories, and
    whole days (``YYYY-MM-DD``, Asia/Shanghai, both included). A bad filter value is not an
    error page: it is named in :attr:`problems` and ignored, and the search runs without it.
    """

    query: str = ""
    union: Union | None = None
    topic: Tag | None = None
    start: date | None = None
    end: date | None = None
    problems: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, params, *, unions: list, topics: list) -> "SearchForm":
        form = cls(query=params.get("q", "").strip()[:MAX_QUERY])
        form.union = form._choice(params.get("union", ""), unions, "工会")
        form.topic = form._choice(params.get("topic", ""), topics, "话题")
        form.start = form._day(params.get("from", ""), "起始日期")
        form.end = form._day(params.get("to", ""), "截止日期")
        if form.start and form.end and form.start > form.end:
            form.problems.append("起始日期晚于截止日期，已忽略日期条件。")
            form.start = form.end = None
        return form

    @property
    def terms(self) -> list[str]:
        return search_rules.query_terms(self.query)

    def _choice(self, value: str, options: list, what: str):
        value = value.strip()
        if not value:
            return None
        found = next((o for o in options if str(o.pk) == value), None)
        if found is None:
            self.problems.append(f"没有找到所选的{what}（{value[:20]}），已忽略这一条件。")
        return found

    def _day(self, value: str, what: str) -> date | None:
        value = value.strip()
        if not value:
            return None
        try:
            day = datetime.strptime(value, "%Y-%m-%d").date()
        except ValueError:
            self.problems.append(f"{what}“{value[:20]}”无法识别，请写成 2023-07-15 这样的格式。")
            return None
        if not 1900 <= day.year <= 2999:
            self.problems.append(f"{what}“{value}”超出了可查询的年份（1900—2999）。")
            return None
        return day

    def stories(self, public):
        """The published stories that match, newest first (``public`` is ``published()``)."""
        stories = public.search(self.query)
        if self.union is not None:
            stories = stories.about_unions(Union.objects.subtree(self.union).values("pk"))
        if self.topic is not None:
            stories = stories.tagged(self.topic)
        if self.start is not None:
            stories = stories.filter(publish_at__gte=_day_start(self.start))
        if self.end is not None:
            stories = stories.filter(publish_at__lt=_day_start(self.end + timedelta(days=1)))
        return stories


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def too_frequent(request) -> bool:
    """Whether this search goes over ``UNIONNEWS_SEARCH_RATE`` for its address
    (``unionnews.limits.client_address``), counting it. Only readers not logged in are
    counted: searches are never cached, so one client could otherwise keep the workers
    busy (issue 11, "Search as a weapon")."""
    if request.user.is_authenticated:
        return False
    return is_ratelimited(
        request, group="search", key="ip", rate=settings.UNIONNEWS_SEARCH_RATE, increment=True
    )


class SearchTooSlow(Exception):
    """The search ran past ``UNIONNEWS_SEARCH_TIMEOUT_MS`` and was stopped."""


@contextmanager
def search_budget():
    """On PostgreSQL, stop every statement of the block after ``UNIONNEWS_SEARCH_TIMEOUT_MS``
    (``statement_timeout``, for this transaction only) and raise :class:`SearchTooSlow`: no
    query a reader can type holds a worker longer. Elsewhere, no limit."""
    if connection.vendor != "postgresql":
        yield
        return
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                timeout = f"{settings.UNIONNEWS_SEARCH_TIMEOUT_MS}ms"
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [timeout])
            yield
    except DatabaseError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == "57014":  # query_canceled
            raise SearchTooSlow from exc
        raise


#: What a reader reads when a search ran past its time budget (:func:`search_budget`).
TOO_SLOW = "这次搜索用时过长，已停止。请换用更具体的词语，或加上工会、话题或日期条件。"


def search(request):
    """Published stories containing every word of ``?q=``, newest first, with the words
    marked in the headline and in a snippet of the body; filters as :class:`SearchForm`
    reads them. An empty query shows the form and a hint. The number of queries does not
    depend on the number of results. Every query of the page runs within
    :func:`search_budget`; a reader not logged in is held to ``UNIONNEWS_SEARCH_RATE``."""
    if request.GET.get("q", "").strip() and too_frequent(request):
        # Refused before any query: a refused search costs the database nothing.
        context = {
            "query": request.GET.get("q", "").strip()[:MAX_QUERY],
            "searched": False,
            "refused": True,
            "problems": ["搜索过于频繁，请稍等一分钟再试。"],
        }
        return render(request, "articles/search.html", context, status=429)
    try:
        with search_budget():
            context = _search_page(request)
    except SearchTooSlow:
        query = request.GET.get("q", "").strip()[:MAX_QUERY]
        context = {"query": query, "searched": False, "refused": True, "problems": [TOO_SLOW]}
    return render(request, "articles/search.html", context)


def _filter_unions():
    """The unions the search's filter offers: reviewed ones above the grassroots, or with
    unions of their own below (the filter takes in a union's whole subtree). A grassroots
    union's stories are on its own page; a network of papers has thousands of them (2,010
    at a million stories: a list no reader can use, 150 KB that took 90 ms to render)."""
    below = Union.objects.filter(parent=OuterRef("pk"), reviewed=True)
    return Union.objects.reviewed().filter(~Q(kind=UnionKind.GRASSROOTS) | Exists(below))


def _search_page(request) -> dict:
    public = Article.objects.published()
    unions = list(public.covering(_filter_unions(), "unions").in_directory_order())
    # Topics from the kept counts: an EXISTS per topic read each topic's whole list of items
    # before its first public story (3–5 ms a topic at a million stories).
    covered = coverage.counts(CoverageCount.Kind.TAG)
    topics = sorted(Tag.objects.filter(pk__in=covered), key=lambda t: t.name)
    form = SearchForm.read(request.GET, unions=unions, topics=topics)
    terms = form.terms

    page_obj = None
    if terms:
        stories = form.stories(public).with_listing()
        page_obj = paginate(request, stories, max_pages=MAX_RESULT_PAGES)
        for article in page_obj:
            # search.highlight and search.snippet escape every piece of text they return.
            article.headline_html = mark_safe(search_rules.highlight(article.headline, terms))
            article.snippet_html = mark_safe(search_rules.snippet(article.body, terms))

    context = {
        "query": form.query,
        "searched": bool(terms),
        "page_obj": page_obj,
        "problems": form.problems,
        "unions": unions,
        "topics": topics,
        "union": form.union,
        "topic": form.topic,
        "date_from": form.start.isoformat() if form.start else "",
        "date_to": form.end.isoformat() if form.end else "",
    }
    return context
