"""RSS/Atom feeds, sitemap.xml and robots.txt: what a feed reader or a crawler gets.

Feeds and the sitemap start from ``Article.objects.published()`` like every public page, so
each is checked against a draft and a story scheduled for later; feeds are parsed with
feedparser (``bozo == 0`` means well-formed) and pinned to a constant number of queries.
"""

from datetime import timedelta
from xml.etree import ElementTree

import feedparser
import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article
from articles.topics import topic_url
from organizations.models import Union
from tests import factories

pytestmark = pytest.mark.django_db

FORMATS = ("rss", "atom")


def feed_of(page_url: str, fmt: str) -> str:
    """The feed URL of a union, topic or event page: the page's URL plus ``feed/<fmt>/``."""
    return f"{page_url}feed/{fmt}/"


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, (url, feed.get("bozo_exception"))
    return response, feed


def entry_links(feed) -> list[str]:
    return [entry.link for entry in feed.entries]


def absolute(article: Article) -> str:
    return "http://testserver" + article.get_absolute_url()


@pytest.fixture
def world():
    """A public story and two hidden ones (a draft, a story scheduled for later) sharing a
    union, a topic and an event; a story about a sub-union; an unrelated public story."""
    union = factories.make_union("北京市测试建筑工会", kind=Union.Kind.INDUSTRY)
    child = factories.make_union("测试建工一建公司工会", parent=union)
    event = factories.make_event("测试职工职业技能大赛", edition_year=2023)
    reporter = factories.make_reporter("马超")
    correspondent = factories.make_reporter("顾爽")
    shared = {"unions": [union], "events": [event], "tags": ["技能竞赛"]}
    public = factories.make_article(
        "用专业技能大赛造就“首都建筑工匠”",
        kicker="市建筑工会助力打造产业工人队伍",
        dateline="本报讯",
        body="技能大赛<b>开幕</b> & 颁奖。\n第二段不进摘要。",
        published=True,
        bylines=[(reporter, "记者", "text"), (correspondent, "通讯员", "photo")],
        **shared,
    )
    draft = factories.make_article("隐藏的草稿", **shared)
    scheduled = factories.make_article(
        "隐藏的定时稿件", published=True, publish_at=timezone.now() + timedelta(hours=1), **shared
    )
    child_story = factories.make_article("下级工会的稿件", published=True, unions=[child])
    other = factories.make_article("别处的稿件", published=True, unions=[factories.make_union()])
    return {
        "union": union,
        "child": child,
        "event": event,
        "tag": Tag.objects.get(name="技能竞赛"),
        "public": public,
        "hidden": [draft, scheduled],
        "child_story": child_story,
        "other": other,
    }


def feed_urls(world, fmt) -> dict[str, str]:
    return {
        "latest": reverse(f"articles:feed_latest_{fmt}"),
        "union": feed_of(world["union"].get_absolute_url(), fmt),
        "topic": feed_of(topic_url(world["tag"]), fmt),
        "event": feed_of(world["event"].get_absolute_url(), fmt),
    }


# -- feeds ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_feed_lists_the_public_story_and_no_hidden_one(client, world, fmt):
    for name, url in feed_urls(world, fmt).items():
        response, feed = parse(client, url)
        assert response["Content-Type"].startswith(f"application/{fmt}+xml"), name
        links = entry_links(feed)
        assert absolute(world["public"]) in links, name
        for story in world["hidden"]:
            assert absolute(story) not in links, (name, story.headline)
            assert story.headline not in response.content.decode(), (name, story.headline)


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_feed_follows_only_its_own_stories(client, world, fmt):
    urls = feed_urls(world, fmt)
    stories = {name: set(entry_links(parse(client, url)[1])) for name, url in urls.items()}
    public, child_story, other = (absolute(world[k]) for k in ("public", "child_story", "other"))
    assert stories["latest"] == {public, child_story, other}
    # The union's feed covers its sub-unions, as its page does.
    assert stories["union"] == {public, child_story}
    assert stories["topic"] == {public}
    assert stories["event"] == {public}


