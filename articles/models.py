import hashlib
import json
import secrets
from urllib.parse import quote

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models import F, Func, OuterRef, Window
from django.db.models.functions import RowNumber
from django.urls import get_script_prefix
from django.utils import timezone
from django.utils.http import RFC3986_SUBDELIMS

from newsroom.compiled import CompiledRead

from . import bigrams
from .richtext import SNIPPET_STORED_LENGTH, RichTextBodyField, cut, plain_text, stored_snippet


class SectionQuerySet(models.QuerySet):
    def find_with_child_ids(self, slug: str):
        """The section `slug` with its subsections' ids (`child_ids`), in one query; None when
        there is no such section."""
        found = list(self.filter(models.Q(slug=slug) | models.Q(parent__slug=slug)))
        section = next((s for s in found if s.slug == slug), None)
        if section is not None:
            section.child_ids = [s.pk for s in found if s.parent_id == section.pk]
        return section

    def on_home(self):
        """The top-level sections that have a block on the home page."""
        return self.filter(on_home=True, parent__isnull=True)


class Section(models.Model):
    """A desk of the paper (행정, 제약ㆍ약사, 의료·병원 …), optionally under a parent section."""

    name = models.CharField("섹션명", max_length=50, unique=True)
    slug = models.SlugField("주소용 이름", max_length=50, unique=True)
    order = models.PositiveSmallIntegerField("순서", default=0)
    in_navigation = models.BooleanField("메뉴에 표시", default=True)
    on_home = models.BooleanField("홈 블록에 표시", default=True)
    parent = models.ForeignKey(
        "self",
        verbose_name="상위 섹션",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    objects = SectionQuerySet.as_manager()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "섹션"
        verbose_name_plural = "섹션"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        # reverse("articles:section", …), written out: cards and menus ask for it dozens of
        # times per page, and reverse() costs ~40 µs a call (tests compare the two).
        return f"{get_script_prefix()}section/{self.slug}/"


class Tag(models.Model):
    name = models.CharField("태그", max_length=50, unique=True)
    slug = models.SlugField("주소용 이름", max_length=60, unique=True, allow_unicode=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "태그"
        verbose_name_plural = "태그"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        # reverse("articles:tag", …), written out as the section's is: an article page asks for
        # each of its tags' (tests compare the two, Korean slugs quoted as reverse() quotes them).
        return f"{get_script_prefix()}tag/{quote(self.slug, safe=RFC3986_SUBDELIMS + '/~:@')}/"


class SeriesQuerySet(models.QuerySet):
    def with_parts(self, now=None):
        """Series with at least one published part, annotated with how many (`parts`) and the
        latest part's time (`latest_at`), the series updated last first."""
        public = _public(now, prefix="articles__")
        return (
            self.annotate(
                parts=models.Count("articles", filter=public),
                latest_at=models.Max("articles__published_at", filter=public),
            )
            .filter(parts__gt=0)
            .order_by("-latest_at", "-id")
        )


class Series(models.Model):
    """기획·연재: articles the desk groups under one title, read in the order they were
    published ("연재 3/7", previous and next on each article, a page listing them)."""

    title = models.CharField("연재 제목", max_length=100)
    description = models.TextField("소개", max_length=500, blank=True)
    created_at = models.DateTimeField("만든 일시", auto_now_add=True)

    objects = SeriesQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "기획·연재"
        verbose_name_plural = "기획·연재"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        # reverse("articles:series", …), written out as the section's is: a series article's
        # page asks for it three times (tests compare the two).
        return f"{get_script_prefix()}series/{self.pk}/"


class Reporter(models.Model):
    """A byline: linked to the user account the reporter signs in with."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="사용자 계정",
        on_delete=models.PROTECT,
        related_name="reporter",
    )
    name = models.CharField("이름", max_length=30)
    email = models.EmailField("바이라인 이메일")
    photo = models.ImageField("사진", upload_to="reporters/", blank=True)
    is_active = models.BooleanField("활동 중", default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "기자"
        verbose_name_plural = "기자"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        # reverse("articles:reporter", …), written out: an article page asks for each byline's
        # four times (tests compare the two).
        return f"{get_script_prefix()}reporter/{self.pk}/"

    @property
    def byline(self) -> str:
        return f"{self.name} 기자 {self.email}"


class PhotoGrams(models.Func):
    """The letters and letter pairs of a photo's caption, credit and keywords, lower-cased
    (none across a space or from one field into the next): PostgreSQL's
    newsroom_photo_grams(), made by migration 0013 and GIN-indexed there."""

    function = "newsroom_photo_grams"
    output_field = ArrayField(models.TextField())


class PhotoQuerySet(models.QuerySet):
    def search(self, text: str):
        """Photos whose caption, credit or keywords contain `text` (a Korean substring).

        On PostgreSQL the GIN index of letter pairs (PhotoGrams) picks the photos that hold every
        pair of `text`, so a two-syllable word (백신) or a word found nowhere is an index lookup
        rather than a scan of the library; the LIKE conditions then keep exact substrings only."""
        text = (text or "").strip()
        if not text:
            return self
        found = self.filter(
            models.Q(caption__icontains=text)
            | models.Q(credit__icontains=text)
            | models.Q(keywords__icontains=text)
        )
        if connections[self.db].vendor == "postgresql":
            found = found.alias(
                search_grams=PhotoGrams(F("caption"), F("credit"), F("keywords"))
            ).filter(
                search_grams__contains=PhotoGrams(
                    models.Value(text), models.Value(""), models.Value("")
                )
            )
        return found

    def unused(self):
        """Photos no article uses, as its lead photo or inside its body. (Two NOT IN over the
        used ids, each a hashed set read once: per-row EXISTS or outer joins cost ten times
        more when a filtered list is counted at 100,000 photos.)"""
        return self.exclude(_in_use())

    def used(self):
        return self.filter(_in_use())

    def with_uses(self):
        """Each photo with `used_as_lead` and `used_in_body`: two EXISTS for each row read."""
        return self.annotate(used_as_lead=_lead_use(), used_in_body=_body_use())


def _lead_use() -> models.Exists:
    return models.Exists(Article.objects.filter(lead_photo=OuterRef("pk")))


def _body_use() -> models.Exists:
    return models.Exists(Article.body_photos.through.objects.filter(photo=OuterRef("pk")))


def _in_use() -> models.Q:
    leads = Article.objects.filter(lead_photo__isnull=False).values("lead_photo_id")
    bodies = Article.body_photos.through.objects.values("photo_id")
    return models.Q(pk__in=leads) | models.Q(pk__in=bodies)


class Photo(models.Model):
    """A picture of the photo library (사진): the one place a picture lives.

    The file went through newsroom.pictures (verified by content, re-encoded, metadata
    stripped). Every use on the site (card, article width, link preview, phone sizes) is a
    PhotoRendition cut around the focal point and stored once.
    """

    # Width and height are set by articles.services from the pipeline's result (no
    # width_field: Django would reopen the file to fill them).
    image = models.ImageField("사진", upload_to="photos/%Y/%m/")
    width = models.PositiveIntegerField("가로(px)", default=0, editable=False)
    height = models.PositiveIntegerField("세로(px)", default=0, editable=False)
    file_size = models.PositiveIntegerField("파일 크기(바이트)", default=0, editable=False)
    caption = models.CharField("사진 설명", max_length=300, blank=True)
    credit = models.CharField(
        "촬영·출처", max_length=100, blank=True, help_text="사진기자 이름이나 제공처"
    )
    licence = models.CharField(
        "저작권·이용 조건", max_length=200, blank=True, help_text="예: 자료사진, ○○제약 제공"
    )
    taken_at = models.DateTimeField("촬영 일시", null=True, blank=True)
    keywords = models.CharField(
        "키워드", max_length=300, blank=True, help_text="쉼표로 구분해 여러 개 입력합니다."
    )
    # The focal point, as fractions of the width and height (0 = left/top, 1 = right/bottom):
    # every cropped rendition keeps it in the picture.
    focal_x = models.FloatField("초점 가로 위치", default=0.5)
    focal_y = models.FloatField("초점 세로 위치", default=0.5)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="올린 사람",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("올린 일시", default=timezone.now)

    objects = PhotoQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = "사진"
        verbose_name_plural = "사진"
        indexes = [
            # The library grid reads the newest 60 in this order, from the index, no sort.
            models.Index(fields=["-uploaded_at", "-id"], name="photo_uploaded_idx"),
            # The 촬영·출처 filter: one credit's photos, newest first, and their count.
            models.Index(fields=["credit", "-uploaded_at", "-id"], name="photo_credit_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(focal_x__gte=0, focal_x__lte=1, focal_y__gte=0, focal_y__lte=1),
                name="photo_focal_in_picture",
            )
        ]

    def __str__(self) -> str:
        return self.caption or self.image.name.rsplit("/", 1)[-1]

    @property
    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.split(",") if k.strip()]


class PhotoRendition(models.Model):
    """One stored size of a photo, cut around its focal point (articles.photos.RENDITIONS)."""

    photo = models.ForeignKey(
        Photo, verbose_name="사진", on_delete=models.CASCADE, related_name="renditions"
    )
    spec = models.CharField("규격", max_length=30)
    # The focal point the file was cut for: a new focal point makes new renditions.
    focal_key = models.CharField("초점", max_length=20)
    file = models.ImageField("파일", upload_to="photos/renditions/%Y/%m/")
    width = models.PositiveIntegerField("가로(px)")
    height = models.PositiveIntegerField("세로(px)")

    class Meta:
        verbose_name = "사진 규격"
        verbose_name_plural = "사진 규격"
        constraints = [
            models.UniqueConstraint(
                fields=["photo", "spec", "focal_key"], name="photo_rendition_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.photo_id} {self.spec}"

    @property
    def url(self) -> str:
        return self.file.url


# Desk editors see and edit every article; without this permission a user works on their own.
EDIT_ANY_PERMISSION = "articles.edit_any_article"


# What a card, a block or a feed item never reads: the body (its start is the stored snippet)
# and the search index.
CARD_DEFERRED = ("body", "search_document")


def _public(now=None, *, prefix: str = "") -> models.Q:
    """Readers may see it: published, and its time has come (`prefix` reaches an article
    through a relation, e.g. "articles__")."""
    return models.Q(
        **{
            f"{prefix}status": Article.Status.PUBLISHED,
            f"{prefix}published_at__lte": now or timezone.now(),
        }
    )


def _owned_by(user) -> models.Q:
    in_byline = Article.reporters.through.objects.filter(reporter__user_id=user.pk)
    return models.Q(created_by_id=user.pk) | models.Q(pk__in=in_byline.values("article_id"))


class ArticleQuerySet(models.QuerySet):
    def published(self, now=None):
        """What readers may see: published, and its publish time has come.

        A future `published_at` is a scheduled article: it appears by itself when the time
        comes, with no job to run. Every public page, feed and sitemap goes through here.
        """
        # The search index text is large and only the database reads it: never loaded (nor
        # pickled into the page cache) with a public article.
        return self.filter(_public(now)).defer("search_document")

    def publishable(self):
        """Published, whatever the publish time (readers see it once `is_public()`): what may
        be cached before a scheduled article's time and shown at it."""
        return self.filter(status=Article.Status.PUBLISHED).defer("search_document")

    def owned_by(self, user):
        """The user's own articles: they wrote them, or they are in the byline."""
        return self.filter(_owned_by(user))

    def visible_to(self, user):
        """What the desk shows this staff user, in lists, pickers and related-article widgets:
        every article for editors who may edit any; a reporter sees their own articles and what
        readers can already see (others' drafts and scheduled articles stay hidden)."""
        if user.has_perm(EDIT_ANY_PERMISSION):
            return self
        return self.filter(_owned_by(user) | _public())

    def for_cards(self):
        """What a list page's cards show: the section and the lead photo, in one query however
        long the list (the photos' pictures: articles.photos.attach_lead_renditions, one more).
        A card names no reporter: no bylines are read, and no body (its snippet is stored)."""
        return self.select_related("section", "lead_photo").defer(*CARD_DEFERRED)

    def for_listing(self):
        """A list with its bylines (feeds name each item's reporters): the section, the lead
        photo and bylines in byline order, in two queries however long the list; no body."""
        return self.for_cards().prefetch_related(
            models.Prefetch("reporters", queryset=Reporter.objects.order_by("pk"))
        )

    def with_body(self):
        """The body too, for a list that carries whole articles (the partner feed); the search
        index stays out."""
        return self.defer(None).defer("search_document")

    def for_article_page(self):
        """What the article page shows beside the article: its lead photo joined; its bylines,
        tags and related article ids in the same row as one JSON text (`page_relations`, read by
        `with_page_relations()`), so the article is one query where three prefetches were four.
        Its standing correction notices are only asked whether there are any
        (`has_corrections`): most articles have none, and `with_corrections()` loads them for
        the one that has. Its section (and the section's parent) and its series are not joined:
        the page takes them from its kept copies of every section and series
        (`read_article_page`), as joining them made PostgreSQL's work for the row 40 % more.
        The lead photo's sizes come in the row too (`lead_renditions_row`), as they do for the
        related cards (`_related_cards`): the page reads no rendition of its own."""
        return self.select_related("lead_photo").annotate(
            has_corrections=models.Exists(
                CorrectionNotice.objects.shown().filter(article=OuterRef("pk"))
            ),
            page_relations=PageRelations(),
            lead_renditions_row=LeadRenditions(),
        )

    def in_section(self, section):
        """The articles of `section` and of its subsections (`child_ids`, set by
        `Section.objects.find_with_child_ids()`): a plain `section_id IN (…)` lets PostgreSQL walk
        the (section, status, published_at) index, where `OR parent = …` needs a join and reads
        the whole archive for a deep page."""
        return self.filter(section_id__in=[section.pk, *getattr(section, "child_ids", [])])

    def most_read(self, since):
        """많이 본 뉴스: the most viewed first, among those published since `since`. The box
        shows a title and a link: no body, no section."""
        return (
            self.filter(published_at__gte=since)
            .only("pk", "title")
            .order_by("-view_count", "-published_at")
        )

    def newest_by_section(self, sections, size: int, *, exclude=()):
        """Each of `sections` (a list, e.g. the cached top-level sections) with its `size`
        newest articles of this queryset (those in `exclude` left out), as
        `(section, [article, …])`, in one query however many sections there are."""
        sections = list(sections)
        if not sections:
            return []
        if connections[self.db].vendor == "postgresql":
            found = self._newest_by_section_ids(sections, size, exclude)
        else:
            found = self._newest_by_section_ranked(sections, size, exclude)
        by_section: dict[int, list[Article]] = {}
        for article in found:
            by_section.setdefault(article.section_id, []).append(article)
        blocks = []
        for section in sections:
            articles = by_section.get(section.pk, [])
            for article in articles:
                article.section = section
            blocks.append((section, articles))
        return blocks

    def _newest_by_section_ids(self, sections, size, exclude):
        """PostgreSQL: the articles whose ids are among each section's newest (one small index
        scan per section, `unnest(ARRAY(…))` over the sections, in the same query). A window
        over every published article would sort the whole archive (a second per page at
        100,000 articles); a UNION of one branch per section costs more to build in Python than
        to run."""
        newest_ids = ArraySubquery(
            self.filter(section_id=OuterRef("pk"))
            .exclude(pk__in=exclude)
            .order_by("-published_at", "-id")
            .values("pk")[:size]
        )
        ids = (
            Section.objects.filter(pk__in=[section.pk for section in sections])
            .order_by()
            .annotate(
                newest=Func(newest_ids, function="unnest", output_field=models.BigIntegerField())
            )
            .values("newest")
        )
        return self.filter(pk__in=ids).order_by("-published_at", "-id")

    def _newest_by_section_ranked(self, sections, size, exclude):
        """The same with one window query ranking every section's articles at once (databases
        without arrays, e.g. SQLite)."""
        return (
            self.filter(section__in=sections)
            .exclude(pk__in=exclude)
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=F("section_id"),
                    order_by=[F("published_at").desc(), F("id").desc()],
                )
            )
            .filter(rank__lte=size)
            .order_by("section_id", "rank")
        )

    def headlines(self, now=None):
        return (
            self.published(now).filter(is_headline=True).order_by("headline_order", "-published_at")
        )


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "작성중"
        SUBMITTED = "submitted", "출고대기"
        PUBLISHED = "published", "게재"
        WITHDRAWN = "withdrawn", "게재중지"

    title = models.CharField("제목", max_length=120)
    subtitle = models.TextField(
        "부제", max_length=300, blank=True, help_text="한 줄에 하나씩, 여러 줄 입력할 수 있습니다."
    )
    body = RichTextBodyField("본문", blank=True)
    section = models.ForeignKey(
        Section,
        verbose_name="섹션",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="articles",
    )
    reporters = models.ManyToManyField(
        Reporter, verbose_name="기자", blank=True, related_name="articles"
    )
    # The lead photo, from the photo library (사진). Its caption and credit live on the photo;
    # lead_photo_caption, when filled, is what this article says under it instead.
    lead_photo = models.ForeignKey(
        Photo,
        verbose_name="대표 사진",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lead_of",
    )
    lead_photo_caption = models.CharField(
        "이 기사의 사진 설명",
        max_length=200,
        blank=True,
        help_text="비워 두면 사진DB에 적힌 사진 설명을 씁니다.",
    )
    # The library photos inside the body, kept in step with the body on every save: what the
    # library's "where used" and its refusal to delete a photo in use read.
    body_photos = models.ManyToManyField(
        Photo, verbose_name="본문 사진", blank=True, related_name="in_bodies", editable=False
    )
    series = models.ForeignKey(
        Series,
        verbose_name="기획·연재",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
    )
    tags = models.ManyToManyField(Tag, verbose_name="태그", blank=True, related_name="articles")
    related = models.ManyToManyField(
        "self", verbose_name="관련 기사", blank=True, symmetrical=False
    )
    status = models.CharField(
        "상태", max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    published_at = models.DateTimeField("게재 일시", null=True, blank=True, db_index=True)
    created_at = models.DateTimeField("작성 일시", auto_now_add=True)
    updated_at = models.DateTimeField("수정 일시", auto_now=True)
    # The 수정 time readers see: when a reader-visible field (CONTENT_FIELDS) last changed after
    # the article was first published. Every save moves updated_at; workflow steps (headline,
    # withdraw, publish) and saves that change nothing a reader sees do not move this.
    content_changed_at = models.DateTimeField(
        "기사 내용 수정 일시", null=True, blank=True, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="작성자",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_headline = models.BooleanField("헤드라인", default=False)
    headline_order = models.PositiveSmallIntegerField("헤드라인 순서", default=0)
    view_count = models.PositiveIntegerField("조회수", default=0)
    # Incremented on every save; a form that was opened at another version is refused, so a
    # second editor never silently overwrites the first.
    version = models.PositiveIntegerField("버전", default=1)
    # The search index (articles.bigrams): the distinct character bigrams of the title, subtitle
    # and plain body, rebuilt on every save that touches them. A GIN index serves it on
    # PostgreSQL (migration 0004); SQLite stores the same text and searches by substring.
    search_document = SearchVectorField("검색 색인", null=True, editable=False)
    # The start of the body as plain text (articles.richtext.stored_snippet), set on every save
    # that touches the body: cards, descriptions and feeds cut their snippet from it and never
    # load the body (nor run the sanitizer's text pass per card).
    snippet = models.TextField("요약문", blank=True, default="", editable=False)

    objects = ArticleQuerySet.as_manager()

    # The fields the search index is built from.
    SEARCHED_FIELDS = ("title", "subtitle", "body")
    # What a reader sees of the article: a change to one of them after publication is a 수정.
    CONTENT_FIELDS = (
        "title", "subtitle", "body", "section", "reporters",
        "lead_photo", "lead_photo_caption",
    )  # fmt: skip

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = "기사"
        verbose_name_plural = "기사"
        indexes = [
            # Lists order by (-published_at, -id): with the id in the index a page (even a deep
            # one) is read in order from the index, no sort.
            models.Index(
                fields=["status", "-published_at", "-id"], name="article_status_pub_id_idx"
            ),
            models.Index(
                fields=["section", "status", "-published_at", "-id"],
                name="article_section_pub_id_idx",
            ),
            # The sitemap index's lastmod: the newest edit, without reading the archive (most
            # articles are never edited after publication, so the index holds only the edited).
            models.Index(
                fields=["-content_changed_at"],
                condition=models.Q(content_changed_at__isnull=False),
                name="article_content_changed_idx",
            ),
            # The home page's headlines: a handful of rows among the whole archive.
            models.Index(
                fields=["headline_order", "-published_at"],
                condition=models.Q(is_headline=True),
                name="article_headline_idx",
            ),
        ]
        permissions = [
            ("publish_article", "기사를 게재·예약·게재중지할 수 있음"),
            ("edit_any_article", "다른 기자의 기사를 수정할 수 있음"),
            ("set_headline", "헤드라인을 지정할 수 있음"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is None or set(update_fields) & set(self.SEARCHED_FIELDS):
            self.search_document = self.build_search_document()
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "search_document"}
        if update_fields is None or "body" in update_fields:
            self.snippet = stored_snippet(self.body)
            if update_fields is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "snippet"}
        # Every editorial save is a new version, so a form opened at the old one can tell it is
        # stale. Counting a view is not an edit.
        update_fields = kwargs.get("update_fields")
        counting_only = update_fields is not None and set(update_fields) <= {"view_count"}
        if not self._state.adding and not counting_only:
            self.version = (self.version or 0) + 1
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "version", "updated_at"}
            elif not kwargs.get("force_insert"):
                # An editorial save never writes view_count: the views readers added since this
                # object was loaded (atomic F() updates) would be lost.
                kwargs["update_fields"] = [
                    field.attname
                    for field in self._meta.concrete_fields
                    if not field.primary_key and field.name != "view_count"
                ]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        # The id is the permanent part of the URL; a title change never breaks a link.
        # reverse("articles:detail", …), written out: every card asks for it (see Section's).
        return f"{get_script_prefix()}news/{self.pk}/"

    def clean(self):
        errors = {}
        if not (self.title or "").strip():
            errors["title"] = "제목을 입력하세요."
        if self.status == self.Status.PUBLISHED and self.section_id is None:
            errors["section"] = "게재하려면 섹션을 선택하세요."
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            errors["published_at"] = "게재 일시가 없습니다."
        if errors:
            raise ValidationError(errors)

    def build_search_document(self) -> str:
        """The search index text of the current title, subtitle and body."""
        return bigrams.search_document(self.title, self.subtitle, self.body)

    @property
    def lead_caption(self) -> str:
        """What readers read under the lead photo: this article's own caption, else the
        photo's."""
        if self.lead_photo_caption:
            return self.lead_photo_caption
        return self.lead_photo.caption if self.lead_photo_id else ""

    @property
    def subtitle_lines(self) -> list[str]:
        return [line.strip() for line in self.subtitle.splitlines() if line.strip()]

    @property
    def plain_body(self) -> str:
        return plain_text(self.body)

    def summary(self, length: int = 120) -> str:
        """A plain-text snippet of the body (cards, descriptions, feeds), from the stored
        `snippet`: the body itself is not read."""
        if length > SNIPPET_STORED_LENGTH:
            raise ValueError(f"a summary is at most {SNIPPET_STORED_LENGTH} characters")
        return cut(self.snippet, length)

    def has_been_published(self, now=None) -> bool:
        """Readers could have seen it: published and its time has come, or withdrawn since."""
        return (
            self.status in (self.Status.PUBLISHED, self.Status.WITHDRAWN)
            and self.published_at is not None
            and self.published_at <= (now or timezone.now())
        )

    def note_edit(self, fields, now=None) -> None:
        """An editor is saving changes to these fields: a reader-visible one, once readers could
        have seen the article, moves the public 수정 time (saved with the article)."""
        now = now or timezone.now()
        if set(fields) & set(self.CONTENT_FIELDS) and self.has_been_published(now):
            self.content_changed_at = now

    @property
    def modified_at(self):
        """The 수정 time on the page, or None: the last reader-visible edit after publication."""
        changed, published = self.content_changed_at, self.published_at
        return changed if changed and published and changed > published else None

    @property
    def last_modified(self):
        """JSON-LD's dateModified, the sitemap's lastmod, the feed's updated date."""
        return self.modified_at or self.published_at

    def is_public(self, now=None) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= (now or timezone.now())
        )

    @property
    def is_scheduled(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    def is_owned_by(self, user) -> bool:
        """The reporter's own article: they wrote it, or they are in its byline."""
        if user is None or not user.is_authenticated:
            return False
        if self.created_by_id == user.pk:
            return True
        if self.pk is None:
            return False
        return self.reporters.filter(user_id=user.pk).exists()


def with_corrections(article: "Article | None") -> "Article | None":
    """The article page's article with its standing correction notices loaded, when it has any
    (ArticleQuerySet.for_article_page)."""
    if article is not None and getattr(article, "has_corrections", True):
        models.prefetch_related_objects(
            [article], models.Prefetch("corrections", queryset=CorrectionNotice.objects.shown())
        )
    return article


class PageRelations(models.Expression):
    """The article's bylines (by id), tags (by name) and related article ids as one JSON text
    `[[[id, user_id, name, email, photo, is_active], …], [[id, name, slug], …], [id, …]]`:
    three correlated subqueries in the article's own row (PostgreSQL's json_agg, SQLite's
    json_group_array), read by `with_page_relations()`."""

    output_field = models.TextField()

    def _parts(self, compiler, *, lateral: bool = False):
        article = compiler.quote_name_unless_alias(compiler.query.base_table)
        reporter, tag = Reporter._meta.db_table, Tag._meta.db_table
        bylines = Article.reporters.through._meta.db_table
        tagged = Article.tags.through._meta.db_table
        related = Article.related.through._meta.db_table

        def joined(table, alias, links, column):
            if lateral:
                # PostgreSQL: the article's few links first, then each row by its key (OFFSET 0
                # keeps the planner from hashing the whole tag or reporter table per article).
                return (
                    f"{links} x JOIN LATERAL (SELECT * FROM {table} "  # noqa: S608 (names only)
                    f"WHERE id = x.{column} OFFSET 0) {alias} ON true"
                )
            return f"{table} {alias} JOIN {links} x ON x.{column} = {alias}.id"

        return article, (
            (
                "json_array(r.id, r.user_id, r.name, r.email, r.photo, r.is_active)",
                f"{joined(reporter, 'r', bylines, 'reporter_id')} "
                f'WHERE x.article_id = {article}."id"',
                "r.id",
            ),
            (
                "json_array(t.id, t.name, t.slug)",
                f'{joined(tag, "t", tagged, "tag_id")} WHERE x.article_id = {article}."id"',
                "t.name",
            ),
            ("x.to_article_id", f'{related} x WHERE x.from_article_id = {article}."id"', "1"),
        )

    def as_sql(self, compiler, connection):
        # SQLite: the order is kept by an ordered inner select (no ORDER BY inside an
        # aggregate before 3.44); json() keeps each list JSON, not a string, in the outer array.
        _, parts = self._parts(compiler)
        lists = ", ".join(
            f"json((SELECT json_group_array(json(v)) FROM "  # noqa: S608 (table names only)
            f"(SELECT {value} AS v FROM {source} ORDER BY {order})))"
            for value, source, order in parts
        )
        return f"json_array({lists})", []

    def as_postgresql(self, compiler, connection):
        _, parts = self._parts(compiler, lateral=True)
        lists = ", ".join(
            f"(SELECT COALESCE(json_agg({value.replace('json_array', 'json_build_array')} "  # noqa: S608
            f"ORDER BY {order}), '[]'::json) FROM {source})"
            for value, source, order in parts
        )
        return f"json_build_array({lists})::text", []


class LeadRenditions(models.Expression):
    """The article's lead photo's stored sizes as one JSON text
    `[[id, photo_id, spec, focal_key, file, width, height], …]` (`[]` without a photo): a correlated
    subquery in the article's own row, so the article page and its related cards get their
    pictures without a query of their own (read by articles.photos.attach_lead_renditions)."""

    output_field = models.TextField()
    COLUMNS = ("id", "photo_id", "spec", "focal_key", "file", "width", "height")

    def _parts(self, compiler) -> tuple[str, str]:
        """(the row's values, where they come from): table and column names only."""
        article = compiler.quote_name_unless_alias(compiler.query.base_table)
        values = ", ".join(f"p.{column}" for column in self.COLUMNS)
        table = PhotoRendition._meta.db_table
        return values, f'{table} p WHERE p.photo_id = {article}."lead_photo_id"'

    def as_sql(self, compiler, connection):
        values, source = self._parts(compiler)
        return f"(SELECT json_group_array(json_array({values})) FROM {source})", []  # noqa: S608

    def as_postgresql(self, compiler, connection):
        values, source = self._parts(compiler)
        sql = f"(SELECT COALESCE(json_agg(json_build_array({values})), '[]'::json) FROM {source})"  # noqa: S608
        return f"{sql}::text", []


def with_page_relations(article: "Article | None") -> "Article | None":
    """Reads `page_relations` (ArticleQuerySet.for_article_page) into `page_reporters`,
    `page_tags` (model instances, as a prefetch would give) and `page_related` (the related
    articles whose time has come, newest first: one query, only when there are any)."""
    raw = getattr(article, "page_relations", None)
    if raw is None:
        return article
    bylines, tags, related_ids = json.loads(raw)
    db = article._state.db
    reporter_fields = ("id", "user_id", "name", "email", "photo", "is_active")
    article.page_reporters = [
        Reporter.from_db(db, reporter_fields, (*row[:5], bool(row[5]))) for row in bylines
    ]
    article.page_tags = [Tag.from_db(db, ("id", "name", "slug"), row) for row in tags]
    article.page_related = _related_cards(article.pk) if related_ids else []
    return article


# The article's related articles as cards, newest first: `article.related` of an unsaved
# stand-in (no query), compiled once per process (newsroom.compiled).
_related_cards = CompiledRead(
    lambda pk: (
        Article(pk=pk)
        .related.publishable()
        .for_cards()
        .annotate(lead_renditions_row=LeadRenditions())
        .order_by("-published_at")
    )
)


# The article page's own query, compiled once per process (newsroom.compiled): building and
# compiling it cost more CPU than PostgreSQL takes to answer it. One row by its key: no ORDER BY
# (the model's ordering made PostgreSQL sort the joined row before its subqueries).
_article_page_row = CompiledRead(
    lambda pk: Article.objects.publishable().for_article_page().filter(pk=pk).order_by()[:1]
)


def sections_and_series() -> tuple[dict[int, Section], dict[int, Series]]:
    """Every section (its parent set, from the same dict) and every series, by id: what the
    article page takes its article's section and series from."""
    sections = {section.pk: section for section in Section.objects.all()}
    for section in sections.values():
        if section.parent_id in sections:
            section.parent = sections[section.parent_id]
    return sections, {series.pk: series for series in Series.objects.all()}


def read_article_page(pk: int, *, shared=None) -> "Article | None":
    """The article page's article (published, whatever its time: `is_public()` is asked per
    request), as `publishable().for_article_page()` reads it, with its standing notices and its
    bylines, tags and related articles (`with_corrections`, `with_page_relations`), or None.

    `shared`: `sections_and_series()` (the page's kept copy) to set its section and series
    from; one missing there (created a moment ago in another process) is read when asked for."""
    article = _article_page_row.first(int(pk))
    if article is not None and shared is not None:
        sections, series = shared
        if article.section_id in sections:
            article.section = sections[article.section_id]
        if article.series_id in series:
            article.series = series[article.series_id]
    return with_page_relations(with_corrections(article))


class ArticleRevision(models.Model):
    """An article's content as one save left it (판): what a reader sees plus its tags, who saved
    it and when. Written by articles.services on every save that changes content; never edited.
    The section, byline and tags are kept by name too, so an old 판 still reads right after a
    section is renamed or a reporter leaves."""

    article = models.ForeignKey(
        Article, verbose_name="기사", on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField("판")
    title = models.CharField("제목", max_length=120)
    subtitle = models.TextField("부제", blank=True)
    # Sanitized HTML, as it was stored on the article.
    body = models.TextField("본문", blank=True)
    section = models.ForeignKey(
        Section,
        verbose_name="섹션",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    section_name = models.CharField("섹션명", max_length=50, blank=True)
    # [{"id": reporter id, "name": byline name}, …] in byline order.
    byline = models.JSONField("기자", default=list, blank=True)
    tags = models.JSONField("태그", default=list, blank=True)
    # The standing 정정·반론·추후보도 notices readers saw with this 판: [{"kind", "text"}].
    notices = models.JSONField("정정·반론보도", default=list, blank=True)
    # The lead photo as it was (a photo deleted from the library since leaves it empty) and the
    # article's own caption under it (blank: the photo's caption).
    lead_photo = models.ForeignKey(
        Photo,
        verbose_name="대표 사진",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lead_photo_caption = models.CharField("이 기사의 사진 설명", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="저장한 사람",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by_name = models.CharField("저장한 사람 이름", max_length=150, blank=True)
    created_at = models.DateTimeField("저장 일시", default=timezone.now)
    note = models.CharField("내용", max_length=300, blank=True)

    # What the revisions list shows of each: the bodies stay in the database.
    METADATA_FIELDS = (
        "id",
        "article_id",
        "number",
        "title",
        "created_by_name",
        "created_at",
        "note",
    )

    class Meta:
        ordering = ["-number"]
        verbose_name = "기사 판"
        verbose_name_plural = "기사 판"
        constraints = [
            # Also the index the history page reads an article's revisions from, newest first.
            models.UniqueConstraint(fields=["article", "number"], name="article_revision_number")
        ]

    def __str__(self) -> str:
        return f"{self.number}판 · {self.title}"

    @property
    def byline_names(self) -> list[str]:
        return [entry.get("name", "") for entry in self.byline]


class ArticleEvent(models.Model):
    """One step in an article's history: who did what, and when. Written by articles.services."""

    class Action(models.TextChoices):
        CREATED = "created", "작성"
        EDITED = "edited", "수정"
        SUBMITTED = "submitted", "출고"
        RETURNED = "returned", "반려"
        PUBLISHED = "published", "게재"
        SCHEDULED = "scheduled", "예약 게재"
        WITHDRAWN = "withdrawn", "게재중지"
        HEADLINE_SET = "headline_set", "헤드라인 지정"
        HEADLINE_CLEARED = "headline_cleared", "헤드라인 해제"
        RESTORED = "restored", "복원"
        CORRECTION_ADDED = "correction_added", "정정·반론보도 게시"
        CORRECTION_AMENDED = "correction_amended", "정정·반론보도 수정"
        CORRECTION_WITHDRAWN = "correction_withdrawn", "정정·반론보도 삭제"

    article = models.ForeignKey(
        Article, verbose_name="기사", on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField("작업", max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="작업자",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as text too, so the history still names the person after their account is gone.
    actor_name = models.CharField("작업자 이름", max_length=150, blank=True)
    at = models.DateTimeField("일시", default=timezone.now, db_index=True)
    note = models.CharField("내용", max_length=300, blank=True)
    # The 판 the step made (an edit, a restore) or acted on (submit, publish, headline …).
    revision = models.ForeignKey(
        ArticleRevision,
        verbose_name="판",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "기사 이력"
        verbose_name_plural = "기사 이력"

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.actor_name}"


class CorrectionNoticeQuerySet(models.QuerySet):
    def shown(self):
        """The notices that stand: a withdrawn one is kept (its removal is logged), not shown."""
        return self.filter(withdrawn_at__isnull=True)

    def public(self, now=None):
        """What readers see on /corrections/: the standing notices of public articles."""
        return self.shown().filter(article__in=Article.objects.published(now).values("pk"))


class CorrectionNotice(models.Model):
    """정정보도, 반론보도 or 추후보도 attached by the desk to a published article (the press
    arbitration act's notices). It shows on the article page as prominently as the standfirst,
    in the article's JSON-LD and feed item, and on /corrections/. Written by articles.services:
    amended with a trail (`previous`), withdrawn with a reason, never deleted."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", "정정보도"
        REPLY = "reply", "반론보도"
        FOLLOW_UP = "follow_up", "추후보도"

    article = models.ForeignKey(
        Article, verbose_name="기사", on_delete=models.PROTECT, related_name="corrections"
    )
    kind = models.CharField("종류", max_length=12, choices=Kind.choices)
    # Plain text: readers see it as typed, line breaks kept; it is escaped wherever it is shown.
    text = models.TextField("내용", max_length=2000)
    published_at = models.DateTimeField("게시 일시", default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="게시자",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    amended_at = models.DateTimeField("수정 일시", null=True, blank=True, editable=False)
    # The earlier versions, oldest first: {"kind", "text", "until", "by"} each.
    previous = models.JSONField("이전 내용", default=list, blank=True, editable=False)
    withdrawn_at = models.DateTimeField("삭제 일시", null=True, blank=True, editable=False)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="삭제한 사람",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    withdrawal_reason = models.CharField("삭제 사유", max_length=200, blank=True, editable=False)

    objects = CorrectionNoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = "정정·반론보도"
        verbose_name_plural = "정정·반론보도"

    def __str__(self) -> str:
        return f"[{self.get_kind_display()}] {self.article.title}"

    @property
    def is_shown(self) -> bool:
        return self.withdrawn_at is None

    @property
    def paragraphs(self) -> list[str]:
        return [line.strip() for line in self.text.splitlines() if line.strip()]

    @property
    def plain(self) -> str:
        """`[정정보도] 내용`: the notice in one line of text (feeds, history)."""
        return f"[{self.get_kind_display()}] {' '.join(self.paragraphs)}"


class FeedPartnerQuerySet(models.QuerySet):
    def with_key(self, key: str):
        """The partner holding `key`, if its key is still valid (not revoked)."""
        return self.filter(key_hash=FeedPartner.hash_key(key), revoked_at__isnull=True)


class FeedPartner(models.Model):
    """A portal or partner site that carries our articles: it reads the full-text partner feed
    with a key an administrator issued. Only the key's hash is stored; the key itself is shown
    once, when it is issued."""

    name = models.CharField("제휴처", max_length=100, unique=True)
    contact = models.CharField("담당자 연락처", max_length=200, blank=True)
    memo = models.TextField("메모", blank=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The key's first characters, so staff can tell keys apart without the key.
    key_prefix = models.CharField("키 앞자리", max_length=8, editable=False)
    issued_at = models.DateTimeField("키 발급", default=timezone.now, editable=False)
    revoked_at = models.DateTimeField("키 폐기", null=True, blank=True, editable=False)

    objects = FeedPartnerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "제휴 피드 파트너"
        verbose_name_plural = "제휴 피드 파트너"

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def hash_key(key: str) -> str:
        # Keys are 256 random bits: a plain hash is enough to make a stolen table useless.
        return hashlib.sha256(key.encode()).hexdigest()

    def issue_key(self) -> str:
        """A new key for this partner (the old one stops working); returns it, stores its hash."""
        key = f"nrp_{secrets.token_urlsafe(32)}"
        self.key_hash = self.hash_key(key)
        self.key_prefix = key[:8]
        self.issued_at = timezone.now()
        self.revoked_at = None
        return key

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class PartnerFetch(models.Model):
    """One fetch of the partner feed: who, when, how many items."""

    partner = models.ForeignKey(
        FeedPartner, verbose_name="제휴처", on_delete=models.CASCADE, related_name="fetches"
    )
    fetched_at = models.DateTimeField("가져간 시각", default=timezone.now, db_index=True)
    items = models.PositiveIntegerField("기사 수")

    class Meta:
        ordering = ["-fetched_at", "-id"]
        verbose_name = "제휴 피드 기록"
        verbose_name_plural = "제휴 피드 기록"

    def __str__(self) -> str:
        return f"{self.partner} {timezone.localtime(self.fetched_at):%Y-%m-%d %H:%M}"
