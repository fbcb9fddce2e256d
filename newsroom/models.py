from django.conf import settings
from django.core.cache import cache
from django.db import models

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

    def save(self, *args, **kwargs):
        from .cache import bump_generation

        super().save(*args, **kwargs)
        cache.delete(SITE_INFO_CACHE_KEY)
        bump_generation()  # feeds and sitemaps carry the paper's name

    @classmethod
    def current(cls) -> "SiteInfo | None":
        info = cache.get(SITE_INFO_CACHE_KEY)
        if info is None:
            info = cls.objects.order_by("pk").first() or False
            cache.set(SITE_INFO_CACHE_KEY, info, 300)
        return info or None


class TwoFactorDevice(models.Model):
    """An editor's authenticator app: once confirmed, the admin login asks for its code."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="two_factor_device",
        verbose_name="사용자",
    )
    secret = models.CharField("비밀 키", max_length=64, editable=False)
    confirmed_at = models.DateTimeField("등록일시", null=True, blank=True, editable=False)
    last_used_step = models.BigIntegerField("마지막 사용 시각 단위", default=0, editable=False)

    class Meta:
        verbose_name = "2단계 인증"
        verbose_name_plural = "2단계 인증"

    def __str__(self) -> str:
        return f"{self.user} 2단계 인증"

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None

    def verify(self, code: str) -> bool:
        """True once per code: a code seen before (or an older one) is refused, even when two
        logins race with the same code."""
        from . import two_factor

        step = two_factor.matching_step(self.secret, code or "")
        if step is None or step <= self.last_used_step:
            return False
        claimed = TwoFactorDevice.objects.filter(pk=self.pk, last_used_step__lt=step).update(
            last_used_step=step
        )
        if claimed:
            self.last_used_step = step
        return bool(claimed)
