"""KMA (Korea Meteorological Administration) hourly surface observations.

Parses and fetches ``kma_sfctm2.php`` of the KMA API Hub (hourly ASOS observations, near real
time) for the weather ticker. Standard library and urllib3 only: no Django import, so the module
can run in a scheduled job, a management command or a plain script alike.

Typical use (from a scheduled job, never inside a page request)::

    body = fetch_sfctm2(api_key=key, at=None, station_ids=REFERENCE_STATIONS)
    result = parse_sfctm2(body, station_ids=REFERENCE_STATIONS)
    for obs in result.observations:
        word = sky_word(
            cloud_amount=obs.cloud_amount,
            precipitation_mm=obs.precipitation_mm,
            precipitation_indicator=obs.precipitation_indicator,
            present_weather=obs.present_weather,
        )

The data is KOGL type 1: wherever it is shown, credit the source (``CREDIT``).
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import io
import json
import logging
import math
import re
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.client import HTTPException
from typing import Any

import urllib3

from newsroom.timezones import KST

__all__ = [
    "COLUMN_COUNT",
    "CREDIT",
    "REFERENCE_STATIONS",
    "SFCTM2_URL",
    "ConnectionFactory",
    "KmaAuthError",
    "KmaError",
    "KmaNetworkError",
    "KmaPayloadError",
    "KmaServerError",
    "KmaTimeout",
    "Limits",
    "Observation",
    "ParseResult",
    "build_url",
    "fetch_sfctm2",
    "parse_sfctm2",
    "redact_url",
    "sky_word",
]

SFCTM2_URL = "https://apihub.kma.go.kr/api/typ01/url/kma_sfctm2.php"

#: Credit line required by KOGL type 1 wherever the data is shown.
CREDIT = "기상청 제공"

#: The 16 ASOS stations of the reference ticker, in ticker order (= id order).
#: 고창 is 172; 251 is a different station (고창군).
REFERENCE_STATIONS: dict[int, str] = {
    98: "동두천",
    105: "강릉",
    108: "서울",
    133: "대전",
    143: "대구",
    152: "울산",
    156: "광주",
    159: "부산",
    172: "고창",
    184: "제주",
    201: "강화",
    226: "보은",
    238: "금산",
    259: "강진군",
    283: "경주시",
    294: "거제",
}

#: Every data row of kma_sfctm2 has exactly this many whitespace-separated columns.
COLUMN_COUNT = 46

# Column indexes (see the README's column list).
_COL_TM = 0
_COL_STN = 1
_COL_TA = 11
_COL_RN = 15
_COL_WC = 22
_COL_CA_TOT = 25
_COL_IR = 44

_START_MARKER = "#START7777"
_END_MARKER = "#7777END"

# Plausible air temperature range in °C; anything outside (notably the -99.0 marker) is missing.
_TA_MIN = -60.0
_TA_MAX = 60.0

# IR (precipitation indicator): 1/2 precipitation included, 3 no precipitation, 4 missing.
_IR_NO_PRECIPITATION = 3
_IR_MISSING = 4
_IR_WITH_PRECIPITATION = frozenset({1, 2})

# HTTP statuses and data.go.kr-style result codes that mean "your key / quota": never retried.
_AUTH_HTTP_STATUSES = frozenset({401, 403, 429})
_AUTH_RESULT_CODES = frozenset({"20", "22", "30", "31", "32", "33"})
_QUOTA_HINTS = ("quota", "limit", "exceed", "초과", "한도", "LIMITED_NUMBER")

_SNIPPET_CHARS = 80


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


class KmaError(Exception):
    """Base class of every KMA error. ``str()`` is always a single readable line."""

    def __init__(self, message: str) -> None:
        super().__init__(_one_line(message))


class KmaAuthError(KmaError):
    """401/403, an unregistered or unapproved key, or an exhausted quota. Never retried."""


class KmaServerError(KmaError):
    """HTTP 5xx (500/502/503/504 retried with backoff), or an error body reporting a 5xx."""


class KmaTimeout(KmaError):
    """Connect or read timeout (retried with backoff), or the fetch's deadline reached."""


class KmaNetworkError(KmaError):
    """Any other transport failure (DNS, refused or reset connection, broken HTTP). Not retried."""


