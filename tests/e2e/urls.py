"""The site's URLs plus /media/, so pages with photos render whole with debug off."""

from django.conf import settings
from django.urls import path
from django.views.static import serve

from newsroom.urls import handler404, handler500
from newsroom.urls import urlpatterns as site_urlpatterns

__all__ = ["handler404", "handler500", "urlpatterns"]

urlpatterns = [
    path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}),
    *site_urlpatterns,
]