@pytest.mark.parametrize("fmt", FORMATS)
def test_feed_item_carries_title_credits_categories_and_escaped_summary(client, world, fmt):
    _, feed = parse(client, feed_of(world["union"].get_absolute_url(), fmt))
    assert feed.feed.title == "北京市测试建筑工会 - 工会新闻"
    assert feed.feed.link == "http://testserver" + world["union"].get_absolute_url()
    (entry,) = [e for e in feed.entries if e.link == absolute(world["public"])]
    assert entry.title == "市建筑工会助力打造产业工人队伍 用专业技能大赛造就“首都建筑工匠”"
    assert entry.id == absolute(world["public"])
    assert entry.author == "马超、顾爽"
    assert {tag.term for tag in entry.tags} == {"北京市测试建筑工会", "技能竞赛"}
    # The lead-in and the first paragraph, as plain text: the "<b>" a story contains is
    # shown as written (escaped in the HTML summary), never read as markup.
    assert entry.summary == "本报讯（记者 马超）技能大赛&lt;b&gt;开幕&lt;/b&gt; &amp; 颁奖。"
    assert "第二段" not in entry.summary
    published = world["public"].publish_at.replace(microsecond=0)
    assert entry.published_parsed[:6] == published.utctimetuple()[:6]


def test_feeds_list_the_twenty_newest_stories_newest_first(client):
    now = timezone.now()
    stories = [
        factories.make_article(published=True, publish_at=now - timedelta(hours=i))
        for i in range(1, 23)
    ]
    _, feed = parse(client, reverse("articles:feed_latest_rss"))
    assert entry_links(feed) == [absolute(story) for story in stories[:20]]


def test_scheduled_story_enters_the_feed_once_its_time_has_come(client, world):
    """Read (and cached) a second before the story's time, the feed lacks it; at its time,
    it has it."""
    scheduled = world["hidden"][1]
    url = reverse("articles:feed_latest_atom")
    with time_machine.travel(scheduled.publish_at - timedelta(seconds=1), tick=False):
        assert absolute(scheduled) not in entry_links(parse(client, url)[1])
    with time_machine.travel(scheduled.publish_at, tick=False):
        assert absolute(scheduled) in entry_links(parse(client, url)[1])


@pytest.mark.parametrize("fmt", FORMATS)
def test_unreviewed_union_and_event_and_a_draft_only_topic_have_no_feed(client, world, fmt):
    Union.objects.filter(pk=world["union"].pk).update(reviewed=False)
    world["event"].reviewed = False
    world["event"].save()
    factories.make_article("只有草稿的话题", tags=["草稿话题"])
    draft_topic = Tag.objects.get(name="草稿话题")
    for url in (
        feed_of(world["union"].get_absolute_url(), fmt),
        feed_of(world["event"].get_absolute_url(), fmt),
        feed_of(topic_url(draft_topic), fmt),
        f"/unions/999999-none/feed/{fmt}/",
    ):
        assert client.get(url).status_code == 404, url


def test_outdated_slug_redirects_to_the_current_feed_url(client, world):
    union = world["union"]
    response = client.get(f"/unions/{union.pk}-old-name/feed/atom/")
    assert response.status_code == 301
    assert response["Location"] == feed_of(union.get_absolute_url(), "atom")


def test_pages_link_their_feeds_in_the_head_and_visibly(client, world):
    pages = {
        "union": world["union"].get_absolute_url(),
        "topic": topic_url(world["tag"]),
        "event": world["event"].get_absolute_url(),
    }
    for name, page in pages.items():
        html = client.get(page).content.decode()
        head, body = html.split("</head>", 1)
        for fmt in FORMATS:
            feed = feed_of(page, fmt)
            assert f'<link rel="alternate" type="application/{fmt}+xml"' in head, name
            assert f'href="{feed}"' in head, name
            assert f'href="{feed}"' in body, name
            assert client.get(feed).status_code == 200, name
        assert "订阅" in body, name
    head = client.get(reverse("articles:home")).content.decode().split("</head>", 1)[0]
    assert f'href="{reverse("articles:feed_latest_rss")}"' in head


def test_the_seed_union_feed_lists_its_stories(client, published_seed_pages):
    """北京市建筑工会's feed after the real print pages are imported and published: its own
    two stories and the photo story about 北京建工一建公司工会, a union below it."""
    union = Union.objects.get(name="北京市建筑工会")
    for fmt in FORMATS:
        _, feed = parse(client, feed_of(union.get_absolute_url(), fmt))
        assert feed.feed.title == "北京市建筑工会 - 工会新闻"
        assert {entry.title.split(" ")[-1] for entry in feed.entries} >= {
            "用专业技能大赛造就“首都建筑工匠”",
            "北京市建筑工会走访慰问重点工程建设者",
        }
        assert any("清凉关爱" in entry.title for entry in feed.entries)
        expected = Article.objects.published().about_unions(
            Union.objects.subtree(union).values("pk")
        )
        assert set(entry_links(feed)) == {absolute(a) for a in expected}


