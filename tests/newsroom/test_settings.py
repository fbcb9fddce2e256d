"""The settings' failure modes: each stops start-up with one readable line."""

import subprocess

import pytest
from django.core.exceptions import ImproperlyConfigured

from newsroom.settings.env import database_from_url, env_bool, env_int
from tests.newsroom.conftest import environment, run_python


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {
        "DJANGO_SETTINGS_MODULE": "newsroom.settings.base",
        "NEWSROOM_VAR_DIR": "/tmp/newsroom-settings-test",
    }
    return run_python(
        "manage.py", *args, env=environment(without=("DJANGO_", "DATABASE_"), **{**base, **env})
    )


def test_missing_secret_key_in_production_stops_start_up_with_one_line():
    result = run_manage("check", DJANGO_DEBUG="0")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "DJANGO_SECRET_KEY is required" in lines[0]


def test_debug_mode_runs_without_a_secret_key():
    result = run_manage("check", DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr


def test_bad_database_url_stops_start_up_with_one_line():
    result = run_manage("check", DJANGO_DEBUG="1", DATABASE_URL="mysql://someone@somewhere/db")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "DATABASE_URL" in lines[0]


@pytest.mark.parametrize(
    "url",
    ["mysql://u@h/db", "not a url", "postgres://user@localhost:5432/", "redis://x"],
)
def test_database_url_rejects_what_it_cannot_use(url):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        database_from_url(url, conn_max_age=0)


def test_database_url_reads_postgres_and_sqlite():
    pg = database_from_url("postgres://news:pw@db.example:5433/paper", conn_max_age=60)
    assert pg["ENGINE"] == "newsroom.postgresql"  # Django's, with bulk writes under the limit
    assert (pg["NAME"], pg["HOST"], pg["PORT"], pg["USER"]) == ("paper", "db.example", 5433, "news")
    lite = database_from_url("sqlite:////tmp/x.sqlite3", conn_max_age=0)
    assert lite["ENGINE"] == "django.db.backends.sqlite3"
    assert lite["NAME"] == "/tmp/x.sqlite3"


def test_bool_and_int_settings_reject_garbage(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG"):
        env_bool("SOME_FLAG")
    monkeypatch.setenv("SOME_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match="SOME_NUMBER"):
        env_int("SOME_NUMBER", 1)
    monkeypatch.setenv("SOME_FLAG", "Yes")
    assert env_bool("SOME_FLAG") is True


def test_production_settings_pass_check_deploy():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="x" * 20 + "a-long-random-production-secret-value-1234567890",
        DJANGO_ALLOWED_HOSTS="news.example.com",
        DJANGO_SECURE_SSL_REDIRECT="1",
        DJANGO_SECURE_HSTS_SECONDS="31536000",
        DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS="1",
        DJANGO_SECURE_HSTS_PRELOAD="1",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_korean_language_and_seoul_time(settings):
    assert settings.LANGUAGE_CODE == "ko-kr"
    assert settings.TIME_ZONE == "Asia/Seoul"
    assert settings.USE_TZ is True


def test_production_reads_each_template_from_disk_once():
    from .conftest import settings_in_production

    loaders = settings_in_production(
        "[type(loader).__name__ + ':' + type(loader).__module__ for loader in "
        "__import__('django.template', fromlist=['engines']).engines['django'].engine"
        ".template_loaders]"
    )
    assert loaders == "['Loader:django.template.loaders.cached']"


def test_fragments_are_kept_five_minutes_unless_told():
    from .conftest import settings_in_production

    assert settings_in_production("settings.FRAGMENT_CACHE_SECONDS") == "300"
    assert (
        settings_in_production("settings.FRAGMENT_CACHE_SECONDS", FRAGMENT_CACHE_SECONDS="0") == "0"
    )
