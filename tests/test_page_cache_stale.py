"""A story going live under load (issue 11, "a publish under load keeps readers fast").

Publishing retires cached pages softly: the first reader after it renders the page anew, and
readers who arrive while that render runs get the page as it was, for at most a second,
instead of all rendering it at once. A withdrawal or an edit is never served stale.

"Meanwhile" is real here: the second reader's request is made while the first one's page is
being rendered (at the render's first database query), through the whole middleware stack.
"""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone

from articles import services
from articles.models import Article
from tests import factories
from unionnews import page_cache

pytestmark = pytest.mark.django_db

HOME = "/"


@pytest.fixture
def editor():
    return factories.make_user("editor", is_staff=True, is_superuser=True)


def text(response) -> str:
    return response.content.decode()


def while_rendering(path: str, meanwhile):
    """Request ``path``; while its page is rendered (at its first database query), call
    ``meanwhile()``, a second reader arriving. Returns both responses."""
    second = []

    def arrive(execute, sql, params, many, context):
        if not second:
            second.append(None)  # only once: the second reader's own queries pass through
            second[0] = meanwhile()
        return execute(sql, params, many, context)

    with connection.execute_wrapper(arrive):
        first = Client().get(path)
    return first, second[0] if second else None


def cached_home_with(headline: str):
    factories.make_article(headline, published=True)
    Client().get(HOME)
    assert Client().get(HOME)["X-Cache"] == "hit"


def test_while_one_reader_renders_the_page_anew_others_get_it_without_the_new_story(editor):
    cached_home_with("早先的报道")
    story = factories.make_article("刚刚发布的报道", status=Article.Status.APPROVED)
    services.article_publish(article=story, user=editor)

    first, second = while_rendering(HOME, lambda: Client().get(HOME))

    assert second["X-Cache"] == "stale"
    assert "早先的报道" in text(second) and "刚刚发布的报道" not in text(second)
    assert first["X-Cache"] == "miss" and "刚刚发布的报道" in text(first)
    after = Client().get(HOME)
    assert after["X-Cache"] == "hit" and "刚刚发布的报道" in text(after)


def test_a_page_is_not_served_stale_more_than_a_second_after_the_publication(editor):
    cached_home_with("早先的报道")
    story = factories.make_article("刚刚发布的报道", status=Article.Status.APPROVED)
    services.article_publish(article=story, user=editor)
    later = timezone.now() + timedelta(seconds=page_cache.STALE_SECONDS + 0.5)

    with time_machine.travel(later, tick=False):
        first, second = while_rendering(HOME, lambda: Client().get(HOME))

    # The first render is still running, but the old page is too old to stand in for it.
    assert second["X-Cache"] == "miss" and "刚刚发布的报道" in text(second)
    assert "刚刚发布的报道" in text(first)


@pytest.mark.parametrize("change", ["withdraw", "edit"])
def test_a_withdrawn_or_edited_story_is_never_served_stale(editor, change):
    story = factories.make_article("原来的标题", published=True)
    Client().get(HOME)
    assert Client().get(HOME)["X-Cache"] == "hit"
    if change == "withdraw":
        services.article_withdraw(article=story, user=editor, comment="事实有误")
    else:
        values = {"headline": "更正后的标题"}
        services.article_edit(article=story, user=editor, values=values, base_version=story.version)

    first, second = while_rendering(HOME, lambda: Client().get(HOME))

    for response in (first, second):
        assert response["X-Cache"] == "miss"
        assert "原来的标题" not in text(response)


def test_a_scheduled_story_is_not_late_for_its_moment():
    """Soft retirement is for a publication someone makes now; a scheduled story is on every
    page from its moment, as before (the page's lifetime ends at that moment)."""
    moment = timezone.now() + timedelta(hours=1)
    factories.make_article("早先的报道", published=True)
    factories.make_article("八点上线的报道", published=True, publish_at=moment)
    with time_machine.travel(moment - timedelta(seconds=1), tick=False):
        Client().get(HOME)
        early = Client().get(HOME)
        assert early["X-Cache"] == "hit" and "八点上线的报道" not in text(early)
    with time_machine.travel(moment, tick=False):
        first, second = while_rendering(HOME, lambda: Client().get(HOME))
    for response in (first, second):
        assert response["X-Cache"] == "miss" and "八点上线的报道" in text(response)
