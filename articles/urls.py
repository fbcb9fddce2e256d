from django.urls import path

from . import views

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("section/<slug:slug>/", views.section, name="section"),
    path("news/", views.latest, name="latest"),
    path("news/<int:pk>/", views.detail, name="detail"),
    path("reporter/<int:pk>/", views.reporter, name="reporter"),
    path("tag/<str:slug>/", views.tag, name="tag"),
    path("search/", views.search, name="search"),
    path("corrections/", views.corrections, name="corrections"),
    path("series/", views.series_index, name="series-index"),
    path("series/<int:pk>/", views.series, name="series"),
]
