"""`manage.py fetch_weather`: fetch (or import) one hour of KMA observations and store them.

Run it from a scheduler every 10 minutes (README, "Weather: scheduling"), or with `--loop`.
Every run ends with one log line; the exit status tells the scheduler what happened:

    0  every shown station stored
    1  configuration or usage error (no KMA_API_KEY, bad --at, unreadable file, no station)
    2  bad command-line options (argparse)
    3  partial: readings stored, but a shown station was missing from the answer, a row was
       skipped (wrong column count, bad value) or the answer held a station we do not show
    4  the answer held no observations (HTML page, JSON/XML error, empty or header-only body,
       no usable row, an answer over KMA_MAX_RESPONSE_BYTES): nothing stored
    5  KMA refused the key or the quota (401/403/429 or an error body saying so): not retried;
       a person must act
    6  KMA unreachable: timeouts or 5xx after the retries (KMA_SCHEDULED_DEADLINE_SECONDS in
       all), or a network error; the next run may succeed
    7  another run is fetching (the lock): this one did nothing

Readings already stored are never removed by a failed run.
"""

import logging
import time
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from newsroom.timezones import KST
from weather import kma
from weather.models import WeatherReading
from weather.services import (
    FetchRunningError,
    ImportReport,
    NoStationsError,
    fetch_and_store,
    import_payload,
)

log = logging.getLogger("weather.fetch")

EXIT_OK = 0
EXIT_USAGE = 1
EXIT_PARTIAL = 3
EXIT_NO_DATA = 4
EXIT_AUTH = 5
EXIT_UNREACHABLE = 6
EXIT_BUSY = 7

MIN_INTERVAL = 60


def exit_status(error: Exception) -> int:
    """The exit status for a failed run (see the module docstring)."""
    if isinstance(error, kma.KmaAuthError):
        return EXIT_AUTH
    if isinstance(error, kma.KmaPayloadError):
        return EXIT_NO_DATA
    if isinstance(error, NoStationsError):
        return EXIT_USAGE
    if isinstance(error, FetchRunningError):
        return EXIT_BUSY
    return EXIT_UNREACHABLE  # timeouts, 5xx, network, other HTTP statuses


_FAILURE_LABELS = {
    EXIT_AUTH: "인증키 또는 사용 한도 문제, 재시도하지 않음",
    EXIT_NO_DATA: "관측 자료가 없는 응답, 저장하지 않음",
    EXIT_UNREACHABLE: "기상청 API에 연결하지 못함",
    EXIT_USAGE: "설정 문제",
    EXIT_BUSY: "다른 실행과 겹침",
}


def parse_at(value: str) -> datetime:
    """`2025-08-26T15:00` (or `2025-08-26 15`, `202508261500`) in Korea's time, on the hour."""
    text = value.strip()
    for pattern in ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H", "%Y-%m-%d %H", "%Y%m%d%H%M"):
        try:
            naive = datetime.strptime(text, pattern)
        except ValueError:
            continue
        if naive.minute:
            raise CommandError(f"--at은 정시여야 합니다 (예: 2025-08-26T15:00): {value}")
        return timezone.make_aware(naive, KST)
    raise CommandError(f"--at 형식이 잘못되었습니다 (예: 2025-08-26T15:00, 한국 시간): {value}")


class Command(BaseCommand):
    help = (
        "기상청 API 허브(kma_sfctm2)에서 표시 중인 모든 지점의 최근 정시 관측을 한 번에 가져와 "
        "저장합니다. 실패하면 로그 한 줄과 0이 아닌 종료 코드를 남깁니다 "
        "(1 설정, 3 일부만 저장, 4 관측 자료 없음, 5 인증/한도, 6 연결 실패, 7 다른 실행 중)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--at",
            metavar="YYYY-MM-DDTHH:00",
            help="이 시각(한국 시간, 정시)의 관측을 가져옵니다. 없으면 최근 정시.",
        )
        parser.add_argument(
            "--from-file",
            metavar="PATH",
            type=Path,
            help="API를 부르지 않고 저장해 둔 kma_sfctm2 응답 파일을 같은 방식으로 불러옵니다.",
        )
        parser.add_argument(
            "--loop",
            action="store_true",
            help="끝나지 않고 --interval초마다 다시 가져옵니다 (간단한 배포용, Ctrl+C로 멈춤).",
        )
        parser.add_argument(
            "--interval",
            type=int,
            default=600,
            metavar="SECONDS",
            help=f"--loop의 간격(초, 기본 600, 최소 {MIN_INTERVAL}).",
        )

    def handle(self, *args, **options):
        at = parse_at(options["at"]) if options["at"] else None
        path: Path | None = options["from_file"]
        if path is not None and at is not None:
            raise CommandError("--at과 --from-file은 함께 쓸 수 없습니다.")
        if options["loop"] and (path is not None or at is not None):
            raise CommandError(
                "--loop은 최근 정시만 가져옵니다: --at, --from-file과 함께 쓸 수 없습니다."
            )
        if options["interval"] < MIN_INTERVAL:
            raise CommandError(f"--interval은 {MIN_INTERVAL}초 이상이어야 합니다.")
        if path is None and not settings.KMA_API_KEY:
            raise CommandError("KMA_API_KEY 환경 변수가 비어 있습니다 (.env.example 참고).")

        if options["loop"]:
            self._loop(interval=options["interval"])
            return
        status = self.run_once(at=at, path=path)
        if status != EXIT_OK:
            raise SystemExit(status)

    def run_once(self, *, at: datetime | None, path: Path | None) -> int:
        """One fetch or import; logs one line and returns the exit status."""
        try:
            if path is not None:
                payload = _read(path)
                report = import_payload(payload=payload, source=WeatherReading.Source.FILE)
            else:
                report = fetch_and_store(at=at, deadline=settings.KMA_SCHEDULED_DEADLINE_SECONDS)
        except (kma.KmaError, NoStationsError, FetchRunningError) as error:
            status = exit_status(error)
            log.error(
                "날씨 가져오기 실패 (%s, 종료 코드 %d): %s", _FAILURE_LABELS[status], status, error
            )
            return status
        return _log_report(report)

    def _loop(self, *, interval: int) -> None:
        log.info("날씨 가져오기 반복 시작: %d초마다", interval)
        try:
            while True:
                started = time.monotonic()
                try:
                    self.run_once(at=None, path=None)
                except Exception as error:  # e.g. the database is down: try again next time
                    log.error(
                        "날씨 가져오기 중 예기치 못한 오류: %s: %s", type(error).__name__, error
                    )
                time.sleep(max(0.0, interval - (time.monotonic() - started)))
        except KeyboardInterrupt:
            log.info("날씨 가져오기 반복을 멈췄습니다.")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise CommandError(f"파일을 읽을 수 없습니다: {path} ({error.strerror or error})") from None


def _log_report(report: ImportReport) -> int:
    if report.stored == 0:
        log.error("날씨 저장 실패 (종료 코드 %d): %s", EXIT_NO_DATA, report.summary())
        return EXIT_NO_DATA
    if not report.complete:
        log.warning("날씨 일부만 저장 (종료 코드 %d): %s", EXIT_PARTIAL, report.summary())
        return EXIT_PARTIAL
    log.info("날씨 저장 완료: %s", report.summary())
    return EXIT_OK
