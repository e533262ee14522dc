"""The desk's admin: what an editor sees and can do in the article, union and event admins,
and the print-page import (upload → preview → confirm)."""

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import roles
from articles.importer.text import MAX_PAGE_BYTES
from articles.models import Article, ImportedPage, Transition
from articles.services import import_page
from events.models import Event
from organizations.models import Union, UnionAlias
from organizations.services import directory_load
from tests.factories import (
    make_article,
    make_column,
    make_event,
    make_reporter,
    make_union,
    make_user,
)

PAGE = Path(__file__).resolve().parent.parent / "fixtures" / "pages" / "000_8ba2d67d72a48244.txt"
PAGE_HEADLINES = [
    "用专业技能大赛造就“首都建筑工匠”",
    "市金融系统工会主席“充电蓄能”",
    "中关村科学城各级工会推出“清凉”套餐",
    "“送清凉”添动力",
    "朝阳区100余名单身职工相聚“桃花源”",
]

ARTICLES = reverse("admin:articles_article_changelist")
UNIONS = reverse("admin:organizations_union_changelist")
IMPORT = reverse("admin:articles_article_import")


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("chief", password="pw-for-tests-only")


@pytest.fixture
def editor(db):
    return make_user("editor", groups=[roles.EDITOR], is_staff=True)


@pytest.fixture
def reporter_user(db):
    return make_user("reporter", groups=[roles.REPORTER], is_staff=True)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def _upload(client, *files):
    return client.post(IMPORT, {"pages": list(files)})


def _page_upload():
    return SimpleUploadedFile(PAGE.name, PAGE.read_bytes(), content_type="text/plain")


def _text(response) -> str:
    return response.content.decode()


# -- article changelist and change form ---------------------------------------------------------


@pytest.mark.django_db
def test_article_changelist_shows_title_block_credits_and_unions(client, superuser):
    directory_load()
    union = Union.objects.get(name="北京市建筑工会")  # printed as its short name 市建筑工会
    make_article(
        "用专业技能大赛造就“首都建筑工匠”",
        kicker="市建筑工会助力打造产业工人队伍",
        bylines=[(make_reporter("马超"), "记者", "text"), (make_reporter("于佳"), "记者", "photo")],
        unions=[union],
    )
    client.force_login(superuser)

    response = client.get(ARTICLES)

    assert response.status_code == 200
    html = _text(response)
    assert "市建筑工会助力打造产业工人队伍" in html
    assert "用专业技能大赛造就“首都建筑工匠”" in html
    assert "记者 马超；摄 于佳" in html
    assert "市建筑工会" in html
    assert "导入版面" in html  # the object-tools button


@pytest.mark.django_db
def test_article_changelist_query_count_does_not_grow_with_articles(client, superuser):
    """Credits, unions and the column come from prefetches, so the count is the same for 5
    and for 50 stories: no query per row."""
    unions = [make_union() for _ in range(3)]
    column = make_column()
    reporters = [make_reporter() for _ in range(3)]
    client.force_login(superuser)

    def queries(add):
        for i in range(add):
            make_article(
                column=column,
                bylines=[
                    (reporters[i % 3], "记者", "text"),
                    (reporters[(i + 1) % 3], "通讯员", "photo"),
                ],
                unions=unions[: 1 + i % 3],
                tags=[f"话题{i % 4}"],
            )
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(ARTICLES)
        assert response.status_code == 200
        return len(ctx.captured_queries), _text(response).count('class="action-select"')

    at_5 = queries(5)
    at_50 = queries(45)
    assert at_5[1] == 5 and at_50[1] == 50
    assert at_5[0] == at_50[0]


@pytest.mark.django_db
def test_article_change_form_shows_print_preview_and_history(client, superuser):
    article = make_article(
        "朝阳区100余名单身职工相聚“桃花源”",
        dateline="本报讯",
        body="近日，联谊活动举行。\n第二段。",
        bylines=[
            (make_reporter("刘欣欣"), "记者", "text"),
            (make_reporter("于佳"), "记者", "photo"),
        ],
    )
    Transition.objects.create(
        article=article,
        user=superuser,
        from_status="submitted",
        to_status="returned",
        comment="请补充参加人数",
    )
    client.force_login(superuser)

    response = client.get(reverse("admin:articles_article_change", args=[article.pk]))

    assert response.status_code == 200
    html = _text(response)
    assert "本报讯（记者 刘欣欣）近日，联谊活动举行。" in html
    assert "本报记者 于佳 摄" in html
    assert "请补充参加人数" in html
    # status and publish time are not form fields: only the workflow changes them
    assert 'name="status"' not in html
    assert 'name="publish_at"' not in html


