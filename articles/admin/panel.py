"""What ``ArticleAdmin`` shows around the story form: the workflow panel (state, the steps
the user may take, why a story waits), the editor's comment on a returned story, the note box
of a read-only form, the reporter's own credit filled in on a new story, and the offer of an
autosaved draft. Read-only: every answer comes from the tester and the services' records."""

from django.contrib.admin.utils import quote
from django.urls import reverse

from unionnews.actors import person_name
from unionnews.dates import datetime_label
from unionnews.desk_admin import audit_log_url

from .. import content
from ..models import Article, StoryDraft
from ..workflow import tester_for
from .inlines import BylineInline

Status = Article.Status


class StoryPanel:
    """The panel half of ``ArticleAdmin`` (see the module docstring)."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if request.method == "GET" and request.GET.get("restore_draft"):
            draft = self.draft_of(request, obj)
            if draft is not None:
                form = type(form.__name__, (form,), {"draft": draft})
        return form

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, BylineInline) and obj.pk is None and request.method == "GET":
            # A reporter filing a story sees their own credit filled in, and may remove it.
            reporter = getattr(request.user, "reporter", None)
            if reporter is not None:
                kwargs["initial"] = [
                    {"reporter": reporter.pk, "title": reporter.title, "contribution": "text"}
                ]
        return kwargs

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        if obj is None and request.method == "GET" and getattr(request.user, "reporter", None):
            for inline in inlines:
                if isinstance(inline, BylineInline):
                    inline.extra = 1
        return inlines

    def draft_of(self, request, obj) -> StoryDraft | None:
        drafts = StoryDraft.objects.filter(user=request.user)
        return (
            drafts.filter(article__isnull=True) if obj is None else drafts.filter(article=obj)
        ).first()

    def add_view(self, request, form_url="", extra_context=None):
        context = {"draft_offer": self.draft_offer(request, None)}
        return super().add_view(request, form_url, {**context, **(extra_context or {})})

    def draft_offer(self, request, obj) -> dict | None:
        """The autosaved draft this user may take back, unless it is what the story has."""
        draft = self.draft_of(request, obj)
        if draft is None or request.GET.get("restore_draft"):
            return None
        fields = [content.BY_NAME[n] for n in draft.data if n in content.BY_NAME]
        if obj is not None:
            fields = [f for f in fields if not f.same(draft.data[f.name], f.read(obj))]
        else:
            fields = [f for f in fields if draft.data[f.name].strip()]
        if not fields:
            return None
        return {
            "saved_at": datetime_label(draft.saved_at),
            "fields": content.summary(fields),
            "restore_url": "?restore_draft=1",
            "discard_url": reverse("admin:articles_article_autosave", args=[quote(obj.pk)])
            if obj is not None
            else reverse("admin:articles_article_autosave_new"),
        }

    def story_panel(self, request, obj) -> dict:
        """The workflow panel over the form (state, the steps this user may take now, why an
        approved story has no publish button), the editor's latest comment on a returned
        story, the note box of a read-only form, and the autosave offer."""
        tester = tester_for(request.user, obj)
        return_note = None
        if obj.status == Status.RETURNED:
            return_note = (
                obj.transitions.filter(to_status=Status.RETURNED)
                .select_related("user")
                .order_by("-created_at", "-pk")
                .first()
            )
        editable = tester.can_edit()
        can_note = not editable and tester.can_add_note()
        return {
            "workflow": {
                "status": obj.get_status_display(),
                "scheduled": obj.status == Status.PUBLISHED and not obj.is_public,
                "live": obj.is_public,
                "publish_at": datetime_label(obj.publish_at),
                "moves": [
                    {
                        "move": step,
                        "url": reverse(
                            "admin:articles_article_transition", args=[quote(obj.pk), step.name]
                        ),
                    }
                    for step in tester.steps()
                ],
                "editable": editable,
                "held": tester.publication_hold(),
            },
            "return_note": return_note,
            "return_note_by": person_name(return_note.user) if return_note else "",
            "return_note_at": datetime_label(return_note.created_at) if return_note else "",
            "can_note": can_note,
            "note_url": reverse("admin:articles_article_note", args=[quote(obj.pk)])
            if can_note
            else "",
            "preview_url": reverse("articles:story_preview", args=[obj.pk]),
            "audit_url": audit_log_url(obj) if tester.desk.can_view_audit_log else "",
            "draft_offer": self.draft_offer(request, obj) if editable else None,
        }
