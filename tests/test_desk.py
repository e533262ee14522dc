"""The desk's pages outside the admin, and the public correction note.

* The sign-off sheet (签发单): a printable page per story with its review history.
* Contribution statistics (稿件统计): credits per person, correspondent and union per month,
  from live published stories only, as HTML tables and CSV downloads.
* Corrections (更正) under a public story.
"""

import csv
import html
import io
import json
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import roles, services
from articles.models import Article, Transition
from editions.models import Edition, Page, Placement
from tests import factories

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def text(response) -> str:
    return response.content.decode()


def table_rows(page: str, table_id: str) -> list[list[str]]:
    """The body rows of the statistics table headed ``table_id``, as lists of cell texts."""
    section = page.split(f'id="{table_id}"', 1)[1].split("</section>", 1)[0]
    body = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in section else ""
    return [
        [
            html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


@pytest.fixture
def people():
    machao = factories.make_reporter("马超")
    machao.user = factories.make_user(
        "machao", groups=[roles.REPORTER], is_staff=True, first_name="马超"
    )
    machao.save()
    return {
        "machao": machao,
        "other_reporter": factories.make_user("renjie", groups=[roles.REPORTER], is_staff=True),
        "editor": factories.make_user(
            "editor", groups=[roles.EDITOR], is_staff=True, first_name="王", last_name="编辑"
        ),
        "chief": factories.make_user("chief", groups=[roles.CHIEF_EDITOR], is_staff=True),
    }


# -- the sign-off sheet ---------------------------------------------------------------------------


@pytest.fixture
def reviewed_story(people):
    """A story that went the whole way: filed, returned, filed again, approved, signed off
    and scheduled, each step at a known minute."""
    union = factories.make_union("北京市测试建筑工会")
    story = factories.make_article(
        "用专业技能大赛造就“首都建筑工匠”",
        kicker="市建筑工会助力打造技术精湛、规模宏大的产业工人队伍",
        subtitle="两年授予15名冠军选手称号",
        dateline="本报讯",
        section="夏送清凉 工会行动",
        column=factories.make_column("深入学习贯彻党的二十大精神"),
        body="第一段 有十个字。\n\n第二段<b>五字",
        source_file="000_8ba2d67d72a48244.txt",
        source_position=1,
        bylines=[
            (people["machao"], "记者", "text"),
            (factories.make_reporter("于佳"), "记者", "photo"),
        ],
        unions=[union],
    )
    edition = Edition.objects.create(paper_date=datetime(2023, 7, 15).date())
    page = Page.objects.create(edition=edition, number=3, name="工会新闻")
    Placement.objects.create(page=page, article=story, position=1)
    steps = [
        (at(2023, 7, 13, 17, 5), services.article_submit, people["machao"].user, {}),
        (
            at(2023, 7, 14, 9, 30),
            services.article_return,
            people["editor"],
            {"comment": "请核实<冠军>人数"},
        ),
        (at(2023, 7, 14, 11, 0), services.article_submit, people["machao"].user, {}),
        (at(2023, 7, 14, 15, 20), services.article_approve, people["editor"], {"comment": "同意"}),
        (at(2023, 7, 14, 18, 45), services.article_signoff, people["chief"], {}),
        (
            at(2023, 7, 14, 19, 0),
            services.article_publish,
            people["editor"],
            {"at": at(2023, 7, 15, 8, 0)},
        ),
    ]
    for moment, step, user, kwargs in steps:
        with time_machine.travel(moment, tick=False):
            if step is services.article_publish:  # 于佳's photo is not uploaded: waived
                services.article_waive_photo(article=story, user=user)
            step(article=story, user=user, **kwargs)
    return story


def sheet_url(story) -> str:
    return reverse("articles:signoff_sheet", args=[story.pk])


def test_signoff_sheet_lists_every_review_step_with_name_and_time(client, people, reviewed_story):
    client.force_login(people["editor"])
    with time_machine.travel(at(2023, 7, 14, 20, 0), tick=False):
        response = client.get(sheet_url(reviewed_story))
    assert response.status_code == 200
    page = text(response)
    for fact in (
        "工会新闻",
        "稿件签发单",
        f"稿号：{reviewed_story.pk}",
        "深入学习贯彻党的二十大精神",
        "夏送清凉 工会行动",
        "消息",
        "市建筑工会助力打造技术精湛、规模宏大的产业工人队伍",
        "用专业技能大赛造就“首都建筑工匠”",
        "两年授予15名冠军选手称号",
        "本报讯（记者 马超）",
        "本报记者 于佳 摄",
        "16 字（不计空白）",  # 第一段有十个字。 + 第二段<b>五字: no space, no line break
        "2023年7月15日",
        "第 3 版",
        "000_8ba2d67d72a48244.txt",
        "已发布（定时发布，尚未上线）",
        "2023年7月15日 08:00",
    ):
        assert fact in page, fact
    assert "第二段<b>" not in page

    steps = page.split('id="sheet-steps-heading"', 1)[1].split("</table>", 1)[0]
    rows = [
        [
            html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<td>(.*?)</td>", r, re.S)
        ]
        for r in re.findall(r"<tr>(.*?)</tr>", steps.split("<tbody>", 1)[1], re.S)
    ]
    assert rows == [
        ["草稿 → 待审", "马超", "2023年7月13日 17:05", "—"],
        ["待审 → 退回修改", "王 编辑", "2023年7月14日 09:30", "请核实<冠军>人数"],
        ["退回修改 → 待审", "马超", "2023年7月14日 11:00", "—"],
        ["待审 → 已通过", "王 编辑", "2023年7月14日 15:20", "同意"],
        ["已通过 → 已签发", "chief", "2023年7月14日 18:45", "—"],
        ["已签发 → 已发布", "王 编辑", "2023年7月14日 19:00", "定时发布：2023年7月15日 08:00"],
    ]
    assert "请核实&lt;冠军&gt;人数" in page  # escaped, not markup
    for line in ("责任编辑", "签发人", "日期"):
        assert f"<dt>{line}</dt><dd></dd>" in page
    assert ">打印</button>" in page
    assert "<noscript>" in page  # complete and printable without JavaScript


def test_signoff_sheet_is_for_the_desk_only(client, people, reviewed_story):
    url = sheet_url(reviewed_story)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next={quote(url)}"

    client.force_login(people["other_reporter"])  # no byline on the story
    assert client.get(url).status_code == 404

    client.force_login(people["machao"].user)  # their own story
    assert client.get(url).status_code == 200

    reader = factories.make_user("reader")  # a login with no place on the desk
    client.force_login(reader)
    assert client.get(url).status_code == 404

    client.force_login(people["editor"])
    assert client.get(reverse("articles:signoff_sheet", args=[999999])).status_code == 404


def test_signoff_sheet_query_count_does_not_grow_with_the_review_steps(
    client, people, reviewed_story
):
    """One review step or six: the same number of queries (steps and their users are
    fetched together, credits in one prefetch)."""
    short = factories.make_article("只走了一步", bylines=[(people["machao"], "记者", "text")])
    services.article_submit(article=short, user=people["machao"].user)
    client.force_login(people["editor"])
    client.get(sheet_url(short))  # warm per-process caches
    counts = []
    for story in (short, reviewed_story):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(sheet_url(story)).status_code == 200
        counts.append(len(queries))
    assert Transition.objects.filter(article=reviewed_story).count() == 6
    assert counts[0] == counts[1]


# -- contribution statistics ----------------------------------------------------------------------


@pytest.fixture
def july(people):
    """Stories of July 2023 (Asia/Shanghai) in every state, with staff, trainee and
    correspondent credits and two unions. The clock stands at 2023-07-25 12:00."""
    union_a = factories.make_union("北京市测试建筑工会")
    union_b = factories.make_union("测试区总工会")
    machao = people["machao"]
    yujia = factories.make_reporter("于佳")
    trainee = factories.make_reporter("李四", title="实习记者")
    gushuang = factories.make_reporter("顾爽", title="通讯员", union=union_a)
    with time_machine.travel(at(2023, 7, 25, 12, 0), tick=False):
        live = [
            factories.make_article(
                "七月十日的稿件",
                published=True,
                publish_at=at(2023, 7, 10, 10, 0),
                bylines=[
                    (machao, "记者", "text"),
                    (gushuang, "通讯员", "text"),
                    (yujia, "记者", "photo"),
                ],
                unions=[union_a, union_b],
            ),
            factories.make_article(
                "七月二十日的稿件",
                published=True,
                publish_at=at(2023, 7, 20, 10, 0),
                bylines=[(machao, "记者", "text"), (gushuang, "通讯员", "photo")],
                unions=[union_a],
            ),
            # 2023-06-30 17:00 UTC is 2023-07-01 01:00 in Beijing: a July story.
            factories.make_article(
                "七月一日凌晨的稿件",
                published=True,
                publish_at=datetime(2023, 6, 30, 17, 0, tzinfo=UTC),
                bylines=[(trainee, "实习记者", "text")],
                unions=[union_b],
            ),
        ]
        # 2023-07-31 16:30 UTC is 2023-08-01 00:30 in Beijing: an August story.
        factories.make_article(
            "八月一日凌晨的稿件",
            published=True,
            publish_at=datetime(2023, 7, 31, 16, 30, tzinfo=UTC),
            bylines=[(machao, "记者", "text"), (gushuang, "通讯员", "text")],
            unions=[union_a],
        )
        hidden = {"bylines": [(machao, "记者", "text"), (gushuang, "通讯员", "text")]}
        hidden["unions"] = [union_a, union_b]
        for status in (
            Article.Status.DRAFT,
            Article.Status.SUBMITTED,
            Article.Status.APPROVED,
            Article.Status.SIGNED_OFF,
            Article.Status.WITHDRAWN,
        ):
            factories.make_article(
                f"{status}的稿件", status=status, publish_at=at(2023, 7, 5, 9, 0), **hidden
            )
        factories.make_article(  # scheduled for later in July: not live yet
            "定时发布的稿件", published=True, publish_at=at(2023, 7, 28, 8, 0), **hidden
        )
    return {"live": live, "union_a": union_a, "union_b": union_b}


def stats_url(**params) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reverse("articles:contribution_stats") + (f"?{query}" if query else "")


def read_csv(response) -> list[list[str]]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


EXPECTED_REPORTERS = [
    ["月份", "姓名", "署名身份", "所在工会", "文字稿件（篇）", "摄影署名（篇）", "稿件合计（篇）"],
    ["2023-07", "顾爽", "通讯员", "北京市测试建筑工会", "1", "1", "2"],
    ["2023-07", "马超", "记者", "", "2", "0", "2"],
    ["2023-07", "于佳", "记者", "", "0", "1", "1"],
    ["2023-07", "李四", "实习记者", "", "1", "0", "1"],
]
EXPECTED_CORRESPONDENTS = [
    ["月份", "姓名", "所在工会", "文字稿件（篇）", "摄影署名（篇）", "稿件合计（篇）"],
    ["2023-07", "顾爽", "北京市测试建筑工会", "1", "1", "2"],
]
EXPECTED_UNIONS = [
    ["月份", "工会", "报道（篇）"],
    ["2023-07", "北京市测试建筑工会", "2"],
    ["2023-07", "测试区总工会", "2"],
]


def sorted_body(rows):
    return [rows[0], *sorted(rows[1:])]


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("reporters", EXPECTED_REPORTERS),
        ("correspondents", EXPECTED_CORRESPONDENTS),
        ("unions", EXPECTED_UNIONS),
    ],
)
def test_statistics_csv_counts_only_live_published_stories(client, people, july, table, expected):
    client.force_login(people["editor"])
    with time_machine.travel(at(2023, 7, 25, 12, 0), tick=False):
        response = client.get(stats_url(month="2023-07", format="csv", table=table))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    name = f"稿件统计-2023-07-{table}.csv"
    assert response["Content-Disposition"] == (
        f'attachment; filename="contribution-stats-2023-07-{table}.csv"; '
        f"filename*=UTF-8''{quote(name)}"
    )
    assert sorted_body(read_csv(response)) == sorted_body(expected)


