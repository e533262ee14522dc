from django.db import migrations


def sync(apps, schema_editor):
    from articles.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    """Grant the roles the permissions of the workflow's models (notes, corrections)."""

    dependencies = [("articles", "0003_workflow")]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
