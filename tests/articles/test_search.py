import re
from datetime import timedelta

import pytest

from articles.models import Article
from articles.search import MAX_QUERY_LENGTH, parse_query, search_articles

pytestmark = pytest.mark.django_db


def results(client, query, **params):
    response = client.get("/search/", {"q": query, **params})
    assert response.status_code == 200
    html = response.content.decode()
    return html.split('class="columns__main', 1)[1].split("<aside", 1)[0]


def titles(query, order="newest"):
    return [article.title for article in search_articles(parse_query(query), order=order)]


@pytest.mark.parametrize(
    ("stored", "found"),
    [
        pytest.param(
            {
                "병원 소식": "지역 의료기관은 인력난을 호소했다.",
                "약국 소식": "대한약사회가 성명을 냈다.",
                "관계없는 기사": "날씨가 맑다.",
            },
            {"의료": ["병원 소식"], "약사": ["약국 소식"]},
            id="a two-syllable word inside longer words and with particles",
        ),
        pytest.param(
            # 관기의료 holds every bigram of 의료기관 but 료기; 료기의 의료 holds 의료 and 료기,
            # but not 의료기 together.
            {"관기의료": "기관 의료", "의료기관 평가": "본문", "료기의 의료": "본문"},
            {"의료기관": ["의료기관 평가"], "의료기": ["의료기관 평가"]},
            id="a three-syllable word needs its syllables in order",
        ),
        pytest.param(
            {"약 공급 부족": "본문", "R&D 투자 확대": "본문", "관계없음": "본문"},
            {"약": ["약 공급 부족"], "R&D": ["R&D 투자 확대"], "r&d 투자": ["R&D 투자 확대"]},
            id="one-character and punctuation terms fall back to substrings",
        ),
        pytest.param(
            {"mRNA 백신 생산": "COVID-19 대응"},
            {"MRNA": ["mRNA 백신 생산"], "covid-19": ["mRNA 백신 생산"], "covid-20": []},
            id="latin words are found whatever their case",
        ),
    ],
)
def test_a_word_finds_the_articles_that_hold_it_and_no_other(make_article, stored, found):
    for title, text in stored.items():
        make_article(title, body=f"<p>{text}</p>")
    for query, expected in found.items():
        assert titles(query) == expected, query


def test_search_covers_title_subtitle_and_body(make_article):
    make_article("제목에 백신이 있음", body="<p>본문</p>")
    make_article("부제에만", subtitle="백신 접종 확대", body="<p>본문</p>")
    make_article("본문에만", body="<p>mRNA 백신을 생산한다.</p>")
    assert sorted(titles("백신")) == sorted(["제목에 백신이 있음", "부제에만", "본문에만"])


def test_multi_word_query_needs_every_word(make_article):
    make_article("둘 다", body="<p>건강보험 재정과 수가 협상</p>")
    make_article("하나만", body="<p>건강보험 재정 전망</p>")
    assert titles("건강보험 수가") == ["둘 다"]


def test_newest_first_or_by_relevance(make_article):
    make_article("본문에만 있는 새 기사", body="<p>원격의료 논의</p>", ago=timedelta(hours=1))
    make_article("원격의료 제목 기사", body="<p>원격의료 시범사업</p>", ago=timedelta(days=3))
    assert titles("원격의료") == ["본문에만 있는 새 기사", "원격의료 제목 기사"]
    assert titles("원격의료", order="relevance") == ["원격의료 제목 기사", "본문에만 있는 새 기사"]


def test_latin_terms_ignore_case_korean_terms_need_no_case_folding(make_article):
    make_article("COVID 치료제 허가", body="<p>희귀질환 치료제</p>", ago=timedelta(hours=2))
    make_article("새 소식", body="<p>covid 대응과 희귀질환 지원</p>")
    assert titles("Covid") == ["새 소식", "COVID 치료제 허가"]
    assert titles("Covid", order="relevance") == ["COVID 치료제 허가", "새 소식"]
    assert titles("희귀질환") == ["새 소식", "COVID 치료제 허가"]
    # A term without letter case is tested as it is, not on an UPPER() copy of every body.
    assert "UPPER" not in str(search_articles(parse_query("희귀질환")).query)


def test_search_never_shows_unpublished_articles(make_article):
    make_article("게재된 비밀", body="<p>비밀</p>")
    make_article("초안 비밀", status=Article.Status.DRAFT)
    make_article("출고대기 비밀", status=Article.Status.SUBMITTED)
    make_article("중지된 비밀", status=Article.Status.WITHDRAWN)
    make_article("예약된 비밀", ago=timedelta(hours=-2))
    assert titles("비밀") == ["게재된 비밀"]


