"""At most 8 queries on every public page the page cache has not stored yet, on a running site
(issue 18): the long tail of an archive, where nearly every article request is the page's first.

"Running site": the parts every page shares were read before by another page (the site's
details, the sections, the banners' live set, the weather, the 속보 line), as they are between
two desk changes. The pages' own data and the side column's lists are cold."""

import pytest

from newsroom.pagecache.generation import LISTS, bump_generation, bump_scopes
from tests.user_agents import BROWSER

from .test_pages import full_article  # noqa: F401 -- the fixture

pytestmark = pytest.mark.django_db

CEILING = 8
# The article page: the article (its bylines, tags, related ids and lead photo's sizes in the same
# row), its related articles (with their pictures), the view count and the side column's two cold
# lists.
ARTICLE_CEILING = 5


@pytest.fixture
def running_site(client, full_article, reporter):  # noqa: F811
    bump_generation()
    client.get("/news/999999/", **BROWSER)  # a 404 page reads the shared parts
    bump_scopes([LISTS])  # the desk's last publish: every list is cold
    return full_article


def public_urls(article, reporter) -> list[str]:
    return [
        "/",
        "/news/",
        article.get_absolute_url(),
        "/section/policy/",
        "/tag/지역수가/",
        "/search/?q=시범사업",
        reporter.get_absolute_url(),
        "/corrections/",
        "/series/",
        "/rss/",
        "/sitemap.xml",
        "/sitemap-news.xml",
    ]


@pytest.mark.parametrize("index", range(12))
def test_every_public_page_reads_at_most_eight_queries_on_a_running_site(
    client, running_site, reporter, index, django_assert_max_num_queries
):
    url = public_urls(running_site, reporter)[index]
    with django_assert_max_num_queries(CEILING):
        assert client.get(url, **BROWSER).status_code == 200


def test_an_article_page_reads_at_most_six_queries_on_a_running_site(
    client, running_site, django_assert_max_num_queries
):
    with django_assert_max_num_queries(ARTICLE_CEILING):
        response = client.get(running_site.get_absolute_url(), **BROWSER)
    assert response.status_code == 200
    html = response.content.decode()
    # Bylines, tags and the related article all shown from the one article query.
    assert "#지역수가</a>" in html and "관련된 다른 기사" in html
    assert running_site.reporters.get().name + " 기자" in html
