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

from urllib.parse import urlsplit

from csp.constants import NONCE, SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings

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


def admin_prefix() -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("admin:index")
    except NoReverseMatch:  # a URLconf without the admin (some tests)
        return "/admin/"


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


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the deployment's asset origins, the editor's policy and
    Permissions-Policy (see the module's docstring)."""

    def process_response(self, request, response):
        editor = _is_editor_page(request)
        if not editor and hasattr(request, "csp_nonce"):
            str(request.csp_nonce)  # the nonce is made on first use: every page names one
        response = super().process_response(request, response)
        if editor:
            # CKEditor's dialogs load same-origin frames of their own.
            response["X-Frame-Options"] = "SAMEORIGIN"
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only and parts.config is None:
            parts.config = policy_directives(request, response)
        return parts
