"""The page cache: whole reader pages, rendered once per content generation, with their live
parts filled in on every request.

An anonymous reader's page is the same for everyone until the newsroom changes something, except
for a few parts that belong to the moment: the banner slots (a weighted draw, and an impression
counted per view), the date bar (the day turns at midnight, not when an article is saved) and the
weather ticker (readings come every hour, and "current" turns "stale" with time). A page rendered
for the cache writes those parts as markers (`live_part()` in the template tags); the cache keeps
the page as literal pieces and markers, and every request, the one that rendered it included,
fills the markers in. Templates and queries run once per page and generation; rotation,
counting and the date stay exact for every reader.

`PageCacheMiddleware` sits near the top of MIDDLEWARE, so a hit skips sessions, auth, CSRF and
the view. Only anonymous requests take part: a request with a session cookie (signed-in staff)
neither reads nor stores pages. Only responses a view marks with `mark_cacheable()` are stored (200,
no Set-Cookie), under the current content generation (`newsroom.pagecache.generation`), so a change
that bumps the generation reaches every page at once. What the view does on every request besides
rendering (counting an article's view) is registered as a hit action and runs on hits too. Live
parts and hit actions are registered in the apps' `ready()`: a worker's first request may be a hit,
before any template of that app has been loaded. The middleware also opens one counter batch per
request (newsroom.pagecache.counters), so a page's impressions cost one round trip.

A page that is missing or stale is rendered by one request at a time (a render lock in the
cache): while it renders, the other readers of that page get the stale copy when there is one
(an edit a moment ago left it behind), otherwise they wait for the render's result. On Redis
the lookup takes a missing page's lock in the same command, and the page's store and the lock's
release go with the request's counts in one round trip at its end.

Live parts that read the default cache on every request (the banners: a reader's counts of
capped campaigns) name their keys with `register_lookup_read`; when the page cache and the
default cache are one Redis server (no PAGE_CACHE_REDIS_URL), the page's lookup fetches them in
the same command (`prefetched`), so a hit costs one read, not two. With the page cache on a
server of its own the reads and the writes of the two caches stay apart (one command or
pipeline cannot span two servers).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.functional import cached_property
from django.utils.safestring import SafeString, mark_safe

from . import counters
from .generation import (
    PAGE_CACHE_ALIAS,
    generation_key,
    page_cache,
    page_cache_seconds,
    peek_generation,
    recording,
    scopes_current,
)

logger = logging.getLogger(__name__)

CAPTURE_ATTRIBUTE = "_page_cache_capture"
# Set while a page renders for the page cache under a key (it may be stored: stores_page()).
STORE_ATTRIBUTE = "_page_cache_storing"
# Query parameters that only tell where a reader came from: the same page for the cache.
TRACKING_PARAMETER = re.compile(r"^(utm_\w+|fbclid|gclid|dclid|msclkid|igshid|mc_\w+|_ga)$")
# Headers a hit must not repeat from the stored response.
NOT_STORED_HEADERS = {"content-length", "set-cookie", "date"}

LiveFill = Callable[..., str]
HitAction = Callable[..., None]
_live_parts: dict[str, LiveFill] = {}
_hit_actions: dict[str, HitAction] = {}
_lookup_reads: list[Callable[..., list[str]]] = []
PREFETCH_ATTRIBUTE = "_page_cache_prefetched"


def register_live_part(name: str, fill: LiveFill) -> None:
    """`fill(request, argument) -> html` renders the live part `name` for one request."""
    _live_parts[name] = fill


def register_hit_action(name: str, action: HitAction) -> None:
    """`action(request, *arguments)` runs on every request that a cached page answers."""
    _hit_actions[name] = action


def register_lookup_read(keys_of: Callable[..., list[str]]) -> None:
    """`keys_of(request) -> [key, …]`: keys of the default cache this request's live parts
    will read, fetched with the page's own lookup when both caches are one Redis server."""
    if keys_of not in _lookup_reads:
        _lookup_reads.append(keys_of)


def prefetched(request) -> dict:
    """What the page's lookup fetched for the live parts: {key: value or None} for every key
    it read ({} when it read none: ask the cache)."""
    return getattr(request, PREFETCH_ATTRIBUTE, {}) if request is not None else {}


# --- Markers ----------------------------------------------------------------------------------


class _Markers:
    """The marker syntax, with a token only this site knows (derived from SECRET_KEY), so no
    text of an article or a banner can pose as a marker. Stable across processes, so a page's
    ETag is the same whichever worker rendered it."""

    @cached_property
    def token(self) -> str:
        key = settings.SECRET_KEY.encode()
        return hmac.new(key, b"newsroom.pagecache.marker", hashlib.sha256).hexdigest()[:16]

    @cached_property
    def pattern(self) -> re.Pattern:
        return re.compile(rf"<!--live:{self.token}:([a-z0-9-]+):([a-z0-9-]*)-->")

    def marker(self, name: str, argument: str) -> str:
        return f"<!--live:{self.token}:{name}:{argument}-->"


