"""Editions and the digital paper (issue 12): a day's paper imported page by page, published
at one moment through the workflow, and browsed by readers page by page."""

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from articles.models import Article, ImportedPage
from articles.services import ImportConflict, NotAllowed, article_approve, import_page
from editions.models import Edition, Page, Placement
from editions.services import PageFile, edition_import, edition_publish, page_import
from organizations.services import directory_load
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "fixtures" / "pages").glob("*.txt"))
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2023, 7, 15)

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def editor():
    directory_load()
    return factories.make_user("editor", is_staff=True, is_superuser=True)


def seed_files(first=3):
    return [
        PageFile(number=first + i, source=path.name, data=path.read_bytes())
        for i, path in enumerate(PAGES)
    ]


def imported_edition(editor):
    result = edition_import(user=editor, paper_date=DAY, issue_number=1234, files=seed_files())
    assert not result.failed, result.failed
    return result.edition


def approve_all(editor, edition):
    for story in Article.objects.filter(placement__page__edition=edition):
        if Article.objects.photo_missing().filter(pk=story.pk).exists():
            story.photo_waived = True
            story.save(update_fields=["photo_waived"])
        article_approve(article=story, user=editor)


# -- importing an edition -------------------------------------------------------------------


def test_a_days_paper_is_imported_as_pages_with_their_stories_in_layout_order(editor):
    reported = []
    result = edition_import(
        user=editor,
        paper_date=DAY,
        issue_number=1234,
        files=seed_files(),
        on_page=lambda index, outcome: reported.append((index, outcome.page.number)),
    )
    edition = result.edition
    assert reported == [(0, 3), (1, 4), (2, 5)]  # the desk hears of each page as it lands
    assert str(edition) == "2023年7月15日（总第 1234 期）"
    assert edition.status == Edition.Status.DRAFT
    assert [page.number for page in edition.pages.all()] == [3, 4, 5]
    third = edition.pages.get(number=3)
    assert third.import_record.source_file == PAGES[0].name
    placements = list(third.placements.select_related("article"))
    assert [p.position for p in placements] == [1, 2, 3, 4, 5]
    assert placements[0].article.headline == "用专业技能大赛造就“首都建筑工匠”"
    assert [p.article.source_position for p in placements] == [1, 2, 3, 4, 5]


def test_importing_the_same_edition_again_places_nothing_twice(editor):
    edition = imported_edition(editor)
    before = (Article.objects.count(), Placement.objects.count(), Page.objects.count())
    again = edition_import(user=editor, paper_date=DAY, issue_number=1234, files=seed_files())
    assert not again.failed
    assert all(outcome.imported.unchanged for outcome in again.pages)
    assert (Article.objects.count(), Placement.objects.count(), Page.objects.count()) == before
    assert again.edition == edition


def test_the_same_page_under_another_file_name_is_recognised_and_not_imported_twice(editor):
    """Issue 12, "Duplicates": a GB18030 copy of a page under another name made 5 drafts."""
    imported_edition(editor)
    copy = PAGES[1].read_text(encoding="utf-8").replace("\n", "\r\n").encode("gb18030")
    before = Article.objects.count()
    with pytest.raises(ImportConflict, match=f"与 .* 导入的版面 {PAGES[1].name} 相同"):
        import_page(data=copy, source="第4版-副本.txt", user=editor)
    edition = Edition.objects.get()
    outcome = edition_import(
        user=editor,
        paper_date=DAY,
        issue_number=None,
        files=[PageFile(number=6, source="第4版-副本.txt", data=copy)],
    ).pages[0]
    assert "已经导入过" in outcome.error
    assert Article.objects.count() == before
    assert not edition.pages.filter(number=6).exists()


def test_a_page_number_holds_one_file(editor):
    imported_edition(editor)
    other = PAGES[0]
    with pytest.raises(ImportConflict, match="第5版 已经导入了版面文件"):
        page_import(
            user=editor,
            edition=Edition.objects.get(),
            file=PageFile(number=5, source="another.txt", data=other.read_bytes() + "补".encode()),
        )


def test_a_page_file_runs_on_one_page_only(editor):
    imported_edition(editor)
    again = [PageFile(number=6, source=PAGES[0].name, data=PAGES[0].read_bytes())]
    outcome = edition_import(user=editor, paper_date=DAY, issue_number=None, files=again).pages[0]
    assert "已经登在 2023年7月15日 第3版" in outcome.error
    other_day = edition_import(
        user=editor, paper_date=DAY + timedelta(days=1), issue_number=None, files=again
    ).pages[0]
    assert "已经登在 2023年7月15日 第3版" in other_day.error
    assert Page.objects.filter(import_record__source_file=PAGES[0].name).count() == 1


