"""Site search: Chinese words found in the real seed pages, only in public stories, marked
safely in the results, narrowed by filters, in a constant number of queries.

Runs on SQLite (tokens found in ``search_text``) and on PostgreSQL (phrases of the GIN-indexed
tsvector); the same assertions hold for both.
"""

import html
import re
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from articles.search import highlight, query_terms, search_text, snippet, tokens
from organizations.models import Union
from tests import factories

pytestmark = pytest.mark.django_db

COOLING = "户外劳动者获“清凉”慰问品"
FINANCE_TRAINING = "市金融系统工会主席“充电蓄能”"
CRAFTSMEN = "用专业技能大赛造就“首都建筑工匠”"


def headlines(query: str) -> list[str]:
    return list(Article.objects.published().search(query).values_list("headline", flat=True))


def search_page(client, **params):
    return client.get(reverse("articles:search"), params)


def page_headlines(response) -> list[str]:
    """Headlines of the results as a reader reads them (marks removed, text unescaped)."""
    found = re.findall(r'<h2 class="headline"><a href="[^"]+">(.*?)</a></h2>', response.text)
    return [html.unescape(re.sub(r"</?mark>", "", h)) for h in found]


# -- segmentation -------------------------------------------------------------------------------


def test_search_text_holds_each_runs_character_pairs_and_its_last_character():
    assert tokens("北京市总工会，ＡＢＣ１２ 100余名") == [
        *["北京", "京市", "市总", "总工", "工会", "会"],
        "abc12",
        *["100", "余名", "名"],
    ]
    assert search_text("工会", "主席") == " 工会 会 主席 席 "


def test_query_terms_drop_punctuation_and_keep_the_readers_parts():
    assert query_terms("“清凉”！") == ["“清凉”！"]
    assert query_terms("  ，。") == []
    assert query_terms("ABC 工会 工会") == ["ABC", "工会"]


# -- the real seed pages ------------------------------------------------------------------------


def test_cooling_finds_the_summer_stories_and_not_the_finance_training(published_seed_pages):
    found = headlines("清凉")
    assert COOLING in found
    assert any("中关村科学城" in h for h in found)
    assert FINANCE_TRAINING not in found


def test_common_word_finds_many_stories_newest_first(published_seed_pages):
    found = Article.objects.published().search("工会")
    assert found.count() >= 10
    times = [a.publish_at for a in found]
    assert times == sorted(times, reverse=True)


def test_craftsmen_finds_the_competition_story(published_seed_pages):
    assert CRAFTSMEN in headlines("工匠")


def test_every_word_of_the_query_must_match(published_seed_pages):
    both = set(headlines("清凉 工会"))
    assert COOLING in both
    assert both <= set(headlines("清凉"))
    assert headlines("清凉 量子") == []


def public_texts() -> dict[str, str]:
    return {
        a.headline: " ".join((a.kicker, a.headline, a.subtitle, a.body))
        for a in Article.objects.published()
    }


@pytest.mark.parametrize("query", ["会", "工会主席", "送清凉", "清凉", "北京市总工会", "技能竞赛"])
def test_a_query_finds_exactly_the_stories_that_hold_it_as_written(published_seed_pages, query):
    """Issue 11: 会 (one character) found nothing, and 工会主席 and 送清凉 missed stories
    that hold them, because jieba cut the query and the story differently."""
    holding = {headline for headline, text in public_texts().items() if query in text}
    assert holding, f"the seed pages hold {query}"
    assert set(headlines(query)) == holding


def test_a_reporters_name_finds_the_stories_credited_to_them(published_seed_pages):
    credited = set(
        Article.objects.published()
        .filter(bylines__reporter__name="马超")
        .values_list("headline", flat=True)
    )
    assert credited
    assert credited <= set(headlines("马超"))
    assert credited <= set(headlines("马超 技能"))


def test_a_one_character_query_on_the_page_gets_results_not_a_false_nothing(
    client, published_seed_pages
):
    response = search_page(client, q="会")
    assert page_headlines(response) and "没有找到" not in response.text
    assert "<mark>会</mark>" in response.text


