"""fetch_weather: every failure ends with one log line and the documented exit status."""

import logging
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from newsroom.timezones import KST
from tests.weather.payloads import REFERENCE, payload, readings, reference_rows, row, sample
from weather import kma, services
from weather.management.commands import fetch_weather
from weather.models import FetchLock, WeatherReading

pytestmark = [
    pytest.mark.django_db,
    # The payloads hold the reference hour: KMA answers it 40 minutes later.
    pytest.mark.usefixtures("at_reference_time"),
]

OK_BODY = payload(*reference_rows(skip={90}))


def run(*args) -> int:
    try:
        call_command("fetch_weather", *args)
    except SystemExit as exit:
        return exit.code
    return 0


def log_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "weather.fetch"]


@pytest.fixture
def stored_before(import_reference):
    """The reference hour is already stored; failures must leave it as it is."""
    import_reference()
    return {kma_id: r.temperature for kma_id, r in readings().items()}


def assert_unchanged(stored_before):
    assert {kma_id: r.temperature for kma_id, r in readings().items()} == stored_before
    assert WeatherReading.objects.count() == 16


def test_latest_hour_for_all_shown_stations_in_one_request(kma_answers, caplog):
    opener = kma_answers((200, OK_BODY))
    with caplog.at_level(logging.INFO, logger="weather.fetch"):
        assert run() == 0
    (url,) = opener.urls
    assert "tm=" not in url
    assert "stn=98:105:108:133:143:152:156:159:172:184:201:226:238:259:283:294&" in url
    assert "authKey=test-key" in url
    assert WeatherReading.objects.filter(source=WeatherReading.Source.API_HUB).count() == 16
    (line,) = log_lines(caplog)
    assert "2025-08-26 15:00 관측 16개 지점 저장 (새로 16, 갱신 0)" in line


def test_at_asks_for_that_hour_in_korean_time(kma_answers):
    opener = kma_answers((200, OK_BODY))
    assert run("--at", "2025-08-26T15:00") == 0
    assert "tm=202508261500&" in opener.urls[0]


@pytest.mark.parametrize("value", ["2025-08-26T15:30", "yesterday", "2025-13-01T10:00"])
def test_bad_at_is_a_usage_error(kma_answers, value):
    opener = kma_answers()
    with pytest.raises(CommandError, match="--at"):
        call_command("fetch_weather", "--at", value)
    assert opener.urls == []


def test_from_file_imports_without_the_network(kma_answers, tmp_path, caplog):
    opener = kma_answers()
    path = tmp_path / "answer.txt"
    path.write_bytes(OK_BODY)
    assert run("--from-file", str(path)) == 0
    assert opener.urls == []
    assert WeatherReading.objects.filter(source=WeatherReading.Source.FILE).count() == 16


def test_from_file_reference_sample_ignores_station_90_with_status_3(tmp_path, caplog):
    path = tmp_path / REFERENCE
    path.write_bytes(sample(REFERENCE))
    assert run("--from-file", str(path)) == fetch_weather.EXIT_PARTIAL
    assert WeatherReading.objects.count() == 16
    (line,) = log_lines(caplog)
    assert "표시하지 않는 지점 무시: 90" in line
    assert "종료 코드 3" in line


def test_unreadable_file_is_a_usage_error(tmp_path):
    with pytest.raises(CommandError, match="파일을 읽을 수 없습니다"):
        call_command("fetch_weather", "--from-file", str(tmp_path / "nope.txt"))


def test_missing_api_key_is_a_usage_error(settings, kma_answers):
    opener = kma_answers()
    settings.KMA_API_KEY = ""
    with pytest.raises(CommandError, match="KMA_API_KEY"):
        call_command("fetch_weather")
    assert opener.urls == []


def test_timeouts_are_retried_with_backoff_then_exit_6(kma_answers, stored_before, caplog):
    opener = kma_answers(
        TimeoutError("timed out"),
        ConnectTimeoutError("connect timed out"),
        TimeoutError("timed out"),
        TimeoutError("timed out"),
    )
    assert run() == fetch_weather.EXIT_UNREACHABLE
    assert len(opener.urls) == 4
    assert opener.delays == [1.0, 2.0, 4.0]
    (line,) = log_lines(caplog)
    assert "timed out" in line and "gave up after 4 attempts" in line
    assert "test-key" not in line
    assert_unchanged(stored_before)


def test_timeout_then_success_stores(kma_answers):
    opener = kma_answers(TimeoutError("timed out"), (200, OK_BODY))
    assert run() == 0
    assert len(opener.urls) == 2
    assert WeatherReading.objects.count() == 16


def test_a_run_with_retries_still_logs_one_line(kma_answers, caplog):
    kma_answers(TimeoutError("timed out"), (503, sample("apihub_500.html")), (200, OK_BODY))
    with caplog.at_level(logging.INFO):
        assert run() == 0
    assert [record.name for record in caplog.records] == ["weather.fetch"]


