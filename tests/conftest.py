"""Fixtures shared by the test modules."""

from pathlib import Path

import pytest

from articles.models import Article
from articles.services import (
    article_approve,
    article_publish,
    article_waive_photo,
    import_files,
)
from organizations.services import directory_load

from .factories import make_user

SEED_PAGES = sorted((Path(__file__).resolve().parent.parent / "fixtures" / "pages").glob("*.txt"))


@pytest.fixture
def published_seed_pages(db) -> list[Article]:
    """The real seed pages imported and published through the editor's services (make run)."""
    directory_load()
    editor = make_user(is_staff=True, is_superuser=True)
    articles = [a for result in import_files(SEED_PAGES, user=editor) for a in result.articles]
    waiting = set(Article.objects.photo_missing().values_list("pk", flat=True))
    for article in articles:
        if article.pk in waiting:  # print photos are not in the page text (seed_demo does this)
            article_waive_photo(article=article, user=editor)
        article_approve(article=article, user=editor)
        article_publish(article=article, user=editor)
    return articles
