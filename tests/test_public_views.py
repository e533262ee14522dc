"""The public reader site: what a reader sees on each page, and what they never see.

The one visibility rule is ``Article.objects.published()``: a story is public when it is
published and its publish time has come. Every page is checked against stories in every
other state, and list pages are pinned to a constant number of queries.
"""

import html
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles import services as article_services
from articles.models import Article, Photo
from articles.topics import topic_url
from events.models import Event
from organizations import services as union_services
from organizations.models import Union
from tests import factories
from unionnews.web import PER_PAGE

pytestmark = pytest.mark.django_db

ARTICLE_LINK = re.compile(r'href="(/articles/\d+-[^"/]+/)"')


def text(response) -> str:
    return response.content.decode()


def article_links(response) -> list[str]:
    return ARTICLE_LINK.findall(text(response))


# -- fixtures -------------------------------------------------------------------------------------


@pytest.fixture
def world():
    """One public story and one hidden story per non-public state, all sharing a union (with a
    parent and a child), a topic, an event, a reporter, a column and a month."""
    municipal = factories.make_union("北京市测试总工会", kind=Union.Kind.MUNICIPAL)
    union = factories.make_union("北京市测试建筑工会", kind=Union.Kind.INDUSTRY, parent=municipal)
    child = factories.make_union("测试建工一建公司工会", parent=union)
    reporter = factories.make_reporter("马超")
    column = factories.make_column("深入学习贯彻党的二十大精神")
    event = factories.make_event("测试职工职业技能大赛", edition_year=2023)
    shared = {
        "bylines": [(reporter, "记者", "text")],
        "unions": [union],
        "events": [event],
        "tags": ["技能竞赛"],
        "column": column,
        "featured": True,
    }
    now = timezone.now()
    public = factories.make_article("公开的稿件", published=True, **shared)
    child_story = factories.make_article(
        "下级工会的稿件", published=True, bylines=[(reporter, "记者", "text")], unions=[child]
    )
    parent_story = factories.make_article(
        "上级工会的稿件", published=True, bylines=[(reporter, "记者", "text")], unions=[municipal]
    )
    hidden = [
        factories.make_article(
            f"隐藏稿件{status}", status=status, publish_at=now - timedelta(hours=1), **shared
        )
        for status in (
            Article.Status.DRAFT,
            Article.Status.SUBMITTED,
            Article.Status.RETURNED,
            Article.Status.APPROVED,
            Article.Status.WITHDRAWN,
        )
    ]
    hidden.append(factories.make_article("隐藏稿件draft-no-time", **shared))
    hidden.append(
        factories.make_article(
            "隐藏稿件scheduled", published=True, publish_at=now + timedelta(hours=1), **shared
        )
    )
    return {
        "municipal": municipal,
        "union": union,
        "child": child,
        "reporter": reporter,
        "column": column,
        "event": event,
        "tag": Tag.objects.get(name="技能竞赛"),
        "public": public,
        "child_story": child_story,
        "parent_story": parent_story,
        "hidden": hidden,
    }


def public_pages(world) -> dict[str, str]:
    month = timezone.localtime(world["public"].publish_at)
    return {
        "home": reverse("articles:home"),
        "union": world["union"].get_absolute_url(),
        "topic": topic_url(world["tag"]),
        "event": world["event"].get_absolute_url(),
        "reporter": world["reporter"].get_absolute_url(),
        "column": world["column"].get_absolute_url(),
        "archive": reverse("articles:archive_month", args=[month.year, month.month]),
    }


# -- visibility -----------------------------------------------------------------------------------


def test_every_list_page_shows_the_public_story_and_no_hidden_one(client, world):
    for name, url in public_pages(world).items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert world["public"].headline in text(response), name
        assert world["public"].get_absolute_url() in article_links(response), name
        for story in world["hidden"]:
            assert story.headline not in text(response), (name, story.status)
            assert f"/articles/{story.pk}-" not in text(response), (name, story.status)


@pytest.mark.parametrize("index", range(7))
def test_hidden_story_page_is_404_even_with_its_right_slug(client, world, index):
    story = world["hidden"][index]
    assert client.get(story.get_absolute_url()).status_code == 404
    # A wrong slug must not redirect to it either: the id alone gives nothing away.
    assert client.get(f"/articles/{story.pk}-wrong/").status_code == 404


