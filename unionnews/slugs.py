"""Readable URL slugs for Chinese names.

Public URLs carry the object's id plus a pinyin slug (``/articles/12-yong-zhuan-ye-ji-neng/``):
the id makes the URL unique and stable, the slug makes it readable. Slugs are therefore never
required to be unique and never looked up on their own.
"""

from functools import lru_cache

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, reverse
from django.utils.text import slugify
from pypinyin import Style, lazy_pinyin

MAX_SLUG_LENGTH = 80
#: How many public URLs each process remembers (:func:`public_url`): a few hundred kilobytes.
URLS_KEPT = 20_000


def pinyin_slug(text: str, *, max_length: int = MAX_SLUG_LENGTH) -> str:
    """Return a lowercase ASCII slug for ``text``: Chinese characters as toneless pinyin.

    ``"北京市建筑工会"`` → ``"bei-jing-shi-jian-zhu-gong-hui"``. Latin letters and digits are
    kept; everything else becomes a separator. The slug is cut at a word boundary to at most
    ``max_length`` characters. Returns ``""`` for text with nothing to spell (e.g. ``"……"``).
    """
    words = lazy_pinyin(text or "", style=Style.NORMAL, errors="default")
    slug = slugify(" ".join(words))
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0]
    return slug


def pinyin_key(text: str) -> str:
    """A sort key that puts Chinese names in pinyin order, as directories and indexes list
    them (``"大兴区总工会"`` → ``"da xing qu zong gong hui"``); other characters are kept."""
    return " ".join(lazy_pinyin(text or "", style=Style.NORMAL, errors="default")).lower()


def public_url(viewname: str, pk: int, slug: str) -> str:
    """The public URL of an object that the URL names by ``pk`` and ``slug`` (``viewname``
    such as ``"articles:article_detail"``; an empty slug is written ``-``).

    Remembered per process, as the URL depends on nothing else (and the script prefix, which
    is part of the key): a list page writes one for each story and each union on it, and
    Django's ``reverse`` takes about 36 µs, a third of rendering the home page's 65 stories
    (issue 11). Forgotten when ``ROOT_URLCONF`` changes.
    """
    return _reversed(get_script_prefix(), viewname, pk, slug or "-")


@lru_cache(maxsize=URLS_KEPT)
def _reversed(prefix: str, viewname: str, pk: int, slug: str) -> str:
    return reverse(viewname, args=[pk, slug])


@receiver(setting_changed)
def _forget_urls(setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _reversed.cache_clear()