def test_a_broken_page_costs_the_others_nothing(editor):
    files = [*seed_files()[:1], PageFile(number=4, source="empty.txt", data=b"")]
    result = edition_import(user=editor, paper_date=DAY, issue_number=None, files=files)
    assert [bool(o.error) for o in result.pages] == [False, True]
    assert "empty.txt" in result.failed[0].error
    assert [p.number for p in result.edition.pages.all()] == [3]


def test_an_issue_number_belongs_to_one_edition(editor):
    imported_edition(editor)
    with pytest.raises(ImportConflict, match="总第 1234 期已经是"):
        edition_import(user=editor, paper_date=DAY + timedelta(days=1), issue_number=1234, files=[])


def test_only_the_desk_imports_and_publishes_editions(editor):
    reporter = factories.make_user("reporter", is_staff=True)
    with pytest.raises(NotAllowed):
        edition_import(user=reporter, paper_date=DAY, issue_number=None, files=seed_files())
    edition = imported_edition(editor)
    with pytest.raises(NotAllowed):
        edition_publish(user=reporter, edition=edition)


def test_import_edition_command(editor, capsys):
    args = [f"{n}={path}" for n, path in zip((3, 4, 5), PAGES, strict=True)]
    call_command(
        "import_edition", "--date", "2023-07-15", "--issue", "88", "--name", "3=要闻", *args
    )
    out = capsys.readouterr().out
    assert "第3版 要闻" in out and "第5版" in out
    edition = Edition.objects.get(paper_date=DAY)
    assert edition.issue_number == 88
    assert edition.pages.get(number=3).name == "要闻"
    assert Placement.objects.filter(page__edition=edition).count() == 17


# -- publishing an edition ------------------------------------------------------------------


def test_an_edition_scheduled_for_midnight_is_out_at_midnight_and_not_before(client, editor):
    with time_machine.travel(datetime(2023, 7, 14, 21, 0, tzinfo=SHANGHAI), tick=False):
        edition = imported_edition(editor)
        approve_all(editor, edition)
        held = Article.objects.filter(placement__page__number=5).order_by("pk").first()
        held.status = Article.Status.DRAFT  # one story the desk has not approved
        held.save(update_fields=["status"])
        midnight = datetime(2023, 7, 15, 0, 0, tzinfo=SHANGHAI)
        result = edition_publish(user=editor, edition=edition, at=midnight)
    assert len(result.published) == 16
    assert [story for story, _ in result.held] == [held]
    story = result.published[0]
    page_url = reverse("editions:page", args=[DAY, 3])

    with time_machine.travel(datetime(2023, 7, 14, 23, 59, 59, tzinfo=SHANGHAI), tick=False):
        assert "数字报还没有发布任何一期" in text(client.get(reverse("editions:latest")))
        assert client.get(edition.get_absolute_url()).status_code == 404
        assert client.get(page_url).status_code == 404
        assert client.get(story.get_absolute_url()).status_code == 404
    with time_machine.travel(midnight, tick=False):
        latest = text(client.get(reverse("editions:latest")))
        assert "2023年7月15日" in latest and "总第 1234 期" in latest
        assert story.headline in latest
        assert held.headline not in latest  # not approved: not on any page
        page = text(client.get(page_url))
        assert story.headline in page
        assert f'href="{reverse("editions:page", args=[DAY, 4])}"' in page  # 下一版
        article_page = text(client.get(story.get_absolute_url()))
        assert (
            f'<a class="print-page" href="{page_url}">见报：2023年7月15日 第3版</a>' in article_page
        )
        assert "网络发布" not in article_page  # online the day it was printed


def test_a_back_issue_put_online_later_labels_its_web_date(client, published_seed_pages):
    story = published_seed_pages[0]
    page = text(client.get(story.get_absolute_url()))
    assert "见报：2023年7月15日 第3版" in page
    assert '网络发布 <time datetime="' in page  # not to be taken for the paper's date


def test_an_edition_with_no_story_ready_is_refused(editor):
    edition = imported_edition(editor)
    with pytest.raises(NotAllowed, match="没有可以发布的稿件"):
        edition_publish(user=editor, edition=edition)
    assert Edition.objects.get().status == Edition.Status.DRAFT