def test_scheduled_story_appears_once_its_time_has_come(client, world):
    scheduled = world["hidden"][-1]
    assert client.get(scheduled.get_absolute_url()).status_code == 404
    Article.objects.filter(pk=scheduled.pk).update(publish_at=timezone.now() - timedelta(seconds=1))
    assert client.get(scheduled.get_absolute_url()).status_code == 200
    assert scheduled.headline in text(client.get(reverse("articles:home")))


def test_counts_on_directory_topics_events_and_archive_are_public_only(client, world):
    # Each non-public story shares the union, topic, event and month with the public one.
    directory = text(client.get(reverse("organizations:union_list")))
    after_link = directory.split(world["union"].get_absolute_url(), 1)[1].split("</a>", 1)[1]
    assert after_link.startswith(' <span class="count">1 篇</span>')

    topics = text(client.get(reverse("articles:topic_list")))
    assert '技能竞赛</a> <span class="count">1 篇</span>' in topics

    events = text(client.get(reverse("events:event_list")))
    assert world["event"].get_absolute_url() in events
    assert "1 篇报道" in events

    archive = text(client.get(reverse("articles:archive")))
    assert "3 篇" in archive  # the public story, the child's and the parent's


def test_topic_and_month_with_only_hidden_stories_are_not_shown(client, world):
    draft = factories.make_article(
        "只有草稿的话题", tags=["草稿话题"], publish_at=datetime(2020, 3, 1, tzinfo=UTC)
    )
    assert draft.status == Article.Status.DRAFT
    tag = Tag.objects.get(name="草稿话题")
    assert "草稿话题" not in text(client.get(reverse("articles:topic_list")))
    assert client.get(topic_url(tag)).status_code == 404
    assert "2020年3月" not in text(client.get(reverse("articles:archive")))
    assert client.get(reverse("articles:archive_month", args=[2020, 3])).status_code == 404


# -- the pages ------------------------------------------------------------------------------------


def test_union_page_covers_its_sub_unions_but_not_its_parent(client, world):
    response = client.get(world["union"].get_absolute_url())
    assert response.status_code == 200
    links = article_links(response)
    assert world["public"].get_absolute_url() in links
    assert world["child_story"].get_absolute_url() in links
    assert world["parent_story"].get_absolute_url() not in links
    page = text(response)
    assert world["child"].get_absolute_url() in page  # sub-unions listed
    breadcrumbs = page.split('aria-label="上级工会"', 1)[1].split("</nav>", 1)[0]
    assert world["municipal"].get_absolute_url() in breadcrumbs
    assert world["event"].get_absolute_url() not in page  # it organised no event

    child_page = client.get(world["child"].get_absolute_url())
    assert article_links(child_page).count(world["child_story"].get_absolute_url()) == 1
    assert world["public"].get_absolute_url() not in article_links(child_page)


def test_union_directory_is_a_tree_of_reviewed_unions(client, world):
    factories.make_union("导入程序提出的工会", reviewed=False, parent=world["union"])
    response = client.get(reverse("organizations:union_list"))
    page = text(response)
    assert response.status_code == 200
    assert "导入程序提出的工会" not in page
    # The child is nested inside its parent's list item, which is inside the municipal one.
    municipal_item = page.split(world["municipal"].get_absolute_url(), 1)[1]
    assert world["union"].get_absolute_url() in municipal_item
    assert (
        world["child"].get_absolute_url()
        in municipal_item.split(world["union"].get_absolute_url(), 1)[1]
    )
    assert "产业工会" in page and "基层工会" in page


def test_proposed_union_and_event_appear_on_no_public_page(client):
    """Issue 9, "Internal text": a union or event no editor reviewed is not on the story's
    page, in lists, search results or the directory, not even as plain text."""
    union = factories.make_union("未审核工会", reviewed=False)
    event = factories.make_event("未审核活动", reviewed=False)
    story = factories.make_article(
        "含提议工会的稿件", published=True, unions=[union], events=[event]
    )
    assert client.get(union.get_absolute_url()).status_code == 404
    assert client.get(event.get_absolute_url()).status_code == 404
    for url in (
        story.get_absolute_url(),
        reverse("articles:home"),
        reverse("articles:search") + "?q=稿件",
        reverse("organizations:union_list"),
        reverse("events:event_list"),
    ):
        page = text(client.get(url))
        assert "未审核工会" not in page and "未审核活动" not in page, url


