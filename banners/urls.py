from django.urls import path

from . import views

app_name = "banners"

urlpatterns = [
    path("c/<int:placement_id>/", views.click, name="click"),
    path("tag/<int:banner_id>/", views.ad_tag, name="tag"),
    path("v/", views.viewed, name="viewed"),
    path("report/<str:token>/", views.advertiser_report, name="report"),
    path("report/<str:token>/csv/", views.advertiser_report_csv, name="report-csv"),
]
