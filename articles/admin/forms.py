"""The desk's forms in the admin: the story form and its inline formsets, which turn what was
typed into the values a service takes; and the small forms of the desk's own screens.

Forms check input (required fields, lengths, a valid upload) and never write: the story form
gives :meth:`ArticleAdminForm.values`, the credit rows give :func:`credit_rows`, the photo rows
give :func:`photo_operations`, and ``ArticleAdmin`` hands them to the services.
"""

from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from unionnews.dates import datetime_label

from .. import content, photos
from ..models import Article, Photo
from ..services import MAX_PHOTOS_PER_STORY, alt_text_refusal, photo_clean_upload
from ..workflow import Step

#: The story form's fields, in the form's order: the editable content (``content.EDITABLE``
#: other than the credits, which are an inline).
STORY_FIELDS = [f.name for f in content.EDITABLE if f.kind != "credits"]


class ArticleAdminForm(forms.ModelForm):
    """The story form. ``loaded_version`` carries the story's ``version`` as it was when the
    form was opened: the edit service merges from it when someone saved in between
    (``services.article_edit``). ``draft`` (set by ``ArticleAdmin.get_form``) is an
    autosaved draft to start from: its typed text, and the version it was typed against."""

    loaded_version = forms.IntegerField(
        label="打开时的版本", widget=forms.HiddenInput, required=False
    )

    draft = None

    class Meta:
        model = Article
        fields = STORY_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "loaded_version" in self.fields and self.instance.pk is not None:
            self.initial.setdefault("loaded_version", self.instance.version)
        if self.draft is not None and not self.is_bound:
            self.initial.update(
                {name: value for name, value in self.draft.data.items() if name in self.fields}
            )
            if self.draft.base_version is not None:
                self.initial["loaded_version"] = self.draft.base_version

    def values(self) -> dict:
        """What the editor submitted, field by field, for the edit service: only the fields
        this form lets the user change."""
        return {
            name: self.cleaned_data.get(name)
            for name in STORY_FIELDS
            if name in self.fields and not self.fields[name].disabled
        }


class CreditFormSet(forms.BaseInlineFormSet):
    """The story's credits (署名), as rows. A row of a credit someone else removed since the
    form was opened is read as a new row, not refused: the edit service merges the credits as
    a whole (``content.merge``)."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields[self.model._meta.pk.name] = forms.IntegerField(
            required=False, widget=forms.HiddenInput, initial=form.instance.pk
        )

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if self.is_bound and i >= self.initial_form_count() and form["reporter"].data:
            # A new row with a person in it is a credit, even if it was filled in for the
            # user (their own credit on a story they file) and left as it was.
            form.empty_permitted = False
        return form


def credit_rows(formset) -> list[content.CreditInput]:
    """The credits the formset's rows give, in their order (``order``, then row)."""
    rows = []
    for position, form in enumerate(formset.forms):
        data = getattr(form, "cleaned_data", None) or {}
        if not data.get("reporter") or data.get("DELETE"):
            continue
        rows.append(
            (
                data.get("order") or 0,
                position,
                content.CreditInput(data["reporter"], data["title"], data["contribution"]),
            )
        )
    return [row for *_, row in sorted(rows, key=lambda r: (r[0], r[1]))]


#: A photo row's description fields; each carries its value as the form was opened
#: (``show_hidden_initial``), so that only what this editor changed is written.
PHOTO_DESCRIPTION = ["alt_text", "caption", "taken_on", "is_lead", "order"]


