"""Give the stories saved before issue 9 the history the desk now reads.

- Each review step (Transition) gets the name of the step it was, from its states.
- Each version of a story that django-reversion kept gets its content snapshot
  (StoryRevision), from the serialised story and credits of that revision; topics and photos
  were not kept then, so those versions do not know them (the comparison leaves them out).
- Each story's current version gets a full snapshot, so that an edit opened now can be merged.
- The roles get the audit log's permission (editors read 操作日志).
"""

import json

from django.db import migrations
from django.utils import timezone


def step_of(from_status, to_status, comment):
    if to_status == "submitted":
        return "submit"
    if to_status == "returned":
        return "return"
    if to_status == "signed_off":
        return "signoff"
    if to_status == "withdrawn":
        return "withdraw"
    if to_status == "draft":
        return "reopen"
    if to_status == "published":
        return "schedule" if comment.startswith("定时发布") else "publish"
    if to_status == "approved":
        return "unschedule" if from_status == "published" else "approve"
    return ""


def name_of(model, pk, cache={}):
    key = (model._meta.label, pk)
    if key not in cache:
        row = model.objects.filter(pk=pk).first()
        cache[key] = str(getattr(row, "name", "")) if row else f"（已删除 #{pk}）"
    return cache[key]


def forward(apps, schema_editor):
    Transition = apps.get_model("articles", "Transition")
    for transition in Transition.objects.filter(step=""):
        transition.step = step_of(transition.from_status, transition.to_status, transition.comment)
        transition.save(update_fields=["step"])

    Article = apps.get_model("articles", "Article")
    Reporter = apps.get_model("articles", "Reporter")
    Column = apps.get_model("articles", "Column")
    Union = apps.get_model("organizations", "Union")
    Event = apps.get_model("events", "Event")
    StoryRevision = apps.get_model("articles", "StoryRevision")
    Version = apps.get_model("reversion", "Version")
    Revision = apps.get_model("reversion", "Revision")
    ContentType = apps.get_model("contenttypes", "ContentType")
    article_type = ContentType.objects.filter(app_label="articles", model="article").first()
    byline_type = ContentType.objects.filter(app_label="articles", model="byline").first()
    if article_type is None:
        return

    def credits_in(revision_id, article_id):
        rows = []
        for version in Version.objects.filter(revision_id=revision_id, content_type=byline_type):
            fields = json.loads(version.serialized_data)[0]["fields"]
            if fields.get("article") == article_id:
                rows.append(fields)
        rows.sort(key=lambda f: f.get("order", 0))
        return [
            [f["reporter"], name_of(Reporter, f["reporter"]), f["title"], f["contribution"]]
            for f in rows
        ]

    for version in Version.objects.filter(content_type=article_type).order_by("pk"):
        try:
            fields = json.loads(version.serialized_data)[0]["fields"]
            article_id = int(version.object_id)
        except (ValueError, KeyError, IndexError):
            continue
        number = fields.get("version")
        if not number or not Article.objects.filter(pk=article_id).exists():
            continue
        if StoryRevision.objects.filter(article_id=article_id, version=number).exists():
            continue
        column = fields.get("column")
        snapshot = {
            "version": number,
            **{k: fields.get(k, "") for k in ("kicker", "headline", "subtitle", "kind", "dateline", "body", "section", "status")},
            "featured": fields.get("featured", False),
            "publish_at": fields.get("publish_at"),
            "column": [column, name_of(Column, column)] if column else None,
            "unions": sorted([pk, name_of(Union, pk)] for pk in fields.get("unions", [])),
            "events": sorted([pk, name_of(Event, pk)] for pk in fields.get("events", [])),
            "credits": credits_in(version.revision_id, article_id),
        }
        if "photo_waived" in fields:
            snapshot["photo_waived"] = fields["photo_waived"]
        StoryRevision.objects.create(
            revision_id=version.revision_id, article_id=article_id, version=number, content=snapshot
        )

    Tag = apps.get_model("taggit", "Tag")
    TaggedItem = apps.get_model("taggit", "TaggedItem")
    for article in Article.objects.all():
        tags = Tag.objects.filter(
            pk__in=TaggedItem.objects.filter(content_type=article_type, object_id=article.pk).values("tag_id")
        )
        snapshot = {
            "version": article.version,
            **{k: getattr(article, k) for k in ("kicker", "headline", "subtitle", "kind", "dateline", "body", "section", "status", "featured", "photo_waived")},
            "publish_at": article.publish_at.isoformat() if article.publish_at else None,
            "column": [article.column_id, name_of(Column, article.column_id)] if article.column_id else None,
            "unions": sorted([u.pk, u.name] for u in article.unions.all()),
            "events": sorted([e.pk, e.name if not e.edition_year else f"{e.edition_year}年{e.name}"] for e in article.events.all()),
            "tags": sorted({t.name for t in tags}, key=str.lower),
            "credits": [
                [b.reporter_id, name_of(Reporter, b.reporter_id), b.title, b.contribution]
                for b in article.bylines.order_by("order", "pk")
            ],
        }
        existing = StoryRevision.objects.filter(article=article, version=article.version).first()
        if existing is not None:
            existing.content = {**existing.content, **snapshot}
            existing.save(update_fields=["content"])
            continue
        revision = Revision.objects.create(date_created=timezone.now(), comment="（升级时记录的当前内容）")
        StoryRevision.objects.create(
            revision=revision, article=article, version=article.version, content=snapshot
        )


def grant(apps, schema_editor):
    from articles.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0008_revisions_and_drafts"),
        ("unionnews", "0001_initial"),
        ("organizations", "0003_desk_note_and_directory_order"),
        ("events", "0002_desk_note"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.RunPython(forward, migrations.RunPython.noop),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
