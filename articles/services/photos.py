"""A story's photos: add, change, replace, reorder and delete them (issue 5; issue 9, "Two
photo write paths").

These are the only writes of photos, whether from the story's form in the admin, the photo
admin or a script. Each is a change of the photo's story (``changes.story_change``): the
story's row is locked, the tester is asked whether the user may change the story's photos
(reporters: their own stories, while draft or returned), and the story keeps a new version
and an audit entry. A photo belongs to at most one story; one without a story is the
editors'.

Files: an upload is judged by its content before anything is stored (``articles/photos.py``).
A photo without a story shows on no public page, so its writes retire nothing. The files of
a deleted or replaced photo (original and renditions) leave storage once the
change is committed, so a rolled-back change never loses a file that is still used, and
their URLs answer 404 from then on.
"""

import logging
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import date

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from unionnews import audit
from unionnews.actors import user_row

from .. import photos
from ..models import Article, Photo, PhotoCredit, Rendition, Reporter
from ..workflow import DeskTester, StoryTester
from .changes import story_change
from .errors import NotAllowed

logger = logging.getLogger(__name__)

#: The most photos one story takes (the printed page runs one to six).
MAX_PHOTOS_PER_STORY = 12


def files_of(photo: Photo) -> list[str]:
    """The storage names of ``photo``'s original and its renditions."""
    names = [photo.image.name] if photo.image else []
    return names + [r.file.name for r in photo.renditions.all() if r.file]


def delete_files_after_commit(names: Iterable[str]) -> None:
    """Remove ``names`` from storage once the surrounding transaction commits (at once
    outside one). A file already gone is no error; a storage failure is logged."""
    names = [name for name in names if name]

    def delete():
        for name in names:
            try:
                default_storage.delete(name)
            except Exception:
                logger.exception("could not delete %s from storage", name)

    transaction.on_commit(delete, robust=True)


def photo_clean_upload(upload) -> tuple[ContentFile, photos.CleanImage]:
    """Check an uploaded file (a Django ``UploadedFile`` or any binary file with ``name``)
    and return the image to store, named with its real extension, and what was learned of it.

    Raises :class:`articles.photos.PhotoRejected` with the editor's message: not JPEG, PNG or
    WebP by content, over 20 MB or 50 megapixels (a decompression bomb is refused from its
    header, without decoding), or damaged. EXIF orientation is applied and GPS removed.
    """
    name = getattr(upload, "name", "") or ""
    clean = photos.clean_upload(upload, name=name, size=getattr(upload, "size", None))
    return ContentFile(clean.data, name=f"photo.{clean.extension}"), clean


def _cleaned(upload) -> tuple[ContentFile, photos.CleanImage]:
    if isinstance(upload, tuple):  # already checked (the admin form checks while validating)
        return upload
    return photo_clean_upload(upload)


def _story_photos_check(tester: StoryTester) -> str | None:
    """A story's photos are changed by whoever may change the story now."""
    return tester.edit_refusal()


def alt_text_refusal(story: Article | None, alt_text: str) -> str | None:
    """Why a photo with ``alt_text`` may not be on ``story``, or ``None``: a photo on a story
    that is published (live or scheduled) must say what it shows, the same rule that holds a
    story back from publication (``workflow.photo_refusal``). Forms ask it too, to show the
    reason on the field."""
    if story is not None and story.status == Article.Status.PUBLISHED:
        if not (alt_text or "").strip():
            return "这篇稿件已发布，图片必须填写替代文字（为看不到图片的读者描述画面）。"
    return None


def _alt_text_check(story: Article, alt_text: str) -> None:
    refusal = alt_text_refusal(story, alt_text)
    if refusal:
        raise NotAllowed(refusal)


@contextmanager
def _photo_change(photo: Photo, user):
    """The change a photo's write belongs to: its story's, or for a photo without a story
    the transaction of those who may manage such photos (``DeskTester``)."""
    if photo.article_id is None:
        if not DeskTester(user).can_manage_loose_photos:
            raise NotAllowed("没有关联稿件的图片只有编辑可以修改。")
        with transaction.atomic():
            yield None
        return
    with story_change(photo.article, user=user, check=_story_photos_check) as change:
        yield change


