"""A story's content as the desk compares it: the one list of its fields, and a snapshot of
them that revisions keep.

:data:`FIELDS` is the story's anatomy field by field (title block, body, classification,
credits, photos, desk flags, workflow state), each with its Chinese label and how to read,
compare, show and write it. Everything that compares or copies a story uses this list and
nothing else: the revision history and its comparison (对比), the edit-conflict merge, the
restore of an old revision, the autosaved draft.

A *snapshot* (:func:`snapshot`) is a story's content as plain JSON values, kept with every
revision (:class:`articles.models.StoryRevision`); related objects are kept with their ids
and their names at the time, so that a comparison still reads right after a union is renamed
or a reporter deleted. Text is normalised once, here (:func:`normalise_text`): line endings,
and surrounding white space of each paragraph, so that a browser's CRLF is never a change.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.utils.dateparse import parse_datetime

from unionnews.dates import datetime_label

from . import credits as credit_rules
from .models import Article, Byline, Column, Reporter


class CreditInput(NamedTuple):
    """A credit as a form or a script gives it: who, with which printed title, for what."""

    reporter: Reporter | int
    title: str
    contribution: str = credit_rules.TEXT


def normalise_text(value: str, *, paragraphs: bool = False) -> str:
    """``value`` with CRLF and CR as LF and surrounding white space removed; for a body
    (``paragraphs``), one paragraph a line, each trimmed, without blank lines, as stored."""
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    if paragraphs:
        return "\n".join(line.strip() for line in value.split("\n") if line.strip())
    return value.strip()


def _credit_input(row) -> CreditInput:
    """A credit row as given: a :class:`CreditInput`, ``(reporter, title, contribution)``, or
    a snapshot's ``[reporter_id, name, title, contribution]``."""
    if isinstance(row, CreditInput):
        return row
    if len(row) == 4:
        return CreditInput(row[0], row[2], row[3])
    return CreditInput(*row)


def _pk(value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, list | tuple):  # a snapshot's [id, name]
        return value[0]
    return getattr(value, "pk", value)


