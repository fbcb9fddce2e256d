"""A miss under load renders once (issue 18): when many readers ask for the same page that is not
in the cache, one request renders it and the others get that result; a renderer that cannot store
its page, a crashed renderer and a cache that fails never hold readers up for long."""

import threading
import time

import pytest
from django.http import HttpResponse

from newsroom.pagecache import pages as pagecache
from newsroom.pagecache.generation import bump_generation, page_cache
from newsroom.pagecache.pages import PageCacheMiddleware, mark_cacheable, page_key

pytestmark = pytest.mark.django_db

READERS = 16


class SlowView:
    """A page that takes `seconds` to render; counts its renders."""

    def __init__(self, seconds=0.2, *, cacheable=True, status=200):
        self.seconds, self.cacheable, self.status = seconds, cacheable, status
        self.renders = 0
        self._lock = threading.Lock()

    def __call__(self, request):
        with self._lock:
            self.renders += 1
        if self.seconds:
            time.sleep(self.seconds)
        response = HttpResponse(
            f"<p>render {self.renders}</p>", content_type="text/html", status=self.status
        )
        if self.cacheable:
            mark_cacheable(response)
        return response


def at_once(middleware, rf, path="/slow/", readers=READERS):
    """`readers` requests for `path`, started together; their responses."""
    start = threading.Barrier(readers)
    responses = [None] * readers

    def read(index):
        request = rf.get(path)
        start.wait()
        responses[index] = middleware(request)

    threads = [threading.Thread(target=read, args=(i,)) for i in range(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return responses


@pytest.fixture(autouse=True)
def generation(settings):
    settings.PAGE_CACHE_SECONDS = 300
    bump_generation()


def test_sixteen_readers_of_a_missing_page_cause_one_render(rf):
    view = SlowView()
    responses = at_once(PageCacheMiddleware(view), rf)
    assert view.renders == 1
    assert {r.status_code for r in responses} == {200}
    assert {r.content for r in responses} == {b"<p>render 1</p>"}


def test_the_render_lock_is_gone_once_the_page_is_stored(rf):
    middleware = PageCacheMiddleware(SlowView(0))
    request = rf.get("/slow/")
    middleware(request)
    key = page_key(rf.get("/slow/"))
    assert page_cache().get(key) is not None
    assert page_cache().get(f"{key}:rendering") is None


def test_a_page_that_is_not_stored_is_rendered_by_every_reader_and_leaves_no_lock(rf):
    view = SlowView(0.05, cacheable=False)
    responses = at_once(PageCacheMiddleware(view), rf, readers=4)
    assert view.renders == 4
    assert {r.status_code for r in responses} == {200}
    key = page_key(rf.get("/slow/"))
    assert page_cache().get(key) is None and page_cache().get(f"{key}:rendering") is None


def test_a_crashed_renderers_lock_holds_readers_up_no_longer_than_the_wait(rf, settings):
    settings.PAGE_CACHE_RENDER_WAIT_MS = 100
    key = page_key(rf.get("/slow/"))
    page_cache().set(f"{key}:rendering", 1, 60)  # its holder died without letting go
    view = SlowView(0)
    started = time.monotonic()
    response = PageCacheMiddleware(view)(rf.get("/slow/"))
    assert response.status_code == 200 and view.renders == 1
    assert time.monotonic() - started < 5  # the wait, not the lock's lifetime


def test_a_renderer_that_fails_lets_the_waiting_readers_render(rf, settings):
    settings.PAGE_CACHE_RENDER_WAIT_MS = 5000

    class FailsFirst(SlowView):
        def __call__(self, request):
            if self.renders == 0:
                with self._lock:
                    self.renders += 1
                time.sleep(0.1)
                raise RuntimeError("the database went away")
            return super().__call__(request)

    view = FailsFirst(0)
    middleware = PageCacheMiddleware(view)
    results = []

    def read():
        try:
            results.append(middleware(rf.get("/slow/")).status_code)
        except RuntimeError:
            results.append("error")

    first = threading.Thread(target=read)
    first.start()
    time.sleep(0.02)
    second = threading.Thread(target=read)
    second.start()
    first.join(10)
    second.join(10)
    assert sorted(map(str, results)) == ["200", "error"]


def test_a_failing_cache_costs_a_render_not_a_wait(rf, monkeypatch):
    class Broken:
        def get(self, *args, **kwargs):
            return None

        def add(self, *args, **kwargs):
            raise ConnectionError("redis is down")

        def set(self, *args, **kwargs):
            return None  # as django-redis answers with IGNORE_EXCEPTIONS

        def delete(self, *args, **kwargs):
            raise ConnectionError("redis is down")

    monkeypatch.setattr(pagecache, "page_cache", lambda: Broken())
    monkeypatch.setattr(pagecache.time, "sleep", lambda s: pytest.fail("waited on a dead cache"))
    view = SlowView(0)
    middleware = PageCacheMiddleware(view)
    assert middleware(rf.get("/slow/")).status_code == 200
    assert view.renders == 1


def waited(request, key):
    raise AssertionError("a reader waited for the render")


class ScopedView(SlowView):
    """A page built from the scope "article:1" (as an article page is from its article)."""

    def __call__(self, request):
        from newsroom.pagecache.generation import scope_versions

        scope_versions(["article:1"])
        return super().__call__(request)


def test_while_a_stale_page_renders_other_readers_get_the_copy_it_replaces(rf, monkeypatch):
    from newsroom.pagecache.generation import bump_scopes

    view = ScopedView(0)
    middleware = PageCacheMiddleware(view)
    assert middleware(rf.get("/slow/")).content == b"<p>render 1</p>"
    bump_scopes(["article:1"])  # an edit: the stored page is stale
    key = page_key(rf.get("/slow/"))
    page_cache().set(f"{key}:rendering", 1, 60)  # another reader is rendering its successor
    monkeypatch.setattr(pagecache, "_await_render", waited)
    response = middleware(rf.get("/slow/"))
    assert response.content == b"<p>render 1</p>"
    assert view.renders == 1
    page_cache().delete(f"{key}:rendering")  # the render is over: the next reader renders
    assert middleware(rf.get("/slow/")).content == b"<p>render 2</p>"
    assert view.renders == 2


def test_sixteen_readers_of_a_stale_page_cause_one_render_and_none_waits(rf, monkeypatch):
    from newsroom.pagecache.generation import bump_scopes

    view = ScopedView(0.2)
    middleware = PageCacheMiddleware(view)
    middleware(rf.get("/slow/"))
    bump_scopes(["article:1"])
    monkeypatch.setattr(pagecache, "_await_render", waited)
    responses = at_once(middleware, rf)
    assert view.renders == 2  # the first page, and one render of its successor
    contents = sorted(r.content for r in responses)
    assert contents.count(b"<p>render 2</p>") == 1
    assert contents.count(b"<p>render 1</p>") == READERS - 1


def test_a_stored_page_is_served_as_the_bytes_it_was_rendered_as(rf):
    class Korean(SlowView):
        def __call__(self, request):
            response = super().__call__(request)
            response.content = "<p>의료·병원 — 제약ㆍ약사</p>".encode()
            return response

    middleware = PageCacheMiddleware(Korean(0))
    first = middleware(rf.get("/slow/"))
    hit = middleware(rf.get("/slow/"))
    assert hit.content == first.content == "<p>의료·병원 — 제약ㆍ약사</p>".encode()
    assert hit["Content-Length"] == str(len(first.content))


def test_a_page_in_another_charset_than_utf8_is_not_stored(rf):
    class Latin1(SlowView):
        def __call__(self, request):
            response = super().__call__(request)
            response["Content-Type"] = "text/html; charset=iso-8859-1"
            response.content = "<p>café</p>".encode("iso-8859-1")
            return response

    view = Latin1(0)
    middleware = PageCacheMiddleware(view)
    assert middleware(rf.get("/slow/")).content == "<p>café</p>".encode("iso-8859-1")
    assert middleware(rf.get("/slow/")).content == "<p>café</p>".encode("iso-8859-1")
    assert view.renders == 2
    assert page_cache().get(page_key(rf.get("/slow/"))) is None


# --- On Redis: the lookup takes the lock, the store and the release go with the counts ---------


@pytest.fixture
def on_redis(settings, redis_cache_settings):
    settings.CACHES = redis_cache_settings
    bump_generation()


class Counting(SlowView):
    """A page whose view counts something, as a page with banners does."""

    def __call__(self, request):
        from newsroom.pagecache import counters

        counters.add("c:shown", timeout=60)
        return super().__call__(request)


@pytest.fixture
def round_trips(monkeypatch):
    """Each command or pipeline sent to Redis: (its first command's name, what was sent)."""
    from redis.connection import AbstractConnection

    sent = []
    real = AbstractConnection.send_packed_command

    def send(self, command, check_health=True):
        chunks = [command] if isinstance(command, bytes | str) else command
        text = b"".join(c if isinstance(c, bytes) else bytes(c) for c in chunks)
        sent.append((text.split(b"\r\n")[2].decode(), text))  # the first command's name
        return real(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", send)
    return sent


def test_on_redis_a_miss_costs_a_lookup_that_takes_the_lock_and_one_round_trip_to_store(
    rf, on_redis, round_trips
):
    middleware = PageCacheMiddleware(Counting(0))
    middleware(rf.get("/first/"))  # what a process does once (scripts loaded, banners read)
    request = rf.get("/slow/")
    key = page_key(request)
    round_trips.clear()
    assert middleware(request).status_code == 200
    # Before the lookup only reads (the generation, the banners' live set: no memo in tests);
    # the page read and its lock taken in one command; then one round trip: the page stored,
    # its lock released and the count sent, in this order.
    names = [name for name, _ in round_trips]
    lookup = names.index("EVALSHA")
    assert set(names[:lookup]) == {"GET"}
    assert names[lookup + 1 :] == ["SET"]
    writes = round_trips[-1][1]
    assert writes.count(b"\r\nSET\r\n") == 1 and writes.count(b"\r\nDEL\r\n") == 1
    assert writes.index(b"\r\nSET\r\n") < writes.index(b"\r\nDEL\r\n") < writes.index(b"EVAL")
    assert page_cache().get(key) is not None
    assert page_cache().get(f"{key}:rendering") is None
    assert cache_get("c:shown") == 2  # /first/ and /slow/
    assert middleware(rf.get("/slow/")).content == b"<p>render 2</p>"  # the stored page


def cache_get(key):
    from django.core.cache import cache

    return cache.get(key)


def test_on_redis_sixteen_readers_of_a_missing_page_cause_one_render(rf, on_redis):
    view = SlowView()
    responses = at_once(PageCacheMiddleware(view), rf)
    assert view.renders == 1
    assert {r.content for r in responses} == {b"<p>render 1</p>"}


def test_on_redis_no_reader_renders_a_page_because_its_store_fell_between_two_reads(rf, on_redis):
    # A waiting reader that read "no page" just before the store and "no lock" just after the
    # release took the render for failed and rendered the page again (seen in ~1 of 10 rounds).
    renders = []
    for round_ in range(12):
        view = SlowView(0.05)
        at_once(PageCacheMiddleware(view), rf, path=f"/round-{round_}/")
        renders.append(view.renders)
    assert renders == [1] * 12


def test_on_redis_a_held_lock_makes_the_lookup_wait_and_a_present_page_takes_no_lock(rf, on_redis):
    client = page_cache().client
    assert client.lookup("p", lock="p:rendering", lock_seconds=10) == (None, {}, True)
    assert client.lookup("p", lock="p:rendering", lock_seconds=10) == (None, {}, False)
    assert 0 < page_cache().ttl("p:rendering") <= 10
    page_cache().set("p", "<p>page</p>", 60)
    page_cache().delete("p:rendering")
    assert client.lookup("p", lock="p:rendering", lock_seconds=10) == ("<p>page</p>", {}, None)
    assert page_cache().get("p:rendering") is None
    from django.core.cache import cache

    cache.set("cap", 3, 60)
    assert client.lookup(
        "p", lock="p:rendering", lock_seconds=10, other=cache.client, other_keys=["cap", "none"]
    ) == ("<p>page</p>", {"cap": 3, "none": None}, None)


def test_on_redis_a_failing_count_does_not_cost_the_page_its_store(rf, on_redis, caplog):
    from django.core.cache import cache

    # A key of the wrong type: Redis answers the counters' script with an error.
    cache.client.get_client(write=True).rpush(cache.client.make_key("c:shown"), "x")
    middleware = PageCacheMiddleware(Counting(0))
    assert middleware(rf.get("/slow/")).status_code == 200
    key = page_key(rf.get("/slow/"))
    assert page_cache().get(key) is not None and page_cache().get(f"{key}:rendering") is None
    assert any("WRONGTYPE" in r.getMessage() for r in caplog.records)
