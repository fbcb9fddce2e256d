"""A database outage during a request gives readers a friendly Korean 503, and the site comes
back by itself when the database does."""

import logging
from unittest import mock

import psycopg
import pytest
from django.db import InterfaceError, OperationalError, close_old_connections, connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client

FRIENDLY = "잠시 후 다시 접속해 주세요"


def database_down(exc: Exception | None = None):
    """Every new cursor fails, as when the server has gone away."""
    error = exc or OperationalError("connection refused")
    return mock.patch.object(BaseDatabaseWrapper, "ensure_connection", side_effect=error)


def assert_friendly_503(response):
    assert response.status_code == 503
    html = response.content.decode()
    assert FRIENDLY in html
    assert '<html lang="ko">' in html
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    assert "Content-Security-Policy" in response


@pytest.mark.django_db
@pytest.mark.parametrize("error", [OperationalError("server closed"), InterfaceError("closed")])
def test_connection_error_in_a_page_gives_the_friendly_503(client, error, caplog):
    caplog.set_level(logging.ERROR, logger="newsroom.site.database")
    with database_down(error):
        response = client.get("/")
    assert_friendly_503(response)
    assert any("database unavailable during GET /" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_the_503_page_is_rendered_without_touching_the_database(client):
    with database_down() as ensure_connection:
        response = client.get("/")
        calls_during_page = ensure_connection.call_count
    assert_friendly_503(response)
    # The view's own query is the only attempt: the 503 page itself asks nothing.
    assert calls_during_page == 1


@pytest.mark.django_db
def test_the_site_recovers_when_the_database_returns(client):
    with database_down():
        assert client.get("/").status_code == 503
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_an_outage_outside_the_view_also_gives_the_503(settings):
    """A TemplateResponse renders after the view has returned; its failure goes to handler500."""
    from django.template.response import TemplateResponse
    from django.urls import path

    def late_page(request):
        return TemplateResponse(request, "404.html", {})

    urlconf = type("urls", (), {"urlpatterns": [path("late/", late_page)]})
    urlconf.handler500 = "newsroom.site.views.server_error"
    settings.ROOT_URLCONF = urlconf
    with mock.patch(
        "django.template.response.SimpleTemplateResponse.rendered_content",
        new_callable=mock.PropertyMock,
        side_effect=OperationalError("terminating connection"),
    ):
        response = Client(raise_request_exception=False).get("/late/")
    assert_friendly_503(response)


@pytest.mark.django_db
def test_other_errors_still_give_the_500_page(settings):
    from django.urls import path

    def broken(request):
        raise RuntimeError("a bug, not an outage")

    urlconf = type("urls", (), {"urlpatterns": [path("broken/", broken)]})
    urlconf.handler500 = "newsroom.site.views.server_error"
    settings.ROOT_URLCONF = urlconf
    response = Client(raise_request_exception=False).get("/broken/")
    assert response.status_code == 500
    assert FRIENDLY not in response.content.decode()


@pytest.mark.django_db
def test_healthz_reports_the_outage_as_503(client):
    with database_down():
        response = client.get("/healthz")
    assert response.status_code == 503


# --- PostgreSQL: a real connection failure ----------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_primary_on_a_closed_port_gives_the_503_and_recovery_follows(client):
    real_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = 1
    try:
        assert_friendly_503(client.get("/"))
        assert client.get("/healthz").status_code == 503
        close_old_connections()  # what Django's handler does between requests
    finally:
        connection.settings_dict["PORT"] = real_port
    close_old_connections()
    assert client.get("/").status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_database_restart_between_requests_is_survived_without_an_error(client):
    connection.settings_dict["CONN_MAX_AGE"] = 60
    connection.settings_dict["CONN_HEALTH_CHECKS"] = True
    assert client.get("/").status_code == 200
    backend_pid = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    params["dbname"] = params.pop("dbname", connection.settings_dict["NAME"])
    with psycopg.connect(**params, autocommit=True) as admin:
        # With a timeout the call returns once the backend is gone (not just signalled).
        admin.execute("SELECT pg_terminate_backend(%s, 5000)", [backend_pid])
    close_old_connections()  # request_started: marks the reused connection for a health check
    # /healthz always reads the database (the home page may come wholly from the cache).
    assert client.get("/healthz").status_code == 200
    assert connection.connection.info.backend_pid != backend_pid
    assert client.get("/").status_code == 200
