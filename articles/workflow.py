"""The desk's workflow in one module (DESIGN.md, "Editorial workflow"): the steps a story takes,
who may do what with a story, and the desk's queues.

- :data:`STEPS` is the one table of steps. Each :class:`Step` carries who may take it (a
  permission, and whether reporters may take it on their own stories), the states it starts
  from, what it needs (a comment, a publish time, the photo check), and its button label and
  verb. The services take steps through it (``articles/services/transitions.py``); the admin
  builds its buttons and confirmation pages from it.
- :class:`DeskTester` answers for a user ("is an editor", "may import pages");
  :class:`StoryTester` for a user and one story ("may edit it now", "may publish it",
  "why not"), like Wagtail's ``PagePermissionTester``. Services, admin classes, templates and
  desk views all ask these two; no other module reads a permission of this app.
- :func:`queues_for` is the desk's queues (待审, 待签发, 定时发布, 退回给我), and
  :func:`todo_for` what waits for the user (待我处理): the index box, the list filter and the
  review queue all read them.

The state machine::

  draft ──submit──▶ submitted ──approve──▶ approved ──sign off──▶ signed_off
    ▲                  │  ▲                   │                        │
    └──(fix)── returned ◀──return─────────────┴────────────────────────┘
  approved / signed_off ──publish (now or at a time)──▶ published ──withdraw──▶ withdrawn
  published, not yet live ──unschedule──▶ approved;   withdrawn ──reopen──▶ draft

With ``UNIONNEWS_REQUIRE_SIGNOFF``, only a signed-off story can be published.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.db.models import Q

from unionnews.actors import may

from .models import REPORTER_EDITABLE, Article, ArticleStatus

Status = ArticleStatus


def signoff_required() -> bool:
    """Whether the desk requires the chief editor's sign-off (签发) before publication."""
    return bool(getattr(settings, "UNIONNEWS_REQUIRE_SIGNOFF", False))


def _publishable() -> tuple[str, ...]:
    return (Status.SIGNED_OFF,) if signoff_required() else (Status.APPROVED, Status.SIGNED_OFF)


#: Whether a step asks for a comment: not at all, optionally, or always (a return).
NO_COMMENT, OPTIONAL_COMMENT, REQUIRED_COMMENT = "none", "optional", "required"
#: What a step does with the publish time: sets it to now, to a time the user gives, clears
#: it, or leaves it.
TIME_NOW, TIME_GIVEN, TIME_CLEARED, TIME_KEPT = "now", "given", "cleared", "kept"


@dataclass(frozen=True)
class Step:
    """One workflow step: its rule and its button.

    ``to`` is the state after; ``permission`` the codename (app ``articles``) the user needs;
    ``starts`` the states it starts from (a function: publishing depends on the desk
    setting); ``own_story``: reporters may take it on their own stories only; ``before_live``:
    only while a published story is not live yet. ``comment`` and ``publish_time`` say what
    the step needs and does; ``photo_check``: the story must not wait for a photo (待配图).
    ``waits`` explains, per state, why the step is not open yet (the sign-off rule).
    ``review_level`` is the review level (三审) the step signs on the sign-off sheet:
    approval is 初审; the chief editor's sign-off is 终审, and where the desk does not require
    it, publication is.
    """

    name: str
    label: str
    #: The verb in messages: 已{verb} 3 篇稿件, “…”未能{verb}.
    verb: str
    to: str
    permission: str
    starts: Callable[[], tuple[str, ...]]
    own_story: bool = False
    before_live: bool = False
    comment: str = OPTIONAL_COMMENT
    publish_time: str = TIME_KEPT
    photo_check: bool = False
    #: Shown in a warning colour: the step takes a story back or off the site.
    backwards: bool = False
    review_level: str = ""
    waits: dict[str, str] = field(default_factory=dict)
    #: Goes back to the state the story was in before it reached its current one, when
    #: that is a state the step may lead to (unscheduling a signed-off story keeps the
    #: chief editor's sign-off): see :func:`step_target`.
    back_to: tuple[str, ...] = ()

    @property
    def takes_comment(self) -> bool:
        return self.comment != NO_COMMENT

    @property
    def needs_comment(self) -> bool:
        return self.comment == REQUIRED_COMMENT

    @property
    def needs_time(self) -> bool:
        return self.publish_time == TIME_GIVEN

    @property
    def target_label(self) -> str:
        label = Status(self.to).label
        return label + "（定时，到时上线）" if self.needs_time else label


