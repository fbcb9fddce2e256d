from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from articles import uploads

from . import views

admin.site.site_header = f"{settings.SITE_NAME} 편집국"
admin.site.site_title = f"{settings.SITE_NAME} 편집국"
admin.site.index_title = "편집국 관리"

handler404 = "newsroom.views.page_not_found"
handler500 = "newsroom.views.server_error"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # Our upload and browse views take django-ckeditor's URLs (see articles/uploads.py).
    path("ckeditor/upload/", uploads.upload, name="ckeditor_upload"),
    path("ckeditor/browse/", uploads.browse, name="ckeditor_browse"),
    path("ckeditor/", include("ckeditor_uploader.urls")),
    path("banners/", include("banners.urls")),
    path("weather/", include("weather.urls")),
    path("", include("articles.urls")),
]

if settings.DEBUG:
    urlpatterns.insert(0, path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}))
