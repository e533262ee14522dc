"""Photo files, served only to those who may see them (issue 9, "Deletion and withdrawal").

A photo's original and its renditions are served from storage by this view, not as plain
files: readers get the photos of stories that are public now (``Photo.objects.public()``, the
one visibility rule), desk users those of stories they may open, and everyone else a 404, as
for a file that does not exist (a deleted photo's files are gone from storage after commit).
So a withdrawn story's photos leave the site with it, and a scheduled story's photos appear
with it, with no file to move.

A public photo may be kept by browsers and proxies for :data:`PUBLIC_MAX_AGE` seconds; a
photo only the desk may see is ``private, no-store``. Behind nginx, set
``UNIONNEWS_MEDIA_ACCEL_REDIRECT`` (e.g. ``/protected-media/``, an ``internal`` location
aliasing ``MEDIA_ROOT``) and nginx sends the file after this view has decided.
"""

import mimetypes

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.utils.cache import patch_cache_control

from ..models import Photo
from ..workflow import DeskTester, StoryTester

#: How long a public photo may be cached outside the site, in seconds: a withdrawn story's
#: photos may linger that long in a reader's browser, never longer.
PUBLIC_MAX_AGE = 600


def _photo_of(name: str) -> Photo | None:
    """The photo whose original or one of whose renditions is stored as ``name``."""
    return (
        Photo.objects.select_related("article")
        .filter(Q(image=name) | Q(renditions__file=name))
        .first()
    )


def _may_see(request, photo: Photo) -> bool | None:
    """``True`` for a public photo, ``False`` for one this desk user may see privately,
    ``None`` for one they may not see at all."""
    if photo.article is not None and photo.article.is_public:
        return True
    if photo.article is None:
        return False if DeskTester(request.user).can_manage_loose_photos else None
    return False if StoryTester(request.user, photo.article).can_view() else None


def photo_file(request, path: str):
    """Serve ``MEDIA_URL/<path>`` if it is a photo file ``request.user`` may see, else 404."""
    photo = _photo_of(path)
    public = _may_see(request, photo) if photo is not None else None
    if public is None or not default_storage.exists(path):
        raise Http404("没有这张图片。")
    accel = settings.UNIONNEWS_MEDIA_ACCEL_REDIRECT
    if accel:
        response = HttpResponse(content_type=mimetypes.guess_type(path)[0] or "")
        response["X-Accel-Redirect"] = accel.rstrip("/") + "/" + path
    else:
        response = FileResponse(default_storage.open(path, "rb"))
    if public:
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    else:
        patch_cache_control(response, private=True, no_store=True)
    return response
