from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from tests.weather.payloads import REFERENCE_HOUR, payload, readings, reference_rows, row, shown_ids
from weather import kma, services
from weather.models import Station, WeatherReading

pytestmark = pytest.mark.django_db

REFERENCE_IDS = [98, 105, 108, 133, 143, 152, 156, 159, 172, 184, 201, 226, 238, 259, 283, 294]
REFERENCE_NAMES = (
    "동두천 강릉 서울 대전 대구 울산 광주 부산 고창 제주 강화 보은 금산 강진군 경주시 거제"
)


def test_migration_creates_the_16_reference_stations_in_id_order():
    stations = list(Station.objects.shown())
    assert [s.kma_id for s in stations] == REFERENCE_IDS
    assert [s.name for s in stations] == REFERENCE_NAMES.split()
    assert [s.order for s in stations] == sorted(s.order for s in stations)
    assert Station.objects.get(kma_id=172).name == "고창"
    assert not Station.objects.filter(kma_id=251).exists()


def test_import_stores_every_field_of_the_reference_sample(import_reference):
    report = import_reference()
    assert (report.created, report.updated) == (16, 0)
    assert report.observed_at == [REFERENCE_HOUR]
    seoul = readings()[108]
    assert seoul.observed_at == REFERENCE_HOUR
    assert seoul.temperature == Decimal("29.7")
    assert seoul.cloud_amount == 6
    assert seoul.precipitation_mm == Decimal("0.0")
    assert seoul.present_weather is None
    assert seoul.sky == "구름많음"
    assert seoul.source == WeatherReading.Source.FILE
    assert seoul.temperature_text == "29.7℃"


def test_reimporting_the_same_hour_updates_and_never_duplicates(import_reference):
    import_reference()
    services.import_payload(payload=payload(row(STN=108, TA="30.2", CA_TOT="9")))
    report = import_reference()
    assert (report.created, report.updated) == (0, 16)
    assert WeatherReading.objects.count() == 16
    assert readings()[108].temperature == Decimal("29.7")  # the re-import wins
    assert readings()[108].sky == "구름많음"


def test_second_import_of_a_corrected_value_updates_the_reading(import_reference):
    import_reference()
    report = services.import_payload(payload=payload(row(STN=108, TA="30.2", CA_TOT="9")))
    assert (report.created, report.updated) == (0, 1)
    assert readings()[108].temperature == Decimal("30.2")
    assert readings()[108].sky == "흐림"
    assert WeatherReading.objects.filter(station__kma_id=108).count() == 1


def test_a_new_hour_adds_a_reading_per_station(import_reference):
    import_reference()
    services.import_payload(payload=payload(*reference_rows(hour="202508261600")))
    assert WeatherReading.objects.count() == 32
    assert WeatherReading.objects.filter(station__kma_id=98).count() == 2


def test_database_refuses_a_second_reading_for_the_same_station_and_hour(import_reference):
    import_reference()
    station = Station.objects.get(kma_id=108)
    with pytest.raises(IntegrityError), transaction.atomic():
        WeatherReading.objects.create(station=station, observed_at=REFERENCE_HOUR, source="file")


def test_observation_time_is_stored_on_the_hour():
    services.import_payload(payload=payload(row(STN=108, TM="202508261510")))
    assert readings()[108].observed_at == REFERENCE_HOUR


def test_unknown_station_is_ignored_and_reported(import_reference):
    report = import_reference()  # the sample also holds 속초 (90), not a shown station
    assert report.ignored == [90]
    assert not WeatherReading.objects.filter(station__kma_id=90).exists()
    assert not Station.objects.filter(kma_id=90).exists()
    assert "표시하지 않는 지점 무시: 90" in report.summary()
    assert not report.complete


def test_hidden_station_is_not_stored():
    Station.objects.filter(kma_id=108).update(is_shown=False)
    report = services.import_payload(payload=payload(*reference_rows()))
    assert 108 in report.ignored
    assert 108 not in readings()
    assert report.stored == 15


