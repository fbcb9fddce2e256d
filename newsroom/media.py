"""Uploaded media, where Django serves them itself: `make run` (DEBUG) and the browser checks'
server (tests/e2e/urls.py). In production nginx serves them by the same rule (docs/deploy.md).

Media come from the site's own origin, so a file that a browser rendered as a page would run
with the site's cookies and pages at hand. Only the picture types the upload pipeline stores
(newsroom/pictures.py) are served, each with its own Content-Type, `nosniff` and a policy that
forbids everything and sandboxes the document; any other name (html, svg, txt, no extension)
is a plain 404.
"""

from django.conf import settings
from django.http import HttpResponseNotFound
from django.urls import path
from django.views.decorators.http import require_safe
from django.views.static import serve

# Extension -> Content-Type: what newsroom/pictures.py writes (and .jpeg, a name the demo uses).
MEDIA_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
}
MEDIA_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


def media_type(name: str) -> str | None:
    """The Content-Type a stored file is served with, or None when it is never served."""
    filename = name.rsplit("/", 1)[-1]
    if "." not in filename:
        return None
    return MEDIA_TYPES.get(filename.rsplit(".", 1)[-1].lower())


@require_safe
def serve_media(request, path):
    content_type = media_type(path)
    if content_type is None:
        response = HttpResponseNotFound(b"", content_type="text/plain; charset=utf-8")
    else:
        response = serve(request, path, document_root=settings.MEDIA_ROOT)
        response["Content-Type"] = content_type
    for header, value in MEDIA_HEADERS.items():
        response[header] = value
    return response


def media_urlpatterns() -> list:
    """The route to prepend to a URL conf that serves media itself."""
    return [path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve_media, name="media")]
