"""A publisher's screens about one edition: publishing it (发布本期) now or at a time such as
the next 00:00 (``editions.services.edition_publish``; the stories not ready are listed with
the reason), taking it off the schedule, and deleting it (删除本期)."""

from functools import cached_property

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone

from articles.admin.views.base import DeskView
from articles.models import Article
from articles.services import NotAllowed
from articles.workflow import tester_for
from unionnews.dates import datetime_label, next_midnight
from unionnews.quotes import quoted

from ..deletion import edition_delete, edition_deletion_plan
from ..models import Edition
from ..services import edition_publish, edition_unschedule


class PublishForm(forms.Form):
    when = forms.ChoiceField(
        label="上线时间",
        choices=[("at", "定时发布"), ("now", "立即发布")],
        initial="at",
        widget=forms.RadioSelect,
    )
    publish_at = forms.DateTimeField(
        label="定时",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="北京时间（Asia/Shanghai）。到时本期和其中已通过的稿件一起上线，无需再操作。",
    )

    def clean(self):
        data = super().clean()
        if data.get("when") == "at":
            moment = data.get("publish_at")
            if moment is None:
                raise ValidationError("请填写定时发布的时间。")
            if moment <= timezone.now():
                raise ValidationError(
                    f"定时发布的时间必须晚于现在（{datetime_label(timezone.now())}）。"
                )
        return data


class EditionView(DeskView):
    """A publisher's screen about one edition (``pk`` in the URL), read once a request."""

    def check(self) -> None:
        if not self.desk.can_publish:
            raise PermissionDenied("只有编辑可以发布期次。")

    @cached_property
    def edition(self) -> Edition:
        return get_object_or_404(Edition, pk=self.kwargs["pk"])


class EditionPublishView(EditionView):
    template = "publish.html"

    def get_title(self) -> str:
        return f"发布 {self.edition}"

    def rows(self, edition):
        stories = Article.objects.filter(placement__page__edition=edition).order_by(
            "placement__page__number", "placement__position"
        )
        rows = []
        for story in stories.select_related("placement__page"):
            if story.status == Article.Status.PUBLISHED:
                state = (
                    "已上线" if story.is_public else f"已定时：{datetime_label(story.publish_at)}"
                )
            else:
                refusal = tester_for(self.request.user, story).step_refusal("schedule")
                state = f"暂不上线：{refusal}" if refusal else "随本期上线"
            rows.append({"story": story, "state": state, "ready": state == "随本期上线"})
        return rows

    def render_form(self, form):
        edition = self.edition
        return self.render_to_response(
            self.get_context_data(
                form=form,
                edition=edition,
                rows=self.rows(edition),
                change_url=reverse("admin:editions_edition_change", args=[edition.pk]),
            )
        )

    def get(self, request, *args, **kwargs):
        initial = {"publish_at": timezone.localtime(next_midnight(timezone.now()))}
        return self.render_form(PublishForm(initial=initial))

    def post(self, request, *args, **kwargs):
        form = PublishForm(request.POST)
        if not form.is_valid():
            return self.render_form(form)
        edition = self.edition
        at = form.cleaned_data["publish_at"] if form.cleaned_data["when"] == "at" else None
        try:
            result = edition_publish(user=request.user, edition=edition, at=at)
        except NotAllowed as exc:
            messages.error(request, str(exc))
            return self.render_form(form)
        if at is None:
            done = f"{edition} 已发布：{len(result.published)} 篇稿件现在上线。"
        else:
            done = (
                f"{edition} 已定时发布：将于 {datetime_label(at)} 上线，"
                f"届时 {len(result.published)} 篇稿件随本期上线；在此之前读者看不到本期。"
            )
        messages.success(request, done)
        if result.held:
            messages.warning(
                request,
                f"{len(result.held)} 篇稿件还没有准备好，暂不上线："
                + "；".join(f"{quoted(story.headline)}（{why}）" for story, why in result.held),
            )
        return redirect("admin:editions_edition_change", edition.pk)


class EditionUnscheduleView(EditionView):
    """撤销定时发布: a scheduled edition back to the desk, its stories off the schedule."""

    template = "unschedule.html"

    def get_title(self) -> str:
        return f"撤销 {self.edition} 的定时发布"

    def get(self, request, *args, **kwargs):
        edition = self.edition
        return self.render_to_response(
            self.get_context_data(
                edition=edition,
                at=datetime_label(edition.publish_at),
                change_url=reverse("admin:editions_edition_change", args=[edition.pk]),
            )
        )

    def post(self, request, *args, **kwargs):
        edition = self.edition
        try:
            taken = edition_unschedule(user=request.user, edition=edition)
        except NotAllowed as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, f"已撤销 {edition} 的定时发布，{len(taken)} 篇稿件取消定时，回到编辑部。"
            )
        return redirect("admin:editions_edition_change", edition.pk)


class EditionDeleteView(EditionView):
    """删除本期: an edition imported in error (or the demo edition) goes with its pages and
    their stories, after a page that says what will go (``edition_deletion_plan``), so that
    its files can be imported again."""

    template = "delete.html"

    def check(self) -> None:
        if not self.desk.can_delete_editions:
            raise PermissionDenied("只有可以发布并删除稿件的编辑才能删除期次。")

    def get_title(self) -> str:
        return f"删除 {self.edition}"

    def get(self, request, *args, **kwargs):
        edition = self.edition
        return self.render_to_response(
            self.get_context_data(
                edition=edition,
                plan=edition_deletion_plan(edition),
                change_url=reverse("admin:editions_edition_change", args=[edition.pk]),
            )
        )

    def post(self, request, *args, **kwargs):
        try:
            done = edition_delete(user=request.user, edition=self.edition)
        except NotAllowed as exc:
            messages.error(request, str(exc))
            return redirect("admin:editions_edition_changelist")
        gone = f"，其中 {done.public_stories} 篇已从网站撤下" if done.public_stories else ""
        messages.success(
            request,
            f"已删除 {done.label}：{len(done.pages)} 个版面、{len(done.stories)} 篇稿件{gone}。"
            "稿件可在“恢复已删除”中找回为草稿；这些版面文件可以重新导入。",
        )
        return redirect("admin:editions_edition_changelist")