_SIGNOFF_FIRST = {Status.APPROVED: "本报要求总编签发后才能发布，这篇稿件还没有签发。"}

#: Every workflow step, in the order the buttons show. The one place the desk's rules are
#: written.
STEPS: dict[str, Step] = {
    step.name: step
    for step in [
        Step(
            "submit",
            "提交审核",
            "提交审核",
            Status.SUBMITTED,
            "change_article",
            lambda: (Status.DRAFT, Status.RETURNED),
            own_story=True,
            comment=NO_COMMENT,
        ),
        Step(
            "approve",
            "通过",
            "通过",
            Status.APPROVED,
            "approve_article",
            lambda: (Status.SUBMITTED, Status.DRAFT),
            review_level="初审",
        ),
        Step(
            "return",
            "退回修改",
            "退回修改",
            Status.RETURNED,
            "approve_article",
            lambda: (Status.SUBMITTED, Status.APPROVED, Status.SIGNED_OFF),
            comment=REQUIRED_COMMENT,
            backwards=True,
        ),
        Step(
            "signoff",
            "签发",
            "签发",
            Status.SIGNED_OFF,
            "signoff_article",
            lambda: (Status.APPROVED,),
            review_level="终审",
        ),
        Step(
            "publish",
            "立即发布",
            "发布",
            Status.PUBLISHED,
            "publish_article",
            _publishable,
            comment=NO_COMMENT,
            publish_time=TIME_NOW,
            photo_check=True,
            review_level="终审",
            waits=_SIGNOFF_FIRST,
        ),
        Step(
            "schedule",
            "定时发布",
            "定时发布",
            Status.PUBLISHED,
            "publish_article",
            _publishable,
            comment=NO_COMMENT,
            publish_time=TIME_GIVEN,
            photo_check=True,
            review_level="终审",
            waits=_SIGNOFF_FIRST,
        ),
        Step(
            "unschedule",
            "取消定时",
            "取消定时发布",
            Status.APPROVED,
            "publish_article",
            lambda: (Status.PUBLISHED,),
            before_live=True,
            publish_time=TIME_CLEARED,
            backwards=True,
            back_to=(Status.APPROVED, Status.SIGNED_OFF),
        ),
        Step(
            "withdraw",
            "撤回",
            "撤回",
            Status.WITHDRAWN,
            "publish_article",
            lambda: (Status.PUBLISHED,),
            backwards=True,
        ),
        Step(
            "reopen",
            "重新打开",
            "重新打开",
            Status.DRAFT,
            "approve_article",
            lambda: (Status.WITHDRAWN,),
            publish_time=TIME_CLEARED,
        ),
    ]
}


def _perm(codename: str) -> str:
    return f"{Article._meta.app_label}.{codename}"