class KmaPayloadError(KmaError):
    """A body that holds no observations: HTML page, JSON/XML error, empty, header only, garbage."""


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Observation:
    """One hourly observation of one station, with missing values already turned into None."""

    station_id: int
    observed_at: datetime  # aware, tz=KST
    temperature: float | None  # TA in °C; None when -99.0 or outside -60..60 (-9.0 is real)
    cloud_amount: int | None  # CA_TOT in tenths 0..10; None when -9 (not observed)
    precipitation_mm: float | None  # RN; 0.0 when IR == 3; None when truly missing
    present_weather: int | None  # WC, WMO code table 4677; None when missing
    precipitation_indicator: int | None  # IR 1..4; None when missing


@dataclass
class ParseResult:
    observations: list[Observation] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # one English line per skipped row


class _RowError(ValueError):
    """A data row that cannot be used; its message becomes one line of ``problems``."""


#: A row stamped later than now by more than this is refused (clocks differ by seconds, not more).
FUTURE_TOLERANCE = timedelta(minutes=10)
#: A row further than this from the hour asked for is refused (KMA publishes within the hour).
HOUR_WINDOW = timedelta(hours=3)


def parse_sfctm2(
    payload: bytes,
    *,
    station_ids: Iterable[int] | None = None,
    now: datetime | None = None,
    asked: datetime | None = None,
) -> ParseResult:
    """Parse a kma_sfctm2 body into observations.

    Raises ``KmaAuthError`` for a JSON/XML key or quota error and ``KmaPayloadError`` for a body
    without any data row (HTML page, other JSON/XML, empty, header only, undecodable). A data row
    that cannot be used (wrong column count, bad number, bad time) is skipped and described in
    ``problems``; the good rows are kept.

    When ``station_ids`` is given, rows of other stations are silently dropped (KMA may add
    stations to an answer; the ticker ignores unknown ones).

    With ``now`` (aware), a row stamped in the future (beyond ``FUTURE_TOLERANCE``) is a problem,
    never an observation (`209912312300` would pin the ticker); with ``asked``, so is a row more
    than ``HOUR_WINDOW`` away from the hour asked for.
    """
    wanted = None if station_ids is None else {int(s) for s in station_ids}
    text = _decode(payload)
    stripped = text.strip()
    if not stripped:
        raise KmaPayloadError("KMA answered with an empty body")
    if stripped[0] in "{[":
        raise _json_error(stripped)
    if stripped[0] == "<":
        raise _markup_error(stripped)

    result = ParseResult()
    lines = text.splitlines()
    has_start = any(line.strip().startswith(_START_MARKER) for line in lines)
    in_block = not has_start  # tolerate a body without the #START7777 marker
    candidate_rows = 0
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if line.startswith(_START_MARKER):
            in_block = True
            continue
        if line.startswith(_END_MARKER):
            break
        if not line or line.startswith("#"):
            continue
        candidate_rows += 1
        if not in_block:
            result.problems.append(
                f"line {number}: skipped a row before {_START_MARKER}: {_snippet(line)}"
            )
            continue
        try:
            observation = _parse_row(line)
            _check_time(observation, now=now, asked=asked)
        except _RowError as exc:
            result.problems.append(f"line {number}: {exc}")
            continue
        if wanted is None or observation.station_id in wanted:
            result.observations.append(observation)

    if candidate_rows == 0:
        raise KmaPayloadError(
            "KMA answered with headers but no data rows (that hour may not be published yet)"
        )
    if not result.observations and not any(_looks_like_row(line) for line in lines):
        # Plain text that is not observation data at all (e.g. a bare error message).
        first = next(line.strip() for line in lines if line.strip() and line.strip()[0] != "#")
        raise KmaPayloadError(f"KMA answered with text that holds no data rows: {_snippet(first)}")
    return result