@dataclass(frozen=True)
class ContentField:
    """One field of a story's content.

    ``kind``: ``line`` (a short text), ``text`` (the body), ``choice`` (the kind of item),
    ``ref`` (the column), ``refs`` (unions, events), ``tags``, ``credits``, ``photos``,
    ``flag``, ``state`` or ``time``. ``editable``: the story form changes it, so an edit can
    conflict on it and a restore writes it back.
    """

    name: str
    label: str
    kind: str
    editable: bool = True

    # -- reading -----------------------------------------------------------------------------

    def read(self, article: Article) -> Any:
        """The field's snapshot value on ``article`` (related rows read from the database or
        from prefetched relations)."""
        if self.kind in ("line", "text", "choice", "flag", "state"):
            return getattr(article, self.name)
        if self.kind == "time":
            moment = getattr(article, self.name)
            return moment.isoformat() if moment else None
        if self.kind == "ref":
            column = article.column
            return [column.pk, column.name] if column else None
        if self.kind == "refs":
            rows = getattr(article, self.name).all()
            return sorted(([row.pk, str(row)] for row in rows), key=lambda pair: pair[0])
        if self.kind == "tags":
            return sorted({tag.name for tag in article.tags.all()}, key=str.lower)
        if self.kind == "credits":
            bylines = sorted(article.bylines.all(), key=lambda b: (b.order, b.pk))
            return [[b.reporter_id, b.reporter.name, b.title, b.contribution] for b in bylines]
        if self.kind == "photos":
            photos = sorted(article.photos.all(), key=lambda p: (p.order, p.pk))
            return [
                {
                    "id": p.pk,
                    "label": str(p),
                    "file": p.image.name,
                    "lead": p.is_lead,
                    "alt": p.alt_text,
                    "caption": p.caption,
                    "credit": p.credit_line(),
                    "unions": sorted(u.name for u in p.unions.all()),
                    "events": sorted(str(e) for e in p.events.all()),
                }
                for p in photos
            ]
        raise ValueError(self.kind)

    def from_input(self, value) -> Any:
        """The snapshot value of ``value`` as a form or a script gives it: text (normalised),
        a model instance or an id, instances or ids, tag names, :class:`CreditInput` rows."""
        if self.kind == "line":
            return normalise_text(value)
        if self.kind == "text":
            return normalise_text(value, paragraphs=True)
        if self.kind in ("choice", "state"):
            return value or ""
        if self.kind == "flag":
            return bool(value)
        if self.kind == "ref":
            pk = _pk(value)
            if pk is None:
                return None
            column = value if isinstance(value, Column) else Column.objects.filter(pk=pk).first()
            return [column.pk, column.name] if column else None
        if self.kind == "refs":
            model = Article._meta.get_field(self.name).related_model
            pks = {_pk(item) for item in value or ()} - {None}
            rows = model.objects.filter(pk__in=pks)
            return sorted(([row.pk, str(row)] for row in rows), key=lambda pair: pair[0])
        if self.kind == "tags":
            names = {}
            for name in value or ():
                name = normalise_text(getattr(name, "name", name))
                if name:
                    names.setdefault(name.lower(), name)
            return sorted(names.values(), key=str.lower)
        if self.kind == "credits":
            rows = [_credit_input(row) for row in value or ()]
            people = Reporter.objects.in_bulk({_pk(row.reporter) for row in rows})
            return [
                [people[_pk(r.reporter)].pk, people[_pk(r.reporter)].name, r.title, r.contribution]
                for r in rows
                if _pk(r.reporter) in people
            ]
        raise ValueError(f"{self.name} is not written through a story edit")

    # -- comparing and showing ---------------------------------------------------------------

    def key(self, value) -> Any:
        """What counts when two values are compared: ids, not names that may have changed."""
        if self.kind == "ref":
            return _pk(value)
        if self.kind == "refs":
            return sorted(_pk(pair) for pair in value or ())
        if self.kind == "tags":
            return sorted(name.lower() for name in value or ())
        if self.kind == "credits":
            return [(row[0], row[2], row[3]) for row in value or ()]
        if self.kind == "photos":
            return [
                sorted((k, str(v)) for k, v in row.items() if k != "label") for row in value or ()
            ]
        if self.kind in ("line", "text"):
            return normalise_text(value or "", paragraphs=self.kind == "text")
        if self.kind in ("choice", "state"):
            return value or ""
        return value

    def same(self, a, b) -> bool:
        return self.key(a) == self.key(b)

    def display(self, value) -> str:
        """The value as the desk reads it (a state's label, names joined with 、)."""
        if self.kind == "choice":
            return _label(Article.Kind, value)
        if self.kind == "state":
            return _label(Article.Status, value)
        if self.kind == "time":
            return datetime_label(parse_datetime(value)) if value else ""
        if self.kind == "flag":
            return "是" if value else "否"
        if self.kind == "ref":
            return value[1] if value else ""
        if self.kind == "refs":
            return "、".join(pair[1] for pair in value or ())
        if self.kind == "tags":
            return "、".join(value or ())
        if self.kind == "credits":
            credits = [credit_rules.Credit(row[1], row[2], row[3]) for row in value or ()]
            return credits_summary(credits)
        if self.kind == "photos":
            return "\n".join(_photo_line(row) for row in value or ())
        return value or ""

    @property
    def diff_kind(self) -> str:
        """How the comparison marks a change: paragraph by paragraph, item by item (the
        unions, events, topics and credits: which were added, which removed), or the value
        whole."""
        if self.kind in ("text", "photos"):
            return "text"
        return "items" if self.kind in ("refs", "tags", "credits") else "line"

    def items(self, value) -> list[str]:
        """A list field's items as the desk reads them (``["海淀区总工会", …]``)."""
        if self.kind == "refs":
            return [pair[1] for pair in value or ()]
        if self.kind == "tags":
            return list(value or ())
        if self.kind == "credits":
            labels = {credit_rules.TEXT: "文字", credit_rules.PHOTO: "摄影"}
            return [f"{row[2]} {row[1]}（{labels.get(row[3], row[3])}）" for row in value or ()]
        return [self.display(value)]


