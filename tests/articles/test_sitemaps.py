import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from articles import sitemaps
from articles.models import Article

pytestmark = pytest.mark.django_db

NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}


def xml(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return ET.fromstring(response.content)


def locs(root):
    return [loc.text for loc in root.iterfind(".//sm:loc", NS)]


def test_sitemap_index_lists_the_sitemaps_with_lastmod(client, make_article):
    make_article()
    root = xml(client, "/sitemap.xml")
    assert root.tag == f"{{{NS['sm']}}}sitemapindex"
    entries = root.findall("sm:sitemap", NS)
    urls = [entry.findtext("sm:loc", namespaces=NS) for entry in entries]
    assert any(url.endswith("/sitemap-articles.xml") for url in urls)
    assert any(url.endswith("/sitemap-sections.xml") for url in urls)
    for entry in entries:
        assert entry.findtext("sm:lastmod", namespaces=NS).endswith("+09:00")


def test_large_article_sitemap_is_split_into_pages_in_the_index(client, make_article, monkeypatch):
    monkeypatch.setattr(sitemaps.ArticleSitemap, "limit", 2)
    articles = [make_article() for _ in range(5)]
    urls = locs(xml(client, "/sitemap.xml"))
    assert any(url.endswith("/sitemap-articles.xml?p=3") for url in urls)
    page3 = locs(xml(client, "/sitemap-articles.xml?p=3"))
    assert len(page3) == 1 and page3[0].endswith(articles[0].get_absolute_url())


def test_article_sitemap_lists_only_published_articles_with_lastmod(client, make_article, settings):
    public = make_article("게재")
    hidden = [
        make_article(status=Article.Status.DRAFT),
        make_article(status=Article.Status.SUBMITTED),
        make_article(status=Article.Status.WITHDRAWN),
        make_article(ago=timedelta(hours=-1)),
    ]
    root = xml(client, "/sitemap-articles.xml")
    urls = locs(root)
    assert urls == [f"{settings.SITE_URL}{public.get_absolute_url()}"]
    assert all(h.get_absolute_url() not in "".join(urls) for h in hidden)
    assert root.find(".//sm:lastmod", NS).text.endswith("+09:00")


def test_news_sitemap_lists_the_last_two_days_only(client, make_article, settings):
    fresh = make_article("오늘 기사 <속보>", ago=timedelta(hours=3))
    make_article("사흘 전 기사", ago=timedelta(days=3))
    make_article("초안", status=Article.Status.DRAFT)
    root = xml(client, "/sitemap-news.xml")
    urls = root.findall("sm:url", NS)
    assert len(urls) == 1
    url = urls[0]
    assert url.findtext("sm:loc", namespaces=NS) == f"{settings.SITE_URL}{fresh.get_absolute_url()}"
    news = url.find("news:news", NS)
    assert news.findtext("news:title", namespaces=NS) == "오늘 기사 <속보>"
    assert news.findtext("news:publication/news:language", namespaces=NS) == "ko"
    assert news.findtext("news:publication/news:name", namespaces=NS)
    published = news.findtext("news:publication_date", namespaces=NS)
    assert published == timezone.localtime(fresh.published_at).isoformat(timespec="seconds")
    assert published.endswith("+09:00")


def test_sitemap_shows_a_new_article_at_once(client, make_article):
    make_article("첫 기사")
    assert len(locs(xml(client, "/sitemap-articles.xml"))) == 1
    make_article("둘째 기사")
    assert len(locs(xml(client, "/sitemap-articles.xml"))) == 2


def test_robots_txt_names_the_sitemaps(client, settings):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "User-agent: *" in text
    assert f"Sitemap: {settings.SITE_URL}/sitemap.xml" in text
    assert f"Sitemap: {settings.SITE_URL}/sitemap-news.xml" in text
    assert "Disallow: /admin/" in text


def test_sitemap_query_ceiling(client, make_article, django_assert_max_num_queries):
    for _ in range(30):
        make_article()
    for url in (
        "/sitemap.xml",
        "/sitemap-articles.xml",
        "/sitemap-sections.xml",
        "/sitemap-news.xml",
    ):
        with django_assert_max_num_queries(6):
            assert client.get(url).status_code == 200


def test_sitemap_index_and_its_sitemaps_name_site_url_whatever_host_was_asked(
    client, make_article, settings
):
    settings.SITE_URL = "https://news.example.kr"
    settings.ALLOWED_HOSTS = ["internal.example", "news.example.kr"]
    make_article()
    response = client.get("/sitemap.xml", HTTP_HOST="internal.example")
    assert response.status_code == 200
    index_urls = locs(ET.fromstring(response.content))
    assert index_urls and all(u.startswith("https://news.example.kr/sitemap-") for u in index_urls)
    articles = client.get("/sitemap-articles.xml", HTTP_HOST="internal.example")
    article_urls = locs(ET.fromstring(articles.content))
    assert article_urls and all(u.startswith("https://news.example.kr/") for u in article_urls)
