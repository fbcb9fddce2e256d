import itertools
import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command

from newsroom.timezones import KST
from tests.weather.payloads import payload, reference_rows
from weather import demo, services
from weather.charts import temperature_chart
from weather.models import WeatherReading

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


def kst(*args) -> datetime:
    return datetime(*args, tzinfo=KST)


def import_day(*, hours: int = 24, skip_hours=(), end_hour: int = 15):
    """`hours` hourly answers ending 2025-08-26 `end_hour`:00, temperatures rising 0.5° an hour."""
    end = kst(2025, 8, 26, end_hour)
    for back in range(hours - 1, -1, -1):
        if back in skip_hours:
            continue
        at = end - back * HOUR
        rows = reference_rows(hour=f"{at:%Y%m%d%H%M}", TA=f"{20 + (hours - back) * 0.5:.1f}")
        services.import_payload(payload=payload(*rows))


def card(html: str, kma_id: int) -> str:
    return re.search(rf'<li class="weather-card" id="station-{kma_id}">(.*?)</li>', html, re.S)[1]


@time_machine.travel(kst(2025, 8, 26, 15, 30), tick=False)
def test_weather_page_shows_every_station_with_its_latest_reading(client, import_reference):
    import_reference()
    response = client.get("/weather/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="weather-card"') == 16
    seoul = card(html, 108)
    assert "<h2>서울</h2>" in seoul
    assert '29.7℃<span class="weather-card__sky">구름많음</span>' in seoul
    assert "6/10" in seoul
    assert "2025.08.26 15:00" in seoul
    assert "지난 관측" not in seoul
    assert "15:00 기준" in html
    assert "기상청 제공" in html
    assert "<title>전국 날씨 - " in html


@time_machine.travel(kst(2025, 8, 26, 15, 30), tick=False)
def test_weather_page_draws_a_24_hour_svg_chart_per_station(client):
    import_day()
    html = client.get("/weather/").content.decode()
    assert html.count('<svg class="weather-chart"') == 16
    seoul = card(html, 108)
    svg = re.search(r"<svg.*?</svg>", seoul, re.S)[0]
    assert 'role="img"' in svg
    (points,) = re.findall(r'<polyline class="weather-chart__line" points="([^"]+)"', svg)
    xy = [tuple(map(float, p.split(","))) for p in points.split()]
    assert len(xy) == 24
    assert xy == sorted(xy)  # left to right in time, and rising temperatures go up (y falls)
    assert all(a[1] > b[1] for a, b in itertools.pairwise(xy))
    assert '<title id="chart-108">서울 최근 24시간 기온 (15:00까지): ' in svg
    assert "최저 20.5℃(16:00), 최고 32.0℃(15:00), 관측 24회" in svg


@time_machine.travel(kst(2025, 8, 26, 15, 30), tick=False)
def test_weather_page_queries_stay_few(client, django_assert_max_num_queries):
    import_day(hours=24)
    client.get("/weather/")  # warm the ticker's and the site info's caches
    with django_assert_max_num_queries(3):
        response = client.get("/weather/")
    assert response.status_code == 200


def test_weather_page_says_when_data_is_old(client, import_reference):
    import_reference()
    with time_machine.travel(kst(2026, 1, 5, 9, 0), tick=False):
        html = client.get("/weather/").content.decode()
    assert "최근 관측이 들어오지 않아 마지막 관측을 보여 드립니다" in html
    assert "2025년 8월 26일 15:00 기준" in html
    assert "(지난 관측)" in card(html, 108)


def test_weather_page_without_readings_is_tidy(client):
    response = client.get("/weather/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "아직 관측 자료가 없습니다" in html
    assert "관측 자료가 없습니다." in card(html, 108)
    assert '<svg class="weather-chart"' not in html
    assert 'class="weather-ticker' not in html


def test_every_page_carries_the_ticker_with_its_stylesheet(client, import_reference):
    import_reference()
    html = client.get("/weather/").content.decode()
    assert '<link rel="stylesheet" href="/static/weather/weather.css">' in html
    assert '<script src="/static/weather/ticker.js" defer></script>' in html
    assert html.count('class="weather-ticker__item"') == 32  # 16 and their aria-hidden repeat


def test_chart_breaks_the_line_at_a_missing_hour():
    end = kst(2025, 8, 26, 15)
    points = [(end - h * HOUR, Decimal("25.0") + h) for h in range(24) if h not in (5, 6)]
    chart = temperature_chart(points, end=end, label="서울")
    assert [len(line.split()) for line in chart.lines] == [17, 5]
    assert chart.count == 22
    assert chart.dots[-1] == tuple(chart.lines[-1].split()[-1].split(","))  # the newest hour


def test_chart_of_one_reading_is_a_dot_and_ignores_old_or_missing_values():
    end = kst(2025, 8, 26, 15)
    chart = temperature_chart(
        [(end, Decimal("29.3")), (end - 30 * HOUR, Decimal("10.0")), (end - HOUR, None)],
        end=end,
    )
    assert chart.lines == []
    assert len(chart.dots) == 1
    assert (chart.low, chart.high, chart.count) == (Decimal("29.3"), Decimal("29.3"), 1)
    assert temperature_chart([], end=end) is None


def test_demo_loads_the_reference_readings_once(capsys):
    first = demo.load()
    second = demo.load()
    assert (first["readings"], first["readings_created"]) == (16, 16)
    assert (second["readings"], second["readings_created"]) == (16, 0)
    assert WeatherReading.objects.count() == 16


def test_load_demo_shows_the_reference_ticker(client, settings, tmp_path, capsys):
    settings.VAR_DIR = tmp_path
    call_command("load_demo", "--allow-production", "--no-logins")
    assert "데모 날씨: 기상청 2025-08-26 15:00 관측 16개 지점" in capsys.readouterr().out
    with time_machine.travel(kst(2026, 11, 25, 12, 0), tick=False):
        html = client.get("/weather/").content.decode()
    ticker = html.split('class="weather-ticker__list"', 1)[1].split("</ul>", 1)[0]
    assert ticker.count('class="weather-ticker__item"') == 16
    assert "2025년 8월 26일 15:00 기준" in html
