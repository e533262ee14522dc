"""Changes to the union directory: loading the curated fixture, proposing, editing and
renaming unions, reviewing and merging proposals.

Every change takes the ``user`` (``unionnews.actors.SYSTEM`` for the fixture loader), is
allowed by the unions' model permissions (:class:`~unionnews.actors.ModelPolicy`), runs in a
transaction, leaves an audit entry and retires the public page cache when the public
directory changes. This app knows nothing of stories: a merge moves every link to the merged
union generically, and apps whose rows need more than a moved link (two correspondents of the
same name) register a handler with :func:`register_merge_handler`.
"""

import json
from collections.abc import Callable
from pathlib import Path

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from unionnews import audit, page_cache
from unionnews.actors import SYSTEM, ModelPolicy

from .models import Union, UnionAlias

DIRECTORY_FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "unions.json"
POLICY = ModelPolicy(Union)


class MergeNotAllowed(Exception):
    """A merge that would break the tree (merging a union into itself or into its own
    descendant), or one the user may not make."""


class UnionNotAllowed(Exception):
    """A change to the directory the user may not make; the message says why."""


def _require(user, *actions: str) -> None:
    if not POLICY.user_can(user, *actions):
        raise UnionNotAllowed("你没有权限修改工会名录。")


@transaction.atomic
def directory_load(*, user=SYSTEM, path: Path = DIRECTORY_FIXTURE) -> int:
    """Load the curated union directory from ``path`` (``fixtures/unions.json``).

    The file holds ``{"unions": [{"name", "short_name", "kind", "parent", "aliases",
    "description"}]}`` with parents listed before their children. Existing unions are updated
    and marked reviewed; nothing is deleted, so loading twice changes nothing. Returns the
    number of unions in the file. Raises ``ValueError`` naming the entry whose parent is
    unknown.
    """
    _require(user, "add", "change")
    entries = json.loads(Path(path).read_text(encoding="utf-8"))["unions"]
    changed = 0
    for entry in entries:
        parent = None
        if entry.get("parent"):
            parent = Union.objects.filter(name=entry["parent"]).first()
            if parent is None:
                raise ValueError(f"{path}: “{entry['name']}”的上级“{entry['parent']}”不在名录中")
        wanted = {
            "short_name": entry.get("short_name", ""),
            "kind": entry["kind"],
            "parent": parent,
            "description": entry.get("description", ""),
            "reviewed": True,
        }
        union = Union.objects.filter(name=entry["name"]).first()
        if union is None or any(getattr(union, k) != v for k, v in wanted.items()):
            union, _ = Union.objects.update_or_create(name=entry["name"], defaults=wanted)
            changed += 1
        for alias in entry.get("aliases", []):
            if alias != union.name:
                _, made = UnionAlias.objects.update_or_create(name=alias, defaults={"union": union})
                changed += made
    if changed:
        audit.log(
            user=user,
            action="union.load",
            obj=Union.objects.order_by("pk").first(),
            summary=f"载入工会名录 {Path(path).name}：更新 {changed} 处",
        )
        page_cache.retire()
    return len(entries)


def union_propose(*, user, name: str, kind: str, parent: Union | None, desk_note: str) -> Union:
    """Add a union the importer found in a page but the directory lacks, for an editor to
    review: unreviewed, so that it shows on no public page; ``desk_note`` says where it was
    found (the desk's note, never the public description)."""
    _require(user, "add")
    with transaction.atomic():
        union = Union.objects.create(
            name=name, kind=kind, parent=parent, reviewed=False, desk_note=desk_note
        )
        audit.log(user=user, action="union.propose", obj=union, summary=desk_note)
    return union


#: The fields :func:`union_update` writes, with their labels for the audit log.
UNION_FIELDS = {
    "name": "名称",
    "short_name": "简称",
    "kind": "类型",
    "parent": "上级工会",
    "description": "简介",
    "desk_note": "编辑部备注",
    "reviewed": "已审核",
}


