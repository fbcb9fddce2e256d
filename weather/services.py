"""Storing KMA observations: the one place readings are written.

`fetch_and_store()` (the command and the admin's button) and `import_payload()` (`--from-file`,
the demo) end in `store_observations()`, which upserts one reading per station and hour and
refreshes the ticker's cache. KMA errors propagate as `weather.kma.KmaError`s; callers decide
how to report them. Readings already stored are never deleted here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import kma
from .models import FetchLock, Station, WeatherReading
from .ticker import refresh_ticker

_TENTH = Decimal("0.1")


# Looked up at call time, so tests can replace them: no test ever waits for a real backoff,
# and `kma_connections` (None: urllib3's, over the network) plays KMA's answers in tests.
sleep_between_retries: Callable[[float], object] = time.sleep
kma_connections: kma.ConnectionFactory | None = None


class NoStationsError(Exception):
    """No station is shown, so there is nothing to fetch."""


class FetchRunningError(Exception):
    """Another fetch holds the lock: this run does nothing."""


_LOCK_NAME = "kma-fetch"
# Past the fetch's own deadline: time to store the readings; a crashed run frees it after this.
_LOCK_MARGIN = timedelta(seconds=60)


@contextmanager
def fetch_lock(*, ttl: timedelta) -> Iterator[None]:
    """Hold the one KMA fetch lock for the block; raise FetchRunningError if another run has it."""
    now = timezone.now()
    try:
        with transaction.atomic():
            FetchLock.objects.filter(name=_LOCK_NAME, expires_at__lt=now).delete()
            lock = FetchLock.objects.create(name=_LOCK_NAME, expires_at=now + ttl)
    except IntegrityError:
        raise FetchRunningError(
            "다른 날씨 가져오기가 실행 중이라 이번 실행은 건너뜁니다 (another fetch is running)."
        ) from None
    try:
        yield
    finally:
        FetchLock.objects.filter(pk=lock.pk).delete()


@dataclass
class ImportReport:
    """What one fetch or import stored, and what it had to leave out."""

    created: int = 0
    updated: int = 0
    observed_at: list[datetime] = field(default_factory=list)  # distinct hours stored
    missing: list[Station] = field(default_factory=list)  # shown, but not in the answer
    ignored: list[int] = field(default_factory=list)  # station ids we do not show
    problems: list[str] = field(default_factory=list)  # rows skipped by the parser

    @property
    def stored(self) -> int:
        return self.created + self.updated

    @property
    def complete(self) -> bool:
        return self.stored > 0 and not (self.missing or self.ignored or self.problems)

    def summary(self) -> str:
        """One Korean line for logs and admin messages."""
        hours = ", ".join(f"{timezone.localtime(at):%Y-%m-%d %H:%M}" for at in self.observed_at)
        parts = [
            f"{hours or '관측 시각 없음'} 관측 {self.stored}개 지점 저장 "
            f"(새로 {self.created}, 갱신 {self.updated})"
        ]
        if self.missing:
            names = ", ".join(f"{s.name}({s.kma_id})" for s in self.missing)
            parts.append(f"응답에 없는 지점 {len(self.missing)}곳: {names}")
        if self.ignored:
            ids = ", ".join(str(i) for i in self.ignored)
            parts.append(f"표시하지 않는 지점 무시: {ids}")
        if self.problems:
            parts.append(f"건너뛴 행 {len(self.problems)}개: {self.problems[0]}")
        return "; ".join(parts)


def _decimal(value: float | None) -> Decimal | None:
    if value is None:
        return None
    number = Decimal(str(value)).quantize(_TENTH)
    return number if number != 0 else Decimal("0.0")  # never show `-0.0℃`


def _on_the_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def store_observations(
    *,
    observations: Iterable[kma.Observation],
    source: str,
    problems: Iterable[str] = (),
    stations: Iterable[Station] | None = None,
) -> ImportReport:
    """Upsert the observations of `stations` (default: every shown station).

    Rows of other stations are ignored and listed; shown stations without a row are listed as
    missing (their last good reading stays). Re-importing the same hour updates, never adds.
    """
    wanted = {s.kma_id: s for s in (Station.objects.shown() if stations is None else stations)}
    report = ImportReport(problems=list(problems))
    rows: dict[tuple[int, datetime], WeatherReading] = {}
    now = timezone.now()
    for obs in observations:
        station = wanted.get(obs.station_id)
        if station is None:
            if obs.station_id not in report.ignored:
                report.ignored.append(obs.station_id)
            continue
        observed_at = _on_the_hour(obs.observed_at)
        rows[(station.pk, observed_at)] = WeatherReading(
            station=station,
            observed_at=observed_at,
            temperature=_decimal(obs.temperature),
            cloud_amount=obs.cloud_amount,
            precipitation_mm=_decimal(obs.precipitation_mm),
            present_weather=obs.present_weather,
            sky=kma.sky_word(
                cloud_amount=obs.cloud_amount,
                precipitation_mm=obs.precipitation_mm,
                precipitation_indicator=obs.precipitation_indicator,
                present_weather=obs.present_weather,
            )
            or "",
            source=source,
            fetched_at=now,
        )
    seen = {station_pk for station_pk, _ in rows}
    report.missing = [s for s in wanted.values() if s.pk not in seen]
    report.observed_at = sorted({at for _, at in rows})
    if not rows:
        return report

    with transaction.atomic():
        existing = set(
            WeatherReading.objects.filter(
                station_id__in=seen, observed_at__in=report.observed_at
            ).values_list("station_id", "observed_at")
        )
        WeatherReading.objects.bulk_create(
            rows.values(),
            update_conflicts=True,
            unique_fields=["station", "observed_at"],
            update_fields=[
                "temperature",
                "cloud_amount",
                "precipitation_mm",
                "present_weather",
                "sky",
                "source",
                "fetched_at",
            ],
        )
    report.updated = sum(1 for key in rows if key in existing)
    report.created = len(rows) - report.updated
    refresh_ticker()
    return report


def _parse(payload: bytes, *, asked: datetime | None = None) -> kma.ParseResult:
    result = kma.parse_sfctm2(payload, now=timezone.now(), asked=asked)
    if not result.observations:
        skipped = len(result.problems)
        first = f": {result.problems[0]}" if result.problems else ""
        raise kma.KmaPayloadError(f"KMA answer held no usable row ({skipped} skipped){first}")
    return result


def import_payload(*, payload: bytes, source: str = WeatherReading.Source.FILE) -> ImportReport:
    """Parse a kma_sfctm2 body (as fetched or saved) and store it. Raises `kma.KmaError`."""
    result = _parse(payload)
    return store_observations(
        observations=result.observations, problems=result.problems, source=source
    )


def fetch_and_store(
    *,
    at: datetime | None = None,
    api_key: str | None = None,
    retries: int = 3,
    deadline: float | None = None,
    connections: kma.ConnectionFactory | None = None,
    sleep: Callable[[float], object] | None = None,
) -> ImportReport:
    """Fetch one hour (`at`, default the latest) for every shown station and store it.

    Raises `kma.KmaError` (nothing stored), `NoStationsError` or `FetchRunningError` (another
    fetch holds the lock). The whole fetch ends within `deadline` seconds (default
    KMA_FETCH_DEADLINE_SECONDS, what a person waiting in the admin can bear); connecting and
    each read wait at most KMA_CONNECT_TIMEOUT and KMA_READ_TIMEOUT within it.
    """
    stations = list(Station.objects.shown())
    if not stations:
        raise NoStationsError("표시할 관측 지점이 없습니다 (관리자 화면에서 지점을 켜세요).")
    if deadline is None:
        deadline = settings.KMA_FETCH_DEADLINE_SECONDS
    with fetch_lock(ttl=timedelta(seconds=deadline) + _LOCK_MARGIN):
        body = kma.fetch_sfctm2(
            api_key=settings.KMA_API_KEY if api_key is None else api_key,
            at=at,
            station_ids=[s.kma_id for s in stations],
            connect_timeout=settings.KMA_CONNECT_TIMEOUT,
            read_timeout=settings.KMA_READ_TIMEOUT,
            deadline=deadline,
            max_bytes=settings.KMA_MAX_RESPONSE_BYTES,
            retries=retries,
            connections=connections if connections is not None else kma_connections,
            sleep=sleep if sleep is not None else sleep_between_retries,
        )
        result = _parse(body, asked=at or timezone.now())
        return store_observations(
            observations=result.observations,
            problems=result.problems,
            source=WeatherReading.Source.API_HUB,
            stations=stations,
        )
