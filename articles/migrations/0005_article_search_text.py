"""Site search: the segmented words of each story (``Article.search_text``), filled for the
stories already stored, and on PostgreSQL a GIN index on their ``'simple'`` tsvector."""

from django.db import migrations, models

INDEX_SQL = (
    "CREATE INDEX IF NOT EXISTS article_search_gin ON articles_article "
    "USING GIN (to_tsvector('simple'::regconfig, search_text))"
)


def fill_search_text(apps, schema_editor):
    """Segment every existing story with the same function ``Article.save()`` uses."""
    from articles.search import search_text

    Article = apps.get_model("articles", "Article")
    batch = []
    alias = schema_editor.connection.alias
    stories = Article.objects.using(alias).only("kicker", "headline", "subtitle", "body")
    for article in stories.iterator(chunk_size=500):
        article.search_text = search_text(
            article.kicker, article.headline, article.subtitle, article.body
        )
        batch.append(article)
        if len(batch) >= 500:
            Article.objects.db_manager(alias).bulk_update(batch, ["search_text"])
            batch = []
    if batch:
        Article.objects.db_manager(alias).bulk_update(batch, ["search_text"])


def create_index(apps, schema_editor):
    """The expression index ``ArticleQuerySet.search()`` matches, PostgreSQL only."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INDEX_SQL)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS article_search_gin")


class Migration(migrations.Migration):
    dependencies = [("articles", "0004_roles_workflow")]

    operations = [
        migrations.AddField(
            model_name="article",
            name="search_text",
            field=models.TextField(
                blank=True,
                default="",
                editable=False,
                help_text="引题、主题、副题和正文分词后的词语，保存时自动生成，供站内搜索使用。",
                verbose_name="检索词",
            ),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(create_index, drop_index),
    ]
