"""The workflow services: who may move a story from which state, and what each move records."""

from datetime import timedelta

import pytest
import reversion
from django.utils import timezone
from reversion.models import Version

from articles import roles
from articles.models import Article, Correction, Transition
from articles.services import (
    EditConflict,
    TransitionNotAllowed,
    article_add_correction,
    article_add_note,
    article_approve,
    article_edit,
    article_publish,
    article_reopen,
    article_return,
    article_signoff,
    article_submit,
    article_unschedule,
    article_withdraw,
)

from . import factories

pytestmark = pytest.mark.django_db
S = Article.Status

LIVE, SCHEDULED = "published-live", "published-scheduled"
STATES = [S.DRAFT, S.SUBMITTED, S.RETURNED, S.APPROVED, S.SIGNED_OFF, LIVE, SCHEDULED, S.WITHDRAWN]


def later():
    return timezone.now() + timedelta(hours=2)


TRANSITIONS = {
    "submit": lambda a, u: article_submit(article=a, user=u),
    "approve": lambda a, u: article_approve(article=a, user=u),
    "return": lambda a, u: article_return(article=a, user=u, comment="请补充数据"),
    "signoff": lambda a, u: article_signoff(article=a, user=u),
    "publish": lambda a, u: article_publish(article=a, user=u),
    "schedule": lambda a, u: article_publish(article=a, user=u, at=later()),
    "unschedule": lambda a, u: article_unschedule(article=a, user=u),
    "withdraw": lambda a, u: article_withdraw(article=a, user=u),
    "reopen": lambda a, u: article_reopen(article=a, user=u),
}

#: Which moves each state allows (without the sign-off requirement), and the state after.
ALLOWED = {
    ("submit", S.DRAFT): S.SUBMITTED,
    ("submit", S.RETURNED): S.SUBMITTED,
    ("approve", S.DRAFT): S.APPROVED,
    ("approve", S.SUBMITTED): S.APPROVED,
    ("return", S.SUBMITTED): S.RETURNED,
    ("return", S.APPROVED): S.RETURNED,
    ("return", S.SIGNED_OFF): S.RETURNED,
    ("signoff", S.APPROVED): S.SIGNED_OFF,
    ("publish", S.APPROVED): S.PUBLISHED,
    ("publish", S.SIGNED_OFF): S.PUBLISHED,
    ("schedule", S.APPROVED): S.PUBLISHED,
    ("schedule", S.SIGNED_OFF): S.PUBLISHED,
    ("unschedule", SCHEDULED): S.APPROVED,
    ("withdraw", LIVE): S.WITHDRAWN,
    ("withdraw", SCHEDULED): S.WITHDRAWN,
    ("reopen", S.WITHDRAWN): S.DRAFT,
}

#: Which roles may make each move (reporters only on their own stories).
MAY = {
    "submit": {roles.REPORTER, roles.CORRESPONDENT, roles.EDITOR, roles.CHIEF_EDITOR},
    "approve": {roles.EDITOR, roles.CHIEF_EDITOR},
    "return": {roles.EDITOR, roles.CHIEF_EDITOR},
    "signoff": {roles.CHIEF_EDITOR},
    "publish": {roles.EDITOR, roles.CHIEF_EDITOR},
    "schedule": {roles.EDITOR, roles.CHIEF_EDITOR},
    "unschedule": {roles.EDITOR, roles.CHIEF_EDITOR},
    "withdraw": {roles.EDITOR, roles.CHIEF_EDITOR},
    "reopen": {roles.EDITOR, roles.CHIEF_EDITOR},
}


def story_in(state, *, user=None) -> Article:
    """A story of ``user``'s (bylined to their Reporter) in ``state``."""
    status = S.PUBLISHED if state in (LIVE, SCHEDULED) else state
    publish_at = {LIVE: timezone.now() - timedelta(hours=1), SCHEDULED: later()}.get(state)
    article = factories.make_article(status=status, publish_at=publish_at)
    if user is not None:
        reporter = factories.make_reporter(user=user)
        article.bylines.create(reporter=reporter, title="记者", contribution="text")
    return article


