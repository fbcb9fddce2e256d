"""Banner slots, advertisers, campaigns, banners, placements and daily statistics.

A `BannerSlot` is a place on the reader's pages (its `code` is what templates use). A `Campaign`
(캠페인) belongs to an `Advertiser`: its period, priority, impression goal and frequency cap. A
`Banner` belongs to a campaign and is shown in one or more slots through `Placement`s. The
periods narrow one another: a placement is live when the campaign's, the banner's (optional)
and the placement's (optional) periods all are. The placement's weight rotates banners of one
priority. `BannerStat` holds impressions and clicks per banner, slot and day.
"""

import contextlib
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

IMAGE_EXTENSIONS = ["jpg", "jpeg", "png", "gif", "webp"]
GOAL_LIMIT = 2_000_000_000  # within a 32-bit integer column on every database
CAP_LIMIT = 1000


def validate_target_url(value: str) -> None:
    """Only absolute http(s) addresses: no `javascript:`, `data:`, relative or protocol-relative."""
    message = "연결 주소는 http:// 또는 https://로 시작하는 전체 주소여야 합니다."
    if value != value.strip() or any(ch in value for ch in "\r\n\t\\"):
        raise ValidationError(message, code="invalid_scheme")
    try:
        parts = urlsplit(value)
    except ValueError:
        raise ValidationError(message, code="invalid_scheme") from None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        raise ValidationError(message, code="invalid_scheme")


def weight_validator():
    return MinValueValidator(1, message="가중치는 1 이상이어야 합니다.")


class BannerSlot(models.Model):
    class Area(models.TextChoices):
        HEADER = "header", "상단·헤더"
        ARTICLE = "article", "기사 페이지"
        HOME = "home", "첫 화면"
        FOOTER = "footer", "하단"

    class Rotation(models.TextChoices):
        WEIGHTED = "weighted", "가중치에 따라 순환"
        ORDERED = "ordered", "모두 순서대로"

    code = models.SlugField(
        "코드",
        max_length=40,
        unique=True,
        help_text=(
            '템플릿의 {% banner_slot "코드" %}에 쓰는 이름입니다. 바꾸면 페이지에서 사라집니다.'
        ),
    )
    name = models.CharField("이름", max_length=60)
    area = models.CharField("영역", max_length=10, choices=Area.choices)
    position = models.CharField("위치 설명", max_length=120, blank=True)
    width = models.PositiveIntegerField("가로(px)")
    height = models.PositiveIntegerField("세로(px)")
    max_banners = models.PositiveSmallIntegerField(
        "동시 노출 수",
        default=1,
        validators=[MinValueValidator(1, message="동시 노출 수는 1 이상이어야 합니다.")],
    )
    rotation = models.CharField(
        "노출 방식", max_length=10, choices=Rotation.choices, default=Rotation.WEIGHTED
    )
    sort_order = models.PositiveSmallIntegerField("정렬 순서", default=0)
    is_active = models.BooleanField("사용", default=True)

    class Meta:
        verbose_name = "배너 슬롯"
        verbose_name_plural = "배너 슬롯"
        ordering = ["sort_order", "code"]

    def __str__(self):
        return f"{self.name} ({self.code}, {self.size_label})"

    @property
    def size_label(self) -> str:
        return f"{self.width}×{self.height}"


class Advertiser(models.Model):
    name = models.CharField("광고주", max_length=100, unique=True)
    contact_name = models.CharField("담당자", max_length=60, blank=True)
    contact_email = models.EmailField("이메일", blank=True)
    contact_phone = models.CharField("전화", max_length=30, blank=True)
    memo = models.TextField("메모", blank=True)
    created_at = models.DateTimeField("등록", auto_now_add=True)

    class Meta:
        verbose_name = "광고주"
        verbose_name_plural = "광고주"
        ordering = ["name"]

    def __str__(self):
        return self.name


