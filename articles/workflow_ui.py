"""The workflow moves as the desk's screens offer them: a label for each button, what the move
needs (a comment, a time), and which moves a user may take on a story now.

The services in ``articles/services.py`` decide: their ``STEPS`` table is the one place the
rules (permission, ownership, starting states, the sign-off requirement) are written, and
:func:`available_transitions` asks ``step_refusal`` which buttons to show. Nothing here
changes a story except :meth:`Move.run`, which calls the service.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from .models import Article
from .services import (
    STEPS,
    article_approve,
    article_publish,
    article_reopen,
    article_return,
    article_signoff,
    article_submit,
    article_unschedule,
    article_withdraw,
    step_refusal,
)

Status = Article.Status


@dataclass(frozen=True)
class Move:
    """One workflow step as a button: ``label`` on the button, ``target`` the state after."""

    name: str
    label: str
    #: The verb in messages: 已{verb} 3 篇稿件, “…”未能{verb}.
    verb: str
    service: Callable
    takes_comment: bool = True
    needs_comment: bool = False
    needs_time: bool = False
    #: Shown as a warning colour: the step takes a story back or off the site.
    backwards: bool = False

    @property
    def target(self) -> str:
        """The state the step leads to."""
        return STEPS[self.name].to

    def run(self, *, article: Article, user, comment: str = "", at: datetime | None = None):
        """Take the step through its service; raises ``TransitionNotAllowed``."""
        kwargs = {"article": article, "user": user}
        if self.takes_comment:
            kwargs["comment"] = comment
        if self.name == "schedule":
            kwargs["at"] = at
        return self.service(**kwargs)


MOVES: dict[str, Move] = {
    move.name: move
    for move in [
        Move(
            "submit",
            "提交审核",
            "提交审核",
            article_submit,
            takes_comment=False,
        ),
        Move(
            "approve",
            "通过",
            "通过",
            article_approve,
        ),
        Move(
            "return",
            "退回修改",
            "退回修改",
            article_return,
            needs_comment=True,
            backwards=True,
        ),
        Move(
            "signoff",
            "签发",
            "签发",
            article_signoff,
        ),
        Move(
            "publish",
            "立即发布",
            "发布",
            article_publish,
            takes_comment=False,
        ),
        Move(
            "schedule",
            "定时发布",
            "定时发布",
            article_publish,
            takes_comment=False,
            needs_time=True,
        ),
        Move(
            "unschedule",
            "取消定时",
            "取消定时发布",
            article_unschedule,
            backwards=True,
        ),
        Move(
            "withdraw",
            "撤回",
            "撤回",
            article_withdraw,
            backwards=True,
        ),
        Move(
            "reopen",
            "重新打开",
            "重新打开",
            article_reopen,
        ),
    ]
}


def available_transitions(article: Article, user, *, visible: bool | None = None) -> list[str]:
    """The names of the moves (keys of :data:`MOVES`, in button order) ``user`` may take on
    ``article`` in its current state, by the services' rules.

    ``visible`` says whether the user may open the story (``Article.objects.visible_to``);
    pass it when the caller already knows, otherwise it is looked up (one query, and only for
    a user who is not an editor and only when a move depends on it).
    """
    return [
        name
        for name in MOVES
        if step_refusal(name, article=article, user=user, visible=visible) is None
    ]


def local_datetime_label(moment: datetime | None) -> str:
    """``2023年7月15日 08:00`` in the paper's time zone (Asia/Shanghai); ``""`` for None."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