# -- workflow actions ---------------------------------------------------------------------------


def _bulk(client, action, *pks):
    """A bulk action as the desk runs it: the list's POST shows a confirmation page, and
    nothing changes until the confirming POST (``apply``)."""
    confirm = client.post(ARTICLES, {"action": action, "_selected_action": list(pks), "index": 0})
    assert confirm.status_code == 200, action
    assert 'name="apply"' in _text(confirm)
    return client.post(
        ARTICLES, {"action": action, "_selected_action": list(pks), "apply": "1"}, follow=True
    )


@pytest.mark.django_db
def test_approve_then_publish_actions_publish_a_draft(editor_client):
    article = make_article()

    confirm = editor_client.post(
        ARTICLES, {"action": "approve_articles", "_selected_action": [article.pk], "index": 0}
    )
    assert article.headline in _text(confirm)
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT  # nothing happens before confirming

    response = _bulk(editor_client, "approve_articles", article.pk)
    assert "已通过 1 篇稿件" in _text(response)
    article.refresh_from_db()
    assert article.status == Article.Status.APPROVED

    response = _bulk(editor_client, "publish_now", article.pk)
    assert "已发布 1 篇稿件" in _text(response)
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert article.publish_at is not None
    assert list(article.transitions.values_list("to_status", flat=True)) == [
        "approved",
        "published",
    ]


@pytest.mark.django_db
def test_publish_action_refuses_a_draft_with_a_message(editor_client):
    article = make_article("还没通过的稿件")

    response = _bulk(editor_client, "publish_now", article.pk)

    assert "“还没通过的稿件”未能发布" in _text(response)
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


@pytest.mark.django_db
def test_reporter_cannot_approve_or_publish(client, reporter_user):
    article = make_article(created_by=reporter_user)
    client.force_login(reporter_user)

    page = _text(client.get(ARTICLES))
    assert "approve_articles" not in page
    assert "publish_now" not in page
    for action in ("approve_articles", "publish_now"):
        client.post(ARTICLES, {"action": action, "_selected_action": [article.pk], "index": 0})
        client.post(ARTICLES, {"action": action, "_selected_action": [article.pk], "apply": "1"})

    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert not article.transitions.exists()
    form = _text(client.get(reverse("admin:articles_article_change", args=[article.pk])))
    assert 'name="headline"' in form  # reporters edit the text…
    assert 'name="featured"' not in form  # …but the desk decides what leads the home page


# -- unions -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_union_changelist_indents_children_and_counts_proposals(client, superuser):
    directory_load()
    make_union("测试新提议公司工会", reviewed=False)
    client.force_login(superuser)

    response = client.get(UNIONS, {"q": "总工会"})

    assert response.status_code == 200
    html = _text(response)
    assert "中华全国总工会" in html
    assert "\u3000└ 北京市总工会" in html  # one level below the national federation
    assert "\u3000\u3000└ 东城区总工会" in html  # two levels down
    assert "只看待审核（1）" in html


@pytest.mark.django_db
def test_union_changelist_query_count_does_not_grow_with_unions(client, superuser):
    client.force_login(superuser)
    root = make_union("根总工会", kind=Union.Kind.MUNICIPAL)

    def queries(n):
        for _ in range(n):
            union = make_union(parent=root)
            make_article(unions=[union])
            UnionAlias.objects.create(union=union, name=f"{union.name}别名")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(UNIONS).status_code == 200
        return len(ctx.captured_queries)

    assert queries(5) == queries(45)