def test_statistics_page_shows_the_month_tables(client, people, july):
    client.force_login(people["chief"])
    with time_machine.travel(at(2023, 7, 25, 12, 0), tick=False):
        response = client.get(stats_url())  # the current month by default
    assert response.status_code == 200
    page = text(response)
    assert "作者稿件统计（2023年7月）" in page
    # Most stories first, then most text; staff reporters have no union (—).
    assert table_rows(page, "table-reporters") == [
        ["2023年7月", "马超", "记者", "—", "2", "0", "2"],
        ["2023年7月", "顾爽", "通讯员", "北京市测试建筑工会", "1", "1", "2"],
        ["2023年7月", "李四", "实习记者", "—", "1", "0", "1"],
        ["2023年7月", "于佳", "记者", "—", "0", "1", "1"],
    ]
    assert table_rows(page, "table-correspondents") == [
        ["2023年7月", "顾爽", "北京市测试建筑工会", "1", "1", "2"]
    ]
    assert sorted(table_rows(page, "table-unions")) == [
        ["2023年7月", "北京市测试建筑工会", "2"],
        ["2023年7月", "测试区总工会", "2"],
    ]
    # The month selector offers the months with live stories, and 全部月份.
    options = re.findall(r'<option value="([^"]+)"( selected)?>([^<]+)</option>', page)
    assert options == [
        ("all", "", "全部月份"),
        ("2023-07", " selected", "2023年7月（3 篇）"),
    ]
    for key in ("reporters", "correspondents", "unions"):
        assert html.escape(stats_url(month="2023-07", format="csv", table=key)) in page


