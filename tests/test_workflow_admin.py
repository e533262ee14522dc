"""The editorial workflow in the admin, through its real views: who sees which story, the
workflow buttons and their confirmation pages, bulk actions, the edit-conflict check,
revisions (history, compare, restore), notes and corrections, the desk's to-do box and the
schedule page."""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from articles import revisions, roles
from articles.models import Article, Byline, Correction, EditorialNote
from articles.services import (
    NotAllowed,
    TransitionNotAllowed,
    article_approve,
    article_create,
    article_publish,
    article_reopen,
    article_return,
    article_signoff,
    article_submit,
    article_unschedule,
    article_withdraw,
)
from articles.templatetags.desk_admin import desk_url
from articles.workflow import STEPS as MOVES
from articles.workflow import StoryTester
from unionnews.dates import datetime_label as local_datetime_label

from . import factories

pytestmark = pytest.mark.django_db
S = Article.Status

ROLES = [roles.REPORTER, roles.CORRESPONDENT, roles.EDITOR, roles.CHIEF_EDITOR]
LIVE, SCHEDULED = "published-live", "published-scheduled"
STATES = [S.DRAFT, S.SUBMITTED, S.RETURNED, S.APPROVED, S.SIGNED_OFF, LIVE, SCHEDULED, S.WITHDRAWN]
ARTICLES = reverse("admin:articles_article_changelist")


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def later(hours=2):
    return timezone.now() + timedelta(hours=hours)


def desk_user(role, name=None):
    """A desk user in ``role`` with a Reporter profile (reporters file under their name)."""
    user = factories.make_user(name, groups=[role], is_staff=True)
    factories.make_reporter(user=user, title="通讯员" if role == roles.CORRESPONDENT else "记者")
    return user


def story_in(state, *, owner=None, **fields) -> Article:
    """A story in ``state`` (LIVE and SCHEDULED are published ones), credited to ``owner``."""
    status = S.PUBLISHED if state in (LIVE, SCHEDULED) else state
    publish_at = {LIVE: timezone.now() - timedelta(hours=1), SCHEDULED: later()}.get(state)
    article = factories.make_article(status=status, publish_at=publish_at, **fields)
    if owner is not None:
        article.bylines.create(reporter=owner.reporter, title="记者", contribution="text")
    return article


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def move_url(article, move):
    return reverse("admin:articles_article_transition", args=[article.pk, move])