@pytest.mark.django_db
def test_merge_action_moves_articles_and_keeps_the_name_as_alias(client, editor):
    directory_load()
    target = Union.objects.get(name="北京市建筑工会")
    proposed = make_union("市建工工会", reviewed=False)
    article = make_article(unions=[proposed])
    client.force_login(editor)
    selected = {"action": "merge_into", "_selected_action": [proposed.pk]}

    confirm = client.post(UNIONS, {**selected, "index": 0})
    assert confirm.status_code == 200
    assert "合并工会" in _text(confirm)
    assert Union.objects.filter(pk=proposed.pk).exists()  # nothing merged before confirming

    response = client.post(UNIONS, {**selected, "apply": "1", "target": target.pk}, follow=True)

    assert "合并到“北京市建筑工会”" in _text(response)
    assert not Union.objects.filter(pk=proposed.pk).exists()
    assert list(article.unions.all()) == [target]
    assert UnionAlias.objects.get(name="市建工工会").union == target


@pytest.mark.django_db
def test_merge_into_own_descendant_is_refused_with_a_message(client, superuser):
    parent = make_union("上级测试工会", reviewed=False)
    child = make_union("下级测试工会", parent=parent)
    client.force_login(superuser)

    response = client.post(
        UNIONS,
        {"action": "merge_into", "_selected_action": [parent.pk], "apply": "1", "target": child.pk},
        follow=True,
    )

    assert "未能合并" in _text(response)
    assert Union.objects.filter(pk=parent.pk).exists()


@pytest.mark.django_db
def test_mark_reviewed_action(client, superuser):
    union = make_union(reviewed=False)
    event = make_event(reviewed=False)
    client.force_login(superuser)

    client.post(UNIONS, {"action": "mark_reviewed", "_selected_action": [union.pk], "index": 0})
    client.post(
        reverse("admin:events_event_changelist"),
        {"action": "mark_reviewed", "_selected_action": [event.pk], "index": 0},
    )

    union.refresh_from_db()
    event.refresh_from_db()
    assert union.reviewed and event.reviewed


# -- other admin pages render -------------------------------------------------------------------


@pytest.mark.django_db
def test_other_admin_pages_render(client, superuser):
    directory_load()
    import_page(data=PAGE.read_bytes(), source=PAGE.name, user=superuser)
    union = Union.objects.get(name="北京市建筑工会")
    event = Event.objects.first()
    client.force_login(superuser)

    for name, args in [
        ("admin:index", []),
        ("admin:articles_reporter_changelist", []),
        ("admin:articles_column_changelist", []),
        ("admin:articles_transition_changelist", []),
        ("admin:articles_importedpage_changelist", []),
        ("admin:events_event_changelist", []),
        ("admin:events_event_change", [event.pk]),
        ("admin:organizations_union_change", [union.pk]),
        ("admin:articles_article_add", []),
    ]:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 200, name

    imports = _text(client.get(reverse("admin:articles_importedpage_changelist")))
    assert f"?source_file={PAGE.name}" in imports
    assert "5 篇稿件" in imports
    filtered = client.get(ARTICLES, {"source_file": PAGE.name})
    assert _text(filtered).count('class="action-select"') == 5


# -- print-page import --------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_preview_writes_nothing_and_confirm_creates_drafts(editor_client):
    directory_load()
    unions_before = Union.objects.count()

    preview = _upload(editor_client, _page_upload())

    assert preview.status_code == 200
    html = _text(preview)
    for headline in PAGE_HEADLINES:
        assert headline in html
    assert len(preview.context["importable"][0].stories) == 5
    assert "本报讯（记者 马超）" in html
    assert "北京市建筑工会" in html
    assert Article.objects.count() == 0
    assert not ImportedPage.objects.exists()
    assert Union.objects.count() == unions_before

    response = editor_client.post(IMPORT, {"confirm": "1", "token": preview.context["token"]})

    assert response.status_code == 302
    assert Article.objects.count() == 5
    assert set(Article.objects.values_list("status", flat=True)) == {Article.Status.DRAFT}
    assert ImportedPage.objects.get(source_file=PAGE.name).article_count == 5
    shown = _text(editor_client.get(response["Location"]))
    assert "已导入 5 篇稿件" in shown

    # the same preview cannot be confirmed twice
    again = editor_client.post(IMPORT, {"confirm": "1", "token": preview.context["token"]})
    assert Article.objects.count() == 5
    assert "预览已失效" in _text(editor_client.get(again["Location"]))


