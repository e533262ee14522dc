"""The digital paper's admin screens (issue 12): import a day's paper with a preview, then
publish it at one time."""

import io
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from articles import roles
from articles.models import Article
from articles.services import article_approve, import_page
from editions.admin.import_forms import PAGE_ROWS
from editions.models import Edition
from editions.services import page_attach_scan
from organizations.services import directory_load
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "fixtures" / "pages").glob("*.txt"))
SHANGHAI = ZoneInfo("Asia/Shanghai")

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    directory_load()
    roles.sync_roles()
    user = factories.make_user("editor", is_staff=True, groups=[roles.EDITOR])
    client.force_login(user)
    return user


def upload_data(files, **edition):
    """The import form as an editor fills it in: ``files`` is [(number, name, path or
    (file name, bytes))]."""
    data = {
        "paper_date": "2023-07-15",
        "issue_number": "",
        "pages-TOTAL_FORMS": str(PAGE_ROWS),
        "pages-INITIAL_FORMS": "0",
        "pages-MIN_NUM_FORMS": "0",
        "pages-MAX_NUM_FORMS": str(PAGE_ROWS),
        **edition,
    }
    for i, (number, name, source) in enumerate(files):
        file_name, content = (
            (source.name, source.read_bytes()) if isinstance(source, Path) else source
        )
        data[f"pages-{i}-number"] = str(number)
        data[f"pages-{i}-name"] = name
        data[f"pages-{i}-file"] = SimpleUploadedFile(file_name, content, "text/plain")
    return data


def streamed(response) -> str:
    return b"".join(response.streaming_content).decode()


def test_a_days_paper_is_previewed_with_labelled_title_blocks_then_imported_page_by_page(
    client, editor
):
    url = reverse("admin:editions_edition_import")
    assert client.get(url).status_code == 200
    files = [(3, "要闻", PAGES[0]), (4, "", PAGES[1]), (5, "工会新闻", PAGES[2])]
    preview = client.post(url, upload_data(files, issue_number="1234"))
    page = preview.content.decode()
    assert preview.status_code == 200
    assert "尚未写入任何内容" in page
    assert "第3版 要闻" in page and "第5版 工会新闻" in page
    assert (
        '<span class="role">引题</span> 市建筑工会助力打造技术精湛、规模宏大的产业工人队伍' in page
    )
    assert (
        '<span class="role">主题</span> <strong>用专业技能大赛造就“首都建筑工匠”</strong>' in page
    )
    assert '<span class="role">副题</span>' in page
    assert not Article.objects.exists() and not Edition.objects.exists()

    token = page.split('name="token" value="', 1)[1].split('"', 1)[0]
    done = client.post(url, {"confirm": "1", "token": token})
    progress = streamed(done)
    assert (
        progress.index("[1/3] 第3版 要闻")
        < progress.index("[2/3] 第4版")
        < progress.index("[3/3] 第5版")
    )
    assert "导入结束" in progress
    assert "新导入 17 篇稿件，均为草稿；审核这些稿件后即可发布本期。" in progress
    again = client.post(url, upload_data(files))
    token = again.content.decode().split('name="token" value="', 1)[1].split('"', 1)[0]
    repeat = streamed(client.post(url, {"confirm": "1", "token": token}))
    assert "此前已导入，内容相同，没有改动" in repeat and "这次没有新导入的稿件。" in repeat
    edition = Edition.objects.get(paper_date=date(2023, 7, 15))
    assert edition.issue_number == 1234
    assert [(p.number, p.name) for p in edition.pages.all()] == [
        (3, "要闻"),
        (4, ""),
        (5, "工会新闻"),
    ]
    assert Article.objects.filter(placement__page__edition=edition).count() == 17

    reload = client.post(url, {"confirm": "1", "token": token}, follow=True).content.decode()
    change = reverse("admin:editions_edition_change", args=[edition.pk])
    assert f'这份预览已经导入了 {edition}：<a href="{change}">查看本期</a>' in reload
    assert Article.objects.filter(placement__page__edition=edition).count() == 17