def _parse_row(line: str) -> Observation:
    columns = line.split()
    if len(columns) != COLUMN_COUNT:
        raise _RowError(f"expected {COLUMN_COUNT} columns, found {len(columns)}: {_snippet(line)}")
    tm = columns[_COL_TM]
    if not re.fullmatch(r"\d{12}", tm, re.ASCII):
        raise _RowError(f"bad observation time {tm!r} (want YYYYMMDDHHmm): {_snippet(line)}")
    try:
        observed_at = datetime.strptime(tm, "%Y%m%d%H%M").replace(tzinfo=KST)
    except ValueError:
        raise _RowError(f"bad observation time {tm!r}: {_snippet(line)}") from None
    stn = columns[_COL_STN]
    if not re.fullmatch(r"\d+", stn, re.ASCII) or int(stn) <= 0:
        raise _RowError(f"bad station id {stn!r}: {_snippet(line)}")
    station_id = int(stn)

    try:
        ta = _number(columns[_COL_TA], "TA")
        rn = _number(columns[_COL_RN], "RN")
        wc = _integer(columns[_COL_WC], "WC")
        ca = _integer(columns[_COL_CA_TOT], "CA_TOT")
        ir = _integer(columns[_COL_IR], "IR")
    except _RowError as exc:
        raise _RowError(f"station {station_id} at {tm}: {exc}") from None

    temperature = ta if ta is not None and _TA_MIN <= ta <= _TA_MAX else None
    cloud_amount = ca if ca is not None and 0 <= ca <= 10 else None
    present_weather = wc if wc is not None and 0 <= wc <= 99 else None
    indicator = ir if ir is not None and 1 <= ir <= 4 else None
    if indicator == _IR_NO_PRECIPITATION:
        precipitation: float | None = 0.0  # RN is -9.0 here by design: it means "none"
    elif indicator == _IR_MISSING or rn is None or rn < 0:
        precipitation = None
    else:
        precipitation = rn
    return Observation(
        station_id=station_id,
        observed_at=observed_at,
        temperature=temperature,
        cloud_amount=cloud_amount,
        precipitation_mm=precipitation,
        present_weather=present_weather,
        precipitation_indicator=indicator,
    )


# Plain ASCII decimals only: float() would also read `1_0.5` as 10.5 and full-width `０.５`.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


def _check_time(obs: Observation, *, now: datetime | None, asked: datetime | None) -> None:
    stamp = f"{obs.observed_at:%Y%m%d%H%M}"
    if now is not None and obs.observed_at > now + FUTURE_TOLERANCE:
        raise _RowError(f"station {obs.station_id} at {stamp}: observation time is in the future")
    if asked is not None and abs(obs.observed_at - asked) > HOUR_WINDOW:
        raise _RowError(
            f"station {obs.station_id} at {stamp}: observation time is more than "
            f"{HOUR_WINDOW.total_seconds() / 3600:g} h from the hour asked for "
            f"({asked.astimezone(KST):%Y%m%d%H%M})"
        )


def _number(cell: str, column: str) -> float | None:
    if cell == "-":
        return None
    if not _NUMBER.fullmatch(cell):
        raise _RowError(f"bad number {cell!r} in {column}")
    value = float(cell)
    if not math.isfinite(value):
        raise _RowError(f"bad number {cell!r} in {column}")
    return value


def _integer(cell: str, column: str) -> int | None:
    value = _number(cell, column)
    if value is None:
        return None
    if value != int(value):
        raise _RowError(f"bad whole number {cell!r} in {column}")
    return int(value)


def _looks_like_row(line: str) -> bool:
    return re.match(r"\s*\d{12}\s+\d+\s", line) is not None


def _decode(payload: bytes) -> str:
    head = payload.lstrip()[:1]
    # Observation text is EUC-KR (CP949 is its superset); JSON/XML/HTML errors are usually UTF-8.
    encodings = ("utf-8-sig", "cp949") if head in (b"{", b"[", b"<") else ("cp949", "utf-8-sig")
    for encoding in encodings:
        try:
            return payload.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise KmaPayloadError(
        f"KMA answered with a body that is neither EUC-KR nor UTF-8 ({len(payload)} bytes)"
    )


def _json_error(text: str) -> KmaError:
    """Classify a JSON body (never valid for kma_sfctm2) into the matching error."""
    try:
        data = json.loads(text)
    except ValueError:
        return KmaPayloadError(f"KMA answered with malformed JSON: {_snippet(text)}")
    status, message = _json_status(data)
    return _classify_status(status, message, fallback=_snippet(text), what="JSON")


