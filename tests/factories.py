"""Small factories for tests: real rows, sensible defaults, keyword overrides."""

import socket
from datetime import timedelta
from itertools import count

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from articles import coverage
from articles.models import Article, Byline, Column, Reporter
from articles.services.changes import counted_month
from events.models import Event
from organizations.models import Union

_seq = count(1)


def make_union(name=None, **fields) -> Union:
    return Union.objects.create(name=name or f"测试{next(_seq)}公司工会", **fields)


def make_reporter(name=None, **fields) -> Reporter:
    return Reporter.objects.create(name=name or f"记者{next(_seq)}", **fields)


def make_column(name=None, **fields) -> Column:
    return Column.objects.create(name=name or f"栏目{next(_seq)}", **fields)


def make_event(name=None, kind=Event.Kind.COMPETITION, **fields) -> Event:
    return Event.objects.create(name=name or f"测试技能大赛{next(_seq)}", kind=kind, **fields)


def make_article(
    headline=None,
    *,
    published=False,
    publish_at=None,
    bylines=(),
    unions=(),
    events=(),
    tags=(),
    **fields,
) -> Article:
    """An article; ``published=True`` makes it public an hour ago unless ``publish_at`` says.

    ``bylines`` is a list of ``(reporter, title, contribution)``.
    """
    if published:
        fields.setdefault("status", Article.Status.PUBLISHED)
        publish_at = publish_at or timezone.now() - timedelta(hours=1)
    article = Article.objects.create(
        headline=headline or f"测试稿件{next(_seq)}",
        body=fields.pop("body", "第一段。\n第二段。"),
        publish_at=publish_at,
        **fields,
    )
    for order, (reporter, title, contribution) in enumerate(bylines):
        Byline.objects.create(
            article=article, reporter=reporter, title=title, contribution=contribution, order=order
        )
    article.unions.add(*unions)
    article.events.add(*events)
    if tags:
        article.tags.add(*tags)
    # Stories made here bypass the services, so their month is counted as a loader would.
    coverage.recount([counted_month(article)])
    return article


def make_user(username=None, *, groups=(), **fields):
    user = get_user_model().objects.create_user(
        username=username or f"user{next(_seq)}", password="pw-for-tests-only", **fields
    )
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user


def redis_reachable() -> bool:
    """Whether Redis answers on 127.0.0.1:6379, for the tests that need the real one."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False