@pytest.mark.parametrize(
    "role", [roles.REPORTER, roles.CORRESPONDENT, roles.EDITOR, roles.CHIEF_EDITOR]
)
@pytest.mark.parametrize("move", sorted(TRANSITIONS))
@pytest.mark.parametrize("state", STATES)
def test_permission_matrix(role, move, state):
    user = factories.make_user(groups=[role], is_staff=True)
    article = story_in(state, user=user)
    expected = ALLOWED.get((move, state)) if role in MAY[move] else None
    before = (article.status, article.version, Transition.objects.count())
    if expected is None:
        with pytest.raises(TransitionNotAllowed):
            TRANSITIONS[move](article, user)
        article.refresh_from_db()
        assert (article.status, article.version, Transition.objects.count()) == before
    else:
        TRANSITIONS[move](article, user)
        article.refresh_from_db()
        assert article.status == expected
        assert article.version == before[1] + 1
        step = Transition.objects.latest("pk")
        assert (step.user, step.from_status, step.to_status) == (
            user,
            S.PUBLISHED if state in (LIVE, SCHEDULED) else state,
            expected,
        )


def test_a_reporter_cannot_submit_someone_elses_story():
    owner = factories.make_user(groups=[roles.REPORTER])
    other = factories.make_user(groups=[roles.REPORTER])
    article = story_in(S.DRAFT, user=owner)
    with pytest.raises(TransitionNotAllowed, match="自己署名"):
        article_submit(article=article, user=other)


def test_returning_needs_a_comment_the_reporter_can_read():
    editor = factories.make_user(groups=[roles.EDITOR])
    article = story_in(S.SUBMITTED)
    with pytest.raises(TransitionNotAllowed, match="修改意见"):
        article_return(article=article, user=editor, comment="  ")
    article_return(article=article, user=editor, comment="导语太长，请压缩。")
    assert article.transitions.latest("pk").comment == "导语太长，请压缩。"


def test_signoff_required_blocks_publishing_an_unsigned_story(settings):
    settings.UNIONNEWS_REQUIRE_SIGNOFF = True
    editor = factories.make_user(groups=[roles.EDITOR])
    chief = factories.make_user(groups=[roles.CHIEF_EDITOR])
    article = story_in(S.APPROVED)
    with pytest.raises(TransitionNotAllowed, match="总编签发"):
        article_publish(article=article, user=editor)
    article_signoff(article=article, user=chief)
    article_publish(article=article, user=editor)
    assert article.is_public


def test_scheduling_needs_an_aware_time_and_unschedule_only_before_going_live():
    editor = factories.make_user(groups=[roles.EDITOR])
    article = story_in(S.APPROVED)
    with pytest.raises(TransitionNotAllowed, match="时区"):
        article_publish(article=article, user=editor, at=later().replace(tzinfo=None))
    article_publish(article=article, user=editor, at=later())
    assert article.status == S.PUBLISHED and not article.is_public
    assert list(Article.objects.scheduled()) == [article]
    article_unschedule(article=article, user=editor)
    assert (article.status, article.publish_at) == (S.APPROVED, None)
    live = story_in(LIVE)
    with pytest.raises(TransitionNotAllowed, match="撤回"):
        article_unschedule(article=live, user=editor)


def test_every_move_keeps_a_revision():
    editor = factories.make_user(groups=[roles.EDITOR])
    article = story_in(S.SUBMITTED)
    article_approve(article=article, user=editor, comment="好稿")
    article_publish(article=article, user=editor)
    versions = Version.objects.get_for_object(article)
    assert versions.count() == 2
    assert versions.first().revision.get_comment() == "已通过 → 已发布"
    assert versions.first().revision.user == editor


# -- editing ---------------------------------------------------------------------------------


