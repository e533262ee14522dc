"""The workflow on the desk: a step's confirmation page, the bulk steps of the story list, an
internal note from a read-only story, and what goes live when (定时发布). Every step is taken
by ``services.take_step``; the buttons and pages are built from ``workflow.STEPS``."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from unionnews.actors import person_name
from unionnews.dates import datetime_label
from unionnews.quotes import quoted

from ...content import credits_summary
from ...models import Article, Transition
from ...services import NotAllowed, article_add_note, take_step
from ...workflow import STEPS, Step, tester_for
from ..forms import NoteForm, StepForm
from .base import DeskView, StoryView, change_url


def done_message(article: Article, step: Step) -> str:
    message = f"{quoted(article.headline)}已{step.verb}，当前状态：{article.get_status_display()}。"
    if step.needs_time:
        message += f"将于 {datetime_label(article.publish_at)} 自动上线。"
    return message


def default_schedule_time():
    """Tomorrow 08:00 in the paper's time zone: when the morning paper's stories go up."""
    tomorrow = timezone.localtime() + timedelta(days=1)
    return tomorrow.replace(hour=8, minute=0, second=0, microsecond=0)


class StepView(StoryView):
    """The confirmation page of one workflow step (GET), and the step itself (POST).

    GET shows the title block, the state now and after, a comment box (required to return a
    story) and, to schedule, the publish time; a step the user may not take now sends them
    back to the story with the reason. POST takes the step through the service; success or
    refusal, the user goes back with a message saying so.
    """

    template = "transition_confirm.html"

    @property
    def step(self) -> Step:
        step = STEPS.get(self.kwargs["step"])
        if step is None:
            raise Http404("没有这个审稿操作。")
        return step

    def get_title(self) -> str:
        return f"{self.step.label}：{self.story.headline}"

    def get(self, request, *args, **kwargs):
        refusal = self.tester.step_refusal(self.step.name)
        if refusal:
            messages.error(request, f"{quoted(self.story.headline)}不能{self.step.verb}：{refusal}")
            return redirect(self.back_url(change_url(self.story)))
        initial = {"publish_at": default_schedule_time()} if self.step.needs_time else {}
        return self.render_to_response(
            self.get_context_data(form=StepForm(step=self.step, initial=initial))
        )

    def post(self, request, *args, **kwargs):
        form = StepForm(request.POST, step=self.step)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            take_step(
                self.step.name,
                article=self.story,
                user=request.user,
                comment=form.cleaned_data.get("comment", ""),
                at=form.cleaned_data.get("publish_at"),
            )
        except NotAllowed as exc:
            messages.error(request, f"{quoted(self.story.headline)}未能{self.step.verb}：{exc}")
        else:
            messages.success(request, done_message(self.story, self.step))
        return redirect(self.back_url(change_url(self.story)))

    def get_context_data(self, **kwargs):
        story = self.story
        return super().get_context_data(
            move=self.step,
            target_label=self.step.target_label,
            scheduled_label=datetime_label(story.publish_at)
            if story.status == Article.Status.PUBLISHED
            else "",
            back_url=self.back_url(change_url(story)),
            next=self.request.GET.get("next", "")
            if self.request.method == "GET"
            else self.back_url(change_url(story)),
            **kwargs,
        )


def bulk_step(model_admin, request, queryset, name: str):
    """A bulk action with a confirmation page: the first POST (from the list) shows the
    selected stories and whether each can take the step; the confirming POST (``apply``)
    takes it story by story and reports a count and one warning per refusal."""
    step = STEPS[name]
    stories = list(queryset)
    if "apply" in request.POST:
        done = 0
        for article in stories:
            try:
                take_step(name, article=article, user=request.user)
            except NotAllowed as exc:
                messages.warning(request, f"{quoted(article.headline)}未能{step.verb}：{exc}")
            else:
                done += 1
        if done:
            messages.success(request, f"已{step.verb} {done} 篇稿件。")
        elif not stories:
            messages.warning(request, "没有选中稿件。")
        return None
    rows = [
        {
            "article": article,
            "credits": credits_summary(article.credits()),
            "ok": tester_for(request.user, article).can_take(name),
        }
        for article in stories
    ]
    opts = model_admin.opts
    return TemplateResponse(
        request,
        [f"admin/{opts.app_label}/{opts.model_name}/bulk_transition_confirm.html"],
        {
            **model_admin.admin_site.each_context(request),
            "opts": opts,
            "title": f"{step.label}：确认",
            "subtitle": None,
            "move": step,
            "rows": rows,
            "ready": sum(1 for row in rows if row["ok"]),
            "action_name": request.POST.get("action", ""),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        },
    )


class NoteView(StoryView):
    """Add an internal note (内部备注) to a story whose form is read-only for this user."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = NoteForm(request.POST)
        if not form.is_valid():
            messages.error(request, "备注不能为空。")
        else:
            try:
                article_add_note(
                    article=self.story, user=request.user, text=form.cleaned_data["text"]
                )
            except NotAllowed as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, "已添加内部备注。")
        return redirect(change_url(self.story))


class ScheduleView(DeskView):
    """What goes live when (定时发布): stories published with a time still to come, soonest
    first, with who scheduled them. A fixed number of queries however many are listed."""

    template = "schedule.html"
    title = "定时发布：什么时候上线什么"

    def check(self) -> None:
        if not self.desk.can_publish:
            raise PermissionDenied("只有编辑可以查看定时发布。")

    def get_context_data(self, **kwargs):
        publish_steps = Prefetch(
            "transitions",
            queryset=Transition.objects.filter(to_status=Article.Status.PUBLISHED)
            .select_related("user")
            .order_by("-created_at", "-pk"),
            to_attr="publish_steps",
        )
        stories = Article.objects.scheduled().with_listing().prefetch_related(publish_steps)
        here = reverse("admin:articles_article_schedule")
        rows = []
        for article in stories:
            step = article.publish_steps[0] if article.publish_steps else None
            rows.append(
                {
                    "article": article,
                    "at": datetime_label(article.publish_at),
                    "credits": credits_summary(article.credits()),
                    "by": person_name(step.user) if step else "",
                    "by_at": datetime_label(step.created_at) if step else "",
                    "change_url": change_url(article),
                    "unschedule_url": reverse(
                        "admin:articles_article_transition", args=[article.pk, "unschedule"]
                    )
                    + "?"
                    + urlencode({"next": here}),
                }
            )
        return super().get_context_data(rows=rows, now=datetime_label(timezone.now()), **kwargs)
