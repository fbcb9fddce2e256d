import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Every test writes uploads into its own temp folder, so nothing is left behind."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def clear_cache():
    """A clean cache per test: cached pages and fragments never leak between tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
