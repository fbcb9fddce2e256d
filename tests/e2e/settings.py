"""Settings of the server the browser checks run against: production settings (debug off,
manifest static files served by WhiteNoise) plus uploaded media served by Django, which in
production is nginx's job (see urls.py). Everything else comes from the environment that
tests/e2e/server.py sets."""

from newsroom.settings.base import *  # noqa: F403

ROOT_URLCONF = "tests.e2e.urls"
