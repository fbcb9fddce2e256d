"""weather.kma's transport (urllib3) against a local socket server: deadline, size cap,
timeouts, retries.

Elapsed times are measured as upper bounds: they prove a fetch does not hang. A lower bound
appears only where a timeout must not fire early (it cannot, unless the wrong one is in use).
"""

import socket
import time

import pytest

from tests.weather.kma_server import kma_server, unaccepting_server
from tests.weather.payloads import REFERENCE, sample
from weather.kma import (
    REFERENCE_STATIONS,
    KmaNetworkError,
    KmaPayloadError,
    KmaServerError,
    KmaTimeout,
)
from weather.kma import fetch_sfctm2 as _fetch


def fetch(**kwargs):
    kwargs.setdefault("retries", 0)
    return _fetch(api_key="k", at=None, station_ids=REFERENCE_STATIONS, **kwargs)


def test_a_plain_answer_is_read(monkeypatch):
    with kma_server(monkeypatch, "ok", sample(REFERENCE)):
        assert fetch(deadline=3) == sample(REFERENCE)


@pytest.mark.parametrize(
    ("mode", "limits", "error", "match", "within"),
    [
        ("trickle", {"read_timeout": 5, "deadline": 2.5}, KmaTimeout, None, 5),
        ("trickle_headers", {"read_timeout": 5, "deadline": 2.5}, KmaTimeout, None, 5),
        ("silent", {"read_timeout": 1, "deadline": 8}, KmaTimeout, None, 4),
        (
            "silent",
            {"read_timeout": 1, "deadline": 2.5, "retries": 3, "backoff": 0.5},
            KmaTimeout,
            None,
            5,
        ),
        ("huge", {"deadline": 8, "max_bytes": 2 * 1024 * 1024}, KmaPayloadError, "too large", 5),
    ],
    ids=[
        "a server trickling bytes is cut at the deadline",
        "trickled headers are cut at the deadline too",
        "a silent server times out at the read timeout",
        "retries stop at the deadline",
        "a 50 MB answer is refused after the size cap",
    ],
)
def test_a_slow_or_endless_answer_costs_seconds_not_a_worker(
    monkeypatch, mode, limits, error, match, within
):
    with kma_server(monkeypatch, mode):
        started = time.monotonic()
        with pytest.raises(error, match=match):
            fetch(**limits)
        assert time.monotonic() - started < within


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


def test_a_server_that_never_accepts_times_out_at_the_connect_timeout(monkeypatch):
    with unaccepting_server(monkeypatch):
        started = time.monotonic()
        with pytest.raises(KmaTimeout, match="connect timed out"):
            fetch(connect_timeout=0.5, read_timeout=10, deadline=8)
        assert time.monotonic() - started < 3  # not the read timeout, nor the deadline


def test_a_server_that_accepts_and_never_answers_times_out_at_the_read_timeout(monkeypatch):
    with kma_server(monkeypatch, "silent"):
        started = time.monotonic()
        with pytest.raises(KmaTimeout, match="read timed out"):
            fetch(connect_timeout=0.2, read_timeout=1.5, deadline=8)
        elapsed = time.monotonic() - started
    assert 1.4 < elapsed < 4  # the read timeout, not the (shorter) connect timeout


def test_a_503_is_retried_and_the_next_answer_read(monkeypatch):
    delays = []
    with kma_server(monkeypatch, ["unavailable", "ok"], sample(REFERENCE)) as arrived:
        assert fetch(retries=3, deadline=8, sleep=delays.append) == sample(REFERENCE)
    assert len(arrived) == 2
    assert delays == [1.0]


def test_a_503_retried_until_the_retries_run_out_is_a_server_error(monkeypatch):
    with (
        kma_server(monkeypatch, "unavailable") as arrived,
        pytest.raises(KmaServerError, match="HTTP 503") as info,
    ):
        fetch(retries=2, deadline=8, sleep=lambda seconds: None)
    assert len(arrived) == 3
    assert "gave up after 3 attempts" in str(info.value)


def test_retry_after_is_honoured_within_the_deadline(monkeypatch):
    answers = ["unavailable_retry_after_1", "ok"]
    with kma_server(monkeypatch, answers, sample(REFERENCE)) as arrived:
        assert fetch(retries=3, backoff=0.1, deadline=8) == sample(REFERENCE)
    assert len(arrived) == 2
    assert arrived[1] - arrived[0] >= 0.9  # waited the second it asked for, not 0.1


def test_a_retry_after_past_the_deadline_is_not_waited_for(monkeypatch):
    with kma_server(monkeypatch, "unavailable_retry_after_30") as arrived:
        started = time.monotonic()
        with pytest.raises(KmaServerError, match="HTTP 503"):
            fetch(retries=3, deadline=5)
        assert time.monotonic() - started < 3
    assert len(arrived) == 1
