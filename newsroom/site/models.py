from django.core.cache import cache
from django.db import models
from django.urls import reverse

from articles.richtext import RichTextBodyField

SITE_INFO_CACHE_KEY = "newsroom:site-info"


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
        info = cache.get(SITE_INFO_CACHE_KEY)
        if info is None:
            info = cls.objects.order_by("pk").first() or False
            cache.set(SITE_INFO_CACHE_KEY, info, 300)
        return info or None


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
