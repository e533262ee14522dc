"""Deleting an edition (删除本期), so that a day's files can be imported again: the demo edition
``make run`` loads is one such, and issue 12's acceptance imports those same pages by hand."""

import io
from datetime import date

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from PIL import Image
from reversion.models import Version

from articles import roles
from articles.models import Article, ImportedPage
from articles.services import NotAllowed, article_recover
from editions.deletion import edition_delete
from editions.models import Edition
from editions.services import PageFile, edition_import, edition_open, page_attach_scan
from tests import factories
from tests.test_editions_admin import PAGES, streamed, upload_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    roles.sync_roles()
    user = factories.make_user("editor", is_staff=True, groups=[roles.EDITOR])
    client.force_login(user)
    return user


def token_of(page: str) -> str:
    return page.split('name="token" value="', 1)[1].split('"', 1)[0]


def test_the_published_demo_edition_is_deleted_and_its_pages_imported_again_by_hand(
    client, editor, published_seed_pages
):
    edition = Edition.objects.get()
    story = published_seed_pages[0]
    assert client.get(story.get_absolute_url()).status_code == 200
    url = reverse("admin:editions_edition_import")
    files = [(3 + i, "", path) for i, path in enumerate(PAGES)]

    preview = client.post(url, upload_data(files)).content.decode()
    delete = reverse("admin:editions_edition_remove", args=[edition.pk])
    assert "这一期已经建立（已发布，已有第3、4、5版）" in preview
    assert f'<a href="{delete}">删除这一期</a>' in preview
    assert "此版面文件此前已导入过，内容相同，登在 2023年7月15日 第3版" in preview
    assert "是根据措辞推测的" not in preview  # nothing to swap in stories already imported

    confirm = client.get(delete).content.decode()
    total = len(published_seed_pages)
    assert f"将删除 2023年7月15日 及其 3 个版面（连同版面原件和版面图）、{total} 篇稿件" in confirm
    assert f"其中 {total} 篇已在网站公开，删除后立即撤下" in confirm
    assert PAGES[0].name in confirm
    done = client.post(delete, follow=True).content.decode()
    assert f"已删除 2023年7月15日：3 个版面、{total} 篇稿件，其中 {total} 篇已从网站撤下。" in done
    assert not Edition.objects.exists() and not ImportedPage.objects.exists()
    assert not Article.objects.exists()
    assert client.get(story.get_absolute_url()).status_code == 404
    assert "数字报还没有发布任何一期" in client.get(reverse("editions:latest")).content.decode()

    again = client.post(url, upload_data(files)).content.decode()
    assert "这一期已经建立" not in again and "已经导入过" not in again
    assert "是根据措辞推测的" in again  # a title block can be swapped again
    progress = streamed(client.post(url, {"confirm": "1", "token": token_of(again)}))
    assert f"新导入 {total} 篇稿件，均为草稿" in progress
    assert Edition.objects.get().status == Edition.Status.DRAFT