def test_statistics_for_all_months_and_for_an_empty_month(client, people, july):
    client.force_login(people["editor"])
    with time_machine.travel(at(2023, 8, 2, 12, 0), tick=False):
        every = client.get(stats_url(month="all", format="csv", table="unions"))
        page = text(client.get(stats_url(month="all")))
        empty = text(client.get(stats_url(month="2022-01")))
    assert every["Content-Disposition"].endswith(
        f"filename*=UTF-8''{quote('稿件统计-全部月份-unions.csv')}"
    )
    # By 2 August the story scheduled for 28 July is live and counts for both unions.
    assert read_csv(every)[1:] == [
        ["2023-08", "北京市测试建筑工会", "1"],
        ["2023-07", "北京市测试建筑工会", "3"],
        ["2023-07", "测试区总工会", "3"],
    ]
    assert "2023年8月（1 篇）" in page and "2023年7月（4 篇）" in page
    assert "2022年1月没有已上线的稿件。" in empty


def test_statistics_bad_input_gets_a_clear_message(client, people, july):
    client.force_login(people["editor"])
    for bad in ("2023-13", "9999-12", "2023-7", "<b>"):
        response = client.get(stats_url(month=quote(bad)))
        assert response.status_code == 200
        assert f"月份“{html.escape(bad)}”无法识别" in text(response)
    response = client.get(stats_url(month="2023-07", format="csv", table="nope"))
    assert response.status_code == 400
    assert "table=reporters" in response.content.decode()