@pytest.fixture
def many_stories():
    def build(n):
        union = factories.make_union("计数工会")
        child = factories.make_union("计数下级工会", parent=union)
        for i in range(n):
            factories.make_article(
                published=True,
                tags=["计数话题", f"话题{i % 3}"],
                bylines=[
                    (factories.make_reporter(), "记者", "text"),
                    (factories.make_reporter(), "通讯员", "photo"),
                ],
                unions=[union if i % 2 == 0 else child, factories.make_union()],
            )
        return feed_of(union.get_absolute_url(), "rss")

    return build


@pytest.mark.parametrize("n", [5, 50])
def test_feed_makes_a_constant_number_of_queries(
    client, django_assert_num_queries, many_stories, n, settings
):
    """The same query count for 5 and for 50 stories: the union, the stories (its subtree a
    recursive subquery of theirs), and one prefetch each of credits with reporters, unions,
    photos and topics. The first request warms taggit's ContentType cache, as in production.
    Measured without the full-page cache (a hit makes no query)."""
    settings.UNIONNEWS_PAGE_CACHE_SECONDS = 0
    url = many_stories(n)
    client.get(url)
    with django_assert_num_queries(6):
        response = client.get(url)
    assert len(feedparser.parse(response.content).entries) == min(n, 20)


# -- sitemap.xml and robots.txt --------------------------------------------------------------------


SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def sitemap_locations(client) -> set[str]:
    """Every page URL of the sitemap, through its index and every section's pages."""
    index = client.get("/sitemap.xml")
    assert index.status_code == 200
    sections = ElementTree.fromstring(index.content).findall("s:sitemap/s:loc", SITEMAP_NS)
    assert sections
    locations = set()
    for section in sections:
        response = client.get(section.text.removeprefix("http://testserver"))
        assert response.status_code == 200
        root = ElementTree.fromstring(response.content)
        locations |= {loc.text for loc in root.findall("s:url/s:loc", SITEMAP_NS)}
    return locations


def test_the_sitemap_is_an_index_with_stories_in_pages(client, monkeypatch):
    """A search engine reads at most 50,000 URLs a file: the stories are split into pages."""
    from articles.sitemaps import ArticleSitemap

    monkeypatch.setattr(ArticleSitemap, "limit", 2)
    stories = [factories.make_article(f"第{i}篇", published=True) for i in range(5)]
    index = client.get("/sitemap.xml").content.decode()
    for page in ("sitemap-articles.xml", "sitemap-articles.xml?p=2", "sitemap-articles.xml?p=3"):
        assert f"http://testserver/{page}<" in index
    assert "sitemap-articles.xml?p=4" not in index
    assert {absolute(s) for s in stories} <= sitemap_locations(client)


def test_sitemap_lists_public_pages_and_no_hidden_story(client, world):
    column = factories.make_column("测试栏目")
    unreviewed = factories.make_union("待审核的工会", reviewed=False)
    factories.make_article("只有草稿的话题", tags=["草稿话题"])
    locations = sitemap_locations(client)
    expected = [
        absolute(world["public"]),
        "http://testserver" + world["union"].get_absolute_url(),
        "http://testserver" + world["event"].get_absolute_url(),
        "http://testserver" + topic_url(world["tag"]),
        "http://testserver" + column.get_absolute_url(),
        "http://testserver/",
        "http://testserver" + reverse("articles:archive"),
        "http://testserver" + reverse("organizations:union_list"),
    ]
    for url in expected:
        assert url in locations
    for story in world["hidden"]:
        assert absolute(story) not in locations
    assert "http://testserver" + unreviewed.get_absolute_url() not in locations
    assert "http://testserver" + topic_url(Tag.objects.get(name="草稿话题")) not in locations


def test_robots_txt_is_plain_text_and_names_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Disallow: /admin/" in lines
    assert "Disallow: /desk/" in lines
