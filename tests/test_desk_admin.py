"""The desk in the admin as issue 9 found it: every view asks the tester (delete views too),
photos that are gone or withdrawn are not served, a preview only the desk can open, the audit
log page, autosaved drafts offered back, the review levels on the sign-off sheet, error pages
and screens that read naturally in Chinese."""

import io
import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from articles import roles
from articles.models import Article, EditorialNote, StoryDraft
from articles.services import (
    article_add_note,
    article_approve,
    article_create,
    article_publish,
    article_signoff,
    article_submit,
    article_withdraw,
    photo_add,
)
from tests import factories
from tests.test_workflow_admin import form_data
from unionnews.models import AuditEntry

pytestmark = pytest.mark.django_db


def jpeg() -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (1200, 800), "teal").save(out, "JPEG")
    out.seek(0)
    out.name = "photo.jpg"
    return out


@pytest.fixture
def desk():
    reporter = factories.make_user("machao", groups=[roles.REPORTER], is_staff=True)
    factories.make_reporter("马超", user=reporter)
    other = factories.make_user("other", groups=[roles.REPORTER], is_staff=True)
    factories.make_reporter("任洁", user=other)
    editor = factories.make_user(
        "editor", groups=[roles.EDITOR], is_staff=True, first_name="编辑甲"
    )
    chief = factories.make_user("chief", groups=[roles.CHIEF_EDITOR], is_staff=True)
    return {"reporter": reporter, "other": other, "editor": editor, "chief": chief}


def own_story(desk, **values):
    story = article_create(
        user=desk["reporter"],
        values={
            "headline": "记者马超的稿件",
            "body": "第一段。",
            "credits": [(desk["reporter"].reporter, "记者", "text")],
            **values,
        },
    )
    return story


def live(story, desk):
    article_approve(article=story, user=desk["editor"])
    article_publish(article=story, user=desk["editor"])
    story.refresh_from_db()
    return story


def text(response) -> str:
    return response.getvalue().decode()


# -- every view asks the tester --------------------------------------------------------------


