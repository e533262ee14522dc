"""The desk's rules as issue 9 found them broken, each through the service that owns it:
history that tells the truth, merges that lose nothing, statistics that count photo credits,
matching that does not depend on the database, no backdating, no hidden credit, photos that
leave storage, and an audit entry for every write."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from articles import content, revisions, roles
from articles.importer import ParsedCredit
from articles.models import Article, Byline, PhotoCredit, Reporter
from articles.services import (
    NotAllowed,
    article_approve,
    article_create,
    article_edit,
    article_publish,
    article_waive_photo,
    photo_add,
    photo_delete,
    photo_update,
)
from articles.services.imports import _reporter_for
from organizations.models import Union, UnionAlias
from organizations.services import union_merge
from unionnews.actors import SYSTEM
from unionnews.models import AuditEntry

from . import factories

pytestmark = pytest.mark.django_db


def jpeg(width=1200, height=800) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "teal").save(out, "JPEG")
    return SimpleUploadedFile("photo.jpg", out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def editor():
    return factories.make_user("editor", groups=[roles.EDITOR], is_staff=True, first_name="编辑甲")


def filed(editor, **values) -> Article:
    return article_create(user=editor, values={"headline": "稿件", "body": "正文。", **values})


# -- history ---------------------------------------------------------------------------------


def test_history_shows_changes_to_unions_topics_events_credits_and_flags(editor):
    union = Union.objects.get(name="海淀区总工会")
    event = factories.make_event("海淀工匠杯")
    reporter = factories.make_reporter("马超")
    story = filed(editor)

    article_edit(
        article=story,
        user=editor,
        values={
            "unions": [union],
            "events": [event],
            "tags": ["劳模工匠"],
            "credits": [(reporter, "记者", "text")],
        },
        base_version=1,
    )
    article_waive_photo(article=story, user=editor)

    rows = revisions.history(story)
    assert [row.comment for row in rows] == [
        "无需配图",
        "已修改：署名、相关工会、相关活动、话题",
        "新建稿件",
    ]
    changed = [f.label for f in rows[1].changes_from(rows[2])]
    assert changed == ["署名", "相关工会", "相关活动", "话题"]
    pairs = revisions.compare(rows[1].content, rows[0].content)
    compared = {f.name: (old, new) for f, old, new in pairs}
    assert compared["photo_waived"] == ("否", "是")  # not "这两个版本的内容相同"
    assert compared["unions"][1] == "海淀区总工会" and compared["tags"][1] == "劳模工匠"


def test_an_edit_with_browser_line_endings_changes_nothing(editor):
    story = filed(editor, body="第一段。\n第二段。")
    result = article_edit(
        article=story, user=editor, values={"body": "第一段。\r\n第二段。\r\n"}, base_version=1
    )
    assert result.fields == []
    story.refresh_from_db()
    assert story.version == 1 and story.body == "第一段。\n第二段。"
    assert not AuditEntry.objects.filter(action="article.edit").exists()


def test_fields_the_second_editor_did_not_touch_keep_the_newest_value(editor):
    other = factories.make_user(groups=[roles.EDITOR], is_staff=True)
    story = filed(editor, kicker="旧引题", body="旧正文。")
    article_edit(article=story, user=editor, values={"kicker": "新引题"}, base_version=1)
    # The second editor's form was opened at version 1 and carries every field.
    stale = {"kicker": "旧引题", "headline": "稿件", "body": "乙的正文。"}
    with pytest.raises(Exception) as refused:
        article_edit(article=story, user=other, values=stale, base_version=1)
    merge = refused.value.merge
    assert [f.name for f in merge.theirs_only] == ["kicker"]
    assert [f.name for f in merge.mine_only] == ["body"]
    assert merge.both == []
    assert merge.merged["kicker"] == "新引题" and merge.merged["body"] == "乙的正文。"
    story.refresh_from_db()
    assert story.kicker == "新引题" and story.body == "旧正文。"


# -- merging unions --------------------------------------------------------------------------


def test_a_merge_moves_photo_links_and_correspondents_and_is_audited(editor):
    target = Union.objects.get(name="海淀区总工会")
    proposal = factories.make_union("海淀总工会（提议）", reviewed=False, parent=target.parent)
    story = filed(editor, unions=[proposal])
    event = factories.make_event("海淀工匠杯")
    event.organizers.add(proposal)
    photo = photo_add(article=story, upload=jpeg(), user=editor, alt_text="图")
    photo_update(photo=photo, user=editor, unions=[proposal])
    # Two correspondents named 高岩: one for each union; a third only for the proposal.
    kept = Reporter.objects.create(name="高岩", title="通讯员", union=target)
    twin = Reporter.objects.create(name="高岩", title="通讯员", union=proposal)
    alone = Reporter.objects.create(name="周美玉", title="通讯员", union=proposal)
    Byline.objects.create(article=story, reporter=twin, title="通讯员")
    PhotoCredit.objects.create(photo=photo, reporter=twin, title="通讯员")

    moved = union_merge(user=editor, source=proposal, target=target)

    assert not Union.objects.filter(pk=proposal.pk).exists()
    assert target in story.unions.all() and target in photo.unions.all()
    assert list(event.organizers.all()) == [target]
    assert not Reporter.objects.filter(pk=twin.pk).exists()
    assert story.bylines.get().reporter == kept and photo.credits.get().reporter == kept
    alone.refresh_from_db()
    assert alone.union == target
    assert UnionAlias.objects.get(name="海淀总工会（提议）").union == target
    assert moved["稿件"] == 1 and moved["图片"] == 1 and moved["作者"] == 2 and moved["活动"] == 1
    entry = AuditEntry.objects.get(action="union.merge")
    assert entry.user == editor and entry.object_label == "海淀区总工会"
    assert "海淀总工会（提议）" in entry.data["summary"]


def test_a_merge_needs_the_permission_to_change_and_delete_unions():
    reporter = factories.make_user(groups=[roles.REPORTER], is_staff=True)
    source, target = factories.make_union(reviewed=False), Union.objects.get(name="海淀区总工会")
    with pytest.raises(Exception, match="没有权限"):
        union_merge(user=reporter, source=source, target=target)
    assert Union.objects.filter(pk=source.pk).exists()


# -- statistics ------------------------------------------------------------------------------


def test_statistics_count_photo_credits_as_well_as_bylines(editor):
    writer, photographer = factories.make_reporter("任洁"), factories.make_reporter("于佳")
    story = filed(editor, credits=[(writer, "记者", "text")])
    photo = photo_add(article=story, upload=jpeg(), user=editor, alt_text="图")
    photo_update(photo=photo, user=editor, credits=[(photographer, "记者")])
    article_approve(article=story, user=editor)
    article_publish(article=story, user=editor)

    rows = {row["name"]: row for row in Article.objects.published().contribution_by_reporter()}
    assert (rows["任洁"]["text"], rows["任洁"]["photo"]) == (1, 0)
    assert (rows["于佳"]["text"], rows["于佳"]["photo"], rows["于佳"]["stories"]) == (0, 1, 1)


# -- matching and credits --------------------------------------------------------------------


def test_the_staff_reporter_is_matched_before_a_namesake_correspondent():
    union = Union.objects.get(name="海淀区总工会")
    correspondent = Reporter.objects.create(name="马超", title="通讯员", union=union)
    staff = Reporter.objects.create(name="马超", title="记者")
    assert correspondent.pk < staff.pk  # the correspondent is older: the id does not decide
    assert _reporter_for(ParsedCredit("马超", "记者", "text")) == staff


def test_no_credit_is_added_that_the_reporter_did_not_enter():
    user = factories.make_user(groups=[roles.REPORTER], is_staff=True)
    factories.make_reporter("马超", user=user)
    story = article_create(user=user, values={"headline": "记者自己提交的稿件", "body": "正文。"})
    assert not story.bylines.exists()
    assert Article.objects.own_by(user).filter(pk=story.pk).exists()  # still theirs to edit


# -- publishing times ------------------------------------------------------------------------


def test_the_publish_service_refuses_a_time_in_the_past(editor):
    story = filed(editor)
    article_approve(article=story, user=editor)
    with pytest.raises(NotAllowed, match="必须晚于现在"):
        article_publish(article=story, user=editor, at=timezone.now() - timedelta(days=1))
    story.refresh_from_db()
    assert story.status == Article.Status.APPROVED and story.publish_at is None


# -- photos leave storage --------------------------------------------------------------------


def test_a_deletion_that_rolls_back_keeps_the_photo_and_its_files(
    editor, settings, django_capture_on_commit_callbacks
):
    from pathlib import Path

    from django.db import transaction

    story = filed(editor)
    photo = photo_add(article=story, upload=jpeg(2000, 1000), user=editor, alt_text="图")
    files = [photo.image.name, *(r.file.name for r in photo.renditions.all())]
    assert len(files) == 7
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            photo_delete(photo=photo, user=editor)
            raise RuntimeError("the rest of the save failed")
    assert story.photos.filter(pk=photo.pk).exists()
    assert all((Path(settings.MEDIA_ROOT) / f).exists() for f in files)


def test_photo_files_leave_storage_on_commit(editor, settings, django_capture_on_commit_callbacks):
    from pathlib import Path

    story = filed(editor)
    photo = photo_add(article=story, upload=jpeg(2000, 1000), user=editor, alt_text="图")
    files = [photo.image.name, *(r.file.name for r in photo.renditions.all())]
    with django_capture_on_commit_callbacks(execute=True):
        photo_delete(photo=photo, user=editor)
    assert not any((Path(settings.MEDIA_ROOT) / f).exists() for f in files)
    assert AuditEntry.objects.filter(action="photo.delete", object_id=str(story.pk)).exists()


def test_the_photo_limit_is_the_services_whatever_page_adds_them(editor):
    story = filed(editor)
    for _ in range(12):
        photo_add(article=story, upload=jpeg(200, 100), user=editor, alt_text="图")
    with pytest.raises(NotAllowed, match="最多 12 张"):
        photo_add(article=story, upload=jpeg(200, 100), user=editor, alt_text="第十三张")
    assert story.photos.count() == 12


# -- the audit log ---------------------------------------------------------------------------


def test_every_desk_write_leaves_an_audit_entry(editor):
    story = filed(editor)
    article_edit(article=story, user=editor, values={"kicker": "引题"}, base_version=1)
    article_approve(article=story, user=editor, comment="好")
    article_publish(article=story, user=editor)
    actions = list(
        AuditEntry.objects.filter(object_id=str(story.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["article.create", "article.edit", "article.approve", "article.publish"]
    entry = AuditEntry.objects.get(action="article.edit")
    assert (entry.user, entry.user_label, entry.data["summary"]) == (
        editor,
        "编辑甲",
        "已修改：引题",
    )


def test_the_system_acts_under_its_own_name():
    union = factories.make_union("系统审核的工会", reviewed=False)
    from organizations.services import unions_mark_reviewed

    unions_mark_reviewed(user=SYSTEM, unions=Union.objects.filter(pk=union.pk))
    entry = AuditEntry.objects.get(action="union.review")
    assert entry.user is None and entry.user_label == "系统"


def test_content_fields_are_listed_once():
    """The story form, the conflict merge, the history and the restore all read one list."""
    names = [f.name for f in content.FIELDS]
    assert len(names) == len(set(names))
    assert {f.name for f in content.EDITABLE} >= {"kicker", "headline", "body", "unions", "tags"}


def test_a_photo_on_a_published_story_needs_its_alt_text(editor):
    story = filed(editor)
    article_approve(article=story, user=editor)
    article_publish(article=story, user=editor)
    with pytest.raises(NotAllowed, match="替代文字"):
        photo_add(article=story, upload=jpeg(), user=editor, alt_text=" ")
    photo = photo_add(article=story, upload=jpeg(), user=editor, alt_text="工地上的工人")
    with pytest.raises(NotAllowed, match="替代文字"):
        photo_update(photo=photo, user=editor, alt_text="")
    photo.refresh_from_db()
    assert photo.alt_text == "工地上的工人"


def test_a_merge_is_in_the_history_of_every_story_it_touches(editor):
    target = Union.objects.get(name="海淀区总工会")
    proposal = factories.make_union("待合并的工会", reviewed=False)
    story = filed(editor, unions=[proposal])

    union_merge(user=editor, source=proposal, target=target)

    latest = revisions.history(story)[0]
    assert latest.comment == "相关工会“待合并的工会”已并入“海淀区总工会”"
    assert [pair[1] for pair in latest.content["unions"]] == ["海淀区总工会"]
    assert AuditEntry.objects.filter(
        action="article.union_merged", object_id=str(story.pk)
    ).exists()


def test_a_failed_save_leaves_no_photo_files_behind(editor, settings):
    from pathlib import Path

    from articles.services.changes import story_change

    story = filed(editor)
    media = Path(settings.MEDIA_ROOT)
    with pytest.raises(RuntimeError):
        with story_change(story, user=editor, check=lambda tester: None):
            photo_add(article=story, upload=jpeg(), user=editor, alt_text="图")
            raise RuntimeError("the rest of the save failed")
    assert not story.photos.exists()
    assert [p for p in media.rglob("*") if p.is_file()] == []


def test_a_proposed_union_says_so_wherever_the_desk_picks_one():
    proposal = factories.make_union("北京建工一建工会", reviewed=False)
    assert str(proposal) == "北京建工一建工会（待审核）"
    assert str(Union.objects.get(name="海淀区总工会")) == "海淀区总工会"


def test_publishing_an_unreviewed_photo_story_says_all_the_desk_must_do(editor):
    """The edition's publish screen lists each story's reason: a draft photo story waits for
    its review and its photo, and the desk is told both at once."""
    from articles.workflow import tester_for

    story = factories.make_article(kind=Article.Kind.PHOTO, status=Article.Status.DRAFT)
    why = tester_for(editor, story).step_refusal("schedule")
    assert why.startswith("稿件当前为“草稿”，须先通过审核才能发布；另外，这篇稿件待配图")