def test_partial_answer_stores_what_it_can_and_lists_missing_stations(import_reference):
    import_reference()
    report = services.import_payload(
        payload=payload(*reference_rows(hour="202508261600", skip={98, 294}))
    )
    assert report.stored == 14
    assert [s.kma_id for s in report.missing] == [98, 294]
    assert "응답에 없는 지점 2곳: 동두천(98), 거제(294)" in report.summary()
    # The missing stations keep their last good reading.
    latest = {r.station.kma_id: r for r in WeatherReading.objects.latest_per_station()}
    assert latest[98].observed_at == REFERENCE_HOUR
    assert latest[108].observed_at == REFERENCE_HOUR + timedelta(hours=1)


def test_row_with_the_wrong_column_count_is_skipped_and_the_rest_stored():
    rows = reference_rows()
    rows[2] += " 99"  # 서울 with 47 columns
    report = services.import_payload(payload=payload(*rows))
    assert report.stored == 15
    assert 108 not in readings()
    assert len(report.problems) == 1
    assert "expected 46 columns, found 47" in report.problems[0]
    assert [s.kma_id for s in report.missing] == [108]


def test_answer_with_only_bad_rows_stores_nothing_and_raises(import_reference):
    import_reference()
    with pytest.raises(kma.KmaPayloadError, match="no usable row"):
        services.import_payload(payload=payload(row(STN=108, TA="29.9") + " extra"))
    assert readings()[108].temperature == Decimal("29.7")


@pytest.mark.parametrize(
    ("columns", "sky"),
    [
        ({"CA_TOT": "0"}, "맑음"),
        ({"CA_TOT": "2"}, "맑음"),
        ({"CA_TOT": "3"}, "구름조금"),
        ({"CA_TOT": "5"}, "구름조금"),
        ({"CA_TOT": "6"}, "구름많음"),
        ({"CA_TOT": "8"}, "구름많음"),
        ({"CA_TOT": "9"}, "흐림"),
        ({"CA_TOT": "10"}, "흐림"),
        ({"CA_TOT": "-9"}, ""),
        ({"CA_TOT": "2", "RN": "0.5", "IR": "1"}, "비"),
        ({"CA_TOT": "10", "RN": "1.5", "IR": "2", "WC": "61"}, "비"),
        ({"CA_TOT": "10", "RN": "0.4", "IR": "1", "WC": "71"}, "눈"),
        ({"CA_TOT": "-9", "WC": "73"}, "눈"),
        ({"CA_TOT": "7", "RN": "-9.0", "IR": "3"}, "구름많음"),
    ],
)
def test_stored_sky_word_at_every_boundary(columns, sky):
    services.import_payload(payload=payload(row(**columns)))
    assert readings()[108].sky == sky


def test_real_minus_nine_degrees_survives_and_minus_99_is_missing():
    services.import_payload(
        payload=payload(row(STN=108, TA="-9.0"), row(STN=98, TA="-99.0"), row(STN=105, TA="-0.0"))
    )
    stored = readings()
    assert stored[108].temperature == Decimal("-9.0")
    assert stored[108].temperature_text == "-9.0℃"
    assert stored[98].temperature is None
    assert stored[98].temperature_text == ""
    assert stored[105].temperature_text == "0.0℃"


def test_missing_cloud_and_precipitation_are_stored_as_unknown():
    services.import_payload(payload=payload(row(CA_TOT="-9", RN="-9.0", IR="4")))
    seoul = readings()[108]
    assert seoul.cloud_amount is None
    assert seoul.precipitation_mm is None
    assert seoul.sky == ""


def test_latest_per_station_is_one_query_in_station_order(
    import_reference, django_assert_num_queries
):
    import_reference()
    services.import_payload(payload=payload(*reference_rows(hour="202508261600", skip={98})))
    with django_assert_num_queries(1):
        latest = [
            (r.station.kma_id, r.observed_at.hour)
            for r in WeatherReading.objects.latest_per_station()
        ]
    assert [kma_id for kma_id, _ in latest] == shown_ids()
    assert latest[0] == (98, 6)  # 15:00 KST is 06:00 UTC
    assert latest[1] == (105, 7)


def test_fetch_with_no_shown_station_says_so(kma_answers):
    Station.objects.update(is_shown=False)
    opener = kma_answers()
    with pytest.raises(services.NoStationsError, match="관측 지점이 없습니다"):
        services.fetch_and_store()
    assert opener.urls == []