_markers = _Markers()


def stores_page(request, *, reads: frozenset[str] = frozenset()) -> bool:
    """Whether the page this request renders will be kept by the page cache, if its view marks
    it cacheable with `reads`: it renders for the cache under a page key, as a GET whose query
    names no other parameter (`_storable`). What the page is built from need not then be kept
    beside it: the next reader gets the whole page."""
    return (
        request is not None
        and getattr(request, STORE_ATTRIBUTE, False)
        and request.method == "GET"
        and {name for name, _ in _query(request)} <= reads
    )


def live_part(request, name: str, argument: str = "") -> SafeString:
    """What a template tag outputs for a live part: a marker while the page is being rendered
    for the cache, the part itself otherwise."""
    if request is not None and getattr(request, CAPTURE_ATTRIBUTE, False):
        return mark_safe(_markers.marker(name, argument))  # noqa: S308 -- our own marker
    return mark_safe(_live_parts[name](request, argument))  # noqa: S308 -- fills return HTML


def split_page(content: str) -> tuple:
    """The page as (literal, (name, argument), literal, …); literals only when it has no live
    parts."""
    pieces: list = []
    position = 0
    for match in _markers.pattern.finditer(content):
        pieces.append(content[position : match.start()])
        pieces.append((match.group(1), match.group(2)))
        position = match.end()
    pieces.append(content[position:])
    return tuple(pieces)


def _filled(request, pieces: tuple):
    """The page's pieces with every live part rendered for this request; a part that fails is
    left out (and logged): a banner or the ticker must never take the page down."""
    for piece in pieces:
        if type(piece) is tuple:
            name, argument = piece
            try:
                yield _live_parts[name](request, argument)
            except Exception:
                logger.exception("live part %s:%s failed", name, argument)
        else:
            yield piece


def fill_page(request, pieces: tuple) -> str:
    """The page with every live part rendered for this request."""
    return "".join(_filled(request, pieces))


def fill_page_bytes(request, pieces: tuple) -> bytes:
    """`fill_page` as the response's bytes (UTF-8): a stored page keeps its literal pieces
    encoded (`_store`), so a hit encodes only its live parts, not the whole page."""
    return b"".join(
        piece if type(piece) is bytes else piece.encode() for piece in _filled(request, pieces)
    )


def render_pieces(request, render: Callable[[], str]) -> tuple:
    """`render()`'s HTML with its live parts written as markers, split into pieces: what a cached
    fragment keeps, so a banner inside it is still drawn (and counted) per request."""
    if request is None:
        return (render(),)
    capturing = getattr(request, CAPTURE_ATTRIBUTE, False)
    setattr(request, CAPTURE_ATTRIBUTE, True)
    try:
        return split_page(render())
    finally:
        setattr(request, CAPTURE_ATTRIBUTE, capturing)


def fill_pieces(request, pieces: tuple) -> SafeString:
    """A fragment's pieces as HTML for this request: its live parts filled in, or left as
    markers while the page around it is being rendered for the page cache (which fills them)."""
    if request is not None and getattr(request, CAPTURE_ATTRIBUTE, False):
        html = "".join(
            piece if isinstance(piece, str) else _markers.marker(*piece) for piece in pieces
        )
    else:
        html = fill_page(request, pieces)
    return mark_safe(html)  # noqa: S308 -- our templates' output and our live parts


# --- What a view says about its response ------------------------------------------------------


def mark_cacheable(response, *, reads: frozenset[str] = frozenset()) -> None:
    """Let the page cache store this response; `reads` names the query parameters the view
    read (a list's `page`). A request with any other parameter is answered but never stored:
    `/?x=<random>` must not add a copy of the same page per value."""
    response.page_cacheable = True
    response.page_cache_reads = frozenset(reads)


def add_hit_action(response, name: str, *arguments) -> None:
    """Run the registered hit action `name` with `arguments` whenever a later request is
    answered with this response from the cache."""
    if not hasattr(response, "page_cache_hit_actions"):
        response.page_cache_hit_actions = []
    response.page_cache_hit_actions.append((name, *arguments))


# --- The stored page --------------------------------------------------------------------------


@dataclass(frozen=True)
class CachedPage:
    pieces: tuple  # literals (UTF-8 bytes) and live parts ((name, argument))
    headers: tuple  # (name, value) pairs
    hit_actions: tuple
    etag: str
    csp: tuple = ()  # (attribute, value) pairs of django-csp's decorators
    # (scope, version) of every scope its pieces were built from (generation.recording()): a
    # hit is a hit only while they are all current.
    scopes: tuple = ()


