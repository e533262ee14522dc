"""The importer's limits match the database (issue 10): a value longer than its column, a
page with too many stories, a story too long, too many proposed unions, an over-long file
name each get a message naming the file, the line and the limit, from the dry run and the
import alike; nothing is written. Fuzzed with hypothesis (on PostgreSQL in CI, where a value
too long used to be a ``DataError``)."""

import json
from io import StringIO
from itertools import count

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.importer.page import MAX_PROPOSED_UNIONS, MAX_STORIES, MAX_STORY_CHARS
from articles.models import Article, Byline, ImportedPage, Reporter
from articles.services import ImportConflict, PageParseError, import_page, preview_page
from events.models import Event
from organizations.models import Union
from organizations.services import directory_load

pytestmark = pytest.mark.django_db

STORY = "本报讯（记者 马超）近日，北京市总工会举办职工技能大赛，来自各区的职工参赛。"


@pytest.fixture(autouse=True)
def directory():
    directory_load()


def rows() -> tuple:
    return (
        Article.objects.count(),
        Byline.objects.count(),
        Reporter.objects.count(),
        Union.objects.count(),
        Event.objects.count(),
        ImportedPage.objects.count(),
    )


def refused(text: str, source: str = "page.txt") -> PageParseError:
    """The page is refused, with the same message by the dry run and by the import, and
    nothing is written."""
    before = rows()
    with pytest.raises(PageParseError) as dry:
        preview_page(data=text.encode(), source=source)
    with pytest.raises(PageParseError) as real:
        import_page(data=text.encode(), source=source)
    assert str(dry.value) == str(real.value)
    assert rows() == before
    return real.value


@pytest.mark.parametrize(
    "mark,what,limit",
    [("#", "栏目名", 150), ("##", "小栏", 100), ("###", "主题", 200)],
)
def test_a_marked_line_longer_than_its_column_is_refused_with_its_line(mark, what, limit):
    """The line named is the long line itself (acceptance of issue 10: the banner's had no
    line, and a section heading's was given as the headline's under it)."""
    long = "很长的标题" * 50  # 250 characters
    page = f"# 职工之家\n\n{mark} {long}\n\n### 正常的标题\n\n{STORY}\n"
    if mark == "#":
        page = f"# {long}\n\n## 小栏\n\n### 正常的标题\n\n{STORY}\n"
    error = refused(page)
    assert what in error.reason and f"{limit} 字" in error.reason
    assert error.line == (1 if mark == "#" else 3)
    assert str(error).startswith(f"page.txt 第{error.line}行")
    assert "把几行连在了一起" in error.reason


def test_every_value_the_parser_fills_is_checked_against_its_column():
    """The parser's output checked field by field (``services.imports.check_fits``): names of
    proposed unions, events and credited people included, whose length the parser cannot
    know."""
    from articles.importer import ParsedArticle, ParsedCredit, ParsedEvent, ParsedPage
    from articles.importer.structures import UnionMention
    from articles.services.imports import check_fits

    def page(**story) -> ParsedPage:
        return ParsedPage(
            "p.txt", None, [ParsedArticle(position=1, line=7, headline="标题", **story)]
        )

    cases = [
        ({"union_mentions": [UnionMention("工" * 101, known=False)]}, "新提议的工会名称", 100),
        ({"events": [ParsedEvent("competition", "赛" * 151)]}, "活动名称", 150),
        ({"bylines": [ParsedCredit("名" * 51, "记者", "text")]}, "署名的姓名", 50),
        ({"dateline": "讯" * 21}, "电头", 20),
    ]
    for story, what, limit in cases:
        with pytest.raises(PageParseError) as error:
            check_fits(page(**story))
        assert what in error.value.reason and f"{limit} 字" in error.value.reason
        # Found in the story's text: the story is named, from its first line.
        assert str(error.value).startswith("p.txt 第7行：从这一行起的稿件“标题”中，")
        assert "连在了一起" not in error.value.reason
    check_fits(page(union_mentions=[UnionMention("工" * 101, known=True)]))  # an existing one


def test_a_file_name_over_the_limit_is_refused():
    error = refused(f"### 标题\n\n{STORY}\n", source="版" * 201 + ".txt")
    assert "版面文件名" in error.reason and "200 字" in error.reason
    assert error.line is None and "这一行" not in error.reason


def test_too_many_stories_on_one_page_are_refused_at_the_story_that_is_too_many():
    page = "".join(f"### 第{i}篇稿件的标题\n\n{STORY}\n\n" for i in range(MAX_STORIES + 5))
    error = refused(page)
    assert f"最多 {MAX_STORIES} 篇" in error.reason and error.line is not None


def test_a_story_longer_than_any_printed_one_is_refused():
    paragraph = "职工" * (MAX_STORY_CHARS // 2 + 10) + "。"
    error = refused(f"### 很长的稿件\n\n{paragraph}\n")
    assert f"超过 {MAX_STORY_CHARS} 字" in error.reason


def test_a_page_proposing_too_many_unions_is_refused():
    names = "、".join(f"北京第{i}号机械厂工会" for i in range(MAX_PROPOSED_UNIONS + 5))
    error = refused(f"### 工会活动\n\n本报讯（记者 马超）近日，{names}等单位参加活动。\n")
    assert f"{MAX_PROPOSED_UNIONS} 个的上限" in error.reason


def test_the_command_line_dry_run_names_the_line_and_the_limit(tmp_path):
    page = tmp_path / "长标题.txt"
    page.write_text("### " + "很长的标题" * 50 + f"\n\n{STORY}\n", encoding="utf-8")
    err = StringIO()
    with pytest.raises(SystemExit):
        call_command(
            "import_pages", str(page), "--dry-run", "--json", stdout=StringIO(), stderr=err
        )
    assert "长标题.txt 第1行" in err.getvalue() and "200 字" in err.getvalue()


_names = count()

# Lines a page of layout text is made of, long and short: marks, titles, lead-ins, credits,
# union names, sentence ends, and text far longer than any column.
LINE = st.one_of(
    st.sampled_from(
        [
            "#",
            "##",
            "###",
            "本报讯（记者 马超 通讯员 高岩）",
            "本报记者 于佳 摄",
            "北京市总工会",
            "北京某某科技有限公司工会",
            "第一届全国职工技能大赛",
            "。",
            "：",
            "□本报记者 任洁",
        ]
    ),
    st.text(alphabet="职工会工会北京区总市技能大赛举办活动“”，。！？：（）·■□ ", max_size=40),
    st.text(alphabet="很长的标题工会", min_size=90, max_size=260),
)
PAGE = st.lists(st.lists(LINE, min_size=1, max_size=4).map("".join), min_size=1, max_size=25).map(
    "\n\n".join
)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=PAGE)
def test_fuzzed_pages_are_imported_or_refused_with_a_message_never_an_error(text):
    source = f"fuzz-{next(_names)}.txt"
    before = rows()
    try:
        result = import_page(data=text.encode(), source=source)
    except (PageParseError, ImportConflict) as error:
        assert str(error)
        assert rows() == before  # a refused page writes nothing
        return
    assert len(result.articles) >= 1
    json.dumps(result.page.to_json(), ensure_ascii=False)
