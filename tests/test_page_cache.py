"""The full-page cache for anonymous readers (``unionnews/page_cache.py``; issue 4, "Speed").

A reader's repeat visit is served from the cache without a query; publishing, withdrawing or
editing a live story shows on the next visit to every page; a scheduled story is on no cached
page a second early and on every page the second it goes live; the desk is never cached.
"""

import io
import socket
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from taggit.models import Tag

from articles import services
from articles.models import Article
from articles.topics import topic_url
from events.models import Event
from events.services import events_mark_reviewed
from organizations.models import Union
from organizations.services import unions_mark_reviewed
from tests import factories
from unionnews import page_cache
from unionnews.actors import SYSTEM

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def editor():
    return factories.make_user("editor", is_staff=True, is_superuser=True)


@pytest.fixture
def live_world():
    """A union, topic and event, each with one live story, so that each has a public page."""
    union = Union.objects.get(name="海淀区总工会")  # from the directory's data migration
    event = factories.make_event("海淀工匠杯")
    factories.make_article(
        "首篇报道", published=True, unions=[union], events=[event], tags=["劳模工匠"]
    )
    return {
        "home": reverse("articles:home"),
        "union": union.get_absolute_url(),
        "topic": topic_url(Tag.objects.get(name="劳模工匠")),
        "event": event.get_absolute_url(),
        "directory": reverse("organizations:union_list"),
        "feed": reverse("articles:feed_latest_rss"),
        "sitemap": reverse("sitemap_section", args=["articles"]),
        "objects": {"union": union, "event": event},
    }


def test_a_repeat_visit_is_served_from_the_cache_without_a_query(
    client, live_world, django_assert_num_queries
):
    first = client.get(live_world["home"])
    assert first["X-Cache"] == "miss"
    with django_assert_num_queries(0):
        again = client.get(live_world["home"])
    assert again.status_code == 200
    assert again["X-Cache"] == "hit"
    assert again.content == first.content
    assert "首篇报道" in text(again)


PAGES = ["home", "union", "topic", "event", "directory", "feed", "sitemap"]


def test_publishing_a_story_shows_on_every_cached_page_at_once(client, live_world, editor):
    for name in PAGES:
        client.get(live_world[name])
        assert client.get(live_world[name])["X-Cache"] == "hit", name
    story = factories.make_article(
        "新发布的稿件",
        status=Article.Status.APPROVED,
        unions=[live_world["objects"]["union"]],
        events=[live_world["objects"]["event"]],
        tags=["劳模工匠"],
    )
    services.article_publish(article=story, user=editor)
    for name in PAGES:
        response = client.get(live_world[name])
        assert response["X-Cache"] == "miss", name
        if name != "directory":  # the directory shows unions, not headlines
            assert story.get_absolute_url() in text(response), name


def test_a_withdrawn_story_leaves_the_cached_pages_at_once(client, editor):
    story = factories.make_article("将被撤回的稿件", published=True)
    home, url = reverse("articles:home"), story.get_absolute_url()
    client.get(home), client.get(url)
    assert client.get(url)["X-Cache"] == "hit"

    services.article_withdraw(article=story, user=editor, comment="事实有误")

    assert "将被撤回的稿件" not in text(client.get(home))
    assert client.get(url).status_code == 404


def test_an_edit_of_a_live_story_shows_at_once(client, editor):
    story = factories.make_article("原标题", published=True)
    home = reverse("articles:home")
    client.get(home)
    assert client.get(home)["X-Cache"] == "hit"

    services.article_edit(
        article=story, user=editor, values={"headline": "更正后的标题"}, base_version=story.version
    )

    page = text(client.get(home))
    assert "更正后的标题" in page and "原标题" not in page


def test_desk_work_on_drafts_keeps_readers_pages_cached(client, editor):
    """Reporters save drafts all day; that must not empty the cache for readers."""
    factories.make_article("已发布", published=True)
    draft = factories.make_article("草稿", bylines=[(factories.make_reporter(), "记者", "text")])
    home = reverse("articles:home")
    client.get(home)

    services.article_edit(
        article=draft, user=editor, values={"body": "改过的草稿正文。"}, base_version=draft.version
    )
    services.article_submit(article=draft, user=editor)

    assert client.get(home)["X-Cache"] == "hit"