def text(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


class _FormReader(HTMLParser):
    """What a browser would submit from the form with ``form_id``: inputs, textareas and
    selections, as rendered (no submit buttons)."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.data = form_id, False, []
        self.textarea = self.select = None
        self.multiple = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea" and name:
            self.textarea = [name, ""]
        elif tag == "select" and name:
            self.select = name
        elif tag == "option" and self.select and "selected" in attrs:
            self.data.append((self.select, attrs.get("value", "")))

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self.textarea is not None:
            value = self.textarea[1]
            self.data.append((self.textarea[0], value[1:] if value.startswith("\n") else value))
            self.textarea = None
        elif tag == "select":
            self.select = None


def form_data(response, form_id="article_form", **changes) -> dict:
    """The admin form in ``response`` as a browser would post it, with ``changes``."""
    reader = _FormReader(form_id)
    reader.feed(text(response))
    data: dict = {}
    for name, value in reader.data:
        if name in data:
            data[name] = (
                [*data[name], value] if isinstance(data[name], list) else [data[name], value]
            )
        else:
            data[name] = value
    data.update(changes)
    return data


def post_move(client, article, move, **extra):
    data = {"comment": "请补充参加人数"}
    if move == "schedule":
        data["publish_at"] = timezone.localtime(later()).strftime("%Y-%m-%dT%H:%M")
    data.update(extra)
    return client.post(move_url(article, move), data, follow=True)


#: The same moves made straight through the services, as other code would call them.
SERVICE_CALLS = {
    "submit": lambda a, u: article_submit(article=a, user=u),
    "approve": lambda a, u: article_approve(article=a, user=u, comment="请补充参加人数"),
    "return": lambda a, u: article_return(article=a, user=u, comment="请补充参加人数"),
    "signoff": lambda a, u: article_signoff(article=a, user=u, comment="请补充参加人数"),
    "publish": lambda a, u: article_publish(article=a, user=u),
    "schedule": lambda a, u: article_publish(article=a, user=u, at=later()),
    "unschedule": lambda a, u: article_unschedule(article=a, user=u, comment="请补充参加人数"),
    "withdraw": lambda a, u: article_withdraw(article=a, user=u, comment="请补充参加人数"),
    "reopen": lambda a, u: article_reopen(article=a, user=u, comment="请补充参加人数"),
}


# -- the permission matrix ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("move", list(MOVES))
@pytest.mark.parametrize("state", STATES)
def test_permission_matrix_through_the_confirmation_pages(client, role, move, state):
    """Each role × move × starting state, through the admin's confirmation page, agrees
    with the same call made straight to the service, and with the buttons shown."""
    user = desk_user(role)
    through_admin = story_in(state, owner=user)
    through_service = story_in(state, owner=user)
    before = (through_admin.status, through_admin.version)
    offered = move in available_transitions(through_admin, user)

    client.force_login(user)
    response = post_move(client, through_admin, move)
    try:
        SERVICE_CALLS[move](through_service, user)
    except TransitionNotAllowed:
        service_allowed = False
    else:
        service_allowed = True

    through_admin.refresh_from_db()
    through_service.refresh_from_db()
    moved = (through_admin.status, through_admin.version) != before
    assert moved == service_allowed == offered
    assert set(SERVICE_CALLS) == set(MOVES)
    assert response.status_code == 200
    shown = " ".join(messages_of(response))
    verb = MOVES[move].verb
    if moved:
        assert through_admin.status == through_service.status == MOVES[move].to
        assert f"已{verb}" in shown
    else:
        assert through_service.status == through_admin.status
        assert f"未能{verb}" in shown


def test_offered_moves_agree_with_the_services_when_signoff_is_required(settings):
    settings.UNIONNEWS_REQUIRE_SIGNOFF = True
    disagreements = []
    for role in ROLES:
        user = desk_user(role)
        for state in STATES:
            for move in MOVES:
                article = story_in(state, owner=user)
                offered = move in available_transitions(article, user)
                try:
                    SERVICE_CALLS[move](article, user)
                except TransitionNotAllowed:
                    allowed = False
                else:
                    allowed = True
                if offered != allowed:
                    disagreements.append((role, state, move, offered, allowed))
    assert disagreements == []


def test_moves_are_not_offered_on_someone_elses_story():
    owner = desk_user(roles.REPORTER)
    other = desk_user(roles.REPORTER)
    article = story_in(S.DRAFT, owner=owner)
    assert available_transitions(article, owner) == ["submit"]
    assert available_transitions(article, other) == []


# -- the change form and the confirmation pages ------------------------------------------------


def test_change_form_shows_only_the_buttons_the_user_may_use(client):
    editor = desk_user(roles.EDITOR)
    reporter = desk_user(roles.REPORTER)
    submitted = story_in(S.SUBMITTED, owner=reporter)
    draft = story_in(S.DRAFT, owner=reporter)

    client.force_login(editor)
    html = text(client.get(change_url(submitted)))
    assert move_url(submitted, "approve") in html
    assert move_url(submitted, "return") in html
    assert move_url(submitted, "publish") not in html
    assert move_url(submitted, "signoff") not in html  # editors do not sign off
    assert "当前状态：<strong" in html and "待审" in html

    client.force_login(reporter)
    html = text(client.get(change_url(draft)))
    assert move_url(draft, "submit") in html
    for move in set(MOVES) - {"submit"}:
        assert move_url(draft, move) not in html
    assert 'name="status"' not in html and 'name="publish_at"' not in html
    assert "发布时间" not in html  # the 发布 fieldset is the desk's


def test_return_confirmation_page_asks_for_a_comment(client):
    editor = desk_user(roles.EDITOR)
    article = story_in(S.SUBMITTED, headline="待退回的稿件", kicker="引题在此")
    client.force_login(editor)

    page = client.get(move_url(article, "return"))
    html = text(page)
    assert page.status_code == 200
    assert "待退回的稿件" in html and "引题在此" in html
    assert "当前状态" in html and "待审" in html and "退回修改" in html
    assert 'name="comment"' in html

    refused = client.post(move_url(article, "return"), {"comment": "  "})
    assert refused.status_code == 200
    assert "退回稿件时请写明修改意见" in text(refused)
    article.refresh_from_db()
    assert article.status == S.SUBMITTED

    done = client.post(move_url(article, "return"), {"comment": "请补充参加人数"}, follow=True)
    article.refresh_from_db()
    assert article.status == S.RETURNED
    assert done.redirect_chain[-1][0] == change_url(article)
    assert article.transitions.get().comment == "请补充参加人数"


def test_schedule_takes_a_future_shanghai_time(client):
    editor = desk_user(roles.EDITOR)
    article = story_in(S.APPROVED)
    client.force_login(editor)

    page = text(client.get(move_url(article, "schedule")))
    assert 'type="datetime-local"' in page

    past = timezone.localtime(timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    refused = client.post(move_url(article, "schedule"), {"publish_at": past})
    assert "定时发布的时间必须晚于现在" in text(refused)
    article.refresh_from_db()
    assert article.status == S.APPROVED

    response = client.post(
        move_url(article, "schedule"), {"publish_at": "2099-07-15T08:00"}, follow=True
    )
    article.refresh_from_db()
    assert article.status == S.PUBLISHED
    assert local_datetime_label(article.publish_at) == "2099年7月15日 08:00"  # Asia/Shanghai
    assert "将于 2099年7月15日 08:00 自动上线" in " ".join(messages_of(response))
    listed = text(client.get(reverse("admin:articles_article_changelist")))
    assert "定时发布（2099年7月15日 08:00）" in listed  # not 已发布: readers do not see it yet


def test_a_returned_story_shows_the_editors_comment_to_its_reporter(client):
    reporter = desk_user(roles.REPORTER)
    editor = desk_user(roles.EDITOR)
    article = story_in(S.DRAFT, owner=reporter)
    article_submit(article=article, user=reporter)
    article_return(article=article, user=editor, comment="导语太长，请压缩到一百字以内")
    client.force_login(reporter)

    html = text(client.get(change_url(article)))

    assert "编辑意见" in html
    assert "导语太长，请压缩到一百字以内" in html
    assert 'name="headline"' in html  # returned: theirs to fix
    assert move_url(article, "submit") in html


# -- who sees what -------------------------------------------------------------------------------


def test_a_reporter_cannot_open_another_reporters_story(client):
    owner = desk_user(roles.REPORTER)
    other = desk_user(roles.CORRESPONDENT)
    article = story_in(S.DRAFT, owner=owner, headline="别人的独家稿件")
    client.force_login(other)

    assert "别人的独家稿件" not in text(client.get(ARTICLES))
    response = client.get(change_url(article))
    assert response.status_code == 302  # Django's "does not exist" redirect
    assert "别人的独家稿件" not in text(client.get(response["Location"]))
    for url in [
        move_url(article, "submit"),
        reverse("admin:articles_article_compare", args=[article.pk]),
        reverse("admin:articles_article_note", args=[article.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(move_url(article, "submit")).status_code == 404
    assert client.get(reverse("admin:articles_article_history", args=[article.pk])).status_code in (
        302,
        404,
    )
    article.refresh_from_db()
    assert article.status == S.DRAFT


def test_a_reporter_cannot_edit_their_submitted_story(client):
    reporter = desk_user(roles.REPORTER)
    article = story_in(S.SUBMITTED, owner=reporter, headline="已提交的稿件")
    client.force_login(reporter)

    page = client.get(change_url(article))
    assert page.status_code == 200
    assert 'name="headline"' not in text(page)  # the view-only form
    data = {"headline": "偷偷改的标题", "body": "新的正文", "kind": "news", "loaded_version": 1}
    response = client.post(change_url(article), data)

    assert response.status_code == 403
    assert "不能再修改" in text(response)
    assert "偷偷改的标题" in text(response)  # what they typed is shown back, not lost
    article.refresh_from_db()
    assert article.headline == "已提交的稿件"
    assert article.version == 1


def test_a_reporter_files_a_story_credited_to_them(client):
    reporter = desk_user(roles.CORRESPONDENT)
    client.force_login(reporter)
    add = reverse("admin:articles_article_add")

    page = client.get(add)
    assert 'name="featured"' not in text(page)
    response = client.post(add, form_data(page, headline="通讯员来稿", body="第一段。"))

    assert response.status_code == 302, text(response)
    article = Article.objects.get(headline="通讯员来稿")
    assert article.created_by == reporter
    assert article.status == S.DRAFT
    assert [(b.reporter, b.title, b.contribution) for b in article.bylines.all()] == [
        (reporter.reporter, "通讯员", "text")
    ]
    assert client.get(change_url(article)).status_code == 200


def test_the_audit_trail_shows_a_reporter_only_their_stories(client):
    editor = desk_user(roles.EDITOR)
    reporter = desk_user(roles.REPORTER)
    mine = story_in(S.DRAFT, owner=reporter, headline="我的稿件")
    theirs = story_in(S.DRAFT, headline="别人的稿件")
    article_approve(article=mine, user=editor)
    article_approve(article=theirs, user=editor)
    client.force_login(reporter)

    html = text(client.get(reverse("admin:articles_transition_changelist")))

    assert "我的稿件" in html
    assert "别人的稿件" not in html


# -- saving: the edit conflict -------------------------------------------------------------------


def editable_story(editor, **fields) -> Article:
    """A draft filed through the service, so that its first version is kept (the base of any
    later merge)."""
    values = {"headline": "原来的标题", "body": "第一段。\n第二段。", **fields}
    return article_create(user=editor, values=values)


def test_two_editors_saving_the_same_story_get_a_conflict_not_an_overwrite(client):
    from django.test import Client

    first_editor = desk_user(roles.EDITOR, "zhangsan")
    second_editor = desk_user(roles.EDITOR, "lisi")
    article = editable_story(first_editor)
    reporter = factories.make_reporter("新署名")
    first, second = Client(), Client()
    first.force_login(first_editor)
    second.force_login(second_editor)
    first_copy = first.get(change_url(article))
    second_copy = second.get(change_url(article))

    saved = first.post(change_url(article), form_data(first_copy, headline="甲改的标题"))
    assert saved.status_code == 302

    stale = form_data(
        second_copy,
        headline="乙改的标题",
        body="第一段。\n乙加的第二段。",
        **{
            "bylines-TOTAL_FORMS": "1",
            "bylines-0-reporter": str(reporter.pk),
            "bylines-0-title": "记者",
            "bylines-0-contribution": "text",
            "bylines-0-order": "0",
        },
    )
    response = second.post(change_url(article), stale, follow=True)

    # Nothing of the stale save is written; the editor is shown both sides.
    article.refresh_from_db()
    assert article.headline == "甲改的标题"
    assert not Byline.objects.filter(article=article).exists()
    assert response.redirect_chain[-1][0] == reverse(
        "admin:articles_article_conflict", args=[article.pk]
    )
    html = text(response)
    assert "别人保存了新的版本" in " ".join(messages_of(response))
    assert "甲改的标题" in html and 'value="乙改的标题"' in html  # theirs, and mine to edit
    assert "只有你改过的字段" in html and "乙加的第二段" in html and "新署名" in html

    # Choosing nothing for the field both changed is not a save.
    conflict_url = reverse("admin:articles_article_conflict", args=[article.pk])
    version = str(article.version)
    refused = second.post(conflict_url, {"version": version})
    assert "请为每个双方都改过的字段选择" in text(refused)
    article.refresh_from_db()
    assert article.headline == "甲改的标题"

    done = second.post(
        conflict_url,
        {"version": version, "choose-headline": "mine", "mine-headline": "乙改的标题"},
        follow=True,
    )
    assert done.status_code == 200
    article.refresh_from_db()
    assert article.headline == "乙改的标题"
    assert article.body == "第一段。\n乙加的第二段。"
    assert article.bylines.get().reporter == reporter


def test_a_stale_save_keeps_what_the_other_editor_changed_in_fields_it_did_not_touch(client):
    """The lost edit of issue 9: A changes the kicker, B the body from the older form; B
    confirms, and A's kicker stays."""
    from django.test import Client

    first_editor, second_editor = desk_user(roles.EDITOR), desk_user(roles.EDITOR)
    article = editable_story(first_editor, kicker="原来的引题")
    first, second = Client(), Client()
    first.force_login(first_editor)
    second.force_login(second_editor)
    first_copy, second_copy = first.get(change_url(article)), second.get(change_url(article))
    first.post(change_url(article), form_data(first_copy, kicker="甲改的引题"))

    response = second.post(
        change_url(article), form_data(second_copy, body="第一段。\n乙改的第二段。"), follow=True
    )
    html = text(response)
    assert "只有对方改过的字段" in html and "甲改的引题" in html
    assert "双方都改过的字段" not in html
    second.post(
        reverse("admin:articles_article_conflict", args=[article.pk]),
        {"version": str(Article.objects.get(pk=article.pk).version)},
    )

    article.refresh_from_db()
    assert (article.kicker, article.body) == ("甲改的引题", "第一段。\n乙改的第二段。")
    history = [row.comment for row in revisions.history(article)]
    assert history[0] == "已修改：正文" and history[1] == "已修改：引题"


def test_a_workflow_move_makes_an_open_form_stale(client):
    editor = desk_user(roles.EDITOR)
    reporter = desk_user(roles.REPORTER)
    article = story_in(S.DRAFT, owner=reporter, headline="记者的草稿")
    client.force_login(reporter)
    copy = client.get(change_url(article))
    article_approve(article=article, user=editor)  # approved: no longer the reporter's to edit

    response = client.post(change_url(article), form_data(copy, headline="晚到的修改"))

    assert response.status_code == 403
    assert "晚到的修改" in text(response)
    article.refresh_from_db()
    assert article.headline == "记者的草稿"


def test_the_user_content_in_a_conflict_is_escaped(client):
    editor = desk_user(roles.EDITOR)
    article = editable_story(editor, headline="标题")
    client.force_login(editor)
    copy = client.get(change_url(article))
    client.post(change_url(article), form_data(copy, headline="<b>粗体</b>"))

    response = client.post(
        change_url(article), form_data(copy, headline="<script>x()</script>"), follow=True
    )
    html = text(response)

    assert "<script>x()" not in html
    assert "&lt;script&gt;x()&lt;/script&gt;" in html
    assert "&lt;b&gt;粗体&lt;/b&gt;" in html


# -- revisions ---------------------------------------------------------------------------------


def test_an_unchanged_save_records_no_new_version(client):
    editor = desk_user(roles.EDITOR)
    article = editable_story(editor, body="第一段。\n第二段。")
    client.force_login(editor)
    data = form_data(client.get(change_url(article)))
    data["body"] = data["body"].replace("\n", "\r\n")  # as a browser sends a textarea

    assert client.post(change_url(article), data).status_code == 302

    article.refresh_from_db()
    assert article.version == 1
    assert [row.number for row in revisions.history(article)] == [1]


def test_saves_keep_revisions_that_can_be_compared_and_restored(client):
    editor = desk_user(roles.EDITOR)
    article = editable_story(editor, headline="第一稿标题", body="第一段。\n第二段。")
    client.force_login(editor)
    response = client.post(
        change_url(article),
        form_data(
            client.get(change_url(article)), headline="第二稿标题", body="第一段。\n改过的第二段。"
        ),
    )
    assert response.status_code == 302
    assert [row.number for row in revisions.history(article)] == [2, 1]

    history = text(client.get(reverse("admin:articles_article_history", args=[article.pk])))
    assert 'name="from" value="1"' in history and 'name="to" value="2"' in history
    assert "恢复" in history and "主题、正文" in history

    compare = client.get(
        reverse("admin:articles_article_compare", args=[article.pk]), {"from": 1, "to": 2}
    )
    html = text(compare)
    assert compare.status_code == 200
    assert "<del>第一稿标题</del>" in html and "<ins>第二稿标题</ins>" in html
    assert "<ins>改过的</ins>" in html  # the body line, changed characters highlighted
    assert "未改动" in html

    # Meanwhile the story moves on; restoring keeps its state and bumps its version.
    article_approve(article=article, user=editor)
    article.refresh_from_db()
    current_version = article.version
    revision_url = reverse("admin:articles_article_revision", args=[article.pk, 1])
    with CaptureQueriesContext(connection) as queries:
        shown = client.get(revision_url)
    assert shown.status_code == 200
    writes = [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == [] or all(
        "django_session" in sql for sql in writes
    )  # a preview writes nothing
    assert "<del>第二稿标题</del>" in text(shown) and "<ins>第一稿标题</ins>" in text(shown)
    article.refresh_from_db()
    assert article.headline == "第二稿标题"

    restored = client.post(revision_url, {"version": str(current_version)})

    assert restored.status_code == 302
    article.refresh_from_db()
    assert article.headline == "第一稿标题"
    assert article.body == "第一段。\n第二段。"
    assert article.status == S.APPROVED
    assert article.version == current_version + 1
    assert revisions.history(article)[0].comment.startswith("恢复到第 1 版")


def test_a_restore_from_a_stale_page_is_refused(client):
    editor = desk_user(roles.EDITOR)
    article = editable_story(editor, headline="最初的标题")
    client.force_login(editor)
    client.post(
        change_url(article), form_data(client.get(change_url(article)), headline="第二个标题")
    )
    shown_at = Article.objects.get(pk=article.pk).version
    revision_url = reverse("admin:articles_article_revision", args=[article.pk, 1])
    client.post(
        change_url(article), form_data(client.get(change_url(article)), headline="第三个标题")
    )

    response = client.post(revision_url, {"version": str(shown_at)}, follow=True)

    assert any("为免覆盖他人的修改，没有恢复" in m for m in messages_of(response))
    article.refresh_from_db()
    assert article.headline == "第三个标题"


def test_compare_escapes_user_text_and_rejects_foreign_versions(client):
    editor = desk_user(roles.EDITOR)
    article = editable_story(editor, headline="<i>旧</i>")
    client.force_login(editor)
    client.post(
        change_url(article),
        form_data(client.get(change_url(article)), headline="<script>alert(1)</script>"),
    )
    compare = reverse("admin:articles_article_compare", args=[article.pk])

    html = text(client.get(compare, {"from": 1, "to": 2}))
    assert "<script>alert" not in html
    assert "<ins>&lt;script&gt;alert(1)&lt;/script&gt;</ins>" in html
    assert "<del>&lt;i&gt;旧&lt;/i&gt;</del>" in html

    refused = client.get(compare, {"from": 1, "to": 99}, follow=True)
    assert "请在历史记录中选择这篇稿件的两个不同版本" in " ".join(messages_of(refused))


# -- notes and corrections -----------------------------------------------------------------------


def test_notes_are_added_by_whoever_can_open_the_story(client):
    reporter = desk_user(roles.REPORTER)
    editor = desk_user(roles.EDITOR)
    returned = story_in(S.RETURNED, owner=reporter)
    submitted = story_in(S.SUBMITTED, owner=reporter)
    EditorialNote.objects.create(article=returned, author=editor, text="编辑的备注")
    client.force_login(reporter)

    page = client.get(change_url(returned))
    html = text(page)
    assert "编辑的备注" in html
    assert 'name="notes-0-DELETE"' not in html  # not theirs to delete
    response = client.post(change_url(returned), form_data(page, **{"notes-1-text": "照片明天补"}))
    assert response.status_code == 302, text(response)
    note = EditorialNote.objects.get(text="照片明天补")
    assert (note.article, note.author) == (returned, reporter)
    assert EditorialNote.objects.get(text="编辑的备注").author == editor  # unchanged

    # A submitted story's form is read-only for them: the separate note box.
    page = text(client.get(change_url(submitted)))
    note_url = reverse("admin:articles_article_note", args=[submitted.pk])
    assert f'action="{note_url}"' in page
    client.post(note_url, {"text": "已补充采访录音"})
    assert EditorialNote.objects.get(text="已补充采访录音").author == reporter


def test_corrections_are_added_to_live_stories_only(client):
    editor = desk_user(roles.EDITOR)
    live = story_in(LIVE)
    draft = story_in(S.DRAFT)
    client.force_login(editor)

    assert "corrections-__prefix__-text" not in text(client.get(change_url(draft)))
    page = client.get(change_url(live))
    assert "corrections-__prefix__-text" in text(page)
    data = form_data(
        page,
        **{
            "corrections-TOTAL_FORMS": "1",
            "corrections-0-text": "本报7月15日报道中人数应为120人。",
        },
    )
    response = client.post(change_url(live), data)

    assert response.status_code == 302, text(response)
    correction = Correction.objects.get()
    assert (correction.article, correction.created_by) == (live, editor)
    html = text(client.get(change_url(live)))
    assert "本报7月15日报道中人数应为120人。" in html
    assert 'name="corrections-0-text"' not in html  # read-only once written


# -- bulk actions --------------------------------------------------------------------------------


def test_bulk_approve_reports_each_refusal(client):
    editor = desk_user(roles.EDITOR)
    ready = story_in(S.SUBMITTED, headline="可以通过的稿件")
    live = story_in(LIVE, headline="已上线的稿件")
    client.force_login(editor)
    selected = {"action": "approve_articles", "_selected_action": [ready.pk, live.pk]}

    confirm = client.post(ARTICLES, {**selected, "index": 0})
    html = text(confirm)
    assert "其中 1 篇在当前状态下可以通过" in html
    assert "不能（将跳过）" in html
    ready.refresh_from_db()
    assert ready.status == S.SUBMITTED

    done = client.post(ARTICLES, {**selected, "apply": "1"}, follow=True)
    shown = messages_of(done)
    assert "已通过 1 篇稿件。" in shown
    assert any(m.startswith("“已上线的稿件”未能通过") for m in shown)
    ready.refresh_from_db()
    assert ready.status == S.APPROVED


def test_bulk_submit_by_a_reporter_and_signoff_by_the_chief(client, settings):
    settings.UNIONNEWS_REQUIRE_SIGNOFF = True
    reporter = desk_user(roles.REPORTER)
    chief = desk_user(roles.CHIEF_EDITOR)
    drafts = [story_in(S.DRAFT, owner=reporter) for _ in range(2)]
    client.force_login(reporter)
    pks = [a.pk for a in drafts]

    client.post(ARTICLES, {"action": "submit_articles", "_selected_action": pks, "index": 0})
    client.post(ARTICLES, {"action": "submit_articles", "_selected_action": pks, "apply": "1"})
    assert set(Article.objects.values_list("status", flat=True)) == {S.SUBMITTED}

    for article in drafts:
        article_approve(article=article, user=chief)
    client.force_login(chief)
    done = client.post(
        ARTICLES, {"action": "signoff_articles", "_selected_action": pks, "apply": "1"}, follow=True
    )
    assert "已签发 2 篇稿件。" in messages_of(done)
    assert set(Article.objects.values_list("status", flat=True)) == {S.SIGNED_OFF}


# -- sign-off required ---------------------------------------------------------------------------


def test_with_signoff_required_an_editor_publishes_only_after_the_chief_signs(client, settings):
    settings.UNIONNEWS_REQUIRE_SIGNOFF = True
    editor = desk_user(roles.EDITOR)
    chief = desk_user(roles.CHIEF_EDITOR)
    article = story_in(S.APPROVED)

    client.force_login(editor)
    assert move_url(article, "publish") not in text(client.get(change_url(article)))
    refused = post_move(client, article, "publish")
    assert any("还没有签发" in m for m in messages_of(refused))
    article.refresh_from_db()
    assert article.status == S.APPROVED

    client.force_login(chief)
    assert move_url(article, "signoff") in text(client.get(change_url(article)))
    post_move(client, article, "signoff")
    article.refresh_from_db()
    assert article.status == S.SIGNED_OFF

    client.force_login(editor)
    assert move_url(article, "publish") in text(client.get(change_url(article)))
    post_move(client, article, "publish")
    article.refresh_from_db()
    assert article.is_public


# -- the desk's to-do box, the queue filter and the schedule ---------------------------------------


def _todo(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return text(response)


def test_index_box_counts_what_waits_for_each_role(client, settings):
    settings.UNIONNEWS_REQUIRE_SIGNOFF = True
    reporter = desk_user(roles.REPORTER)
    other = desk_user(roles.REPORTER)
    for state in (S.SUBMITTED, S.SUBMITTED, S.APPROVED, SCHEDULED, LIVE, S.DRAFT):
        story_in(state)
    story_in(S.RETURNED, owner=reporter)
    story_in(S.RETURNED, owner=other)

    client.force_login(desk_user(roles.EDITOR))
    html = _todo(client)
    assert "编辑部待办" in html
    assert "待审 <strong>2</strong>" in html
    assert "定时发布 <strong>1</strong>" in html
    assert "待签发" not in html  # editors do not sign off
    assert "退回给我" not in html

    client.force_login(desk_user(roles.CHIEF_EDITOR))
    html = _todo(client)
    assert "待签发 <strong>1</strong>" in html
    assert "?desk=signoff" in html

    client.force_login(reporter)
    html = _todo(client)
    assert "退回给我 <strong>1</strong>" in html
    assert "待审" not in html and "定时发布" not in html
    queue = text(client.get(ARTICLES, {"desk": "todo"}))
    assert queue.count('class="action-select"') == 1


def test_index_box_query_count_does_not_grow_with_stories(client):
    """One aggregate query for all the counts: the same for 3 and for 30 waiting stories."""
    client.force_login(desk_user(roles.CHIEF_EDITOR))

    def queries(add):
        for _ in range(add):
            story_in(S.SUBMITTED)
            story_in(SCHEDULED)
        with CaptureQueriesContext(connection) as ctx:
            _todo(client)
        return len(ctx.captured_queries)

    assert queries(3) == queries(27)


def test_review_queue_filter_for_editors(client, settings):
    settings.UNIONNEWS_REQUIRE_SIGNOFF = True
    story_in(S.SUBMITTED, headline="待审的稿件")
    story_in(S.APPROVED, headline="待签发的稿件")
    story_in(S.DRAFT, headline="草稿稿件")

    client.force_login(desk_user(roles.EDITOR))
    html = text(client.get(ARTICLES, {"desk": "todo"}))
    assert "待审的稿件" in html and "待签发的稿件" not in html and "草稿稿件" not in html

    client.force_login(desk_user(roles.CHIEF_EDITOR))
    html = text(client.get(ARTICLES, {"desk": "todo"}))
    assert "待审的稿件" in html and "待签发的稿件" in html and "草稿稿件" not in html


def test_schedule_page_lists_what_goes_live_when(client):
    editor = desk_user(roles.EDITOR, "wangwu")
    soon = story_in(S.APPROVED, headline="明早上线的稿件")
    later_story = story_in(S.APPROVED, headline="后天上线的稿件")
    story_in(LIVE, headline="已经上线的稿件")
    article_publish(article=later_story, user=editor, at=later(48))
    article_publish(article=soon, user=editor, at=later(12))
    soon.refresh_from_db()
    client.force_login(editor)

    response = client.get(reverse("admin:articles_article_schedule"))

    assert response.status_code == 200
    html = text(response)
    assert html.index("明早上线的稿件") < html.index("后天上线的稿件")
    assert "已经上线的稿件" not in html
    assert local_datetime_label(soon.publish_at) in html
    assert "wangwu" in html
    assert move_url(soon, "unschedule") in html
    assert reverse("admin:articles_article_schedule") in text(client.get(ARTICLES))

    client.force_login(desk_user(roles.REPORTER))
    assert client.get(reverse("admin:articles_article_schedule")).status_code == 403


def test_unschedule_from_the_schedule_page_returns_there(client):
    editor = desk_user(roles.EDITOR)
    article = story_in(SCHEDULED)
    client.force_login(editor)
    schedule = reverse("admin:articles_article_schedule")

    response = client.post(
        move_url(article, "unschedule") + f"?next={schedule}", {"next": schedule}, follow=True
    )

    assert response.redirect_chain[-1][0] == schedule
    article.refresh_from_db()
    assert (article.status, article.publish_at) == (S.APPROVED, None)


# -- the pages render ------------------------------------------------------------------------------


def test_desk_pages_render_for_each_role(client):
    reporter = desk_user(roles.REPORTER)
    article = story_in(S.SUBMITTED, owner=reporter)
    for role, user in [
        (roles.REPORTER, reporter),
        (roles.EDITOR, desk_user(roles.EDITOR)),
        (roles.CHIEF_EDITOR, desk_user(roles.CHIEF_EDITOR)),
    ]:
        client.force_login(user)
        for url in [
            reverse("admin:index"),
            ARTICLES,
            change_url(article),
            reverse("admin:articles_article_history", args=[article.pk]),
            reverse("admin:articles_article_add"),
            reverse("admin:app_list", args=["articles"]),
        ]:
            assert client.get(url).status_code == 200, (role, url)
        assert "编辑部待办" not in text(client.get(reverse("admin:app_list", args=["articles"])))


def test_links_to_the_desk_report_pages_appear_when_they_exist(client):
    editor = desk_user(roles.EDITOR)
    article = story_in(S.SUBMITTED)
    client.force_login(editor)

    assert desk_url("articles:no_such_page") == ""
    sheet = desk_url("articles:signoff_sheet", article.pk)
    stats = desk_url("articles:contribution_stats")
    change = text(client.get(change_url(article)))
    index = text(client.get(reverse("admin:index")))
    assert (sheet != "") == ("签发单" in change)
    assert (stats != "") == ("稿件统计" in index)


def test_each_story_of_a_bulk_action_keeps_its_own_revision(client):
    editor = desk_user(roles.EDITOR)
    draft = story_in(S.DRAFT)
    submitted = story_in(S.SUBMITTED)
    client.force_login(editor)

    client.post(
        ARTICLES,
        {"action": "approve_articles", "_selected_action": [draft.pk, submitted.pk], "apply": "1"},
    )

    comments = {
        article.pk: [v.revision.get_comment() for v in Version.objects.get_for_object(article)]
        for article in (draft, submitted)
    }
    assert comments == {draft.pk: ["草稿 → 已通过"], submitted.pk: ["待审 → 已通过"]}
    assert Version.objects.get_for_object(draft).get().revision.user == editor


# -- a save the service refuses after the form's checks (a race) ---------------------------------


def _refuse_every_save(monkeypatch, where="articles.admin.saving.article_edit"):
    def refuse(**kwargs):
        raise NotAllowed("就在同一时刻，稿件已被修改。")

    monkeypatch.setattr(where, refuse)


def test_a_save_the_service_refuses_saves_nothing_and_shows_what_was_typed(client, monkeypatch):
    editor = desk_user(roles.EDITOR)
    article = editable_story(editor, headline="原标题")
    reporter = factories.make_reporter("补充署名")
    client.force_login(editor)
    page = client.get(change_url(article))
    _refuse_every_save(monkeypatch)

    response = client.post(
        change_url(article),
        form_data(
            page,
            headline="抢先一步的新标题",
            **{
                "bylines-TOTAL_FORMS": "1",
                "bylines-0-reporter": str(reporter.pk),
                "bylines-0-title": "记者",
                "bylines-0-contribution": "text",
                "bylines-0-order": "0",
                "notes-0-text": "一条备注",
            },
        ),
    )

    assert response.status_code == 409
    assert "本次没有保存" in text(response)
    assert "抢先一步的新标题" in text(response)
    article.refresh_from_db()
    assert (article.headline, article.version) == ("原标题", 1)
    assert not article.bylines.exists() and not article.notes.exists()
    assert [row.number for row in revisions.history(article)] == [1]


def test_a_restore_the_service_refuses_is_rolled_back(client, monkeypatch):
    editor = desk_user(roles.EDITOR)
    article = editable_story(editor, headline="旧标题")
    client.force_login(editor)
    client.post(change_url(article), form_data(client.get(change_url(article)), headline="新标题"))
    revision_url = reverse("admin:articles_article_revision", args=[article.pk, 1])
    _refuse_every_save(monkeypatch, "articles.admin.views.revisions.article_restore")

    response = client.post(revision_url, {"version": "2"}, follow=True)

    assert any("已被修改" in m for m in messages_of(response))
    article.refresh_from_db()
    assert article.headline == "新标题"
    assert [row.number for row in revisions.history(article)] == [2, 1]


def test_only_those_who_may_delete_stories_may_recover_deleted_ones(client):
    editor = desk_user(roles.EDITOR)
    article = editable_story(editor, headline="被删除的稿件")
    client.force_login(editor)
    version = Version.objects.get_for_object(article).get()
    assert (
        client.post(
            reverse("admin:articles_article_delete", args=[article.pk]), {"post": "yes"}
        ).status_code
        == 302
    )
    assert not Article.objects.filter(pk=article.pk).exists()
    recover = reverse("admin:articles_article_recover", args=[version.pk])
    recoverlist = reverse("admin:articles_article_recoverlist")
    assert "被删除的稿件" in text(client.get(recoverlist))

    client.force_login(desk_user(roles.REPORTER))
    assert client.get(recoverlist).status_code == 403
    assert client.post(recover).status_code == 403
    assert recoverlist not in text(client.get(ARTICLES))
    assert not Article.objects.filter(headline="被删除的稿件").exists()

    client.force_login(editor)
    response = client.post(recover)
    assert response.status_code == 302
    assert Article.objects.get(headline="被删除的稿件").status == S.DRAFT


def test_restoring_an_imported_story_touches_only_that_story(client):
    from pathlib import Path

    from articles.services import import_page
    from organizations.services import directory_load

    page = Path(__file__).resolve().parent.parent / "fixtures/pages/000_8ba2d67d72a48244.txt"
    directory_load()
    editor = desk_user(roles.EDITOR)
    first, second = import_page(data=page.read_bytes(), source=page.name, user=editor).articles[:2]
    imported_credits = list(first.bylines.values_list("reporter__name", "title", "contribution"))
    client.force_login(editor)
    for article in (first, second):
        data = form_data(client.get(change_url(article)), headline=f"改过的{article.pk}")
        data["bylines-0-DELETE"] = "on"
        assert client.post(change_url(article), data).status_code == 302
    imported = Version.objects.get_for_object(first).order_by("pk").first()
    assert imported.revision.version_set.count() > 2  # the whole page is one revision
    url = reverse("admin:articles_article_revision", args=[first.pk, 1])

    response = client.post(url, {"version": str(Article.objects.get(pk=first.pk).version)})

    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.headline == "用专业技能大赛造就“首都建筑工匠”"
    assert list(first.bylines.values_list("reporter__name", "title", "contribution")) == (
        imported_credits
    )
    assert second.headline == f"改过的{second.pk}"  # the rest of the page is left alone


def available_transitions(article, user) -> list[str]:
    """The steps the tester offers ``user`` on ``article``, by name, in button order."""
    return [step.name for step in StoryTester(user, article).steps()]


# -- issue 9 review: conflicts that come back, photos in order, recovering after a merge -----


def test_a_second_conflict_keeps_what_the_editor_left_to_the_other_person(client):
    from django.test import Client

    from articles.services import article_edit

    a, b, c = (desk_user(roles.EDITOR, name) for name in ("jia", "yi", "bing"))
    article = editable_story(a, kicker="原引题")
    first, second = Client(), Client()
    first.force_login(a)
    second.force_login(b)
    copy_a, copy_b = first.get(change_url(article)), second.get(change_url(article))
    first.post(change_url(article), form_data(copy_a, kicker="甲改的引题"))
    second.post(change_url(article), form_data(copy_b, body="乙改的正文。"))
    conflict = reverse("admin:articles_article_conflict", args=[article.pk])
    shown = Article.objects.get(pk=article.pk).version
    article_edit(article=article, user=c, values={"subtitle": "丙的副题"}, base_version=shown)

    again = second.post(conflict, {"version": str(shown)}, follow=True)
    assert "又有人保存了这篇稿件" in " ".join(messages_of(again))
    html = text(again)
    assert "只有你改过的字段" in html and "乙改的正文" in html
    assert "原引题" not in html.split("只有你改过的字段", 1)[1]
    second.post(conflict, {"version": str(Article.objects.get(pk=article.pk).version)})

    article.refresh_from_db()
    assert (article.kicker, article.subtitle, article.body) == (
        "甲改的引题",
        "丙的副题",
        "乙改的正文。",
    )


def test_a_save_after_only_a_workflow_step_needs_no_conflict_page(client):
    editor = desk_user(roles.EDITOR)
    article = editable_story(editor)
    client.force_login(editor)
    copy = client.get(change_url(article))
    article_approve(article=article, user=editor)  # in another tab: the story moved on

    response = client.post(
        change_url(article), form_data(copy, headline="审稿后改的标题"), follow=True
    )

    assert response.redirect_chain[-1][0] != reverse(
        "admin:articles_article_conflict", args=[article.pk]
    )
    assert any("与你的修改不冲突，已一并保存" in m for m in messages_of(response))
    article.refresh_from_db()
    assert (article.headline, article.status) == ("审稿后改的标题", S.APPROVED)


def test_a_photo_added_on_the_story_form_goes_last(client):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from articles.services import photo_add

    def jpeg():
        out = io.BytesIO()
        Image.new("RGB", (600, 400), "teal").save(out, "JPEG")
        return SimpleUploadedFile("p.jpg", out.getvalue(), content_type="image/jpeg")

    editor = desk_user(roles.EDITOR)
    article = editable_story(editor)
    for i in range(2):
        photo_add(article=article, upload=jpeg(), user=editor, alt_text=f"图{i}")
    client.force_login(editor)
    data = form_data(client.get(change_url(article)))
    data.update(  # as the browser posts the row 添加另一个 adds: its order at the default
        {
            "photos-TOTAL_FORMS": "3",
            "photos-2-alt_text": "新图",
            "photos-2-order": "0",
            "initial-photos-2-order": "0",
            "photos-2-image": jpeg(),
        }
    )
    response = client.post(change_url(article), data)
    assert response.status_code == 302, [
        (fs.formset.prefix, fs.formset.errors, fs.formset.non_form_errors())
        for fs in response.context["inline_admin_formsets"]
    ]
    order = list(article.photos.order_by("order", "pk").values_list("alt_text", flat=True))
    assert order == ["图0", "图1", "新图"]


def test_a_deleted_story_comes_back_after_its_union_was_merged(client):
    from articles.services import article_delete, article_recover
    from organizations.models import Union
    from organizations.services import union_merge

    editor = desk_user(roles.EDITOR)
    merged = factories.make_union("将被合并的工会")
    kept = Union.objects.get(name="海淀区总工会")
    story = editable_story(
        editor, unions=[merged, kept], credits=[(editor.reporter, "记者", "text")]
    )
    pk = story.pk
    article_delete(article=story, user=editor)
    union_merge(user=editor, source=merged, target=kept)
    version = Version.objects.get_deleted(Article).get(object_id=str(pk))

    recovered = article_recover(user=editor, version=version)

    assert recovered.status == S.DRAFT
    assert list(recovered.unions.all()) == [kept]
    assert recovered.bylines.get().reporter == editor.reporter


def test_unscheduling_a_signed_off_story_keeps_the_sign_off(settings):
    settings.UNIONNEWS_REQUIRE_SIGNOFF = True
    editor, chief = desk_user(roles.EDITOR), desk_user(roles.CHIEF_EDITOR)
    article = editable_story(editor)
    article_approve(article=article, user=editor)
    article_signoff(article=article, user=chief)
    article_publish(article=article, user=editor, at=later())
    article_unschedule(article=article, user=editor)
    assert article.status == S.SIGNED_OFF
    article_publish(article=article, user=editor, at=later())  # no second sign-off needed


def test_a_reporter_restores_a_version_whatever_the_desk_flags(client):
    from articles.services import article_restore, article_waive_photo

    editor, reporter = desk_user(roles.EDITOR), desk_user(roles.REPORTER)
    article = article_create(
        user=reporter,
        values={
            "headline": "第一版",
            "body": "正文。",
            "credits": [(reporter.reporter, "记者", "text")],
        },
    )
    article_waive_photo(article=article, user=editor)
    from articles.services import article_edit

    article_edit(
        article=article, user=reporter, values={"headline": "第二版"}, base_version=article.version
    )
    result = article_restore(article=article, user=reporter, version=1)
    article.refresh_from_db()
    assert article.headline == "第一版" and article.photo_waived  # the flag is the desk's
    assert [f.name for f in result.fields] == ["headline"]


def test_the_desk_wording_overrides_are_compiled():
    """``locale/zh_Hans/LC_MESSAGES/*.po`` is what the desk reads only once compiled; a .po
    changed without ``msgfmt`` would silently not apply."""
    import gettext
    import re
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES"
    for po in folder.glob("*.po"):
        compiled = gettext.GNUTranslations(po.with_suffix(".mo").open("rb"))
        checked = 0
        for block in po.read_text().split("\n\n"):
            lines = dict(
                re.match(r'(msgid_plural|msgid|msgstr(?:\[0\])?) "(.*)"', line).groups()
                for line in block.splitlines()
                if re.match(r"msg", line)
            )
            if not lines.get("msgid"):
                continue
            msgid = lines["msgid"]
            if "msgid_plural" in lines:
                got = compiled.ngettext(msgid, lines["msgid_plural"], 1)
                wanted = lines["msgstr[0]"]
            else:
                got, wanted = compiled.gettext(msgid), lines["msgstr"]
            assert got == wanted, (po.name, msgid)
            checked += 1
        assert checked


def test_a_save_says_so_in_plain_chinese(client):
    editor = desk_user(roles.EDITOR)
    article = editable_story(editor, headline="要保存的稿件")
    client.force_login(editor)
    response = client.post(
        change_url(article),
        form_data(client.get(change_url(article)), kicker="新引题"),
        follow=True,
    )
    said = re.sub(r"<[^>]+>", "", " ".join(messages_of(response)))
    assert "已保存稿件“要保存的稿件”。" in said


def test_a_headline_with_its_own_quotes_is_quoted_the_chinese_way_in_messages(client):
    """GB/T 15834: quotes within quotes are single, not ““送清凉”添动力”."""
    editor = desk_user(roles.EDITOR)
    article = story_in(S.SUBMITTED, headline="“送清凉”添动力")
    client.force_login(editor)
    done = client.post(move_url(article, "approve"), {"comment": ""}, follow=True)
    said = " ".join(messages_of(done))
    assert "“‘送清凉’添动力”已通过" in said and "““" not in said