class Campaign(models.Model):
    """What an advertiser bought: a period, a priority, optionally an impression goal delivered
    evenly over the period (pacing, banners/pacing.py) and a cap per reader and day."""

    class Priority(models.IntegerChoices):
        # Higher first: a slot shows a lower priority only when no higher one can be shown.
        GUARANTEED = 30, "보장형"
        STANDARD = 20, "일반"
        HOUSE = 10, "하우스"

    class GoalPeriod(models.TextChoices):
        TOTAL = "total", "기간 전체"
        DAY = "day", "하루"

    advertiser = models.ForeignKey(
        Advertiser, on_delete=models.PROTECT, related_name="campaigns", verbose_name="광고주"
    )
    name = models.CharField("캠페인 이름", max_length=100)
    starts_at = models.DateTimeField("시작")
    ends_at = models.DateTimeField("종료", null=True, blank=True, help_text="비우면 무기한.")
    priority = models.PositiveSmallIntegerField(
        "우선순위",
        choices=Priority.choices,
        default=Priority.STANDARD,
        help_text="보장형이 먼저, 하우스 광고는 보여 줄 다른 광고가 없을 때 나갑니다.",
    )
    goal_impressions = models.IntegerField(
        "노출 목표",
        null=True,
        blank=True,
        validators=[
            MinValueValidator(1, message="노출 목표는 1 이상이어야 합니다."),
            MaxValueValidator(GOAL_LIMIT, message="노출 목표는 20억 이하로 입력하세요."),
        ],
        help_text="비우면 목표 없이 가중치대로 나갑니다. 목표를 채우면 노출을 멈춥니다.",
    )
    goal_period = models.CharField(
        "목표 단위",
        max_length=5,
        choices=GoalPeriod.choices,
        default=GoalPeriod.TOTAL,
        help_text="기간 전체 목표는 기간에 고르게, 하루 목표는 하루에 고르게 나누어 노출합니다.",
    )
    daily_cap = models.IntegerField(
        "독자당 하루 노출 한도",
        null=True,
        blank=True,
        validators=[
            MinValueValidator(1, message="노출 한도는 1 이상이어야 합니다."),
            MaxValueValidator(CAP_LIMIT, message="노출 한도는 1000 이하로 입력하세요."),
        ],
        help_text="한 독자에게 하루에 이 횟수까지만 보입니다. 비우면 한도 없음.",
    )
    is_active = models.BooleanField("사용", default=True)
    created_at = models.DateTimeField("등록", auto_now_add=True)
    updated_at = models.DateTimeField("수정", auto_now=True)

    class Meta:
        verbose_name = "캠페인"
        verbose_name_plural = "캠페인"
        ordering = ["-starts_at", "name"]

    def __str__(self):
        # The name alone: lists and choices name many campaigns, and the advertiser has its
        # own column wherever it matters.
        return self.name

    def clean(self):
        errors: dict[str, str] = {}
        if self.ends_at and self.starts_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = "종료 시각은 시작 시각보다 늦어야 합니다."
        if self.goal_impressions is not None and self.goal_impressions <= 0:
            errors["goal_impressions"] = "노출 목표는 1 이상이어야 합니다."
        if self.daily_cap is not None and self.daily_cap <= 0:
            errors["daily_cap"] = "노출 한도는 1 이상이어야 합니다."
        if (
            self.goal_impressions
            and self.goal_period == self.GoalPeriod.TOTAL
            and not self.ends_at
            and "ends_at" not in errors
        ):
            errors["ends_at"] = (
                "기간 전체 노출 목표에는 종료 시각이 필요합니다 (기간에 고르게 나누어 노출합니다)."
            )
        if errors:
            raise ValidationError(errors)


