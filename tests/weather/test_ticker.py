import dataclasses
import re
from datetime import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.template import Context, Template

from newsroom.timezones import KST
from tests.weather.payloads import REFERENCE_HOUR, payload, reference_rows, row
from weather import services, ticker
from weather.models import Station

pytestmark = pytest.mark.django_db

REFERENCE_TICKER = [
    "구름많음 동두천 29.3℃",
    "맑음 강릉 33.1℃",
    "구름많음 서울 29.7℃",
    "구름조금 대전 30.6℃",
    "구름조금 대구 30.8℃",
    "맑음 울산 31.3℃",
    "구름조금 광주 30.5℃",
    "맑음 부산 31.2℃",
    "맑음 고창 31.0℃",
    "맑음 제주 31.5℃",
    "구름많음 강화 28.8℃",
    "구름조금 보은 27.9℃",
    "맑음 금산 29.4℃",
    "구름조금 강진군 30.8℃",
    "맑음 경주시 31.7℃",
    "구름조금 거제 30.6℃",
]


def kst(*args) -> datetime:
    return datetime(*args, tzinfo=KST)


def render() -> str:
    return Template("{% load weather_tags %}{% weather_ticker %}").render(Context())


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def items(html: str) -> list[str]:
    """The visible (not aria-hidden) items, as their text."""
    main_list = html.split('class="weather-ticker__list"', 1)[1].split("</ul>", 1)[0]
    return [
        text(li) for li in re.findall(r'<li class="weather-ticker__item">(.*?)</li>', main_list)
    ]


def when(html: str) -> str:
    return text(re.search(r'<time datetime="[^"]+">(.*?)</time>', html).group(0))


@time_machine.travel(kst(2025, 8, 26, 15, 40), tick=False)
def test_reference_sample_reads_exactly_like_the_reference_page(import_reference):
    import_reference()
    html = render()
    assert items(html) == REFERENCE_TICKER
    assert when(html) == "15:00 기준"
    assert '<time datetime="2025-08-26T15:00:00+09:00">' in html
    assert '<p class="weather-ticker__credit"><a href="/weather/">기상청 제공</a></p>' in html
    assert '<div class="weather-ticker" role="region" aria-label="전국 날씨">' in html
    assert "weather-ticker--stale" not in html


@time_machine.travel(kst(2025, 8, 26, 15, 40), tick=False)
def test_the_repeat_list_for_the_scroll_is_hidden_from_screen_readers(import_reference):
    import_reference()
    html = render()
    assert html.count('class="weather-ticker__item"') == 32
    assert (
        '<ul class="weather-ticker__list weather-ticker__list--repeat" aria-hidden="true">' in html
    )
    assert "--weather-ticker-count: 16" in html


@pytest.mark.parametrize(
    ("now", "stale", "label"),
    [
        (kst(2025, 8, 26, 15, 5), False, "15:00 기준"),
        (kst(2025, 8, 26, 18, 0), False, "15:00 기준"),  # exactly 180 minutes: still current
        (kst(2025, 8, 26, 18, 1), True, "15:00 기준"),
        (kst(2025, 8, 27, 9, 0), True, "8월 26일 15:00 기준"),
        (kst(2026, 11, 25, 12, 0), True, "2025년 8월 26일 15:00 기준"),
    ],
)
def test_stale_readings_are_shown_with_their_time_not_as_current(
    import_reference, now, stale, label
):
    import_reference()
    with time_machine.travel(now, tick=False):
        html = render()
    assert len(items(html)) == 16
    assert when(html) == label
    assert ("weather-ticker--stale" in html) is stale
    assert ("최근 관측이 없어 마지막 관측을 보여 줍니다" in html) is stale


def test_stale_age_comes_from_the_setting(import_reference, settings):
    import_reference()
    settings.WEATHER_STALE_AFTER_MINUTES = 60
    with time_machine.travel(kst(2025, 8, 26, 16, 1), tick=False):
        assert "weather-ticker--stale" in render()
    settings.WEATHER_STALE_AFTER_MINUTES = 180
    with time_machine.travel(kst(2025, 8, 26, 16, 1), tick=False):
        assert "weather-ticker--stale" not in render()


def test_a_station_whose_data_stopped_is_hidden_while_others_are_current(import_reference):
    import_reference()  # 15:00 for all
    services.import_payload(payload=payload(*reference_rows(hour="202508261900", skip={98})))
    with time_machine.travel(kst(2025, 8, 26, 19, 20), tick=False):
        html = render()
    shown = items(html)
    assert len(shown) == 15
    assert not any("동두천" in item for item in shown)
    assert when(html) == "19:00 기준"
    assert "weather-ticker--stale" not in html


