"""Story counts kept per reporter (issue 11: a reporter's page counted every story credited to
them for its paginator, 8 ms of 33 for 2,498 credits at 100,000 stories), counted here for the
months already kept. Self-contained: it reads the models as they are at this migration."""

from collections import Counter
from datetime import datetime

from django.db import migrations, models
from django.utils import timezone


def count_reporters(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Byline = apps.get_model("articles", "Byline")
    PhotoCredit = apps.get_model("articles", "PhotoCredit")
    CoverageMonth = apps.get_model("articles", "CoverageMonth")
    CoverageCount = apps.get_model("articles", "CoverageCount")
    alias = schema_editor.connection.alias
    paper_tz = timezone.get_default_timezone()
    for row in CoverageMonth.objects.using(alias).order_by("month"):
        start = datetime(row.month.year, row.month.month, 1, tzinfo=paper_tz)
        end = datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=paper_tz)
        ids = (
            Article.objects.using(alias)
            .filter(status="published", publish_at__gte=start, publish_at__lt=end)
            .values("pk")
        )
        bylines = Byline.objects.using(alias).filter(article_id__in=ids)
        photos = PhotoCredit.objects.using(alias).filter(photo__article_id__in=ids)
        pairs = bylines.order_by().values_list("article_id", "reporter_id").union(
            photos.order_by().values_list("photo__article_id", "reporter_id")
        )
        stories = Counter(reporter for _, reporter in pairs)
        CoverageCount.objects.using(alias).bulk_create(
            CoverageCount(month=row, kind="reporter", key=key, stories=n)
            for key, n in stories.items()
        )


def forget_reporters(apps, schema_editor):
    CoverageCount = apps.get_model("articles", "CoverageCount")
    CoverageCount.objects.using(schema_editor.connection.alias).filter(kind="reporter").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0014_print_fields_in_editions"),
    ]

    operations = [
        migrations.AlterField(
            model_name="coveragecount",
            name="kind",
            field=models.CharField(
                choices=[
                    ("union", "工会"),
                    ("tag", "话题"),
                    ("event", "活动"),
                    ("column", "栏目"),
                    ("reporter", "作者"),
                ],
                max_length=10,
                verbose_name="类别",
            ),
        ),
        migrations.RunPython(count_reporters, forget_reporters),
    ]
