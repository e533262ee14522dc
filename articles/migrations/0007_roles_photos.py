from django.db import migrations


def grant_photo_permissions(apps, schema_editor):
    from articles.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("articles", "0006_photos")]

    operations = [migrations.RunPython(grant_photo_permissions, migrations.RunPython.noop)]