def test_statistics_csv_neutralises_formulas(client, people):
    union = factories.make_union('=HYPERLINK("http://x")工会')
    reporter = factories.make_reporter("@SUM(1)", title="通讯员", union=union)
    factories.make_article(published=True, bylines=[(reporter, "通讯员", "text")])
    client.force_login(people["editor"])
    rows = read_csv(client.get(stats_url(format="csv", table="correspondents")))
    assert rows[1][1:3] == ["'@SUM(1)", '\'=HYPERLINK("http://x")工会']


def test_statistics_are_for_editors_only(client, people):
    url = stats_url()
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    client.force_login(people["machao"].user)
    assert client.get(url).status_code == 403
    assert client.get(stats_url(format="csv", table="reporters")).status_code == 403


@pytest.fixture
def many_stories(people):
    def build(n):
        union = factories.make_union()
        correspondent = factories.make_reporter(title="通讯员", union=union)
        for i in range(n):
            factories.make_article(
                published=True,
                publish_at=at(2023, 7, 1 + i % 28, 9, 0),
                bylines=[
                    (factories.make_reporter(), "记者", "text"),
                    (correspondent, "通讯员", "photo"),
                ],
                unions=[union, factories.make_union()],
            )
        factories.make_article(published=True, publish_at=at(2023, 6, 1, 9, 0))

    return build


