"""KMA stations and their hourly readings.

Readings are written only by `weather.services` (the `fetch_weather` command, the admin's
"fetch now" button and the demo loader); page views only read them, mostly through the
ticker's cache (`weather.ticker`).
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from .kma import FUTURE_TOLERANCE


class StationQuerySet(models.QuerySet):
    def shown(self):
        """Stations the ticker and the weather page show, in display order."""
        return self.filter(is_shown=True).order_by("order", "kma_id")


class Station(models.Model):
    """A KMA ASOS station, named as the ticker shows it."""

    kma_id = models.PositiveIntegerField(
        "지점 번호", unique=True, help_text="기상청 종관기상관측(ASOS) 지점 번호 (예: 서울 108)"
    )
    name = models.CharField("지점명", max_length=20, help_text="티커에 보이는 이름 (예: 강진군)")
    order = models.PositiveSmallIntegerField(
        "표시 순서", default=0, help_text="작은 수가 먼저 나옵니다."
    )
    is_shown = models.BooleanField(
        "표시", default=True, help_text="끄면 티커와 날씨 페이지에서 빠지고 가져오지도 않습니다."
    )

    objects = StationQuerySet.as_manager()

    class Meta:
        verbose_name = "관측 지점"
        verbose_name_plural = "관측 지점"
        ordering = ["order", "kma_id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.kma_id})"


class WeatherReadingQuerySet(models.QuerySet):
    def latest_per_station(self, now=None):
        """The newest reading of every shown station, in station order: one query.

        Readings stamped in the future (an old bad row) are never the newest: they would pin
        the ticker to that date.
        """
        latest_allowed = (now or timezone.now()) + FUTURE_TOLERANCE
        newest = (
            WeatherReading.objects.filter(station=OuterRef("pk"), observed_at__lte=latest_allowed)
            .order_by("-observed_at")
            .values("pk")[:1]
        )
        latest_ids = Station.objects.filter(is_shown=True).annotate(latest=Subquery(newest))
        return (
            self.filter(pk__in=latest_ids.values("latest"))
            .select_related("station")
            .order_by("station__order", "station__kma_id")
        )

    def between(self, start, end):
        return self.filter(observed_at__gte=start, observed_at__lte=end)


class WeatherReading(models.Model):
    """One station's observation for one hour (at most one per station and hour)."""

    class Source(models.TextChoices):
        API_HUB = "apihub", "기상청 API 허브 (kma_sfctm2)"
        FILE = "file", "저장된 응답 파일"

    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, related_name="readings", verbose_name="지점"
    )
    observed_at = models.DateTimeField("관측 시각", help_text="정시 관측 시각 (한국 시간으로 표시)")
    temperature = models.DecimalField(
        "기온(℃)", max_digits=4, decimal_places=1, null=True, blank=True
    )
    cloud_amount = models.PositiveSmallIntegerField(
        "전운량(1/10)",
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
        help_text="0-10; 비어 있으면 관측하지 않음",
    )
    precipitation_mm = models.DecimalField(
        "강수량(mm)", max_digits=5, decimal_places=1, null=True, blank=True
    )
    present_weather = models.PositiveSmallIntegerField(
        "현재일기 코드", null=True, blank=True, help_text="WMO 4677 코드 (KMA의 WC)"
    )
    sky = models.CharField(
        "날씨", max_length=10, blank=True, help_text="맑음, 구름조금, 구름많음, 흐림, 비, 눈 …"
    )
    source = models.CharField("출처", max_length=10, choices=Source.choices)
    fetched_at = models.DateTimeField("저장 시각", default=timezone.now)

    objects = WeatherReadingQuerySet.as_manager()

    class Meta:
        verbose_name = "관측값"
        verbose_name_plural = "관측값"
        ordering = ["-observed_at", "station__order", "station__kma_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "observed_at"], name="weather_one_reading_per_station_hour"
            ),
            models.CheckConstraint(
                condition=Q(cloud_amount__isnull=True) | Q(cloud_amount__lte=10),
                name="weather_cloud_amount_in_tenths",
            ),
        ]
        indexes = [models.Index(fields=["observed_at"], name="weather_observed_at_idx")]
        permissions = [("fetch_weather", "기상청에서 지금 가져오기")]

    def __str__(self) -> str:
        local = timezone.localtime(self.observed_at)
        return f"{self.station.name} {local:%Y-%m-%d %H:%M}"

    @property
    def temperature_text(self) -> str:
        """`29.3℃`, or an empty string when the temperature is missing."""
        return "" if self.temperature is None else f"{self.temperature:.1f}℃"


class FetchLock(models.Model):
    """A row while a KMA fetch runs, so two runs never overlap (on SQLite and PostgreSQL alike).

    `expires_at` frees the lock of a run that crashed: a later run deletes an expired row.
    """

    name = models.CharField(max_length=40, unique=True)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = "가져오기 잠금"
        verbose_name_plural = "가져오기 잠금"

    def __str__(self):
        return self.name
