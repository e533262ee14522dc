"""The story counts kept by the services (``articles/coverage.py``) are the counts readers
would get by counting ``Article.objects.published()`` directly: after every kind of write,
and as time passes a scheduled story's minute and the end of a month."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from articles import coverage, roles
from articles.models import Article, CoverageMonth
from articles.services import (
    article_approve,
    article_delete,
    article_publish,
    article_withdraw,
)
from organizations.services import union_merge
from tests import factories

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def assert_counts_are_the_published_counts():
    public = Article.objects.published()
    for kind, relation in coverage.RELATIONS.items():
        expected = public.count_per(relation)
        assert coverage.counts(kind) == expected, kind
        # A page's own count (a union's, a topic's…), as its paginator is given it.
        assert {key: coverage.count(kind, key) for key in expected} == expected, kind
    assert coverage.month_counts() == public.month_counts()


@pytest.fixture
def desk():
    editor = factories.make_user("editor", groups=[roles.EDITOR], is_staff=True)
    union = factories.make_union("北京市计数测试工会", reviewed=True)
    other = factories.make_union("北京市计数测试工会（别名）", reviewed=True)
    reporter = factories.make_reporter("计数测试记者")
    other_reporter = factories.make_reporter("计数测试通讯员")
    shared = {
        "unions": [union],
        "events": [factories.make_event("计数测试技能大赛", edition_year=2023)],
        "tags": ["技能竞赛"],
        "column": factories.make_column("计数测试栏目"),
        # Text and photo credit for one person: the story counts once on her page. (No
        # photo is held back: the desk waived it.)
        "photo_waived": True,
        "bylines": [
            (reporter, "记者", "text"),
            (reporter, "记者", "photo"),
            (other_reporter, "通讯员", "text"),
        ],
    }
    return {
        "editor": editor,
        "union": union,
        "other": other,
        "reporter": reporter,
        "other_reporter": other_reporter,
        "shared": shared,
    }


def publish(story, editor, at_time=None):
    article_approve(article=story, user=editor)
    return article_publish(article=story, user=editor, at=at_time)


def test_counts_follow_every_write_and_the_turn_of_the_month(desk):
    editor, shared = desk["editor"], desk["shared"]
    with time_machine.travel(at(2023, 6, 10, 9), tick=False):
        june = factories.make_article("六月的稿件", **shared)
        publish(june, editor)
        assert_counts_are_the_published_counts()
    with time_machine.travel(at(2023, 7, 20, 10), tick=False):
        july = factories.make_article("七月的稿件", unions=[desk["other"]], tags=["职工服务"])
        scheduled = factories.make_article("八月一日零点的稿件", **shared)
        publish(july, editor)
        publish(scheduled, editor, at(2023, 8, 1, 0, 0))
        assert_counts_are_the_published_counts()
        union_merge(user=editor, source=desk["other"], target=desk["union"])
        assert_counts_are_the_published_counts()
        article_withdraw(article=july, user=editor)
        assert_counts_are_the_published_counts()
        article_delete(article=june, user=editor)
        assert_counts_are_the_published_counts()
        assert coverage.month_counts() == []
    with time_machine.travel(at(2023, 7, 31, 23, 59, 59), tick=False):
        assert coverage.month_counts() == []
    with time_machine.travel(at(2023, 8, 1, 0, 0), tick=False):
        assert coverage.month_counts() == [{"month": at(2023, 8, 1), "n": 1}]
        assert_counts_are_the_published_counts()
    with time_machine.travel(at(2023, 9, 2, 8), tick=False):  # August is a closed month now
        assert coverage.counts("union") == {desk["union"].pk: 1}
        assert_counts_are_the_published_counts()


def test_the_directory_shows_kept_counts_of_closed_months(client, desk):
    with time_machine.travel(at(2023, 6, 10, 9), tick=False):
        for i in range(3):
            publish(factories.make_article(f"六月第{i}篇", **desk["shared"]), desk["editor"])
    with time_machine.travel(at(2023, 7, 20, 10), tick=False):
        page = client.get(reverse("organizations:union_list")).content.decode()
    link = f'href="{desk["union"].get_absolute_url()}"'
    assert '<span class="count">3 篇</span>' in page.split(link, 1)[1].split("</li>", 1)[0]


def test_recount_coverage_repairs_counts_of_stories_loaded_around_the_services(desk):
    with time_machine.travel(at(2023, 7, 20, 10), tick=False):
        Article.objects.create(
            headline="批量载入的稿件",
            body="正文。",
            status=Article.Status.PUBLISHED,
            publish_at=at(2023, 5, 4, 8),
        )
        assert coverage.month_counts() == []  # not counted: no service saw it
        call_command("recount_coverage")
        assert coverage.month_counts() == [{"month": at(2023, 5, 1), "n": 1}]
        assert CoverageMonth.objects.count() == 1
        assert_counts_are_the_published_counts()


def test_the_migration_counts_the_stories_already_stored(desk):
    """Migrations 0013 and 0015 (reporters) count with the models as they were then (no
    taggit manager on a historical model): the same counts as the services keep."""
    import importlib
    from types import SimpleNamespace

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    migration = importlib.import_module("articles.migrations.0013_coverage_counts")
    reporters = importlib.import_module("articles.migrations.0015_reporter_coverage")
    loader = MigrationLoader(connection)
    state = loader.project_state(("articles", "0013_coverage_counts"))
    later = loader.project_state(("articles", "0015_reporter_coverage"))
    with time_machine.travel(at(2023, 7, 20, 10), tick=False):
        factories.make_article(
            "五月的稿件", published=True, publish_at=at(2023, 5, 4, 8), **desk["shared"]
        )
        factories.make_article(
            "六月的稿件", published=True, publish_at=at(2023, 6, 4, 8), **desk["shared"]
        )
        kept = {kind: coverage.counts(kind) for kind in coverage.RELATIONS}
        CoverageMonth.objects.all().delete()
        schema_editor = SimpleNamespace(connection=connection)
        migration.count_every_month(state.apps, schema_editor)
        reporters.count_reporters(later.apps, schema_editor)
        assert {kind: coverage.counts(kind) for kind in coverage.RELATIONS} == kept
        assert kept["tag"] and kept["union"] and kept["event"] and kept["column"]
        assert kept["reporter"] == {desk["reporter"].pk: 2, desk["other_reporter"].pk: 2}
        assert_counts_are_the_published_counts()


def test_deleting_several_stories_from_the_list_keeps_the_counts(client, desk):
    """The list's 删除 action deletes in one transaction and counts each month once, at the
    end, after every story's lock."""
    superuser = factories.make_user("chief", is_staff=True, is_superuser=True)
    with time_machine.travel(at(2023, 7, 20, 10), tick=False):
        june = [
            factories.make_article(
                f"六月第{i}篇", published=True, publish_at=at(2023, 6, 4 + i, 8), **desk["shared"]
            )
            for i in range(3)
        ]
        client.force_login(superuser)
        response = client.post(
            reverse("admin:articles_article_changelist"),
            {
                "action": "delete_selected",
                "_selected_action": [s.pk for s in june[:2]],
                "post": "yes",
            },
        )
        assert response.status_code == 302
        assert not Article.objects.filter(pk__in=[s.pk for s in june[:2]]).exists()
        assert coverage.month_counts() == [{"month": at(2023, 6, 1), "n": 1}]
        assert_counts_are_the_published_counts()