def _log(change, photo: Photo, user, action: str, summary: str) -> None:
    if change is not None:
        change.log(action, summary, photo=photo.pk)
    else:
        audit.log(user=user, action=action, obj=photo, summary=summary)


def photo_add(
    *,
    article: Article,
    upload,
    user,
    alt_text: str = "",
    caption: str = "",
    is_lead: bool = False,
    taken_on: date | None = None,
    credits: Iterable[tuple[Reporter, str]] = (),
) -> Photo:
    """Attach an uploaded photo to ``article`` (last in order) with its renditions.

    ``upload`` is the uploaded file, or what :func:`photo_clean_upload` made of it.
    ``credits`` are ``(reporter, title as printed)``. ``taken_on`` defaults to the date in
    the photo's EXIF. Raises :class:`articles.photos.PhotoRejected` (nothing stored),
    :class:`NotAllowed` for a user who may not change the story's photos, or for a story that
    has :data:`MAX_PHOTOS_PER_STORY` photos already.
    """
    refusal = _story_photos_check(StoryTester(user, article))
    if refusal:
        raise NotAllowed(refusal)
    stored, clean = _cleaned(upload)
    with story_change(article, user=user, check=_story_photos_check) as change:
        story = change.article
        count = story.photos.count()
        if count >= MAX_PHOTOS_PER_STORY:
            raise NotAllowed(
                f"每篇稿件最多 {MAX_PHOTOS_PER_STORY} 张图片，这篇稿件已有 {count} 张；"
                "请先删去一些。"
            )
        _alt_text_check(story, alt_text)
        if is_lead:
            story.photos.filter(is_lead=True).update(is_lead=False)
        photo = Photo(
            article=story,
            alt_text=alt_text.strip(),
            caption=caption.strip(),
            is_lead=is_lead,
            order=count,
            uploaded_by=user_row(user),
            taken_on=taken_on or (clean.taken_at.date() if clean.taken_at else None),
        )
        photo.image.save(stored.name, stored, save=False)
        change.wrote(photo.image.name)
        photo.save()
        for order, (reporter, title) in enumerate(credits):
            PhotoCredit.objects.create(photo=photo, reporter=reporter, title=title, order=order)
        change.wrote(*(r.file.name for r in photo_make_renditions(photo)))
        change.log("photo.add", f"添加图片“{photo}”", photo=photo.pk)
    return photo


#: What :func:`photo_update` may change, with the label its audit entry uses.
PHOTO_FIELDS = {
    "alt_text": "替代文字",
    "caption": "图片说明",
    "taken_on": "拍摄日期",
    "is_lead": "头图",
    "order": "顺序",
}


def photo_update(
    *,
    photo: Photo,
    user,
    unions=None,
    events=None,
    credits: Iterable[tuple[Reporter, str]] | None = None,
    **values,
) -> Photo:
    """Change a photo's description: any of :data:`PHOTO_FIELDS` as keywords, and its
    ``unions``, ``events`` and ``credits`` (``(reporter, title)``, in order) when given.
    Making it the lead photo (头图) takes the mark from the story's other photos. Raises
    :class:`NotAllowed` as :func:`photo_add` does; unknown fields are a ``TypeError``."""
    unknown = set(values) - set(PHOTO_FIELDS)
    if unknown:
        raise TypeError(f"photo_update() got unexpected fields {sorted(unknown)}")
    with _photo_change(photo, user) as change:
        photo = Photo.objects.select_for_update().get(pk=photo.pk)
        if "alt_text" in values and photo.article_id:
            _alt_text_check(photo.article, values["alt_text"])
        changed = []
        for name, value in values.items():
            if isinstance(value, str):
                value = value.strip()
            if getattr(photo, name) != value:
                setattr(photo, name, value)
                changed.append(PHOTO_FIELDS[name])
        if values.get("is_lead") and photo.article_id:
            Photo.objects.filter(article_id=photo.article_id, is_lead=True).exclude(
                pk=photo.pk
            ).update(is_lead=False)
        photo.save()
        for name, chosen in (("unions", unions), ("events", events)):
            if chosen is not None:
                manager = getattr(photo, name)
                if {o.pk for o in manager.all()} != {o.pk for o in chosen}:
                    manager.set(chosen)
                    changed.append("相关工会" if name == "unions" else "相关活动")
        if credits is not None:
            wanted = [(reporter.pk, title) for reporter, title in credits]
            if wanted != [(c.reporter_id, c.title) for c in photo.credits.all()]:
                photo.credits.all().delete()
                for order, (reporter_id, title) in enumerate(wanted):
                    PhotoCredit.objects.create(
                        photo=photo, reporter_id=reporter_id, title=title, order=order
                    )
                changed.append("摄影署名")
        if changed:
            _log(change, photo, user, "photo.change", f"修改图片“{photo}”：{'、'.join(changed)}")
    return photo