@pytest.mark.parametrize("query", ["量子引力", "", "  ", "！？"])
def test_nonsense_or_empty_query_finds_nothing(published_seed_pages, query):
    assert headlines(query) == []


def test_search_page_shows_seed_results_with_marks(client, published_seed_pages):
    response = search_page(client, q="清凉")
    assert response.status_code == 200
    assert "<title>搜索“清凉”" in response.text
    assert COOLING in page_headlines(response)
    assert FINANCE_TRAINING not in page_headlines(response)
    assert "<mark>清凉</mark>" in response.text


# -- visibility ---------------------------------------------------------------------------------


def test_only_public_stories_are_found():
    now = timezone.now()
    public = factories.make_article("公开的防暑稿件", published=True, body="送去防暑降温用品。")
    factories.make_article("草稿防暑稿件", body="送去防暑降温用品。", publish_at=now - timedelta(1))
    factories.make_article(
        "定时防暑稿件", published=True, publish_at=now + timedelta(hours=2), body="防暑降温。"
    )
    factories.make_article(
        "撤回防暑稿件",
        status=Article.Status.WITHDRAWN,
        publish_at=now - timedelta(hours=2),
        body="防暑降温。",
    )
    assert headlines("防暑") == [public.headline]


# -- highlighting -------------------------------------------------------------------------------


def test_highlight_escapes_hostile_text_before_marking():
    marked = highlight("<script>alert('工会')</script>", ["工会"])
    assert marked == "&lt;script&gt;alert(&#x27;<mark>工会</mark>&#x27;)&lt;/script&gt;"
    assert "<script>" not in snippet("<script>x</script>工会", ["工会"])


def test_latin_terms_are_marked_only_as_whole_words():
    assert highlight("job b bb", ["b"]) == "job <mark>b</mark> bb"


def test_snippet_is_about_the_first_match():
    body = "开头。" * 60 + "今年夏天，工会为户外劳动者送去清凉。" + "结尾。" * 60
    text = snippet(body, ["清凉"])
    assert "<mark>清凉</mark>" in text
    assert text.startswith("…") and text.endswith("…")
    assert len(re.sub(r"</?mark>", "", text)) <= 122


def test_hostile_body_is_shown_escaped_on_the_search_page(client):
    factories.make_article(
        "<script>alert(1)</script>清凉标题",
        published=True,
        body="<script>alert(2)</script>工会送清凉。<img src=x onerror=alert(3)>",
    )
    response = search_page(client, q="清凉")
    assert "<script>alert" not in response.text
    assert "<img src=x" not in response.text
    assert "&lt;script&gt;alert(2)&lt;/script&gt;工会送<mark>清凉</mark>" in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<mark>清凉</mark>标题" in response.text


# -- search page: form, hint, filters -------------------------------------------------------------


def test_empty_query_shows_form_and_hint(client):
    response = search_page(client)
    assert response.status_code == 200
    assert 'name="q"' in response.text
    assert "请输入要查找的词语" in response.text


def test_header_has_a_labelled_search_form(client):
    response = client.get(reverse("articles:home"))
    assert f'action="{reverse("articles:search")}"' in response.text
    assert '<label class="visually-hidden" for="site-search-q">' in response.text


def test_no_result_message(client):
    factories.make_article("工会稿件", published=True)
    response = search_page(client, q="量子引力")
    assert response.status_code == 200
    assert "没有找到包含“量子引力”的报道" in response.text


@pytest.fixture
def filter_world():
    union = factories.make_union("测试清凉建筑工会", reviewed=True)
    child = factories.make_union("测试清凉一建公司工会", reviewed=True, parent=union)
    other = factories.make_union("测试清凉金融工会", reviewed=True)
    july = timezone.make_aware(datetime(2023, 7, 15, 10))
    stories = {
        "union": factories.make_article(
            "建筑工会送清凉", published=True, publish_at=july, unions=[union], tags=["夏送清凉"]
        ),
        "child": factories.make_article(
            "一建公司送清凉", published=True, publish_at=july - timedelta(days=30), unions=[child]
        ),
        "other": factories.make_article(
            "金融工会送清凉",
            published=True,
            publish_at=july + timedelta(days=30),
            unions=[other],
            tags=["夏送清凉"],
        ),
    }
    return union, stories


