"""Ad-network tags run in a frame of their own URL, under a policy of their own.

The page's policy (script-src 'self' + nonce) would block an ad's inline scripts in a srcdoc
frame; the frame's own policy allows them, sandboxed to an opaque origin (banners/views.py).
"""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from banners.models import Banner
from tests.factories import publish
from tests.user_agents import BROWSER

from .conftest import NOW

pytestmark = pytest.mark.django_db

TAG = '<script>var slot = "ad";</script><script src="https://ads.example.net/show.js"></script>'


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


@pytest.fixture
def tag_banner(make_banner, place, slot):
    banner = make_banner(kind=Banner.Kind.AD_TAG, ad_tag=TAG, target_url="")
    place(banner, slot)
    return banner


def get_frame(client, banner, **extra):
    with time_machine.travel(NOW, tick=False):
        return client.get(f"/banners/tag/{banner.pk}/", **BROWSER, **extra)


def test_the_frame_serves_the_tag_as_it_was_given(client, tag_banner):
    response = get_frame(client, tag_banner)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert TAG in response.content.decode()


def test_the_frame_allows_inline_scripts_and_the_ad_network_but_stays_sandboxed(
    client, tag_banner, settings
):
    settings.CSP_AD_SOURCES = ["https://ads.example.net"]
    csp = directives(get_frame(client, tag_banner))
    assert csp["script-src"] == ["'unsafe-inline'", "https://ads.example.net"]
    assert "https://ads.example.net" in csp["img-src"]
    # Even opened directly (not in our iframe), the document gets an opaque origin.
    assert csp["sandbox"] == ["allow-scripts", "allow-popups", "allow-popups-to-escape-sandbox"]
    assert "allow-same-origin" not in response_text(csp)
    assert csp["default-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'self'"]
    assert csp["form-action"] == ["'none'"]
    assert "'self'" not in csp["script-src"] + csp["connect-src"]


def response_text(csp: dict[str, list[str]]) -> str:
    return " ".join(" ".join(values) for values in csp.values())


def test_the_frame_may_be_framed_by_our_pages_only(client, tag_banner):
    response = get_frame(client, tag_banner)
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_an_inline_script_of_the_tag_would_be_blocked_by_the_pages_policy(client, tag_banner):
    """Why the frame has its own URL: the page's policy names no 'unsafe-inline' for scripts,
    and a srcdoc frame would inherit it."""
    with time_machine.travel(NOW, tick=False):
        page = client.get("/", **BROWSER)
    script_src = directives(page)["script-src"]
    assert "'unsafe-inline'" not in script_src
    assert any(source.startswith("'nonce-") for source in script_src)


def test_the_page_embeds_the_frame_by_url_sandboxed_without_same_origin(client, tag_banner):
    article = publish("보건복지부 발표", published_at=NOW - timedelta(hours=1))
    with time_machine.travel(NOW, tick=False):
        html = client.get(article.get_absolute_url(), **BROWSER).content.decode()
    frames = re.findall(r"<iframe[^>]*>", html)
    ad_frames = [f for f in frames if f"/banners/tag/{tag_banner.pk}/" in f]
    assert len(ad_frames) == 1
    assert 'sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox"' in ad_frames[0]
    assert "allow-same-origin" not in html
    assert "srcdoc" not in ad_frames[0]
    assert 'var slot = "ad"' not in html


@pytest.mark.parametrize("case", ["ended", "image banner", "switched off", "unknown"])
def test_anything_but_a_live_tag_banner_is_an_empty_sandboxed_404(
    client, make_banner, place, slot, case
):
    if case == "ended":
        banner = make_banner(
            kind=Banner.Kind.AD_TAG, ad_tag=TAG, target_url="", ends_at=NOW - timedelta(hours=1)
        )
    elif case == "image banner":
        banner = make_banner()
    elif case == "switched off":
        banner = make_banner(kind=Banner.Kind.AD_TAG, ad_tag=TAG, target_url="", is_active=False)
    else:
        banner = Banner(pk=999_999)
    if banner.pk != 999_999:
        place(banner, slot)
    response = get_frame(client, banner)
    assert response.status_code == 404
    assert response.content == b""
    assert "sandbox" in directives(response)


def test_serving_a_frame_reads_the_cached_deliveries_without_a_query(
    client, tag_banner, django_assert_num_queries
):
    get_frame(client, tag_banner)  # fills the cache
    with django_assert_num_queries(0):
        assert get_frame(client, tag_banner).status_code == 200


def test_the_frame_answers_get_only(tag_banner):
    with time_machine.travel(NOW, tick=False):
        response = Client().post(f"/banners/tag/{tag_banner.pk}/")
    assert response.status_code == 405