def union_save(*, user, union: Union, save_related: Callable[[], None] | None = None) -> Union:
    """Save ``union`` as edited (created when it has no id): a rename keeps the old name as
    an alias, so that the importer still links the printed form. ``save_related`` writes
    what the form edits beside it (its aliases) in the same transaction. Raises
    :class:`UnionNotAllowed`."""
    creating = union.pk is None
    _require(user, "add" if creating else "change")
    with transaction.atomic():
        before = None if creating else Union.objects.select_for_update().get(pk=union.pk)
        union.save()
        if save_related is not None:
            save_related()
        if creating:
            audit.log(user=user, action="union.create", obj=union, summary=f"新建工会“{union}”")
        else:
            changed = [
                label
                for name, label in UNION_FIELDS.items()
                if getattr(before, name) != getattr(union, name)
            ]
            if before.name != union.name:
                UnionAlias.objects.filter(name=union.name).delete()
                UnionAlias.objects.get_or_create(name=before.name, defaults={"union": union})
                audit.log(
                    user=user,
                    action="union.rename",
                    obj=union,
                    summary=f"“{before.name}”改名为“{union.name}”，原名记为别名",
                )
            audit.log(
                user=user,
                action="union.change",
                obj=union,
                summary=f"已修改：{'、'.join(changed)}" if changed else "已保存（别名等）",
            )
        if union.reviewed or (before is not None and before.reviewed):
            page_cache.retire()
    return union


def union_delete(*, user, union: Union) -> None:
    """Delete a union that nothing depends on (its sub-unions are protected: merge instead)."""
    _require(user, "delete")
    with transaction.atomic():
        audit.log(user=user, action="union.delete", obj=union, summary=f"删除工会“{union}”")
        shown = union.reviewed
        union.delete()
        if shown:
            page_cache.retire()


def unions_mark_reviewed(*, user, unions: QuerySet[Union]) -> int:
    """An editor confirms unions the importer proposed: they join the public directory and
    get pages. Returns how many changed."""
    _require(user, "change")
    with transaction.atomic():
        chosen = list(
            Union.objects.filter(pk__in=unions.values("pk"), reviewed=False).select_for_update()
        )
        Union.objects.filter(pk__in=[u.pk for u in chosen]).update(
            reviewed=True, updated_at=timezone.now()
        )
        for union in chosen:
            audit.log(user=user, action="union.review", obj=union, summary="审核通过")
        if chosen:
            page_cache.retire()
    return len(chosen)


# -- merging --------------------------------------------------------------------------------

#: ``"app_label.Model"`` → ``handler(source, target, user) -> int`` for rows that point at
#: a union and need more than a moved link when two unions become one.
_MERGE_HANDLERS: dict[str, Callable[[Union, Union, object], int]] = {}


def register_merge_handler(model_label: str, handler: Callable[[Union, Union, object], int]):
    """Let the app of ``model_label`` move its rows from a merged union itself: ``articles``
    records the change on each story (a new version, in its history) and merges two
    correspondents of the same name. ``handler(source, target, user)`` runs inside the
    merge's transaction and returns how many rows it moved."""
    _MERGE_HANDLERS[model_label] = handler


def _move_links(relation, source: Union, target: Union) -> int:
    """Point every row of ``relation`` (a reverse foreign key or many-to-many to Union) at
    ``target`` instead of ``source``; a many-to-many link ``target`` already has is dropped
    rather than doubled. Returns the rows moved."""
    if relation.many_to_many:
        field = relation.field
        through = field.remote_field.through
        owner, union_column = field.m2m_field_name(), field.m2m_reverse_field_name()
        links = through.objects.filter(**{union_column: source})
        already = through.objects.filter(**{union_column: target}).values(owner)
        moved = links.exclude(**{f"{owner}__in": already}).update(**{union_column: target})
        links.delete()
        return moved
    return relation.related_model._base_manager.filter(**{relation.field.name: source}).update(
        **{relation.field.name: target}
    )