def test_union_filter_includes_sub_unions(client, filter_world):
    union, _ = filter_world
    found = page_headlines(search_page(client, q="清凉", union=union.pk))
    assert sorted(found) == sorted(["建筑工会送清凉", "一建公司送清凉"])


def test_union_filter_offers_federations_and_unions_with_sub_unions(client, filter_world):
    """A grassroots union with no union below it is not a choice (its page lists its
    stories); one with sub-unions is, and so is a federation."""
    district = Union.objects.get(name="海淀区总工会")  # from the directory's data migration
    factories.make_article("海淀送清凉", published=True, unions=[district])
    options = re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', search_page(client).text)
    assert "测试清凉建筑工会" in options and "海淀区总工会" in options
    assert "测试清凉一建公司工会" not in options and "测试清凉金融工会" not in options


def test_topic_filter(client, filter_world):
    _, stories = filter_world
    topic = stories["union"].tags.get()
    found = page_headlines(search_page(client, q="清凉", topic=topic.pk))
    assert found == ["金融工会送清凉", "建筑工会送清凉"]


def test_date_filter_takes_whole_days_in_beijing_time(client, filter_world):
    # 2023-07-15 00:30 in Beijing is still 07-14 in UTC: it belongs to the 15th.
    factories.make_article(
        "凌晨送清凉",
        published=True,
        publish_at=timezone.make_aware(datetime(2023, 7, 15, 0, 30)),
    )
    found = page_headlines(
        search_page(client, q="清凉", **{"from": "2023-07-15", "to": "2023-07-15"})
    )
    assert sorted(found) == sorted(["建筑工会送清凉", "凌晨送清凉"])
    found = page_headlines(search_page(client, q="清凉", **{"from": "2023-07-16"}))
    assert found == ["金融工会送清凉"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"union": "abc"}, "没有找到所选的工会"),
        ({"union": "999999"}, "没有找到所选的工会"),
        ({"topic": "x"}, "没有找到所选的话题"),
        ({"from": "2023-13-45"}, "起始日期"),
        ({"to": "yesterday"}, "截止日期"),
        ({"from": "0001-01-01"}, "超出了可查询的年份"),
        ({"from": "2023-08-01", "to": "2023-07-01"}, "起始日期晚于截止日期"),
    ],
)
def test_bad_filter_values_get_a_message_and_are_ignored(client, filter_world, params, message):
    response = search_page(client, q="清凉", **params)
    assert response.status_code == 200
    assert message in html.unescape(response.text)
    assert len(page_headlines(response)) == 3  # the query itself still runs


# -- derived field --------------------------------------------------------------------------------


def test_editing_a_headline_updates_search():
    story = factories.make_article("夏日送清凉", published=True, body="一段话。")
    assert headlines("清凉") == ["夏日送清凉"]
    story.headline = "冬日送温暖"
    story.save()
    assert headlines("清凉") == []
    assert headlines("温暖") == ["冬日送温暖"]
    story.body = "工匠精神。"
    story.save(update_fields=["body"])
    assert headlines("工匠") == ["冬日送温暖"]