def _photo_line(row: dict) -> str:
    """One photo as the history lists it: 头图 · caption or alt text · credit · links."""
    parts = [
        "头图" if row.get("lead") else "",
        row.get("caption") or row.get("alt") or row["label"],
    ]
    if not row.get("alt"):
        parts.append("（缺替代文字）")
    if row.get("credit"):
        parts.append(row["credit"])
    links = [*row.get("unions", ()), *row.get("events", ())]
    if links:
        parts.append("关联：" + "、".join(links))
    return " ".join(p for p in parts if p)


def _label(choices, value) -> str:
    try:
        return choices(value).label
    except ValueError:
        return value or ""


def credits_summary(credits: Iterable[credit_rules.Credit]) -> str:
    """A compact credit line for lists: ``记者 马超；摄 于佳``.

    Text credits are grouped under their printed titles as in the lead-in (记者 彭程 通讯员 顾爽);
    photographers follow after 摄, by name only.
    """
    credits = list(credits)
    text = [c for c in credits if c.contribution == credit_rules.TEXT]
    photo = [c for c in credits if c.contribution == credit_rules.PHOTO]
    parts = []
    if text:
        parts.append(credit_rules.group_by_title(text, staff_prefix=False))
    if photo:
        parts.append(" ".join(["摄", *(c.name for c in photo)]))
    return "；".join(parts)


#: The story's content, in the order the desk's screens list it.
FIELDS: list[ContentField] = [
    ContentField("kicker", "引题", "line"),
    ContentField("headline", "主题", "line"),
    ContentField("subtitle", "副题", "line"),
    ContentField("kind", "稿件类型", "choice"),
    ContentField("dateline", "电头", "line"),
    ContentField("body", "正文", "text"),
    ContentField("credits", "署名", "credits"),
    ContentField("column", "栏目", "ref"),
    ContentField("section", "小栏", "line"),
    ContentField("unions", "相关工会", "refs"),
    ContentField("events", "相关活动", "refs"),
    ContentField("tags", "话题", "tags"),
    ContentField("featured", "推荐", "flag"),
    ContentField("photo_waived", "无需配图", "flag"),
    ContentField("photos", "图片", "photos", editable=False),
    ContentField("status", "状态", "state", editable=False),
    ContentField("publish_at", "发布时间", "time", editable=False),
]
BY_NAME = {f.name: f for f in FIELDS}
#: What a story edit writes, and a restore brings back.
EDITABLE = [f for f in FIELDS if f.editable]
#: The fields typed rather than picked: what an autosaved draft keeps.
TYPED = [f for f in FIELDS if f.kind in ("line", "text")]


def snapshot(article: Article) -> dict:
    """The story's content now, as JSON values (see the module docstring), with its
    ``version``."""
    return {"version": article.version, **{f.name: f.read(article) for f in FIELDS}}


def changed(before: dict, after: dict, fields: Iterable[ContentField] = FIELDS) -> list:
    """The fields whose values differ between two snapshots, in :data:`FIELDS` order; a
    field one of them does not know (a version saved before it was kept) is left out."""
    return [
        f
        for f in fields
        if f.name in before and f.name in after and not f.same(before[f.name], after[f.name])
    ]


def summary(fields: Iterable[ContentField]) -> str:
    """``引题、正文`` for a list of fields."""
    return "、".join(f.label for f in fields)


