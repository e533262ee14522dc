"""Fixtures shared by the test modules."""

from datetime import date
from pathlib import Path

import pytest

from articles.models import Article
from articles.services import article_approve, article_waive_photo
from editions.services import PageFile, edition_import, edition_publish
from organizations.services import directory_load

from .factories import make_user

SEED_PAGES = sorted((Path(__file__).resolve().parent.parent / "fixtures" / "pages").glob("*.txt"))


@pytest.fixture
def published_seed_pages(db) -> list[Article]:
    """The real seed pages imported as the edition of 2023-07-15, 第3–5版, and published now
    through the editor's services, as ``make run`` does (``seed_demo``)."""
    directory_load()
    editor = make_user(is_staff=True, is_superuser=True)
    files = [
        PageFile(number=3 + i, source=path.name, data=path.read_bytes())
        for i, path in enumerate(SEED_PAGES)
    ]
    result = edition_import(
        user=editor, paper_date=date(2023, 7, 15), issue_number=None, files=files
    )
    articles = [a for outcome in result.pages for a in outcome.imported.articles]
    waiting = set(Article.objects.photo_missing().values_list("pk", flat=True))
    for article in articles:
        if article.pk in waiting:  # print photos are not in the page text (seed_demo does this)
            article_waive_photo(article=article, user=editor)
        article_approve(article=article, user=editor)
    edition_publish(user=editor, edition=result.edition)
    return articles
