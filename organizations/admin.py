"""The union directory in the admin: the tree, aliases, review and merging of proposals."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, IntegerField, Value, When
from django.template.response import TemplateResponse
from django.utils.functional import cached_property
from django.utils.html import format_html

from unionnews.desk_admin import DeskModelAdmin

from .models import MAX_DEPTH, Union, UnionAlias
from .services import (
    MergeNotAllowed,
    UnionNotAllowed,
    union_delete,
    union_links,
    union_merge,
    union_save,
    unions_mark_reviewed,
)

#: Indentation per level of the tree; ideographic spaces are not collapsed by HTML.
INDENT = "\u3000"
#: Up to this many unions the changelist is shown in tree order (a CASE over every id);
#: a larger directory falls back to name order, still indented.
TREE_ORDER_LIMIT = 3000


class UnionTree:
    """The whole directory's shape from one query of (id, parent_id, name) rows.

    Walks stop at ``MAX_DEPTH`` levels, so a corrupted parent chain cannot loop.
    """

    def __init__(self):
        self.parents, self.names, self.keys = {}, {}, {}
        rows = Union.objects.values_list("pk", "parent_id", "name", "sort_key")
        for pk, parent_id, name, sort_key in rows:
            self.parents[pk], self.names[pk], self.keys[pk] = parent_id, name, sort_key

    def __len__(self):
        return len(self.names)

    def ancestors(self, pk) -> list[int]:
        """Ids above ``pk``, nearest first."""
        chain, node = [], self.parents.get(pk)
        while node is not None and len(chain) < MAX_DEPTH:
            chain.append(node)
            node = self.parents.get(node)
        return chain

    def path(self, pk) -> list[str]:
        """Names from the root down to ``pk`` itself."""
        return [self.names.get(node, "?") for node in reversed(self.ancestors(pk))] + [
            self.names.get(pk, "?")
        ]

    def sort_key(self, pk) -> list[str]:
        """The directory order from the root down: siblings by kind (districts before
        industry unions before grassroots), then by the pinyin of the name
        (``Union.sort_key``)."""
        chain = [*reversed(self.ancestors(pk)), pk]
        return [self.keys.get(node, "") for node in chain]

    def preorder(self) -> list[int]:
        """Every id with each union right after its parent, siblings in directory order."""
        return sorted(self.names, key=lambda pk: (self.sort_key(pk), pk))


class UnionChangeList(ChangeList):
    """Shows the directory as a tree: ordered parent-before-children unless the editor sorts
    by a column, with each row's depth and path set for the 层级 column."""

    @cached_property
    def tree(self):
        return UnionTree()

    def get_ordering(self, request, queryset):
        if self.params.get(ORDER_VAR) or len(self.tree) > TREE_ORDER_LIMIT:
            return super().get_ordering(request, queryset)
        order = self.tree.preorder()
        position = Case(
            *(When(pk=pk, then=Value(i)) for i, pk in enumerate(order)),
            default=Value(len(order)),
            output_field=IntegerField(),
        )
        return [position.asc(), "pk"]

    def get_results(self, request):
        super().get_results(request)
        for union in self.result_list:
            union.tree_path = self.tree.path(union.pk)
            union.tree_depth = len(union.tree_path) - 1


class UnionAliasInline(admin.TabularInline):
    model = UnionAlias
    fields = ["name"]
    extra = 0


class UnionMergeForm(forms.Form):
    target = forms.ModelChoiceField(
        label="合并到",
        queryset=Union.objects.none(),
        empty_label="——请选择已审核的工会——",
        help_text="只能合并到已审核的工会。",
        error_messages={"required": "请选择要合并到的工会。"},
    )

    def __init__(self, *args, sources, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["target"]
        field.queryset = (
            Union.objects.reviewed().exclude(pk__in=[s.pk for s in sources]).in_directory_order()
        )
        field.label_from_instance = lambda u: f"{u.name}（{u.get_kind_display()}）"


@admin.register(Union)
class UnionAdmin(DeskModelAdmin):
    """The union directory: the tree, aliases, review and merging of the importer's
    proposals. Every write goes through ``organizations.services``."""

    list_title = "工会名录"
    list_display = ["tree_name", "kind", "parent", "reviewed", "article_count", "alias_names"]
    list_select_related = ["parent"]
    list_filter = ["kind", "reviewed", ("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "short_name", "aliases__name"]
    search_help_text = "可搜索名称、简称和别名。"
    autocomplete_fields = ["parent"]
    fields = ["name", "short_name", "kind", "parent", "description", "desk_note", "reviewed"]
    inlines = [UnionAliasInline]
    actions = ["mark_reviewed", "merge_into"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(article_count=Count("articles", distinct=True))
            .prefetch_related("aliases")
        )

    def get_changelist(self, request, **kwargs):
        return UnionChangeList

    def changelist_view(self, request, extra_context=None):
        pending = Union.objects.proposed().count()
        extra_context = {
            "proposed_count": pending,
            "subtitle": f"待审核 {pending} 个（导入程序新提议的工会）" if pending else None,
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=extra_context)

    def save_object(self, request, obj, save, fields):
        try:
            union_save(user=request.user, union=obj, save_related=save)
        except UnionNotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc

    def delete_object(self, request, obj):
        try:
            union_delete(user=request.user, union=obj)
        except UnionNotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc

    # -- columns -------------------------------------------------------------------------------

    @admin.display(description="名称（按上下级排列）", ordering="name")
    def tree_name(self, obj):
        depth = getattr(obj, "tree_depth", 0)
        return format_html(
            '<span title="{}">{}{}{}</span>',
            " › ".join(getattr(obj, "tree_path", [obj.name])),
            INDENT * depth,
            "└ " if depth else "",
            obj.name,
        )

    @admin.display(description="稿件数", ordering="article_count")
    def article_count(self, obj):
        return obj.article_count

    @admin.display(description="别名")
    def alias_names(self, obj):
        return "、".join(alias.name for alias in obj.aliases.all())

    # -- actions -------------------------------------------------------------------------------

    @admin.action(description="标记为已审核", permissions=["change"])
    def mark_reviewed(self, request, queryset):
        count = unions_mark_reviewed(user=request.user, unions=queryset)
        self.message_user(request, f"已将 {count} 个工会标记为已审核。", messages.SUCCESS)

    @admin.action(description="合并到…", permissions=["change", "delete"])
    def merge_into(self, request, queryset):
        """Merge the selected unions (usually proposals) into one reviewed union, after a
        confirmation page where the editor picks the target."""
        sources = list(queryset)
        for source in sources:
            source.links = "、".join(f"{label} {n}" for label, n in union_links(source).items())
        form = UnionMergeForm(request.POST if "apply" in request.POST else None, sources=sources)
        if form.is_valid():
            target = form.cleaned_data["target"]
            for source in sources:
                try:
                    moved = union_merge(user=request.user, source=source, target=target)
                except MergeNotAllowed as exc:
                    self.message_user(request, f"“{source}”未能合并：{exc}", messages.WARNING)
                    continue
                detail = "、".join(f"{label} {n}" for label, n in moved.items())
                self.message_user(
                    request,
                    f"已将“{source.name}”合并到“{target}”，原名称已记为它的别名"
                    + (f"；转到该工会的有：{detail}。" if detail else "。"),
                    messages.SUCCESS,
                )
            return None
        return TemplateResponse(
            request,
            "admin/organizations/union/merge.html",
            {
                **self.admin_site.each_context(request),
                "title": "合并工会",
                "subtitle": None,
                "opts": self.opts,
                "sources": sources,
                "form": form,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "media": self.media + form.media,
            },
        )
