"""Scheduled publishing (定时发布) and the one visibility rule, on every public surface.

A story scheduled for 08:00 through ``article_publish(at=...)`` must appear everywhere at
08:00:00 and nowhere at 07:59:59, with no job to run: every public page, list and count starts
from ``Article.objects.published()``. And a story in any other state never reaches a reader.
The surfaces are those of ``articles/urls.py``, ``organizations/urls.py`` and
``events/urls.py``.
"""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from taggit.models import Tag

from articles import roles, services
from articles.models import Article
from articles.topics import topic_url
from organizations.models import Union
from tests import factories

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
SETUP_TIME = datetime(2023, 7, 15, 7, 0, tzinfo=SHANGHAI)
SCHEDULED_FOR = datetime(2023, 7, 15, 8, 0, tzinfo=SHANGHAI)
BASELINE_TIME = datetime(2023, 7, 10, 10, 0, tzinfo=SHANGHAI)


def text(response) -> str:
    return response.content.decode()


def count_after(page: str, marker: str) -> str:
    """The ``<span class="count">`` of the list item whose link is ``marker``, e.g. ``1 篇``,
    or ``""`` when the item shows none; the count of a nested item below does not count."""
    rest = page.split(marker, 1)[1].split("</a>", 1)[1]
    item = re.split(r"<(?:/li|ul|li)\b", rest, maxsplit=1)[0]
    match = re.search(r'<span class="count">([^<]+)</span>', item)
    return match.group(1) if match else ""


@pytest.fixture
def desk():
    """The people who move a story through the desk, by role."""
    reporter = factories.make_reporter("马超")
    reporter.user = factories.make_user("machao", groups=[roles.REPORTER], is_staff=True)
    reporter.save()
    return {
        "reporter": reporter,
        "reporter_user": reporter.user,
        "editor": factories.make_user("editor", groups=[roles.EDITOR], is_staff=True),
        "chief": factories.make_user("chief", groups=[roles.CHIEF_EDITOR], is_staff=True),
    }


@pytest.fixture
def world(desk):
    """A public baseline story, and a draft sharing its union, topic, event, reporter,
    column and month, so that every surface renders and the draft could show on each."""
    with time_machine.travel(SETUP_TIME, tick=False):
        union = factories.make_union("北京市测试建筑工会", kind=Union.Kind.INDUSTRY)
        shared = {
            "bylines": [(desk["reporter"], "记者", "text")],
            "unions": [union],
            "events": [factories.make_event("测试职工职业技能大赛", edition_year=2023)],
            "tags": ["技能竞赛"],
            "column": factories.make_column("深入学习贯彻党的二十大精神"),
            "featured": True,
        }
        baseline = factories.make_article(
            "已经上线的稿件", published=True, publish_at=BASELINE_TIME, **shared
        )
        story = factories.make_article("定时发布的稿件", **shared)
    return {
        **desk,
        "union": union,
        "event": shared["events"][0],
        "column": shared["column"],
        "tag": Tag.objects.get(name="技能竞赛"),
        "baseline": baseline,
        "story": story,
    }


#: Public list pages that list stories (URL from the world).
LIST_PAGES = {
    "home": lambda w: reverse("articles:home"),
    "union": lambda w: w["union"].get_absolute_url(),
    "topic": lambda w: topic_url(w["tag"]),
    "event": lambda w: w["event"].get_absolute_url(),
    "reporter": lambda w: w["reporter"].get_absolute_url(),
    "column": lambda w: w["column"].get_absolute_url(),
    "archive_month": lambda w: reverse("articles:archive_month", args=[2023, 7]),
}


def story_count(client, world, surface: str) -> str:
    """The public story count a directory-like page shows for the world's union, topic,
    event or month."""
    if surface == "union_list":
        page = text(client.get(reverse("organizations:union_list")))
        return count_after(page, f'href="{world["union"].get_absolute_url()}"')
    if surface == "topic_list":
        page = text(client.get(reverse("articles:topic_list")))
        return count_after(page, f'href="{topic_url(world["tag"])}"')
    if surface == "event_list":
        page = text(client.get(reverse("events:event_list")))
        return count_after(page, f'href="{world["event"].get_absolute_url()}"')
    if surface == "archive":
        page = text(client.get(reverse("articles:archive")))
        return count_after(page, f'href="{reverse("articles:archive_month", args=[2023, 7])}"')
    raise AssertionError(surface)


COUNT_PAGES = {
    "union_list": ("1 篇", "2 篇"),
    "topic_list": ("1 篇", "2 篇"),
    "event_list": ("1 篇报道", "2 篇报道"),
    "archive": ("1 篇", "2 篇"),
}

ALL_SURFACES = ["article", *LIST_PAGES, *COUNT_PAGES]


