"""Page scans waiting between an edition import's preview and its confirmation (导入整期).

A day's paper may bring a PDF of up to 30 MB for each of its pages: too much for the editor's
session, which every admin page they open loads again. The scans wait in the file storage
instead (local ``MEDIA_ROOT`` or the shared bucket, so any app server can confirm), under
``epaper/pending/<day>/<random>``, a name nobody can guess; the session keeps the names.
A confirmed, replaced or abandoned preview's scans are deleted: the first two at once, the
last by the next preview of anyone after its day is over.
"""

import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

FOLDER = "epaper/pending"


def keep(data: bytes) -> str:
    """Store ``data`` until the import is confirmed; returns its storage name."""
    day = timezone.localdate().strftime("%Y%m%d")
    return default_storage.save(f"{FOLDER}/{day}/{secrets.token_hex(16)}", ContentFile(data))


def read(name: str) -> bytes:
    """The bytes kept under ``name``. Raises ``FileNotFoundError`` once they are gone."""
    if not name.startswith(f"{FOLDER}/"):
        raise FileNotFoundError(name)
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def discard(names) -> None:
    for name in names:
        if name and name.startswith(f"{FOLDER}/"):
            default_storage.delete(name)


def discard_stale() -> None:
    """Delete what abandoned previews left before today (their editors never confirmed)."""
    today = timezone.localdate().strftime("%Y%m%d")
    try:
        days, _ = default_storage.listdir(FOLDER)
    except FileNotFoundError:
        return
    for day in days:
        if day.isdigit() and day < today:
            _, files = default_storage.listdir(f"{FOLDER}/{day}")
            discard(f"{FOLDER}/{day}/{name}" for name in files)
