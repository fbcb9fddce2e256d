import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PASSWORD = "correct-horse-battery-staple-7"


@pytest.fixture
def editor(django_user_model):
    """A staff account that may use the admin."""
    return django_user_model.objects.create_user(
        username="desk.kim", password=PASSWORD, is_staff=True
    )


def settings_in_production(expression: str, **env: str) -> str:
    """Evaluate `expression` against newsroom.settings.base in a fresh process with a
    production environment plus `env`; returns what it prints."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    clean = {k: v for k, v in clean.items() if not k.startswith(("AWS_", "REDIS_"))}
    clean.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings.base",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="s" * 60,
        NEWSROOM_VAR_DIR="/tmp/newsroom-settings-test",
    )
    clean.update(env)
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


def require_redis(url: str = REDIS_TEST_URL) -> None:
    """Fail with one clear line when the real Redis is not there (it is on every machine of
    this project and in CI)."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError as exc:
        pytest.fail(f"These tests need Redis at {url} (set REDIS_TEST_URL): {exc}")


@pytest.fixture
def redis_cache_settings():
    """CACHES for the real Redis, under a key prefix of this test only; the keys are removed
    afterwards (never FLUSHDB: other checkouts may share the server)."""
    import uuid

    import redis

    require_redis()
    prefix = f"newsroom-test-{uuid.uuid4().hex}"
    yield {
        "default": {
            "BACKEND": "newsroom.cache_backends.DegradingRedisCache",
            "LOCATION": REDIS_TEST_URL,
            "KEY_PREFIX": prefix,
        }
    }
    client = redis.Redis.from_url(REDIS_TEST_URL)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)
