"""The printed paper (报纸): editions (期), their pages (版) and where each story ran.

A Chinese paper's site has two faces: the news site, and the digital edition (数字报), which
readers browse page by page as printed (issue 12; DESIGN.md, "Print editions"). An
:class:`Edition` is one day's paper. Its :class:`Page` rows are the pages in print order,
each with its stories in layout order (:class:`Placement`). A story ran on at most one page.

Visibility follows the stories' rule (``Article.objects.published()``): an edition shows once
the desk has published it and its publish time has come (:meth:`EditionQuerySet.published`).
On a public page only the edition's published stories are listed.
"""

import uuid

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from unionnews.dates import date_label


class EditionStatus(models.TextChoices):
    DRAFT = "draft", "编排中"
    PUBLISHED = "published", "已发布"


class EditionQuerySet(models.QuerySet):
    def published(self):
        """Editions readers may see: published, and their publish time has come, exactly as
        for stories (a scheduled edition appears at its moment, with no job to run)."""
        return self.filter(status=EditionStatus.PUBLISHED, publish_at__lte=timezone.now())

    def scheduled(self, *, after=None):
        """Published editions whose time has not come yet (定时发布), soonest first."""
        return self.filter(
            status=EditionStatus.PUBLISHED, publish_at__gt=after or timezone.now()
        ).order_by("publish_at", "pk")


class Edition(models.Model):
    """One day's paper (一期报纸): its date, its running issue number (总第 N 期), and
    whether the desk has published it."""

    Status = EditionStatus

    paper_date = models.DateField("出版日期", unique=True)
    issue_number = models.PositiveIntegerField(
        "总期号", null=True, blank=True, unique=True, help_text="报头上的“总第 N 期”。"
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    publish_at = models.DateTimeField(
        "发布时间",
        null=True,
        blank=True,
        help_text="状态为“已发布”且到达此时间后，读者才能看到本期数字报。",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    objects = EditionQuerySet.as_manager()

    class Meta:
        verbose_name = "报纸期次"
        verbose_name_plural = "报纸期次"
        ordering = ["-paper_date"]

    def __str__(self):
        issue = f"（总第 {self.issue_number} 期）" if self.issue_number else ""
        return f"{date_label(self.paper_date)}{issue}"

    def get_absolute_url(self):
        return reverse("editions:edition", args=[self.paper_date.isoformat()])

    @property
    def is_public(self) -> bool:
        """The rule of :meth:`EditionQuerySet.published`, for one edition in hand."""
        return (
            self.status == EditionStatus.PUBLISHED
            and self.publish_at is not None
            and self.publish_at <= timezone.now()
        )


def _random_name(folder: str, name: str) -> str:
    """``<folder>/2023/07/<random>.<ext>``: a name nobody can guess, so that a scheduled
    edition's page in a public bucket is not found before its time (as for photos)."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else "bin"
    extension = extension if extension.isalnum() and len(extension) <= 5 else "bin"
    return f"{folder}/{timezone.localtime():%Y/%m}/{uuid.uuid4().hex}.{extension}"


def scan_upload_to(page, name: str) -> str:
    return _random_name("epaper/scans", name)


def image_upload_to(page, name: str) -> str:
    return _random_name("epaper/pages", name)


class Page(models.Model):
    """One printed page of an edition (版): its number and name as the page's header prints
    them (第3版 工会新闻), and its page editor (版面编辑)."""

    edition = models.ForeignKey(
        Edition, verbose_name="期次", on_delete=models.CASCADE, related_name="pages"
    )
    number = models.PositiveSmallIntegerField(
        "版次", validators=[MinValueValidator(1)], help_text="第几版，如 3。"
    )
    name = models.CharField("版名", max_length=50, blank=True, help_text="如“要闻”“工会新闻”。")
    editor = models.CharField("版面编辑", max_length=50, blank=True)
    scan = models.FileField(
        "版面原件",
        upload_to=scan_upload_to,
        blank=True,
        help_text="排版系统输出的版面 PDF，或版面图片；PDF 可自动找出各篇稿件在版面上的位置。",
    )
    scan_name = models.CharField(
        "原件文件名", max_length=255, blank=True, editable=False, help_text="上传时的文件名。"
    )
    image = models.FileField(
        "版面图",
        upload_to=image_upload_to,
        blank=True,
        editable=False,
    )
    image_width = models.PositiveIntegerField("版面图宽度", null=True, blank=True, editable=False)
    image_height = models.PositiveIntegerField("版面图高度", null=True, blank=True, editable=False)
    import_record = models.OneToOneField(
        "articles.ImportedPage",
        verbose_name="导入记录",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="print_page",
    )

    class Meta:
        verbose_name = "版面"
        verbose_name_plural = "版面"
        ordering = ["edition", "number"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "number"], name="page_number_once"),
        ]

    def __str__(self):
        return f"{self.edition} 第{self.number}版{(' ' + self.name) if self.name else ''}"

    @property
    def label(self) -> str:
        """The page as its header prints it: 第3版 工会新闻 (第3版 without a name)."""
        return f"第{self.number}版" + (f" {self.name}" if self.name else "")

    @property
    def dated_label(self) -> str:
        """2023年7月15日 第3版 工会新闻, as the story page's 见报 line prints it."""
        return f"{date_label(self.edition.paper_date)} {self.label}"

    def get_absolute_url(self):
        return reverse("editions:page", args=[self.edition.paper_date.isoformat(), self.number])

    def image_url(self) -> str:
        """Where readers get the page image (served only once the edition is out); the
        image file's random name is in it, so a new scan is a new URL, never a stale copy."""
        stem = self.image.name.rsplit("/", 1)[-1].split(".", 1)[0]
        return reverse(
            "editions:page_image",
            args=[self.edition.paper_date.isoformat(), self.number, stem],
        )


def _fraction(label):
    return models.FloatField(
        label,
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
    )


class Placement(models.Model):
    """Where a story ran (见报): its page and its place in the page's layout order, and its
    area on the page image (热区) as fractions of the page's width and height, measured from
    the top left corner; no area where the page has no image or the story was not found."""

    page = models.ForeignKey(
        Page, verbose_name="版面", on_delete=models.CASCADE, related_name="placements"
    )
    article = models.OneToOneField(
        "articles.Article", verbose_name="稿件", on_delete=models.CASCADE, related_name="placement"
    )
    position = models.PositiveSmallIntegerField("版内顺序", default=1)
    area_left = _fraction("热区左边")
    area_top = _fraction("热区上边")
    area_width = _fraction("热区宽度")
    area_height = _fraction("热区高度")

    class Meta:
        verbose_name = "见报位置"
        verbose_name_plural = "见报位置"
        ordering = ["page", "position", "pk"]

    def __str__(self):
        return f"{self.page.label}（第{self.position}篇）"

    AREA_FIELDS = ("area_left", "area_top", "area_width", "area_height")

    @property
    def has_area(self) -> bool:
        return all(getattr(self, name) is not None for name in self.AREA_FIELDS)

    def clean(self):
        values = [getattr(self, name) for name in self.AREA_FIELDS]
        if any(v is None for v in values) and any(v is not None for v in values):
            raise ValidationError("热区的四个数值要么都填，要么都不填。")
        if self.has_area:
            if self.area_width <= 0 or self.area_height <= 0:
                raise ValidationError("热区的宽度和高度必须大于 0。")
            if self.area_left + self.area_width > 1 or self.area_top + self.area_height > 1:
                raise ValidationError(
                    "热区超出了版面的范围（各数值是占版面宽、高的比例，0 到 1）。"
                )
