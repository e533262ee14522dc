"""Stories, their credits and the columns they run under."""

import uuid
from collections import Counter

import reversion
from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.core.exceptions import ObjectDoesNotExist
from django.db import connections, models
from django.db.models import F, Q
from django.utils import timezone
from reversion.models import Revision
from taggit.managers import TaggableManager

from events.models import Event
from organizations.models import Union
from unionnews.dates import month_span
from unionnews.slugs import pinyin_slug, public_url

from . import credits as credit_rules
from . import search as search_rules
from .fulltext import CONFIG, SearchDocument


class Column(models.Model):
    """A column (栏目/专题): the banner over a page or a run of stories.

    e.g. 深入学习贯彻党的二十大精神 奋力开拓首都工会工作新局面 over the seed pages.
    """

    name = models.CharField("名称", max_length=150, unique=True)
    slug = models.SlugField("网址别名", max_length=100, blank=True, editable=False)
    description = models.TextField("简介", blank=True)
    position = models.PositiveSmallIntegerField(
        "排序", default=100, help_text="首页按此顺序排列栏目，数字小的在前。"
    )

    class Meta:
        verbose_name = "栏目"
        verbose_name_plural = "栏目"
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.slug = pinyin_slug(self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return public_url("articles:column_detail", self.pk, self.slug)


class ReporterQuerySet(models.QuerySet):
    def matching(self, name: str):
        """People of this name, staff reporters (no union) first, then correspondents by
        union, then the oldest: the order in which an imported credit is matched, the same on
        every database (PostgreSQL sorts NULL last by default, SQLite first)."""
        return self.filter(name=name).order_by(F("union_id").asc(nulls_first=True), "pk")


class Reporter(models.Model):
    """A person who writes or photographs for the paper.

    Staff reporters (记者, 实习记者) have no ``union``; a correspondent (通讯员) is a union's own
    press officer and writes for ``union``. ``user`` ties the person to a login for filing
    stories. The title printed with a story is on :class:`Byline`, since it can change (a
    trainee becomes a reporter); ``title`` here is the usual one, for new bylines.
    """

    name = models.CharField("姓名", max_length=50)
    title = models.CharField(
        "常用署名身份", max_length=10, choices=[(t, t) for t in credit_rules.TITLES], default="记者"
    )
    union = models.ForeignKey(
        "organizations.Union",
        verbose_name="所在工会",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="correspondents",
        help_text="通讯员所代表的工会；本报记者留空。",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reporter",
    )
    slug = models.SlugField("网址别名", max_length=60, blank=True, editable=False)

    objects = ReporterQuerySet.as_manager()

    class Meta:
        verbose_name = "作者"
        verbose_name_plural = "作者"
        ordering = ["name"]
        constraints = [
            # Two staff reporters never share a name on one desk; correspondents of different
            # unions may (the union tells them apart).
            models.UniqueConstraint(
                fields=["name"], condition=Q(union__isnull=True), name="reporter_unique_staff"
            ),
            models.UniqueConstraint(fields=["name", "union"], name="reporter_unique_in_union"),
            models.CheckConstraint(condition=~Q(name=""), name="reporter_name_not_empty"),
        ]

    def __str__(self):
        return f"{self.name}（{self.union}）" if self.union_id else self.name

    def save(self, *args, **kwargs):
        self.slug = pinyin_slug(self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return public_url("articles:reporter_detail", self.pk, self.slug)


class ArticleKind(models.TextChoices):
    NEWS = "news", "消息"
    PHOTO = "photo", "图片新闻"
    PROFILE = "profile", "人物/访谈"


class ArticleStatus(models.TextChoices):
    """Where a story stands on the desk (DESIGN.md, "Editorial workflow"). Moves between
    them only through the services in ``articles/services.py``."""

    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待审"
    RETURNED = "returned", "退回修改"
    APPROVED = "approved", "已通过"
    SIGNED_OFF = "signed_off", "已签发"
    PUBLISHED = "published", "已发布"
    WITHDRAWN = "withdrawn", "已撤回"


#: States in which a story's reporter may still change it.
REPORTER_EDITABLE = (ArticleStatus.DRAFT, ArticleStatus.RETURNED)


def _matched_or_credited(match: Q, people: list[int]) -> Q:
    """Stories whose text matches ``match``, or with a credit (byline or photo credit) for
    one of ``people`` (reporter ids): one ``IN`` over a ``UNION`` of the three id lists, so
    that each list is found through its own index (an ``OR`` of the three made PostgreSQL
    test every story's document, 1 s at 100,000 stories). The ids are given, not a join on
    the name: the planner then reads each person's credits by index (a join on the name made
    it scan all 1.16 million bylines at a million stories, 130 ms)."""
    texts = Article.objects.filter(match).order_by().values("pk")
    bylines = Byline.objects.filter(reporter_id__in=people).order_by().values("article_id")
    photos = PhotoCredit.objects.filter(reporter_id__in=people).order_by()
    return Q(pk__in=texts.union(bylines, photos.values("photo__article_id")))


def _listing_prefetches() -> list:
    return [
        models.Prefetch("bylines", queryset=Byline.objects.select_related("reporter")),
        # Readers never see a union or event the importer proposed and no editor reviewed.
        models.Prefetch("unions", queryset=Union.objects.reviewed().in_directory_order()),
        models.Prefetch("photos", queryset=Photo.objects.prefetch_related("renditions")),
    ]


def prefetch_listing(stories) -> None:
    """What :meth:`ArticleQuerySet.with_listing` prefetches, for ``stories`` fetched with
    :meth:`ArticleQuerySet.listed` (several lists of one page at once: one query a relation
    for all of them, not one a list)."""
    models.prefetch_related_objects(list(stories), *_listing_prefetches())


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """Stories the public may see: published, and their publish time has come.

        This is the one visibility rule (DESIGN.md, "Editorial workflow"). Every public page,
        list, feed, search and count starts from it, so a story scheduled for 08:00 appears
        everywhere at 08:00 and nowhere before, with no job to run.
        """
        return self.filter(status=ArticleStatus.PUBLISHED, publish_at__lte=timezone.now())

    def listed(self):
        """The rows a story list shows, with their column, without the search columns (2 KB
        of tokens and a 5 KB tsvector a story); :meth:`with_listing` adds the rest."""
        return self.select_related("column").defer("search_text", "search_document")

    def with_listing(self):
        """Prefetch what a story list shows readers (column, credits, reviewed unions, the
        photos with their renditions for the lead photo), in a fixed query count. Unions the
        importer proposed and no editor reviewed are left out: readers never see them.
        Several lists on one page share one prefetch with :func:`prefetch_listing`."""
        return self.listed().prefetch_related(*_listing_prefetches())

    def photo_missing(self):
        """Stories flagged 待配图: a photo story (图片新闻), or a story with a photo credit
        (``本报记者 于佳 摄``), that has no photo attached and that no editor has waived.

        Imported print pages bring the credits but never the image files, so every imported
        photo story starts here (issue 5, "Missing photos"). Such a story cannot be
        published (``services.step_refusal``).
        """
        photo_credited = Byline.objects.filter(contribution=credit_rules.PHOTO)
        attached = Photo.objects.filter(article__isnull=False)  # no NULL in a NOT IN list
        return self.filter(
            Q(kind=ArticleKind.PHOTO) | Q(pk__in=photo_credited.values("article_id")),
            photo_waived=False,
        ).exclude(pk__in=attached.values("article_id"))

    def search(self, query: str):
        """Stories holding every part of ``query`` (the reader's words between spaces) as
        written, or credited to a person of that name, newest first
        (``articles/search.py`` says how text is matched). Call it on ``published()``.

        PostgreSQL matches each part as a phrase of the stored ``search_document``
        (``articles/fulltext.py``), through its GIN index for a rare phrase or along the
        ``publish_at`` index for a common one; other databases find the part's tokens in
        ``search_text``. A query with no letter or digit finds nothing.
        """
        phrases = search_rules.query_phrases(query)
        if not phrases:
            return self.none()
        found = self
        if connections[self.db].vendor == "postgresql":
            matches = [
                Q(search_document=SearchQuery(p.tsquery(), config=CONFIG, search_type="raw"))
                for p in phrases
            ]
        else:
            matches = [Q(search_text__contains=p.contained()) for p in phrases]
        # A part that is someone's name also finds their credits. Only then is the text
        # match widened, so that an ordinary search stays on the GIN index alone.
        people: dict[str, list[int]] = {}
        named = Reporter.objects.filter(name__in=[p.text for p in phrases]).order_by("pk")
        for pk, name in named.values_list("pk", "name"):
            people.setdefault(name, []).append(pk)
        for phrase, match in zip(phrases, matches, strict=True):
            if phrase.text in people:
                match = _matched_or_credited(match, people[phrase.text])
            found = found.filter(match)
        return found.newest_first()

    def with_detail(self):
        """Prefetch everything an article page shows, photo credits included; its events
        only once reviewed."""
        return (
            self.with_listing()
            .with_placement()
            .prefetch_related(models.Prefetch("events", queryset=Event.objects.reviewed()), "tags")
            .prefetch_related(
                models.Prefetch(
                    "photos__credits", queryset=PhotoCredit.objects.select_related("reporter")
                )
            )
        )

    def newest_first(self):
        return self.order_by("-publish_at", "-pk")

    def own_by(self, user):
        """Stories that are ``user``'s own: they have a credit on it (text or photo) or filed
        it. A subquery, so that each story is listed once."""
        credited = Byline.objects.filter(reporter__user=user).values("article_id")
        return self.filter(Q(pk__in=credited) | Q(created_by=user))

    def visible_to(self, user):
        """The stories a desk user may open: every story for those who see every story
        (editors, ``articles.workflow.DeskTester``), else their own (:meth:`own_by`)."""
        from .workflow import DeskTester

        desk = DeskTester(user)
        if not desk.can_open_desk:
            return self.none()
        return self if desk.sees_every_story else self.own_by(user)

    def editable_by(self, user):
        """The stories a desk user may change now (``StoryTester.can_edit``): all for
        editors; a reporter's own stories while they are draft or returned."""
        from .workflow import DeskTester

        desk = DeskTester(user)
        if not desk._may("change_article"):
            return self.none()
        if desk.is_editor:
            return self
        return self.own_by(user).filter(status__in=REPORTER_EDITABLE)

    def scheduled(self, *, after=None):
        """Published stories whose publish time has not come yet (定时发布), soonest first;
        ``after``: not yet at that moment (default now)."""
        return self.filter(
            status=ArticleStatus.PUBLISHED, publish_at__gt=after or timezone.now()
        ).order_by("publish_at", "pk")

    def credited_to(self, reporter):
        """Stories with any credit for ``reporter`` (a :class:`Reporter`, or a list of
        reporter ids: any of them): a byline (text or photo) or the credit of one of their
        photos (:class:`PhotoCredit`); each story once."""
        ids = [reporter.pk] if isinstance(reporter, Reporter) else list(reporter)
        bylines = Byline.objects.filter(reporter_id__in=ids).order_by().values("article_id")
        photos = PhotoCredit.objects.filter(reporter_id__in=ids).order_by()
        # One IN over a UNION, so the ids are found by index (an OR of two IN lists made
        # PostgreSQL test every story against both: 74 ms at 100,000 stories).
        return self.filter(pk__in=bylines.union(photos.values("photo__article_id")))

    def about_unions(self, union_ids):
        """Stories linked to any union in ``union_ids`` (e.g. a union's subtree), each once.

        A subquery rather than a join, so that a story about two of the unions is not listed
        twice and no DISTINCT is needed.
        """
        links = Article.unions.through.objects.filter(union_id__in=union_ids)
        return self.filter(pk__in=links.values("article_id"))

    def not_about_unions(self, union_ids):
        """These stories less those linked to any union in ``union_ids``: a ``NOT EXISTS``
        tested story by story, so a newest-first page stops early (a ``NOT IN`` list built
        the union's whole coverage first: 40 ms for 北京市总工会 at 100,000 stories)."""
        links = Article.unions.through.objects.filter(
            union_id__in=union_ids, article_id=models.OuterRef("pk")
        )
        return self.filter(~models.Exists(links))

    def tagged(self, tag):
        """Stories with the topic ``tag`` (a taggit ``Tag``, or a list of tag ids: any of
        them). A subquery rather than taggit's join, so that a newest-first page walks the
        ``publish_at`` index and stops after a page (the join made PostgreSQL sort the 29,295
        stories of a topic: 110 ms), and a month's stories are looked up by id (the join's
        cast of ``object_id`` read all 306,000 items of a topic at a million: 70 ms)."""
        from django.contrib.contenttypes.models import ContentType
        from taggit.models import TaggedItem

        which = {"tag_id__in": tag} if isinstance(tag, list | tuple) else {"tag": tag}
        items = TaggedItem.objects.filter(
            content_type=ContentType.objects.get_for_model(Article), **which
        )
        return self.filter(pk__in=items.values("object_id"))

    def latest_per_column(self, per_column: int):
        """The newest ``per_column`` stories of every column, in column order, newest first
        within a column, in one query (and one for the column ids).

        Stories without a column are left out. Each column is its own ``LIMIT`` subquery,
        which walks the index ``article_column_latest_idx`` from the newest story and stops
        after ``per_column``: the cost is columns × ``per_column``, not the archive's size
        (issue 11; a window over every story cost 380 ms at 100,000 stories).
        """
        parts = [
            self.filter(column_id=column_id).newest_first().values("pk")[:per_column]
            for column_id in Column.objects.values_list("pk", flat=True)
        ]
        if not parts:
            return self.none()
        if connections[self.db].features.supports_slicing_ordering_in_compound:
            # One IN over a UNION ALL: PostgreSQL joins the few ids by primary key. (An OR of
            # IN subqueries would make it test every story against each.)
            newest = Q(pk__in=parts[0].union(*parts[1:], all=True))
        else:  # SQLite allows no LIMIT inside a UNION; it runs each IN as its own lookup.
            newest = Q()
            for part in parts:
                newest |= Q(pk__in=part)
        return self.filter(newest).order_by(
            "column__position", "column__name", "column_id", "-publish_at", "-pk"
        )

    def count_per(self, relation: str) -> dict[int, int]:
        """How many of these stories each related object has: ``{pk: count}`` in one query.

        ``relation`` is ``"unions"``, ``"events"``, ``"tags"``, ``"column"`` or
        ``"reporters"`` (the people credited, as :meth:`credited_to` finds them: a story
        counts once for a reporter with a text and a photo credit on it). Call it on
        ``published()`` for public counts; objects without a story are absent.
        """
        if relation == "reporters":
            ids = self.order_by().values("pk")
            bylines = Byline.objects.filter(article_id__in=ids).values_list(
                "article_id", "reporter_id"
            )
            photos = PhotoCredit.objects.filter(photo__article_id__in=ids).values_list(
                "photo__article_id", "reporter_id"
            )
            # UNION drops a story's repeated credits of one person; grouped here, as Django
            # cannot group a UNION.
            pairs = bylines.order_by().union(photos.order_by())
            return dict(Counter(reporter for _, reporter in pairs))
        if relation == "tags":
            # Grouped from taggit's items of these stories: its join casts ``object_id``
            # (an integer) to the story's bigint id, which keeps the join off the index and
            # read all 1.9 million items for one month's stories at a million (140 ms).
            from django.contrib.contenttypes.models import ContentType
            from taggit.models import TaggedItem

            items = TaggedItem.objects.filter(
                content_type=ContentType.objects.get_for_model(Article),
                object_id__in=self.order_by().values("pk"),
            )
            rows = items.order_by().values("tag_id").annotate(n=models.Count("pk"))
            return {row["tag_id"]: row["n"] for row in rows}
        rows = self.order_by().values(relation).annotate(n=models.Count("pk"))
        return {row[relation]: row["n"] for row in rows if row[relation] is not None}

    def covering(self, objects, relation: str):
        """``objects`` (e.g. ``Union.objects.reviewed()``) that at least one of these stories
        is linked to through ``relation`` (``"unions"``, ``"tags"``, ``"events"``). An
        ``EXISTS`` per object that stops at its first story, so the cost follows the number of
        objects, not of stories (the search form's choices, issue 11)."""
        return objects.filter(models.Exists(self.filter(**{relation: models.OuterRef("pk")})))

    def month_counts(self) -> list[dict]:
        """``[{"month": aware datetime of the 1st, "n": count}]``, newest month first.

        Months are those of ``publish_at`` in the current time zone (Asia/Shanghai).
        """
        return list(
            self.annotate(month=models.functions.TruncMonth("publish_at"))
            .order_by()
            .values("month")
            .annotate(n=models.Count("pk"))
            .order_by("-month")
        )

    # -- the desk's reads: sign-off sheet and contribution statistics (稿件统计) ---------------

    def with_placement(self):
        """Join where each story ran in print (``print_placement``: the ``editions`` app's
        placement, its page and edition), so that a 见报 line costs no query."""
        return self.select_related("placement__page__edition")

    def with_review_history(self):
        """Prefetch what a sign-off sheet (签发单) shows the desk: the column, credits, every
        union named (proposed ones too), and every review step (:class:`Transition`) with
        the user who took it, oldest first; a fixed number of queries however many steps a
        story went through."""
        # The search columns (2 KB of tokens and a 5 KB tsvector a story) are not shown.
        listed = self.select_related("column").defer("search_text", "search_document")
        return listed.with_placement().prefetch_related(
            models.Prefetch("bylines", queryset=Byline.objects.select_related("reporter")),
            models.Prefetch("unions", queryset=Union.objects.in_directory_order()),
            models.Prefetch(
                "transitions",
                queryset=Transition.objects.select_related("user").order_by("created_at", "pk"),
            ),
        )

    def in_month(self, month):
        """Stories whose ``publish_at`` falls in the calendar month of ``month`` (a date or
        datetime; only its year and month count) in the paper's time zone (Asia/Shanghai,
        ``settings.TIME_ZONE``): from the 1st at 00:00 to the next month's 1st, exclusive."""
        start, end = month_span(month.year, month.month)
        return self.filter(publish_at__gte=start, publish_at__lt=end)

    def contribution_by_reporter(self, month=None) -> list[dict]:
        """Credits per person, per month, for reviews and fees (稿费): one row per month of
        ``publish_at`` (Asia/Shanghai), person and title as printed on the byline (记者, 实习记者,
        通讯员, 实习生 — a trainee who became a reporter has a row for each title).

        Call it on ``published()``: only live stories count. ``month`` (any date in it)
        restricts to that month; ``None`` gives every month. Rows, newest month first, then
        the most credited: ``{"month": aware datetime of the 1st, "reporter_pk", "name",
        "title", "union": the union a correspondent writes for or None, "text": stories with
        a text credit, "photo": stories with a photo credit, "stories": stories with any
        credit}``. One query whatever the number of stories.
        """
        return self._credit_rows(month)

    def contribution_by_correspondent(self, month=None) -> list[dict]:
        """:meth:`contribution_by_reporter` for credits printed as 通讯员 only (a union's own
        press officer), with the union they write for."""
        return self._credit_rows(month, title="通讯员")

    def contribution_by_union(self, month=None) -> list[dict]:
        """Stories linked to each union, per month of ``publish_at`` (Asia/Shanghai).

        Call it on ``published()``. Rows, newest month first, then the most covered union:
        ``{"month", "union_pk", "name", "stories"}``; a story about two unions counts for
        each. One query whatever the number of stories.
        """
        stories = self.in_month(month) if month is not None else self
        links = Article.unions.through.objects.filter(article_id__in=stories.values("pk"))
        return list(
            links.annotate(
                month=models.functions.TruncMonth(
                    "article__publish_at", tzinfo=timezone.get_default_timezone()
                )
            )
            .values("month", union_pk=models.F("union_id"), name=models.F("union__name"))
            .annotate(stories=models.Count("article_id", distinct=True))
            .order_by("-month", "-stories", "name", "union_pk")
        )

    def _credit_rows(self, month, title=None) -> list[dict]:
        """One row per (month, person, title): the stories each person is credited on, from
        the stories' bylines and from their photos' own credits (:class:`PhotoCredit`, always
        a photo credit). A person credited twice on one story (a photo byline and the
        photo's credit) counts once. One query: the two kinds of credit as a UNION."""
        stories = self.in_month(month) if month is not None else self
        paper_tz = timezone.get_default_timezone()

        def rows(credits, story):
            if title is not None:
                credits = credits.filter(title=title)
            return (
                credits.annotate(
                    month=models.functions.TruncMonth(f"{story}__publish_at", tzinfo=paper_tz),
                    story=F(f"{story}_id"),
                    kind=models.Value(credit_rules.PHOTO)
                    if story != "article"
                    else F("contribution"),
                )
                .values_list(
                    "month",
                    "reporter_id",
                    "reporter__name",
                    "reporter__union__name",
                    "title",
                    "kind",
                    "story",
                )
                .order_by()
            )

        bylines = rows(Byline.objects.filter(article_id__in=stories.values("pk")), "article")
        photo_credits = rows(
            PhotoCredit.objects.filter(photo__article_id__in=stories.values("pk")),
            "photo__article",
        )
        table: dict[tuple, dict] = {}
        for when, pk, name, union, printed, kind, story in bylines.union(photo_credits):
            row = table.setdefault(
                (when, pk, printed),
                {
                    "month": when,
                    "reporter_pk": pk,
                    "name": name,
                    "title": printed,
                    "union": union,
                    credit_rules.TEXT: set(),
                    credit_rules.PHOTO: set(),
                    "stories": set(),
                },
            )
            row[kind].add(story)
            row["stories"].add(story)
        result = [
            {
                **row,
                **{
                    key: len(row[key]) for key in (credit_rules.TEXT, credit_rules.PHOTO, "stories")
                },
            }
            for row in table.values()
        ]
        result.sort(key=lambda r: (r["name"], r["reporter_pk"], r["title"]))
        result.sort(key=lambda r: (r["month"], r["stories"], r["text"]), reverse=True)
        return result


# The search columns are derived from the text (Article.save, a generated column): not kept.
@reversion.register(follow=["bylines"], exclude=["search_text", "search_document"])
class Article(models.Model):
    """A story: its title block, credits, body, and where it ran in print.

    Title block (DESIGN.md): ``kicker`` 引题 above the headline, ``headline`` 主题, ``subtitle``
    副题 below. ``dateline`` is the 电头 (本报讯) that opens the first paragraph; the credits in
    brackets after it are :class:`Byline` rows, so the lead-in is rendered, never stored.
    ``body`` is plain text, one paragraph per line; it is escaped on output, never trusted as
    HTML. Print origin (``source_file``, ``source_position``) says which imported page file a
    story came from and makes re-importing a page idempotent; where it ran in the paper is its
    ``placement`` (``editions.Placement``: edition, page, layout order).
    """

    Kind = ArticleKind

    Status = ArticleStatus

    kicker = models.CharField("引题", max_length=200, blank=True)
    headline = models.CharField("主题", max_length=200)
    subtitle = models.CharField("副题", max_length=200, blank=True)
    slug = models.SlugField("网址别名", max_length=100, blank=True, editable=False)
    kind = models.CharField("稿件类型", max_length=10, choices=Kind.choices, default=Kind.NEWS)
    dateline = models.CharField(
        "电头", max_length=20, blank=True, help_text="如“本报讯”；图片新闻和人物稿通常没有。"
    )
    body = models.TextField("正文", help_text="纯文本，每段一行。")
    column = models.ForeignKey(
        Column,
        verbose_name="栏目",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="articles",
    )
    section = models.CharField(
        "小栏",
        max_length=100,
        blank=True,
        help_text="版面内几篇稿件共用的小标题，如“夏送清凉 工会行动”。",
    )
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    publish_at = models.DateTimeField(
        "发布时间",
        null=True,
        blank=True,
        db_index=True,
        help_text="状态为“已发布”且到达此时间后，读者才能看到本稿。",
    )
    featured = models.BooleanField("推荐", default=False, help_text="在首页头条区展示。")
    photo_waived = models.BooleanField(
        "无需配图",
        default=False,
        help_text="图片新闻和署有摄影的稿件须上传图片才能发布；确实不配图时由编辑勾选此项。",
    )
    unions = models.ManyToManyField(
        "organizations.Union", verbose_name="相关工会", blank=True, related_name="articles"
    )
    events = models.ManyToManyField(
        "events.Event", verbose_name="相关活动", blank=True, related_name="articles"
    )
    tags = TaggableManager("话题", blank=True, help_text="以逗号分隔，如“劳模工匠, 技能竞赛”。")

    source_file = models.CharField("来源版面文件", max_length=200, blank=True)
    source_position = models.PositiveSmallIntegerField("版面内序号", null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    search_text = models.TextField(
        "检索词",
        editable=False,
        blank=True,
        default="",
        help_text="引题、主题、副题和正文分词后的词语，保存时自动生成，供站内搜索使用。",
    )
    search_document = models.GeneratedField(
        expression=SearchDocument(F("search_text")),
        output_field=SearchVectorField(null=True),
        db_persist=True,
        verbose_name="检索文档",
    )
    version = models.PositiveIntegerField(
        "版本",
        default=1,
        editable=False,
        help_text="每次保存或流转加一；两人从同一版本各自修改时，后保存者会收到冲突提示。",
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = "稿件"
        verbose_name_plural = "稿件"
        ordering = ["-publish_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ArticleStatus.values), name="article_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ArticleKind.values), name="article_kind_valid"
            ),
            models.CheckConstraint(condition=~Q(headline=""), name="article_headline_not_empty"),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(publish_at__isnull=False),
                name="article_published_has_time",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="article_version_positive"),
            # One story per position of an imported page: re-importing cannot duplicate.
            models.UniqueConstraint(
                fields=["source_file", "source_position"],
                condition=~Q(source_file=""),
                name="article_unique_print_origin",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-publish_at"], name="article_public_idx"),
            models.Index(fields=["column", "-publish_at"], name="article_column_latest_idx"),
        ]
        permissions = [
            ("approve_article", "可以审核通过或退回稿件"),
            ("publish_article", "可以发布、定时发布或撤回稿件"),
            ("signoff_article", "可以签发稿件"),
            ("import_pages", "可以导入版面"),
        ]

    def __str__(self):
        return self.headline

    #: The story's own text that :attr:`search_text` is made from.
    SEARCHED_FIELDS = ("kicker", "headline", "subtitle", "body")

    def save(self, *args, **kwargs):
        self.slug = pinyin_slug(self.headline)
        update_fields = kwargs.get("update_fields")
        # A save of other columns only (a workflow step) leaves the words as they are.
        if update_fields is None or set(update_fields) & set(self.SEARCHED_FIELDS):
            self.search_text = search_rules.search_text(
                *(getattr(self, name) for name in self.SEARCHED_FIELDS)
            )
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    @property
    def print_placement(self):
        """Where the story ran in the paper (``editions.Placement``: its edition, page and
        layout order), or ``None`` for a story that was not placed on a page."""
        try:
            return self.placement
        except ObjectDoesNotExist:
            return None

    def get_absolute_url(self):
        return public_url("articles:article_detail", self.pk, self.slug)

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in self.body.splitlines() if p.strip()]

    @property
    def title_text(self) -> str:
        """Kicker, headline and subtitle on one line, as a feed or a browser tab shows it."""
        return " ".join(t for t in (self.kicker, self.headline, self.subtitle) if t)

    def credits(self) -> list[credit_rules.Credit]:
        """The bylines as plain credits, in order (uses prefetched ``bylines`` when present)."""
        return [
            credit_rules.Credit(b.reporter.name, b.title, b.contribution)
            for b in self.bylines.all()
        ]

    def lead_in(self) -> str:
        """``本报讯（记者 马超）`` for a news story; ``""`` when it has no dateline."""
        return credit_rules.lead_in(self.dateline, self.credits())

    def standalone_byline(self) -> str:
        """``□本报记者 任洁`` for a profile; ``""`` for other kinds."""
        if self.kind != self.Kind.PROFILE:
            return ""
        return credit_rules.standalone_byline(self.credits())

    def photo_credit(self) -> str:
        """``本报记者 于佳 摄`` or, for a photo story, ``… 摄影报道``."""
        return credit_rules.photo_credit(self.credits(), photo_story=self.kind == self.Kind.PHOTO)

    def lead_photo(self):
        """The photo shown with the story in lists, at the top of its page and as
        ``og:image``: the one marked 头图, else the first in order; ``None`` without photos.
        Uses prefetched ``photos`` (``with_listing()``)."""
        photos = list(self.photos.all())
        return next((p for p in photos if p.is_lead), photos[0] if photos else None)

    @property
    def is_public(self) -> bool:
        """Whether readers can see this story now; the same rule as ``published()``."""
        return (
            self.status == self.Status.PUBLISHED
            and self.publish_at is not None
            and self.publish_at <= timezone.now()
        )


@reversion.register()
class Byline(models.Model):
    """One credit on a story (署名): who, with which title as printed, for what, in what order.

    ``title`` is the title printed with this story (记者, 实习记者, 通讯员, 实习生).
    ``contribution`` is text (文字) or photo (摄影).
    """

    class Contribution(models.TextChoices):
        TEXT = credit_rules.TEXT, "文字"
        PHOTO = credit_rules.PHOTO, "摄影"

    article = models.ForeignKey(
        Article, verbose_name="稿件", on_delete=models.CASCADE, related_name="bylines"
    )
    reporter = models.ForeignKey(
        Reporter, verbose_name="作者", on_delete=models.PROTECT, related_name="bylines"
    )
    title = models.CharField(
        "署名身份", max_length=10, choices=[(t, t) for t in credit_rules.TITLES], default="记者"
    )
    contribution = models.CharField(
        "贡献", max_length=10, choices=Contribution.choices, default=Contribution.TEXT
    )
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "署名"
        verbose_name_plural = "署名"
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "reporter", "contribution"], name="byline_unique_credit"
            ),
            models.CheckConstraint(
                condition=Q(title__in=list(credit_rules.TITLES)), name="byline_title_valid"
            ),
            models.CheckConstraint(
                condition=Q(contribution__in=[credit_rules.TEXT, credit_rules.PHOTO]),
                name="byline_contribution_valid",
            ),
        ]

    def __str__(self):
        return f"{self.title} {self.reporter.name}"


