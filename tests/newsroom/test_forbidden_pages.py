"""Refused requests answer in Korean, with the site's policy: a forbidden admin view (403) and
a form sent without its CSRF token."""

import pytest
from django.test import Client

from tests.newsroom.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_forbidden_admin_view_answers_in_korean(client, editor):
    client.force_login(editor)  # staff, but no permission on articles
    response = client.get("/admin/articles/article/add/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "접근 권한이 없습니다" in html
    assert '<html lang="ko">' in html
    assert "Forbidden" not in html
    assert "Content-Security-Policy" in response


def test_a_post_without_csrf_token_answers_in_korean(editor):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/admin/login/", {"username": "desk.kim", "password": PASSWORD})
    assert response.status_code == 403
    html = response.content.decode()
    assert "요청을 확인할 수 없습니다" in html
    assert "CSRF verification failed" not in html
    assert "Content-Security-Policy" in response
