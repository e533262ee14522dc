"""Site search finds text as written (issue 11, "Search that a reader trusts"): every story's
``search_text`` is rebuilt as character pairs (``articles/search.py``), with the function
``Article.save()`` uses. The GIN index of migration 0005 indexes the same expression and
stays."""

from django.db import migrations


def rebuild_search_text(apps, schema_editor):
    from articles.search import search_text

    Article = apps.get_model("articles", "Article")
    alias = schema_editor.connection.alias
    stories = Article.objects.using(alias).only("kicker", "headline", "subtitle", "body")
    batch = []
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


class Migration(migrations.Migration):
    dependencies = [("articles", "0010_roles_login_locks")]

    operations = [
        migrations.RunPython(rebuild_search_text, migrations.RunPython.noop, elidable=True),
    ]
