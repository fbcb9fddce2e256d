"""The site's URLs plus /media/, so pages with photos render whole with debug off (served by
the same view as `make run`'s, pictures only: newsroom/media.py)."""

from newsroom.media import media_urlpatterns
from newsroom.urls import handler404, handler500
from newsroom.urls import urlpatterns as site_urlpatterns

__all__ = ["handler404", "handler500", "urlpatterns"]

urlpatterns = [
    *media_urlpatterns(),
    *site_urlpatterns,
]
