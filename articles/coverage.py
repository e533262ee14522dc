"""Story counts for readers' index pages, kept by the services (issue 11, "counts kept by the
services"): how many published stories each union, topic, event and column has, how many
credit each reporter, and each month of the archive.

Counting every published story on each render of the directory, the topic index or the
archive index cost 100–160 ms at 100,000 stories, and grows with the archive. Here the
counts of each calendar month (Asia/Shanghai) are kept in :class:`CoverageMonth` and
:class:`CoverageCount` rows, and a reader's count is:

- the sum of the kept rows of every month before the current one, whose stories are all
  past their publish time, so that the rows count exactly what ``Article.objects.published()``
  shows. That is one row per object and month, however many stories there are;
- plus the current month counted live from ``published()``: it alone holds stories still
  scheduled (定时发布), whose time the rows cannot know.

A month's rows count stories with the status published, scheduled ones included, and are
recounted whole (not incremented), under a lock on the month's row, by :func:`recount`.
Every write that can change them calls it in its own transaction: a story's change
(``services/changes.py``, which union merges also go through), a new story and a deleted
one. :func:`rebuild` recounts every month (``manage.py recount_coverage``; the migration that
made the tables, and data loaded around the services such as the bench's).
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from unionnews.dates import month_span

from .models import Article, ArticleStatus, CoverageCount, CoverageMonth

#: What each kind of count counts: the relation of ``Article`` it groups by.
RELATIONS = {
    CoverageCount.Kind.UNION: "unions",
    CoverageCount.Kind.TAG: "tags",
    CoverageCount.Kind.EVENT: "events",
    CoverageCount.Kind.COLUMN: "column",
    CoverageCount.Kind.REPORTER: "reporters",
}


def month_of(moment: datetime | None) -> date | None:
    """The 1st of ``moment``'s month in the paper's time zone; ``None`` for ``None``."""
    if moment is None:
        return None
    local = timezone.localtime(moment, timezone.get_default_timezone())
    return date(local.year, local.month, 1)


def _current_month() -> tuple[date, datetime]:
    month = month_of(timezone.now())
    return month, month_span(month.year, month.month)[0]


_deferred: ContextVar[set | None] = ContextVar("coverage_deferred", default=None)


@contextmanager
def deferred() -> Iterator[None]:
    """Within the block, :func:`recount` only notes its months; they are counted once, at the
    end, in the block's transaction. For a service that changes many stories in one
    transaction (a union merge): a month's lock is then taken after every story's row lock,
    as a single story change takes them, so it cannot wait on an editor who holds a story
    and waits for that month; and each month is counted once, not once a story."""
    if _deferred.get() is not None:  # already inside one: its end counts these too
        yield
        return
    months: set = set()
    token = _deferred.set(months)
    try:
        yield
    finally:
        _deferred.reset(token)
    recount(months)


def recount(months: Iterable[date | None]) -> None:
    """Count ``months`` again from the stories (``None`` and repeats are skipped), each under
    a lock on its :class:`CoverageMonth` row, in ascending order so that two writers never
    wait on each other in a cycle. Runs in the caller's transaction (or its own); inside
    :func:`deferred`, at the end of that block."""
    if (pending := _deferred.get()) is not None:
        pending.update(months)
        return
    with transaction.atomic():
        for month in sorted({m for m in months if m is not None}):
            CoverageMonth.objects.get_or_create(month=month)
            row = CoverageMonth.objects.select_for_update().get(month=month)
            start, end = month_span(month.year, month.month)
            stories = Article.objects.filter(
                status=ArticleStatus.PUBLISHED, publish_at__gte=start, publish_at__lt=end
            )
            row.counts.all().delete()
            CoverageCount.objects.bulk_create(
                CoverageCount(month=row, kind=kind, key=key, stories=n)
                for kind, relation in RELATIONS.items()
                for key, n in stories.count_per(relation).items()
            )
            row.stories = stories.count()
            row.save(update_fields=["stories"])


def rebuild() -> int:
    """Recount every month that has a story with the status published, and drop the rows of
    months that no longer have any. Returns the number of months counted."""
    with transaction.atomic():
        published = Article.objects.filter(status=ArticleStatus.PUBLISHED)
        starts = published.datetimes("publish_at", "month", tzinfo=timezone.get_default_timezone())
        months = {month_of(moment) for moment in starts}
        CoverageMonth.objects.exclude(month__in=months).delete()
        recount(months)
    return len(months)


def counts(kind: str, keys: Iterable[int] | None = None) -> dict[int, int]:
    """``{id: number of published stories}`` for every union, topic, event, column or
    reporter (``kind``, a :class:`CoverageCount.Kind`) with at least one, or only for
    ``keys``.

    The same numbers as ``Article.objects.published().count_per(relation)``, in two queries
    whose cost follows the number of objects and months, and the current month's stories.
    """
    month, start = _current_month()
    kept = CoverageCount.objects.filter(kind=kind, month__lt=month)
    live = Article.objects.published().filter(publish_at__gte=start)
    if keys is not None:
        keys = list(keys)
        kept = kept.filter(key__in=keys)
        if kind == CoverageCount.Kind.TAG:
            live = live.tagged(keys)
        elif kind == CoverageCount.Kind.REPORTER:
            live = live.credited_to(keys)
        else:
            live = live.filter(**{f"{RELATIONS[kind]}__in": keys})
    totals: dict[int, int] = {}
    for key, n in kept.order_by().values_list("key").annotate(n=Sum("stories")):
        totals[key] = n
    for key, n in live.count_per(RELATIONS[kind]).items():
        totals[key] = totals.get(key, 0) + n
    wanted = None if keys is None else set(keys)
    return {key: n for key, n in totals.items() if n and (wanted is None or key in wanted)}


def count(kind: str, key: int) -> int:
    """The number of published stories of one union, topic, event, column or reporter: what
    a list of its stories gives its paginator instead of counting them (:func:`counts`)."""
    return counts(kind, [key]).get(key, 0)


def total() -> int:
    """The number of published stories readers can see, in two queries: the kept months'
    totals and the current month's stories."""
    month, start = _current_month()
    kept = CoverageMonth.objects.filter(month__lt=month).aggregate(n=Sum("stories"))["n"]
    return (kept or 0) + Article.objects.published().filter(publish_at__gte=start).count()


def month_counts() -> list[dict]:
    """``[{"month": aware datetime of the 1st, "n": count}]`` of the months with published
    stories, newest first: ``Article.objects.published().month_counts()`` from the kept rows
    and the current month's stories."""
    month, start = _current_month()
    rows = [
        {"month": month_span(row.month.year, row.month.month)[0], "n": row.stories}
        for row in CoverageMonth.objects.filter(month__lt=month, stories__gt=0).order_by("-month")
    ]
    current = Article.objects.published().filter(publish_at__gte=start).count()
    if current:
        rows.insert(0, {"month": start, "n": current})
    return rows
