from datetime import timedelta

import pytest
import time_machine

from tests.weather.kma_fake import FakeKma
from tests.weather.payloads import REFERENCE, REFERENCE_HOUR, sample
from weather import services


@pytest.fixture
def import_reference(db):
    def load():
        return services.import_payload(payload=sample(REFERENCE))

    return load


@pytest.fixture
def kma_answers(monkeypatch, settings):
    """Replace the network: `kma_answers(*answers)` returns the FakeKma in use."""
    settings.KMA_API_KEY = "test-key"
    delays: list[float] = []
    monkeypatch.setattr(services, "sleep_between_retries", delays.append)

    def install(*answers):
        opener = FakeKma(*answers)
        opener.delays = delays
        monkeypatch.setattr(services, "kma_connections", opener)
        return opener

    return install


@pytest.fixture
def at_reference_time():
    with time_machine.travel(REFERENCE_HOUR + timedelta(minutes=40)):
        yield