def test_the_importers_remarks_are_desk_notes_never_public(client, world):
    """An imported page's proposals carry where they were found as a desk note; once an
    editor reviews them, their public pages show no importer text."""
    from articles.services import import_page
    from events.services import events_mark_reviewed
    from organizations.services import unions_mark_reviewed
    from unionnews.actors import SYSTEM

    union_services.directory_load()
    page = Path(__file__).resolve().parent / "data" / "pages" / "unseen_page.txt"
    result = import_page(data=page.read_bytes(), source="unseen.txt")
    assert result.proposed_unions and result.proposed_events
    union, event = result.proposed_unions[0], result.proposed_events[0]
    assert "由导入程序从版面 unseen.txt 中发现" in union.desk_note
    assert union.description == event.description == ""
    unions_mark_reviewed(user=SYSTEM, unions=Union.objects.filter(pk=union.pk))
    events_mark_reviewed(user=SYSTEM, events=type(event).objects.filter(pk=event.pk))
    for url in (union.get_absolute_url(), event.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 200
        assert "导入程序" not in text(response), url


def test_event_page_shows_facts_organizers_and_coverage(client, world):
    event = world["event"]
    event.starts_on = datetime(2023, 7, 10).date()
    event.ends_on = datetime(2023, 7, 15).date()
    event.place = "北京市职工技术协会"
    event.contestants = 783
    event.trades = "古建筑修复工、物业管理工"
    event.titles_awarded = "首都建筑工匠"
    event.save()
    event.organizers.add(world["union"])
    response = client.get(event.get_absolute_url())
    page = text(response)
    assert response.status_code == 200
    for fact in (
        "2023年测试职工职业技能大赛",
        "2023年7月10日",
        "2023年7月15日",
        "北京市职工技术协会",
        "783 人",
        "古建筑修复工、物业管理工",
        "首都建筑工匠",
    ):
        assert fact in page
    assert world["union"].get_absolute_url() in page
    assert article_links(response) == [world["public"].get_absolute_url()]
    # And the union that organised it lists it.
    assert event.get_absolute_url() in text(client.get(world["union"].get_absolute_url()))


def test_event_list_separates_upcoming_past_and_undated_and_filters_by_kind(client):
    today = timezone.localdate()
    soon = factories.make_event("即将开赛", starts_on=today + timedelta(days=3))
    running = factories.make_event(
        "正在进行", starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=1)
    )
    over = factories.make_event(
        "已经结束", kind=Event.Kind.WELFARE, starts_on=today - timedelta(days=30)
    )
    undated = factories.make_event("日期未定的活动", kind=Event.Kind.WELFARE)
    page = text(client.get(reverse("events:event_list")))
    upcoming, rest = page.split('id="past-heading"', 1)
    past, later = rest.split('id="undated-heading"', 1)
    assert soon.name in upcoming and running.name in upcoming
    assert over.name in past
    # Issue 12: an event without dates is neither past nor upcoming, and says so.
    assert undated.name not in upcoming and undated.name not in past
    assert undated.name in later and "日期待定" in later
    welfare = text(client.get(reverse("events:event_list"), {"kind": "welfare"}))
    assert over.name in welfare and soon.name not in welfare


def test_reporter_page_lists_text_and_photo_credits_once(client):
    reporter = factories.make_reporter("于佳")
    both = factories.make_article(
        "文字和摄影都是她",
        published=True,
        bylines=[(reporter, "记者", "text"), (reporter, "记者", "photo")],
    )
    photo = factories.make_article(
        "只拍了照片", published=True, bylines=[(reporter, "记者", "photo")]
    )
    other = factories.make_article("别人写的", published=True)
    response = client.get(reporter.get_absolute_url())
    links = article_links(response)
    assert sorted(links) == sorted([both.get_absolute_url(), photo.get_absolute_url()])
    assert other.headline not in text(response)


