"""The desk's own pages outside the admin: a story's preview as readers will see it, its
sign-off sheet (签发单), and the contribution statistics (稿件统计) for correspondents' reviews
and fees (稿费).

Desk users log in through the admin; these pages use the same accounts, and ask the same
testers (``articles/workflow.py``): who may open which story is ``StoryTester.can_view``, what
counts as published is ``Article.objects.published()``, and the statistics are aggregate
QuerySet methods (``contribution_by_reporter()`` and friends). Every page here is private to
the user: never cached, by the page cache or by a browser or proxy.
"""

import csv
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote, urlencode

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from unionnews.actors import person_name
from unionnews.dates import month_label
from unionnews.web import SITE_NAME

from ..models import Article
from ..workflow import DeskTester, StoryTester, review_signatures
from .stories import article_page


def _story_for_desk(request, pk: int, queryset) -> Article:
    """The story if ``request.user`` may open it on the desk; 404 otherwise, for anyone,
    logged in or not, so that a URL tells nothing about a story one may not see."""
    article = queryset.filter(pk=pk).first()
    if article is None or not StoryTester(request.user, article).can_view():
        raise Http404("没有这篇稿件，或你无权查看。")
    return article


@never_cache
def story_preview(request, pk: int):
    """The story as readers will see it, whatever its state (预览): the public story page,
    with a banner saying what state it is in. Only for desk users who may open the story;
    never cached, and marked ``noindex`` for any crawler that is handed the URL."""
    article = _story_for_desk(
        request, pk, Article.objects.with_detail().prefetch_related("corrections")
    )
    context = article_page(request, article)
    context.update(
        preview=True,
        preview_live=article.is_public,
        change_url=reverse("admin:articles_article_change", args=[article.pk]),
    )
    response = render(request, "articles/article_detail.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# -- the sign-off sheet ---------------------------------------------------------------------------


@never_cache
def signoff_sheet(request, pk: int):
    """A printable sign-off sheet (签发单) for one story: title block, credits as printed,
    length, print origin, status, the review levels (初审, 复审, 终审) with who signed them in
    the system and when, every review step, and lines to sign by hand.

    A user who is not logged in goes to the login page; 404 for a story the user may not
    open on the desk (a reporter's is only their own). The query count does not depend on
    how many review steps the story has.
    """
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    article = _story_for_desk(request, pk, Article.objects.with_review_history())
    transitions = list(article.transitions.all())
    steps = [
        {
            "from": step.get_from_status_display(),
            "to": step.get_to_status_display(),
            "user": person_name(step.user),
            "at": step.created_at,
            "comment": step.comment,
        }
        for step in transitions
    ]
    levels = [
        {
            "level": signature.level,
            "user": person_name(signature.transition.user) if signature.transition else "",
            "at": signature.transition.created_at if signature.transition else None,
            "comment": signature.transition.comment if signature.transition else "",
        }
        for signature in review_signatures(transitions)
    ]
    return render(
        request,
        "articles/desk/signoff_sheet.html",
        {
            "paper_name": SITE_NAME,
            "article": article,
            "bylines": list(article.bylines.all()),
            "unions": list(article.unions.all()),
            "lead_in": article.lead_in(),
            "standalone_byline": article.standalone_byline(),
            "photo_credit": article.photo_credit(),
            # 字数 as the desk counts it: every character of the body except white space.
            "body_length": len("".join(article.body.split())),
            "scheduled": (
                article.status == Article.Status.PUBLISHED
                and article.publish_at is not None
                and not article.is_public
            ),
            "levels": levels,
            "steps": steps,
            "printed_at": timezone.now(),
        },
    )


# -- contribution statistics ----------------------------------------------------------------------

MONTH_PARAM = re.compile(r"(\d{4})-(\d{2})")
ALL_MONTHS = "all"


@dataclass(frozen=True)
class StatColumn:
    """One column of a statistics table: its Chinese header, the row key, and its kind
    (``"month"``, ``"text"`` or ``"number"``) for formatting."""

    header: str
    key: str
    kind: str = "text"


@dataclass(frozen=True)
class TableSpec:
    key: str  # reporters | correspondents | unions: the ?table= value and the CSV name
    caption: str
    method: str  # the ArticleQuerySet method giving the rows
    columns: tuple[StatColumn, ...]


MONTH = StatColumn("月份", "month", "month")
TEXT = StatColumn("文字稿件（篇）", "text", "number")
PHOTO = StatColumn("摄影署名（篇）", "photo", "number")
STORIES = StatColumn("稿件合计（篇）", "stories", "number")

TABLES = (
    TableSpec(
        "reporters",
        "作者稿件统计",
        "contribution_by_reporter",
        (
            MONTH,
            StatColumn("姓名", "name"),
            StatColumn("署名身份", "title"),
            StatColumn("所在工会", "union"),
            TEXT,
            PHOTO,
            STORIES,
        ),
    ),
    TableSpec(
        "correspondents",
        "通讯员稿件统计",
        "contribution_by_correspondent",
        (MONTH, StatColumn("姓名", "name"), StatColumn("所在工会", "union"), TEXT, PHOTO, STORIES),
    ),
    TableSpec(
        "unions",
        "工会报道统计",
        "contribution_by_union",
        (MONTH, StatColumn("工会", "name"), StatColumn("报道（篇）", "stories", "number")),
    ),
)
TABLES_BY_KEY = {table.key: table for table in TABLES}


def _parse_month(value: str | None) -> date | None:
    """``"2023-07"`` → ``date(2023, 7, 1)``; ``"all"`` → ``None`` (every month); a missing
    value → the current month in Asia/Shanghai; anything else → ``ValueError``."""
    if not value:
        return timezone.localdate(timezone=timezone.get_default_timezone()).replace(day=1)
    if value == ALL_MONTHS:
        return None
    match = MONTH_PARAM.fullmatch(value)
    if not match:
        raise ValueError(value)
    year, month = int(match[1]), int(match[2])
    if not (1 <= month <= 12 and 1900 <= year <= 9998):
        raise ValueError(value)
    return date(year, month, 1)


def _month_param(month: date | None) -> str:
    return ALL_MONTHS if month is None else f"{month:%Y-%m}"


_month_label = month_label


def _cell(row: dict, column: StatColumn, *, for_csv: bool):
    value = row[column.key]
    if column.kind == "month":
        month = timezone.localtime(value, timezone.get_default_timezone())
        return f"{month:%Y-%m}" if for_csv else _month_label(month)
    if column.kind == "number":
        return value
    value = value or ("" if for_csv else "—")
    # A name starting with = + - @ would be run as a formula by Excel (CSV injection).
    if for_csv and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        value = "'" + value
    return value


def _csv_response(table: TableSpec, rows: list[dict], month: date | None) -> HttpResponse:
    """The table as a CSV download Excel opens correctly: UTF-8 with a BOM, a Chinese header
    row, and a Chinese file name (RFC 5987 ``filename*``) with an ASCII fallback."""
    period = _month_param(month)
    name = f"稿件统计-{'全部月份' if month is None else period}-{table.key}.csv"
    fallback = f"contribution-stats-{period}-{table.key}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
    )
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([column.header for column in table.columns])
    for row in rows:
        writer.writerow([_cell(row, column, for_csv=True) for column in table.columns])
    return response


