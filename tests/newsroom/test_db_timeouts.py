"""A database that accepts connections and never answers costs seconds, not a worker.

Elapsed times are measured only as upper bounds: they prove a request does not hang.
"""

import contextlib
import json
import socket
import threading
import time

import pytest

from newsroom.settings.env import database_from_url
from tests.newsroom.conftest import environment, run_python

# Run in a fresh process: its default database is the silent one, from DATABASE_URL.
REQUEST = """
import json, time
import django
django.setup()
from django.test import Client
started = time.monotonic()
response = Client().get("/")
print(json.dumps({
    "status": response.status_code,
    "retry_after": response.get("Retry-After"),
    "body": response.content.decode(),
    "elapsed": time.monotonic() - started,
}))
"""


@contextlib.contextmanager
def silent_database():
    """A socket that accepts connections and never says a word."""
    listener = socket.create_server(("127.0.0.1", 0))
    held = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()
        for conn in held:
            conn.close()
        thread.join(2)


def test_a_silent_database_gives_the_outage_page_within_seconds():
    with silent_database() as port:
        env = environment(
            without=("DATABASE_", "REDIS_"),
            DJANGO_SETTINGS_MODULE="newsroom.settings.test",
            DATABASE_URL=f"postgres://newsroom@127.0.0.1:{port}/newsroom",
            DATABASE_CONNECT_TIMEOUT="2",
        )
        started = time.monotonic()
        result = run_python("-c", REQUEST, env=env, timeout=30)
        elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr[-2000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503
    assert answer["retry_after"] == "30"
    assert "잠시 후 다시 접속해 주세요" in answer["body"]
    assert answer["elapsed"] < 10
    assert elapsed < 20


def test_postgres_gets_a_connect_timeout_and_a_statement_timeout():
    config = database_from_url(
        "postgres://u@db.example/newsroom",
        conn_max_age=60,
        connect_timeout=3,
        statement_timeout_ms=5000,
    )
    assert config["OPTIONS"]["connect_timeout"] == 3
    assert config["OPTIONS"]["options"] == "-c statement_timeout=5000"


def test_statement_timeout_zero_sets_none():
    config = database_from_url("postgres://u@db.example/newsroom", conn_max_age=60)
    assert config["OPTIONS"]["connect_timeout"] == 3
    assert "options" not in config["OPTIONS"]


def test_web_settings_carry_the_statement_timeout(settings):
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        assert "statement_timeout=5000" in settings.DATABASES["default"]["OPTIONS"]["options"]
    assert settings.DATABASE_TIMEOUTS == {"connect_timeout": 3, "statement_timeout_ms": 5000}


PRINT_OPTIONS = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])"


def database_options_read_by(*args: str) -> str:
    """The default database's OPTIONS as `python *args` prints them, in a fresh process whose
    DATABASE_URL names a PostgreSQL server."""
    env = environment(
        without=("DATABASE_", "DJANGO_"),
        DJANGO_SETTINGS_MODULE="newsroom.settings.test",
        DATABASE_URL="postgres://u@db.example/newsroom",
    )
    result = run_python(*args, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_management_commands_get_no_statement_timeout_by_default():
    options = database_options_read_by("manage.py", "shell", "-c", PRINT_OPTIONS)
    assert "'connect_timeout': 3" in options
    assert "statement_timeout" not in options


def test_runserver_serves_web_requests_with_the_web_statement_timeout():
    as_runserver = "import sys; sys.argv = ['manage.py', 'runserver']; import django"
    options = database_options_read_by("-c", f"{as_runserver}; django.setup(); {PRINT_OPTIONS}")
    assert "statement_timeout=5000" in options


def test_a_prepare_threshold_asks_for_server_side_binding_and_prepared_statements():
    config = database_from_url(
        "postgres://u@db.example/newsroom", conn_max_age=60, prepare_threshold=5
    )
    assert config["OPTIONS"]["server_side_binding"] is True
    assert config["OPTIONS"]["prepare_threshold"] == 5
    # Without a threshold nothing is prepared (Django's default: client-side binding).
    plain = database_from_url("postgres://u@db.example/newsroom", conn_max_age=60)
    assert "server_side_binding" not in plain["OPTIONS"]
    assert "prepare_threshold" not in plain["OPTIONS"]


def test_the_sites_connections_prepare_after_five_runs_unless_the_setting_turns_it_off():
    default = database_options_read_by("-c", SETUP + PRINT_OPTIONS)
    assert "'server_side_binding': True" in default
    assert "'prepare_threshold': 5" in default
    env = environment(
        without=("DATABASE_", "DJANGO_"),
        DJANGO_SETTINGS_MODULE="newsroom.settings.test",
        DATABASE_URL="postgres://u@db.example/newsroom",
        DATABASE_PREPARE_THRESHOLD="0",
    )
    result = run_python("-c", SETUP + PRINT_OPTIONS, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "server_side_binding" not in result.stdout
    assert "prepare_threshold" not in result.stdout


SETUP = "import django; django.setup(); "


@pytest.mark.postgres
@pytest.mark.django_db
def test_on_postgresql_a_query_run_five_times_is_planned_once_and_answers_the_same():
    from django.db import connection

    from articles.models import Section

    section = Section.objects.create(name="준비된 질의", slug="prepared-query")
    statements = "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s"
    answers = [Section.objects.filter(slug="prepared-query").first() for _ in range(6)]
    assert answers == [section] * 6
    with connection.cursor() as cursor:
        cursor.execute(statements, ['%"articles_section"."slug" = $1%'])
        assert cursor.fetchone()[0] == 1  # prepared on the server, with a bound parameter
