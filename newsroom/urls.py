from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path

from articles import sitemaps as article_sitemaps
from articles import syndication
from articles import views as article_views
from articles.feeds import LatestArticlesFeed, SectionFeed
from articles.sitemaps import SITEMAPS, NewsSitemap
from newsroom.media import media_urlpatterns
from newsroom.pagecache.generation import cache_response

from .accounts import views as account_views
from .newsletter import views as newsletter_views
from .site import views as site_views

admin.site.site_header = f"{settings.SITE_NAME} 편집국"
admin.site.site_title = f"{settings.SITE_NAME} 편집국"
admin.site.index_title = "편집국 관리"

handler403 = "newsroom.site.views.permission_denied"
handler404 = "newsroom.site.views.page_not_found"
handler500 = "newsroom.site.views.server_error"

urlpatterns = [
    path("healthz", site_views.healthz, name="healthz"),
    path("admin/two-factor/", account_views.two_factor, name="two-factor"),
    path("admin/", admin.site.urls),
    path("banners/", include("banners.urls")),
    path("weather/", include("weather.urls")),
    # Discovery: robots.txt, sitemaps and RSS feeds (cached per content generation).
    path("robots.txt", cache_response("robots")(article_views.robots_txt), name="robots-txt"),
    path(
        "sitemap.xml",
        cache_response("sitemap-index")(article_sitemaps.index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap-index",
    ),
    path(
        "sitemap-news.xml",
        cache_response("sitemap-news")(sitemap_views.sitemap),
        {"sitemaps": {"news": NewsSitemap}, "template_name": "articles/news_sitemap.xml"},
        name="sitemap-news",
    ),
    path(
        "sitemap-<section>.xml",
        cache_response("sitemap")(sitemap_views.sitemap),
        {"sitemaps": SITEMAPS, "template_name": "articles/sitemap.xml"},
        name="sitemap-section",
    ),
    path("policy/<slug:kind>/", article_views.policy, name="policy"),
    # The newsletter: subscribe, confirm and unsubscribe by the signed links of its mails.
    path("newsletter/", newsletter_views.subscribe, name="newsletter"),
    path("newsletter/sent/", newsletter_views.subscribe_sent, name="newsletter-sent"),
    path("newsletter/confirm/<str:token>/", newsletter_views.confirm, name="newsletter-confirm"),
    path(
        "newsletter/unsubscribe/<str:token>/",
        newsletter_views.unsubscribe,
        name="newsletter-unsubscribe",
    ),
    path("rss/", cache_response("feed")(LatestArticlesFeed()), name="feed-all"),
    path("rss/<slug:slug>/", cache_response("feed")(SectionFeed()), name="feed-section"),
    # The full-text feed for partners: their key only, private, every fetch logged.
    path("partner/rss/", syndication.partner_feed, name="feed-partner"),
    path("", include("articles.urls")),
]

if settings.DEBUG:
    # `make run` serves uploads itself, pictures only (newsroom/media.py; nginx in production).
    urlpatterns = [*media_urlpatterns(), *urlpatterns]
