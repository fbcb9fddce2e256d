"""The weather service (KMA) timing out or answering garbage: the fetch fails on its own, and
every page keeps serving with the last readings (pages never call KMA)."""

import pytest
from django.core.management import call_command

from tests.user_agents import BROWSER
from tests.weather.kma_fake import FakeKma
from tests.weather.payloads import REFERENCE, sample
from weather import services
from weather.models import WeatherReading

pytestmark = pytest.mark.django_db

GARBAGE = [
    (200, b"<html><body>\xec\xa0\x90\xea\xb2\x80 \xec\xa4\x91</body></html>"),
    (200, b"\x00\xff\xfe not a table at all"),
    (200, b'{"result": {"status": 500}}'),
    (502, b"Bad Gateway"),
]


def fetch(monkeypatch, settings, *answers) -> int:
    settings.KMA_API_KEY = "test-key"
    monkeypatch.setattr(services, "sleep_between_retries", lambda seconds: None)
    monkeypatch.setattr(services, "kma_connections", FakeKma(*answers))
    try:
        call_command("fetch_weather")
    except SystemExit as exit:
        return exit.code
    return 0


@pytest.mark.parametrize(
    "answers",
    [
        [TimeoutError("timed out")] * 4,
        *[[answer] * 4 for answer in GARBAGE],
    ],
    ids=["timeouts", "maintenance-html", "binary", "json-error", "bad-gateway"],
)
def test_pages_keep_serving_the_last_readings_when_kma_fails(
    client, monkeypatch, settings, answers
):
    services.import_payload(payload=sample(REFERENCE))
    stored = WeatherReading.objects.count()
    assert fetch(monkeypatch, settings, *answers) != 0
    assert WeatherReading.objects.count() == stored  # nothing lost, nothing broken stored
    for url in ("/", "/weather/"):
        response = client.get(url, **BROWSER)
        assert response.status_code == 200, url
        assert "weather-ticker" in response.content.decode() or url == "/weather/"
