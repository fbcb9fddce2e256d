from datetime import timedelta

import pytest
import time_machine

from tests.weather.payloads import REFERENCE, REFERENCE_HOUR, FakeOpener, sample
from weather import kma, services


@pytest.fixture
def import_reference(db):
    def load():
        return services.import_payload(payload=sample(REFERENCE))

    return load


@pytest.fixture
def kma_answers(monkeypatch, settings):
    """Replace the network: `kma_answers(*answers)` returns the FakeOpener in use."""
    settings.KMA_API_KEY = "test-key"
    delays: list[float] = []
    monkeypatch.setattr(services, "sleep_between_retries", delays.append)

    def install(*answers):
        opener = FakeOpener(*answers)
        opener.delays = delays
        monkeypatch.setattr(kma, "http_opener", opener)
        return opener

    return install


@pytest.fixture
def at_reference_time():
    with time_machine.travel(REFERENCE_HOUR + timedelta(minutes=40)):
        yield