def photo_replace(*, photo: Photo, upload, user) -> Photo:
    """Put a new image in place of ``photo``'s (same caption, credits and place); its
    renditions are made again, and the old files leave storage after commit. Raises
    :class:`articles.photos.PhotoRejected` (nothing changed) or :class:`NotAllowed`."""
    stored, clean = _cleaned(upload)
    with _photo_change(photo, user) as change:
        photo = Photo.objects.select_for_update().get(pk=photo.pk)
        old_files = files_of(photo)
        photo.renditions.all().delete()
        photo.image.save(stored.name, stored, save=False)
        new_files = [photo.image.name]
        photo.save()
        new_files += [r.file.name for r in photo_make_renditions(photo)]
        if change is not None:
            change.wrote(*new_files)
        delete_files_after_commit(old_files)
        _log(change, photo, user, "photo.replace", f"更换图片“{photo}”的图片文件")
    return photo


def photo_reorder(*, article: Article, user, order: list[int]) -> None:
    """Put the story's photos in ``order`` (photo ids, first shown first); photos not
    listed follow in their current order. Raises :class:`NotAllowed`."""
    with story_change(article, user=user, check=_story_photos_check) as change:
        current = list(change.article.photos.order_by("order", "pk"))
        rank = {pk: i for i, pk in enumerate(order)}
        current.sort(key=lambda p: (rank.get(p.pk, len(rank)), p.order, p.pk))
        moved = False
        for position, photo in enumerate(current):
            if photo.order != position:
                photo.order = position
                photo.save(update_fields=["order"])
                moved = True
        if moved:
            change.log("photo.reorder", "调整图片顺序")


def photo_delete(*, photo: Photo, user) -> None:
    """Delete ``photo``; its original and renditions leave storage after commit, so their
    URLs answer 404. Raises :class:`NotAllowed` for a user who may not change the story's
    photos (a reporter, once the story is submitted)."""
    with _photo_change(photo, user) as change:
        photo = Photo.objects.filter(pk=photo.pk).first()
        if photo is None:
            return
        files = files_of(photo)
        label = str(photo)
        _log(change, photo, user, "photo.delete", f"删除图片“{label}”")
        photo.delete()
        delete_files_after_commit(files)


def photo_make_renditions(photo: Photo) -> list[Rendition]:
    """Make the sizes readers get (``photos.RENDITION_WIDTHS``, WebP and JPEG, never wider
    than the photo) once, and keep them: a photo that has renditions is left alone. Returns
    the renditions made."""
    if photo.renditions.exists():
        return []
    with photo.image.open("rb") as stored:
        source = stored.read()
    stem = photo.image.name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    made = []
    for image in photos.make_renditions(source):
        rendition = Rendition(
            photo=photo,
            format=Rendition.Format.WEBP if image.format == "WEBP" else Rendition.Format.JPEG,
            width=image.width,
            height=image.height,
        )
        rendition.file.save(
            f"{stem}-{image.width}.{image.extension}", ContentFile(image.data), save=False
        )
        rendition.save()
        made.append(rendition)
    return made
