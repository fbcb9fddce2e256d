"""Uploaded media served from the site's origin: pictures only, each with its own type, nosniff
and a sandboxing policy; anything else is a 404, never a page (issue 13). The same view serves
`make run` (DEBUG) and the browser checks' server; nginx follows the rule in docs/deploy.md."""

import importlib
import re
from pathlib import Path

import pytest
from django.urls import resolve

from newsroom import media

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.e2e.urls")]

ROOT = Path(__file__).resolve().parents[2]
SANDBOX = "default-src 'none'; sandbox"
PAGE = b"<!doctype html><script>alert(document.cookie)</script>"


def store(media_root, name: str, content: bytes) -> None:
    target = Path(media_root) / "uploads" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("a.jpg", "image/jpeg"),
        ("a.jpeg", "image/jpeg"),
        ("a.png", "image/png"),
        ("a.gif", "image/gif"),
        ("a.webp", "image/webp"),
        ("A.JPG", "image/jpeg"),
    ],
)
def test_pictures_are_served_with_their_type_nosniff_and_a_sandbox(
    client, media_root, name, content_type
):
    store(media_root, name, PAGE)  # even a "picture" holding markup cannot become a page
    response = client.get(f"/media/uploads/{name}")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == SANDBOX
    assert b"".join(response.streaming_content) == PAGE


@pytest.mark.parametrize(
    "name",
    [
        "poc.html",
        "poc.htm",
        "poc.HTML",
        "poc.xhtml",
        "logo.svg",
        "notes.txt",
        "shell.php",
        "noextension",
        "photo.jpg.html",
        "photo.html.",
    ],
)
def test_anything_but_a_picture_is_a_plain_404(client, media_root, name):
    store(media_root, name, PAGE)
    response = client.get(f"/media/uploads/{name}")
    assert response.status_code == 404
    assert "html" not in response["Content-Type"]
    assert b"script" not in response.content
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == SANDBOX


def test_a_missing_picture_is_a_404(client):
    assert client.get("/media/uploads/missing.jpg").status_code == 404


def test_media_are_only_read(client, media_root):
    store(media_root, "a.jpg", b"x")
    assert client.post("/media/uploads/a.jpg").status_code == 405


def test_make_run_serves_media_through_the_same_view(settings):
    import newsroom.urls

    settings.DEBUG = True
    try:
        debug_urls = importlib.reload(newsroom.urls)
        assert resolve("/media/uploads/a.jpg", urlconf=debug_urls).func is media.serve_media
    finally:
        settings.DEBUG = False
        importlib.reload(newsroom.urls)
    assert resolve("/media/uploads/a.jpg", urlconf="tests.e2e.urls").func is media.serve_media


def nginx_media_block() -> str:
    text = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    found = re.search(r"location \^~ /media/ \{.*?\n    \}", text, re.DOTALL)
    assert found, "docs/deploy.md has no `location ^~ /media/` block"
    return found.group(0)


def test_the_documented_nginx_block_sends_the_same_headers_and_allow_list():
    block = nginx_media_block()
    assert 'add_header X-Content-Type-Options "nosniff" always;' in block
    assert f'add_header Content-Security-Policy "{SANDBOX}" always;' in block
    assert r"location ~* \.(jpe?g|png|gif|webp)$" in block
    for extension, content_type in media.MEDIA_TYPES.items():
        assert re.search(rf"{re.escape(content_type)}\s[^;]*\b{extension}\b", block), extension
    assert "return 404;" in block
