"""Database plumbing for more than one machine: read replicas, and a friendly page in an outage.

Replicas (DATABASE_REPLICA_URLS) take the reads of anonymous readers. The primary takes every
write, every migration, and all reads of:
- the admin and any request by signed-in staff (editors must see what they just saved),
- requests that are not GET/HEAD/OPTIONS, and the rest of a request once it has written,
- sessions, users and permissions (a login just written must be found on the next request).

The choice is made per request by PrimaryDatabaseMiddleware through a context variable the
router reads; code outside a request (management commands) reads from replicas until it writes.
"""

import contextvars
import logging
import random
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader

from newsroom.accounts.security import admin_prefix

logger = logging.getLogger(__name__)

PRIMARY = "default"
# Apps whose rows are read right after they are written, by the next request.
PRIMARY_ONLY_APPS = {"auth", "sessions", "contenttypes", "admin"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

_use_primary: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "newsroom_use_primary", default=False
)


def use_primary(value: bool = True) -> contextvars.Token:
    return _use_primary.set(value)


def replicas() -> list[str]:
    return list(getattr(settings, "DATABASE_REPLICAS", []))


class ReplicaRouter:
    """Reads to a random replica, everything else to the primary."""

    def db_for_read(self, model, **hints):
        available = replicas()
        if not available or _use_primary.get():
            return PRIMARY
        if model._meta.app_label in PRIMARY_ONLY_APPS:
            return PRIMARY
        instance = hints.get("instance")
        if instance is not None and instance._state.db == PRIMARY:
            # Following a relation from a row read on the primary stays there.
            return PRIMARY
        return random.choice(available)  # noqa: S311 - load spreading, not security

    def db_for_write(self, model, **hints):
        if replicas():
            # Read your writes: after a write, this request (or command) reads the primary.
            _use_primary.set(True)
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        pool = {PRIMARY, *replicas()}
        if obj1._state.db in pool and obj2._state.db in pool:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


def _wants_primary(request) -> bool:
    if request.method not in SAFE_METHODS:
        return True
    if request.path.startswith(admin_prefix()):
        return True
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        # No session, no staff: checked first so anonymous pages never touch the session
        # (touching it would add Vary: Cookie and split the page cache).
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff)


class PrimaryDatabaseMiddleware:
    """Decides, per request, whether reads may go to a replica. After AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replicas():
            return self.get_response(request)
        token = _use_primary.set(_wants_primary(request))
        try:
            return self.get_response(request)
        finally:
            _use_primary.reset(token)


# --- Outage ---------------------------------------------------------------------------------

DATABASE_DOWN = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def is_database_outage(exc: BaseException | None) -> bool:
    return isinstance(exc, DATABASE_DOWN)


def outage_response(request, exc: BaseException) -> HttpResponse:
    """The 503 page: rendered without the request's context processors, which read the
    database (SiteInfo), so it renders while the database is down."""
    logger.error(
        "database unavailable during %s %s: %s: %s",
        request.method,
        request.path,
        exc.__class__.__name__,
        str(exc).strip().splitlines()[0] if str(exc).strip() else "",
    )
    html = loader.get_template("503.html").render({"SITE_NAME": settings.SITE_NAME})
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseOutageMiddleware:
    """Turns a database connection error in a view into the friendly 503 page.

    Errors raised outside the view (a TemplateResponse rendered late, a middleware saving the
    session) reach handler500, which does the same (newsroom.site.views.server_error). Recovery
    needs nothing: Django drops a broken connection at the end of the request (CONN_HEALTH_CHECKS
    checks reused ones), so the first request after the database returns reconnects.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_database_outage(exception):
            return outage_response(request, exception)
        return None


def current_outage() -> BaseException | None:
    """The database error being handled right now, if that is what is being handled."""
    exc = sys.exc_info()[1]
    while exc is not None:
        if is_database_outage(exc):
            return exc
        exc = exc.__cause__ or exc.__context__
    return None