def test_a_reporter_may_not_delete_an_edition(client, published_seed_pages):
    roles.sync_roles()
    reporter = factories.make_user("reporter", is_staff=True, groups=[roles.REPORTER])
    client.force_login(reporter)
    edition = Edition.objects.get()
    delete = reverse("admin:editions_edition_remove", args=[edition.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete).status_code == 403
    with pytest.raises(NotAllowed, match="只有可以发布并删除稿件的编辑才能删除期次"):
        edition_delete(user=reporter, edition=edition)
    assert Edition.objects.filter(pk=edition.pk).exists()
    assert Article.objects.count() == len(published_seed_pages)


def test_a_deleted_editions_page_image_leaves_storage(editor, django_capture_on_commit_callbacks):
    result = edition_import(
        user=editor,
        paper_date=date(2023, 7, 15),
        issue_number=None,
        files=[PageFile(number=3, source=PAGES[0].name, data=PAGES[0].read_bytes())],
    )
    page = result.pages[0].page
    picture = io.BytesIO()
    Image.new("RGB", (900, 1300), "white").save(picture, "JPEG")
    with django_capture_on_commit_callbacks(execute=True):
        page_attach_scan(user=editor, page=page, name="第3版.jpg", data=picture.getvalue())
    page.refresh_from_db()
    stored = [page.scan.name, page.image.name]
    assert all(default_storage.exists(name) for name in stored)
    with django_capture_on_commit_callbacks(execute=True):
        edition_delete(user=editor, edition=result.edition)
    assert not any(default_storage.exists(name) for name in stored)


def test_an_import_whose_every_page_is_refused_leaves_no_empty_edition(client, editor):
    url = reverse("admin:editions_edition_import")
    preview = client.post(url, upload_data([(3, "", PAGES[0])])).content.decode()
    # Meanwhile another editor puts the same page in the day before's paper.
    import_as(editor, date(2023, 7, 14), (3, PAGES[0]))
    progress = streamed(client.post(url, {"confirm": "1", "token": token_of(preview)}))
    assert "这个版面文件已经登在 2023年7月14日 第3版" in progress
    assert "没有导入任何版面，2023年7月15日 这一期没有建立" in progress
    assert list(Edition.objects.values_list("paper_date", flat=True)) == [date(2023, 7, 14)]

    again = client.post(url, upload_data([(3, "", PAGES[0])])).content.decode()
    assert (
        "已经登在 2023年7月14日 第3版，一个版面只能登在一期的一个版上。确认时这一版会被拒绝。"
        in again
    )
    assert "可导入 0 个" in again and 'name="confirm"' not in again
    assert import_as(editor, date(2023, 7, 16), (3, PAGES[0])).failed
    assert not Edition.objects.filter(paper_date=date(2023, 7, 16)).exists()


def test_the_preview_says_a_page_number_already_holds_another_file(client, editor):
    edition_import(
        user=editor,
        paper_date=date(2023, 7, 15),
        issue_number=None,
        files=[PageFile(number=3, source=PAGES[0].name, data=PAGES[0].read_bytes())],
    )
    url = reverse("admin:editions_edition_import")
    preview = client.post(url, upload_data([(3, "", PAGES[1])])).content.decode()
    assert (
        f"2023年7月15日 第3版 已经导入了版面文件 {PAGES[0].name}，请核对版次。"
        "确认时这一版会被拒绝。" in preview
    )


@override_settings(DEBUG=True)
def test_make_run_does_not_bring_back_a_demo_edition_the_desk_deleted(editor):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    edition = Edition.objects.get(paper_date=date(2023, 7, 15))
    assert edition.is_public
    assert "点“删除本期”" in out.getvalue()
    edition_delete(user=editor, edition=edition)
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "不再导入演示期次" in out.getvalue()
    assert not Edition.objects.exists() and not Article.objects.exists()


def import_as(user, day: date, *numbered):
    return edition_import(
        user=user,
        paper_date=day,
        issue_number=None,
        files=[PageFile(number=n, source=p.name, data=p.read_bytes()) for n, p in numbered],
    )


def test_readers_cached_pages_lose_a_deleted_editions_stories_at_once(client, published_seed_pages):
    roles.sync_roles()
    editor = factories.make_user("editor", is_staff=True, groups=[roles.EDITOR])
    story = published_seed_pages[0]
    home = client.get("/").content.decode()  # anonymous: the page cache keeps it
    assert story.headline in home
    assert story.headline in client.get("/").content.decode()
    edition_delete(user=editor, edition=Edition.objects.get())
    assert story.headline not in client.get("/").content.decode()
    assert client.get(story.get_absolute_url()).status_code == 404


def test_deleting_an_edition_leaves_other_editions_and_loose_stories_alone(editor):
    import_as(editor, date(2023, 7, 14), (3, PAGES[0]))
    doomed = import_as(editor, date(2023, 7, 15), (4, PAGES[1])).edition
    loose = factories.make_article(headline="与期次无关的稿件")
    edition_delete(user=editor, edition=doomed)
    kept = Edition.objects.get()
    assert kept.paper_date == date(2023, 7, 14)
    assert list(ImportedPage.objects.values_list("source_file", flat=True)) == [PAGES[0].name]
    assert (
        Article.objects.filter(placement__page__edition=kept).count()
        == Article.objects.filter(source_file=PAGES[0].name).count()
        > 0
    )
    assert Article.objects.filter(pk=loose.pk).exists()
    assert not Article.objects.filter(source_file=PAGES[1].name).exists()


def test_an_edition_the_desk_opened_before_is_kept_when_an_import_into_it_fails(editor):
    import_as(editor, date(2023, 7, 14), (3, PAGES[0]))
    opened, _ = edition_open(user=editor, paper_date=date(2023, 7, 15))
    result = import_as(editor, date(2023, 7, 15), (3, PAGES[0]))  # ran on 7月14日 already
    assert "已经登在 2023年7月14日 第3版" in result.pages[0].error
    assert Edition.objects.filter(pk=opened.pk).exists()


def test_a_story_of_a_deleted_edition_comes_back_after_its_page_was_imported_again(editor):
    first = import_as(editor, date(2023, 7, 15), (3, PAGES[0]))
    story = first.pages[0].imported.articles[0]
    version = Version.objects.get_for_object(story).first()
    edition_delete(user=editor, edition=first.edition)
    again = import_as(editor, date(2023, 7, 15), (3, PAGES[0]))
    assert not again.failed
    recovered = article_recover(user=editor, version=version)
    assert recovered.headline == story.headline
    assert recovered.status == Article.Status.DRAFT
    assert recovered.source_file == ""  # its page file belongs to the new import now
    assert Article.objects.filter(source_file=PAGES[0].name).count() == len(
        again.pages[0].imported.articles
    )


def test_a_story_of_a_deleted_edition_recovered_first_does_not_block_the_import(editor):
    first = import_as(editor, date(2023, 7, 15), (3, PAGES[0]))
    story = first.pages[0].imported.articles[0]
    version = Version.objects.get_for_object(story).first()
    edition_delete(user=editor, edition=first.edition)
    article_recover(user=editor, version=version)
    again = import_as(editor, date(2023, 7, 15), (3, PAGES[0]))
    assert not again.failed


def test_the_next_days_page_of_the_same_file_name_is_imported_under_its_date(client, editor):
    """Layout systems name every day's pages alike (A01.txt): the next day's A01.txt is
    that day's page, not a changed copy of the day before's."""
    import_as(editor, date(2023, 7, 14), (1, PAGES[0]))
    url = reverse("admin:editions_edition_import")
    tomorrow = ("A01.txt", PAGES[1].read_bytes())
    first = ("A01.txt", PAGES[0].read_bytes())
    ImportedPage.objects.filter(source_file=PAGES[0].name).update(source_file="A01.txt")
    Article.objects.filter(source_file=PAGES[0].name).update(source_file="A01.txt")
    preview = client.post(url, upload_data([(1, "要闻", tomorrow)])).content.decode()
    assert "确认时这一版会被拒绝" not in preview and "可导入 1 个" in preview
    progress = streamed(client.post(url, {"confirm": "1", "token": token_of(preview)}))
    assert "已导入 5 篇稿件" in progress
    page = Edition.objects.get(paper_date=date(2023, 7, 15)).pages.get()
    assert page.import_record.source_file == "2023-07-15_A01.txt"
    again = client.post(url, upload_data([(1, "要闻", tomorrow)])).content.decode()
    assert "此版面文件此前已导入过，内容相同，登在 2023年7月15日 第1版 要闻" in again
    # The day before's file again, for the new day: the same page, so refused, and said so.
    same = client.post(url, upload_data([(2, "", first)])).content.decode()
    assert "A01.txt：这个版面文件已经登在 2023年7月14日 第1版" in same and "可导入 0 个" in same
