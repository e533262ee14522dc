"""Forms of the desk's admin: the story form with its edit-conflict check, and the forms of
the workflow confirmation pages."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from reversion.models import Version

from . import diffs, photos
from .models import Article, Correction, Photo
from .workflow_ui import local_datetime_label

#: The fields an edit conflict compares: what a reporter or an editor types.
CONFLICT_FIELDS = [
    ("kicker", "引题", "line"),
    ("headline", "主题", "line"),
    ("subtitle", "副题", "line"),
    ("dateline", "电头", "line"),
    ("body", "正文", "text"),
    ("section", "小栏", "line"),
    ("kind", "稿件类型", "line"),
]


def person_name(user) -> str:
    """How the desk names a user: full name, else login name."""
    if user is None:
        return "（未知用户）"
    return user.get_full_name().strip() or user.get_username()


@dataclass(frozen=True)
class LastChange:
    """Who last changed a story, when, and how (a revision comment or a workflow step)."""

    who: str
    when: datetime
    what: str = ""


#: A save keeps its revision a moment after the row is written; a row written much later
#: than the newest recorded change was saved outside the admin (a script, the shell).
UNRECORDED_AFTER = timedelta(seconds=30)


def last_change(article: Article) -> LastChange:
    """Who last changed the story and when: the newest of its latest revision, its latest
    workflow step and its latest correction; its ``updated_at`` by an unknown user when
    nothing is recorded, or when the row was written well after the newest record."""
    candidates = []
    version = (
        Version.objects.get_for_object(article)
        .select_related("revision__user")
        .order_by("-revision__date_created", "-pk")
        .first()
    )
    if version is not None:
        revision = version.revision
        candidates.append(
            LastChange(person_name(revision.user), revision.date_created, revision.get_comment())
        )
    step = article.transitions.select_related("user").order_by("-created_at", "-pk").first()
    if step is not None:
        what = f"{step.get_from_status_display()} → {step.get_to_status_display()}"
        candidates.append(LastChange(person_name(step.user), step.created_at, what))
    correction = (
        Correction.objects.filter(article=article)
        .select_related("created_by")
        .order_by("-published_at", "-pk")
        .first()
    )
    if correction is not None:
        candidates.append(
            LastChange(person_name(correction.created_by), correction.published_at, "发布更正")
        )
    newest = max(candidates, key=lambda c: c.when, default=None)
    if newest is None or article.updated_at - newest.when > UNRECORDED_AFTER:
        return LastChange("（未知用户）", article.updated_at)
    return newest


def _display(article_values: dict) -> dict:
    shown = dict(article_values)
    if shown.get("kind"):
        try:
            shown["kind"] = Article.Kind(shown["kind"]).label
        except ValueError:
            pass
    return shown


class ArticleAdminForm(forms.ModelForm):
    """The story form. ``loaded_version`` carries the story's ``version`` as it was when the
    form was opened; saving a copy that is no longer current is refused in :meth:`clean`
    (optimistic locking, DESIGN.md "Editorial workflow") with who saved in between, when, and
    what differs — and everything the user typed stays in the form.

    The check locks the story's row (``select_for_update``) inside the admin's transaction,
    so no one can save between the check and this save. After a conflict the form carries
    the current version: saving again, having seen the differences, saves this copy.
    """

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    #: In the revision (restore) view: the story as it is live, before the old revision was
    #: written over it for the form; the conflict message compares with this.
    live_article: Article | None = None

    class Meta:
        model = Article
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "loaded_version" in self.fields and self.instance.pk is not None:
            self.initial.setdefault("loaded_version", self.instance.version)
        self.conflict = None

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None or "loaded_version" not in self.fields:
            return cleaned
        rows = Article.objects.filter(pk=self.instance.pk)
        if connection.in_atomic_block and connection.features.has_select_for_update:
            rows = rows.select_for_update()  # held until the admin's transaction ends
        current = rows.first()
        if current is None:
            raise ValidationError("这篇稿件已被删除，无法保存。", code="deleted")
        loaded = cleaned.get("loaded_version")
        if loaded == current.version:
            return cleaned
        self.conflict = self._conflict(current, loaded)
        # The user has now seen what changed: a second save of this form is deliberate.
        data = self.data.copy()
        data[self.add_prefix("loaded_version")] = current.version
        self.data = data
        raise ValidationError(self.conflict, code="edit_conflict")

    def _conflict(self, current: Article, loaded):
        shown = self.live_article or current
        change = last_change(current)
        now_values = _display({name: getattr(shown, name) for name, _, _ in CONFLICT_FIELDS})
        mine = _display(
            {
                name: self.cleaned_data.get(name, "") or ""
                for name, _, _ in CONFLICT_FIELDS
                if name in self.fields
            }
        )
        fields = [f for f in CONFLICT_FIELDS if f[0] in self.fields]
        compared = diffs.compare(fields, now_values, mine, old_label="现在的", new_label="你提交的")
        changed = [d for d in compared if d.changed]
        if loaded is None:
            intro = format_html(
                "保存失败：表单缺少版本信息，无法确认你看到的是最新内容。"
                "现在是第 {} 版，最近由 {} 于 {} 修改。",
                current.version,
                change.who,
                local_datetime_label(change.when),
            )
        else:
            intro = format_html(
                "保存失败：你打开这篇稿件（第 {} 版）之后，{} 于 {} 保存了新的版本"
                "（现为第 {} 版{}；稿件状态：{}）。为免覆盖他人的修改，本次没有保存。",
                loaded,
                change.who,
                local_datetime_label(change.when),
                current.version,
                format_html("，{}", change.what.rstrip("。")) if change.what else "",
                current.get_status_display(),
            )
        if changed:
            table = format_html(
                '<table class="unionnews-diff"><caption>{}</caption><tbody>{}</tbody></table>',
                "现在保存的内容（删除线）与你提交的内容（下划线）的差别：",
                format_html_join(
                    "",
                    '<tr><th scope="row">{}</th><td>{}</td></tr>',
                    ((d.label, d.html) for d in changed),
                ),
            )
        else:
            table = format_html(
                "<p>{}</p>",
                "标题、正文等字段与你提交的一致；对方改动的可能是署名、归类、审稿状态或更正。",
            )
        return format_html(
            '<div class="unionnews-conflict">{}{}<p>{}</p></div>',
            intro,
            table,
            "你填写的内容都保留在下方表单里。核对后再次点击“保存”，将以你的版本为准。",
        )


class TransitionForm(forms.Form):
    """The confirmation page of one workflow step: a comment, and for 定时发布 the time."""

    comment = forms.CharField(
        label="意见",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text="记入审稿记录，记者可以看到。",
    )
    publish_at = forms.DateTimeField(
        label="发布时间",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="北京时间（Asia/Shanghai）。到时自动上线，无需再操作。",
    )

    def __init__(self, *args, move, **kwargs):
        super().__init__(*args, **kwargs)
        self.move = move
        if not move.takes_comment:
            del self.fields["comment"]
        elif move.needs_comment:
            self.fields["comment"].required = True
            self.fields["comment"].label = "修改意见"
            self.fields["comment"].error_messages["required"] = "退回稿件时请写明修改意见。"
        if move.needs_time:
            field = self.fields["publish_at"]
            field.required = True
            field.error_messages["required"] = "请填写定时发布的时间。"
        else:
            del self.fields["publish_at"]

    def clean_publish_at(self):
        moment = self.cleaned_data.get("publish_at")
        if moment is not None and moment <= timezone.now():
            raise ValidationError(
                "定时发布的时间必须晚于现在（%(now)s）。",
                params={"now": local_datetime_label(timezone.now())},
            )
        return moment


class NoteForm(forms.Form):
    """An internal note added outside the story form (when the form is read-only)."""

    text = forms.CharField(
        label="内部备注",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        error_messages={"required": "备注不能为空。"},
    )


#: The most photos one story takes in the admin form (the printed page runs one to six).
MAX_PHOTOS_PER_STORY = 12


class PhotoAdminForm(forms.ModelForm):
    """A photo as the desk uploads it. The file is judged by its content before anything is
    stored (``articles/photos.py``): a refusal is shown on the photo's row and the whole save
    is refused, so that nothing of it is kept; the rest of what was typed stays in the form.

    The image field is a plain file field: Django's image field would open the upload with
    Pillow first and answer a bomb or a TIFF with a vague "not an image".
    """

    image = forms.FileField(
        label="图片文件",
        help_text="JPEG、PNG 或 WebP，不超过 20 MB、5000 万像素。",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    class Meta:
        model = Photo
        fields = ["image", "alt_text", "caption", "taken_on", "is_lead", "order"]

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if not isinstance(image, UploadedFile):  # the stored file, unchanged
            return image
        from .services import photo_clean_upload

        try:
            content, clean = photo_clean_upload(image)
        except photos.PhotoRejected as exc:
            raise ValidationError(str(exc), code="photo_rejected") from exc
        if clean.taken_at and not self.cleaned_data.get("taken_on"):
            self.instance.taken_on = clean.taken_at.date()
        return content


class PhotoInlineFormSet(forms.BaseInlineFormSet):
    """The photos of one story: at most :data:`MAX_PHOTOS_PER_STORY`, one lead photo."""

    def clean(self):
        super().clean()
        kept = [
            form
            for form in self.forms
            if form.has_changed() or form.instance.pk
            if not (self.can_delete and self._should_delete_form(form))
        ]
        if len(kept) > MAX_PHOTOS_PER_STORY:
            raise ValidationError(
                f"每篇稿件最多 {MAX_PHOTOS_PER_STORY} 张图片，这次共有 {len(kept)} 张；"
                "请删去一些再保存。",
                code="too_many_photos",
            )
        leads = [form for form in kept if form.cleaned_data.get("is_lead")]
        if len(leads) > 1:
            raise ValidationError("只能有一张头图，请只勾选一张。", code="two_leads")