def _json_status(data: object) -> tuple[str | None, str | None]:
    """Pull (status, message) out of the API Hub and data.go.kr error shapes."""
    if not isinstance(data, dict):
        return None, None
    result = data.get("result")
    if isinstance(result, dict):  # API Hub: {"result":{"status":403,"message":"..."}}
        return _str_or_none(result.get("status")), _str_or_none(result.get("message"))
    service = data.get("OpenAPI_ServiceResponse")
    if isinstance(service, dict):  # data.go.kr gateway errors
        header = service.get("cmmMsgHeader")
        if isinstance(header, dict):
            message = header.get("returnAuthMsg") or header.get("errMsg")
            return _str_or_none(header.get("returnReasonCode")), _str_or_none(message)
    response = data.get("response")
    if isinstance(response, dict):  # data.go.kr service answers
        header = response.get("header")
        if isinstance(header, dict):
            return _str_or_none(header.get("resultCode")), _str_or_none(header.get("resultMsg"))
    return None, None


def _markup_error(text: str) -> KmaError:
    """Classify an HTML or XML body (maintenance page, gateway error...)."""
    lowered = text[:2000].lower()
    if "<html" in lowered or "<!doctype html" in lowered or "<body" in lowered:
        title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
        detail = f" (title: {_snippet(title.group(1))})" if title and title.group(1).strip() else ""
        return KmaPayloadError(f"KMA answered with an HTML page instead of observations{detail}")
    code = re.search(r"<(?:returnReasonCode|resultCode)>\s*([^<]*?)\s*<", text)
    message = re.search(r"<(?:returnAuthMsg|errMsg|resultMsg)>\s*([^<]*?)\s*<", text)
    return _classify_status(
        code.group(1) if code else None,
        message.group(1) if message else None,
        fallback=_snippet(text),
        what="XML",
    )


def _classify_status(
    status: str | None, message: str | None, *, fallback: str, what: str
) -> KmaError:
    detail = message or fallback
    if status is not None and status.isdigit() and int(status) in _AUTH_HTTP_STATUSES:
        return KmaAuthError(f"KMA refused the request (status {status}): {_snippet(detail)}")
    if status in _AUTH_RESULT_CODES or (message and _mentions_quota(message)):
        return KmaAuthError(f"KMA refused the key or quota (code {status}): {_snippet(detail)}")
    if status is not None and status.isdigit() and 500 <= int(status) <= 599:
        return KmaServerError(f"KMA reported a server error (status {status}): {_snippet(detail)}")
    label = f" (code {status})" if status is not None else ""
    return KmaPayloadError(
        f"KMA answered with {what} instead of observations{label}: {_snippet(detail)}"
    )


def _mentions_quota(message: str) -> bool:
    lowered = message.lower()
    return any(hint.lower() in lowered for hint in _QUOTA_HINTS)


def _str_or_none(value: object) -> str | None:
    if value is None:
        return None
    return str(value).strip() or None


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _snippet(text: str, limit: int = _SNIPPET_CHARS) -> str:
    flat = _one_line(text)
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# --------------------------------------------------------------------------------------------
# Sky words
# --------------------------------------------------------------------------------------------

# WMO code table 4677 ranges (inclusive) that replace the cloud word. Other codes do not.
_PRESENT_WEATHER_WORDS: tuple[tuple[int, int, str], ...] = (
    (40, 49, "안개"),
    (50, 59, "이슬비"),
    (60, 69, "비"),
    (70, 79, "눈"),
    (80, 84, "소나기"),
    (85, 86, "소낙눈"),
    (95, 99, "뇌우"),
)


