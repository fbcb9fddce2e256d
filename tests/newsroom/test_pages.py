from unittest import mock

import pytest
from django.db import DatabaseError
from django.test import Client

pytestmark = pytest.mark.django_db


def test_healthz_is_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_503_when_the_database_does_not_answer(client):
    with mock.patch("newsroom.site.views.connection.cursor", side_effect=DatabaseError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"


def test_unknown_page_is_the_korean_404_in_the_site_layout(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "페이지를 찾을 수 없습니다" in html
    assert '<html lang="ko">' in html
    assert "무단전재 및 재배포 금지" in html  # the site's footer


def test_server_error_is_the_korean_500_page(settings):
    from django.urls import path

    def broken(request):
        raise RuntimeError("boom")

    urlconf = type("urls", (), {})
    urlconf.urlpatterns = [path("broken/", broken)]
    urlconf.handler500 = "newsroom.site.views.server_error"
    settings.ROOT_URLCONF = urlconf
    response = Client(raise_request_exception=False).get("/broken/")
    assert response.status_code == 500
    assert "일시적인 오류가 발생했습니다" in response.content.decode()