class Banner(models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image", "이미지 배너"
        AD_TAG = "ad_tag", "광고 네트워크 태그(HTML)"

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="banners", verbose_name="캠페인"
    )
    # The campaign's advertiser, copied on every save (never chosen on its own): the reports,
    # filters and searches keep their one join.
    advertiser = models.ForeignKey(
        Advertiser,
        on_delete=models.PROTECT,
        related_name="banners",
        verbose_name="광고주",
        editable=False,
    )
    name = models.CharField("배너 이름", max_length=100)
    kind = models.CharField("종류", max_length=10, choices=Kind.choices, default=Kind.IMAGE)
    image = models.ImageField(
        "이미지",
        upload_to="banners/%Y/%m/",
        blank=True,
        width_field="image_width",
        height_field="image_height",
        validators=[
            FileExtensionValidator(
                IMAGE_EXTENSIONS,
                message="JPEG, PNG, GIF, WebP 이미지만 올릴 수 있습니다.",
            )
        ],
    )
    image_width = models.PositiveIntegerField("이미지 가로", null=True, blank=True, editable=False)
    image_height = models.PositiveIntegerField("이미지 세로", null=True, blank=True, editable=False)
    alt_text = models.CharField(
        "대체 텍스트",
        max_length=200,
        help_text="이미지를 볼 수 없는 독자에게 읽어 주는 광고 문구입니다 (필수).",
    )
    target_url = models.URLField(
        "연결 주소",
        max_length=1000,
        blank=True,
        validators=[validate_target_url],
        help_text="클릭하면 이동할 http:// 또는 https:// 주소.",
    )
    opens_new_window = models.BooleanField("새 창으로 열기", default=True)
    ad_tag = models.TextField(
        "광고 태그",
        blank=True,
        help_text="광고 네트워크가 준 HTML/JavaScript. 격리된 iframe 안에서만 실행됩니다.",
    )
    starts_at = models.DateTimeField(
        "시작", null=True, blank=True, help_text="비우면 캠페인의 시작."
    )
    ends_at = models.DateTimeField("종료", null=True, blank=True, help_text="비우면 캠페인의 종료.")
    weight = models.IntegerField("가중치", default=1, validators=[weight_validator()])
    is_active = models.BooleanField("사용", default=True)
    created_at = models.DateTimeField("등록", auto_now_add=True)
    updated_at = models.DateTimeField("수정", auto_now=True)

    class Meta:
        verbose_name = "배너"
        verbose_name_plural = "배너"
        ordering = ["-starts_at", "name"]
        permissions = [("manage_ad_tag", "광고 네트워크 태그(HTML) 배너를 관리할 수 있음")]

    def __str__(self):
        return f"{self.name} ({self.advertiser})" if self.advertiser_id else self.name

    def save(self, *args, **kwargs):
        if self.campaign_id:
            self.advertiser_id = self.campaign.advertiser_id
        # Store the image's size with the row: with the size fields empty, Django measures the
        # file every time a banner is loaded (a file read per banner when slots are loaded,
        # and an error for every slot when one file is missing).
        if self.image and not self.image_width:
            # A missing or unreadable file is left to the admin's validation to report.
            with contextlib.suppress(OSError, ValueError):
                self.image_width, self.image_height = self.image.width, self.image.height
        super().save(*args, **kwargs)

    @property
    def is_ad_tag(self) -> bool:
        return self.kind == self.Kind.AD_TAG

    def clean(self):
        errors: dict[str, str] = {}
        if self.ends_at and self.starts_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = "종료 시각은 시작 시각보다 늦어야 합니다."
        if not (self.alt_text or "").strip():
            errors["alt_text"] = "대체 텍스트를 입력하세요. 화면 낭독기 독자에게 필요합니다."
        if self.kind == self.Kind.IMAGE:
            if not self.image:
                errors["image"] = "이미지 배너에는 이미지 파일이 필요합니다."
            if not self.target_url:
                errors["target_url"] = "이미지 배너에는 연결 주소가 필요합니다."
        elif not (self.ad_tag or "").strip():
            errors["ad_tag"] = "광고 네트워크 태그를 붙여 넣으세요."
        if errors:
            raise ValidationError(errors)

    def fits(self, slot: BannerSlot) -> bool:
        """An image banner fits a slot when its pixel size is the slot's size, or exactly twice
        it (a high-density creative, shown at the slot's size on sharp screens)."""
        if self.is_ad_tag or not self.image_width:
            return True
        size = (self.image_width, self.image_height)
        return size in {(slot.width, slot.height), (2 * slot.width, 2 * slot.height)}

    def size_warning(self, slot: BannerSlot) -> str:
        if self.fits(slot):
            return ""
        return (
            f"배너 '{self.name}'의 이미지 크기({self.image_width}×{self.image_height})가 "
            f"슬롯 '{slot.name}'의 크기({slot.size_label})와 다릅니다. "
            "늘어나거나 잘려 보일 수 있습니다."
        )


class PlacementQuerySet(models.QuerySet):
    def live_at(self, moment: datetime):
        """Placements whose campaign, banner, slot and all three periods are on at `moment`."""
        return self._switched_on(start=moment, end=moment, starts="lte")

    def overlapping(self, start: datetime, end: datetime):
        """Placements switched on and live at some moment in [start, end)."""
        return self._switched_on(start=start, end=end, starts="lt")

    def _switched_on(self, *, start: datetime, end: datetime, starts: str):
        """Switched on, and the three periods (the campaign's, the banner's, the placement's)
        begin before `end` (`starts`: "lt", or "lte" for a single moment) and end after
        `start`."""
        return self.filter(
            Q(is_active=True, banner__is_active=True, slot__is_active=True),
            Q(banner__campaign__is_active=True),
            Q(**{f"banner__campaign__starts_at__{starts}": end}),
            Q(banner__campaign__ends_at__isnull=True) | Q(banner__campaign__ends_at__gt=start),
            Q(banner__starts_at__isnull=True) | Q(**{f"banner__starts_at__{starts}": end}),
            Q(banner__ends_at__isnull=True) | Q(banner__ends_at__gt=start),
            Q(starts_at__isnull=True) | Q(**{f"starts_at__{starts}": end}),
            Q(ends_at__isnull=True) | Q(ends_at__gt=start),
        )


