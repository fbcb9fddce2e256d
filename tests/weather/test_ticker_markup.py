"""The ticker's styles and script load in the page's <head>, once, not from inside the body."""

import re

import pytest

pytestmark = pytest.mark.django_db


def head_and_body(html: str) -> tuple[str, str]:
    head, body = html.split("</head>", 1)
    return head, body


def test_ticker_script_loads_once_deferred_from_the_head(client, import_reference):
    import_reference()
    head, body = head_and_body(client.get("/").content.decode())

    assert 'class="weather-ticker' in body
    assert head.count('<script src="/static/weather/ticker.js" defer></script>') == 1
    assert "ticker.js" not in body
    assert "weather.css" not in body


def test_reader_pages_need_no_weather_stylesheet_of_their_own(client, import_reference):
    import_reference()
    html = client.get("/").content.decode()

    assert "weather/weather.css" not in html
    assert '<link rel="stylesheet" href="/static/css/site.css">' in head_and_body(html)[0]


def test_ticker_time_is_valid_html_with_whole_seconds(client, import_reference):
    import_reference()
    html = client.get("/").content.decode()

    times = re.findall(r'<time datetime="([^"]+)">', html.split('class="weather-ticker', 1)[1])
    assert times[0] == "2025-08-26T15:00:00+09:00"