def test_a_reporter_cannot_delete_a_photo_of_their_submitted_story(client, desk):
    story = own_story(desk)
    photo = photo_add(article=story, upload=jpeg(), user=desk["reporter"], alt_text="图")
    article_submit(article=story, user=desk["reporter"])
    client.force_login(desk["reporter"])
    url = reverse("admin:articles_photo_delete", args=[photo.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert story.photos.filter(pk=photo.pk).exists()

    # Nor through the story's own form: the form is read-only once submitted.
    data = {"photos-TOTAL_FORMS": "1", "photos-INITIAL_FORMS": "1", "photos-0-id": str(photo.pk)}
    data["photos-0-DELETE"] = "on"
    change = reverse("admin:articles_article_change", args=[story.pk])
    assert client.post(change, data).status_code == 403
    assert story.photos.filter(pk=photo.pk).exists()


def test_a_reporter_cannot_delete_notes_even_on_their_own_draft(client, desk):
    story = own_story(desk)
    note = article_add_note(article=story, user=desk["editor"], text="编辑的备注")
    client.force_login(desk["reporter"])
    change = reverse("admin:articles_article_change", args=[story.pk])
    data = form_data(client.get(change))
    assert "notes-0-DELETE" not in data  # no box to tick
    data["notes-0-DELETE"] = "on"
    assert client.post(change, data).status_code == 302
    assert EditorialNote.objects.filter(pk=note.pk).exists()


def test_the_delete_page_asks_the_tester_and_reads_naturally(client, desk):
    story = own_story(desk, unions=[factories.make_union("测试工会")], tags=["劳模工匠"])
    client.force_login(desk["reporter"])
    delete = reverse("admin:articles_article_delete", args=[story.pk])
    assert client.get(delete).status_code == 403

    client.force_login(desk["editor"])
    page = text(client.get(delete))
    assert "Article" not in page and " object (" not in page and "关系" not in page
    assert "记者马超的稿件" in page
    client.post(delete, {"post": "yes"})
    assert not Article.objects.filter(pk=story.pk).exists()
    assert AuditEntry.objects.filter(action="article.delete", user=desk["editor"]).exists()


# -- photos readers may not see are not served -----------------------------------------------


def test_photo_files_are_served_only_to_those_who_may_see_the_story(client, desk):
    story = own_story(desk)
    photo = photo_add(article=story, upload=jpeg(), user=desk["reporter"], alt_text="图")
    urls = [photo.image.url, *(r.file.url for r in photo.renditions.all())]
    reader = Client()

    assert all(reader.get(url).status_code == 404 for url in urls)  # a draft's photo
    client.force_login(desk["reporter"])
    own = client.get(urls[0])
    assert own.status_code == 200 and "no-store" in own["Cache-Control"]
    client.force_login(desk["other"])
    assert client.get(urls[0]).status_code == 404

    live(story, desk)
    public = reader.get(urls[1])
    assert public.status_code == 200 and "public" in public["Cache-Control"]

    article_withdraw(article=story, user=desk["editor"], comment="撤稿")
    assert all(reader.get(url).status_code == 404 for url in urls)


def test_a_deleted_photos_urls_answer_404(client, desk, django_capture_on_commit_callbacks):
    story = live(own_story(desk), desk)
    photo = photo_add(article=story, upload=jpeg(), user=desk["editor"], alt_text="图")
    urls = [photo.image.url, *(r.file.url for r in photo.renditions.all())]
    assert Client().get(urls[0]).status_code == 200
    client.force_login(desk["editor"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:articles_photo_delete", args=[photo.pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    assert all(Client().get(url).status_code == 404 for url in urls)
    client.logout()
    assert all(client.get(url).status_code == 404 for url in urls)


# -- a preview only the desk can open --------------------------------------------------------


def test_the_desk_previews_a_draft_as_readers_will_see_it(client, desk):
    story = own_story(desk, kicker="引题一行")
    preview = reverse("articles:story_preview", args=[story.pk])

    assert Client().get(preview).status_code == 404  # a logged-out reader
    client.force_login(desk["other"])
    assert client.get(preview).status_code == 404  # someone else's story
    client.force_login(desk["editor"])
    response = client.get(preview)
    assert response.status_code == 200
    page = text(response)
    assert "引题一行" in page and "记者马超的稿件" in page and "读者还看不到" in page
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "X-Cache" not in response

    change = text(client.get(reverse("admin:articles_article_change", args=[story.pk])))
    assert f'href="{preview}"' in change  # 预览, and 在站点上查看 points there too


def test_view_on_site_of_a_draft_opens_the_preview(client, desk):
    story = own_story(desk)
    client.force_login(desk["editor"])
    admin = admin_site_model()
    assert admin.get_view_on_site_url(story) == reverse("articles:story_preview", args=[story.pk])
    live(story, desk)
    assert admin.get_view_on_site_url(story) == story.get_absolute_url()


def admin_site_model():
    from django.contrib import admin

    return admin.site._registry[Article]


# -- the audit log page ----------------------------------------------------------------------


def test_editors_read_the_audit_log_by_person_story_and_action(client, desk):
    story = own_story(desk)
    other_story = own_story(desk, headline="另一篇稿件")
    article_approve(article=story, user=desk["editor"])
    url = reverse("admin:unionnews_auditentry_changelist")

    client.force_login(desk["reporter"])
    assert client.get(url).status_code == 403

    client.force_login(desk["editor"])

    def rows(**params) -> str:
        page = text(client.get(url, params))
        return page.split('id="result_list"', 1)[1].split("</table>", 1)[0]

    page = text(client.get(url))
    assert "<h1>操作日志</h1>" in page and "通过（初审）" in rows() and "编辑甲" in rows()
    by_person = rows(user=desk["editor"].pk)
    assert "记者马超的稿件" in by_person and "另一篇稿件" not in by_person
    from django.contrib.contenttypes.models import ContentType

    target = f"{ContentType.objects.get_for_model(Article).pk}-{other_story.pk}"
    by_story = rows(target=target)
    assert "另一篇稿件" in by_story and "通过（初审）" not in by_story
    by_action = rows(action="article.approve")
    assert "通过（初审）" in by_action and "新建稿件" not in by_action


# -- typed work is kept ----------------------------------------------------------------------


def test_typed_text_is_autosaved_and_offered_back(client, desk):
    story = own_story(desk)
    change = reverse("admin:articles_article_change", args=[story.pk])
    autosave = reverse("admin:articles_article_autosave", args=[story.pk])
    client.force_login(desk["reporter"])
    client.get(change)

    response = client.post(
        autosave,
        json.dumps(
            {"data": {"body": "第一段。\n刚刚打的第二段。", "status": "published"}, "version": 1}
        ),
        content_type="application/json",
    )
    assert response.status_code == 200 and "saved_at" in response.json()
    draft = StoryDraft.objects.get(user=desk["reporter"], article=story)
    assert draft.data == {"body": "第一段。\n刚刚打的第二段。"}  # typed fields only

    offer = text(client.get(change))
    assert "有未保存的内容" in offer and "正文" in offer
    restored = client.get(change + "?restore_draft=1")
    assert "刚刚打的第二段" in text(restored)
    data = form_data(restored)
    assert data["body"].replace("\r\n", "\n") == "第一段。\n刚刚打的第二段。"
    assert client.post(change, data).status_code == 302
    story.refresh_from_db()
    assert "刚刚打的第二段" in story.body
    assert not StoryDraft.objects.filter(user=desk["reporter"], article=story).exists()
    assert "有未保存的内容" not in text(client.get(change))


def test_autosave_is_refused_where_the_user_may_not_edit(client, desk):
    story = own_story(desk)
    autosave = reverse("admin:articles_article_autosave", args=[story.pk])
    payload = json.dumps({"data": {"body": "别人的稿件"}, "version": 1})
    client.force_login(desk["other"])
    assert client.post(autosave, payload, content_type="application/json").status_code == 404
    article_submit(article=story, user=desk["reporter"])
    client.force_login(desk["reporter"])
    refused = client.post(autosave, payload, content_type="application/json")
    assert refused.status_code == 403 and "不能修改" in refused.json()["error"]
    assert not StoryDraft.objects.exists()
    client.logout()  # an expired session: the login page, never a JSON answer
    response = client.post(autosave, payload, content_type="application/json")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_new_storys_typed_text_is_offered_on_the_next_new_story_form(client, desk):
    client.force_login(desk["reporter"])
    client.post(
        reverse("admin:articles_article_autosave_new"),
        json.dumps({"data": {"headline": "还没保存的新稿"}, "version": None}),
        content_type="application/json",
    )
    add = reverse("admin:articles_article_add")
    assert "有未保存的内容" in text(client.get(add))
    assert 'value="还没保存的新稿"' in text(client.get(add + "?restore_draft=1"))


# -- the sign-off sheet, credits and photos as printed ---------------------------------------


def test_the_signoff_sheet_shows_the_review_levels_with_who_signed(client, desk, settings):
    settings.UNIONNEWS_REQUIRE_SIGNOFF = True
    story = own_story(desk)
    article_submit(article=story, user=desk["reporter"])
    article_approve(article=story, user=desk["editor"], comment="可用")
    article_signoff(article=story, user=desk["chief"], comment="签发")
    client.force_login(desk["editor"])
    page = text(client.get(reverse("articles:signoff_sheet", args=[story.pk])))
    levels = re.findall(r'<tr class="sheet-level">(.*?)</tr>', page, re.S)
    assert [re.search(r"<th[^>]*>(.*?)</th>", row).group(1) for row in levels] == [
        "初审",
        "复审",
        "终审",
    ]
    assert "编辑甲" in levels[0] and "可用" in levels[0]
    assert "（手签）" in levels[1]
    assert "chief" in levels[2] and "签发" in levels[2]


def test_a_photo_story_prints_its_photo_credit_once(client, desk):
    photographer = factories.make_reporter("于佳")
    story = article_create(
        user=desk["editor"],
        values={
            "headline": "清凉关爱 送进工地",
            "kind": Article.Kind.PHOTO,
            "body": "7月14日，市建筑工会走进工地。",
            "credits": [(photographer, "记者", "photo")],
        },
    )
    photo_add(
        article=story,
        upload=jpeg(),
        user=desk["editor"],
        alt_text="送清凉",
        credits=[(photographer, "记者")],
    )
    live(story, desk)
    page = text(client.get(story.get_absolute_url()))
    body = page.split('<article class="story', 1)[1].split('<footer class="story-footer">', 1)[0]
    assert body.count("本报记者 于佳 摄影报道") == 1


# -- error pages and Chinese -----------------------------------------------------------------


def test_403_and_500_pages_are_in_chinese_with_a_way_back(client, desk, monkeypatch):
    client.force_login(desk["reporter"])
    denied = client.get(reverse("articles:contribution_stats"))
    assert denied.status_code == 403
    assert "没有权限" in text(denied) and 'href="/admin/"' in text(denied)

    story = live(own_story(desk), desk)

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("articles.views.stories.article_page", broken)
    crashed = Client(raise_request_exception=False).get(story.get_absolute_url())
    assert crashed.status_code == 500
    assert "网站出了点问题" in text(crashed) and 'href="/"' in text(crashed)


def test_a_stale_form_gets_a_chinese_csrf_page(desk):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("admin:login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "页面已过期" in text(response)


def test_the_desk_lists_read_naturally(client, desk):
    client.force_login(desk["editor"])
    story_list = text(client.get(reverse("admin:articles_article_changelist")))
    assert "选择 稿件 来修改" not in story_list and "<h1>稿件</h1>" in story_list
    index = text(client.get(reverse("admin:index")))
    assert "Taggit" not in index and "话题" in index
    assert "无可选的" not in index and "我最近的操作" in index


def test_unions_follow_the_federations_order_not_code_points(client):
    page = text(client.get(reverse("organizations:union_list")))
    districts = [
        "北京经济技术开发区总工会",
        "昌平区总工会",
        "朝阳区总工会",
        "大兴区总工会",
        "东城区总工会",
        "丰台区总工会",
    ]
    positions = [page.index(name) for name in districts]
    assert positions == sorted(positions)


def test_a_bulk_delete_that_includes_a_photo_one_may_not_delete_deletes_nothing(client, desk):
    draft = own_story(desk)
    submitted = own_story(desk, headline="已提交的稿件")
    mine = photo_add(article=draft, upload=jpeg(), user=desk["reporter"], alt_text="可以删")
    locked = photo_add(article=submitted, upload=jpeg(), user=desk["reporter"], alt_text="不能删")
    article_submit(article=submitted, user=desk["reporter"])
    client.force_login(desk["reporter"])
    response = client.post(
        reverse("admin:articles_photo_changelist"),
        {"action": "delete_selected", "_selected_action": [mine.pk, locked.pk], "post": "yes"},
    )
    assert response.status_code == 403
    assert (
        draft.photos.filter(pk=mine.pk).exists() and submitted.photos.filter(pk=locked.pk).exists()
    )


def test_a_photo_without_alt_text_on_a_published_story_is_a_field_error(client, desk):
    story = live(own_story(desk), desk)
    client.force_login(desk["editor"])
    add = reverse("admin:articles_photo_add")
    data = {
        "article": str(story.pk),
        "image": jpeg(),
        "alt_text": "",
        "caption": "说明",
        "order": "0",
        "credits-TOTAL_FORMS": "0",
        "credits-INITIAL_FORMS": "0",
    }
    response = client.post(add, data)
    assert response.status_code == 200  # the form again, not a 403 page
    errors = response.context["adminform"].form.errors
    assert "替代文字" in errors["alt_text"][0]
    assert not story.photos.exists()

    change = reverse("admin:articles_article_change", args=[story.pk])
    form = form_data(client.get(change))
    form.update({"photos-TOTAL_FORMS": "1", "photos-0-image": jpeg(), "photos-0-order": "0"})
    shown = client.post(change, form)
    assert shown.status_code == 200
    photo_rows = [
        fs.formset for fs in shown.context["inline_admin_formsets"] if fs.formset.prefix == "photos"
    ]
    assert "替代文字" in photo_rows[0].errors[0]["alt_text"][0]
    assert not story.photos.exists()
