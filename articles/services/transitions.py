"""The workflow steps as services (DESIGN.md, "Editorial workflow"). Each takes one step of
:data:`articles.workflow.STEPS`: its rule is asked of the tester on the locked story, the
state (and the publish time, as the step says) changes, a :class:`~articles.models.Transition`
row records who, when, from, to and the comment, and the change keeps a revision and an audit
entry (``changes.story_change``). A refusal is :class:`NotAllowed`, with the reason.
"""

from datetime import datetime

from django.utils import timezone

from unionnews.actors import user_row
from unionnews.dates import datetime_label

from ..models import Article, ArticleStatus, Transition
from ..workflow import REQUIRED_COMMENT, STEPS, TIME_CLEARED, TIME_GIVEN, TIME_NOW, step_target
from .changes import story_change
from .errors import NotAllowed

Status = ArticleStatus


def take_step(name: str, *, article: Article, user, comment: str = "", at=None) -> Article:
    """Take the workflow step ``name`` on ``article`` as ``user``.

    ``comment`` goes into the review record (a return requires one); ``at`` is the publish
    time of 定时发布 (an aware datetime, in the future). Returns ``article``, refreshed. Raises
    :class:`NotAllowed` with the reason: not this user's step, not from this state, the
    story waits for its photo or its sign-off, a missing comment, a time in the past.
    """
    step = STEPS[name]
    comment = (comment or "").strip() if step.takes_comment else ""
    if step.comment == REQUIRED_COMMENT and not comment:
        raise NotAllowed("退回稿件时请写明修改意见。")
    if step.publish_time == TIME_GIVEN:
        at = _future_time(at)
        comment = f"定时发布：{datetime_label(at)}"
    with story_change(
        article, user=user, check=lambda tester: tester.step_refusal(name), always=True
    ) as change:
        story = change.article
        from_status = story.status
        to_status = step_target(step, story)
        story.status = to_status
        if step.publish_time == TIME_NOW:
            story.publish_at = timezone.now()
        elif step.publish_time == TIME_GIVEN:
            story.publish_at = at
        elif step.publish_time == TIME_CLEARED:
            story.publish_at = None
        story.save(update_fields=["status", "publish_at", "updated_at"])
        Transition.objects.create(
            article=story,
            step=name,
            user=user_row(user),
            from_status=from_status,
            to_status=to_status,
            comment=comment,
        )
        move = f"{Status(from_status).label} → {Status(to_status).label}"
        change.log(
            f"article.{name}",
            move + (f"：{comment}" if comment else ""),
            from_status=from_status,
            to_status=to_status,
        )
    article.refresh_from_db()
    return article


def _future_time(at) -> datetime:
    if at is None:
        raise NotAllowed("请填写定时发布的时间。")
    if timezone.is_naive(at):
        raise NotAllowed("定时发布的时间必须带时区。")
    now = timezone.now()
    if at <= now:
        raise NotAllowed(f"定时发布的时间必须晚于现在（{datetime_label(now)}）。")
    return at


def article_submit(*, article: Article, user) -> Article:
    """A reporter files their draft or returned story for review (→ submitted).

    Reporters may submit only stories they have a byline on or created; editors any story.
    """
    return take_step("submit", article=article, user=user)


def article_approve(*, article: Article, user, comment: str = "") -> Article:
    """An editor approves a story (submitted → approved; 初审). Imported print stories,
    already edited for print, may be approved straight from draft."""
    return take_step("approve", article=article, user=user, comment=comment)


def article_return(*, article: Article, user, comment: str) -> Article:
    """An editor sends a story back to its reporter with a comment (→ returned). The comment
    is required: it is what the reporter reads."""
    return take_step("return", article=article, user=user, comment=comment)


def article_signoff(*, article: Article, user, comment: str = "") -> Article:
    """The chief editor signs an approved story off for publication (签发, 终审; →
    signed_off)."""
    return take_step("signoff", article=article, user=user, comment=comment)


def article_publish(*, article: Article, user, at: datetime | None = None) -> Article:
    """Publish a story now, or schedule it for ``at`` (an aware datetime in the future).

    From approved or signed off; only from signed off when the desk requires sign-off. A
    scheduled story is public from ``at`` on every surface, with no job to run
    (``Article.objects.published()``). A time in the past is refused: backdating would put a
    story into the archive among older ones without anyone seeing it go out.
    """
    if at is None:
        return take_step("publish", article=article, user=user)
    return take_step("schedule", article=article, user=user, at=at)


def article_unschedule(*, article: Article, user, comment: str = "") -> Article:
    """Take a scheduled story off the schedule before it goes live: back to approved, or to
    signed off if the chief editor had signed it (the sign-off is kept)."""
    return take_step("unschedule", article=article, user=user, comment=comment or "取消定时发布")


def article_withdraw(*, article: Article, user, comment: str = "") -> Article:
    """Take a published story off the public site (published → withdrawn); its photos are no
    longer served to readers."""
    return take_step("withdraw", article=article, user=user, comment=comment)


def article_reopen(*, article: Article, user, comment: str = "") -> Article:
    """Bring a withdrawn story back to draft so that it can be fixed and go through review
    again (withdrawn → draft). The only way back from withdrawn."""
    return take_step("reopen", article=article, user=user, comment=comment)