@never_cache
def contribution_stats(request):
    """Contribution statistics (稿件统计) of published stories by month of publication
    (Asia/Shanghai): per person and title as printed, per correspondent (通讯员) with their
    union, and per union. ``?month=YYYY-MM`` (default: this month) or ``?month=all``;
    ``?format=csv&table=reporters|correspondents|unions`` downloads one table.

    Editors and the chief editor only (``DeskTester.can_view_statistics``): the login page
    for a user not logged in, 403 for others. One query per table plus one for the month
    list, whatever the number of stories.
    """
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    if not DeskTester(request.user).can_view_statistics:
        raise PermissionDenied("稿件统计只对编辑开放。")
    published = Article.objects.published()
    try:
        month = _parse_month(request.GET.get("month"))
        error = ""
    except ValueError:
        month = _parse_month(None)
        error = (
            f"月份“{request.GET['month']}”无法识别，应为“2023-07”这样的年-月；下面显示本月的统计。"
        )

    if request.GET.get("format") == "csv":
        table = TABLES_BY_KEY.get(request.GET.get("table", ""))
        if error or table is None:
            return HttpResponseBadRequest(
                error or "请用 table=reporters、correspondents 或 unions 指明要导出的表。",
                content_type="text/plain; charset=utf-8",
            )
        return _csv_response(table, getattr(published, table.method)(month=month), month)

    url = reverse("articles:contribution_stats")
    tables = []
    for table in TABLES:
        rows = getattr(published, table.method)(month=month)
        query = urlencode({"month": _month_param(month), "format": "csv", "table": table.key})
        tables.append(
            {
                "key": table.key,
                "caption": table.caption,
                "columns": table.columns,
                "rows": [
                    [(_cell(row, c, for_csv=False), c.kind == "number") for c in table.columns]
                    for row in rows
                ],
                "csv_url": f"{url}?{query}",
            }
        )
    months = published.month_counts()
    month_choices = [
        {"value": f"{row['month']:%Y-%m}", "label": _month_label(row["month"]), "n": row["n"]}
        for row in months
    ]
    selected = _month_param(month)
    if month is not None and selected not in {choice["value"] for choice in month_choices}:
        # The current month before its first story, or a month typed into the URL.
        month_choices.insert(0, {"value": selected, "label": _month_label(month), "n": 0})
        month_choices.sort(key=lambda choice: choice["value"], reverse=True)
    return render(
        request,
        "articles/desk/contribution_stats.html",
        {
            "paper_name": SITE_NAME,
            "month_label": _month_label(month),
            "selected": selected,
            "all_months": ALL_MONTHS,
            "month_choices": month_choices,
            "tables": tables,
            "error": error,
        },
    )