def _relation_label(relation) -> str:
    if relation.remote_field.name == "parent":
        return "下级工会"
    return str(relation.related_model._meta.verbose_name)


def union_links(union: Union) -> dict[str, int]:
    """What points at ``union``, kind by kind (``{"稿件": 3, "图片": 1, …}``): what a merge
    would move. One query per kind of link; kinds with nothing are left out."""
    counts: dict[str, int] = {}
    for relation in Union._meta.related_objects:
        if relation.many_to_many:
            field = relation.field
            through = field.remote_field.through
            n = through.objects.filter(**{field.m2m_reverse_field_name(): union}).count()
        else:
            n = relation.related_model._base_manager.filter(**{relation.field.name: union}).count()
        if n:
            label = _relation_label(relation)
            counts[label] = counts.get(label, 0) + n
    return counts


def union_merge(*, user, source: Union, target: Union) -> dict[str, int]:
    """Merge ``source`` (typically a proposed union) into ``target`` and delete ``source``.

    Everything that pointed at ``source`` points at ``target`` afterwards, whatever app it
    belongs to: stories, photos, event organizers, correspondents, sub-unions and aliases
    (:func:`_move_links`, or an app's registered handler). ``source``'s name becomes an alias
    of ``target``, so that the importer links the same printed form next time. Returns the
    rows moved per kind (``{"稿件": 3, …}``) and records the merge in the audit log. Raises
    :class:`MergeNotAllowed` when ``target`` is ``source`` or lies below it, or when the user
    may not change and delete unions; nothing is changed then.
    """
    if not POLICY.user_can(user, "change", "delete"):
        raise MergeNotAllowed("你没有权限合并工会。")
    if source.pk == target.pk:
        raise MergeNotAllowed("不能把工会合并到它自己。")
    with transaction.atomic():
        # Both rows locked in id order, so that two merges the other way round cannot deadlock.
        locked = Union.objects.select_for_update().in_bulk(sorted([source.pk, target.pk]))
        if len(locked) != 2:
            raise MergeNotAllowed("要合并的工会已被删除或合并。")
        source, target = locked[source.pk], locked[target.pk]
        if Union.objects.subtree(source).filter(pk=target.pk).exists():
            raise MergeNotAllowed(f"“{target}”是“{source}”的下级工会，不能合并到下级。")
        moved: dict[str, int] = {}
        for relation in Union._meta.related_objects:
            model = relation.related_model
            handler = _MERGE_HANDLERS.get(model._meta.label)
            if handler is not None:
                count = handler(source, target, user)
            else:
                count = _move_links(relation, source, target)
            if count:
                label = _relation_label(relation)
                moved[label] = moved.get(label, 0) + count
        source_name = source.name
        source.delete()
        if source_name != target.name:
            UnionAlias.objects.get_or_create(name=source_name, defaults={"union": target})
        detail = "、".join(f"{label} {n}" for label, n in moved.items()) or "无关联内容"
        audit.log(
            user=user,
            action="union.merge",
            obj=target,
            summary=f"将“{source_name}”合并到此工会（转移：{detail}），原名记为别名",
            source=source_name,
            moved=moved,
        )
        page_cache.retire()
    return moved


ACTIONS = {
    "union.load": "载入工会名录",
    "union.propose": "导入程序提议工会",
    "union.create": "新建工会",
    "union.change": "修改工会",
    "union.rename": "工会改名",
    "union.delete": "删除工会",
    "union.review": "审核工会",
    "union.merge": "合并工会",
}

__all__ = [
    "ACTIONS",
    "MergeNotAllowed",
    "UnionNotAllowed",
    "directory_load",
    "register_merge_handler",
    "union_links",
    "union_delete",
    "union_merge",
    "union_propose",
    "union_save",
    "unions_mark_reviewed",
]