#: Queries of the statistics page: the session and the user, the user's own and group
#: permissions (for the permission check), the month list, and one aggregate per table.
STATS_QUERIES = 8


@pytest.mark.parametrize("n", [5, 50])
def test_statistics_page_makes_a_constant_number_of_queries(
    client, people, many_stories, django_assert_num_queries, n
):
    """The same number of queries for 5 and for 50 stories: each table is one aggregate."""
    many_stories(n)
    client.force_login(people["editor"])
    with time_machine.travel(at(2023, 7, 30, 12, 0), tick=False):
        with django_assert_num_queries(STATS_QUERIES):
            response = client.get(stats_url())
    assert response.status_code == 200
    assert len(table_rows(text(response), "table-reporters")) == n + 1


# -- public corrections ---------------------------------------------------------------------------


def test_corrections_show_under_the_story_dated_and_escaped(client, people):
    story = factories.make_article(
        "用专业技能大赛造就“首都建筑工匠”",
        published=True,
        publish_at=at(2023, 7, 15, 8, 0),
        body="第一段。\n第二段。",
        bylines=[(factories.make_reporter("于佳"), "记者", "photo")],
    )
    assert "更正" not in text(client.get(story.get_absolute_url()))
    with time_machine.travel(at(2023, 7, 16, 9, 0), tick=False):
        services.article_add_correction(
            article=story, user=people["editor"], text="<script>alert(1)</script>冠军应为16名。"
        )
    with time_machine.travel(at(2023, 7, 18, 23, 30), tick=False):
        services.article_add_correction(article=story, user=people["editor"], text="第二处更正。")

    page = text(client.get(story.get_absolute_url()))
    first = page.index(
        '更正（<time datetime="2023-07-16">2023年7月16日</time>）：</strong>'
        "&lt;script&gt;alert(1)&lt;/script&gt;冠军应为16名。"
    )
    second = page.index(
        '更正（<time datetime="2023-07-18">2023年7月18日</time>）：</strong>第二处更正。'
    )
    assert page.index('<p class="photo-credit">本报记者 于佳 摄</p>') < first < second
    assert "<script>alert(1)" not in page

    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    )
    assert data["correction"] == [
        {
            "@type": "CorrectionComment",
            "text": "<script>alert(1)</script>冠军应为16名。",
            "datePublished": "2023-07-16T09:00:00+08:00",
        },
        {
            "@type": "CorrectionComment",
            "text": "第二处更正。",
            "datePublished": "2023-07-18T23:30:00+08:00",
        },
    ]


#: Queries of a public article page: the story, its credits with their reporters, unions,
#: photos, events, topics, and corrections (one prefetch each; a story without photos has no
#: renditions or photo credits to fetch), however many corrections it has.
ARTICLE_QUERIES = 7


def test_article_page_query_count_does_not_grow_with_corrections(client, people, settings):
    settings.UNIONNEWS_PAGE_CACHE_SECONDS = 0  # the uncached page (a cache hit makes no query)
    counts = []
    for n in (1, 4):
        story = factories.make_article(published=True, publish_at=at(2023, 7, 15, 8, 0))
        for i in range(n):
            services.article_add_correction(article=story, user=people["editor"], text=f"更正{i}")
        client.get(story.get_absolute_url())  # warm per-process caches (taggit)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(story.get_absolute_url()).status_code == 200
        counts.append(len(queries))
    assert counts == [ARTICLE_QUERIES, ARTICLE_QUERIES]


def test_a_story_not_live_yet_takes_no_correction(people):
    story = factories.make_article(
        published=True, publish_at=datetime.now(UTC) + timedelta(hours=1)
    )
    with pytest.raises(services.TransitionNotAllowed):
        services.article_add_correction(article=story, user=people["editor"], text="太早了")