class DeskTester:
    """What ``user`` may do on the desk as a whole, whatever the story (DESIGN.md, "Who uses
    it"): editors (编辑) and the chief editor (总编) see and edit every story; reporters and
    correspondents (记者, 通讯员) file their own. Rules check permissions, never group names
    (``articles/roles.py`` grants them)."""

    def __init__(self, user):
        self.user = user

    def _may(self, codename: str) -> bool:
        return may(self.user, _perm(codename))

    @cached_property
    def is_editor(self) -> bool:
        """Reviews stories: sees and edits every story, keeps the review queue."""
        return self._may("approve_article")

    @cached_property
    def can_publish(self) -> bool:
        """Publishes, schedules and withdraws; decides the home page and the photo waiver."""
        return self._may("publish_article")

    @cached_property
    def can_sign_off(self) -> bool:
        return self._may("signoff_article")

    @property
    def can_set_desk_flags(self) -> bool:
        """Decides 推荐 (the home page) and 无需配图: whether and how a story runs."""
        return self.can_publish

    @property
    def can_manage_loose_photos(self) -> bool:
        """Changes photos that belong to no story."""
        return self.is_editor

    @cached_property
    def can_import(self) -> bool:
        """Imports printed pages (导入版面)."""
        return self._may("import_pages")

    @cached_property
    def can_file(self) -> bool:
        """Files new stories."""
        return self._may("add_article")

    @cached_property
    def can_open_desk(self) -> bool:
        """Has any business on the desk's story screens."""
        return self._may("view_article") or self._may("change_article")

    @property
    def sees_every_story(self) -> bool:
        return self.is_editor

    @property
    def can_view_statistics(self) -> bool:
        """The contribution statistics (稿件统计) and fees are the editors'."""
        return self.is_editor

    @cached_property
    def can_delete_stories(self) -> bool:
        """Deletes stories, and so may bring a deleted one back (恢复已删除)."""
        return self._may("delete_article")

    @cached_property
    def can_delete_editions(self) -> bool:
        """Deletes a whole edition of the paper with its stories (删除本期): publishers who
        may also delete stories (the edition may be on the site)."""
        return self.can_publish and self.can_delete_stories

    @cached_property
    def can_view_audit_log(self) -> bool:
        return may(self.user, "unionnews.view_auditentry")

    def can_manage(self, model, action: str) -> bool:
        """Model-level ``action`` (add, change, delete, view) on one of this app's desk
        models other than stories (columns, reporters, import records)."""
        return self._may(f"{action}_{model._meta.model_name}")