@pytest.mark.django_db
def test_import_preview_says_the_same_page_under_another_name_was_imported(editor_client, editor):
    """Issue 12: the preview said 可导入 and refused only after 确认."""
    directory_load()
    import_page(data=PAGE.read_bytes(), source=PAGE.name, user=editor)
    copy = SimpleUploadedFile("副本.txt", PAGE.read_text(encoding="utf-8").encode("gb18030"))
    html = _text(_upload(editor_client, copy))
    assert f"导入的版面 {PAGE.name} 相同（只是文件名不同），已经导入过" in html


@pytest.mark.django_db
def test_import_of_a_page_imported_before_changes_nothing(editor_client, editor):
    directory_load()
    import_page(data=PAGE.read_bytes(), source=PAGE.name, user=editor)

    preview = _upload(editor_client, _page_upload())
    assert "导入过，内容相同" in _text(preview)
    response = editor_client.post(
        IMPORT, {"confirm": "1", "token": preview.context["token"]}, follow=True
    )

    assert "此前已导入过相同内容" in _text(response)
    assert Article.objects.count() == 5


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("scan.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "scan.txt：这是二进制文件"),
        ("empty.txt", b"", "empty.txt：文件是空的"),
    ],
)
def test_import_of_a_bad_file_shows_the_error_and_writes_nothing(
    editor_client, name, data, message
):
    directory_load()

    response = _upload(editor_client, SimpleUploadedFile(name, data))

    assert response.status_code == 200
    html = _text(response)
    assert message in html
    assert 'name="confirm"' not in html
    assert Article.objects.count() == 0
    assert not ImportedPage.objects.exists()


@pytest.mark.django_db
def test_import_with_one_bad_file_still_previews_the_good_one(editor_client):
    directory_load()

    response = _upload(editor_client, _page_upload(), SimpleUploadedFile("bad.txt", b"\x00\x01"))

    html = _text(response)
    assert "bad.txt：这是二进制文件" in html
    assert "确认导入 1 个版面" in html
    editor_client.post(IMPORT, {"confirm": "1", "token": response.context["token"]})
    assert Article.objects.count() == 5


@pytest.mark.django_db
def test_a_file_name_too_long_refuses_that_file_and_previews_the_others(editor_client):
    """Django's own "确保该文件名长度不超过 200 字符" refused the whole upload before, naming
    no file (acceptance of issue 10)."""
    directory_load()
    long_name = "版" * 205 + ".txt"
    response = _upload(editor_client, _page_upload(), SimpleUploadedFile(long_name, b"x"))

    html = _text(response)
    assert "版面文件名“" in html and "超过了 200 字的上限" in html
    assert "确保该文件名长度" not in html
    assert "确认导入 1 个版面" in html


@pytest.mark.django_db
def test_import_refuses_oversized_and_non_text_files(editor_client):
    big = SimpleUploadedFile("huge.txt", b"a" * (MAX_PAGE_BYTES + 1))
    doc = SimpleUploadedFile("page.docx", b"PK\x03\x04")

    html = _text(_upload(editor_client, big, doc))

    assert "huge.txt：文件过大" in html
    assert "page.docx：只能上传 .txt 版面文本文件" in html
    assert 'name="confirm"' not in html
    assert Article.objects.count() == 0


@pytest.mark.django_db
def test_import_without_a_file_asks_for_one(editor_client):
    html = _text(editor_client.post(IMPORT, {}))
    assert "请选择要导入的版面文件" in html


@pytest.mark.django_db
def test_import_forbidden_without_permission(client, reporter_user):
    client.force_login(reporter_user)

    assert client.get(IMPORT).status_code == 403
    assert client.post(IMPORT, {"pages": [_page_upload()]}).status_code == 403
    assert "导入版面" not in _text(client.get(ARTICLES))
    assert Article.objects.count() == 0


@pytest.mark.django_db
def test_import_page_upload_form_renders(editor_client):
    response = editor_client.get(IMPORT)

    assert response.status_code == 200
    html = _text(response)
    assert 'type="file"' in html and "multiple" in html
    assert re.search(r"不超过 \d+ MB", html)


@pytest.mark.django_db
def test_article_search_finds_a_story_by_the_printed_union_name(client, superuser):
    directory_load()
    make_article("市建筑工会的稿件", unions=[Union.objects.get(name="北京市建筑工会")])
    make_article("别的稿件")
    client.force_login(superuser)

    html = _text(client.get(ARTICLES, {"q": "市建筑工会"}))

    assert "市建筑工会的稿件" in html
    assert "别的稿件" not in html