class PhotoAdminForm(forms.ModelForm):
    """A photo as the desk uploads it. The file is judged by its content before anything is
    stored (``articles/photos.py``): a refusal is shown on the photo's row and the whole save
    is refused, so that nothing of it is kept; the rest of what was typed stays in the form.

    The image field is a plain file field: Django's image field would open the upload with
    Pillow first and answer a bomb or a TIFF with a vague "not an image".
    """

    image = forms.FileField(
        label="图片文件",
        help_text=(
            "JPEG、PNG 或 WebP，每张不超过 20 MB、5000 万像素；"
            "一次保存的图片合计不超过 1.5 亿像素。"
        ),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    class Meta:
        model = Photo
        fields = ["image", *PHOTO_DESCRIPTION]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.checked_upload = None
        #: Set by the formset when this save's uploads together are over the pixel budget.
        self.over_budget = None
        for name in PHOTO_DESCRIPTION:
            if name in self.fields:
                self.fields[name].show_hidden_initial = True

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if not isinstance(image, UploadedFile):  # the stored file, unchanged
            return image
        if self.over_budget:  # refused before a pixel is decoded
            raise ValidationError(self.over_budget, code="too_many_pixels")
        try:
            self.checked_upload = photo_clean_upload(image)
        except photos.PhotoRejected as exc:
            raise ValidationError(str(exc), code="photo_rejected") from exc
        return self.checked_upload[0]

    def clean(self):
        cleaned = super().clean()
        story = cleaned.get("article") or (
            self.instance.article if self.instance.article_id else None
        )
        adding = self.instance.pk is None and self.checked_upload is not None
        if adding or "alt_text" in self.changed_data:
            refusal = alt_text_refusal(story, cleaned.get("alt_text", ""))
            if refusal and not cleaned.get("DELETE"):
                self.add_error("alt_text", refusal)
        return cleaned

    def description_changes(self) -> dict:
        """The description fields this editor changed, with their new values."""
        return {n: self.cleaned_data[n] for n in PHOTO_DESCRIPTION if n in self.changed_data}


class PhotoInlineFormSet(forms.BaseInlineFormSet):
    """The photos of one story: at most ``MAX_PHOTOS_PER_STORY`` (the photo service's
    limit, checked here too so that the row can say so), one lead photo. A row of a photo
    someone else deleted since is ignored, not refused."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields[self.model._meta.pk.name] = forms.IntegerField(
            required=False, widget=forms.HiddenInput, initial=form.instance.pk
        )

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if self.is_bound and i < self.initial_form_count() and form.instance.pk is None:
            # A photo deleted since the form was opened: nothing of this row is kept.
            form.empty_permitted = True
            form.has_changed = lambda: False
        return form

    def full_clean(self):
        if self.is_bound:
            self._check_pixel_budget()
        super().full_clean()

    def _check_pixel_budget(self) -> None:
        """Uploads of this save over ``photos.MAX_PIXELS_PER_SAVE`` together are all refused,
        from their headers, before any is decoded: one save's image work stays bounded."""
        uploads = [
            (form, upload)
            for form in self.forms
            if isinstance(upload := self.files.get(form.add_prefix("image")), UploadedFile)
        ]
        # An image over the limit of one photo is refused on its own, from its header.
        sizes = [(form, photos.pixels_of(upload)) for form, upload in uploads]
        sizes = [(form, pixels) for form, pixels in sizes if pixels <= photos.MAX_PIXELS]
        total = sum(pixels for _, pixels in sizes)
        if total > photos.MAX_PIXELS_PER_SAVE:
            message = photos.too_many_pixels_for_one_save(total)
            for form, _ in sizes:
                form.over_budget = message

    def clean(self):
        super().clean()
        kept = [
            form
            for form in self.forms
            if (form.has_changed() or form.instance.pk)
            and not (self.can_delete and self._should_delete_form(form))
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


@dataclass
class PhotoOperation:
    """One thing a photo row asks for: ``add`` (a new upload), ``replace`` (a new file for
    an existing photo), ``update`` (its description), or ``delete``."""

    kind: str
    form: PhotoAdminForm
    photo: Photo | None = None


def photo_operations(formset) -> list[PhotoOperation]:
    """What the photo rows ask for, deletions first (they make room for additions)."""
    deletions, others = [], []
    for form in formset.forms:
        photo = form.instance if form.instance.pk else None
        data = getattr(form, "cleaned_data", None) or {}
        if photo is None:
            if form.checked_upload is not None and not data.get("DELETE"):
                others.append(PhotoOperation("add", form))
            continue
        if data.get("DELETE"):
            deletions.append(PhotoOperation("delete", form, photo))
            continue
        if "image" in form.changed_data and form.checked_upload is not None:
            others.append(PhotoOperation("replace", form, photo))
        if form.description_changes():
            others.append(PhotoOperation("update", form, photo))
    return deletions + others


class StepForm(forms.Form):
    """The confirmation page of one workflow step: a comment, and for 定时发布 the time, as
    the step (``workflow.STEPS``) asks for them."""

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

    def __init__(self, *args, step: Step, **kwargs):
        super().__init__(*args, **kwargs)
        self.step = step
        if not step.takes_comment:
            del self.fields["comment"]
        elif step.needs_comment:
            self.fields["comment"].required = True
            self.fields["comment"].label = "修改意见"
            self.fields["comment"].error_messages["required"] = "退回稿件时请写明修改意见。"
        if step.needs_time:
            field = self.fields["publish_at"]
            field.required = True
            field.error_messages["required"] = "请填写定时发布的时间。"
        else:
            del self.fields["publish_at"]

    def clean_publish_at(self):
        # The service refuses a past time too; saying it here keeps the form filled in.
        moment = self.cleaned_data.get("publish_at")
        if moment is not None and moment <= timezone.now():
            raise ValidationError(
                "定时发布的时间必须晚于现在（%(now)s）。",
                params={"now": datetime_label(timezone.now())},
            )
        return moment


class NoteForm(forms.Form):
    """An internal note added outside the story form (when the form is read-only)."""

    text = forms.CharField(
        label="内部备注",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        error_messages={"required": "备注不能为空。"},
    )
