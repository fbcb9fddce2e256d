"""The reader site's cache keys: a site-wide "content generation" plus a version per scope.

Every cached piece of a public page is stored under a key that holds the site's content
generation and the versions of the scopes it was built from:
- `lists`: every list of articles (home, 전체기사, section, tag, reporter and series lists,
  많이 본 뉴스, the section blocks, feeds, sitemaps, search results);
- `article:<id>`: one article's own page data;
- `section:<id>` and `series:<id>`: an article page's "same section" fallback and its series
  navigation.
A change bumps what it touches and nothing else: `bump_article()` for an article (its own scope,
the articles that link to it as related, its section and series before and after, and the
lists), `bump_generation()` for everything (a section renamed, a tag, a reporter, a photo, the
site's details, a correction). The old keys are simply never read again and the cache's own expiry
cleans them up. No list of keys to purge, nothing to forget.

What a whole page depends on is recorded while it renders (`recording()`, every scope a piece
of it read, with the version read) and checked on every hit (`scopes_current()`): an article
page stays cached while other articles are published, and is rendered anew once its own
article changes.

Scopes whose content changes by itself when a scheduled article's time comes (`lists`,
`section:*`, `series:*`) expire at that moment (see `register_expiry`); their new version is
created by the next reader, so a scheduled article becomes public without any save.

Other apps call `bump_generation()` after a change that alters public pages and use `cached()`
for their own generation-bound data.
"""

import contextvars
import hashlib
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from datetime import datetime
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django_redis.exceptions import ConnectionInterrupted

GENERATION_KEY = "newsroom:content-generation"
SCOPE_KEY_PREFIX = "newsroom:scope:"
# Every list of articles: what a publish or an edit of any article changes.
LISTS = "lists"
# The cache alias for what can always be rebuilt (whole pages, generation-bound fragments), so a
# flood of pages can never push out what must stay: the generation, counters, locks (default).
PAGE_CACHE_ALIAS = "pages"
# Longest life of a generation: even with no change at all, cached pages are rebuilt this often.
GENERATION_MAX_SECONDS = 24 * 60 * 60

_expiry_sources: list[Callable[[], datetime | None]] = []


def register_expiry(source: Callable[[], datetime | None]) -> None:
    """Register a function that returns the next moment public content changes by itself
    (e.g. the next scheduled article's publish time), or None."""
    if source not in _expiry_sources:
        _expiry_sources.append(source)


def _generation_lifetime() -> int:
    now = timezone.now()
    seconds = GENERATION_MAX_SECONDS
    for source in _expiry_sources:
        moment = source()
        if moment is not None:
            # One second past the moment, so the new generation sees the article as public.
            seconds = min(seconds, max(1, int((moment - now).total_seconds()) + 1))
    return seconds


class LocalMemo:
    """Values this process keeps for at most PAGE_CACHE_LOCAL_SECONDS (0: not at all).

    For what every page reads from the shared cache and what rarely changes: the content
    generation, the banners' live set, the weather ticker. A hit in the page cache then costs one
    round trip to Redis, not five. A change made in this process clears every memo at once
    (`clear_local_memos()`, called by `bump_generation()` and the apps' own invalidations); other
    processes and servers see it when their memo expires, so within about a second.
    """

    def __init__(self):
        self._values: dict[Any, tuple[float, Any]] = {}

    def get(self, key: Any, builder: Callable[[], Any]) -> Any:
        seconds = getattr(settings, "PAGE_CACHE_LOCAL_SECONDS", 0)
        if seconds <= 0:
            return builder()
        now = time.monotonic()
        hit = self._values.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = builder()
        self.put(key, value)
        return value

    def put(self, key: Any, value: Any) -> None:
        seconds = getattr(settings, "PAGE_CACHE_LOCAL_SECONDS", 0)
        if seconds <= 0:
            return
        if len(self._values) > 1000:  # keys are few; a bound in case a caller varies them
            self._values.clear()
        self._values[key] = (time.monotonic() + seconds, value)

    def peek(self, key: Any) -> Any:
        """The value kept for `key` if it is still fresh, else None (builds nothing)."""
        hit = self._values.get(key)
        return hit[1] if hit is not None and hit[0] > time.monotonic() else None

    def clear(self) -> None:
        self._values.clear()


_memos: list[LocalMemo] = []


def local_memo() -> LocalMemo:
    memo = LocalMemo()
    _memos.append(memo)
    return memo


def clear_local_memos() -> None:
    for memo in _memos:
        memo.clear()


_generation_memo = local_memo()


def _shared_generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        value = time.time_ns()
        if not cache.add(GENERATION_KEY, value, GENERATION_MAX_SECONDS):
            value = cache.get(GENERATION_KEY, value)
    return value


def generation() -> int:
    """The current content generation (created on first use)."""
    return _generation_memo.get(GENERATION_KEY, _shared_generation)


def peek_generation() -> int | None:
    """The current content generation, or None when there is none yet (never creates one)."""
    value = _generation_memo.peek(GENERATION_KEY)
    if value is None:
        value = cache.get(GENERATION_KEY)
        if value is not None:
            _generation_memo.put(GENERATION_KEY, value)
    return value


