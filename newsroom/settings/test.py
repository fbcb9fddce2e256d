"""Test settings: the base settings with fast hashing, plain static storage and temp media."""

import os
import tempfile

os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-only-for-the-test-run")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from .base import *  # noqa: F403
from .base import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests need no collectstatic: WhiteNoise serves from the finders, STATIC_ROOT is a temp folder.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT = tempfile.mkdtemp(prefix="newsroom-test-static-")
# Tests point MEDIA_ROOT at a per-test temp folder (tests/conftest.py); this is the fallback.
MEDIA_ROOT = tempfile.mkdtemp(prefix="newsroom-test-media-")
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Tests change data and read pages in one process, often with the clock moved: no per-process
# memo (the memo's own tests turn it on).
PAGE_CACHE_LOCAL_SECONDS = 0
# Every view written at once, so a test reads it back directly (viewcounts' tests batch).
ARTICLE_VIEW_FLUSH_SECONDS = 0
# Tests of other features sign staff in with force_login; the second factor's own tests
# (tests/newsroom/test_two_factor.py) require it for their roles.
OTP_REQUIRED_ROLES = []