def test_an_older_but_current_reading_carries_its_own_time(import_reference):
    import_reference()
    services.import_payload(payload=payload(*reference_rows(hour="202508261600", skip={98})))
    with time_machine.travel(kst(2025, 8, 26, 16, 20), tick=False):
        shown = items(render())
    assert shown[0] == "구름많음 동두천 29.3℃ (15:00)"
    assert shown[1] == "맑음 강릉 33.1℃"


def test_reading_without_temperature_is_left_out_and_unknown_sky_shows_no_word():
    services.import_payload(
        payload=payload(row(STN=98, TA="-99.0"), row(STN=108, CA_TOT="-9"), row(STN=105))
    )
    with time_machine.travel(kst(2025, 8, 26, 15, 10), tick=False):
        assert items(render()) == ["구름많음 강릉 29.7℃", "서울 29.7℃"]


def test_no_readings_render_nothing_so_the_bar_stays_tidy():
    assert render().strip() == ""


def test_ticker_costs_one_query_then_none_from_the_cache(
    import_reference, django_assert_num_queries
):
    import_reference()
    cache.clear()
    with django_assert_num_queries(1):
        first = render()
    with django_assert_num_queries(0):
        second = render()
    assert first == second
    assert len(items(first)) == 16


@time_machine.travel(kst(2025, 8, 26, 16, 10), tick=False)
def test_storing_new_readings_refreshes_the_cache(import_reference, django_assert_num_queries):
    import_reference()
    assert items(render())[2] == "구름많음 서울 29.7℃"
    services.import_payload(payload=payload(row(STN=108, TM="202508261600", TA="31.4", CA_TOT=1)))
    assert cache.get(ticker.TICKER_CACHE_KEY) is not None
    with django_assert_num_queries(0):
        html = render()
    assert items(html)[2] == "맑음 서울 31.4℃"
    assert items(html)[0] == "구름많음 동두천 29.3℃ (15:00)"  # an hour older than 서울
    assert when(html) == "16:00 기준"


@time_machine.travel(kst(2025, 8, 26, 15, 10), tick=False)
def test_editing_a_station_clears_the_cache(import_reference):
    import_reference()
    assert len(items(render())) == 16
    seoul = Station.objects.get(kma_id=108)
    seoul.is_shown = False
    seoul.save()
    assert cache.get(ticker.TICKER_CACHE_KEY) is None
    shown = items(render())
    assert len(shown) == 15
    assert "구름많음 서울 29.7℃" not in shown


@time_machine.travel(kst(2025, 8, 26, 15, 10), tick=False)
def test_station_order_is_the_ticker_order(import_reference):
    import_reference()
    Station.objects.filter(kma_id=294).update(order=1)
    ticker.forget_ticker()
    assert items(render())[0] == "구름조금 거제 30.6℃"


@time_machine.travel(kst(2025, 8, 26, 15, 10), tick=False)
def test_a_broken_cache_degrades_to_the_database(import_reference, monkeypatch):
    import_reference()

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(ticker.cache, "get", down)
    monkeypatch.setattr(ticker.cache, "set", down)
    assert len(items(render())) == 16


def test_observation_time_is_stored_aware_and_shown_in_korean_time(import_reference):
    import_reference()
    (first,) = {item.observed_at for item in ticker.current_ticker().items}
    assert first == REFERENCE_HOUR


@time_machine.travel(kst(2025, 8, 26, 15, 40), tick=False)
def test_reading_stamped_in_the_future_never_pins_the_ticker():
    # An old bad row (stored before future times were refused) must not become "the newest".
    services.import_payload(payload=payload(*reference_rows()))
    services.store_observations(
        observations=[
            dataclasses.replace(obs, observed_at=kst(2099, 12, 31, 23))
            for obs in services.kma.parse_sfctm2(payload(row())).observations
        ],
        source="file",
    )
    cache.clear()
    html = render()
    assert "2099" not in html
    assert when(html) == "15:00 기준"
    assert "구름많음 서울 29.7℃" in items(html)


@time_machine.travel(kst(2025, 8, 26, 15, 40), tick=False)
def test_cached_future_row_is_ignored_at_render_time():
    services.import_payload(payload=payload(*reference_rows()))
    rows = cache.get(ticker.TICKER_CACHE_KEY)
    rows.append({**rows[0], "observed_at": kst(2099, 12, 31, 23)})
    cache.set(ticker.TICKER_CACHE_KEY, rows)
    result = ticker.current_ticker()
    assert result.as_of == kst(2025, 8, 26, 15)
    assert all(item.observed_at.year == 2025 for item in result.items)