def test_search_page_highlights_the_terms_and_escapes_the_rest(client, make_article):
    make_article("의료기관 <인증> 개편", body="<p>의료기관은 평가를 받는다.</p>")
    html = results(client, "의료")
    assert "<mark>의료</mark>기관 &lt;인증&gt; 개편" in html
    assert "<mark>의료</mark>기관은 평가를 받는다." in html
    assert "기사 1건" in html


def test_search_page_paginates(client, make_article):
    for n in range(25):
        make_article(f"제약 소식 {n:02d}", ago=timedelta(hours=n))
    first = results(client, "제약")
    assert "기사 25건" in first and "<mark>제약</mark> 소식 00" in first
    assert "소식 24" not in first
    assert "page=2" in first
    second = results(client, "제약", page=2)
    assert "<mark>제약</mark> 소식 24" in second
    assert client.get("/search/", {"q": "제약", "page": 9}).status_code == 404


def test_sort_links_switch_between_newest_and_relevance(client, make_article):
    make_article("정렬 시험", body="<p>정렬</p>")
    html = results(client, "정렬", sort="relevance")
    assert 'sort=relevance" aria-current="true"' in html
    assert results(client, "정렬", sort="nonsense").count('aria-current="true"') == 1


@pytest.mark.parametrize("query", ["", "   ", "\"'()", "\x00"])
def test_empty_or_meaningless_query_gives_a_friendly_page(client, make_article, query):
    make_article()
    html = results(client, query)
    assert "검색" in html
    assert "기사 0건" not in html
    assert "pagination" not in html


def test_a_500_character_query_is_shortened_not_an_error(client, make_article):
    make_article("의료 기사", body="<p>의료</p>")
    html = results(client, "의료 " + "가" * 500)
    assert "검색어가 길어 앞부분만 검색했습니다" in html
    assert len(parse_query("가" * 500).text) == MAX_QUERY_LENGTH


@pytest.mark.parametrize(
    "query", ["100%", "a_b", "<script>alert(1)</script>", "'; DROP TABLE x; --", "🙂 의료", "\\"]
)
def test_odd_characters_are_searched_literally(client, make_article, query):
    make_article("퍼센트 100% 기사", body="<p>a_b 100%</p>")
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_percent_and_underscore_are_not_wildcards(make_article):
    make_article("퍼센트 기사", body="<p>점유율 100%</p>")
    make_article("다른 기사", body="<p>점유율 1000</p>")
    assert titles("100%") == ["퍼센트 기사"]


def test_search_query_ceiling(client, make_article, django_assert_max_num_queries):
    for n in range(30):
        make_article(f"의료 기사 {n}", body="<p>의료</p>")
    # PostgreSQL adds one: its row estimate, to tell whether the archive needs planned search.
    with django_assert_max_num_queries(9):
        assert client.get("/search/", {"q": "의료 기사", "sort": "relevance"}).status_code == 200
    with django_assert_max_num_queries(1):  # the same search again comes from the cache
        assert client.get("/search/", {"q": "의료 기사", "sort": "relevance"}).status_code == 200


def test_a_newly_published_article_is_found_at_once(client, make_article):
    make_article("첫 백신 기사")
    assert "첫 <mark>백신</mark> 기사" in results(client, "백신")
    make_article("둘째 백신 기사")
    assert "둘째 <mark>백신</mark> 기사" in results(client, "백신")


# gunicorn refuses a request line over 4094 bytes with a bare 414 (docs/deploy.md).
SERVER_LINE_LIMIT = 4094


def test_a_long_query_is_cut_and_no_link_of_the_page_grows_near_the_line_limit(
    client, make_article
):
    for n in range(25):
        make_article(f"제약 소식 {n:02d}", ago=timedelta(hours=n))
    raw = "제약 " * 190  # ~3,600 bytes once percent-encoded: just under the line limit
    response = client.get("/search/", {"q": raw, "sort": "newest", "utm_source": "x" * 200})
    assert response.status_code == 200
    html = response.content.decode()
    assert "검색어가 길어 앞부분만 검색했습니다." in html
    assert response.context["query"].text == raw[:MAX_QUERY_LENGTH].strip()
    links = [href for href in re.findall(r'href="([^"]*)"', html) if "q=" in href]
    assert any("page=2" in href for href in links)
    # The longest query we keep, percent-encoded, with the sort and page parameters.
    longest = len("/search/?q=") + MAX_QUERY_LENGTH * 9 + len("&amp;sort=relevance&amp;page=999999")
    assert longest < SERVER_LINE_LIMIT // 2
    assert max(len(href) for href in links) <= longest
    assert "utm_source" not in html


def test_search_inputs_limit_the_query_to_what_is_searched(client):
    for url in ("/search/", "/", "/no-such-page/"):
        html = client.get(url).content.decode()
        inputs = re.findall(r'<input[^>]*name="q"[^>]*>', html)
        assert inputs, url
        assert all(f'maxlength="{MAX_QUERY_LENGTH}"' in tag for tag in inputs), url
