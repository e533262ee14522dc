"""Events the unions run — competitions, welfare drives, training — and their coverage."""

from django.db import models
from django.db.models import F, Q

from unionnews.slugs import pinyin_slug, public_url


class EventKind(models.TextChoices):
    COMPETITION = "competition", "劳动和技能竞赛"
    WELFARE = "welfare", "慰问"
    TRAINING = "training", "培训班"
    RECUPERATION = "recuperation", "疗休养"
    MIXER = "mixer", "联谊交友"
    LECTURE = "lecture", "宣讲"
    CULTURE = "culture", "文体活动"
    EDUCATION = "education", "学历提升"


class EventQuerySet(models.QuerySet):
    def reviewed(self):
        return self.filter(reviewed=True)

    def proposed(self):
        """Events the importer proposed that no editor has reviewed yet."""
        return self.filter(reviewed=False)

    def upcoming(self, today):
        """Events still to come or under way on ``today`` (a date), soonest first."""
        return self.filter(
            Q(ends_on__gte=today) | Q(ends_on__isnull=True, starts_on__gte=today)
        ).order_by(F("starts_on").asc(nulls_first=True), "name", "pk")

    def past(self, today):
        """Events over before ``today``, newest first. An event without dates is neither
        past nor upcoming (:meth:`undated`): its page says 日期待定 (issue 12)."""
        return (
            self.exclude(Q(ends_on__gte=today) | Q(ends_on__isnull=True, starts_on__gte=today))
            .exclude(starts_on__isnull=True, ends_on__isnull=True)
            .order_by(F("starts_on").desc(nulls_last=True), "name", "pk")
        )

    def undated(self):
        """Events with no dates yet (日期待定), newest edition first, then by name."""
        return self.filter(starts_on__isnull=True, ends_on__isnull=True).order_by(
            F("edition_year").desc(nulls_last=True), "name", "pk"
        )


class Event(models.Model):
    """Something a union organises that the paper covers, with a page of its own.

    Kinds follow DESIGN.md ("Events the unions run"). A recurring event comes back as one row
    per edition: the 2023 edition of 海淀工匠杯 is ``name="海淀工匠杯", edition_year=2023``.
    Figures are as printed: ``contestants`` is a head count, ``trades`` and ``titles_awarded``
    are lists separated by "、".
    """

    Kind = EventKind

    name = models.CharField("名称", max_length=150)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    edition_year = models.PositiveSmallIntegerField(
        "届次年份", null=True, blank=True, help_text="每年举办的活动按年份区分届次，如 2023。"
    )
    slug = models.SlugField("网址别名", max_length=100, blank=True, editable=False)
    starts_on = models.DateField("开始日期", null=True, blank=True)
    ends_on = models.DateField("结束日期", null=True, blank=True)
    place = models.CharField("地点", max_length=150, blank=True)
    organizers = models.ManyToManyField(
        "organizations.Union", verbose_name="主办工会", blank=True, related_name="events"
    )
    description = models.TextField("简介", blank=True, help_text="公开显示在活动页面上。")
    desk_note = models.TextField(
        "编辑部备注",
        blank=True,
        help_text="只在编辑部内部可见，不会公开，如导入程序从哪个版面发现了这个活动。",
    )
    contestants = models.PositiveIntegerField("参赛/参加人数", null=True, blank=True)
    trades = models.CharField("竞赛工种", max_length=500, blank=True, help_text="以“、”分隔。")
    titles_awarded = models.CharField(
        "授予称号", max_length=300, blank=True, help_text="如“首都建筑工匠”，以“、”分隔。"
    )
    reviewed = models.BooleanField(
        "已审核",
        default=True,
        help_text="导入程序自动提出的活动为“未审核”，需编辑确认或合并；未审核的活动不出现在任何公开页面上。",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = "活动"
        verbose_name_plural = "活动"
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=EventKind.values), name="event_kind_valid"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="event_ends_after_start",
            ),
            models.UniqueConstraint(fields=["name", "edition_year"], name="event_unique_edition"),
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(edition_year__isnull=True),
                name="event_unique_name_without_edition",
            ),
        ]

    def __str__(self):
        return f"{self.edition_year}年{self.name}" if self.edition_year else self.name

    def save(self, *args, **kwargs):
        self.slug = pinyin_slug(self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return public_url("events:event_detail", self.pk, self.slug)

    def trade_list(self) -> list[str]:
        return [t for t in self.trades.split("、") if t.strip()]

    def titles_awarded_list(self) -> list[str]:
        return [t for t in self.titles_awarded.split("、") if t.strip()]