def test_a_credit_added_to_a_live_story_shows_at_once(client, editor):
    story = factories.make_article("署名稿件", published=True)
    url = story.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Cache"] == "hit"

    reporter = factories.make_reporter("于佳")
    services.article_edit(
        article=story,
        user=editor,
        values={"credits": [(reporter, "记者", "photo")]},
        base_version=story.version,
    )

    response = client.get(url)
    assert response["X-Cache"] == "miss"
    assert "于佳" in text(response)


def test_a_photo_added_to_a_live_story_shows_at_once(client, editor):
    story = factories.make_article("配图稿件", published=True)
    home = reverse("articles:home")
    client.get(home)
    assert client.get(home)["X-Cache"] == "hit"

    out = io.BytesIO()
    Image.new("RGB", (1200, 800), "teal").save(out, "JPEG")
    services.photo_add(
        article=story,
        upload=SimpleUploadedFile("p.jpg", out.getvalue(), content_type="image/jpeg"),
        user=editor,
        alt_text="新配的图",
    )

    response = client.get(home)
    assert response["X-Cache"] == "miss"
    assert 'alt="新配的图"' in text(response)


def test_a_scheduled_story_is_on_no_cached_page_early_and_on_every_page_on_time(client, editor):
    """Scheduled for 08:00 (Asia/Shanghai): readers fill the cache right up to 07:59:59 and the
    story is on none of those pages; at 08:00:00 it is on the home page and has its own."""
    at = lambda *hms: datetime(2023, 7, 15, *hms, tzinfo=SHANGHAI)  # noqa: E731
    home = reverse("articles:home")
    with time_machine.travel(at(7, 0), tick=False):
        factories.make_article("早已发布", published=True)
        story = factories.make_article("八点上线的稿件", status=Article.Status.APPROVED)
        services.article_publish(article=story, user=editor, at=at(8, 0))
    url = story.get_absolute_url()

    with time_machine.travel(at(7, 59, 0), tick=False):
        assert client.get(home)["X-Cache"] == "miss"
    with time_machine.travel(at(7, 59, 59), tick=False):
        early = client.get(home)
        assert early["X-Cache"] == "hit"  # the cache was really in use
        assert "八点上线的稿件" not in text(early)
        assert client.get(url).status_code == 404
    with time_machine.travel(at(8, 0, 0), tick=False):
        on_time = client.get(home)
        assert "八点上线的稿件" in text(on_time)
        assert client.get(url).status_code == 200


def test_upcoming_events_become_past_at_midnight_even_when_cached(client):
    """The event index sorts by today's date: no cached copy outlives the day it was made."""
    factories.make_article(
        "比赛报道",
        published=True,
        events=[factories.make_event("今日决赛", starts_on=datetime(2023, 7, 15).date())],
    )
    events = reverse("events:event_list")
    with time_machine.travel(datetime(2023, 7, 15, 23, 59, 59, tzinfo=SHANGHAI), tick=False):
        client.get(events)
        today = client.get(events)
        assert today["X-Cache"] == "hit"
        assert text(today).index("今日决赛") < text(today).index('id="past-heading"')
    with time_machine.travel(datetime(2023, 7, 16, 0, 0, 0, tzinfo=SHANGHAI), tick=False):
        next_day = client.get(events)
        assert next_day["X-Cache"] == "miss"
        assert text(next_day).index("今日决赛") > text(next_day).index('id="past-heading"')


def test_reviewed_proposals_join_the_cached_directory_and_event_index(client):
    union = factories.make_union("新提出的工会", reviewed=False)
    event = factories.make_event("新提出的活动", reviewed=False)
    directory, events = reverse("organizations:union_list"), reverse("events:event_list")
    client.get(directory), client.get(events)

    unions_mark_reviewed(user=SYSTEM, unions=Union.objects.filter(pk=union.pk))
    events_mark_reviewed(user=SYSTEM, events=Event.objects.filter(pk=event.pk))

    assert "新提出的工会" in text(client.get(directory))
    assert "新提出的活动" in text(client.get(events))


