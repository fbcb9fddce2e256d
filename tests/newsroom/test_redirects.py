"""The admin's login and logout never send anyone to another host, whatever `next` says."""

from urllib.parse import urljoin, urlsplit

import pytest

from tests.newsroom.conftest import PASSWORD

pytestmark = pytest.mark.django_db

HOSTILE_NEXT = [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example",
    "///evil.example",
    "////evil.example/path",
    "https:evil.example",
    "http:/evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "\\/\\/evil.example",
    "http:\\\\evil.example",
    " //evil.example",
    "\t//evil.example",
    "\n//evil.example",
    "//evil.example%2f..",
    "%2F%2Fevil.example",
    "%2f%2fevil.example",
    "/%2F/evil.example",
    "%5C%5Cevil.example",
    "https://testserver@evil.example/",
    "https://evil.example\\@testserver/",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "//evil.example:80@testserver",
    "https://evil.example/?https://testserver/",
    "//ｅvil.example",
]


def lands_on(location: str, current: str) -> tuple[str, str]:
    """Where a browser goes for this Location header: browsers read backslashes as slashes and
    drop tabs and newlines and surrounding spaces before resolving a URL."""
    cleaned = location.strip().replace("\\", "/")
    for char in "\t\r\n":
        cleaned = cleaned.replace(char, "")
    target = urlsplit(urljoin(f"http://testserver{current}", cleaned))
    return target.scheme, target.hostname or ""


def assert_sent_back_to_this_site(response) -> None:
    assert response.status_code == 302
    assert lands_on(response["Location"], "/admin/login/") == ("http", "testserver")


@pytest.mark.parametrize("next_url", HOSTILE_NEXT)
def test_login_never_sends_to_another_host(client, editor, next_url):
    response = client.post(
        "/admin/login/", {"username": "desk.kim", "password": PASSWORD, "next": next_url}
    )
    assert_sent_back_to_this_site(response)


@pytest.mark.parametrize("next_url", HOSTILE_NEXT)
def test_login_in_the_query_string_never_sends_to_another_host(client, editor, next_url):
    from urllib.parse import quote

    response = client.post(
        f"/admin/login/?next={quote(next_url, safe='')}",
        {"username": "desk.kim", "password": PASSWORD},
    )
    assert_sent_back_to_this_site(response)


@pytest.mark.parametrize("next_url", HOSTILE_NEXT)
def test_an_editor_already_signed_in_is_not_sent_away(client, editor, next_url):
    client.force_login(editor)
    response = client.get("/admin/login/", {"next": next_url})
    assert_sent_back_to_this_site(response)


@pytest.mark.parametrize("next_url", HOSTILE_NEXT)
def test_logout_never_sends_to_another_host(client, editor, next_url):
    client.force_login(editor)
    response = client.post("/admin/logout/", {"next": next_url})
    assert "_auth_user_id" not in client.session
    if response.status_code == 302:
        assert lands_on(response["Location"], "/admin/logout/") == ("http", "testserver")
    else:
        assert response.status_code == 200
        assert "evil.example" not in response.content.decode()


def test_a_safe_local_next_is_honoured(client, editor):
    response = client.post(
        "/admin/login/",
        {"username": "desk.kim", "password": PASSWORD, "next": "/admin/auth/user/"},
    )
    assert response["Location"] == "/admin/auth/user/"


def test_logout_follows_a_safe_local_next(client, editor):
    client.force_login(editor)
    response = client.post("/admin/logout/", {"next": "/admin/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/"


@pytest.mark.parametrize("location", ["//evil.example", "/\\evil.example", "\t//evil.example"])
def test_the_landing_check_sees_a_foreign_host_the_way_a_browser_does(location):
    assert lands_on(location, "/admin/login/")[1] == "evil.example"