def test_the_preview_says_a_page_is_already_imported_under_another_name(client, editor):
    import_page(data=PAGES[1].read_bytes(), source=PAGES[1].name, user=editor)
    copy = ("第4版副本.txt", PAGES[1].read_text(encoding="utf-8").encode("gb18030"))
    preview = client.post(reverse("admin:editions_edition_import"), upload_data([(4, "", copy)]))
    assert (
        f"内容与已导入的版面 {PAGES[1].name} 相同（只是文件名不同），已经导入过"
        in preview.content.decode()
    )


def test_the_import_form_names_what_is_missing(client, editor):
    url = reverse("admin:editions_edition_import")
    page = client.post(url, upload_data([], paper_date="")).content.decode()
    assert "请填写出版日期。" in page
    assert "请至少为一个版面选择版面文件。" in page
    page = client.post(url, upload_data([(3, "", PAGES[0]), (3, "", PAGES[1])])).content.decode()
    assert "有两行的版次相同" in page


def test_reporters_cannot_import_or_publish_editions(client):
    roles.sync_roles()
    client.force_login(factories.make_user("reporter", is_staff=True, groups=[roles.REPORTER]))
    assert client.get(reverse("admin:editions_edition_import")).status_code == 403
    edition = Edition.objects.create(paper_date=date(2023, 7, 15))
    assert (
        client.get(reverse("admin:editions_edition_publish", args=[edition.pk])).status_code == 403
    )


def test_an_edition_is_scheduled_for_midnight_from_its_publish_screen(client, editor):
    with time_machine.travel(datetime(2023, 7, 14, 21, 0, tzinfo=SHANGHAI), tick=False):
        url = reverse("admin:editions_edition_import")
        preview = client.post(url, upload_data([(3, "", PAGES[0])])).content.decode()
        token = preview.split('name="token" value="', 1)[1].split('"', 1)[0]
        streamed(client.post(url, {"confirm": "1", "token": token}))
        edition = Edition.objects.get()
        stories = list(Article.objects.filter(placement__page__edition=edition))
        for story in stories[1:]:  # the first is left unapproved
            if Article.objects.photo_missing().filter(pk=story.pk).exists():
                story.photo_waived = True
                story.save(update_fields=["photo_waived"])
            article_approve(article=story, user=editor)

        publish = reverse("admin:editions_edition_publish", args=[edition.pk])
        form = client.get(publish).content.decode()
        assert 'value="2023-07-15T00:00"' in form  # the next midnight, Beijing time
        assert "随本期上线" in form and "暂不上线" in form
        assert "暂不上线：稿件当前为“草稿”，须先通过审核才能发布" in form  # what to do
        first = reverse("admin:articles_article_change", args=[stories[0].pk])
        assert f'<a href="{first}">{stories[0].headline}</a>' in form  # to get it ready
        done = client.post(publish, {"when": "at", "publish_at": "2023-07-15T00:00"}, follow=True)
    page = done.content.decode()
    assert f"{edition} 已定时发布：将于 2023年7月15日 00:00 上线" in page
    assert f"届时 {len(stories) - 1} 篇稿件随本期上线" in page
    assert "1 篇稿件还没有准备好" in page
    edition.refresh_from_db()
    assert edition.status == Edition.Status.PUBLISHED
    assert edition.publish_at == datetime(2023, 7, 15, tzinfo=SHANGHAI)


def test_a_time_in_the_past_is_refused_and_the_form_kept(client, editor):
    edition = Edition.objects.create(paper_date=date(2023, 7, 15))
    publish = reverse("admin:editions_edition_publish", args=[edition.pk])
    page = client.post(publish, {"when": "at", "publish_at": "2020-01-01T00:00"}).content.decode()
    assert "定时发布的时间必须晚于现在" in page
    assert Edition.objects.get().status == Edition.Status.DRAFT


