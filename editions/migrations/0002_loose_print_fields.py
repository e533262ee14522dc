"""Moves the loose print fields of stories and import records (``paper_date``, ``page``) into
editions, pages and placements (issue 12). A story with a date and a page number gets a
placement on that page of that day's edition (a number as desks typed it: 3, 第3版, 头版,
第十二版); an edition with a published story is published from its first story's time, as
``edition_publish`` would, the others stay with the desk (编排中). A page field with no
number in it (or no date) cannot be placed; it is kept in the story's desk note. Reversed,
each placement becomes the story's date and page number again."""

import re

from django.db import migrations
from django.db.models import Q


_NUMERALS = {c: n for n, c in enumerate("一二三四五六七八九", start=1)}


def _number(text: str) -> int | None:
    """The page number in a page field as desks typed it: 3, 第3版, A3, 头版 (1), 第十二版."""
    text = (text or "").strip()
    if text.startswith("头版"):
        return 1
    digits = re.search(r"\d+", text)
    if digits:
        return int(digits.group()) if 0 < int(digits.group()) < 1000 else None
    chinese = re.search(r"[一二三四五六七八九十]+", text)
    if not chinese:
        return None
    word = chinese.group()
    if "十" in word:
        tens, _, ones = word.partition("十")
        if len(tens) > 1 or len(ones) > 1:
            return None
        return _NUMERALS.get(tens, 1) * 10 + _NUMERALS.get(ones, 0)
    return _NUMERALS[word] if len(word) == 1 else None


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
        if times:  # as edition_publish: out once any of its stories is
            edition.status, edition.publish_at = "published", min(times)
            edition.save(update_fields=["status", "publish_at"])


def backwards(apps, schema_editor):
    """Put each placement back as the story's date and page number (the fields the reversed
    ``articles`` migration brings back), so that a rollback loses no 见报."""
    Article = apps.get_model("articles", "Article")
    Placement = apps.get_model("editions", "Placement")
    for placement in Placement.objects.select_related("page__edition").iterator():
        page = placement.page
        Article.objects.filter(pk=placement.article_id).update(
            paper_date=page.edition.paper_date, page=str(page.number)
        )


class Migration(migrations.Migration):
    dependencies = [("editions", "0001_initial"), ("articles", "0013_coverage_counts")]

    operations = [migrations.RunPython(forwards, backwards)]
