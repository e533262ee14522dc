"""Story counts kept per month (issue 11, ``articles/coverage.py``), counted here for the
stories already stored. Self-contained: it reads the models as they are at this migration."""

from datetime import date, datetime

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone

RELATIONS = {"union": "unions", "event": "events", "column": "column"}


def count_every_month(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    CoverageMonth = apps.get_model("articles", "CoverageMonth")
    CoverageCount = apps.get_model("articles", "CoverageCount")
    TaggedItem = apps.get_model("taggit", "TaggedItem")
    alias = schema_editor.connection.alias
    paper_tz = timezone.get_default_timezone()
    published = Article.objects.using(alias).filter(status="published")
    for start in published.datetimes("publish_at", "month", tzinfo=paper_tz):
        end = datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=paper_tz)
        stories = published.filter(publish_at__gte=start, publish_at__lt=end)
        row = CoverageMonth.objects.using(alias).create(
            month=date(start.year, start.month, 1), stories=stories.count()
        )
        rows = []
        for kind, relation in RELATIONS.items():
            grouped = stories.order_by().values(relation).annotate(n=models.Count("pk"))
            rows += [
                CoverageCount(month=row, kind=kind, key=g[relation], stories=g["n"])
                for g in grouped
                if g[relation] is not None
            ]
        # Topics through taggit's rows: a historical model has no taggit manager to group by.
        tagged = TaggedItem.objects.using(alias).filter(
            content_type__app_label="articles",
            content_type__model="article",
            object_id__in=stories.values("pk"),
        )
        grouped = tagged.order_by().values("tag_id").annotate(n=models.Count("object_id"))
        rows += [
            CoverageCount(month=row, kind="tag", key=g["tag_id"], stories=g["n"]) for g in grouped
        ]
        CoverageCount.objects.using(alias).bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0012_search_document"),
    ]

    operations = [
        migrations.CreateModel(
            name="CoverageMonth",
            fields=[
                (
                    "month",
                    models.DateField(
                        help_text="该月1日。",
                        primary_key=True,
                        serialize=False,
                        verbose_name="月份",
                    ),
                ),
                ("stories", models.PositiveIntegerField(default=0, verbose_name="稿件数")),
            ],
            options={
                "verbose_name": "月度稿件数",
                "verbose_name_plural": "月度稿件数",
            },
        ),
        migrations.CreateModel(
            name="CoverageCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("union", "工会"),
                            ("tag", "话题"),
                            ("event", "活动"),
                            ("column", "栏目"),
                        ],
                        max_length=10,
                        verbose_name="类别",
                    ),
                ),
                ("key", models.BigIntegerField(verbose_name="对象编号")),
                ("stories", models.PositiveIntegerField(verbose_name="稿件数")),
                (
                    "month",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="counts",
                        to="articles.coveragemonth",
                        verbose_name="月份",
                    ),
                ),
            ],
            options={
                "verbose_name": "分类稿件数",
                "verbose_name_plural": "分类稿件数",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("kind", "key", "month"), name="coverage_count_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(count_every_month, migrations.RunPython.noop, elidable=True),
    ]