def test_logged_in_users_search_and_the_desk_are_never_cached(client, live_world, editor):
    for url in [
        reverse("articles:search") + "?q=报道",
        live_world["home"] + "?utm_source=wechat",
        reverse("admin:index"),
    ]:
        client.get(url)
        assert "X-Cache" not in client.get(url), url
    assert client.get(live_world["home"] + "?page=1")["X-Cache"] == "miss"
    assert client.get(live_world["home"] + "?page=1")["X-Cache"] == "hit"

    client.force_login(editor)
    response = client.get(live_world["home"])
    assert response.status_code == 200
    assert "X-Cache" not in response


def test_a_missing_page_is_not_cached(client):
    url = "/articles/999999-bu-cun-zai/"
    assert client.get(url).status_code == 404
    assert "X-Cache" not in client.get(url)


def test_pages_are_served_uncached_while_the_cache_server_is_down(client, settings, caplog):
    with socket.socket() as probe:  # a loopback port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "unionnews.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
        }
    }
    factories.make_article("缓存故障时的稿件", published=True)
    response = client.get(reverse("articles:home"))
    assert response.status_code == 200
    assert "缓存故障时的稿件" in text(response)
    assert "lookup failed" in caplog.text


def use_redis(settings, prefix: str) -> None:
    """Use the site's Redis cache backend on Redis database 15, keys under ``prefix``, and
    empty it (each test empties it again when it ends)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "unionnews.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
            "KEY_PREFIX": prefix,
        }
    }
    cache.clear()


@pytest.mark.skipif(not factories.redis_reachable(), reason="no Redis on 127.0.0.1:6379")
def test_with_redis_a_publication_retires_pages_for_every_process(client, settings, editor):
    """With CACHE_URL (Redis), the generation is shared: a change made by one server process
    retires the pages every other process reads. Uses Redis database 15, emptied around it."""
    use_redis(settings, "unionnews-tests")
    try:
        factories.make_article("第一篇", published=True)
        home = reverse("articles:home")
        client.get(home)
        assert client.get(home)["X-Cache"] == "hit"
        story = factories.make_article("第二篇", status=Article.Status.APPROVED)
        services.article_publish(article=story, user=editor)
        response = client.get(home)
        assert response["X-Cache"] == "miss"
        assert "第二篇" in text(response)
    finally:
        cache.clear()


@pytest.mark.skipif(not factories.redis_reachable(), reason="no Redis on 127.0.0.1:6379")
def test_with_redis_a_cached_page_is_one_round_trip(client, settings, monkeypatch):
    """Issue 11: a hit asks Redis once (the generation and the page in one MGET); Django's
    own keys took three commands (generation, the learned header list, the page)."""
    import redis

    use_redis(settings, "unionnews-tests-trips")
    sent = []
    real = redis.Redis.execute_command

    def counted(self, *args, **options):
        sent.append(args[0])
        return real(self, *args, **options)

    try:
        factories.make_article("第一篇", published=True)
        home = reverse("articles:home")
        assert client.get(home)["X-Cache"] == "miss"
        monkeypatch.setattr(redis.Redis, "execute_command", counted)
        response = client.get(home)
        assert response["X-Cache"] == "hit" and "第一篇" in text(response)
        assert sent == ["MGET"]
    finally:
        monkeypatch.undo()
        cache.clear()


@pytest.mark.skipif(not factories.redis_reachable(), reason="no Redis on 127.0.0.1:6379")
def test_with_redis_a_cached_page_builds_no_redis_client(client, settings, monkeypatch):
    """Issue 11: Django's Redis cache built a new ``redis.Redis`` for every command, a quarter
    of a hit's time; the site's backend (``unionnews/cache.py``) keeps one a process."""
    import redis

    use_redis(settings, "unionnews-tests-clients")
    built = []
    real = redis.Redis.__init__

    def counted(self, *args, **kwargs):
        built.append(1)
        real(self, *args, **kwargs)

    try:
        factories.make_article("第一篇", published=True)
        home = reverse("articles:home")
        assert client.get(home)["X-Cache"] == "miss"
        monkeypatch.setattr(redis.Redis, "__init__", counted)
        for _ in range(3):
            assert client.get(home)["X-Cache"] == "hit"
        assert built == []
    finally:
        monkeypatch.undo()
        cache.clear()


def test_a_cached_page_goes_compressed_to_a_browser_that_takes_gzip(client, live_world):
    """Issue 11: pages are stored gzip-compressed (a fifth of the home page's bytes to read
    from the cache and to send); a client that does not take gzip gets them plain."""
    import gzip

    home = live_world["home"]
    first = client.get(home)
    assert first["X-Cache"] == "miss" and "Accept-Encoding" in first["Vary"]
    packed = client.get(home, headers={"accept-encoding": "gzip, deflate, br"})
    assert packed["X-Cache"] == "hit" and packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"] and "Accept-Language" in packed["Vary"]
    assert int(packed["Content-Length"]) == len(packed.content) < len(first.content) / 2
    assert gzip.decompress(packed.content) == first.content
    plain = client.get(home)
    assert plain["X-Cache"] == "hit" and "Content-Encoding" not in plain
    assert plain.content == first.content


def test_deploy_check_warns_when_processes_cannot_share_the_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert [w.id for w in page_cache.check_shared_cache()] == ["unionnews.W001"]
    settings.UNIONNEWS_PAGE_CACHE_SECONDS = 0
    assert page_cache.check_shared_cache() == []
    settings.UNIONNEWS_PAGE_CACHE_SECONDS = 600
    settings.CACHES = {
        "default": {
            "BACKEND": "unionnews.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
        }
    }
    assert page_cache.check_shared_cache() == []


def test_cache_off_renders_every_visit(client, settings, live_world):
    settings.UNIONNEWS_PAGE_CACHE_SECONDS = 0
    client.get(live_world["home"])
    assert "X-Cache" not in client.get(live_world["home"])


def test_page_lifetime_never_outlasts_the_next_scheduled_story(editor):
    now = datetime(2023, 7, 15, 7, 58, 30, 500000, tzinfo=SHANGHAI)
    with time_machine.travel(now, tick=False):
        story = factories.make_article("定时稿件", status=Article.Status.APPROVED)
        eight = datetime(2023, 7, 15, 8, 0, tzinfo=SHANGHAI)
        services.article_publish(article=story, user=editor, at=eight)
        assert page_cache.page_lifetime() == 89  # 89.5 s to 08:00:00, rounded down


def test_opening_a_restore_preview_leaves_every_cached_page_in_place(client, editor):
    """Issue 9: the restore preview used to write the old version and roll it back, and the
    cache receivers retired every page meanwhile. It is read from the stored version now."""
    from django.test import Client

    story = services.article_create(
        user=editor, values={"headline": "第一版标题", "body": "正文。"}
    )
    services.article_edit(
        article=story, user=editor, values={"headline": "第二版标题"}, base_version=1
    )
    services.article_approve(article=story, user=editor)
    services.article_publish(article=story, user=editor)
    home = reverse("articles:home")
    client.get(home)
    assert client.get(home)["X-Cache"] == "hit"

    desk = Client()
    desk.force_login(editor)
    preview = desk.get(reverse("admin:articles_article_revision", args=[story.pk, 1]))
    assert preview.status_code == 200 and "第一版标题" in preview.content.decode()

    assert client.get(home)["X-Cache"] == "hit"
    assert "第二版标题" in text(client.get(home))


def test_desk_pages_are_private_and_never_stored(client, editor):
    client.force_login(editor)
    for url in (reverse("articles:contribution_stats"),):
        response = client.get(url)
        assert response.status_code == 200
        assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


@pytest.mark.skipif(not factories.redis_reachable(), reason="no Redis on 127.0.0.1:6379")
@pytest.mark.parametrize("url_name", ["articles:home", "articles:feed_latest_rss"])
def test_a_page_rendered_across_a_scheduled_time_is_not_kept_past_it(
    client, settings, editor, monkeypatch, url_name
):
    """Issue 10: a page whose rendering began before T and ended after T lacks the story
    scheduled for T; it must not be served at or after T. Readers are simulated with the
    clock moving past T while the page renders (real Redis, database 15)."""
    use_redis(settings, "unionnews-tests")
    at = lambda *hms: datetime(2026, 7, 15, *hms, tzinfo=SHANGHAI)  # noqa: E731
    try:
        with time_machine.travel(at(7, 0), tick=False) as clock:
            factories.make_article("早已发布", published=True, publish_at=at(6, 0))
            story = factories.make_article("八点上线的稿件", status=Article.Status.APPROVED)
            services.article_publish(article=story, user=editor, at=at(8, 0))
            clock.move_to(at(7, 59, 59, 500000))

            from django.urls import resolve

            view = resolve(reverse(url_name)).func
            rendering = {}

            def slow_render(*args, **kwargs):  # the page takes a second to render, across T
                response = view(*args, **kwargs)
                rendering["done"] = True
                clock.move_to(at(8, 0, 0, 500000))
                return response

            import django.urls.resolvers as resolvers

            original = resolvers.URLPattern.resolve

            def patched(self, path):  # the URL resolves to the slow render of its view
                match = original(self, path)
                if match is not None and match.func is view:
                    match.func = slow_render
                return match

            monkeypatch.setattr(resolvers.URLPattern, "resolve", patched)
            first = client.get(reverse(url_name))
            assert rendering.get("done") and "八点上线的稿件" not in text(first)
            monkeypatch.setattr(resolvers.URLPattern, "resolve", original)

            clock.move_to(at(8, 0, 1))
            again = client.get(reverse(url_name))
            assert "八点上线的稿件" in text(again), again.get("X-Cache")
    finally:
        cache.clear()


def test_a_page_rendered_across_midnight_is_not_kept_past_it(client, monkeypatch):
    """The midnight cut-off has the same race: the event index rendered from 23:59:59.5 to
    00:00:00.5 still shows yesterday's final as upcoming; it must not be served after 00:00."""
    import django.urls.resolvers as resolvers

    factories.make_article(
        "比赛报道",
        published=True,
        publish_at=datetime(2023, 7, 10, tzinfo=SHANGHAI),
        events=[factories.make_event("今日决赛", starts_on=datetime(2023, 7, 15).date())],
    )
    events = reverse("events:event_list")
    with time_machine.travel(
        datetime(2023, 7, 15, 23, 59, 59, 500000, tzinfo=SHANGHAI), tick=False
    ) as clock:
        view = resolvers.get_resolver().resolve(events).func
        original = resolvers.URLPattern.resolve

        def slow(*args, **kwargs):
            response = view(*args, **kwargs)
            clock.move_to(datetime(2023, 7, 16, 0, 0, 0, 500000, tzinfo=SHANGHAI))
            return response

        def patched(self, path):
            match = original(self, path)
            if match is not None and match.func is view:
                match.func = slow
            return match

        monkeypatch.setattr(resolvers.URLPattern, "resolve", patched)
        client.get(events)
        monkeypatch.setattr(resolvers.URLPattern, "resolve", original)
        clock.move_to(datetime(2023, 7, 16, 0, 0, 1, tzinfo=SHANGHAI))
        page = text(client.get(events))
        assert page.index("今日决赛") > page.index('id="past-heading"')


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_cache_outage_is_logged_once_and_readers_are_served(client, settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "unionnews.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"socket_timeout": 0.05, "socket_connect_timeout": 0.05},
        }
    }
    factories.make_article("缓存故障时的稿件", published=True)
    for _ in range(5):
        response = client.get(reverse("articles:home"))
        assert response.status_code == 200 and "缓存故障时的稿件" in text(response)
    errors = [
        r for r in caplog.records if r.name == "unionnews.page_cache" and r.levelname == "ERROR"
    ]
    assert len(errors) == 1 and "serving pages uncached" in errors[0].getMessage()
    assert not any(r.exc_info for r in caplog.records)  # no traceback per request