class StoryTester:
    """What ``user`` may do with one story now (Wagtail's ``PagePermissionTester`` is the
    model). ``own`` (whether the story is the user's: a byline of theirs, or filed by them)
    may be passed by a caller that already knows, else it is looked up once, and only for a
    user who is not an editor."""

    def __init__(self, user, article: Article, *, own: bool | None = None):
        self.user = user
        self.article = article
        self.desk = DeskTester(user)
        if own is not None:
            self.__dict__["own"] = own

    @cached_property
    def own(self) -> bool:
        if self.article.pk is None or self.user is None or not self.user.is_authenticated:
            return False
        return Article.objects.own_by(self.user).filter(pk=self.article.pk).exists()

    # -- seeing and changing the story -------------------------------------------------------

    def can_view(self) -> bool:
        """Opens the story on the desk: editors any, others their own."""
        return self.desk.can_open_desk and (self.desk.sees_every_story or self.own)

    def can_edit(self) -> bool:
        """Changes its text, classification, credits and photos: editors any story;
        reporters and correspondents their own while it is a draft or returned to them."""
        if not self.desk._may("change_article"):
            return False
        if self.desk.is_editor:
            return True
        return self.own and self.article.status in REPORTER_EDITABLE

    def edit_refusal(self) -> str | None:
        """Why the user may not change the story now, or ``None``."""
        if self.can_edit():
            return None
        if self.can_view():
            return (
                f"稿件当前状态为“{self.article.get_status_display()}”，你不能再修改它"
                "（已提交的稿件由编辑处理；如需修改，请联系编辑退回）。"
            )
        return "你不能修改这篇稿件。"

    def can_restore(self) -> bool:
        """Restores an old revision: whoever may edit the story."""
        return self.can_edit()

    def can_delete(self) -> bool:
        """Deletes the whole story: editors with the delete permission."""
        return self.desk.can_delete_stories and self.can_view()

    def can_set_desk_flags(self) -> bool:
        """Sets 推荐 (home page) and 无需配图 on this story: the desk's call, on a story the user
        may change."""
        return self.desk.can_set_desk_flags and self.can_edit()

    def can_waive_photo(self) -> bool:
        """Lets a story flagged 待配图 go out without a photo (无需配图), from its form or the
        waiver: the same flag, the same rule."""
        return self.can_set_desk_flags()

    # -- notes and corrections ---------------------------------------------------------------

    def can_add_note(self) -> bool:
        """Writes an internal note (内部备注): whoever may open the story."""
        return self.can_view() and self.desk._may("add_editorialnote")

    def can_delete_note(self) -> bool:
        return self.desk.is_editor and self.desk._may("delete_editorialnote")

    def can_delete_correction(self) -> bool:
        return self.desk.can_publish and self.desk._may("delete_correction")

    def can_correct(self) -> bool:
        """Appends a public correction (更正): editors who publish, on a live story."""
        return self.correction_refusal() is None

    def correction_refusal(self) -> str | None:
        if not (self.desk.can_publish and self.desk._may("add_correction")):
            return "只有编辑可以发布更正。"
        if not self.article.is_public:
            return "只能给已上线的稿件发布更正；未上线的稿件请直接修改。"
        return None

    # -- workflow steps ----------------------------------------------------------------------

    def step_refusal(self, name: str) -> str | None:
        """Why the user may not take step ``name`` on the story as it is now, or ``None``.

        Checks the step's permission, the reporter's own story, the starting state, the
        sign-off rule, the not-yet-live rule and, for publication, the photo (待配图, alt
        text).
        """
        step = STEPS[name]
        target = Status(step.to).label
        if not self.desk._may(step.permission):
            return f"你没有权限把稿件改为“{target}”。"
        if step.own_story and not self.desk.is_editor and not self.own:
            return "只能提交自己署名的稿件。"
        if self.article.status not in step.starts():
            waiting = step.waits.get(self.article.status)
            if waiting and signoff_required():
                return waiting
            if step.photo_check and self.article.status in _BEFORE_REVIEW:
                # What the desk must do, all of it at once (the publish screen of an edition
                # lists it story by story), rather than the workflow's rule.
                photo = photo_refusal(self.article)
                return f"稿件当前为“{self.article.get_status_display()}”，须先通过审核才能发布" + (
                    f"；另外，{photo}" if photo else "。"
                )
            return f"稿件当前状态为“{self.article.get_status_display()}”，不能改为“{target}”。"
        if step.before_live and self.article.is_public:
            return "稿件已经上线，请用“撤回”。"
        if step.photo_check:
            return photo_refusal(self.article)
        return None

    def can_take(self, name: str) -> bool:
        return self.step_refusal(name) is None

    def steps(self) -> list[Step]:
        """The steps the user may take now, in button order."""
        return [step for name, step in STEPS.items() if self.step_refusal(name) is None]

    def publication_hold(self) -> str | None:
        """Why an approved story has no publish button for a publisher: its photo."""
        if self.article.status in _publishable() and self.desk.can_publish:
            return photo_refusal(self.article)
        return None


#: States of a story not yet reviewed: publishing it waits for the review first.
_BEFORE_REVIEW = (Status.DRAFT, Status.SUBMITTED, Status.RETURNED)


def step_target(step: Step, article: Article) -> str:
    """The state ``step`` leads ``article`` to: its ``to``, or for a step with ``back_to``
    the state the story came from when it is one of those."""
    if step.back_to:
        came = (
            article.transitions.filter(to_status=article.status)
            .order_by("-created_at", "-pk")
            .values_list("from_status", flat=True)
            .first()
        )
        if came in step.back_to:
            return came
    return step.to


