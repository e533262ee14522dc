"""What every desk screen in the admin shares (:class:`DeskModelAdmin`), whichever app's
model it shows.

- **Writes go through services.** A plain record (a column, a reporter, a topic) is saved and
  deleted by :func:`unionnews.records.record_save` / ``record_delete``, which check the
  permission, write the audit log and retire the page cache; models with rules of their own
  override :meth:`DeskModelAdmin.save_object` and :meth:`DeskModelAdmin.delete_object` to
  call their own services. Nothing is written by ``save_model``.
- **One log.** The audit log (操作日志) is the desk's history, so Django's own admin log is not
  written, and an object's 历史 opens the audit log filtered to it.
- **Chinese that reads naturally**: a list is titled by what it lists, not "选择 X 来修改";
  the delete page lists what goes with the object, without Django's internal link rows
  ("Article-union关系: Article_unions object (33)").
"""

from django.apps import apps
from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import capfirst

from . import records


def _link_models() -> set[str]:
    """The labels (as the delete page prints them) of the models behind many-to-many links:
    Django's auto-created tables and taggit's tagged items."""
    labels = set()
    for model in apps.get_models(include_auto_created=True):
        opts = model._meta
        if opts.auto_created or opts.label == "taggit.TaggedItem":
            labels.add(str(capfirst(opts.verbose_name)))
    return labels


def _without_links(items, links: set[str]) -> list:
    kept = []
    for item in items:
        if isinstance(item, list):
            nested = _without_links(item, links)
            if nested:
                kept.append(nested)
        elif not any(str(item).startswith(f"{label}: ") for label in links):
            kept.append(item)
    return kept


def audit_log_url(obj=None) -> str:
    """The audit log page, filtered to ``obj`` when given."""
    url = reverse("admin:unionnews_auditentry_changelist")
    if obj is None:
        return url
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    return f"{url}?{urlencode({'target': f'{content_type.pk}-{obj.pk}'})}"


class DeskModelAdmin(admin.ModelAdmin):
    """The base of every admin class of the desk (see the module docstring)."""

    #: The list page's title; default: the model's plural name.
    list_title = ""
    #: What an empty value reads as, in lists and in the filters' "none" choice.
    empty_value_display = "（未填）"

    # -- saving --------------------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        """Nothing is written here: :meth:`save_related` saves the object with its related
        rows through one service call."""

    def save_related(self, request, form, formsets, change):
        def save():
            form.instance.save()
            form.save_m2m()
            for formset in formsets:
                self.save_formset(request, form, formset, change=change)

        try:
            self.save_object(
                request,
                form.instance,
                save,
                [capfirst(form.fields[n].label or n) for n in form.changed_data],
            )
        except records.RecordNotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc

    def save_object(self, request, obj, save, fields):
        """Save ``obj`` (and what ``save`` writes with it) through its service."""
        records.record_save(user=request.user, obj=obj, save=save, fields=fields)

    def delete_model(self, request, obj):
        try:
            self.delete_object(request, obj)
        except records.RecordNotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc

    def delete_queryset(self, request, queryset):
        """The list's 删除 action: every object is asked about first, then all go in one
        transaction, so that a refusal deletes none of them."""
        objects = list(queryset)
        if not all(self.has_delete_permission(request, obj) for obj in objects):
            raise PermissionDenied("所选的内容中有你不能删除的，没有删除任何一项。")
        with transaction.atomic():
            for obj in objects:
                self.delete_model(request, obj)

    def delete_object(self, request, obj):
        records.record_delete(user=request.user, obj=obj)

    # -- one log ----------------------------------------------------------------------------

    def log_addition(self, request, obj, message):
        """The services write the audit log; Django's admin log is not kept."""

    def log_change(self, request, obj, message):
        """See :meth:`log_addition`."""

    def log_deletions(self, request, queryset):
        """See :meth:`log_addition`."""

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is None or not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        return redirect(audit_log_url(obj))

    # -- Chinese ------------------------------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        title = self.list_title or str(self.opts.verbose_name_plural)
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        links = _link_models()
        counts = {name: n for name, n in counts.items() if str(capfirst(name)) not in links}
        return _without_links(deleted, links), counts, perms_needed, protected

    def message_refusal(self, request, exc) -> None:
        """Show a service's refusal as an error message."""
        self.message_user(request, str(exc), messages.ERROR)


def view_on_site(request, content_type_id: int, object_id: str):
    """The admin's 在站点上查看 shortcut (``/admin/r/<type>/<id>/``), answering only for objects
    the user may see in the admin: where Django's own redirects anyone to any object's public
    URL (a draft's slug tells its headline), this asks the object's admin class, and sends the
    user where that class says the object is seen (a story not yet live: its preview). 404
    otherwise, saying nothing about the object."""
    from django.contrib import admin as django_admin
    from django.http import Http404

    content_type = ContentType.objects.filter(pk=content_type_id).first()
    model = content_type.model_class() if content_type else None
    model_admin = django_admin.site._registry.get(model)
    obj = model_admin.get_object(request, object_id) if model_admin else None
    if obj is None or not model_admin.has_view_or_change_permission(request, obj):
        raise Http404("没有这个对象，或你无权查看。")
    url = model_admin.get_view_on_site_url(obj)
    shortcut = reverse("admin:view_on_site", args=[content_type_id, object_id])
    if not url or url == shortcut:
        url = obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else None
    if not url:
        raise Http404("这个对象没有网站页面。")
    return redirect(url)
