"""Security headers Django does not set itself: Content-Security-Policy and Permissions-Policy.

Every request gets a fresh nonce, `request.csp_nonce`; a template that needs an inline script
writes `<script nonce="{{ request.csp_nonce }}">`. Scripts never get 'unsafe-inline' on the
reader's site.

The editorial admin is the one exception, and only for signed-in staff: CKEditor 4 renders its
toolbar with inline event handlers (`onmousedown="CKEDITOR.tools.callFunction(..)"`) and
writes inline styles into its editing frame and dialogs' frames. Those pages (under the admin
prefix) get 'unsafe-inline' for scripts, no nonce (a nonce would switch 'unsafe-inline' off) and
frame-ancestors 'self'.
The admin's login page is not relaxed: an anonymous visitor always gets the strict policy.

The page cache (newsroom.pagecache) stores a page with the policy it was rendered with, less
its nonce (a page whose body uses the nonce is not stored at all, since a nonce must not be
served twice); a response that already carries a policy is left alone.
"""

import secrets
from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import NoReverseMatch, reverse

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


def base_policy(nonce: str | None) -> dict[str, list[str]]:
    """The reader site's policy, as directive -> sources."""
    media_origin = _origin(settings.MEDIA_URL)
    static_origin = _origin(settings.STATIC_URL)
    assets = [origin for origin in (static_origin, media_origin) if origin]
    assets += _object_storage_origins()
    script_src = ["'self'", *([static_origin] if static_origin else [])]
    if nonce:
        script_src.append(f"'nonce-{nonce}'")
    return {
        "default-src": ["'self'"],
        "script-src": script_src,
        # Inline styles stay allowed: the editor's markup needs them; styles cannot run code.
        "style-src": ["'self'", "'unsafe-inline'", *assets],
        "img-src": ["'self'", "data:", *assets],
        "font-src": ["'self'", "data:", *assets],
        "media-src": ["'self'", *assets],
        "connect-src": ["'self'"],
        "frame-src": ["'self'", *VIDEO_EMBED_ORIGINS],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }


def admin_prefix() -> str:
    try:
        return reverse("admin:index")
    except NoReverseMatch:  # a URLconf without the admin (some tests)
        return "/admin/"


def _relaxed_prefixes() -> tuple[str, ...]:
    return (admin_prefix(),)


def _is_editor_page(request) -> bool:
    if not request.path.startswith(_relaxed_prefixes()):
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff)


def policy_for(request, response) -> dict[str, list[str]]:
    if _is_editor_page(request):
        policy = base_policy(nonce=None)
        policy["script-src"] = ["'self'", "'unsafe-inline'", *policy["script-src"][1:]]
        policy["img-src"].append("blob:")
        policy["frame-ancestors"] = ["'self'"]
    else:
        policy = base_policy(nonce=request.csp_nonce)
        if response.get("X-Frame-Options", "").upper() == "SAMEORIGIN":
            policy["frame-ancestors"] = ["'self'"]
    policy.update(getattr(response, "csp_update", {}))
    report_uri = getattr(settings, "CSP_REPORT_URI", "")
    if report_uri:
        policy["report-uri"] = [report_uri]
    return policy


def render_policy(policy: dict[str, list[str]]) -> str:
    return "; ".join(" ".join([name, *dict.fromkeys(sources)]) for name, sources in policy.items())


class SecurityHeadersMiddleware:
    """Sets Content-Security-Policy (with a per-request nonce) and Permissions-Policy.

    Sits before XFrameOptionsMiddleware in MIDDLEWARE so it sees that header when it builds
    frame-ancestors.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = render_policy(policy_for(request, response))
        if _is_editor_page(request):
            # CKEditor's dialogs load same-origin frames of their own.
            response["X-Frame-Options"] = "SAMEORIGIN"
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


def csp_update(**directives: list[str]):
    """View decorator replacing whole directives for one view's responses, e.g. an ad frame
    served from its own URL: `@csp_update(script_src=["'self'", "https://ads.example"])`."""
    update = {name.replace("_", "-"): list(sources) for name, sources in directives.items()}

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response.csp_update = update
            return response

        return wrapped

    return decorator