def photo_refusal(article: Article) -> str | None:
    """Why ``article`` cannot go out for its photos, or ``None`` (issue 5, "Missing photos").

    A story flagged 待配图 (``Article.objects.photo_missing()``: a photo story or a photo
    credit without a photo, not waived) waits for its photo; every attached photo needs its
    alt text, so that readers who cannot see it are told what it shows.
    """
    if Article.objects.photo_missing().filter(pk=article.pk).exists():
        return (
            "这篇稿件待配图：图片新闻和署有摄影的稿件须先上传图片才能发布；"
            "确实不配图时，请编辑勾选“无需配图”。"
        )
    without_alt = article.photos.filter(alt_text="").count()
    if without_alt:
        return f"有 {without_alt} 张图片还没有填写替代文字（描述画面内容），发布前必须填写。"
    return None


# -- the desk's queues ----------------------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    """One of the desk's queues: ``key`` (the list filter's ``?desk=`` value), its label,
    the condition on stories, and whether it is work waiting for this user (待我处理)."""

    key: str
    label: str
    condition: Q
    todo: bool = False


def queues_for(user) -> list[Queue]:
    """The queues ``user`` can act on, in the order the desk shows them:

    - 待审: submitted stories, for editors (the review queue);
    - 待签发: approved stories, for the chief editor when the desk requires sign-off;
    - 定时发布（未上线）: scheduled stories, for those who publish;
    - 退回给我: a reporter's own stories returned to them.
    """
    desk = DeskTester(user)
    queues = []
    if desk.is_editor:
        queues.append(Queue("review", "待审", Q(status=Status.SUBMITTED), todo=True))
    if signoff_required() and desk.can_sign_off:
        queues.append(Queue("signoff", "待签发", Q(status=Status.APPROVED), todo=True))
    if desk.can_publish:
        scheduled = Article.objects.scheduled().order_by().values("pk")
        queues.append(Queue("scheduled", "定时发布（未上线）", Q(pk__in=scheduled)))
    if desk.can_open_desk and not desk.is_editor:
        own = Article.objects.own_by(user).values("pk")
        queues.append(
            Queue("returned", "退回给我", Q(status=Status.RETURNED, pk__in=own), todo=True)
        )
    return queues


def todo_for(user) -> Q:
    """What waits for ``user`` (待我处理): every queue of theirs marked ``todo``; no story for
    a user with none."""
    condition = Q(pk__in=[])
    for queue in queues_for(user):
        if queue.todo:
            condition |= queue.condition
    return condition


# -- the review levels (三审) ------------------------------------------------------------------

#: The three review levels of the paper (三审制), in order.
REVIEW_LEVELS = ("初审", "复审", "终审")


@dataclass(frozen=True)
class ReviewSignature:
    """One review level on the sign-off sheet: who signed it in the system and when, or
    nobody (``transition`` is ``None``: signed on paper, or not yet)."""

    level: str
    transition: object = None


def review_signatures(transitions) -> list[ReviewSignature]:
    """The story's review levels from its review steps (``Transition`` rows, oldest first):
    for each level the latest step that signs it (:attr:`Step.review_level`). 复审 has no step
    on this desk: the sheet leaves it to a signature on paper. Where the desk does not
    require the chief editor's sign-off, publication signs 终审."""
    signing = {}
    for name, step in STEPS.items():
        if not step.review_level:
            continue
        if step.to == Status.PUBLISHED and signoff_required():
            continue
        signing[name] = step.review_level
    latest: dict[str, object] = {}
    for transition in transitions:
        level = signing.get(transition.step)
        if level:
            latest[level] = transition
    return [ReviewSignature(level, latest.get(level)) for level in REVIEW_LEVELS]


def tester_for(user, article: Article) -> StoryTester:
    """The :class:`StoryTester` of ``user`` and ``article``, made once per article instance:
    an admin page asks it many times (each inline, each button) about one story."""
    testers = article.__dict__.setdefault("_story_testers", {})
    key = (type(user).__name__, getattr(user, "pk", None))
    if key not in testers:
        testers[key] = StoryTester(user, article)
    return testers[key]