def test_topic_pages(client, world):
    response = client.get(reverse("articles:topic_list"))
    assert topic_url(world["tag"]) in text(response)
    response = client.get(topic_url(world["tag"]))
    assert response.status_code == 200
    assert "<h1>技能竞赛</h1>" in text(response)
    assert article_links(response) == [world["public"].get_absolute_url()]


def test_home_shows_featured_then_columns_then_latest(client, world):
    page = text(client.get(reverse("articles:home")))
    featured = page.index('id="featured-heading"')
    column = page.index(f'id="column-{world["column"].pk}-heading"')
    latest = page.index('id="latest-heading"')
    assert featured < column < latest
    assert world["public"].headline in page[featured:column]
    assert world["child_story"].headline not in page[featured:latest]  # not featured, no column
    assert world["child_story"].headline in page[latest:]


def test_long_lists_are_paginated_by_twenty(client):
    union = factories.make_union()
    stories = [
        factories.make_article(
            f"分页稿件{i:02d}",
            published=True,
            unions=[union],
            publish_at=timezone.now() - timedelta(minutes=i),
        )
        for i in range(25)
    ]
    first = client.get(union.get_absolute_url())
    assert len(article_links(first)) == 20
    assert "第 1 页，共 2 页" in text(first)
    second = client.get(union.get_absolute_url(), {"page": 2})
    assert article_links(second) == [s.get_absolute_url() for s in stories[20:]]
    home = client.get(reverse("articles:home"), {"page": 2})
    assert article_links(home) == [s.get_absolute_url() for s in stories[20:]]


def test_archive_groups_by_month_in_shanghai_time(client):
    # 2023-06-30 17:00 UTC is 2023-07-01 01:00 in Beijing: a July story.
    story = factories.make_article(
        "七月一日凌晨发布", published=True, publish_at=datetime(2023, 6, 30, 17, 0, tzinfo=UTC)
    )
    archive = text(client.get(reverse("articles:archive")))
    assert "2023年7月" in archive and "2023年6月" not in archive
    july = client.get(reverse("articles:archive_month", args=[2023, 7]))
    assert article_links(july) == [story.get_absolute_url()]
    assert "2023年7月1日" in text(july)
    assert client.get(reverse("articles:archive_month", args=[2023, 6])).status_code == 404
    assert client.get("/archive/2023/13/").status_code == 404


def test_a_storys_date_is_the_papers_day_on_lists_and_its_page(client):
    # 2023-06-30 17:00 UTC is 01:00 on 1 July in Beijing: readers see 1 July everywhere.
    story = factories.make_article(
        "七月一日凌晨发布", published=True, publish_at=datetime(2023, 6, 30, 17, 0, tzinfo=UTC)
    )
    element = '<time datetime="2023-07-01">2023年7月1日</time>'
    assert element in client.get(reverse("articles:home")).content.decode()
    assert element in client.get(story.get_absolute_url()).content.decode()


def test_public_urls_follow_the_slug_and_the_script_prefix(settings):
    from django.urls import set_script_prefix

    story = factories.make_article("用专业技能大赛造就首都建筑工匠", published=True)
    before = story.get_absolute_url()
    story.slug = "new-slug"
    assert story.get_absolute_url() == before.replace(before.split("-", 1)[1], "new-slug/")
    set_script_prefix("/paper/")  # the site served under a sub-path (SCRIPT_NAME)
    try:
        assert story.get_absolute_url() == f"/paper/articles/{story.pk}-new-slug/"
    finally:
        set_script_prefix("/")


# -- the article page -----------------------------------------------------------------------------


@pytest.fixture
def news_story():
    reporter = factories.make_reporter("马超")
    photographer = factories.make_reporter("于佳")
    union = factories.make_union("北京市测试建筑工会", kind=Union.Kind.INDUSTRY)
    event = factories.make_event("北京市职工职业技能大赛")
    column = factories.make_column("深入学习贯彻党的二十大精神")
    return factories.make_article(
        "用专业技能大赛造就“首都建筑工匠”",
        kicker="市建筑工会助力打造技术精湛、规模宏大的产业工人队伍",
        subtitle="两年授予15名冠军选手称号",
        dateline="本报讯",
        section="夏送清凉 工会行动",
        column=column,
        body="“首都建筑工匠”，是北京市建筑工会创新提出的概念。\n记者近日了解到，两年来……\n",
        published=True,
        publish_at=datetime(2023, 7, 15, 2, 0, tzinfo=UTC),
        bylines=[(reporter, "记者", "text"), (photographer, "记者", "photo")],
        unions=[union],
        events=[event],
        tags=["技能竞赛"],
    )