class Transition(models.Model):
    """One step of a story through the desk (审稿记录): who moved it, when, from which state to
    which, and what they said. Written only by the workflow services in ``services.py``."""

    article = models.ForeignKey(
        Article, verbose_name="稿件", on_delete=models.CASCADE, related_name="transitions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    step = models.CharField(
        "步骤", max_length=20, blank=True, help_text="所走的审稿步骤，如“通过”“签发”。"
    )
    from_status = models.CharField("原状态", max_length=10, choices=ArticleStatus.choices)
    to_status = models.CharField("新状态", max_length=10, choices=ArticleStatus.choices)
    comment = models.TextField("意见", blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "审稿记录"
        verbose_name_plural = "审稿记录"
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class ImportedPage(models.Model):
    """A printed page that went through the importer (导入记录): which file, what content
    (``digest``, a sha256 of the normalised text), when, by whom, how many stories.

    One row per file name: importing the same content again is a no-op, and different
    content under the same name is refused rather than overwriting edited drafts.
    """

    source_file = models.CharField("版面文件", max_length=200, unique=True)
    digest = models.CharField("内容指纹", max_length=64)
    encoding = models.CharField("编码", max_length=20, default="utf-8")
    article_count = models.PositiveSmallIntegerField("稿件数", default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="导入人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    imported_at = models.DateTimeField("导入时间", default=timezone.now)

    class Meta:
        verbose_name = "版面导入记录"
        verbose_name_plural = "版面导入记录"
        ordering = ["-imported_at"]

    def __str__(self):
        return self.source_file


class EditorialNote(models.Model):
    """An internal note on a story (编辑备注): for the desk only, never shown to readers."""

    article = models.ForeignKey(
        Article, verbose_name="稿件", on_delete=models.CASCADE, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="作者",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    text = models.TextField("内容")
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "内部备注"
        verbose_name_plural = "内部备注"
        ordering = ["created_at", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="note_not_empty")]

    def __str__(self):
        return self.text[:30]


class Correction(models.Model):
    """A public correction (更正) appended to a live story, dated, as the paper prints it:
    the story's text is not silently changed; the correction says what was wrong."""

    article = models.ForeignKey(
        Article, verbose_name="稿件", on_delete=models.CASCADE, related_name="corrections"
    )
    text = models.TextField("更正内容")
    published_at = models.DateTimeField("更正时间", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="更正人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "更正"
        verbose_name_plural = "更正"
        ordering = ["published_at", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="correction_not_empty")]

    def __str__(self):
        return self.text[:30]


def photo_upload_to(photo, filename: str) -> str:
    """``photos/2023/07/<random>.<ext>``: a random name, so that a draft's photo cannot be
    guessed from a published one, and the extension of the checked content, never the
    uploader's (``articles/photos.py`` decides it)."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    now = timezone.localtime()
    return f"photos/{now:%Y/%m}/{uuid.uuid4().hex}.{extension}"


class PhotoQuerySet(models.QuerySet):
    def public(self):
        """Photos readers may see: those of published stories whose time has come (the one
        visibility rule, ``Article.objects.published()``)."""
        return self.filter(article__in=Article.objects.published())

    def of_event(self, event):
        """Photos of ``event``: linked to it, or attached to a story that covers it; each once
        (a subquery, not a join, so that no DISTINCT is needed)."""
        linked = Photo.objects.filter(Q(events=event) | Q(article__events=event))
        return self.filter(pk__in=linked.values("pk"))


class Photo(models.Model):
    """A photo the paper runs (图片) with its caption, alt text and credits.

    An article has many photos, in ``order``, and one lead photo (头图, ``is_lead``; else
    the first). A photo story's (图片新闻) photo is its main content. The stored ``image`` is
    the checked upload (``articles/photos.py``: JPEG, PNG or WebP by content, EXIF
    orientation applied, GPS removed); readers get its :class:`Rendition` sizes. ``alt_text``
    describes the picture for readers who cannot see it and is required before the story is
    published (``services.step_refusal``).
    """

    article = models.ForeignKey(
        Article,
        verbose_name="稿件",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="photos",
    )
    image = models.ImageField(
        "图片文件",
        upload_to=photo_upload_to,
        width_field="width",
        height_field="height",
        max_length=200,
        help_text="JPEG、PNG 或 WebP，不超过 20 MB、5000 万像素。",
    )
    width = models.PositiveIntegerField("宽（像素）", null=True, editable=False)
    height = models.PositiveIntegerField("高（像素）", null=True, editable=False)
    caption = models.TextField("图片说明", blank=True)
    alt_text = models.CharField(
        "替代文字",
        max_length=250,
        blank=True,
        help_text="为看不到图片的读者描述画面，如“工会干部为建筑工人送上清凉饮品”。发布前必填。",
    )
    taken_on = models.DateField("拍摄日期", null=True, blank=True)
    unions = models.ManyToManyField(
        "organizations.Union", verbose_name="相关工会", blank=True, related_name="photos"
    )
    events = models.ManyToManyField(
        "events.Event", verbose_name="相关活动", blank=True, related_name="photos"
    )
    is_lead = models.BooleanField("头图", default=False, help_text="列表和分享时展示的图片。")
    order = models.PositiveSmallIntegerField("顺序", default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    objects = PhotoQuerySet.as_manager()

    class Meta:
        verbose_name = "图片"
        verbose_name_plural = "图片"
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["article"], condition=Q(is_lead=True), name="photo_one_lead_per_article"
            ),
        ]

    def __str__(self):
        if self.caption or self.alt_text:
            return (self.caption or self.alt_text)[:30]
        if self.article_id:
            return f"“{self.article.headline[:20]}”的第 {self.order + 1} 张图片"
        return f"图片 {self.pk}"

    def credit_line(self, *, photo_story: bool = False) -> str:
        """``本报记者 于佳 摄`` (``摄影报道`` for a photo story) from this photo's own credits;
        ``""`` when it has none. Uses prefetched ``credits``."""
        return credit_rules.photo_credit(
            [
                credit_rules.Credit(c.reporter.name, c.title, credit_rules.PHOTO)
                for c in self.credits.all()
            ],
            photo_story=photo_story,
        )

    def sources(self) -> dict:
        """What a ``<picture>`` needs, from prefetched ``renditions``: ``{"webp": srcset,
        "jpeg": srcset, "src": fallback URL, "width", "height"}`` (srcset as
        ``"url 480w, url 960w"``; the fallback is the JPEG nearest 960 px wide). Without
        renditions, the stored image itself."""
        renditions = sorted(self.renditions.all(), key=lambda r: r.width)
        jpegs = [r for r in renditions if r.format == Rendition.Format.JPEG]
        webps = [r for r in renditions if r.format == Rendition.Format.WEBP]
        if not jpegs:
            return {
                "webp": "",
                "jpeg": "",
                "src": self.image.url,
                "width": self.width,
                "height": self.height,
                "largest": None,
            }
        fallback = min(jpegs, key=lambda r: abs(r.width - 960))
        return {
            "webp": ", ".join(f"{r.file.url} {r.width}w" for r in webps),
            "jpeg": ", ".join(f"{r.file.url} {r.width}w" for r in jpegs),
            "src": fallback.file.url,
            "width": fallback.width,
            "height": fallback.height,
            "largest": jpegs[-1],
        }


class PhotoCredit(models.Model):
    """A photo's credit (摄影署名): the same notion as a story's :class:`Byline` (person and
    title as printed), always for the photo; printed ``本报记者 于佳 摄``."""

    photo = models.ForeignKey(
        Photo, verbose_name="图片", on_delete=models.CASCADE, related_name="credits"
    )
    reporter = models.ForeignKey(
        Reporter, verbose_name="摄影", on_delete=models.PROTECT, related_name="photo_credits"
    )
    title = models.CharField(
        "署名身份", max_length=10, choices=[(t, t) for t in credit_rules.TITLES], default="记者"
    )
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "图片署名"
        verbose_name_plural = "图片署名"
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["photo", "reporter"], name="photocredit_unique"),
            models.CheckConstraint(
                condition=Q(title__in=list(credit_rules.TITLES)), name="photocredit_title_valid"
            ),
        ]

    def __str__(self):
        return f"{self.title} {self.reporter.name}"


class Rendition(models.Model):
    """One size of a photo for readers (a ``srcset`` entry): made once from the stored image
    by ``services.photo_make_renditions`` and kept; ``width``/``height`` in pixels."""

    class Format(models.TextChoices):
        WEBP = "webp", "WebP"
        JPEG = "jpeg", "JPEG"

    photo = models.ForeignKey(
        Photo, verbose_name="图片", on_delete=models.CASCADE, related_name="renditions"
    )
    format = models.CharField("格式", max_length=4, choices=Format.choices)
    width = models.PositiveIntegerField("宽")
    height = models.PositiveIntegerField("高")
    file = models.FileField("文件", upload_to="renditions/", max_length=200)

    class Meta:
        verbose_name = "图片尺寸"
        verbose_name_plural = "图片尺寸"
        ordering = ["photo", "format", "width"]
        constraints = [
            models.UniqueConstraint(
                fields=["photo", "format", "width"], name="rendition_unique_size"
            ),
        ]

    def __str__(self):
        return f"{self.get_format_display()} {self.width} 像素宽"


class StoryRevision(models.Model):
    """The content of a story at one of its versions (``articles/content.py``, a snapshot),
    kept with the django-reversion revision of that version: what the history compares, what
    a restore brings back, and the common base of an edit-conflict merge. Written only by the
    services (``articles/services/changes.py``), once for every version."""

    revision = models.ForeignKey(
        Revision, verbose_name="修订", on_delete=models.CASCADE, related_name="stories"
    )
    article = models.ForeignKey(
        Article, verbose_name="稿件", on_delete=models.CASCADE, related_name="content_revisions"
    )
    version = models.PositiveIntegerField("版本")
    content = models.JSONField("内容")

    class Meta:
        verbose_name = "稿件版本内容"
        verbose_name_plural = "稿件版本内容"
        ordering = ["article", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["article", "version"], name="storyrevision_unique"),
        ]

    def __str__(self):
        return f"{self.article_id} 第 {self.version} 版"


class StoryDraft(models.Model):
    """What a desk user typed into a story's form and has not saved (自动保存的草稿): kept as
    they type, so that a closed tab, a crash or an expired session loses nothing; offered back
    the next time they open the story (or the new-story form, ``article`` empty). ``data``
    holds the typed fields (``content.TYPED``); ``base_version`` the story's version the form
    was opened at, so that restoring merges with what others saved since. One per user and
    story; deleted when the user saves the story."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="+"
    )
    article = models.ForeignKey(
        Article,
        verbose_name="稿件",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="drafts",
    )
    base_version = models.PositiveIntegerField("打开时的版本", null=True, blank=True)
    data = models.JSONField("内容", default=dict)
    saved_at = models.DateTimeField("保存时间", default=timezone.now)

    class Meta:
        verbose_name = "自动保存的草稿"
        verbose_name_plural = "自动保存的草稿"
        constraints = [
            models.UniqueConstraint(fields=["user", "article"], name="storydraft_one_per_story"),
            models.UniqueConstraint(
                fields=["user"], condition=Q(article__isnull=True), name="storydraft_one_new"
            ),
        ]

    def __str__(self):
        return f"{self.user_id} / {self.article_id or '新稿'}"


class CoverageMonth(models.Model):
    """How many stories with the status published (live or scheduled) fall in one calendar
    month of the paper's time zone; the row is also the lock under which the month's
    :class:`CoverageCount` rows are recounted. Kept by ``articles/coverage.py``; readers'
    counts come from there, never from these rows alone."""

    month = models.DateField("月份", primary_key=True, help_text="该月1日。")
    stories = models.PositiveIntegerField("稿件数", default=0)

    class Meta:
        verbose_name = "月度稿件数"
        verbose_name_plural = "月度稿件数"

    def __str__(self):
        return f"{self.month:%Y-%m}: {self.stories}"


class CoverageCount(models.Model):
    """How many stories with the status published in ``month`` name one union, topic, event
    or column, or credit one reporter (``kind``, ``key`` its id). Kept by
    ``articles/coverage.py``."""

    class Kind(models.TextChoices):
        UNION = "union", "工会"
        TAG = "tag", "话题"
        EVENT = "event", "活动"
        COLUMN = "column", "栏目"
        REPORTER = "reporter", "作者"

    month = models.ForeignKey(
        CoverageMonth, verbose_name="月份", on_delete=models.CASCADE, related_name="counts"
    )
    kind = models.CharField("类别", max_length=10, choices=Kind.choices)
    key = models.BigIntegerField("对象编号")
    stories = models.PositiveIntegerField("稿件数")

    class Meta:
        verbose_name = "分类稿件数"
        verbose_name_plural = "分类稿件数"
        constraints = [
            models.UniqueConstraint(fields=["kind", "key", "month"], name="coverage_count_unique"),
        ]

    def __str__(self):
        return f"{self.kind} {self.key} {self.month_id:%Y-%m}: {self.stories}"
