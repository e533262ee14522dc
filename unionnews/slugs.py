"""Readable URL slugs for Chinese names.

Public URLs carry the object's id plus a pinyin slug (``/articles/12-yong-zhuan-ye-ji-neng/``):
the id makes the URL unique and stable, the slug makes it readable. Slugs are therefore never
required to be unique and never looked up on their own.
"""

from django.utils.text import slugify
from pypinyin import Style, lazy_pinyin

MAX_SLUG_LENGTH = 80


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
