"""Saving and deleting the desk's plain records (a column, a reporter, a topic, an alias):
objects with no rule beyond "who may change this kind of thing". The admin saves them
through these two services, so that they are checked, audited and retire the page cache like
every other write; objects with rules of their own (stories, unions, events) have services of
their own."""

from collections.abc import Callable

from django.db import models, transaction

from . import audit, page_cache
from .actors import ModelPolicy


class RecordNotAllowed(Exception):
    """The user may not add, change or delete this kind of record."""


def record_save(
    *, user, obj: models.Model, save: Callable[[], None] | None = None, fields: list[str] = ()
) -> models.Model:
    """Save ``obj`` (created when it has no id) as ``user``: ``save`` does the writing (a
    form's save with its related rows), by default ``obj.save()``. ``fields`` names what
    changed, for the audit log. Raises :class:`RecordNotAllowed`."""
    creating = obj.pk is None
    if not ModelPolicy(type(obj)).user_can(user, "add" if creating else "change"):
        raise RecordNotAllowed(f"你没有权限修改{obj._meta.verbose_name}。")
    with transaction.atomic():
        (save or obj.save)()
        name = obj._meta.verbose_name
        summary = f"新建{name}“{obj}”" if creating else f"修改{name}“{obj}”"
        if fields:
            summary += f"：{'、'.join(fields)}"
        audit.log(
            user=user,
            action="record.add" if creating else "record.change",
            obj=obj,
            summary=summary,
        )
        page_cache.retire_for(obj)
    return obj


def record_delete(*, user, obj: models.Model) -> None:
    """Delete ``obj`` as ``user``. Raises :class:`RecordNotAllowed`."""
    if not ModelPolicy(type(obj)).user_can(user, "delete"):
        raise RecordNotAllowed(f"你没有权限删除{obj._meta.verbose_name}。")
    with transaction.atomic():
        audit.log(
            user=user,
            action="record.delete",
            obj=obj,
            summary=f"删除{obj._meta.verbose_name}“{obj}”",
        )
        shown = page_cache.shows(obj)
        obj.delete()
        if shown:
            page_cache.retire()


ACTIONS = {"record.add": "新建", "record.change": "修改", "record.delete": "删除"}
