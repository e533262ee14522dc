"""Load the curated union directory (fixtures/unions.json) into a new database.

Later changes to the file are applied by ``manage.py seed_demo`` (``directory_load``), which
updates in place; this migration only gives every fresh database the directory.
"""

import json
from pathlib import Path

from django.db import migrations

FIXTURE = Path(__file__).resolve().parent.parent.parent / "fixtures" / "unions.json"


def load(apps, schema_editor):
    from unionnews.slugs import pinyin_slug

    Union = apps.get_model("organizations", "Union")
    UnionAlias = apps.get_model("organizations", "UnionAlias")
    for entry in json.loads(FIXTURE.read_text(encoding="utf-8"))["unions"]:
        parent = Union.objects.get(name=entry["parent"]) if entry.get("parent") else None
        union, _ = Union.objects.get_or_create(
            name=entry["name"],
            defaults={
                "short_name": entry.get("short_name", ""),
                "kind": entry["kind"],
                "parent": parent,
                "description": entry.get("description", ""),
                "slug": pinyin_slug(entry.get("short_name") or entry["name"]),
            },
        )
        for alias in entry.get("aliases", []):
            if alias != union.name:
                UnionAlias.objects.get_or_create(name=alias, defaults={"union": union})


class Migration(migrations.Migration):
    dependencies = [("organizations", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
