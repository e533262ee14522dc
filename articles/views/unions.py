"""The public union directory: the tree of reviewed unions and a page for each union, with
the union's coverage (these pages show stories, so they live with the stories, above the
``organizations`` app).

Unions the importer proposed (``reviewed=False``) have no public page until an editor
confirms them: their names may be wrong or duplicates awaiting a merge.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.shortcuts import get_object_or_404, render

from events.models import Event
from organizations.models import MAX_DEPTH, Union, UnionKind
from unionnews.slugs import public_url
from unionnews.web import paginate, redirect_if_moved

from .. import coverage
from ..models import Article, CoverageCount, prefetch_listing

#: ``parent__parent__…``: fetches a union with its whole parent chain in one query, so the
#: breadcrumbs (``Union.ancestors()``) cost no query per level.
PARENT_CHAIN = "__".join(["parent"] * (MAX_DEPTH + 1))


#: The most unions of one kind the directory lists under one parent; grassroots unions (基层
#: 工会) are fewer. A city's federations have thousands of grassroots unions between them
#: (2,000 in the million-story bench, 80 to 90 under each district and industry union): the
#: directory lists the first few in directory order and links to the parent's page, which
#: lists them all, a page at a time. The directory's size then follows the tree's upper
#: levels, not the number of enterprises (issue 11).
GROUP_SHOWN = 30
GRASSROOTS_SHOWN = 5
#: Sub-unions a page on a union's own page.
SUB_UNIONS_PER_PAGE = 100


@dataclass(frozen=True)
class Entry:
    """A union as the directory lists it: the columns it shows, read without making a
    model instance of each of thousands of unions."""

    pk: int
    name: str
    slug: str
    kind: str
    parent_id: int | None

    def get_absolute_url(self) -> str:
        return public_url("organizations:union_detail", self.pk, self.slug)


@dataclass
class KindGroup:
    """Unions of one kind under the same parent, e.g. the 区总工会 under 北京市总工会.

    ``nodes`` are the ones listed; ``more`` counts those left for the parent's page."""

    kind: str
    label: str
    nodes: list["TreeNode"]
    parent: Entry | None = None
    more: int = 0


@dataclass
class TreeNode:
    """A union in the directory tree with its published-story count and its sub-unions."""

    union: Entry
    groups: list[KindGroup] = field(default_factory=list)
    count: int = 0


def _group_by_kind(unions, children, depth, parent=None) -> list[KindGroup]:
    # Only unions whose parent is in the tree are someone's child, so walking down from the
    # roots cannot loop; the depth bound is a second guard against a corrupted directory.
    by_kind = defaultdict(list)
    for union in unions:
        by_kind[union.kind].append(union)
    groups = []
    for kind, label in UnionKind.choices:
        if not by_kind[kind]:
            continue
        # The top of the tree has no page to send the rest to: it is listed whole.
        limit = GRASSROOTS_SHOWN if kind == UnionKind.GRASSROOTS else GROUP_SHOWN
        shown = by_kind[kind][:limit] if parent else by_kind[kind]
        nodes = [
            TreeNode(
                union,
                _group_by_kind(children[union.pk], children, depth + 1, union)
                if depth < MAX_DEPTH
                else [],
            )
            for union in shown
        ]
        groups.append(KindGroup(kind, label, nodes, parent, len(by_kind[kind]) - len(shown)))
    return groups


def _nodes(groups):
    for group in groups:
        for node in group.nodes:
            yield node
            yield from _nodes(node.groups)


def union_list(request):
    """The directory as a tree: each union's sub-unions grouped by kind, with the number of
    published stories that name the union itself (sub-unions' stories are on its page)."""
    rows = Union.objects.reviewed().in_directory_order()
    unions = [Entry(*row) for row in rows.values_list("pk", "name", "slug", "kind", "parent_id")]
    reviewed_ids = {union.pk for union in unions}
    children = defaultdict(list)
    roots = []
    for union in unions:
        # A union whose parent is not public (a proposal) stands at the top of the tree.
        if union.parent_id in reviewed_ids:
            children[union.parent_id].append(union)
        else:
            roots.append(union)
    groups = _group_by_kind(roots, children, depth=0)
    listed = list(_nodes(groups))
    # Counted for the unions listed only: at a million stories every union's months were
    # 130,000 kept rows to add up (35 ms), for a page that lists a tenth of them.
    counts = coverage.counts(CoverageCount.Kind.UNION, [node.union.pk for node in listed])
    for node in listed:
        node.count = counts.get(node.union.pk, 0)
    return render(
        request,
        "organizations/union_list.html",
        {"groups": groups, "union_count": len(unions)},
    )


#: How many of the sub-unions' newest stories a union page shows; each sub-union's own page
#: has all of its coverage.
SUB_UNION_STORIES = 10


def union_detail(request, pk: int, slug: str):
    """A union's page: its parent chain, its sub-unions, the events it organised, its own
    published coverage (paginated, newest first), then the newest coverage of the unions
    below it that does not name the union itself."""
    union = get_object_or_404(Union.objects.reviewed().select_related(PARENT_CHAIN), pk=pk)
    if moved := redirect_if_moved(request, slug, union.get_absolute_url(), union.slug):
        return moved
    published = Article.objects.published()
    own = published.about_unions([union.pk]).listed().newest_first()
    page_obj = paginate(request, own, total=coverage.count(CoverageCount.Kind.UNION, union.pk))
    page_obj.object_list = list(page_obj.object_list)
    sub_unions = paginate(
        request,
        union.children.reviewed().in_directory_order(),
        SUB_UNIONS_PER_PAGE,
        param="sub",
    )
    below = Union.objects.subtree(union).exclude(pk=union.pk).values("pk")
    others = published.about_unions(below).not_about_unions([union.pk]).listed()
    sub_union_stories = list(others.newest_first()[:SUB_UNION_STORIES])
    prefetch_listing([*page_obj.object_list, *sub_union_stories])  # both lists at once
    return render(
        request,
        "organizations/union_detail.html",
        {
            "union": union,
            "ancestors": [u for u in reversed(union.ancestors()) if u.reviewed],
            "sub_unions": sub_unions,
            "events": list(Event.objects.reviewed().filter(organizers=union)),
            "page_obj": page_obj,
            "sub_union_stories": sub_union_stories,
        },
    )
