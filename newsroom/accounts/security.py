"""Security headers Django does not set itself: Content-Security-Policy (django-csp) and
Permissions-Policy.

The policy itself is `CONTENT_SECURITY_POLICY` in settings; django-csp's middleware writes it
with a fresh nonce per request (`request.csp_nonce`; a template that needs an inline script
writes `<script nonce="{{ request.csp_nonce }}">`). Scripts never get 'unsafe-inline' on the
reader's site. A view that needs another policy uses django-csp's decorators (`csp_update`,
`csp_replace`); the ad frame (banners/views.py) writes a whole policy of its own.

`ContentSecurityPolicyMiddleware` adds what the settings cannot say:
- the origins of static files and media (a CDN domain, the object-storage bucket), read from
  the storage settings;
- every response names a nonce, used or not, so a cached page (newsroom.pagecache.pages) gets a
  fresh one on every hit like any other page;
- the editorial admin, only for signed-in staff: CKEditor 4 renders its toolbar with inline
  event handlers (`onmousedown="CKEDITOR.tools.callFunction(..)"`) and writes inline styles
  into its editing frame and dialogs' frames. Those pages (under the admin prefix) get
  'unsafe-inline' for scripts, no nonce (a nonce would switch 'unsafe-inline' off) and
  frame-ancestors 'self'. The admin's login page is not relaxed: an anonymous visitor always
  gets the strict policy.

It sits before WhiteNoise in MIDDLEWARE, so static files, media, redirects, error and outage
pages all carry the policy.
"""

import http.client
import secrets
from dataclasses import astuple
from urllib.parse import urlsplit

from csp.constants import HEADER, HEADER_REPORT_ONLY, NONCE, SELF, UNSAFE_INLINE
from csp.middleware import CheckableLazyObject, CSPMiddleware, PolicyParts
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

# Players an editor may embed. Ad tags run in frames from our own origin (/banners/tag/<id>/,
# see banners/views.py) under a policy of their own, so the ad networks' origins
# (CSP_AD_SOURCES) appear in that policy only, never in the pages'.
VIDEO_EMBED_ORIGINS = (
    "https://www.youtube-nocookie.com",
    "https://player.vimeo.com",
    "https://tv.naver.com",
)

PERMISSIONS_POLICY = ", ".join(
    [
        "accelerometer=()",
        "camera=()",
        "geolocation=()",
        "gyroscope=()",
        "magnetometer=()",
        "microphone=()",
        "payment=()",
        "usb=()",
        "browsing-topics=()",
        # The video players may go full screen; nothing else may.
        "fullscreen=(self " + " ".join(f'"{origin}"' for origin in VIDEO_EMBED_ORIGINS) + ")",
    ]
)

# Directives that name where the site's images, styles, fonts and media come from.
ASSET_DIRECTIVES = ("style-src", "img-src", "font-src", "media-src")


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme in {"http", "https"} and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


def _object_storage_origins() -> list[str]:
    """Where media URLs point when they come straight from the bucket (no CDN domain): the
    endpoint itself (path-style URLs) and the bucket's own host (virtual-hosted style)."""
    bucket = getattr(settings, "AWS_STORAGE_BUCKET_NAME", "")
    if not bucket or getattr(settings, "AWS_S3_CUSTOM_DOMAIN", None):
        return []
    endpoint = getattr(settings, "AWS_S3_ENDPOINT_URL", None)
    if not endpoint:
        region = getattr(settings, "AWS_S3_REGION_NAME", None)
        host = f"s3.{region}.amazonaws.com" if region else "s3.amazonaws.com"
        endpoint = f"https://{host}"
    parts = urlsplit(endpoint)
    return [f"{parts.scheme}://{parts.netloc}", f"{parts.scheme}://{bucket}.{parts.netloc}"]


# What the settings make of the same inputs, computed once per process: every response asks
# for both (`admin_prefix`, `_policy`), and neither changes while the settings do not.
_admin_prefixes: dict[tuple, str] = {}
_policies: dict[tuple, str] = {}


@receiver(setting_changed)
def _forget_policies(**kwargs) -> None:
    _admin_prefixes.clear()
    _policies.clear()


def admin_prefix() -> str:
    key = (get_urlconf(), get_script_prefix())
    prefix = _admin_prefixes.get(key)
    if prefix is None:
        try:
            prefix = reverse("admin:index")
        except NoReverseMatch:  # a URLconf without the admin (some tests)
            prefix = "/admin/"
        _admin_prefixes[key] = prefix
    return prefix