def test_article_page_prints_the_story_as_the_paper_does(client, news_story):
    response = client.get(news_story.get_absolute_url())
    assert response.status_code == 200
    page = text(response)
    kicker = page.index('<p class="kicker">市建筑工会助力打造技术精湛、规模宏大的产业工人队伍</p>')
    headline = page.index(
        '<h1 id="story-headline" class="headline">用专业技能大赛造就“首都建筑工匠”</h1>'
    )
    subtitle = page.index('<p class="subtitle">两年授予15名冠军选手称号</p>')
    assert kicker < headline < subtitle
    assert (
        '<p><strong class="lead-in">本报讯（记者 马超）</strong>“首都建筑工匠”，是北京市建筑工会'
        in page
    )
    assert "<p>记者近日了解到，两年来……</p>" in page
    assert page.index("两年来……") < page.index('<p class="photo-credit">本报记者 于佳 摄</p>')
    assert "2023年7月15日" in page
    assert "深入学习贯彻党的二十大精神" in page and "夏送清凉 工会行动" in page
    for related in (
        news_story.unions.get(),
        news_story.events.get(),
        news_story.column,
        *(b.reporter for b in news_story.bylines.all()),
    ):
        assert related.get_absolute_url() in page
    assert topic_url(Tag.objects.get(name="技能竞赛")) in page


def test_profile_shows_its_standalone_byline(client):
    reporter = factories.make_reporter("任洁")
    story = factories.make_article(
        "把工会工作做到职工心坎上",
        kicker="北京建筑大学工会副主席梁凯：",
        kind=Article.Kind.PROFILE,
        published=True,
        bylines=[(reporter, "记者", "text")],
        body="第一段。\n第二段。",
    )
    page = text(client.get(story.get_absolute_url()))
    assert '<p class="standalone-byline">□本报记者 任洁</p>' in page
    assert "本报讯" not in page


def test_photo_story_ends_with_its_photo_report_credit(client):
    story = factories.make_article(
        "“送清凉”添动力",
        kind=Article.Kind.PHOTO,
        published=True,
        body="图片说明。",
        bylines=[
            (factories.make_reporter("周美玉"), "记者", "photo"),
            (factories.make_reporter("高岩"), "通讯员", "photo"),
        ],
    )
    page = text(client.get(story.get_absolute_url()))
    assert '<p class="photo-credit">本报记者 周美玉 通讯员 高岩 摄影报道</p>' in page


def test_hostile_html_in_body_and_headline_is_escaped(client):
    story = factories.make_article(
        "标题</script><script>alert(2)</script>",
        kicker="<b>引题</b>",
        published=True,
        body="<script>alert(1)</script>\n<img src=x onerror=alert(3)>",
        bylines=[(factories.make_reporter("</script>记者"), "记者", "text")],
    )
    page = text(client.get(story.get_absolute_url()))
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "<b>引题</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(3)&gt;" in page
    # The JSON-LD block is the only non-stylesheet script and holds the exact headline.
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert len(blocks) == 1
    data = json.loads(blocks[0])
    assert data["headline"] == story.headline
    assert data["author"][0]["name"] == "</script>记者"
    assert page.count("<script") == 1


def test_article_head_has_canonical_open_graph_and_json_ld(client, news_story):
    page = text(client.get(news_story.get_absolute_url()))
    url = "http://testserver" + news_story.get_absolute_url()
    assert f'<link rel="canonical" href="{url}">' in page
    assert '<meta property="og:type" content="article">' in page
    assert f'<meta property="og:url" content="{url}">' in page
    assert html.escape(news_story.title_text, quote=True) in page
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    )
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "用专业技能大赛造就“首都建筑工匠”"
    assert data["datePublished"] == "2023-07-15T10:00:00+08:00"
    assert [(a["@type"], a["name"]) for a in data["author"]] == [
        ("Person", "马超"),
        ("Person", "于佳"),
    ]
    assert data["publisher"]["name"] == "工会新闻"