def sky_word(
    *,
    cloud_amount: int | None,
    precipitation_mm: float | None,
    precipitation_indicator: int | None,
    present_weather: int | None,
) -> str | None:
    """The ticker's sky word for one observation, or None when nothing is known.

    A present-weather code (WMO 4677) in one of the ranges above wins; then precipitation in
    the last hour (RN > 0 with IR 1 or 2) gives 비; otherwise the classic cloud words:
    0-2 맑음, 3-5 구름조금, 6-8 구름많음, 9-10 흐림.
    """
    if present_weather is not None:
        for low, high, word in _PRESENT_WEATHER_WORDS:
            if low <= present_weather <= high:
                return word
    if (
        precipitation_indicator in _IR_WITH_PRECIPITATION
        and precipitation_mm is not None
        and precipitation_mm > 0
    ):
        return "비"
    if cloud_amount is None or not 0 <= cloud_amount <= 10:
        return None
    if cloud_amount <= 2:
        return "맑음"
    if cloud_amount <= 5:
        return "구름조금"
    if cloud_amount <= 8:
        return "구름많음"
    return "흐림"


# --------------------------------------------------------------------------------------------
# Fetching
# --------------------------------------------------------------------------------------------

#: Bodies larger than this are refused (a real answer for every station is a few kB).
MAX_BYTES = 2 * 1024 * 1024
_CHUNK = 64 * 1024

#: Statuses urllib3 retries: KMA's server and gateway failures. 429 is the quota (never retried).
_RETRY_STATUSES = frozenset({500, 502, 503, 504})

_HEADERS = {"Accept": "text/plain, */*", "User-Agent": "newsroom-weather-ticker/1"}

#: Makes the connections of a fetch, called as urllib3 calls a pool's ``ConnectionCls``
#: (host, port, timeout, ...) plus ``limits``. Tests pass a fake that plays KMA's answers.
ConnectionFactory = Callable[..., urllib3.connection.HTTPConnection]


@dataclass(frozen=True)
class Limits:
    """What one fetch may spend: separate connect and read timeouts, a deadline, a size."""

    connect: float  # seconds to connect (TCP and TLS)
    read: float  # seconds any one read may wait
    deadline: float  # time.monotonic() after which the fetch is abandoned, however it is going
    max_bytes: int = MAX_BYTES

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


def build_url(*, api_key: str, at: datetime | None, station_ids: Iterable[int]) -> str:
    """The kma_sfctm2 URL: ``tm`` in KST (left out for the latest hour), ``stn`` joined by ':'.

    ``at`` must be timezone-aware (any zone; it is converted to KST). An empty ``station_ids``
    asks for every station (``stn=0``).
    """
    if not api_key:
        raise ValueError("api_key is empty")
    params: list[tuple[str, str]] = []
    if at is not None:
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError("at must be timezone-aware (it is converted to Asia/Seoul)")
        params.append(("tm", at.astimezone(KST).strftime("%Y%m%d%H%M")))
    ids = list(dict.fromkeys(int(s) for s in station_ids))  # de-duplicated, order kept
    params.append(("stn", ":".join(str(s) for s in ids) if ids else "0"))
    params.append(("help", "0"))
    params.append(("authKey", api_key))
    return f"{SFCTM2_URL}?{urllib.parse.urlencode(params, safe=':')}"


def redact_url(url: str) -> str:
    """The URL with its authKey hidden, for logs and error messages."""
    return re.sub(r"(authKey=)[^&\s'\"]*", r"\1***", url)