def test_server_errors_are_retried_then_exit_6(kma_answers, stored_before, caplog):
    opener = kma_answers(*[(503, sample("apihub_500.html"))] * 4)
    assert run() == fetch_weather.EXIT_UNREACHABLE
    assert len(opener.urls) == 4
    (line,) = log_lines(caplog)
    assert "HTTP 503" in line
    assert_unchanged(stored_before)


def test_network_error_is_not_retried_and_exits_6(kma_answers, stored_before, caplog):
    opener = kma_answers(NewConnectionError(None, "refused"))
    assert run() == fetch_weather.EXIT_UNREACHABLE
    assert len(opener.urls) == 1
    assert len(log_lines(caplog)) == 1
    assert_unchanged(stored_before)


@pytest.mark.parametrize(
    "answer",
    [
        (403, sample("apihub_403.json")),
        (200, sample("apihub_403.json")),
        (401, b""),
        (429, b'{"result":{"status":429,"message":"too many requests"}}'),
        (200, '{"result":{"status":400,"message":"일일 호출 한도 초과"}}'.encode()),
    ],
)
def test_auth_or_quota_error_is_not_retried_and_exits_5(kma_answers, stored_before, caplog, answer):
    opener = kma_answers(answer)
    assert run() == fetch_weather.EXIT_AUTH
    assert len(opener.urls) == 1
    assert opener.delays == []
    (line,) = log_lines(caplog)
    assert "인증키 또는 사용 한도" in line
    assert "\n" not in line
    assert_unchanged(stored_before)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (sample("kma_maintenance.html"), "HTML page"),
        (sample("apihub_500.html"), "HTML page"),
        (b'{"result":{"status":400,"message":"bad tm"}}', "JSON"),
        (sample("datagokr_nodata.json"), "JSON"),
        (b"", "empty body"),
        (sample("kma_sfctm2_empty.txt"), "empty body"),
        (sample("kma_sfctm2_header_only.txt"), "headers but no data rows"),
        (payload(row() + " 1"), "no usable row"),
    ],
)
def test_answer_without_observations_stores_nothing_and_exits_4(
    kma_answers, stored_before, caplog, body, words
):
    opener = kma_answers((200, body))
    assert run() == fetch_weather.EXIT_NO_DATA
    assert len(opener.urls) == 1
    (line,) = log_lines(caplog)
    assert words in line
    assert "종료 코드 4" in line
    assert_unchanged(stored_before)


@time_machine.travel(datetime(2025, 8, 26, 16, 40, tzinfo=KST))
def test_station_missing_from_the_answer_stores_the_rest_and_exits_3(
    kma_answers, stored_before, caplog
):
    kma_answers((200, payload(*reference_rows(hour="202508261600", skip={90, 133}))))
    assert run() == fetch_weather.EXIT_PARTIAL
    assert WeatherReading.objects.count() == 16 + 15
    (line,) = log_lines(caplog)
    assert "응답에 없는 지점 1곳: 대전(133)" in line
    assert "15개 지점 저장" in line


def test_row_with_wrong_column_count_stores_the_rest_and_exits_3(kma_answers, caplog):
    rows = reference_rows(skip={90})
    rows[0] = rows[0].rsplit(" ", 1)[0]  # 동두천 with 45 columns
    kma_answers((200, payload(*rows)))
    assert run() == fetch_weather.EXIT_PARTIAL
    assert WeatherReading.objects.count() == 15
    (line,) = log_lines(caplog)
    assert "expected 46 columns, found 45" in line


def test_unknown_station_in_the_answer_is_ignored_and_exits_3(kma_answers, caplog):
    kma_answers((200, sample(REFERENCE)))
    assert run() == fetch_weather.EXIT_PARTIAL
    assert WeatherReading.objects.count() == 16
    assert "표시하지 않는 지점 무시: 90" in log_lines(caplog)[0]


def test_answer_with_only_unknown_stations_exits_4(kma_answers, stored_before, caplog):
    kma_answers((200, payload(row(STN=90), row(STN=251))))
    assert run() == fetch_weather.EXIT_NO_DATA
    assert "0개 지점 저장" in log_lines(caplog)[0]
    assert_unchanged(stored_before)


def test_loop_keeps_fetching_every_interval_through_failures(kma_answers, monkeypatch, caplog):
    opener = kma_answers(
        (200, OK_BODY), (403, sample("apihub_403.json")), (200, payload(row(TA="30.1")))
    )
    sleeps = []

    def fake_sleep(seconds):
        sleeps.append(seconds)
        if len(sleeps) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(fetch_weather.time, "sleep", fake_sleep)
    with caplog.at_level(logging.INFO, logger="weather.fetch"):
        call_command("fetch_weather", "--loop", "--interval", "600")
    assert len(opener.urls) == 3
    assert len(sleeps) == 3
    assert all(590 < s <= 600 for s in sleeps)
    assert readings()[108].temperature == Decimal("30.1")
    assert any("멈췄습니다" in line for line in log_lines(caplog))