def test_a_guessed_title_block_is_swapped_in_the_preview_with_one_click(client, editor):
    """Issue 12 acceptance: swap one title block's roles in the preview, then confirm."""
    url = reverse("admin:editions_edition_import")
    preview = client.post(url, upload_data([(4, "", PAGES[1])])).content.decode()
    assert "是根据措辞推测的" in preview
    token = preview.split('name="token" value="', 1)[1].split('"', 1)[0]
    value = preview.split('name="swap" value="', 1)[1].split('"', 1)[0]
    swapped = client.post(url, {"swap": value, "token": token}).content.decode()
    position = int(value.split(":")[1])
    before = preview.split(f'name="swap" value="{value}"', 1)[1].split("</button>", 1)[0]
    after = swapped.split(f'name="swap" value="{value}"', 1)[1].split("</button>", 1)[0]
    assert before != after  # the button now offers the way back
    assert "已按你的选择调换了这两行的角色" in swapped
    streamed(client.post(url, {"confirm": "1", "token": token}))
    story = Article.objects.get(source_file=PAGES[1].name, source_position=position)
    from articles.services import preview_page

    parsed = preview_page(data=PAGES[1].read_bytes(), source=PAGES[1].name)
    original = parsed.articles[position - 1]
    assert (story.kicker or None, story.headline, story.subtitle or None) != (
        original.kicker,
        original.headline,
        original.subtitle,
    )
    assert story.headline in (original.kicker, original.subtitle)


def test_a_scheduled_edition_is_taken_off_the_schedule_before_its_time(client, editor):
    with time_machine.travel(datetime(2023, 7, 14, 21, 0, tzinfo=SHANGHAI), tick=False):
        url = reverse("admin:editions_edition_import")
        preview = client.post(url, upload_data([(3, "", PAGES[0])])).content.decode()
        token = preview.split('name="token" value="', 1)[1].split('"', 1)[0]
        streamed(client.post(url, {"confirm": "1", "token": token}))
        edition = Edition.objects.get()
        stories = list(Article.objects.filter(placement__page__edition=edition))
        for story in stories:
            story.photo_waived = True
            story.save(update_fields=["photo_waived"])
            article_approve(article=story, user=editor)
        publish = reverse("admin:editions_edition_publish", args=[edition.pk])
        client.post(publish, {"when": "at", "publish_at": "2023-07-15T00:00"})
        change = client.get(reverse("admin:editions_edition_change", args=[edition.pk]))
        unschedule = reverse("admin:editions_edition_unschedule", args=[edition.pk])
        assert unschedule in change.content.decode()
        done = client.post(unschedule, follow=True).content.decode()
        assert f"已撤销 {edition} 的定时发布，{len(stories)} 篇稿件取消定时" in done
    edition.refresh_from_db()
    assert (edition.status, edition.publish_at) == (Edition.Status.DRAFT, None)
    assert set(
        Article.objects.filter(pk__in=[s.pk for s in stories]).values_list("status", flat=True)
    ) == {Article.Status.APPROVED}
    with time_machine.travel(datetime(2023, 7, 15, 0, 1, tzinfo=SHANGHAI), tick=False):
        assert "数字报还没有发布任何一期" in client.get(reverse("editions:latest")).content.decode()


def test_an_issue_number_taken_by_another_day_is_refused_with_a_message(client, editor):
    Edition.objects.create(paper_date=date(2023, 7, 14), issue_number=1234)
    url = reverse("admin:editions_edition_import")
    form = client.post(url, upload_data([(3, "要闻", PAGES[0])], issue_number="1234"))
    page = form.content.decode()
    assert "总第 1234 期已经是 2023年7月14日（总第 1234 期） 的期号。请核对期号，或不填。" in page
    assert 'name="token"' not in page and 'value="要闻"' in page  # the form, as typed
    assert not Article.objects.exists()


def test_an_issue_number_taken_after_the_preview_keeps_the_preview_on_screen(client, editor):
    url = reverse("admin:editions_edition_import")
    preview = client.post(url, upload_data([(3, "", PAGES[0])], issue_number="1234"))
    token = preview.content.decode().split('name="token" value="', 1)[1].split('"', 1)[0]
    Edition.objects.create(paper_date=date(2023, 7, 14), issue_number=1234)  # another editor
    done = client.post(url, {"confirm": "1", "token": token}).content.decode()
    assert "总第 1234 期已经是 2023年7月14日（总第 1234 期） 的期号。没有导入任何版面。" in done
    assert "尚未写入任何内容" in done  # the preview, not an empty form
    assert not Article.objects.exists()


