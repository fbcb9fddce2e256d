import os
import subprocess
import sys
from pathlib import Path

import pytest

from newsroom.settings.base import redis_cache_entry

ROOT = Path(__file__).resolve().parents[2]

PASSWORD = "correct-horse-battery-staple-7"


@pytest.fixture
def editor(django_user_model):
    """A staff account that may use the admin."""
    return django_user_model.objects.create_user(
        username="desk.kim", password=PASSWORD, is_staff=True
    )


def environment(*, without: tuple[str, ...], **env: str) -> dict[str, str]:
    """This process's environment less the variables whose names start with one of `without`,
    plus `env`."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(without)}
    return {**kept, **env}


def run_python(*args: str, env: dict[str, str], timeout: int = 60) -> subprocess.CompletedProcess:
    """`python *args` in a fresh process at the checkout's root, its output captured as text:
    settings are read once at start-up, so a test of start-up needs a process of its own."""
    command = [sys.executable, *args]  # a failing run is the test's to judge: no check=True
    return subprocess.run(
        command, cwd=ROOT, env=env, timeout=timeout, capture_output=True, text=True
    )


def settings_in_production(expression: str, **env: str) -> str:
    """Evaluate `expression` against newsroom.settings.base in a fresh process with a
    production environment plus `env`; returns what it prints."""
    production = {
        "DJANGO_SETTINGS_MODULE": "newsroom.settings.base",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "s" * 60,
        "NEWSROOM_VAR_DIR": "/tmp/newsroom-settings-test",
    }
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    clean = environment(without=("DJANGO_", "DATABASE_", "AWS_", "REDIS_"), **{**production, **env})
    result = run_python("-c", code, env=clean)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture
def redis_cache_settings(redis_url):
    """CACHES for the real Redis (see `redis_url`), under a key prefix of this test only; the
    keys are removed afterwards (never FLUSHDB: other checkouts may share a named server)."""
    import uuid

    import redis

    prefix = f"newsroom-test-{uuid.uuid4().hex}"
    yield {
        "default": redis_cache_entry(redis_url, prefix),
        "pages": redis_cache_entry(redis_url, f"{prefix}-pages"),
    }
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)


# --- The newsletter's mail: a real SMTP server -------------------------------------------------


@pytest.fixture(scope="session")
def smtp_server():
    from tests.smtp import SMTPServer

    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server, settings):
    """Django's SMTP backend pointed at the test's own SMTP server, emptied for the test."""
    smtp_server.clear()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_server.host
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    settings.NEWSLETTER_FROM_EMAIL = "메디팜뉴스 뉴스레터 <newsletter@example.com>"
    settings.SITE_URL = "http://testserver"
    yield smtp_server
    smtp_server.clear()
