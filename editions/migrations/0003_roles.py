from django.db import migrations


def grant_edition_permissions(apps, schema_editor):
    from articles.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("editions", "0002_loose_print_fields")]

    operations = [migrations.RunPython(grant_edition_permissions, migrations.RunPython.noop)]