@pytest.mark.parametrize("kind", ["article", "union", "event", "reporter", "column", "topic"])
def test_wrong_slug_redirects_permanently_to_the_current_url(client, world, kind):
    obj = {
        "article": world["public"],
        "union": world["union"],
        "event": world["event"],
        "reporter": world["reporter"],
        "column": world["column"],
        "topic": world["tag"],
    }[kind]
    right = topic_url(obj) if kind == "topic" else obj.get_absolute_url()
    wrong = re.sub(r"/(\d+)-[^/]+/$", r"/\1-outdated-slug/", right)
    assert wrong != right
    response = client.get(wrong, {"page": "1"})
    assert response.status_code == 301
    assert response["Location"] == f"{right}?page=1"
    assert client.get(right).status_code == 200


def test_unknown_page_gets_the_friendly_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "没有找到这个页面" in text(response)
    assert reverse("articles:home") in text(response)


def test_base_layout_is_accessible(client, world):
    page = text(client.get(world["public"].get_absolute_url()))
    assert '<html lang="zh-Hans">' in page
    assert '<meta name="viewport"' in page
    assert '<a class="skip-link" href="#main">' in page and '<main id="main"' in page
    for label in ("首页", "工会", "活动", "话题", "往期"):
        assert f">{label}</a>" in page
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    assert page.count("<h1") == 1


# -- query counts ---------------------------------------------------------------------------------


#: A word in the body of every story the story lists count, for the search page, and in no
#: other story, so ``?q=焊接`` finds exactly those stories.
SEARCH_WORD = "焊接"
#: The month (Asia/Shanghai) the story lists' stories are published in; the index pages'
#: stories go back one month each from it.
LISTING_MONTH = (2023, 7)


def months_before(months: int) -> tuple[int, int]:
    """``(year, month)`` so many months before :data:`LISTING_MONTH`."""
    year, month = LISTING_MONTH
    year, index = divmod(year * 12 + month - 1 - months, 12)
    return year, index + 1


def build_story_lists(n: int) -> dict[str, str]:
    """``n`` public stories of one month sharing a reporter, topic, event, column and a word of
        their body; half name a union and half its sub-union, each has its own second union and two
        credits and a lead photo with renditions, so every prefetch (and the union page's sub-union
    list) has rows to fetch.
        Returns the URL of every page that lists them."""
    reporter = factories.make_reporter("计数记者")
    union = factories.make_union("计数工会")
    child = factories.make_union("计数下级工会", parent=union)
    event = factories.make_event("计数活动")
    column = factories.make_column("计数栏目")
    year, month = LISTING_MONTH
    first = timezone.make_aware(datetime(year, month, 10, 9))
    for i in range(n):
        story = factories.make_article(
            published=True,
            publish_at=first + timedelta(minutes=i),
            body=f"第{i + 1}篇。\n建筑工人在工地比拼钢筋{SEARCH_WORD}技能。",
            column=column,
            featured=i % 2 == 0,
            tags=["计数话题"],
            bylines=[
                (reporter, "记者", "text"),
                (factories.make_reporter(), "通讯员", "photo"),
            ],
            unions=[union if i % 2 == 0 else child, factories.make_union()],
            events=[event],
        )
        # A lead photo with two sizes (names only: lists build URLs, they read no file).
        photo = Photo.objects.create(
            article=story, image=f"photos/{i}.jpg", width=960, height=480, alt_text="图"
        )
        for fmt, width in [("jpeg", 480), ("webp", 480)]:
            photo.renditions.create(
                format=fmt, width=width, height=240, file=f"renditions/{i}-{width}.{fmt}"
            )
    tag = Tag.objects.get(name="计数话题")
    return {
        "home": reverse("articles:home"),
        "union": union.get_absolute_url(),
        "topic": topic_url(tag),
        "reporter": reporter.get_absolute_url(),
        "event": event.get_absolute_url(),
        "column": column.get_absolute_url(),
        "archive_month": reverse("articles:archive_month", args=[year, month]),
        "search": f"{reverse('articles:search')}?q={SEARCH_WORD}",
    }


