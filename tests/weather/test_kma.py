"""Tests of weather.kma: KMA kma_sfctm2 parsing, sky words, URL building and fetching.

Pure Python: no Django, no network (a fake KMA behind urllib3, and sleep, are injected).
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError, ProtocolError

from newsroom.timezones import KST
from tests.weather.kma_fake import FakeKma
from weather.kma import (
    REFERENCE_STATIONS,
    SFCTM2_URL,
    KmaAuthError,
    KmaError,
    KmaNetworkError,
    KmaPayloadError,
    KmaServerError,
    KmaTimeout,
    Observation,
    build_url,
    fetch_sfctm2,
    parse_sfctm2,
    redact_url,
    sky_word,
)

SAMPLES = Path(__file__).parent / "samples"
KEY = "s3cr3t-KEY"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def word(obs: Observation) -> str | None:
    return sky_word(
        cloud_amount=obs.cloud_amount,
        precipitation_mm=obs.precipitation_mm,
        precipitation_indicator=obs.precipitation_indicator,
        present_weather=obs.present_weather,
    )


def by_station(payload: bytes) -> dict[int, Observation]:
    return {obs.station_id: obs for obs in parse_sfctm2(payload).observations}


# A real data row (reference sample, 서울) whose columns the tests below replace one by one.
TEMPLATE_ROW = (
    "202508261500 108  25  1.3  -9 -9.0   -9 1001.7 1009.5  7  -0.9  29.7  23.3  55.0  28.6"
    "   -9.0   -9.0   -9.0   -9.0   -9.0   -9.0   -9.0 -9 -9 -                        6   0"
    "   -9 -         -9  -9  -9  4134  0.5  1.88 -9  45.4 -99.0 -99.0 -99.0 -99.0  -9 -9.0 -9"
    "  3  2"
)
COL = {"TA": 11, "RN": 15, "WC": 22, "CA_TOT": 25, "IR": 44}


def one_row(**columns: str) -> Observation:
    tokens = TEMPLATE_ROW.split()
    for name, value in columns.items():
        tokens[COL[name]] = value
    body = "#START7777\n" + " ".join(tokens) + "\n#7777END\n"
    result = parse_sfctm2(body.encode("euc-kr"))
    assert result.problems == []
    (obs,) = result.observations
    return obs


# --------------------------------------------------------------------------------------------
# Parser against the samples
# --------------------------------------------------------------------------------------------

REFERENCE_TICKER = [
    "구름많음 동두천 29.3",
    "맑음 강릉 33.1",
    "구름많음 서울 29.7",
    "구름조금 대전 30.6",
    "구름조금 대구 30.8",
    "맑음 울산 31.3",
    "구름조금 광주 30.5",
    "맑음 부산 31.2",
    "맑음 고창 31.0",
    "맑음 제주 31.5",
    "구름많음 강화 28.8",
    "구름조금 보은 27.9",
    "맑음 금산 29.4",
    "구름조금 강진군 30.8",
    "맑음 경주시 31.7",
    "구름조금 거제 30.6",
]
REFERENCE_IDS = [98, 105, 108, 133, 143, 152, 156, 159, 172, 184, 201, 226, 238, 259, 283, 294]


def test_reference_sample_reads_like_the_reference_ticker():
    result = parse_sfctm2(
        sample("kma_sfctm2_reference_20250826.txt"), station_ids=REFERENCE_STATIONS
    )
    assert result.problems == []
    assert [obs.station_id for obs in result.observations] == REFERENCE_IDS
    assert list(REFERENCE_STATIONS) == REFERENCE_IDS
    ticker = [
        f"{word(obs)} {REFERENCE_STATIONS[obs.station_id]} {obs.temperature:.1f}"
        for obs in result.observations
    ]
    assert ticker == REFERENCE_TICKER


def test_reference_sample_also_holds_station_90_which_the_ticker_ignores():
    # The sample has 17 rows: 속초 (90) sits between 대구 (143) and 울산 (152).
    result = parse_sfctm2(sample("kma_sfctm2_reference_20250826.txt"))
    ids = [obs.station_id for obs in result.observations]
    assert len(ids) == 17
    assert ids[5] == 90
    assert [i for i in ids if i != 90] == REFERENCE_IDS
    assert result.problems == []


def test_reference_sample_fields_of_first_row():
    obs = parse_sfctm2(sample("kma_sfctm2_reference_20250826.txt")).observations[0]
    assert obs == Observation(
        station_id=98,
        observed_at=datetime(2025, 8, 26, 15, 0, tzinfo=KST),
        temperature=29.3,
        cloud_amount=7,
        precipitation_mm=0.0,  # RN -9.0 with IR 3 means "no precipitation"
        present_weather=None,  # WC -9
        precipitation_indicator=3,
    )
    assert obs.observed_at.utcoffset() == timedelta(hours=9)
    assert obs.observed_at.astimezone(UTC) == datetime(2025, 8, 26, 6, 0, tzinfo=UTC)


def test_reference_sample_all_rows_share_time_and_precipitation_fields():
    for obs in parse_sfctm2(sample("kma_sfctm2_reference_20250826.txt")).observations:
        assert obs.observed_at == datetime(2025, 8, 26, 15, 0, tzinfo=KST)
        assert obs.precipitation_mm == 0.0
        assert obs.precipitation_indicator == 3
        assert obs.present_weather is None
        assert 0 <= obs.cloud_amount <= 8


def test_observation_is_frozen():
    obs = parse_sfctm2(sample("kma_sfctm2_156_live.txt")).observations[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        obs.temperature = 0.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "fields", "sky"),
    [
        (
            "kma_sfctm2_108_cloudy.txt",
            {
                "station_id": 108,
                "observed_at": datetime(2025, 11, 13, 8, 0, tzinfo=KST),
                "temperature": 8.1,
                "cloud_amount": 9,
                "precipitation_mm": 0.0,
                "precipitation_indicator": 3,
                "present_weather": None,
            },
            "흐림",
        ),
        (
            "kma_sfctm2_156_live.txt",
            {
                "station_id": 156,
                "observed_at": datetime(2026, 8, 18, 15, 0, tzinfo=KST),
                "temperature": 33.7,
                "cloud_amount": 0,
            },
            "맑음",
        ),
    ],
    ids=["without start marker, 108 cloudy", "without end marker, 156 live"],
)
def test_sample_without_one_of_its_markers(name, fields, sky):
    result = parse_sfctm2(sample(name))
    assert result.problems == []
    (obs,) = result.observations
    assert {field: getattr(obs, field) for field in fields} == fields
    assert word(obs) == sky


def test_body_with_rows_only_and_no_markers_or_headers():
    result = parse_sfctm2(sample("kma_sfctm2_bare_rows.txt"))
    assert [(o.station_id, o.temperature, word(o)) for o in result.observations] == [
        (105, 33.1, "맑음"),
        (108, 29.7, "구름많음"),
    ]


def test_winter_sample_missing_value_rules():
    obs = by_station(sample("kma_sfctm2_winter_20260115.txt"))
    # -9.0 is a real winter temperature, not the missing marker.
    assert obs[98].temperature == -9.0
    assert obs[108].temperature == -9.0
    assert obs[201].temperature == -15.3
    # -99.0 is missing, and so is anything outside -60..60.
    assert obs[105].temperature is None
    assert obs[143].temperature is None
    # CA_TOT -9: cloud not observed.
    assert obs[159].cloud_amount is None
    assert obs[159].temperature == 5.2
    # RN -9.0 with IR 3 is "no precipitation"; with IR 4 it is missing.
    assert obs[159].precipitation_mm == 0.0
    assert obs[143].precipitation_mm is None
    assert obs[143].precipitation_indicator == 4
    assert obs[98].precipitation_mm == 0.4
    assert obs[98].present_weather == 71


def test_winter_sample_sky_words():
    obs = by_station(sample("kma_sfctm2_winter_20260115.txt"))
    assert {sid: word(o) for sid, o in obs.items()} == {
        98: "눈",
        105: "구름조금",
        108: "맑음",
        143: "흐림",
        152: "안개",
        156: "소낙눈",
        159: None,  # cloud unknown and no precipitation
        201: "이슬비",
        90: "맑음",
    }


def test_unknown_station_is_dropped_when_station_ids_given():
    payload = sample("kma_sfctm2_winter_20260115.txt")
    assert 90 in by_station(payload)
    result = parse_sfctm2(payload, station_ids=REFERENCE_STATIONS)
    assert 90 not in {o.station_id for o in result.observations}
    assert len(result.observations) == 8
    assert result.problems == []


def test_storms_sample_sky_words_and_precipitation():
    obs = by_station(sample("kma_sfctm2_storms_20260720.txt"))
    assert {sid: (word(o), o.precipitation_mm) for sid, o in obs.items()} == {
        133: ("비", 1.0),  # no WC, RN > 0 with IR 1
        184: ("비", 2.5),
        226: ("소나기", 6.0),
        238: ("뇌우", 12.5),
        259: ("구름조금", 0.0),  # WC 10 (mist) does not replace the cloud word
        283: ("구름많음", 0.0),  # RN 0.0 with IR 1 is no rain
        294: ("비", 3.5),  # IR 2
    }


def test_bad_rows_go_to_problems_and_good_rows_are_kept():
    result = parse_sfctm2(sample("kma_sfctm2_bad_rows.txt"))
    assert [(o.station_id, o.temperature) for o in result.observations] == [
        (108, 29.7),
        (159, 31.2),
    ]
    assert len(result.problems) == 4
    columns45, columns47, bad_number, bad_time = result.problems
    assert "expected 46 columns, found 45" in columns45
    assert "expected 46 columns, found 47" in columns47
    assert "bad number '3O.1' in TA" in bad_number
    assert "station 152" in bad_number
    assert "bad observation time '2025082615'" in bad_time
    for line in result.problems:
        assert "\n" not in line
        assert line.startswith("line ")


def test_row_before_start_marker_is_a_problem():
    rows = TEMPLATE_ROW + "\n#START7777\n" + TEMPLATE_ROW.replace(" 108 ", " 159 ", 1) + "\n"
    result = parse_sfctm2(rows.encode())
    assert [o.station_id for o in result.observations] == [159]
    assert len(result.problems) == 1
    assert "before #START7777" in result.problems[0]


def test_lines_after_end_marker_are_ignored():
    body = "#START7777\n" + TEMPLATE_ROW + "\n#7777END\ngarbage after the end\n"
    result = parse_sfctm2(body.encode())
    assert len(result.observations) == 1
    assert result.problems == []


def test_crlf_line_endings():
    body = "#START7777\r\n# header\r\n" + TEMPLATE_ROW + "\r\n#7777END\r\n"
    assert parse_sfctm2(body.encode()).observations[0].temperature == 29.7


def test_only_bad_rows_give_an_empty_result_not_an_exception():
    body = "#START7777\n" + TEMPLATE_ROW + " extra\n#7777END\n"
    result = parse_sfctm2(body.encode())
    assert result.observations == []
    assert len(result.problems) == 1


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("-99.0", None),
        ("-9.0", -9.0),
        ("0.0", 0.0),
        ("-60.0", -60.0),
        ("60.0", 60.0),
        ("-60.1", None),
        ("60.1", None),
        ("-", None),
    ],
)
def test_temperature_missing_rules(token, expected):
    assert one_row(TA=token).temperature == expected


@pytest.mark.parametrize(
    ("token", "expected"),
    [("-9", None), ("0", 0), ("10", 10), ("11", None), ("7.0", 7), ("-", None)],
)
def test_cloud_amount_missing_rules(token, expected):
    assert one_row(CA_TOT=token).cloud_amount == expected


@pytest.mark.parametrize(
    ("rn", "ir", "expected_mm", "expected_ir"),
    [
        ("-9.0", "3", 0.0, 3),  # no precipitation, not missing
        ("-9.0", "1", None, 1),
        ("0.5", "1", 0.5, 1),
        ("12.0", "2", 12.0, 2),
        ("-9.0", "4", None, 4),  # IR 4: precipitation missing
        ("-9.0", "-9", None, None),
        ("0.3", "-9", 0.3, None),
    ],
)
def test_precipitation_rules(rn, ir, expected_mm, expected_ir):
    obs = one_row(RN=rn, IR=ir)
    assert obs.precipitation_mm == expected_mm
    assert obs.precipitation_indicator == expected_ir


@pytest.mark.parametrize(("token", "expected"), [("-9", None), ("0", 0), ("61", 61), ("99", 99)])
def test_present_weather_rules(token, expected):
    assert one_row(WC=token).present_weather == expected


@pytest.mark.parametrize("column", ["TA", "RN", "WC", "CA_TOT", "IR"])
def test_bad_number_in_any_used_column_is_a_problem(column):
    tokens = TEMPLATE_ROW.split()
    tokens[COL[column]] = "x1"
    result = parse_sfctm2(("\n".join(["#START7777", " ".join(tokens), TEMPLATE_ROW])).encode())
    assert len(result.observations) == 1
    assert f"bad number 'x1' in {column}" in result.problems[0]


@pytest.mark.parametrize("cell", ["1_0.5", "０.５", "２５", "1_0"])
@pytest.mark.parametrize("column", ["TA", "RN", "WC", "CA_TOT", "IR"])
def test_only_ascii_numbers_are_read(column, cell):
    # float() reads `1_0.5` as 10.5 and full-width `０.５` as 0.5: both are refused as bad cells.
    tokens = TEMPLATE_ROW.split()
    tokens[COL[column]] = cell
    result = parse_sfctm2(
        ("\n".join(["#START7777", " ".join(tokens), TEMPLATE_ROW])).encode("cp949")
    )
    assert len(result.observations) == 1
    assert result.problems and f"in {column}" in result.problems[0]


@pytest.mark.parametrize(("index", "cell"), [(0, "２０２５０８２６１５００"), (1, "１０８")])
def test_only_ascii_digits_in_time_and_station(index, cell):
    tokens = TEMPLATE_ROW.split()
    tokens[index] = cell
    result = parse_sfctm2(
        ("\n".join(["#START7777", " ".join(tokens), TEMPLATE_ROW])).encode("cp949")
    )
    assert len(result.observations) == 1
    assert len(result.problems) == 1


# --------------------------------------------------------------------------------------------
# Bodies without observations
# --------------------------------------------------------------------------------------------


def test_header_only_body():
    with pytest.raises(KmaPayloadError, match="headers but no data rows"):
        parse_sfctm2(sample("kma_sfctm2_header_only.txt"))


@pytest.mark.parametrize("payload", [b"", b"   \r\n\n", sample("kma_sfctm2_empty.txt")])
def test_empty_body(payload):
    with pytest.raises(KmaPayloadError, match="empty body"):
        parse_sfctm2(payload)


def test_html_maintenance_page():
    with pytest.raises(KmaPayloadError, match="HTML page") as info:
        parse_sfctm2(sample("kma_maintenance.html"))
    assert "시스템 점검 안내" in str(info.value)  # EUC-KR title decoded


def test_html_error_page():
    with pytest.raises(KmaPayloadError, match="500 Internal Server Error"):
        parse_sfctm2(sample("apihub_500.html"))


def test_apihub_403_json_is_an_auth_error():
    with pytest.raises(KmaAuthError) as info:
        parse_sfctm2(sample("apihub_403.json"))
    assert "403" in str(info.value)
    assert "활용신청이 필요한 API 입니다." in str(info.value)


@pytest.mark.parametrize(
    "name", ["datagokr_key_not_registered_403.json", "datagokr_key_not_registered.xml"]
)
def test_datagokr_key_errors_are_auth_errors(name):
    with pytest.raises(KmaAuthError, match="30"):
        parse_sfctm2(sample(name))


@pytest.mark.parametrize(
    "payload",
    [
        b'{"result":{"status":401,"message":"invalid authKey"}}',
        b'{"result":{"status":"429","message":"too many requests"}}',
        '{"result":{"status":400,"message":"일일 호출 한도 초과"}}'.encode(),
    ],
)
def test_other_json_auth_and_quota_errors(payload):
    with pytest.raises(KmaAuthError):
        parse_sfctm2(payload)


@pytest.mark.parametrize(
    "payload",
    [
        sample("datagokr_nodata.json"),
        sample("ultra_srt_ncst_ok.json"),
        b'{"result":{"status":400,"message":"bad tm"}}',
        b"{not json",
        b"[]",
    ],
)
def test_other_json_bodies_are_payload_errors(payload):
    with pytest.raises(KmaPayloadError):
        parse_sfctm2(payload)


def test_json_server_error_status():
    with pytest.raises(KmaServerError):
        parse_sfctm2(b'{"result":{"status":500,"message":"internal"}}')


def test_undecodable_body():
    with pytest.raises(KmaPayloadError, match="neither EUC-KR nor UTF-8"):
        parse_sfctm2(b"\xff\xfe\xff\xff 202508261500")


def test_plain_text_without_rows():
    with pytest.raises(KmaPayloadError, match="holds no data rows"):
        parse_sfctm2("인증키가 유효하지 않습니다\n".encode("euc-kr"))


def test_every_error_message_is_one_line():
    err = KmaError("first line\nsecond line\r\n\tthird")
    assert str(err) == "first line second line third"
    for name in ["kma_maintenance.html", "apihub_500.html", "apihub_403.json"]:
        with pytest.raises(KmaError) as info:
            parse_sfctm2(sample(name))
        assert "\n" not in str(info.value)


def test_error_hierarchy():
    for cls in (KmaAuthError, KmaServerError, KmaTimeout, KmaPayloadError, KmaNetworkError):
        assert issubclass(cls, KmaError)


# --------------------------------------------------------------------------------------------
# Sky words
# --------------------------------------------------------------------------------------------


def sky(ca=None, rn=None, ir=None, wc=None):
    return sky_word(
        cloud_amount=ca, precipitation_mm=rn, precipitation_indicator=ir, present_weather=wc
    )


@pytest.mark.parametrize(
    ("ca", "expected"),
    [
        (0, "맑음"),
        (2, "맑음"),
        (3, "구름조금"),
        (5, "구름조금"),
        (6, "구름많음"),
        (8, "구름많음"),
        (9, "흐림"),
        (10, "흐림"),
        (-9, None),
        (None, None),
        (11, None),
    ],
)
def test_sky_word_cloud_boundaries(ca, expected):
    assert sky(ca=ca, rn=0.0, ir=3) == expected


@pytest.mark.parametrize(
    ("wc", "expected"),
    [
        (40, "안개"),
        (49, "안개"),
        (50, "이슬비"),
        (59, "이슬비"),
        (60, "비"),
        (69, "비"),
        (70, "눈"),
        (79, "눈"),
        (80, "소나기"),
        (84, "소나기"),
        (85, "소낙눈"),
        (86, "소낙눈"),
        (95, "뇌우"),
        (99, "뇌우"),
        # Codes outside those ranges keep the cloud word.
        (0, "맑음"),
        (10, "맑음"),
        (39, "맑음"),
        (87, "맑음"),
        (90, "맑음"),
        (94, "맑음"),
        (None, "맑음"),
    ],
)
def test_sky_word_present_weather_ranges(wc, expected):
    assert sky(ca=1, wc=wc) == expected


def test_sky_word_present_weather_without_cloud():
    assert sky(ca=None, wc=71) == "눈"


@pytest.mark.parametrize(
    ("rn", "ir", "expected"),
    [
        (0.5, 1, "비"),
        (0.1, 2, "비"),
        (0.0, 1, "구름조금"),
        (1.0, 3, "구름조금"),
        (1.0, 4, "구름조금"),
        (1.0, None, "구름조금"),
        (None, 1, "구름조금"),
    ],
)
def test_sky_word_precipitation_amount(rn, ir, expected):
    assert sky(ca=4, rn=rn, ir=ir) == expected


def test_sky_word_rain_without_cloud_amount():
    assert sky(ca=None, rn=2.0, ir=1) == "비"
    assert sky(ca=None, rn=None, ir=None, wc=None) is None


def test_sky_word_present_weather_wins_over_rain_amount():
    assert sky(ca=10, rn=3.0, ir=1, wc=71) == "눈"
    assert sky(ca=10, rn=3.0, ir=1, wc=95) == "뇌우"


def test_sky_word_is_keyword_only():
    with pytest.raises(TypeError):
        sky_word(5, None, None, None)  # type: ignore[misc]


# --------------------------------------------------------------------------------------------
# URL
# --------------------------------------------------------------------------------------------


def test_build_url_format():
    url = build_url(
        api_key="KEY", at=datetime(2025, 8, 26, 15, 0, tzinfo=KST), station_ids=[98, 105, 108]
    )
    assert url == (
        "https://apihub.kma.go.kr/api/typ01/url/kma_sfctm2.php"
        "?tm=202508261500&stn=98:105:108&help=0&authKey=KEY"
    )
    assert url.startswith(SFCTM2_URL + "?")


def test_build_url_converts_to_kst():
    url = build_url(api_key="KEY", at=datetime(2025, 8, 26, 6, 0, tzinfo=UTC), station_ids=[108])
    assert "tm=202508261500&" in url


def test_build_url_latest_hour_omits_tm():
    url = build_url(api_key="KEY", at=None, station_ids=REFERENCE_STATIONS)
    assert url == (
        f"{SFCTM2_URL}?stn=98:105:108:133:143:152:156:159:172:184:201:226:238:259:283:294"
        "&help=0&authKey=KEY"
    )


def test_build_url_all_stations_dedup_and_key_quoting():
    assert "stn=0&" in build_url(api_key="KEY", at=None, station_ids=[])
    assert "stn=108:98&" in build_url(api_key="KEY", at=None, station_ids=[108, 98, 108])
    assert build_url(api_key="a+b/c=&d", at=None, station_ids=[1]).endswith(
        "authKey=a%2Bb%2Fc%3D%26d"
    )


def test_build_url_rejects_naive_datetime_and_empty_key():
    with pytest.raises(ValueError, match="timezone-aware"):
        build_url(api_key="KEY", at=datetime(2025, 8, 26, 15, 0), station_ids=[108])
    with pytest.raises(ValueError, match="api_key"):
        build_url(api_key="", at=None, station_ids=[108])


def test_redact_url():
    url = build_url(api_key=KEY, at=None, station_ids=[108])
    assert KEY not in redact_url(url)
    assert redact_url(url).endswith("authKey=***")


# --------------------------------------------------------------------------------------------
# Fetching (fake opener, fake sleep)
# --------------------------------------------------------------------------------------------


class FakeSleep:
    def __init__(self):
        self.delays: list[float] = []

    def __call__(self, seconds):
        self.delays.append(seconds)


def fetch(opener, sleep=None, **kwargs):
    kwargs.setdefault("at", None)
    kwargs.setdefault("station_ids", REFERENCE_STATIONS)
    return fetch_sfctm2(api_key=KEY, connections=opener, sleep=sleep or FakeSleep(), **kwargs)


REFERENCE_BODY = sample("kma_sfctm2_reference_20250826.txt")


def test_fetch_success_returns_raw_bytes_and_parses():
    opener, sleep = FakeKma((200, REFERENCE_BODY)), FakeSleep()
    at = datetime(2025, 8, 26, 15, 0, tzinfo=KST)
    body = fetch(opener, sleep, at=at)
    assert body == REFERENCE_BODY
    assert sleep.delays == []
    ((url, limits),) = opener.calls
    assert url == build_url(api_key=KEY, at=at, station_ids=REFERENCE_STATIONS)
    assert (limits.connect, limits.read) == (5, 15)
    result = parse_sfctm2(body, station_ids=REFERENCE_STATIONS)
    assert len(result.observations) == 16


def test_fetch_timeout_retried_with_backoff_then_success():
    opener = FakeKma(
        TimeoutError("timed out"),
        ConnectTimeoutError("connect timed out"),
        TimeoutError("read timed out"),
        (200, REFERENCE_BODY),
    )
    sleep = FakeSleep()
    assert fetch(opener, sleep) == REFERENCE_BODY
    assert len(opener.calls) == 4
    assert sleep.delays == [1.0, 2.0, 4.0]


def test_fetch_timeout_exhausted():
    opener, sleep = FakeKma(*[TimeoutError("timed out")] * 4), FakeSleep()
    with pytest.raises(KmaTimeout) as info:
        fetch(opener, sleep, retries=3, backoff=0.5)
    assert len(opener.calls) == 4
    assert sleep.delays == [0.5, 1.0, 2.0]
    message = str(info.value)
    assert "gave up after 4 attempts" in message
    assert KEY not in message
    assert "\n" not in message


def test_fetch_without_retries():
    opener, sleep = FakeKma(TimeoutError()), FakeSleep()
    with pytest.raises(KmaTimeout):
        fetch(opener, sleep, retries=0)
    assert len(opener.calls) == 1
    assert sleep.delays == []


def test_fetch_500_retried_then_success():
    opener = FakeKma((500, sample("apihub_500.html")), (200, REFERENCE_BODY))
    sleep = FakeSleep()
    assert fetch(opener, sleep, backoff=2.0) == REFERENCE_BODY
    assert len(opener.calls) == 2
    assert sleep.delays == [2.0]


def test_fetch_5xx_exhausted():
    opener = FakeKma(*[(503, sample("apihub_500.html"))] * 3)
    sleep = FakeSleep()
    with pytest.raises(KmaServerError, match="HTTP 503") as info:
        fetch(opener, sleep, retries=2)
    assert "500 Internal Server Error" in str(info.value)  # title of the error page
    assert len(opener.calls) == 3
    assert sleep.delays == [1.0, 2.0]


def test_fetch_403_json_not_retried():
    opener, sleep = FakeKma((403, sample("apihub_403.json"))), FakeSleep()
    with pytest.raises(KmaAuthError) as info:
        fetch(opener, sleep)
    assert len(opener.calls) == 1
    assert sleep.delays == []
    assert "HTTP 403" in str(info.value)
    assert "활용신청이 필요한 API 입니다." in str(info.value)
    assert KEY not in str(info.value)


def test_fetch_403_json_with_http_200_not_retried():
    opener, sleep = FakeKma((200, sample("apihub_403.json"))), FakeSleep()
    with pytest.raises(KmaAuthError):
        fetch(opener, sleep)
    assert len(opener.calls) == 1
    assert sleep.delays == []


@pytest.mark.parametrize("status", [401, 403, 429])
def test_fetch_auth_and_quota_statuses_not_retried(status):
    opener, sleep = FakeKma((status, b"")), FakeSleep()
    with pytest.raises(KmaAuthError, match=f"HTTP {status}"):
        fetch(opener, sleep)
    assert len(opener.calls) == 1
    assert sleep.delays == []


def test_fetch_other_status_is_a_plain_error_not_retried():
    opener, sleep = FakeKma((404, b"not found")), FakeSleep()
    with pytest.raises(KmaError, match="HTTP 404") as info:
        fetch(opener, sleep)
    assert type(info.value) is KmaError
    assert len(opener.calls) == 1
    assert "authKey=***" in str(info.value)


def test_fetch_connection_refused_not_retried():
    opener = FakeKma(NewConnectionError(None, "Connection refused"))
    sleep = FakeSleep()
    with pytest.raises(KmaNetworkError, match="unreachable") as info:
        fetch(opener, sleep)
    assert len(opener.calls) == 1
    assert KEY not in str(info.value)


def test_fetch_html_body_is_returned_and_rejected_by_the_parser():
    opener = FakeKma((200, sample("kma_maintenance.html")))
    body = fetch(opener)
    with pytest.raises(KmaPayloadError, match="HTML page"):
        parse_sfctm2(body)


@pytest.mark.parametrize("name", ["kma_sfctm2_empty.txt", "kma_sfctm2_header_only.txt"])
def test_fetch_empty_and_header_only_bodies_rejected_by_the_parser(name):
    body = fetch(FakeKma((200, sample(name))))
    with pytest.raises(KmaPayloadError):
        parse_sfctm2(body)


def test_fetch_empty_key_never_calls_the_opener():
    opener = FakeKma()
    with pytest.raises(KmaAuthError, match="key is empty"):
        fetch_sfctm2(api_key="", at=None, station_ids=[108], connections=opener, sleep=FakeSleep())
    assert opener.calls == []


def test_fetch_passes_connect_and_read_timeouts_separately():
    opener = FakeKma((200, REFERENCE_BODY[:1000]))  # the size cap applies to the fake too
    fetch(opener, connect_timeout=3, read_timeout=20, max_bytes=1000)
    limits = opener.calls[0][1]
    assert (limits.connect, limits.read, limits.max_bytes) == (3, 20, 1000)


def test_timeouts_never_exceed_the_time_left_before_the_deadline():
    opener = FakeKma((200, REFERENCE_BODY))
    fetch(opener, connect_timeout=5, read_timeout=15, deadline=2)
    limits = opener.calls[0][1]
    assert limits.connect <= 2 and limits.read <= 2


def test_fetch_waits_what_retry_after_asks_on_a_retried_status():
    opener = FakeKma((503, b"", {"Retry-After": "3"}), (200, REFERENCE_BODY))
    sleep = FakeSleep()
    assert fetch(opener, sleep) == REFERENCE_BODY
    assert sleep.delays == [3]


def test_fetch_429_with_retry_after_is_still_the_quota_and_not_retried():
    opener, sleep = FakeKma((429, b"", {"Retry-After": "1"})), FakeSleep()
    with pytest.raises(KmaAuthError, match="HTTP 429"):
        fetch(opener, sleep)
    assert len(opener.calls) == 1
    assert sleep.delays == []


def test_fetch_never_waits_past_the_deadline():
    opener, sleep = FakeKma(*[TimeoutError("timed out")] * 4), FakeSleep()
    with pytest.raises(KmaTimeout, match="gave up after 3 attempts"):
        fetch(opener, sleep, deadline=2.5)  # waits of 1 and 2 s fit; the next, 4 s, would not
    assert len(opener.calls) == 3
    assert sleep.delays == [1.0, 2.0]


def test_fetch_broken_connection_not_retried():
    opener = FakeKma(ProtocolError("Connection aborted.", ConnectionResetError(104, "reset")))
    with pytest.raises(KmaNetworkError, match="connection failed"):
        fetch(opener)
    assert len(opener.calls) == 1


def test_fetch_error_body_with_http_200_reporting_a_5xx_is_not_retried():
    # An answer, not a transport failure: the next scheduled run asks again (see _answer).
    opener = FakeKma((200, b'{"result":{"status":500,"message":"internal"}}'), (200, b""))
    with pytest.raises(KmaServerError):
        fetch(opener)
    assert len(opener.calls) == 1


def test_urllib3_logs_of_retries_never_show_the_key(caplog):
    opener = FakeKma(TimeoutError("timed out"), (503, b""), (200, REFERENCE_BODY))
    with caplog.at_level(logging.DEBUG, logger="urllib3"):
        fetch(opener)
    messages = [record.getMessage() for record in caplog.records]
    assert any("authKey=***" in message for message in messages)
    assert not any(KEY in message for message in messages)
