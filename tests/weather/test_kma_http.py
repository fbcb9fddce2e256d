"""weather.kma's transport (urllib3) against a local socket server: deadline, size cap,
timeouts, retries.

Elapsed times are measured as upper bounds: they prove a fetch does not hang. A lower bound
appears only where a timeout must not fire early (it cannot, unless the wrong one is in use).
"""

import socket
import time

import pytest

from tests.weather.kma_server import kma_server
from tests.weather.payloads import REFERENCE, sample
from weather.kma import REFERENCE_STATIONS, KmaNetworkError, KmaPayloadError, KmaTimeout
from weather.kma import fetch_sfctm2 as _fetch


def fetch(**kwargs):
    kwargs.setdefault("retries", 0)
    return _fetch(api_key="k", at=None, station_ids=REFERENCE_STATIONS, **kwargs)


def test_a_plain_answer_is_read(monkeypatch):
    with kma_server(monkeypatch, "ok", sample(REFERENCE)):
        assert fetch(deadline=3) == sample(REFERENCE)


def test_a_server_trickling_bytes_is_cut_at_the_deadline(monkeypatch):
    with kma_server(monkeypatch, "trickle"):
        started = time.monotonic()
        with pytest.raises(KmaTimeout):
            fetch(read_timeout=5, deadline=2.5)
        assert time.monotonic() - started < 5


def test_trickled_headers_are_cut_at_the_deadline_too(monkeypatch):
    with kma_server(monkeypatch, "trickle_headers"):
        started = time.monotonic()
        with pytest.raises(KmaTimeout):
            fetch(read_timeout=5, deadline=2.5)
        assert time.monotonic() - started < 5


def test_a_silent_server_times_out_at_the_read_timeout(monkeypatch):
    with kma_server(monkeypatch, "silent"):
        started = time.monotonic()
        with pytest.raises(KmaTimeout):
            fetch(read_timeout=1, deadline=8)
        assert time.monotonic() - started < 4


def test_retries_stop_at_the_deadline(monkeypatch):
    with kma_server(monkeypatch, "silent"):
        started = time.monotonic()
        with pytest.raises(KmaTimeout):
            fetch(read_timeout=1, deadline=2.5, retries=3, backoff=0.5)
        assert time.monotonic() - started < 5


def test_a_50_mb_answer_is_refused_after_the_size_cap(monkeypatch):
    with kma_server(monkeypatch, "huge"):
        started = time.monotonic()
        with pytest.raises(KmaPayloadError, match="too large"):
            fetch(deadline=8, max_bytes=2 * 1024 * 1024)
        assert time.monotonic() - started < 5


def test_a_declared_50_mb_answer_is_refused_before_reading(monkeypatch):
    with kma_server(monkeypatch, "huge_declared"), pytest.raises(KmaPayloadError, match="52428800"):
        fetch(deadline=8)


def test_refused_connection_is_a_network_error(monkeypatch):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    monkeypatch.setattr("weather.kma.SFCTM2_URL", f"http://127.0.0.1:{port}/x")
    with pytest.raises(KmaNetworkError):
        fetch(deadline=3)