def test_a_frozen_cache_server_is_asked_once_not_on_every_request(client, settings):
    """A server that accepts connections and never answers (a frozen Redis): the first
    request waits one short socket timeout, the next ones do not ask it at all."""
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted = []

    def accept():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            accepted.append(conn)  # held open, never answered

    threading.Thread(target=accept, daemon=True).start()
    settings.CACHES = {
        "default": {
            "BACKEND": "unionnews.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{listener.getsockname()[1]}/0",
            "OPTIONS": {"socket_timeout": 0.05, "socket_connect_timeout": 0.05},
        }
    }
    try:
        factories.make_article("冻结时的稿件", published=True)
        for _ in range(5):
            assert client.get(reverse("articles:home")).status_code == 200
        assert len(accepted) == 1
    finally:
        listener.close()
        for conn in accepted:
            conn.close()


def test_the_production_cache_has_short_timeouts(settings):
    import os
    from importlib import reload

    from unionnews import settings as project_settings

    os.environ["CACHE_URL"] = "redis://127.0.0.1:6379/0"
    try:
        reload(project_settings)
        options = project_settings.CACHES["default"]["OPTIONS"]
        assert options["socket_timeout"] == options["socket_connect_timeout"] == 0.05
    finally:
        del os.environ["CACHE_URL"]
        reload(project_settings)