def assert_hidden(client, world, story, surface):
    """``story`` is nowhere on ``surface``; the page itself still works for the baseline."""
    if surface == "article":
        assert client.get(story.get_absolute_url()).status_code == 404
        assert client.get(f"/articles/{story.pk}-wrong/").status_code == 404
        return
    if surface in COUNT_PAGES:
        assert story_count(client, world, surface) == COUNT_PAGES[surface][0]
        return
    response = client.get(LIST_PAGES[surface](world))
    assert response.status_code == 200
    page = text(response)
    assert world["baseline"].get_absolute_url() in page
    assert story.headline not in page
    assert f"/articles/{story.pk}-" not in page


def assert_shown(client, world, story, surface):
    if surface == "article":
        response = client.get(story.get_absolute_url())
        assert response.status_code == 200
        assert story.headline in text(response)
        return
    if surface in COUNT_PAGES:
        assert story_count(client, world, surface) == COUNT_PAGES[surface][1]
        return
    response = client.get(LIST_PAGES[surface](world))
    assert response.status_code == 200
    assert story.get_absolute_url() in text(response)


# -- scheduled publishing -------------------------------------------------------------------------


@pytest.mark.parametrize("surface", ALL_SURFACES)
def test_scheduled_story_goes_live_at_its_minute_on_every_surface(client, world, surface):
    story = world["story"]
    with time_machine.travel(SETUP_TIME, tick=False):
        services.article_approve(article=story, user=world["editor"])
        services.article_publish(article=story, user=world["editor"], at=SCHEDULED_FOR)
    assert story.status == Article.Status.PUBLISHED
    assert story.publish_at == SCHEDULED_FOR

    with time_machine.travel(SCHEDULED_FOR - timedelta(seconds=1), tick=False):
        assert list(Article.objects.scheduled()) == [story]
        assert_hidden(client, world, story, surface)
    with time_machine.travel(SCHEDULED_FOR, tick=False):
        assert not Article.objects.scheduled().exists()
        assert_shown(client, world, story, surface)


def test_scheduled_story_is_live_everywhere_at_once(client, world):
    """The same story, checked on all surfaces in one go either side of 08:00."""
    story = world["story"]
    with time_machine.travel(SETUP_TIME, tick=False):
        services.article_approve(article=story, user=world["editor"])
        services.article_signoff(article=story, user=world["chief"])
        services.article_publish(article=story, user=world["editor"], at=SCHEDULED_FOR)
    with time_machine.travel(datetime(2023, 7, 15, 7, 59, 59, tzinfo=SHANGHAI), tick=False):
        for surface in ALL_SURFACES:
            assert_hidden(client, world, story, surface)
    with time_machine.travel(datetime(2023, 7, 15, 8, 0, 0, tzinfo=SHANGHAI), tick=False):
        for surface in ALL_SURFACES:
            assert_shown(client, world, story, surface)


def test_unscheduled_story_stays_hidden_after_its_old_time(client, world):
    story = world["story"]
    with time_machine.travel(SETUP_TIME, tick=False):
        services.article_approve(article=story, user=world["editor"])
        services.article_publish(article=story, user=world["editor"], at=SCHEDULED_FOR)
        services.article_unschedule(article=story, user=world["editor"])
    with time_machine.travel(SCHEDULED_FOR + timedelta(hours=1), tick=False):
        for surface in ALL_SURFACES:
            assert_hidden(client, world, story, surface)


# -- no other state is ever public ----------------------------------------------------------------


def move_to(state: str, story: Article, world) -> Article:
    """Put ``story`` in ``state`` through the desk's services, as the desk would."""
    editor, chief, reporter = world["editor"], world["chief"], world["reporter_user"]
    if state == "draft":
        return story
    if state in ("submitted", "returned"):
        services.article_submit(article=story, user=reporter)
        if state == "returned":
            services.article_return(article=story, user=editor, comment="请补充数据。")
        return story
    services.article_approve(article=story, user=editor)
    if state == "signed_off":
        services.article_signoff(article=story, user=chief)
    elif state == "scheduled":
        services.article_publish(article=story, user=editor, at=SCHEDULED_FOR)
    elif state == "withdrawn":
        services.article_publish(article=story, user=editor)
        services.article_withdraw(article=story, user=editor, comment="数据有误")
    return story


HIDDEN_STATES = [
    "draft",
    "submitted",
    "returned",
    "approved",
    "signed_off",
    "scheduled",
    "withdrawn",
]


@pytest.mark.parametrize("surface", ALL_SURFACES)
@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_anonymous_reader_never_sees_a_story_that_is_not_live(client, world, state, surface):
    story = world["story"]
    with time_machine.travel(SETUP_TIME, tick=False):
        move_to(state, story, world)
    if state != "scheduled":
        # A publish time in the past must not make a story public: only its status can.
        Article.objects.filter(pk=story.pk).update(publish_at=SETUP_TIME - timedelta(hours=1))
    story.refresh_from_db()
    expected = "published" if state == "scheduled" else state
    assert story.status == expected

    with time_machine.travel(SCHEDULED_FOR - timedelta(seconds=1), tick=False):
        assert_hidden(client, world, story, surface)
