from django.db import migrations


def grant(apps, schema_editor):
    from articles.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    """Editors lift login lockouts (登录锁定, issue 10)."""

    dependencies = [("articles", "0009_history_from_before"), ("unionnews", "0002_loginlock")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
