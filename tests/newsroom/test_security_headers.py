"""Security headers on the reader's site and in the admin."""

import re

import pytest
from csp.decorators import csp_replace
from django.contrib.auth import get_user_model

from tests.newsroom.conftest import PASSWORD, ROOT, settings_in_production

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def test_reader_page_scripts_need_a_nonce_and_never_unsafe_inline(client):
    response = client.get("/")
    csp = directives(response)
    assert "'unsafe-inline'" not in csp["script-src"]
    assert "'unsafe-eval'" not in csp["script-src"]
    nonces = [source for source in csp["script-src"] if source.startswith("'nonce-")]
    assert len(nonces) == 1
    assert len(nonces[0]) > len("'nonce-'") + 16
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]


def test_every_request_gets_its_own_nonce(client):
    first = directives(client.get("/"))["script-src"]
    second = directives(client.get("/"))["script-src"]
    assert first != second


def test_the_nonce_is_available_to_templates_as_request_csp_nonce(client, settings):
    from django.http import HttpResponse
    from django.template import engines
    from django.urls import path

    def inline_script(request):
        template = engines["django"].from_string(
            '<script nonce="{{ request.csp_nonce }}">window.ok = 1;</script>'
        )
        return HttpResponse(template.render({"SITE_NAME": "x"}, request))

    urlconf = type("urls", (), {"urlpatterns": [path("inline/", inline_script)]})
    settings.ROOT_URLCONF = urlconf
    response = client.get("/inline/")
    nonce = re.search(r'nonce="([^"]+)"', response.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in directives(response)["script-src"]


def test_frames_allow_the_video_players_and_nothing_else_from_outside(client):
    frame_src = directives(client.get("/"))["frame-src"]
    assert set(frame_src) == {
        "'self'",
        "https://www.youtube-nocookie.com",
        "https://player.vimeo.com",
        "https://tv.naver.com",
    }


def test_ad_network_origins_stay_out_of_the_pages_policy(client, settings):
    # They belong to the ad frame's own policy (tests/banners/test_ad_frames.py).
    settings.CSP_AD_SOURCES = ["https://ads.example.net"]
    assert "https://ads.example.net" not in client.get("/")["Content-Security-Policy"]


def test_a_view_can_replace_a_directive_for_its_own_responses(client, settings):
    from django.http import HttpResponse
    from django.urls import path

    @csp_replace({"script-src": ["'self'", "https://ads.example.net"]})
    def ad_frame(request):
        return HttpResponse("ad")

    settings.ROOT_URLCONF = type("urls", (), {"urlpatterns": [path("frame/", ad_frame)]})
    csp = directives(client.get("/frame/"))
    assert csp["script-src"] == ["'self'", "https://ads.example.net"]
    assert csp["object-src"] == ["'none'"]


def test_other_protective_headers_are_set(client):
    response = client.get("/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    permissions = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in permissions
    assert 'fullscreen=(self "https://www.youtube-nocookie.com"' in permissions


def test_hsts_is_sent_over_https_when_configured(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_the_admin_login_page_keeps_the_strict_policy(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    script_src = directives(response)["script-src"]
    assert "'unsafe-inline'" not in script_src
    assert any(source.startswith("'nonce-") for source in script_src)


def test_the_editor_pages_allow_ckeditors_inline_handlers_only_for_staff(client):
    staff = get_user_model().objects.create_superuser("editor", password="x-very-long-password")
    client.force_login(staff)
    response = client.get("/admin/")
    csp = directives(response)
    assert "'unsafe-inline'" in csp["script-src"]
    # A nonce would make browsers ignore 'unsafe-inline'.
    assert not any(source.startswith("'nonce-") for source in csp["script-src"])
    assert csp["frame-ancestors"] == ["'self'"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    # The reader's pages stay strict for the same signed-in editor.
    reader = directives(client.get("/"))
    assert "'unsafe-inline'" not in reader["script-src"]


def test_session_and_csrf_cookies_are_http_only_and_secure_in_production():
    printed = settings_in_production(
        "settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY,"
        " settings.CSRF_COOKIE_SECURE, settings.CSRF_COOKIE_HTTPONLY"
    )
    assert printed == "True True True True"


def test_the_session_cookie_set_at_login_is_http_only(client, editor):
    response = client.post("/admin/login/", {"username": "desk.kim", "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies["sessionid"]["httponly"] is True
    assert response.cookies["sessionid"]["samesite"] == "Lax"


def test_media_on_object_storage_may_be_shown(client, settings):
    settings.AWS_STORAGE_BUCKET_NAME = "newsroom-media"
    settings.AWS_S3_ENDPOINT_URL = "https://kr.object.example.com"
    settings.AWS_S3_CUSTOM_DOMAIN = None
    img_src = directives(client.get("/"))["img-src"]
    assert "https://kr.object.example.com" in img_src
    assert "https://newsroom-media.kr.object.example.com" in img_src


def test_media_behind_a_cdn_domain_may_be_shown(client, settings):
    settings.MEDIA_URL = "https://media.news.example.com/media/"
    assert "https://media.news.example.com" in directives(client.get("/"))["img-src"]


# --- The templates keep to the policy -----------------------------------------------------------

TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("*/templates")]
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def project_templates():
    for folder in TEMPLATE_DIRS:
        yield from (path for path in folder.rglob("*.html") if ".venv" not in path.parts)


def policy_breaches(html: str) -> list[str]:
    breaches = []
    for match in SCRIPT_TAG.finditer(html):
        attributes = match.group(1)
        kind = re.search(r"""type\s*=\s*["']?([^"'\s>]+)""", attributes, re.IGNORECASE)
        if kind and kind.group(1).lower() in DATA_SCRIPT_TYPES:
            continue
        if "src=" not in attributes and "csp_nonce" not in attributes:
            breaches.append(f"inline script without nonce: {match.group(0)}")
    breaches += [f"inline event handler: {m.group(0)}" for m in EVENT_HANDLER.finditer(html)]
    breaches += [f"javascript: URL: {m.group(0)}" for m in JS_URL.finditer(html)]
    return breaches


def test_the_template_check_finds_what_the_policy_would_block():
    assert policy_breaches("<script>alert(1)</script>")
    assert policy_breaches('<button onclick="go()">')
    assert policy_breaches('<a href="javascript:go()">')
    assert not policy_breaches('<script nonce="{{ request.csp_nonce }}">ok()</script>')
    assert not policy_breaches('<script src="/static/js/site.js" defer></script>')
    assert not policy_breaches('<script type="application/ld+json">{}</script>')


def test_no_template_has_script_the_policy_would_block():
    """Inline scripts carry `nonce="{{ request.csp_nonce }}"`; no onclick=, no javascript: URLs.
    (Django's admin templates are not ours; the admin's policy is relaxed for CKEditor.)"""
    breaches = {
        str(path.relative_to(ROOT)): found
        for path in project_templates()
        if not str(path.relative_to(ROOT)).startswith(("templates/admin/", "templates/ckeditor"))
        and (found := policy_breaches(path.read_text(encoding="utf-8")))
    }
    assert breaches == {}
    assert ROOT / "templates" / "base.html" in set(project_templates())


# --- Every response carries a policy ------------------------------------------------------------


def _urlconf_with(route: str, view):
    from django.urls import path

    from newsroom import urls

    return type(
        "urls",
        (),
        {
            "urlpatterns": [path(route, view), *urls.urlpatterns],
            "handler404": urls.handler404,
            "handler500": urls.handler500,
        },
    )


def test_static_files_carry_the_policy(client):
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert directives(response)["default-src"] == ["'self'"]
    assert directives(response)["object-src"] == ["'none'"]


def test_the_https_redirect_carries_the_policy(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/")
    assert response.status_code == 301
    assert directives(response)["frame-ancestors"] == ["'none'"]


def test_media_carry_the_policy(client, settings, media_root):
    from django.views.static import serve

    media_root.mkdir(parents=True, exist_ok=True)
    (media_root / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    settings.ROOT_URLCONF = _urlconf_with(
        "media/<path:path>", lambda request, path: serve(request, path, document_root=media_root)
    )
    response = client.get("/media/photo.png")
    assert response.status_code == 200
    assert "Content-Security-Policy" in response


@pytest.mark.parametrize("url, status", [("/admin", 301), ("/no-such-page/", 404)])
def test_redirects_and_the_404_page_carry_the_policy(client, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert "'unsafe-inline'" not in directives(response)["script-src"]


def test_the_500_page_carries_the_policy(settings):
    from django.test import Client

    def broken(request):
        raise RuntimeError("boom")

    settings.ROOT_URLCONF = _urlconf_with("broken/", broken)
    response = Client(raise_request_exception=False).get("/broken/")
    assert response.status_code == 500
    assert directives(response)["object-src"] == ["'none'"]


def test_a_refused_host_gets_the_policy_with_its_400(client):
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "Content-Security-Policy" in response


def test_the_report_endpoint_comes_from_the_environment():
    printed = settings_in_production(
        "settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['report-uri']",
        CSP_REPORT_URI="https://csp-reports.example.com/newsroom",
    )
    assert printed == "['https://csp-reports.example.com/newsroom']"


def test_a_view_can_add_sources_with_csp_update(client, settings):
    from csp.decorators import csp_update
    from django.http import HttpResponse

    @csp_update({"img-src": "https://maps.example.com"})
    def map_page(request):
        return HttpResponse("map")

    settings.ROOT_URLCONF = _urlconf_with("map/", map_page)
    img_src = directives(client.get("/map/"))["img-src"]
    assert img_src[:2] == ["'self'", "data:"]
    assert "https://maps.example.com" in img_src


def test_django_csps_own_system_checks_pass():
    from django.apps import apps
    from django.core import checks

    errors = [e for e in checks.run_checks(tags=["security"]) if e.id.startswith("csp.")]
    assert errors == []
    assert apps.is_installed("csp")


class _Staff:
    is_authenticated = True
    is_staff = True


@pytest.mark.parametrize(
    "path, staff, frame, decorate",
    [
        ("/", False, "DENY", None),
        ("/", False, "SAMEORIGIN", None),
        ("/admin/articles/article/", True, "DENY", None),
        ("/admin/login/", False, "DENY", None),
        ("/frame/", False, "DENY", csp_replace({"script-src": ["'self'", "https://ads.example"]})),
    ],
)
def test_the_policy_built_once_is_what_django_csp_writes_for_each_response(
    rf, path, staff, frame, decorate
):
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse

    from newsroom.accounts.security import ContentSecurityPolicyMiddleware

    middleware = ContentSecurityPolicyMiddleware(lambda request: HttpResponse())

    def respond():
        response = HttpResponse("x")
        response["X-Frame-Options"] = frame
        if decorate is not None:  # what the decorator leaves on its view's response
            response = decorate(lambda request: response)(None)
        return response

    def request():
        made = rf.get(path)
        made.user = _Staff() if staff else None
        middleware.process_request(made)
        return made

    written = []
    for _ in range(3):  # the first builds the policy, the others reuse it
        ours, theirs = request(), request()
        ours_response = middleware.process_response(ours, respond())
        theirs._csp_nonce = getattr(ours, "_csp_nonce", None)
        theirs_response = CSPMiddleware.process_response(middleware, theirs, respond())
        assert (
            ours_response["Content-Security-Policy"] == (theirs_response["Content-Security-Policy"])
        )
        written.append(ours_response["Content-Security-Policy"])
    if not staff and decorate is None:
        assert len(set(written)) == 3  # each with its own nonce