def test_an_edit_from_a_stale_copy_is_refused_and_loses_nothing():
    editor = factories.make_user(groups=[roles.EDITOR])
    article = story_in(S.DRAFT)
    article_edit(article=article, user=editor, values={"kicker": "引题"}, base_version=1)
    article_edit(
        article=article, user=editor, values={"headline": "第一位编辑的标题"}, base_version=2
    )
    with pytest.raises(EditConflict) as conflict:
        article_edit(
            article=article, user=editor, values={"headline": "第二位编辑的标题"}, base_version=2
        )
    assert conflict.value.current.headline == "第一位编辑的标题"
    assert [f.name for f in conflict.value.merge.both] == ["headline"]
    article.refresh_from_db()
    assert (article.headline, article.version) == ("第一位编辑的标题", 3)


def test_a_move_makes_open_edit_forms_stale():
    editor = factories.make_user(groups=[roles.EDITOR])
    article = story_in(S.SUBMITTED)
    opened_at = article.version
    article_approve(article=Article.objects.get(pk=article.pk), user=editor)
    with pytest.raises(EditConflict):
        article_edit(
            article=article,
            user=editor,
            values={"headline": "审稿后才保存的修改"},
            base_version=opened_at,
        )


def test_an_edit_writes_only_content_never_status_or_publish_time():
    reporter = factories.make_user(groups=[roles.REPORTER])
    article = story_in(S.DRAFT, user=reporter)
    with pytest.raises(ValueError):
        article_edit(article=article, user=reporter, values={"status": S.PUBLISHED}, base_version=1)
    article.refresh_from_db()
    assert (article.status, article.publish_at) == (S.DRAFT, None)


@pytest.mark.parametrize("state", [S.SUBMITTED, S.APPROVED, LIVE])
def test_a_reporter_cannot_edit_once_the_story_left_their_hands(state):
    reporter = factories.make_user(groups=[roles.REPORTER])
    article = story_in(state, user=reporter)
    with pytest.raises(TransitionNotAllowed):
        article_edit(
            article=article,
            user=reporter,
            values={"headline": "偷偷改标题"},
            base_version=article.version,
        )
    assert Article.objects.get(pk=article.pk).headline != "偷偷改标题"


def test_visibility_on_the_desk():
    reporter = factories.make_user(groups=[roles.REPORTER])
    editor = factories.make_user(groups=[roles.EDITOR])
    own, other = story_in(S.DRAFT, user=reporter), story_in(S.DRAFT)
    assert list(Article.objects.visible_to(reporter)) == [own]
    assert set(Article.objects.visible_to(editor)) == {own, other}
    own.status = S.SUBMITTED
    own.save()
    assert not Article.objects.editable_by(reporter).exists()


# -- notes and corrections -------------------------------------------------------------------


def test_notes_are_for_those_who_can_open_the_story():
    reporter = factories.make_user(groups=[roles.REPORTER])
    stranger = factories.make_user(groups=[roles.REPORTER])
    article = story_in(S.DRAFT, user=reporter)
    note = article_add_note(article=article, user=reporter, text="采访录音在共享盘。")
    assert note.author == reporter and article.notes.get() == note
    with pytest.raises(TransitionNotAllowed):
        article_add_note(article=article, user=stranger, text="看看")


def test_corrections_only_on_live_stories_by_editors():
    editor = factories.make_user(groups=[roles.EDITOR])
    reporter = factories.make_user(groups=[roles.REPORTER])
    live, draft = story_in(LIVE), story_in(S.DRAFT)
    correction = article_add_correction(
        article=live, user=editor, text="本文第二段“15名”应为“16名”。"
    )
    assert isinstance(correction, Correction) and correction.created_by == editor
    for article, user in ((draft, editor), (live, reporter)):
        with pytest.raises(TransitionNotAllowed):
            article_add_correction(article=article, user=user, text="更正")


def test_import_keeps_a_first_revision(published_seed_pages):
    story = published_seed_pages[0]
    comments = [v.revision.get_comment() for v in Version.objects.get_for_object(story)]
    assert comments[-1].startswith("导入版面 ")
    assert reversion.is_registered(Article)
