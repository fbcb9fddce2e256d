from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone

from articles.richtext import RichTextBodyField
from newsroom.pagecache.generation import generation, local_memo

SITE_INFO_CACHE_KEY = "newsroom:site-info"
_site_info_memo = local_memo()


class SiteInfo(models.Model):
    """The publisher's details a Korean internet newspaper must show in its footer.

    One row, edited by staff in the admin; `SiteInfo.current()` reads it through the cache.
    """

    name = models.CharField("제호", max_length=50)
    tagline = models.CharField("소개 문구", max_length=200, blank=True)
    company = models.CharField("발행처", max_length=100)
    address = models.CharField("주소", max_length=200)
    phone = models.CharField("대표전화", max_length=30)
    fax = models.CharField("팩스", max_length=30, blank=True)
    email = models.EmailField("대표 이메일", blank=True)
    registration_number = models.CharField("등록번호", max_length=30)
    registration_date = models.DateField("등록일")
    publisher = models.CharField("발행인", max_length=30)
    editor = models.CharField("편집인", max_length=30)
    youth_protection_officer = models.CharField("청소년보호책임자", max_length=30)
    updated_at = models.DateTimeField("수정일시", auto_now=True)

    class Meta:
        verbose_name = "사이트 정보"
        verbose_name_plural = "사이트 정보"

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> "SiteInfo | None":
        """The row, through the shared cache and this process's memo (PAGE_CACHE_LOCAL_SECONDS:
        every page that renders asks for it). The memo is per content generation, which a
        change bumps: a page rendered for the new generation never shows the old details, in
        this process or another."""
        return _site_info_memo.get((SITE_INFO_CACHE_KEY, generation()), cls._shared) or None

    @classmethod
    def _shared(cls) -> "SiteInfo | bool":
        info = cache.get(SITE_INFO_CACHE_KEY)
        if info is None:
            info = cls.objects.order_by("pk").first() or False
            cache.set(SITE_INFO_CACHE_KEY, info, 300)
        return info


class PolicyPage(models.Model):
    """A page the law and the portals expect (개인정보처리방침, 청소년보호정책, 이용약관,
    이메일무단수집거부), edited by an administrator, linked from every page's footer."""

    class Kind(models.TextChoices):
        # The value is the page's address: /policy/<kind>/.
        PRIVACY = "privacy", "개인정보처리방침"
        YOUTH = "youth", "청소년보호정책"
        TERMS = "terms", "이용약관"
        NO_EMAIL_COLLECTION = "no-email-collection", "이메일무단수집거부"

    kind = models.CharField("종류", max_length=30, choices=Kind.choices, unique=True)
    body = RichTextBodyField("내용", config_name="policy", blank=True)
    effective_on = models.DateField(
        "시행일", help_text="이 내용이 효력을 갖는 날. 페이지에 개정일로 표시됩니다."
    )
    updated_at = models.DateTimeField("마지막 수정", auto_now=True)

    # The footer's order.
    ORDER = (Kind.TERMS, Kind.PRIVACY, Kind.YOUTH, Kind.NO_EMAIL_COLLECTION)

    class Meta:
        verbose_name = "정책 페이지"
        verbose_name_plural = "정책 페이지"

    def __str__(self) -> str:
        return self.get_kind_display()

    def get_absolute_url(self) -> str:
        return reverse("policy", kwargs={"kind": self.kind})


BREAKING_CACHE_KEY = "newsroom:breaking"
BREAKING_LINK_MESSAGE = (
    "연결 주소는 /로 시작하는 이 사이트의 주소나 http:// 또는 https://로 시작하는 전체 주소여야 "
    "합니다."
)


def validate_breaking_link(value: str) -> None:
    """A path of this site (`/news/…`) or an absolute http(s) address; nothing a browser would
    run (`javascript:`), read as another host (`//evil.example`, `/\\evil`) or split (newlines)."""
    if value != value.strip() or any(ch in value for ch in "\r\n\t\\") or " " in value:
        raise ValidationError(BREAKING_LINK_MESSAGE, code="invalid_link")
    try:
        parts = urlsplit(value)
    except ValueError:
        raise ValidationError(BREAKING_LINK_MESSAGE, code="invalid_link") from None
    if value.startswith("/") and not value.startswith("//") and not parts.scheme:
        return
    if parts.scheme.lower() in {"http", "https"} and parts.hostname:
        return
    raise ValidationError(BREAKING_LINK_MESSAGE, code="invalid_link")


class BreakingNewsQuerySet(models.QuerySet):
    def not_over(self, now: datetime):
        """Switched on and not yet expired: showing now or due to show later."""
        return self.filter(is_active=True, expires_at__gt=now)


class BreakingNews(models.Model):
    """A one-line 속보 banner the desk sets over every page until it expires.

    It is a live part of the page cache (newsroom.site.breaking): cached pages show the banner of
    the moment they are served, so it appears at once and goes away by itself at `expires_at`.
    """

    headline = models.CharField("속보 문구", max_length=120)
    link = models.CharField(
        "연결 주소",
        max_length=500,
        validators=[validate_breaking_link],
        help_text="예: 기사 주소(/news/articles/123/) 또는 https://로 시작하는 주소",
    )
    starts_at = models.DateTimeField("게시 시작", default=timezone.now)
    expires_at = models.DateTimeField("게시 종료", help_text="이 시각이 되면 저절로 내려갑니다.")
    is_active = models.BooleanField(
        "게시", default=True, help_text="끄면 종료 시각 전이라도 바로 내려갑니다."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="등록한 사람",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField("등록 일시", auto_now_add=True)

    objects = BreakingNewsQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = "속보"
        verbose_name_plural = "속보"
        indexes = [models.Index(fields=["expires_at"], name="breaking_expires_idx")]

    def __str__(self) -> str:
        return self.headline

    def clean(self):
        if self.starts_at and self.expires_at and self.expires_at <= self.starts_at:
            raise ValidationError({"expires_at": "게시 종료는 게시 시작보다 뒤여야 합니다."})

    def is_showing(self, now: datetime) -> bool:
        return self.is_active and self.starts_at <= now < self.expires_at

    @property
    def state(self) -> str:
        now = timezone.now()
        if not self.is_active:
            return "내림"
        if now < self.starts_at:
            return "예정"
        return "게시 중" if now < self.expires_at else "종료"