def bump_generation() -> None:
    """Make every cached public page fragment stale at once (call after a public change that
    is not one article's: a section, a tag, a reporter, the site's details …).

    The new generation is set here, in the writer's request, rather than left for the next
    reader to create: the page cache only looks a generation up (`peek_generation`)."""
    clear_local_memos()
    cache.set(GENERATION_KEY, time.time_ns(), GENERATION_MAX_SECONDS)


# --- Scopes -------------------------------------------------------------------------------------

_scope_memo = local_memo()
# While a page renders for the page cache: every scope read, with the version read first.
_reads: contextvars.ContextVar[dict[str, int] | None] = contextvars.ContextVar(
    "newsroom_scope_reads", default=None
)


def _scope_key(scope: str) -> str:
    return SCOPE_KEY_PREFIX + scope


def _follows_schedule(scope: str) -> bool:
    return scope == LISTS or scope.startswith(("section:", "series:"))


def scope_versions(scopes: Iterable[str]) -> tuple[int, ...]:
    """The current version of each scope (created when missing), recorded for the page being
    rendered."""
    scopes = tuple(scopes)
    values: dict[str, int] = {}
    missing = []
    for scope in scopes:
        value = _scope_memo.peek(scope)
        if value is None:
            missing.append(scope)
        else:
            values[scope] = value
    lasting = [scope for scope in missing if not _follows_schedule(scope)]
    if lasting:
        # An article's scope, created by its first reader: read or created in one command.
        found = _add_or_get(lasting)
        for scope, value in found.items():
            _scope_memo.put(scope, value)
            values[scope] = value
        missing = [scope for scope in missing if scope not in found]
    if missing:
        found = cache.get_many([_scope_key(scope) for scope in missing])
        for scope in missing:
            value = found.get(_scope_key(scope))
            if value is None:
                value = time.time_ns()
                lifetime = (
                    _generation_lifetime() if _follows_schedule(scope) else GENERATION_MAX_SECONDS
                )
                if not cache.add(_scope_key(scope), value, lifetime):
                    value = cache.get(_scope_key(scope), value)
            _scope_memo.put(scope, value)
            values[scope] = value
    reads = _reads.get()
    if reads is not None:
        for scope, value in values.items():
            reads.setdefault(scope, value)
    return tuple(values[scope] for scope in scopes)


def _add_or_get(scopes: list[str]) -> dict[str, int]:
    """{scope: version} of scopes that do not follow the schedule (their lifetime is fixed),
    each created now unless it exists, in one round trip on our Redis client; {} elsewhere (the
    local-memory cache of the tests and development) or when Redis cannot answer: the caller
    reads them as before."""
    add_or_get_many = getattr(getattr(cache, "client", None), "add_or_get_many", None)
    if add_or_get_many is None:
        return {}
    keys = {_scope_key(scope): scope for scope in scopes}
    try:
        found = add_or_get_many(list(keys), time.time_ns(), timeout=GENERATION_MAX_SECONDS)
    except ConnectionInterrupted:
        return {}
    return {keys[key]: value for key, value in found.items() if isinstance(value, int)}


def scopes_current(read: tuple[tuple[str, int], ...]) -> bool:
    """Whether every scope still has the version a page was rendered with (never creates a
    version: a missing one means the page is stale).

    This process's memo of a version may be behind the cache for up to
    PAGE_CACHE_LOCAL_SECONDS: another process bumped the scope and stored the page rendered
    after it. Where the memo and the page disagree, the cache decides (one more read), and the
    memo learns the new version: otherwise this process would take the newer page for stale,
    render it again from its older memo and store that over it, and the processes would take
    turns rendering the page until their memos agree (an edit every second under load cost a
    tenth of the requests)."""
    if not read:
        return True
    current: dict[str, int | None] = {}
    missing = []
    for scope, _ in read:
        value = _scope_memo.peek(scope)
        if value is None:
            missing.append(scope)
        current[scope] = value
    if missing:
        _read_scopes(missing, current)
    differing = [scope for scope, version in read if current[scope] != version]
    if differing and not set(differing) <= set(missing):
        _read_scopes(differing, current)
    return all(current[scope] == version for scope, version in read)


def _read_scopes(scopes: list[str], into: dict[str, int | None]) -> None:
    """The cache's versions of `scopes`, into `into` and this process's memo."""
    found = cache.get_many([_scope_key(scope) for scope in scopes])
    for scope in scopes:
        value = found.get(_scope_key(scope))
        if value is not None:
            _scope_memo.put(scope, value)
        into[scope] = value


@contextmanager
def recording():
    """Collect the scopes read inside (a page rendered for the page cache)."""
    reads: dict[str, int] = {}
    token = _reads.set(reads)
    try:
        yield reads
    finally:
        _reads.reset(token)