class _HideKey(logging.Filter):
    """urllib3 logs the URLs it asks for and retries, query and so the key included."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "authKey=" in message:
            record.msg, record.args = redact_url(message), ()
        return True


# A logger's filters see only what that very logger logs: these are the ones that log URLs.
for _name in ("urllib3.connection", "urllib3.connectionpool", "urllib3.util.retry"):
    logging.getLogger(_name).addFilter(_HideKey())


def fetch_sfctm2(
    *,
    api_key: str,
    at: datetime | None,
    station_ids: Iterable[int],
    connect_timeout: float = 5,
    read_timeout: float = 15,
    deadline: float = 30,
    max_bytes: int = MAX_BYTES,
    retries: int = 3,
    backoff: float = 1.0,
    connections: ConnectionFactory | None = None,
    sleep: Callable[[float], object] = time.sleep,
) -> bytes:
    """One GET of kma_sfctm2 for all ``station_ids``; returns the raw body of a 200 answer.

    urllib3 sends it: its ``Timeout`` holds the connect and read timeouts apart, its ``Retry``
    retries timeouts and 500/502/503/504 up to ``retries`` times, waiting ``backoff * 2**n``
    seconds (1, 2, 4... by default) or what the answer's Retry-After asks. Auth and quota errors
    (401/403/429, or an error body naming one), refused connections and other network errors
    are never retried. Raises ``KmaTimeout``, ``KmaServerError``, ``KmaAuthError``,
    ``KmaNetworkError``, ``KmaPayloadError`` (JSON/XML error body with a 200, or an answer over
    ``max_bytes``) or ``KmaError`` (other HTTP statuses). HTML, empty and header-only bodies are
    returned as they are and rejected by ``parse_sfctm2``.

    ``deadline`` bounds the whole call (every attempt, read and wait) in seconds: when it is
    reached, ``KmaTimeout``. ``connections`` makes the HTTP connections (default: urllib3's,
    reading through ``_DeadlineResponse``); ``sleep`` waits between attempts.
    """
    if not api_key:
        raise KmaAuthError("KMA API key is empty (set it in the environment)")
    if retries < 0:
        raise ValueError("retries must be >= 0")
    if backoff < 0:
        raise ValueError("backoff must be >= 0")
    url = build_url(api_key=api_key, at=at, station_ids=station_ids)
    if deadline <= 0:
        raise KmaTimeout(f"KMA API: no answer within the {deadline:g}s deadline")
    limits = Limits(
        connect=connect_timeout,
        read=read_timeout,
        deadline=time.monotonic() + deadline,
        max_bytes=max_bytes,
    )
    retry = _Retry(
        total=retries,  # timeouts and statuses alike
        status_forcelist=_RETRY_STATUSES,
        backoff_factor=backoff,
        respect_retry_after_header=True,
        allowed_methods=frozenset({"GET"}),
        raise_on_status=False,  # the last 5xx is answered, with its body for the message
        deadline=limits.deadline,
        sleep=sleep,
    )
    failed = _Failure(url=redact_url(url), limits=limits, deadline=deadline)
    with _pool(url, limits=limits, connections=connections) as pool:
        try:
            response = pool.urlopen(
                "GET",
                urllib3.util.parse_url(url).request_uri,
                retries=retry,
                timeout=_Timeout(limits),
                redirect=False,
                preload_content=False,
            )
        except _GaveUp as exc:
            raise failed(exc.reason, attempts=exc.attempts) from None
        except (OSError, HTTPException, urllib3.exceptions.HTTPError) as exc:
            raise failed(exc) from None
        try:
            body = _read_capped(response, max_bytes)
        except (OSError, HTTPException, urllib3.exceptions.HTTPError) as exc:
            raise failed(exc) from None
        finally:
            response.close()
    attempts = len(response.retries.history) + 1 if response.retries else 1
    return _answer(response.status, body, where=failed.url, attempts=attempts)


class _GaveUp(urllib3.exceptions.MaxRetryError):
    """Retrying stopped (out of attempts, or of time before the deadline) after ``attempts``."""

    def __init__(self, pool: Any, url: str | None, reason: Exception, *, attempts: int) -> None:
        super().__init__(pool, url, reason)
        self.attempts = attempts


class _Retry(urllib3.Retry):
    """urllib3's Retry, with the fetch's rules where its own differ.

    - Only timeouts and ``status_forcelist`` are retried. urllib3 also retries a refused
      connection or a failed name lookup (as connect errors) and a connection broken while
      reading (as a read error); those fail at once: asking again a second later will not help.
    - The n-th retry waits ``backoff_factor * 2**(n-1)`` (1, 2, 4 s) where urllib3 waits 0, 2, 4.
    - Never past the deadline: a retry whose wait (backoff, or Retry-After) would end at or after
      it is not made, and the last error stands; each attempt's timeouts come from ``_Timeout``.
    - Retry-After is honoured on the retried statuses only, so a 429 with one is still the quota.
    - ``sleep`` is the fetch's, so a test never waits for a real backoff.
    """

    RETRY_AFTER_STATUS_CODES = _RETRY_STATUSES

    def __init__(
        self,
        *args: Any,
        deadline: float = math.inf,
        sleep: Callable[[float], object] = time.sleep,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = deadline
        self._sleep = sleep

    def new(self, **kw: Any) -> _Retry:
        kw.setdefault("deadline", self.deadline)
        kw.setdefault("sleep", self._sleep)
        return super().new(**kw)

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> _Retry:
        if error is not None and not _is_timeout(error):
            raise error
        attempts = len(self.history) + 1
        try:
            retry = super().increment(method, url, response, error, _pool, _stacktrace)
        except urllib3.exceptions.MaxRetryError as exhausted:
            raise _GaveUp(_pool, url, exhausted.reason, attempts=attempts) from error
        if time.monotonic() + retry.wait(response) >= self.deadline:
            reason = error or urllib3.exceptions.ResponseError("no time left before the deadline")
            raise _GaveUp(_pool, url, reason, attempts=attempts) from error
        return retry

    def get_backoff_time(self) -> float:
        failures = len(self.history)
        return self.backoff_factor * 2 ** (failures - 1) if failures else 0.0

    def wait(self, response: Any = None) -> float:
        """Seconds before the next attempt: a retried answer's Retry-After, else the backoff."""
        if response is not None and self.respect_retry_after_header:
            with contextlib.suppress(urllib3.exceptions.InvalidHeader):
                retry_after = self.get_retry_after(response)
                if retry_after:
                    return retry_after
        return self.get_backoff_time()

    def sleep(self, response: Any = None) -> None:
        seconds = self.wait(response)
        if seconds > 0:
            self._sleep(seconds)