def test_an_editor_draws_a_storys_area_on_the_pages_screen(client, editor):
    """Editors (the 编辑 role, not a superuser) may correct the areas the PDF did not give."""
    url = reverse("admin:editions_edition_import")
    preview = client.post(url, upload_data([(3, "", PAGES[0])])).content.decode()
    token = preview.split('name="token" value="', 1)[1].split('"', 1)[0]
    streamed(client.post(url, {"confirm": "1", "token": token}))
    page = Edition.objects.get().pages.get()
    form = client.get(reverse("admin:editions_page_change", args=[page.pk])).content.decode()
    assert 'name="placements-0-area_left"' in form


def test_the_pages_screen_shows_its_image_with_each_storys_area_numbered(client, editor):
    """The editor correcting areas sees them on the page image, before the edition is out;
    the image is the desk's there, not the readers'."""
    url = reverse("admin:editions_edition_import")
    preview = client.post(url, upload_data([(3, "", PAGES[0])])).content.decode()
    token = preview.split('name="token" value="', 1)[1].split('"', 1)[0]
    streamed(client.post(url, {"confirm": "1", "token": token}))
    page = Edition.objects.get().pages.get()
    picture = io.BytesIO()
    Image.new("RGB", (800, 1200), "white").save(picture, "JPEG")
    page_attach_scan(user=editor, page=page, name="第3版.jpg", data=picture.getvalue())
    first = page.placements.order_by("position").first()
    first.area_left, first.area_top, first.area_width, first.area_height = 0.5, 0.25, 0.5, 0.1
    first.save()

    form = client.get(reverse("admin:editions_page_change", args=[page.pk])).content.decode()
    image = reverse("admin:editions_page_image", args=[page.pk])
    assert f'<image href="{image}"' in form
    assert "第3版.jpg（版面图 800 × 1200 像素）" in form  # the name it was uploaded as
    edition_page = reverse("admin:editions_edition_change", args=[page.edition_id])
    assert "第3版.jpg" in client.get(edition_page).content.decode()
    assert '<rect x="400" y="300" width="400" height="120"' in form
    assert f"<title>{first.article.headline}</title>" in form
    got = client.get(image)
    assert got.status_code == 200 and got["Content-Type"] == "image/jpeg"
    assert b"".join(got.streaming_content)[:2] == b"\xff\xd8"
    client.logout()
    assert client.get(image).status_code == 302  # to the admin's login
    epaper = reverse("editions:page", args=["2023-07-15", 3])
    assert client.get(epaper).status_code == 404  # readers: not before it is published