def build_indexes(n: int) -> dict[str, tuple[str, list[str]]]:
    """``n`` unions, topics, events and months, each with one public story (story ``i`` names
    union ``i``, topic ``i`` and event ``i`` and is published ``i`` months before
    :data:`LISTING_MONTH`). Returns each index page's URL with the links to the items a reader
    sees on it, in the page's order.

    The directory is a tree three levels deep: a municipal federation, the district
    federations (odd ``i``) under it and one grassroots union (the next even ``i``) under each
    district, so the tree's order is the order of ``i``. Even events are over and odd ones still
    to come; the events page lists all upcoming events, soonest first, then the first page of
    past events, newest first. Topics, with one story each, are listed by name, a page at a
    time; the archive lists every month, newest first."""
    today = timezone.localdate()
    unions = [factories.make_union("计数市总工会", kind=Union.Kind.MUNICIPAL)]
    for i in range(1, n):
        district = i % 2 == 1
        unions.append(
            factories.make_union(
                f"计数工会{i:02d}",
                kind=Union.Kind.DISTRICT if district else Union.Kind.GRASSROOTS,
                parent=unions[0] if district else unions[i - 1],
            )
        )
    events, months = [], []
    for i, union in enumerate(unions):
        days = timedelta(days=10 + i)
        event = factories.make_event(
            f"计数活动{i:02d}", starts_on=today + days if i % 2 else today - days
        )
        year, month = months_before(i)
        factories.make_article(
            published=True,
            publish_at=timezone.make_aware(datetime(year, month, 15, 10)),
            unions=[union],
            events=[event],
            tags=[f"计数话题{i:02d}"],
        )
        events.append(event)
        months.append(reverse("articles:archive_month", args=[year, month]))
    tags = [Tag.objects.get(name=f"计数话题{i:02d}") for i in range(n)]
    upcoming, past = events[1::2], events[0::2]
    return {
        "union_list": (reverse("organizations:union_list"), [u.get_absolute_url() for u in unions]),
        "topic_list": (reverse("articles:topic_list"), [topic_url(t) for t in tags[:PER_PAGE]]),
        "event_list": (
            reverse("events:event_list"),
            [e.get_absolute_url() for e in [*upcoming, *past[:PER_PAGE]]],
        ),
        "archive": (reverse("articles:archive"), months),
    }


#: The links to the items an index page lists: unions, topics, events, months.
INDEX_LINKS = {
    "union_list": re.compile(r'href="(/unions/\d+-[^"/]+/)"'),
    "topic_list": re.compile(r'href="(/topics/\d+-[^"/]+/)"'),
    "event_list": re.compile(r'href="(/events/\d+-[^"/]+/)"'),
    "archive": re.compile(r'href="(/archive/\d+/\d+/)"'),
}


#: Queries per page. A story list is one COUNT and one page of stories, plus one query per
#: prefetched relation (credits with their reporters, unions, photos, their renditions; the column
#: comes in the same query): 6 for one month's archive. Where the services keep the list's number
#: (home, union, topic, event, column, reporter), two queries read it instead of the COUNT: the
#: months before this one, and this month's stories (``articles/coverage.py``). The home page
#: fetches its three lists (the latest with its number, the featured, and the per-column after one
#: query for the column ids) and prefetches for all of them at once (4): 10. The union page adds the
#: union with its parent chain, its sub-unions (their number and a page of them), its events and its
#: sub-unions' newest stories (one query, the subtree a recursive subquery of it), and prefetches
#: for both lists at once; the topic page adds the tag; the reporter, event and column pages add
#: their object (the event its organizers, and its gallery: the photos and their renditions). Search
#: adds what its filters offer: the unions that have a published story (one query) and the topics
#: that do (their kept counts in two, then the topics), and whether the query is someone's name
#: (one). The index pages fetch their items whole and take their story counts from the kept counts
#: (``articles/coverage.py``) in two queries, the months before this one and this month's stories:
#: the directory's unions and their counts (3); the topics' counts and the topics (3); the events
#: page's upcoming events, the COUNT and page of past events, the COUNT of undated ones (and their
#: page when there are some), and the counts of the events shown (6); the archive, the months with
#: their counts (2). Nothing in the templates queries per item, so none of these depends on how many
#: stories or items there are.
EXPECTED_QUERIES = {
    "home": 10,
    "union": 12,
    "topic": 8,
    "reporter": 8,
    "event": 11,
    "column": 8,
    "archive_month": 6,
    "search": 11,
    "union_list": 3,
    "topic_list": 3,
    "event_list": 6,
    "archive": 2,
}