class Placement(models.Model):
    """A banner in a slot, for its own period (within the banner's and the campaign's) and with
    its own weight."""

    banner = models.ForeignKey(
        Banner, on_delete=models.CASCADE, related_name="placements", verbose_name="배너"
    )
    slot = models.ForeignKey(
        BannerSlot, on_delete=models.PROTECT, related_name="placements", verbose_name="슬롯"
    )
    starts_at = models.DateTimeField("시작", null=True, blank=True, help_text="비우면 배너의 시작.")
    ends_at = models.DateTimeField("종료", null=True, blank=True, help_text="비우면 배너의 종료.")
    weight = models.IntegerField("가중치", default=1, validators=[weight_validator()])
    sort_order = models.PositiveSmallIntegerField("순서", default=0)
    is_active = models.BooleanField("사용", default=True)

    objects = PlacementQuerySet.as_manager()

    class Meta:
        verbose_name = "게재"
        verbose_name_plural = "게재"
        ordering = ["slot__sort_order", "sort_order", "pk"]

    def __str__(self):
        return f"{self.banner.name} @ {self.slot.name}"

    def clean(self):
        if self.ends_at and self.starts_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "종료 시각은 시작 시각보다 늦어야 합니다."})

    @property
    def period_start(self):
        campaign = self.banner.campaign
        starts = [t for t in (self.starts_at, self.banner.starts_at, campaign.starts_at) if t]
        return max(starts) if starts else None

    @property
    def period_end(self):
        campaign = self.banner.campaign
        ends = [t for t in (self.ends_at, self.banner.ends_at, campaign.ends_at) if t]
        return min(ends) if ends else None

    def is_live_at(self, moment: datetime) -> bool:
        """The one-object form of `Placement.objects.live_at(moment)` (load the banner, its
        campaign and the slot with it)."""
        banner, campaign = self.banner, self.banner.campaign
        start, end = self.period_start, self.period_end
        return (
            self.is_active
            and banner.is_active
            and campaign.is_active
            and self.slot.is_active
            and (start is None or start <= moment)
            and (end is None or end > moment)
        )

    def get_click_url(self) -> str:
        return reverse("banners:click", args=[self.pk])


class BannerStat(models.Model):
    """Impressions (served and viewable) and clicks of one banner in one slot on one day
    (Asia/Seoul)."""

    banner = models.ForeignKey(
        Banner, on_delete=models.CASCADE, related_name="stats", verbose_name="배너"
    )
    slot = models.ForeignKey(
        BannerSlot, on_delete=models.CASCADE, related_name="stats", verbose_name="슬롯"
    )
    day = models.DateField("날짜")
    impressions = models.PositiveBigIntegerField("노출", default=0)
    # Impressions the reader's browser saw for a second with half the banner in view
    # (banners/viewability.py); never more than served, counted only with a signed token.
    viewable_impressions = models.PositiveBigIntegerField("가시 노출", default=0)
    clicks = models.PositiveBigIntegerField("클릭", default=0)
    # Clicks redirected but not counted: no impression was served to that reader recently
    # (banners/clicks.py).
    flagged_clicks = models.PositiveBigIntegerField("의심 클릭", default=0)

    class Meta:
        verbose_name = "광고 통계"
        verbose_name_plural = "광고 통계"
        ordering = ["-day", "banner", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["banner", "slot", "day"], name="bannerstat_unique_day")
        ]

    def __str__(self):
        return f"{self.day} {self.banner_id}/{self.slot_id}"


class ReportLinkQuerySet(models.QuerySet):
    def usable_at(self, moment: datetime):
        return self.filter(revoked_at__isnull=True, expires_at__gt=moment)


class ReportLink(models.Model):
    """A link an advertiser opens without an account to see its own figures (광고주 보고서
    링크): `/banners/report/<signed key>/` (banners/report_links.py). The key is random and the
    URL carries it signed; the row is what makes the link valid, so the ad manager revokes it
    (폐기) by marking the row, and it stops at `expires_at`."""

    advertiser = models.ForeignKey(
        Advertiser, on_delete=models.CASCADE, related_name="report_links", verbose_name="광고주"
    )
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="report_links",
        verbose_name="캠페인",
        help_text="비우면 광고주의 모든 캠페인.",
    )
    key = models.CharField("키", max_length=32, unique=True, editable=False)
    expires_at = models.DateTimeField("만료")
    revoked_at = models.DateTimeField("폐기", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("발급", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="발급자",
    )

    objects = ReportLinkQuerySet.as_manager()

    class Meta:
        verbose_name = "광고주 보고서 링크"
        verbose_name_plural = "광고주 보고서 링크"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.advertiser} {self.campaign or '전체 캠페인'} ({self.expires_at:%Y-%m-%d})"

    def clean(self):
        if (
            self.campaign_id
            and self.advertiser_id
            and (self.campaign.advertiser_id != self.advertiser_id)
        ):
            raise ValidationError({"campaign": "이 광고주의 캠페인을 고르세요."})

    def is_usable_at(self, moment: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > moment