def _query(request) -> list[tuple[str, str]]:
    """The query without the readers' tracking parameters, in a stable order."""
    return sorted(
        (name, value)
        for name, value in parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True)
        if not TRACKING_PARAMETER.match(name)
    )


def page_key(request) -> str | None:
    """The cache key of a request's page: path and query, without the readers' tracking
    parameters and in a stable order, in the current generation. (Only a page whose view reads
    every parameter of the query is ever stored under it: `_storable`.)

    None while there is no generation: creating one asks the database when the next scheduled
    article is due, and a lookup must not (in a database outage the view alone should try, and
    answer with the 503 page). The view creates the generation; the next request is cached.
    """
    current = peek_generation()
    if current is None:
        return None
    return generation_key(f"page:{request.path}?{urlencode(_query(request))}", current)


def takes_part(request) -> bool:
    """Anonymous GETs and HEADs, while the page cache is on."""
    return (
        request.method in {"GET", "HEAD"}
        and page_cache_seconds() > 0
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
    )


def _storable(request, response) -> bool:
    return (
        request.method == "GET"
        and response.status_code == 200
        and getattr(response, "page_cacheable", False)
        and not response.streaming
        and not response.cookies
        and "private" not in response.get("Cache-Control", "")
        and {name for name, _ in _query(request)} <= getattr(response, "page_cache_reads", set())
    )


# What django-csp's decorators leave on a response for its middleware (which sits above this
# one and writes the policy, with a fresh nonce, on every response, hits included).
CSP_ATTRIBUTES = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt")


def _store(
    request, response, key: str, content: str, pieces: tuple, scopes: dict | None = None
) -> None:
    nonce = getattr(request, "csp_nonce", None)
    if nonce and str(nonce) in content:
        return  # an inline script carries this request's nonce: not shareable
    if (response.charset or "utf-8").lower().replace("-", "") != "utf8":
        return  # the stored literals are UTF-8 (every page of ours is)
    headers = tuple(
        (name, value) for name, value in response.items() if name.lower() not in NOT_STORED_HEADERS
    )
    page = CachedPage(
        # Literals as the response's bytes: no decoding when the page is read, no encoding
        # when it is served.
        pieces=tuple(piece.encode() if type(piece) is str else piece for piece in pieces),
        headers=headers,
        hit_actions=tuple(getattr(response, "page_cache_hit_actions", ())),
        etag=response.get("ETag", ""),
        csp=tuple(
            (name, getattr(response, name)) for name in CSP_ATTRIBUTES if hasattr(response, name)
        ),
        scopes=tuple(sorted((scopes or {}).items())),
    )
    # With the request's counts: in their round trip when both caches are one Redis server.
    counters.write(page_cache(), key, page, timeout=page_cache_seconds())


def _current(page) -> CachedPage | None:
    """The stored page if every scope it was built from is still current, else None (stale:
    another article's publish leaves an article page alone, its own edit does not)."""
    if not isinstance(page, CachedPage):
        return None
    try:
        return page if scopes_current(page.scopes) else None
    except Exception:
        logger.warning("page cache scopes unavailable", exc_info=True)
        return None


def _one_server() -> bool:
    """Whether the page cache and the default cache live on one Redis server (the same
    LOCATION; django-redis with our client, which has `lookup`)."""
    pages = settings.CACHES.get(PAGE_CACHE_ALIAS)
    return pages is not None and pages.get("LOCATION") == settings.CACHES["default"].get("LOCATION")


def _lookup(request, key: str) -> tuple:
    """(the stored page under `key` or None, whether this request took the page's render lock).

    On Redis one command reads the page, takes the render lock when the page is missing, and,
    when the default cache is on the same server, reads the keys the live parts will read
    (`register_lookup_read`, kept for them: `prefetched`). The lock's answer is None when it was
    not asked for (a page was there, or another backend): `_claim_render` asks when needed."""
    lookup = getattr(getattr(page_cache(), "client", None), "lookup", None)
    if lookup is None:
        return page_cache().get(key), None
    other = getattr(cache, "client", None) if _lookup_reads and _one_server() else None
    keys: list[str] = []
    for keys_of in _lookup_reads if other is not None else ():
        try:
            keys += keys_of(request)
        except Exception:  # the live part reads for itself later
            logger.exception("page cache lookup read %s failed", keys_of)
    page, values, claimed = lookup(
        key, lock=_lock_key(key), lock_seconds=RENDER_LOCK_SECONDS, other=other, other_keys=keys
    )
    if keys:
        setattr(request, PREFETCH_ATTRIBUTE, values)
    return page, claimed