@pytest.mark.parametrize(
    "args",
    [
        ["--loop", "--interval", "10"],
        ["--loop", "--at", "2025-08-26T15:00"],
        ["--at", "2025-08-26T15:00", "--from-file", "x.txt"],
    ],
)
def test_conflicting_or_too_fast_options_are_usage_errors(kma_answers, args):
    opener = kma_answers()
    with pytest.raises(CommandError):
        call_command("fetch_weather", *args)
    assert opener.urls == []


def test_row_stamped_in_the_future_is_never_stored(kma_answers, caplog):
    rows = reference_rows(skip={90})
    rows[2] = rows[2].replace("202508261500", "209912312300", 1)  # 서울
    kma_answers((200, payload(*rows)))
    assert run() == fetch_weather.EXIT_PARTIAL
    assert not WeatherReading.objects.filter(observed_at__year=2099).exists()
    assert WeatherReading.objects.count() == 15
    (line,) = log_lines(caplog)
    assert "station 108 at 209912312300: observation time is in the future" in line


def test_answer_of_only_future_rows_stores_nothing_and_exits_4(kma_answers, caplog):
    kma_answers((200, payload(*reference_rows(hour="209912312300", skip={90}))))
    assert run() == fetch_weather.EXIT_NO_DATA
    assert WeatherReading.objects.count() == 0
    (line,) = log_lines(caplog)
    assert "종료 코드 4" in line and "in the future" in line


def test_rows_far_from_the_hour_asked_for_are_refused(kma_answers, caplog):
    kma_answers((200, payload(*reference_rows(hour="202508251500", skip={90}))))
    assert run("--at", "2025-08-26T15:00") == fetch_weather.EXIT_NO_DATA
    assert WeatherReading.objects.count() == 0
    (line,) = log_lines(caplog)
    assert "more than 3 h from the hour asked for (202508261500)" in line


def test_imported_file_with_a_future_row_keeps_it_out(tmp_path, caplog):
    path = tmp_path / "kma.txt"
    path.write_bytes(payload(row(TM="209912312300"), row(STN="105")))
    assert run("--from-file", str(path)) == fetch_weather.EXIT_PARTIAL
    assert list(WeatherReading.objects.values_list("station__kma_id", flat=True)) == [105]


def test_second_run_while_one_is_fetching_exits_7_at_once(kma_answers, caplog):
    opener = kma_answers((200, OK_BODY))
    with services.fetch_lock(ttl=timedelta(minutes=1)):
        assert run() == fetch_weather.EXIT_BUSY
    assert opener.urls == []
    (line,) = log_lines(caplog)
    assert "종료 코드 7" in line and "another fetch is running" in line


def test_lock_left_by_a_crashed_run_expires(kma_answers):
    kma_answers((200, OK_BODY))
    FetchLock.objects.create(name="kma-fetch", expires_at=timezone.now() - timedelta(seconds=1))
    assert run() == 0
    assert not FetchLock.objects.exists()


def test_lock_is_released_after_a_failed_run(kma_answers):
    kma_answers((403, sample("apihub_403.json")), (200, OK_BODY))
    assert run() == fetch_weather.EXIT_AUTH
    assert run() == 0


def test_the_scheduled_run_has_room_for_its_retries_beyond_the_admins_deadline(
    kma_answers, settings
):
    settings.KMA_FETCH_DEADLINE_SECONDS = 8
    settings.KMA_SCHEDULED_DEADLINE_SECONDS = 60
    opener = kma_answers((200, OK_BODY))
    assert run() == 0
    ((_, limits),) = opener.calls
    # The first attempt may use the scheduled run's whole budget, not the admin's 8 seconds.
    assert limits.remaining() > 30


def test_the_connect_and_read_timeouts_come_from_their_own_settings(kma_answers, settings):
    settings.KMA_CONNECT_TIMEOUT = 3
    settings.KMA_READ_TIMEOUT = 20
    opener = kma_answers((200, OK_BODY))
    assert run() == 0
    ((_, limits),) = opener.calls
    assert (limits.connect, limits.read) == (3, 20)


def test_an_answer_over_the_size_cap_stores_nothing_and_exits_4(kma_answers, stored_before, caplog):
    kma_answers(kma.KmaPayloadError("KMA answer too large (over 2097152 bytes), not read"))
    assert run() == fetch_weather.EXIT_NO_DATA
    (line,) = log_lines(caplog)
    assert "too large" in line
    assert_unchanged(stored_before)