def _is_editor_page(request) -> bool:
    if not request.path.startswith(admin_prefix()):
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff)


def policy_directives(request, response) -> dict:
    """The settings' policy with the asset origins of this deployment, relaxed for the editor
    or for a page that may be framed by our own pages."""
    directives = {
        name: list(sources) if isinstance(sources, list | tuple) else sources
        for name, sources in settings.CONTENT_SECURITY_POLICY["DIRECTIVES"].items()
    }
    static_origin = _origin(settings.STATIC_URL)
    assets = [o for o in (static_origin, _origin(settings.MEDIA_URL)) if o]
    assets += _object_storage_origins()
    for name in ASSET_DIRECTIVES:
        directives[name] = [*directives.get(name, [SELF]), *assets]
    if static_origin:
        directives["script-src"].insert(1, static_origin)
    if _is_editor_page(request):
        scripts = [source for source in directives["script-src"] if source is not NONCE]
        directives["script-src"] = [scripts[0], UNSAFE_INLINE, *scripts[1:]]
        directives["img-src"].append("blob:")
        directives["frame-ancestors"] = [SELF]
    elif response.get("X-Frame-Options", "").upper() == "SAMEORIGIN":
        directives["frame-ancestors"] = [SELF]
    return directives


# Stands for the request's nonce in a memoized policy (random per process: no text of a view's
# own policy can contain it).
_NONCE_SLOT = f"nonce-slot-{secrets.token_hex(8)}"
# (report only?, header, the response's exemption attribute, the setting with its exclusions)
_HEADERS = (
    (False, HEADER, "_csp_exempt", "CONTENT_SECURITY_POLICY"),
    (True, HEADER_REPORT_ONLY, "_csp_exempt_ro", "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
)
_VIEW_POLICY_ATTRIBUTES = ("_csp_config", "_csp_update", "_csp_replace")


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the deployment's asset origins, the editor's policy and
    Permissions-Policy (see the module's docstring).

    django-csp builds the policy string anew for every response (two dataclass copies and a
    walk over every directive: about a seventh of a page-cache hit). The string depends only
    on the settings, on whether this is the editor's page, on the frame option, on a view's own
    policy (the decorators) and on the nonce, so it is built by django-csp's `build_policy`
    once per such combination, with a stand-in for the nonce, which each response then gets
    written in. What the header says is exactly what django-csp would write
    (tests/newsroom/test_security_headers.py compares the two)."""

    def process_response(self, request, response):
        editor = _is_editor_page(request)
        if not editor and hasattr(request, "csp_nonce"):
            str(request.csp_nonce)  # the nonce is made on first use: every page names one
        debug_codes = (http.client.INTERNAL_SERVER_ERROR, http.client.NOT_FOUND)
        if not (settings.DEBUG and response.status_code in debug_codes):  # as django-csp
            for report_only, header, exempt, setting in _HEADERS:
                if header in response or getattr(response, exempt, False) is not False:
                    continue
                excluded = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES")
                if excluded and request.path_info.startswith(tuple(excluded)):
                    continue
                policy = self._policy(request, response, editor=editor, report_only=report_only)
                if policy:
                    response[header] = policy
            # As django-csp: a nonce asked for after the header is written is an error.
            if getattr(request, "_csp_nonce", None) is None:
                request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        if editor:
            # CKEditor's dialogs load same-origin frames of their own.
            response["X-Frame-Options"] = "SAMEORIGIN"
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response

    def _policy(self, request, response, *, editor: bool, report_only: bool) -> str:
        suffix = "_ro" if report_only else ""
        nonce = getattr(request, "_csp_nonce", None)
        key = (
            report_only,
            editor,
            response.get("X-Frame-Options", "").upper() == "SAMEORIGIN",
            nonce is not None,
            # A view's own policy (rare: the ad frame, a decorated view), by value.
            repr([getattr(response, name + suffix, None) for name in _VIEW_POLICY_ATTRIBUTES]),
        )
        policy = _policies.get(key)
        if policy is None:
            parts = self.get_policy_parts(request, response, report_only=report_only)
            if parts.nonce is not None:
                parts.nonce = _NONCE_SLOT
            policy = build_policy(*astuple(parts), report_only=report_only)
            if len(_policies) > 256:  # views' own policies are few; never let it grow
                _policies.clear()
            _policies[key] = policy
        return policy.replace(_NONCE_SLOT, nonce) if nonce is not None else policy

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only and parts.config is None:
            parts.config = policy_directives(request, response)
        return parts
