"""The database side of site search: the stored document each story is matched against.

PostgreSQL keeps ``to_tsvector('simple', search_text)`` in the generated column
``Article.search_document``, with a GIN index (migration 0012). A stored document lets the
planner either look a rare phrase up in the index, or walk the ``publish_at`` index from the
newest story and test each document as it goes, stopping after a page, for a word in every
story (工会): neither re-tokenises a story at query time (issue 11, "the GIN index goes
unused"). Other databases (the embedded SQLite) store nothing here and match ``search_text``
itself (``ArticleQuerySet.search``).
"""

from django.contrib.postgres.search import SearchVectorField
from django.db import models

#: The text search configuration: 'simple' keeps every token as it is (no stemming, no stop
#: words), which is what character pairs need (``articles/search.py``).
CONFIG = "simple"


class SearchDocument(models.Func):
    """``to_tsvector('simple', <text>)`` on PostgreSQL; ``NULL`` elsewhere."""

    function = "to_tsvector"
    template = f"%(function)s('{CONFIG}'::regconfig, %(expressions)s)"
    output_field = SearchVectorField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return "NULL", []