def test_a_pages_pdf_waits_in_storage_not_in_the_session_and_is_attached_on_confirm(
    client, editor, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    from editions import pending
    from tests.pdfs import Box, page_pdf
    from tests.test_epaper_scans import seed_stories

    stories = seed_stories(PAGES[1])
    boxes = [Box(40 + 400 * (i % 2), 40 + 300 * (i // 2), 360) for i in range(len(stories))]
    pdf, _ = page_pdf(stories, boxes)
    pdf += b"%" + b"0" * 3_000_000 + b"\n"  # a layout PDF's size (a comment after its end)
    url = reverse("admin:editions_edition_import")
    data = upload_data([(4, "", PAGES[1])])
    data["pages-0-scan"] = SimpleUploadedFile("第4版.pdf", pdf, "application/pdf")
    preview = client.post(url, data).content.decode()
    assert f"PDF，从中找到 {len(stories)} 篇稿件在版面上的位置" in preview
    session = client.session["editions.import_edition.pending"][-1]
    kept = session["pages"][0]["scan"]["kept"]
    assert kept.startswith(pending.FOLDER + "/") and default_storage.exists(kept)
    assert len(str(session)) < 100_000  # every admin page loads the session: no PDF in it

    token = preview.split('name="token" value="', 1)[1].split('"', 1)[0]
    with django_capture_on_commit_callbacks(execute=True):
        progress = streamed(client.post(url, {"confirm": "1", "token": token}))
    assert f"已附版面原件，找到 {len(stories)} 篇稿件在版面上的位置" in progress
    assert not default_storage.exists(kept)
    page = Edition.objects.get().pages.get()
    assert page.scan and page.image and page.image_width == 1600


def test_an_abandoned_previews_pdf_is_deleted_by_a_preview_on_a_later_day(client, editor):
    from django.core.files.storage import default_storage

    url = reverse("admin:editions_edition_import")
    picture = io.BytesIO()
    Image.new("RGB", (800, 1200), "white").save(picture, "JPEG")
    with time_machine.travel(datetime(2023, 7, 14, 21, 0, tzinfo=SHANGHAI)):
        data = upload_data([(3, "", PAGES[0])])
        data["pages-0-scan"] = SimpleUploadedFile("第3版.jpg", picture.getvalue(), "image/jpeg")
        client.post(url, data)
        kept = client.session["editions.import_edition.pending"][-1]["pages"][0]["scan"]["kept"]
    client.logout()  # the editor never confirms
    other = factories.make_user("editor2", is_staff=True, groups=[roles.EDITOR])
    client.force_login(other)
    with time_machine.travel(datetime(2023, 7, 15, 9, 0, tzinfo=SHANGHAI)):
        assert default_storage.exists(kept)
        client.post(url, upload_data([(4, "", PAGES[1])]))
    assert not default_storage.exists(kept)


def test_an_edition_not_out_yet_offers_no_link_to_readers_pages(client, editor):
    """Before its time a reader's page of the edition is a 404: the admin does not link to it."""
    url = reverse("admin:editions_edition_import")
    preview = client.post(url, upload_data([(3, "", PAGES[0])])).content.decode()
    token = preview.split('name="token" value="', 1)[1].split('"', 1)[0]
    streamed(client.post(url, {"confirm": "1", "token": token}))
    edition = Edition.objects.get()
    page = edition.pages.get()
    for change in (
        reverse("admin:editions_edition_change", args=[edition.pk]),
        reverse("admin:editions_page_change", args=[page.pk]),
    ):
        assert "/admin/r/" not in client.get(change).content.decode()


def test_two_previews_in_two_tabs_are_each_confirmed(client, editor):
    url = reverse("admin:editions_edition_import")
    first = client.post(url, upload_data([(3, "", PAGES[0])])).content.decode()
    second = client.post(url, upload_data([(4, "", PAGES[1])], paper_date="2023-07-16"))
    second = second.content.decode()
    token = first.split('name="token" value="', 1)[1].split('"', 1)[0]
    assert "导入结束" in streamed(client.post(url, {"confirm": "1", "token": token}))
    token = second.split('name="token" value="', 1)[1].split('"', 1)[0]
    assert "导入结束" in streamed(client.post(url, {"confirm": "1", "token": token}))
    assert sorted(Edition.objects.values_list("paper_date", flat=True)) == [
        date(2023, 7, 15),
        date(2023, 7, 16),
    ]
    again = client.post(url, {"confirm": "1", "token": token}, follow=True).content.decode()
    assert "这份预览已经导入了 2023年7月16日" in again


def test_a_preview_pushed_out_by_newer_ones_gives_up_its_pdf(client, editor):
    from django.core.files.storage import default_storage

    from editions.admin.imports import PREVIEWS_KEPT

    url = reverse("admin:editions_edition_import")
    picture = io.BytesIO()
    Image.new("RGB", (800, 1200), "white").save(picture, "JPEG")
    data = upload_data([(3, "", PAGES[0])])
    data["pages-0-scan"] = SimpleUploadedFile("第3版.jpg", picture.getvalue(), "image/jpeg")
    first = client.post(url, data).content.decode()
    kept = client.session["editions.import_edition.pending"][-1]["pages"][0]["scan"]["kept"]
    for _ in range(PREVIEWS_KEPT):
        client.post(url, upload_data([(4, "", PAGES[1])]))
    assert not default_storage.exists(kept)
    token = first.split('name="token" value="', 1)[1].split('"', 1)[0]
    stale = client.post(url, {"confirm": "1", "token": token}, follow=True).content.decode()
    assert "这份预览已失效" in stale and not Edition.objects.exists()
