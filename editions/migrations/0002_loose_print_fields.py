"""Moves the loose print fields of stories and import records (``paper_date``, ``page``) into
editions, pages and placements (issue 12). A story with a date and a page number gets a
placement on that page of that day's edition; an edition whose stories are all public is
published from its first story's time, the others stay with the desk (编排中). A page field
with no number in it (or no date) cannot be placed; it is kept in the story's desk note."""

import re

from django.db import migrations
from django.db.models import Q


def _number(text: str) -> int | None:
    digits = re.search(r"\d+", text or "")
    return int(digits.group()) if digits and 0 < int(digits.group()) < 1000 else None


def forwards(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    ImportedPage = apps.get_model("articles", "ImportedPage")
    EditorialNote = apps.get_model("articles", "EditorialNote")
    Edition = apps.get_model("editions", "Edition")
    Page = apps.get_model("editions", "Page")
    Placement = apps.get_model("editions", "Placement")

    def page_for(day, text):
        number = _number(text)
        if day is None or number is None:
            return None
        edition, _ = Edition.objects.get_or_create(paper_date=day)
        page, _ = Page.objects.get_or_create(edition=edition, number=number)
        return page

    for record in ImportedPage.objects.exclude(paper_date=None):
        page = page_for(record.paper_date, record.page)
        if page is not None and page.import_record_id is None:
            page.import_record_id = record.pk
            page.save(update_fields=["import_record"])
    stories = Article.objects.filter(~Q(paper_date=None) | ~Q(page="")).order_by("pk")
    for story in stories.iterator():
        page = page_for(story.paper_date, story.page)
        if page is None:
            EditorialNote.objects.create(
                article_id=story.pk,
                text=f"原“见报”信息：日期 {story.paper_date or '未填'}，版次 {story.page or '未填'}"
                "（未能归入数字报的期次和版面）。",
            )
            continue
        Placement.objects.get_or_create(
            article_id=story.pk,
            defaults={"page": page, "position": story.source_position or 1},
        )
    for edition in Edition.objects.all():
        placed = Article.objects.filter(placement__page__edition=edition)
        times = [s.publish_at for s in placed if s.status == "published" and s.publish_at]
        if times and len(times) == placed.count():
            edition.status, edition.publish_at = "published", min(times)
            edition.save(update_fields=["status", "publish_at"])


class Migration(migrations.Migration):
    dependencies = [("editions", "0001_initial"), ("articles", "0013_coverage_counts")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