def bump_scopes(scopes: Iterable[str]) -> None:
    """Give each scope a new version: every piece built from it is stale (lists, an article, a
    section …); nothing else is."""
    scopes = set(scopes)
    clear_local_memos()
    value = time.time_ns()
    scheduled = [scope for scope in scopes if _follows_schedule(scope)]
    others = [scope for scope in scopes if not _follows_schedule(scope)]
    try:
        if scheduled:
            lifetime = _generation_lifetime()
            cache.set_many({_scope_key(scope): value for scope in scheduled}, lifetime)
    except Exception:
        # Whatever failed (the scheduled articles' query), the old versions must not stay.
        cache.delete_many([_scope_key(scope) for scope in scopes])
        raise
    if others:
        cache.set_many({_scope_key(scope): value for scope in others}, GENERATION_MAX_SECONDS)


def page_cache():
    """The cache of pages and fragments: the `pages` alias (its own bounded Redis when
    PAGE_CACHE_REDIS_URL is set), or the default cache where CACHES names no such alias."""
    return caches[PAGE_CACHE_ALIAS] if PAGE_CACHE_ALIAS in settings.CACHES else cache


def page_cache_seconds() -> int:
    return settings.PAGE_CACHE_SECONDS


def generation_key(name: str, current: int | None = None, *, scopes: Iterable[str] = ()) -> str:
    """The cache key of `name` in the current generation (or in `current`) and the current
    versions of `scopes`; names from URLs (Korean tag slugs, long paths) are hashed so every
    cache backend accepts the key."""
    if len(name) > 150 or not name.isascii() or not name.isprintable() or " " in name:
        name = "h:" + hashlib.sha256(name.encode()).hexdigest()
    versions = ".".join(map(str, scope_versions(scopes)))
    return f"newsroom:gen{current if current is not None else generation()}:{versions}:{name}"


def cached(
    name: str,
    builder: Callable[[], Any],
    *,
    timeout: int | None = None,
    scopes: Iterable[str] = (LISTS,),
) -> Any:
    """`builder()`'s result, cached under `name` for the current generation and the current
    versions of `scopes` (by default the article lists: any article's change makes it stale;
    `()` for what only a site-wide change alters).

    A `None` result is cached too (stored wrapped in a tuple), so a missing object costs one
    query per generation, not one per request. With the cache off (PAGE_CACHE_SECONDS=0 and
    no `timeout`) the builder runs and the cache is not asked at all.
    """
    if not (timeout or page_cache_seconds()):
        return builder()
    key = generation_key(name, scopes=scopes)
    hit = page_cache().get(key)
    if hit is not None:
        return hit[0]
    value = builder()
    page_cache().set(key, (value,), timeout or page_cache_seconds())
    return value


def fragment_cache_seconds() -> int:
    return settings.FRAGMENT_CACHE_SECONDS


# Fragments this process has just read, by their full key (generation and scope versions in it),
# so a page that shows five of them asks the shared cache for none within the memo's second.
_fragment_memo = local_memo()


def cached_fragment(name: str, render: Callable[[], Any], *, scopes: Iterable[str] = (LISTS,)):
    """`render()`'s result (a block's HTML or its pieces, or the short list a block shows), kept
    FRAGMENT_CACHE_SECONDS for the current generation and the current versions of `scopes`,
    whether the page cache is on or not.

    The same keys as `cached()`: a change bumps the generation or a scope and the old fragment is
    never read again (a scheduled article's time expires the lists' version, so a fragment built
    from the lists follows it too). Reading the key records the scopes for the page being
    rendered for the page cache. With FRAGMENT_CACHE_SECONDS=0 `render()` runs every time.

    Kept in the default cache, not the pages' one: a few fragments per generation and lists
    version (the menu per section, the footer, the home page, the side boxes, a section's newest
    articles), each gone after FRAGMENT_CACHE_SECONDS: they stay few, and a flood of pages
    cannot push them out."""
    seconds = fragment_cache_seconds()
    if seconds <= 0:
        return render()
    key = generation_key(f"fragment:{name}", scopes=scopes)

    def load():
        hit = cache.get(key)
        if hit is not None:
            return hit[0]
        value = render()
        cache.set(key, (value,), seconds)
        return value

    return _fragment_memo.get(key, load)


def cache_response(name: str, *, max_age: int = 300):
    """Cache a GET view's successful responses for the current generation and article lists
    (feeds, sitemaps, robots.txt: pages with no per-request parts), and let browsers and proxies
    keep them `max_age` seconds."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in {"GET", "HEAD"}:
                return view(request, *args, **kwargs)
            # Only the sitemap's page parameter varies the response; other query strings must
            # not fill the cache with copies.
            page = request.GET.get("p", "")
            key = generation_key(f"response:{name}:{request.path}:{page}", scopes=(LISTS,))
            stored = page_cache().get(key) if page_cache_seconds() else None
            if stored is not None:
                content, content_type = stored
                response = HttpResponse(content, content_type=content_type)
            else:
                response = view(request, *args, **kwargs)
                if hasattr(response, "render") and callable(response.render):
                    response = response.render()
                if response.status_code != 200 or response.streaming:
                    return response
                if page_cache_seconds():
                    page_cache().set(
                        key, (response.content, response["Content-Type"]), page_cache_seconds()
                    )
            patch_cache_control(response, public=True, max_age=max_age)
            return response

        return wrapper

    return decorator