@pytest.mark.parametrize("n", [5, 50])
@pytest.mark.parametrize("page", sorted(EXPECTED_QUERIES))
def test_list_pages_make_a_constant_number_of_queries(
    client, settings, django_assert_num_queries, page, n
):
    """The same query count for 5 and for 50 items: no page makes a query per story, union,
    topic, event or month (the number is pinned so a template that starts reading a relation
    per item fails here). The first request warms per-process caches (taggit's ContentType
    lookup) as in production."""
    # This measures the page as the view renders it: a full-page cache hit makes no query.
    settings.UNIONNEWS_PAGE_CACHE_SECONDS = 0
    if page in INDEX_LINKS:
        url, items = build_indexes(n)[page]
    else:
        url, items = build_story_lists(n)[page], None
    client.get(url)
    # On PostgreSQL search runs in a time budget of its own: a savepoint inside the test's
    # transaction, its statement_timeout, the release.
    budget = 3 if page == "search" and connection.vendor == "postgresql" else 0
    with django_assert_num_queries(EXPECTED_QUERIES[page] + budget):
        response = client.get(url)
    assert response.status_code == 200
    if items is None:
        # At least a page of the stories (the home page lists some twice).
        assert len(article_links(response)) >= min(n, PER_PAGE)
    else:
        # All n items, or the first page of them, in the page's order.
        assert len(items) >= min(n, PER_PAGE)
        links = INDEX_LINKS[page].findall(text(response))
        if page == "union_list":
            # The directory also holds the real unions a migration loads: every union once.
            assert len(set(links)) == len(links) == Union.objects.reviewed().count()
            links = [link for link in links if link in items]
        assert links == items


# -- the real seed pages --------------------------------------------------------------------------


def test_seed_pages_publish_and_show_on_home_and_union_pages(client):
    """Import the three real print pages, approve and publish every story as the desk would,
    then read them back as a reader."""
    union_services.directory_load()
    article_services.import_files(sorted(Path("fixtures/pages").glob("*.txt")))
    editor = factories.make_user(is_superuser=True, is_staff=True)
    stories = list(Article.objects.order_by("pk"))
    assert len(stories) == 17
    waiting = set(Article.objects.photo_missing())  # print photos are not in the page text
    for story in stories:
        if story in waiting:
            article_services.article_waive_photo(article=story, user=editor)
        article_services.article_approve(article=story, user=editor)
        article_services.article_publish(article=story, user=editor)

    seen, url = set(), reverse("articles:home")
    while url:
        response = client.get(url)
        assert response.status_code == 200
        seen.update(article_links(response))
        next_page = re.search(r'<a rel="next" href="([^"]+)"', text(response))
        url = reverse("articles:home") + html.unescape(next_page.group(1)) if next_page else None
    assert seen == {story.get_absolute_url() for story in stories}

    union = Union.objects.get(name="北京市建筑工会")
    own = Article.objects.published().filter(unions=union).order_by("pk")
    assert [(a.kicker, a.headline) for a in own] == [
        ("市建筑工会助力打造技术精湛、规模宏大的产业工人队伍", "用专业技能大赛造就“首都建筑工匠”"),
        ("", "北京市建筑工会走访慰问重点工程建设者"),
    ]
    response = client.get(union.get_absolute_url())
    own_section, sub_section = text(response).split('id="sub-coverage-heading"', 1)

    def headlines(html):
        return {
            Article.objects.get(pk=int(re.match(r"/articles/(\d+)-", link).group(1))).headline
            for link in re.findall(r'href="(/articles/\d+-[^"]*)"', html)
        }

    # 本会报道 lists its own two stories; 下级工会报道 holds the photo story about
    # 北京建工一建公司工会, which the directory places under 北京市建筑工会.
    assert headlines(own_section) == {
        "用专业技能大赛造就“首都建筑工匠”",
        "北京市建筑工会走访慰问重点工程建设者",
    }
    assert headlines(sub_section) == {"清凉关爱 送进工地"}
    for story in stories:
        assert client.get(story.get_absolute_url()).status_code == 200
