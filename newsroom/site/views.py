"""The site's own pages: the health check and the Korean error pages."""

import logging

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .database import current_outage, outage_response

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request):
    """200 when the database answers a query, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("healthz: database unavailable: %s", exc)
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: Django's own page is English and renders without the request."""
    logger.warning("CSRF failure on %s: %s", request.path, reason)
    return render(request, "403_csrf.html", status=403)


def server_error(request):
    # A database outage outside the view (late template rendering, session save) lands here.
    outage = current_outage()
    if outage is not None:
        return outage_response(request, outage)
    # Rendered without context processors' database reads failing the error page itself.
    try:
        return render(request, "500.html", status=500)
    except Exception:
        logger.exception("500 page could not be rendered with the site layout")
        return render(request, "500_plain.html", status=500)