# -- query count ----------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [5, 50])
def test_search_page_makes_a_constant_number_of_queries(client, django_assert_num_queries, n):
    """The same count for 5 and for 50 results (20 a page): unions for the filters (1) and the
    topics from their kept counts (3), whether a query part is someone's name (1), the count
    and the page of stories (2), their credits, unions and photos (3). Nothing per story."""
    union = factories.make_union(reviewed=True)
    reporter = factories.make_reporter()
    for i in range(n):
        factories.make_article(
            f"送清凉第{i}站",
            published=True,
            bylines=[(reporter, "记者", "text")],
            unions=[union],
            tags=["夏送清凉"],
        )
    client.get(reverse("articles:search"), {"q": "清凉"})  # warms taggit's ContentType cache
    # On PostgreSQL the search's time budget is a transaction of its own with its
    # statement_timeout: a savepoint inside the test's transaction, set_config, release.
    with django_assert_num_queries(10 + 3 * (connection.vendor == "postgresql")):
        response = search_page(client, q="清凉")
    assert len(page_headlines(response)) == min(n, 20)


# -- PostgreSQL: the GIN index serves the query -------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_postgresql_search_can_use_the_gin_index():
    """Search matches the stored ``search_document`` through its GIN index (migration 0012);
    before, each story's text was tokenised again for every search that scanned it."""
    factories.make_article("送清凉", published=True)
    sql, params = Article.objects.search("清凉").query.sql_with_params()
    with connection.cursor() as cursor:
        # Rule out the table scan and the date index, which win on a table this small.
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_indexscan = off")
        try:
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_indexscan")
    assert "article_document_gin" in plan, plan
    # The stored document is matched: no story is tokenised again at query time.
    assert "to_tsvector" not in plan, plan


# -- search as a weapon: rate and time limits (issue 11) ----------------------------------------


def test_a_reader_searching_too_often_is_asked_to_wait_and_desk_users_are_not(client, settings):
    settings.UNIONNEWS_SEARCH_RATE = "3/m"
    factories.make_article("送清凉到工地", published=True)
    answers = [client.get(reverse("articles:search"), {"q": "清凉"}) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    page = answers[-1].content.decode()
    assert "搜索过于频繁，请稍等一分钟再试。" in page and "共找到" not in page
    assert "请输入要查找的词语" not in page  # the reader did enter one: no hint that says not
    other = Client(REMOTE_ADDR="198.51.100.20")  # another reader is not held up
    assert other.get(reverse("articles:search"), {"q": "清凉"}).status_code == 200
    desk = Client()
    desk.force_login(factories.make_user("desk-searcher", is_staff=True))
    for _ in range(4):  # the desk, logged in, is never counted
        assert desk.get(reverse("articles:search"), {"q": "清凉"}).status_code == 200


def test_behind_a_proxy_readers_are_told_apart_by_the_address_it_forwards(client, settings):
    settings.UNIONNEWS_SEARCH_RATE = "1/m"
    settings.UNIONNEWS_PROXY_COUNT = 1
    search = reverse("articles:search")
    first = client.get(search, {"q": "工会"}, HTTP_X_FORWARDED_FOR="203.0.113.1")
    second = client.get(search, {"q": "工会"}, HTTP_X_FORWARDED_FOR="203.0.113.2")
    again = client.get(search, {"q": "工会"}, HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.1")
    assert (first.status_code, second.status_code, again.status_code) == (200, 200, 429)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_a_search_over_its_time_budget_is_stopped_with_a_message(client, settings):
    """``statement_timeout`` for the search's own transaction: a search still waiting after
    ``UNIONNEWS_SEARCH_TIMEOUT_MS`` (here on a table another session holds locked) is
    cancelled, and the reader told what to do; the limit stays the search's own."""
    from django.db import connections

    settings.UNIONNEWS_SEARCH_TIMEOUT_MS = 100
    factories.make_article("送清凉到工地", published=True)
    other = connections.create_connection("default")
    other.set_autocommit(False)
    try:
        with other.cursor() as cursor:
            cursor.execute("LOCK TABLE articles_article IN ACCESS EXCLUSIVE MODE")
        response = client.get(reverse("articles:search"), {"q": "清凉"})
    finally:
        other.rollback()
        other.close()
    page = response.content.decode()
    assert response.status_code == 200
    assert "这次搜索用时过长，已停止" in page and "共找到" not in page
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"
    after = client.get(reverse("articles:search"), {"q": "清凉"}).content.decode()
    assert "共找到 1 篇报道" in after
