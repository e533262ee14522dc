"""Changes to the union directory: loading the curated fixture, reviewing and merging
proposals."""

import json
from pathlib import Path

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from articles.importer import UnionDirectory, UnionEntry
from unionnews import page_cache

from .models import Union, UnionAlias

DIRECTORY_FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "unions.json"


class MergeNotAllowed(Exception):
    """A merge that would break the tree, e.g. merging a union into its own descendant."""


@transaction.atomic
def directory_load(*, path: Path = DIRECTORY_FIXTURE) -> int:
    """Load the curated union directory from ``path`` (``fixtures/unions.json``).

    The file holds ``{"unions": [{"name", "short_name", "kind", "parent", "aliases",
    "description"}]}`` with parents listed before their children. Existing unions are updated
    and marked reviewed; nothing is deleted, so loading twice changes nothing. Returns the
    number of unions in the file. Raises ``ValueError`` naming the entry whose parent is
    unknown.
    """
    entries = json.loads(Path(path).read_text(encoding="utf-8"))["unions"]
    for entry in entries:
        parent = None
        if entry.get("parent"):
            parent = Union.objects.filter(name=entry["parent"]).first()
            if parent is None:
                raise ValueError(f"{path}: “{entry['name']}”的上级“{entry['parent']}”不在名录中")
        union, _ = Union.objects.update_or_create(
            name=entry["name"],
            defaults={
                "short_name": entry.get("short_name", ""),
                "kind": entry["kind"],
                "parent": parent,
                "description": entry.get("description", ""),
                "reviewed": True,
            },
        )
        for alias in entry.get("aliases", []):
            if alias != union.name:
                UnionAlias.objects.update_or_create(name=alias, defaults={"union": union})
    return len(entries)


_directory_cache: dict[tuple, UnionDirectory] = {}


def union_directory() -> UnionDirectory:
    """The whole directory (reviewed and proposed unions) as the importer's lookup.

    Two queries read the names; the lookup (with its jieba word list, which takes a moment to
    build) is rebuilt only when a name, alias or kind differs from the last call's.
    """
    aliases: dict[int, list[str]] = {}
    for union_id, name in UnionAlias.objects.order_by("pk").values_list("union_id", "name"):
        aliases.setdefault(union_id, []).append(name)
    entries = tuple(
        UnionEntry(name, kind, tuple(aliases.get(pk, [])) + ((short,) if short else ()))
        for pk, name, kind, short in Union.objects.order_by("pk").values_list(
            "pk", "name", "kind", "short_name"
        )
    )
    if entries not in _directory_cache:
        _directory_cache.clear()
        _directory_cache[entries] = UnionDirectory(list(entries))
    return _directory_cache[entries]


@transaction.atomic
def union_merge(*, source: Union, target: Union) -> Union:
    """Merge ``source`` (typically a proposed union) into ``target`` and delete ``source``.

    Everything that pointed at ``source`` points at ``target`` afterwards: articles, event
    organizers, correspondents, sub-unions. ``source``'s name and aliases become aliases of
    ``target`` so that the importer links the same printed form next time. Raises
    :class:`MergeNotAllowed` when ``target`` is ``source`` or lies below it.
    """
    if source.pk == target.pk:
        raise MergeNotAllowed("不能把工会合并到它自己。")
    if target.pk in Union.objects.subtree_ids(source):
        raise MergeNotAllowed(f"“{target}”是“{source}”的下级工会，不能合并到下级。")
    for article in source.articles.all():
        article.unions.add(target)
    for event in source.events.all():
        event.organizers.add(target)
    source.correspondents.update(union=target)
    source.children.update(parent=target)
    forms = [source.name, *source.aliases.values_list("name", flat=True)]
    source.aliases.all().delete()
    source.delete()
    for form in forms:
        if form != target.name:
            UnionAlias.objects.update_or_create(name=form, defaults={"union": target})
    return target


def unions_mark_reviewed(*, unions: QuerySet[Union]) -> int:
    """An editor confirms unions the importer proposed: they join the public directory and
    get pages. Returns how many changed."""
    count = unions.filter(reviewed=False).update(reviewed=True, updated_at=timezone.now())
    if count:
        page_cache.invalidate()  # a bulk update sends no signal
    return count