def test_a_story_of_an_unpublished_edition_has_no_print_link(client, editor):
    edition = imported_edition(editor)
    story = Article.objects.filter(placement__page__edition=edition).first()
    story.photo_waived = True
    story.save(update_fields=["photo_waived"])
    article_approve(article=story, user=editor)
    from articles.services import article_publish

    article_publish(article=story, user=editor)
    page = text(client.get(story.get_absolute_url()))
    assert "见报" not in page


# -- the public pages -----------------------------------------------------------------------


def test_the_edition_page_lists_its_pages_and_a_calendar_of_past_issues(client, editor):
    edition = imported_edition(editor)
    approve_all(editor, edition)
    edition_publish(user=editor, edition=edition)
    earlier = Edition.objects.create(
        paper_date=date(2023, 6, 30),
        status="published",
        publish_at=datetime(2023, 6, 30, tzinfo=SHANGHAI),
    )
    Edition.objects.create(paper_date=date(2023, 7, 1))  # not published: not in the calendar
    page = text(client.get(edition.get_absolute_url()))
    for number in (3, 4, 5):
        assert f'href="{reverse("editions:page", args=[DAY, number])}"' in page
    assert 'aria-current="date" aria-label="2023年7月15日"' in page
    assert reverse("editions:edition", args=[date(2023, 7, 1)]) not in page
    assert f'href="{earlier.get_absolute_url()}"' in page  # 上一期 and 更早
    assert "上一期（2023年6月30日）" in page  # with its year: an archive spans years


def test_made_up_dates_and_pages_are_not_found(client, editor):
    edition = imported_edition(editor)
    approve_all(editor, edition)
    edition_publish(user=editor, edition=edition)
    assert client.get("/epaper/2023-02-30/").status_code == 404
    assert client.get("/epaper/2023-07-16/").status_code == 404
    assert client.get(reverse("editions:page", args=[DAY, 9])).status_code == 404
    assert client.get(reverse("editions:page", args=[DAY, 4])).status_code == 200


# -- the loose print fields' migration -------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_loose_print_fields_become_placements():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("articles", "0013_coverage_counts"), ("editions", "0001_initial")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    OldArticle = old.get_model("articles", "Article")
    placed = OldArticle.objects.create(
        headline="见报稿件",
        body="正文。",
        paper_date=DAY,
        page="第3版",
        source_position=2,
        status="published",
        publish_at=datetime(2023, 7, 15, 6, tzinfo=SHANGHAI),
    )
    loose = OldArticle.objects.create(headline="只填了版次", body="正文。", page="头版")
    OldArticle.objects.create(headline="非版面稿件", body="正文。")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    placement = Placement.objects.get(article_id=placed.pk)
    assert (placement.page.edition.paper_date, placement.page.number) == (DAY, 3)
    assert placement.position == 2
    assert placement.page.edition.status == Edition.Status.PUBLISHED  # all its stories were
    assert not Placement.objects.filter(article_id=loose.pk).exists()
    note = Article.objects.get(pk=loose.pk).notes.get()
    assert "版次 头版" in note.text
    assert Placement.objects.count() == 1
    assert not ImportedPage.objects.exists()

    # Rolled back, the placement is the story's date and page number again.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    back = old.get_model("articles", "Article").objects.get(pk=placed.pk)
    assert (back.paper_date, back.page) == (DAY, "3")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_published_editions_have_a_feed_and_sitemap_entries(client, editor):
    edition = imported_edition(editor)
    approve_all(editor, edition)
    edition_publish(user=editor, edition=edition)
    draft = Edition.objects.create(paper_date=date(2023, 7, 16))
    feed = text(client.get(reverse("editions:feed_rss")))
    assert "2023年7月15日（总第 1234 期） 数字报" in feed
    assert "第3版：用专业技能大赛造就“首都建筑工匠”；" in feed
    assert draft.get_absolute_url() not in feed
    index = text(client.get(reverse("sitemap")))
    assert "sitemap-editions.xml" in index and "sitemap-epaper-pages.xml" in index
    editions = text(client.get(reverse("sitemap_section", args=["editions"])))
    assert edition.get_absolute_url() in editions
    assert draft.get_absolute_url() not in editions
    pages = text(client.get(reverse("sitemap_section", args=["epaper-pages"])))
    assert reverse("editions:page", args=[DAY, 5]) in pages