def _serve(request, page: CachedPage) -> HttpResponse:
    response = HttpResponse()
    for name, value in page.headers:
        response[name] = value
    for name, value in page.csp:
        setattr(response, name, value)
    for name, *arguments in page.hit_actions:
        try:
            _hit_actions[name](request, *arguments)
        except Exception:  # a counter must not cost the reader the page
            logger.exception("page cache hit action %s failed", name)
    if page.etag:
        conditional = get_conditional_response(request, etag=page.etag, response=response)
        if conditional is not response:
            return conditional
    response.content = fill_page_bytes(request, page.pieces)
    response["Content-Length"] = str(len(response.content))
    return response


# --- One render per missing page ----------------------------------------------------------------

# How long a render lock lives if its holder never lets go (a worker killed mid-render).
RENDER_LOCK_SECONDS = 10


def _lock_key(key: str) -> str:
    return f"{key}:rendering"


def _claim_render(key: str) -> bool:
    """True when this request should render the page: it took the page's render lock, or no
    lock can be had (the cache is down, or the holder let go in the meantime)."""
    lock = _lock_key(key)
    try:
        return (
            bool(page_cache().add(lock, 1, RENDER_LOCK_SECONDS)) or page_cache().get(lock) is None
        )
    except Exception:  # a cache that fails must cost the reader nothing but the render
        logger.warning("page cache render lock unavailable", exc_info=True)
        return True


def _release_render(key: str) -> None:
    # Stored or not (a 404, a query the view does not read), the lock goes: nothing is left
    # behind for a page that is not kept, and whoever waits renders it at once. (After the
    # page's store, in the same round trip on one Redis server; never raises.)
    counters.write(page_cache(), _lock_key(key))


def _await_render(request, key: str) -> HttpResponse | None:
    """Wait for the request that is rendering this page; its page when it is stored, None when
    the wait is over (the renderer failed, could not store it, or took too long)."""
    deadline = time.monotonic() + settings.PAGE_CACHE_RENDER_WAIT_MS / 1000
    pause = 0.005
    while time.monotonic() < deadline:
        time.sleep(pause)
        pause = min(pause * 2, 0.05)
        try:
            # The page and its lock read together: the renderer stores the page before it lets
            # go of the lock, so no lock and no page means that nothing was stored (read apart,
            # both could be done between the two reads).
            found = page_cache().get_many([key, _lock_key(key)])
            page = _current(found.get(key))
            if page is not None:
                return _serve(request, page)
            if _lock_key(key) not in found:
                return None
        except Exception:
            return None
    return None


class PageCacheMiddleware:
    """Answers anonymous readers from the page cache; stores the pages views mark cacheable.

    Place it after SecurityMiddleware, WhiteNoise and DatabaseOutageMiddleware and before
    SessionMiddleware: a hit then costs no session, no user, no database.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # What the request counts (banner impressions) goes to the cache in one round trip.
        with counters.batch():
            return self._respond(request)

    def _respond(self, request):
        if not takes_part(request):
            return self.get_response(request)
        # A hit skips CommonMiddleware, which checks the host: a page is never the answer to
        # a request for another site (DisallowedHost: a 400).
        request.get_host()
        key = page_key(request)
        stored, claimed = _lookup(request, key) if key else (None, None)
        page = _current(stored)
        if page is not None:
            return _serve(request, page)
        # A miss renders once: other readers of the same page get the copy it replaces (an
        # edit made it stale a moment ago), or wait for that render. (A missing page's lock
        # was asked for by the lookup; a stale one's is asked for now.)
        if claimed is None and key:
            claimed = _claim_render(key)
        if key and not claimed:
            if isinstance(stored, CachedPage):
                return _serve(request, stored)
            waited = _await_render(request, key)
            if waited is not None:
                return waited
            key = None  # rendered here, stored by the request that holds the lock (or nobody)
        try:
            return self._render(request, key)
        finally:
            if key:
                _release_render(key)

    def _render(self, request, key: str | None) -> HttpResponse:
        setattr(request, CAPTURE_ATTRIBUTE, True)
        setattr(request, STORE_ATTRIBUTE, key is not None)
        with recording() as scopes:
            response = self.get_response(request)
        setattr(request, CAPTURE_ATTRIBUTE, False)
        setattr(request, STORE_ATTRIBUTE, False)
        if response.streaming or response.status_code == 304:
            return response
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        content = response.content.decode(response.charset or "utf-8", errors="replace")
        pieces = split_page(content)
        if key and _storable(request, response):
            _store(request, response, key, content, pieces, scopes)
        # Every page rendered while capturing (a 404 page has banners too) holds markers.
        if len(pieces) > 1:
            response.content = fill_page(request, pieces)
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response
