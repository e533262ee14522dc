"""What readers see of the archive-scale work (issue 11): lists that stop counting after the
pages they offer, the home page's newest stories per column taken one column at a time, and
the search form offering only what has published stories. Speed itself is measured in
``bench/public_bench.py``, not here."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from articles.views import search as search_view
from tests import factories
from unionnews import web

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def story_links(response) -> list[str]:
    return re.findall(r'<h[23] class="headline"><a href="(/articles/[^"]+)"', text(response))


def column_with(n: int, name="职工风采"):
    column = factories.make_column(name)
    now = timezone.now()
    stories = [
        factories.make_article(
            f"{name}第{i:02d}篇", published=True, column=column, publish_at=now - timedelta(hours=i)
        )
        for i in range(n)
    ]
    return column, stories


def test_a_list_longer_than_its_pages_says_more_and_where_older_stories_are(client, monkeypatch):
    monkeypatch.setattr(web, "MAX_PAGES", 1)
    column, stories = column_with(web.PER_PAGE + 1)
    response = client.get(column.get_absolute_url())
    page = text(response)
    assert "共 20 多篇报道" in page
    assert "只列出最新的 20 篇" in page
    assert f'href="{reverse("articles:archive")}"' in page
    assert story_links(response) == [s.get_absolute_url() for s in stories[: web.PER_PAGE]]
    assert client.get(column.get_absolute_url(), {"page": 2}).status_code == 404


def test_a_list_within_its_pages_gives_the_exact_count(client, monkeypatch):
    monkeypatch.setattr(web, "MAX_PAGES", 2)
    column, _ = column_with(web.PER_PAGE + 1)
    response = client.get(column.get_absolute_url())
    assert "共 21 篇报道" in text(response)
    assert "只列出" not in text(response)
    assert len(story_links(client.get(column.get_absolute_url(), {"page": 2}))) == 1


def test_a_month_of_the_archive_offers_every_page(client, monkeypatch):
    """Where the capped lists send readers for older stories: a month is never capped."""
    monkeypatch.setattr(web, "MAX_PAGES", 1)
    _, stories = column_with(web.PER_PAGE + 1)
    month = timezone.localtime(stories[-1].publish_at)
    url = reverse("articles:archive_month", args=[month.year, month.month])
    first = client.get(url)
    if len(story_links(first)) < web.PER_PAGE:  # the stories straddle a month's end
        pytest.skip("the stories fall in two months")
    assert "共 21 篇报道" in text(first) and "只列出" not in text(first)
    assert client.get(url, {"page": 2}).status_code == 200


def test_a_search_refused_for_its_rate_costs_no_query(client, settings, django_assert_num_queries):
    settings.UNIONNEWS_SEARCH_RATE = "1/m"
    assert client.get(reverse("articles:search"), {"q": "工会"}).status_code == 200
    with django_assert_num_queries(0):
        assert client.get(reverse("articles:search"), {"q": "工会"}).status_code == 429


def test_search_offers_fewer_pages_and_says_it_found_more(client, monkeypatch):
    monkeypatch.setattr(search_view, "MAX_RESULT_PAGES", 1)
    column_with(web.PER_PAGE + 3, name="送清凉")
    response = client.get(reverse("articles:search"), {"q": "清凉"})
    assert "共找到 20 多篇报道" in text(response)
    assert len(story_links(response)) == web.PER_PAGE


def test_home_shows_each_columns_newest_public_stories_newest_first(client):
    from articles.views.stories import HOME_PER_COLUMN

    first, first_stories = column_with(HOME_PER_COLUMN + 2, name="工会新闻")
    second, second_stories = column_with(2, name="劳模风采")
    factories.make_article(  # newer than all, but not public
        "工会新闻待审稿", column=first, status=Article.Status.SUBMITTED, publish_at=timezone.now()
    )
    factories.make_article(
        "工会新闻定时稿",
        column=first,
        published=True,
        publish_at=timezone.now() + timedelta(hours=1),
    )
    page = text(client.get(reverse("articles:home")))
    columns = page[: page.index('id="latest-heading"')]
    first_section = columns[columns.index(f'id="column-{first.pk}-heading"') :]
    shown = re.findall(r"工会新闻第\d+篇", first_section)
    assert shown == [s.headline for s in first_stories[:HOME_PER_COLUMN]]
    assert "工会新闻待审稿" not in page and "工会新闻定时稿" not in page
    second_section = columns[columns.index(f'id="column-{second.pk}-heading"') :]
    assert re.findall(r"劳模风采第\d+篇", second_section) == [s.headline for s in second_stories]


def test_search_filters_offer_only_unions_and_topics_with_published_stories(client):
    # Industry unions: the filter offers unions above the grassroots (test_search.py).
    covered = factories.make_union("北京市覆盖测试工会", reviewed=True, kind="industry")
    drafted = factories.make_union("北京市草稿测试工会", reviewed=True, kind="industry")
    factories.make_article("公开稿", published=True, unions=[covered], tags=["公开话题"])
    factories.make_article("草稿", unions=[drafted], tags=["草稿话题"])
    page = text(client.get(reverse("articles:search")))
    assert "北京市覆盖测试工会" in page and "公开话题" in page
    assert "北京市草稿测试工会" not in page and "草稿话题" not in page


# -- the directory at a city's size -----------------------------------------------------------


def federation_with(grassroots: int):
    """A municipal federation with ``grassroots`` enterprise unions under it, 基层工会01…"""
    from organizations.models import Union

    city = factories.make_union("某市总工会", kind=Union.Kind.MUNICIPAL)
    members = [
        factories.make_union(f"某市第{i:02d}公司工会", kind=Union.Kind.GRASSROOTS, parent=city)
        for i in range(grassroots)
    ]
    return city, members


def test_the_directory_lists_a_long_group_in_part_and_sends_readers_to_the_parent(client):
    from articles.views import unions as union_views

    shown = union_views.GRASSROOTS_SHOWN
    city, members = federation_with(shown + 5)
    factories.make_article("企业工会的报道", published=True, unions=[members[0]])
    page = text(client.get(reverse("organizations:union_list")))
    listed = [m for m in members if m.get_absolute_url() in page]
    assert listed == members[:shown]  # the first in directory order
    assert f'{members[0].name}</a> <span class="count">1 篇</span>' in page
    assert f"另有 5 个基层工会，见{city.name}的下级工会" in page
    assert f'href="{city.get_absolute_url()}#sub-unions-heading"' in page
    # The city's own page lists every one of them.
    city_page = text(client.get(city.get_absolute_url()))
    assert all(m.get_absolute_url() in city_page for m in members)


def test_a_union_page_lists_many_sub_unions_a_page_at_a_time(client, monkeypatch):
    from articles.views import unions as union_views

    monkeypatch.setattr(union_views, "SUB_UNIONS_PER_PAGE", 10)
    city, members = federation_with(25)
    first = text(client.get(city.get_absolute_url()))
    assert "下级工会（共 25 个）" in first
    assert sum(m.get_absolute_url() in first for m in members) == 10
    assert "?sub=2#sub-unions-heading" in first
    last = text(client.get(city.get_absolute_url(), {"sub": 3}))
    assert sum(m.get_absolute_url() in last for m in members) == 5
    assert client.get(city.get_absolute_url(), {"sub": 4}).status_code == 404


def test_a_corrupted_parent_chain_does_not_loop(client):
    from organizations.models import Union

    top = factories.make_union("甲工会", kind=Union.Kind.DISTRICT)
    below = factories.make_union("乙工会", kind=Union.Kind.GRASSROOTS, parent=top)
    Union.objects.filter(pk=top.pk).update(parent=below)  # a cycle no form would allow
    assert set(Union.objects.subtree(top).values_list("pk", flat=True)) == {top.pk, below.pk}
    assert client.get(top.get_absolute_url()).status_code == 200
