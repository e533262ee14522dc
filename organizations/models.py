"""The union directory: every trade union the paper writes about, as a tree.

The tree follows the organisation of the All-China Federation of Trade Unions as the paper
prints it (DESIGN.md, "Unions form a tree"): the national federation above the municipal
federation; under it the district federations and the municipal industry unions; under those
the sub-district and park federations and the grassroots unions of enterprises.
"""

from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models import Q
from django.db.models.expressions import RawSQL

from unionnews.slugs import pinyin_key, pinyin_slug, public_url

#: How deep the tree can be: national → municipal → district → sub-district → grassroots →
#: branch. Walking the tree stops here, so a corrupted parent chain cannot loop forever.
MAX_DEPTH = 8


class UnionKind(models.TextChoices):
    """The level of a union in the tree (DESIGN.md, "Unions form a tree")."""

    NATIONAL = "national", "全国总工会"
    MUNICIPAL = "municipal", "市总工会"
    DISTRICT = "district", "区总工会"
    SUBDISTRICT = "subdistrict", "街道/乡镇总工会"
    PARK = "park", "园区总工会"
    INDUSTRY = "industry", "产业工会"
    GRASSROOTS = "grassroots", "基层工会"


#: Where each kind stands among siblings: the federation's own order (national … grassroots).
KIND_RANK = {kind: rank for rank, kind in enumerate(UnionKind.values)}


def union_sort_key(kind: str, name: str) -> str:
    """How the directory sorts unions: by kind in the federation's order, then by the
    pinyin of the name (东城 before 丰台 before 大兴), not by code point."""
    return f"{KIND_RANK.get(kind, len(KIND_RANK)):02d} {pinyin_key(name)}"[:200]


class UnionQuerySet(models.QuerySet):
    def in_directory_order(self):
        """Kind in the federation's order, then pinyin (:func:`union_sort_key`)."""
        return self.order_by("sort_key", "pk")

    def reviewed(self):
        """Unions an editor has confirmed; the importer's proposals are unreviewed."""
        return self.filter(reviewed=True)

    def proposed(self):
        """Unions the importer proposed that no editor has reviewed yet."""
        return self.filter(reviewed=False)

    def subtree(self, union):
        """``union`` and all unions below it (reviewed or not), as one query that a story
        query takes as a subquery (``Article.objects.about_unions(subtree.values("pk"))``).

        A recursive query (``WITH RECURSIVE``, on PostgreSQL and SQLite alike) walks down the
        ``parent`` links from ``union`` and stops at ``MAX_DEPTH`` levels, so a corrupted
        parent chain cannot loop. At a million stories 北京市总工会's subtree is 2,000 unions:
        as a subquery it costs the database a millisecond, where a list of its 2,000 ids cost
        Django and psycopg 60 ms to send (issue 11).
        """
        table = connections[self.db].ops.quote_name(self.model._meta.db_table)
        walk = RawSQL(
            "WITH RECURSIVE subtree(id, depth) AS ("
            f" SELECT id, 0 FROM {table} WHERE id = %s"
            f" UNION SELECT u.id, s.depth + 1 FROM {table} u"
            "  JOIN subtree s ON u.parent_id = s.id WHERE s.depth < %s"
            ") SELECT id FROM subtree",
            [union.pk, MAX_DEPTH],
        )
        return self.filter(pk__in=walk)


class Union(models.Model):
    """A trade union or federation of trade unions (工会 / 总工会).

    ``name`` is the canonical full name as the directory spells it (北京市建筑工会); the other
    forms the paper prints (市建筑工会) are :class:`UnionAlias` rows. Unions the importer found
    in a page but could not match are created with ``reviewed=False`` for an editor to confirm,
    rename or merge.
    """

    Kind = UnionKind

    name = models.CharField(
        "名称", max_length=100, unique=True, help_text="规范全称，如“北京市建筑工会”。"
    )
    short_name = models.CharField(
        "简称", max_length=50, blank=True, help_text="报上常用的简称，如“市建筑工会”。"
    )
    kind = models.CharField("类型", max_length=20, choices=Kind.choices, default=Kind.GRASSROOTS)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级工会",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    slug = models.SlugField("网址别名", max_length=100, blank=True, editable=False)
    description = models.TextField("简介", blank=True, help_text="公开显示在工会页面上。")
    desk_note = models.TextField(
        "编辑部备注",
        blank=True,
        help_text="只在编辑部内部可见，不会公开，如导入程序从哪个版面发现了这个工会。",
    )
    reviewed = models.BooleanField(
        "已审核",
        default=True,
        help_text="导入程序自动提出的工会为“未审核”，需编辑确认、改名或合并；未审核的工会不出现在任何公开页面上。",
    )
    sort_key = models.CharField("排序键", max_length=200, blank=True, editable=False, db_index=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    objects = UnionQuerySet.as_manager()

    class Meta:
        verbose_name = "工会"
        verbose_name_plural = "工会"
        ordering = ["sort_key", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=UnionKind.values), name="union_kind_valid"),
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="union_not_own_parent"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="union_name_not_empty"),
        ]

    def __str__(self):
        # The desk's pickers and lists tell a proposal from the union it may duplicate.
        return self.name if self.reviewed else f"{self.name}（待审核）"

    def save(self, *args, **kwargs):
        self.slug = pinyin_slug(self.short_name or self.name)
        self.sort_key = union_sort_key(self.kind, self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"name", "kind", "short_name"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "slug", "sort_key"}
        super().save(*args, **kwargs)

    def clean(self):
        # A union's parent chain must not come back to itself: the directory is a tree.
        node, seen = self.parent, 0
        while node is not None and seen <= MAX_DEPTH:
            if node.pk == self.pk and self.pk is not None:
                raise ValidationError({"parent": "上级工会不能是它自己或它的下级工会。"})
            node, seen = node.parent, seen + 1
        clash = UnionAlias.objects.filter(name=self.name).exclude(union_id=self.pk).first()
        if clash:
            raise ValidationError({"name": f"“{self.name}”已是“{clash.union}”的别名。"})

    def get_absolute_url(self):
        return public_url("organizations:union_detail", self.pk, self.slug)

    def ancestors(self) -> list["Union"]:
        """The unions above this one, nearest first (one query per level)."""
        chain, node = [], self.parent
        while node is not None and len(chain) < MAX_DEPTH:
            chain.append(node)
            node = node.parent
        return chain

    @property
    def display_name(self):
        return self.short_name or self.name


class UnionAlias(models.Model):
    """Another form of a union's name as papers print it: 市建筑工会, 经开区总工会, 小米工会.

    An alias names exactly one union, so it is unique across the directory. The importer links
    a printed name to a union through its canonical name or one of these aliases.
    """

    union = models.ForeignKey(
        Union, verbose_name="工会", on_delete=models.CASCADE, related_name="aliases"
    )
    name = models.CharField("别名", max_length=100, unique=True)

    class Meta:
        verbose_name = "工会别名"
        verbose_name_plural = "工会别名"
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="alias_not_empty")]

    def __str__(self):
        return self.name

    def clean(self):
        if Union.objects.filter(name=self.name).exclude(pk=self.union_id).exists():
            raise ValidationError({"name": f"“{self.name}”已是另一个工会的规范名称。"})
