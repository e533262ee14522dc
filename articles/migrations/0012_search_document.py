"""Archive scale (issue 11): each story's search document stored (a generated column, so it
is never out of step with ``search_text``), the GIN index moved from the expression of
migration 0005 onto that column (PostgreSQL only), and an index for each column's newest
stories (the home page's ``latest_per_column``)."""

import django.contrib.postgres.search
from django.db import migrations, models

import articles.fulltext

GIN_SQL = "CREATE INDEX IF NOT EXISTS article_document_gin ON articles_article USING GIN (search_document)"
EXPRESSION_GIN_SQL = (
    "CREATE INDEX IF NOT EXISTS article_search_gin ON articles_article "
    "USING GIN (to_tsvector('simple'::regconfig, search_text))"
)


def index_the_document(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS article_search_gin")
        schema_editor.execute(GIN_SQL)


def index_the_expression(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS article_document_gin")
        schema_editor.execute(EXPRESSION_GIN_SQL)


class Migration(migrations.Migration):
    dependencies = [("articles", "0011_search_by_characters")]

    operations = [
        migrations.AddField(
            model_name="article",
            name="search_document",
            field=models.GeneratedField(
                db_persist=True,
                expression=articles.fulltext.SearchDocument(models.F("search_text")),
                output_field=django.contrib.postgres.search.SearchVectorField(null=True),
                verbose_name="检索文档",
            ),
        ),
        migrations.RunPython(index_the_document, index_the_expression),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(fields=["column", "-publish_at"], name="article_column_latest_idx"),
        ),
    ]