def _is_timeout(error: Exception) -> bool:
    # A refused connection (NewConnectionError) is a ConnectTimeoutError by inheritance only.
    timeouts = urllib3.exceptions.TimeoutError
    return isinstance(error, timeouts) and not isinstance(
        error, urllib3.exceptions.NewConnectionError
    )


class _Timeout(urllib3.Timeout):
    """The connect and read timeouts, with ``total`` the time left before the deadline.

    urllib3 clones the timeout for every attempt, so a retry gets what is left, not the whole
    budget again; ``total`` caps the connect timeout and the wait for the first byte by it.
    """

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        # urllib3 refuses a total of 0: an attempt begun at the deadline times out at once.
        total = max(limits.remaining(), 0.001)
        super().__init__(connect=limits.connect, read=limits.read, total=total)

    def clone(self) -> _Timeout:
        return _Timeout(self.limits)


class _DeadlineResponse(http.client.HTTPResponse):
    """http.client's response, whose every read of the socket also stops at the deadline.

    urllib3's timeouts bound each read, not their sum ("if a server streams one byte every
    fifteen seconds, a timeout of 20 seconds will not trigger", its Timeout says), so a server
    trickling its headers or its body would hold the fetch for as long as it likes. Before each
    read the socket's timeout is lowered to the time left; no thread watches the socket.
    """

    def __init__(self, sock: Any, *args: Any, deadline: float, **kwargs: Any) -> None:
        super().__init__(sock, *args, **kwargs)
        self.fp = io.BufferedReader(_DeadlineReader(self.fp.detach(), sock, deadline))


class _DeadlineReader(io.RawIOBase):
    def __init__(self, raw: io.RawIOBase, sock: Any, deadline: float) -> None:
        super().__init__()
        self._raw = raw
        self._sock = sock
        self._deadline = deadline
        self._timeout = sock.gettimeout()  # urllib3's read timeout for this attempt

    def readable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._raw.fileno()

    def readinto(self, buffer: Any) -> int | None:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the fetch's deadline has passed")
        self._sock.settimeout(left if self._timeout is None else min(self._timeout, left))
        return self._raw.readinto(buffer)

    def close(self) -> None:
        self._raw.close()
        super().close()