def test_made_up_page_numbers_and_kinds_are_not_cached(client):
    factories.make_article("唯一的稿件", published=True)
    home = reverse("articles:home")
    for junk in ("abc", "0", "999", "02", "1.0"):
        response = client.get(home, {"page": junk})
        assert response.status_code == 404, junk
        assert "X-Cache" not in response, junk
    assert client.get(home, {"page": "1"})["X-Cache"] == "miss"
    assert "X-Cache" not in client.get(home, {"p": "2"})  # the sitemap's parameter, not here
    events = reverse("events:event_list")
    assert client.get(events, {"kind": "nonsense"}).status_code == 404
    assert client.get(events, {"kind": "competition"})["X-Cache"] == "miss"
    from django.core.cache import cache as the_cache

    keys = the_cache._cache.keys() if hasattr(the_cache, "_cache") else []
    assert sum(":page:" in k for k in keys) == 2  # the two real pages only


@pytest.mark.django_db(transaction=True)
def test_readers_hammering_cached_pages_across_a_scheduled_time_see_the_story_from_then_on(
    live_server, settings, editor
):
    """Issue 10, as it was measured: a story scheduled for T, the cache warm (real Redis),
    readers requesting the home page, the feed and the month's archive back to back through a
    real threaded server. No page answered before T shows the story; every page asked for from
    T on does, not minutes later."""
    import threading
    import time
    import urllib.request
    from datetime import timedelta

    from django.utils import timezone

    use_redis(settings, "unionnews-tests-live")
    now = timezone.now()
    factories.make_article(
        "早些时候发布的稿件", published=True, publish_at=now - timedelta(hours=1)
    )
    story = factories.make_article("定时上线的稿件", status=Article.Status.APPROVED)
    at = (now + timedelta(seconds=3)).replace(microsecond=0)
    services.article_publish(article=story, user=editor, at=at)
    local = timezone.localtime(at)
    urls = [
        reverse("articles:home"),
        reverse("articles:feed_latest_rss"),
        reverse("articles:archive_month", args=[local.year, local.month]),
    ]
    deadline = at.timestamp() + 1.5
    seen: list[tuple[float, float, str, bool, str]] = []

    def reader(url):
        while time.time() < deadline:
            began = time.time()
            with urllib.request.urlopen(live_server.url + url, timeout=10) as response:
                body = response.read().decode()
                hit = response.headers.get("X-Cache", "")
            seen.append((began, time.time(), url, "定时上线的稿件" in body, hit))

    threads = [threading.Thread(target=reader, args=(url,)) for url in urls * 3]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        cache.clear()

    moment = at.timestamp()
    before = [s for s in seen if s[1] < moment]
    # A quarter of a second for a page stored just before T on a loaded machine (the issue
    # allows one second); without the fix such pages stay for the full lifetime.
    after = [s for s in seen if s[0] >= moment + 0.25]
    for url in urls:
        assert any(s[2] == url and s[4] == "hit" for s in before), f"{url} was never cached"
        assert any(s[2] == url for s in after)
    assert not [s for s in before if s[3]], "the story showed before its time"
    late = [(round(s[0] - moment, 2), s[2], s[4]) for s in after if not s[3]]
    assert not late, f"pages without the story after its time: {late[:5]}"