@dataclass
class Merge:
    """A three-way merge of one story edit made from an older version (optimistic locking,
    DESIGN.md "Editorial workflow"): ``base`` is the version the editor opened, ``theirs``
    the story as saved since, ``mine`` what the editor submits.

    - ``theirs_only``: fields someone else changed and this editor did not: theirs is kept;
    - ``mine_only``: fields only this editor changed: theirs had the base value, mine wins;
    - ``both``: fields both changed to different values: the editor chooses.
    """

    base: dict
    theirs: dict
    mine: dict
    theirs_only: list
    mine_only: list
    both: list

    @property
    def merged(self) -> dict:
        """Mine where only I changed, theirs everywhere else (conflicts keep theirs)."""
        result = {f.name: self.theirs.get(f.name) for f in EDITABLE}
        for f in self.mine_only:
            result[f.name] = self.mine[f.name]
        return result


def merge(base: dict | None, theirs: dict, mine: dict) -> Merge:
    """Merge ``mine`` (the submitted values of some :data:`EDITABLE` fields) onto ``theirs``
    (the current snapshot) from their common ``base`` (the snapshot the editor opened; ``None``
    when it is not known, which makes every difference a conflict). Fields absent from
    ``mine`` were not in the editor's form and are never touched."""
    theirs_only, mine_only, both = [], [], []
    for f in EDITABLE:
        current = theirs.get(f.name)
        known = base is not None and f.name in base
        original = base[f.name] if known else None
        if f.name not in mine:
            if known and not f.same(original, current):
                theirs_only.append(f)
            continue
        submitted = mine[f.name]
        they_changed = not known or not f.same(original, current)
        i_changed = not known or not f.same(original, submitted)
        if f.same(submitted, current):
            if they_changed and known:
                theirs_only.append(f)
            continue
        if they_changed and i_changed:
            both.append(f)
        elif they_changed:
            theirs_only.append(f)
        else:
            mine_only.append(f)
    return Merge(base or {}, theirs, mine, theirs_only, mine_only, both)


def write(article: Article, values: dict) -> None:
    """Write snapshot ``values`` of :data:`EDITABLE` fields onto ``article``: its own columns
    are set (call ``save()`` after), its unions, events, topics and credits replaced at once
    (the story must exist). Related rows deleted since the snapshot are left out."""
    for name, value in values.items():
        f = BY_NAME[name]
        if f.kind in ("line", "text", "choice", "flag"):
            setattr(article, name, value)
        elif f.kind == "ref":
            pk = _pk(value)
            article.column = Column.objects.filter(pk=pk).first() if pk else None


def write_related(article: Article, values: dict) -> None:
    """The related half of :func:`write`, once the story's own row is saved."""
    for name, value in values.items():
        f = BY_NAME[name]
        if f.kind == "refs":
            manager = getattr(article, name)
            manager.set(manager.model.objects.filter(pk__in=[_pk(pair) for pair in value]))
        elif f.kind == "tags":
            article.tags.set(list(value))
        elif f.kind == "credits":
            _write_credits(article, value)


def _write_credits(article: Article, rows: list) -> None:
    """Replace the story's credits by ``rows`` (``[reporter_id, name, title, contribution]``
    in order), keeping the rows of credits that stay, so their history reads as edits."""
    wanted = [row for row in rows if Reporter.objects.filter(pk=row[0]).exists()]
    keys = {(row[0], row[3]) for row in wanted}
    existing = {(b.reporter_id, b.contribution): b for b in article.bylines.all()}
    for key, byline in existing.items():
        if key not in keys:
            byline.delete()
    for order, (reporter_id, _name, title, contribution) in enumerate(wanted):
        byline = existing.get((reporter_id, contribution))
        if byline is None:
            Byline.objects.create(
                article=article,
                reporter_id=reporter_id,
                title=title,
                contribution=contribution,
                order=order,
            )
        elif (byline.title, byline.order) != (title, order):
            byline.title, byline.order = title, order
            byline.save(update_fields=["title", "order"])