class _DeadlineReads:
    """Makes a urllib3 connection read its answers through ``_DeadlineResponse``."""

    def __init__(self, *args: Any, limits: Limits, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.response_class = functools.partial(_DeadlineResponse, deadline=limits.deadline)


class _HTTPConnection(_DeadlineReads, urllib3.connection.HTTPConnection):
    pass


class _HTTPSConnection(_DeadlineReads, urllib3.connection.HTTPSConnection):
    pass


_CONNECTIONS: dict[str, ConnectionFactory] = {"http": _HTTPConnection, "https": _HTTPSConnection}


def _pool(
    url: str, *, limits: Limits, connections: ConnectionFactory | None
) -> urllib3.HTTPConnectionPool:
    """A pool for this one fetch, whose connections are made with the fetch's ``limits``.

    One host and one request a run: nothing for a PoolManager to share between runs, and its
    pool keys could not carry the deadline to the connections.
    """
    pool = urllib3.connectionpool.connection_from_url(
        url, maxsize=1, headers=_HEADERS, limits=limits
    )
    pool.ConnectionCls = connections or _CONNECTIONS[pool.scheme]
    return pool


def _read_capped(response: urllib3.BaseHTTPResponse, max_bytes: int) -> bytes:
    length = response.headers.get("Content-Length", "")
    if length.isascii() and length.isdigit() and int(length) > max_bytes:
        raise KmaPayloadError(f"KMA answer too large ({int(length)} bytes, limit {max_bytes})")
    body = bytearray()
    while chunk := response.read1(_CHUNK):
        body += chunk
        if len(body) > max_bytes:
            raise KmaPayloadError(f"KMA answer too large (over {max_bytes} bytes), not read")
    return bytes(body)


@dataclass(frozen=True)
class _Failure:
    """Turns a transport error into its KmaError (urllib3 names the host, never the key)."""

    url: str  # redacted
    limits: Limits
    deadline: float  # seconds, as asked

    def __call__(self, error: Exception, *, attempts: int = 1) -> KmaError:
        if isinstance(error, urllib3.exceptions.NewConnectionError):
            reason = error.__cause__ or error
            return KmaNetworkError(f"KMA API unreachable ({reason}): {self.url}")
        if not _is_timeout(error):
            reason = redact_url(f"{type(error).__name__}: {error}")
            return KmaNetworkError(f"KMA API connection failed ({reason}): {self.url}")
        if self.limits.remaining() <= 0:
            message = f"KMA API: no answer within the {self.deadline:g}s deadline"
        elif isinstance(error, urllib3.exceptions.ConnectTimeoutError):
            message = f"KMA API connect timed out (limit {self.limits.connect:g}s): {self.url}"
        else:
            message = f"KMA API read timed out (limit {self.limits.read:g}s): {self.url}"
        return KmaTimeout(message + _gave_up(attempts))


def _gave_up(attempts: int) -> str:
    return f" (gave up after {attempts} attempts)" if attempts > 1 else ""


def _answer(status: int, body: bytes, *, where: str, attempts: int) -> bytes:
    """The body of a 200 answer, or the KmaError its status or its error body stands for.

    KMA also answers with HTTP 200 and a JSON or XML error body: a refused key, an exhausted
    quota, sometimes a failure of its own. Those are answers, not transport failures, and
    urllib3's Retry (which sees statuses, never bodies) leaves them to us. None is retried
    within the run: a key or quota error needs a person, and an error body reporting a 5xx is
    left to the next scheduled run (ten minutes on) rather than to a second retry loop beside
    urllib3's. An HTTP 5xx has been retried by urllib3 by the time it gets here.
    """
    if status == 200:
        head = body.lstrip()[:1]
        if head in (b"{", b"["):
            raise _json_error(_decode(body).strip())
        if head == b"<" and b"<html" not in body[:2000].lower():
            raise _markup_error(_decode(body).strip())
        return body
    detail = _error_detail(body)
    if status in _AUTH_HTTP_STATUSES:
        raise KmaAuthError(f"KMA API refused the request (HTTP {status}){detail}")
    if 500 <= status <= 599:
        raise KmaServerError(f"KMA API server error (HTTP {status}){detail}{_gave_up(attempts)}")
    raise KmaError(f"KMA API answered HTTP {status}{detail}: {where}")


def _error_detail(body: bytes) -> str:
    """A short ': message' suffix taken from an error body, or '' when there is nothing useful."""
    if not body.strip():
        return ""
    try:
        text = _decode(body).strip()
    except KmaPayloadError:
        return ""
    if text[:1] in "{[":
        try:
            _, message = _json_status(json.loads(text))
        except ValueError:
            message = None
        return f": {_snippet(message or text)}"
    if text[:1] == "<":
        title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
        return f": {_snippet(title.group(1))}" if title and title.group(1).strip() else ""
    return f": {_snippet(text)}"
