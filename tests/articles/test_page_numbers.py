"""`?page=` takes ASCII digits only: "²" and "①" pass str.isdigit() and then break int(), "٣"
and "1_0" are taken by int(). Every one is a 404 on every paged reader page, never a 500."""

import pytest

BAD_PAGES = ["²", "①", "١", "٣", "１", "1_0", " 1", "-1", "0", "", "1" * 7, "1.0"]


@pytest.fixture
def paged_urls(make_article, reporter, make_tag, section):
    tag = make_tag("필수의료")
    article = make_article("필수의료 기사", reporters=[reporter], tags=[tag])
    return {
        "latest": "/news/",
        "section": article.section.get_absolute_url(),
        "reporter": reporter.get_absolute_url(),
        "tag": tag.get_absolute_url(),
        "search": "/search/?q=필수의료",
    }


@pytest.mark.parametrize("page", ["latest", "section", "reporter", "tag", "search"])
@pytest.mark.parametrize("number", BAD_PAGES)
def test_a_page_number_that_is_not_ascii_digits_is_a_404(client, paged_urls, page, number):
    url = paged_urls[page]
    separator = "&" if "?" in url else "?"
    response = client.get(url + separator + "page=" + number)
    assert response.status_code == 404


@pytest.mark.parametrize("page", ["latest", "section", "reporter", "tag", "search"])
def test_page_one_still_answers(client, paged_urls, page):
    url = paged_urls[page]
    separator = "&" if "?" in url else "?"
    assert client.get(url).status_code == 200
    assert client.get(url + separator + "page=1").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/sitemap-articles.xml?p=",
        "/sitemap.xml?p=",
        "/rss/?page=",
        "/rss/policy/?page=",
        "/?page=",
        "/weather/?page=",
        "/news/?p=",
    ],
)
@pytest.mark.parametrize("number", ["²", "①", "٣", "1_0"])
def test_no_other_reader_url_fails_on_odd_digits(client, make_article, url, number):
    make_article("필수의료 기사")
    assert client.get(url + number).status_code in {200, 404}
