"""정정·반론·추후보도 as readers see them: on the article page as prominently as the standfirst,
in its JSON-LD and feed item, and on /corrections/, newest first; cached pages show a new or
withdrawn notice at once."""

import json
import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from articles import services
from articles.models import Article, CorrectionNotice
from articles.pagination import PAGE_SIZE
from newsroom.site.roles import DESK, ensure_roles

from .test_pages import LIVE_PARTS

pytestmark = pytest.mark.django_db

Kind = CorrectionNotice.Kind
TEXT = (
    "본지는 8월 26일자 기사에서 지원 규모를 3조원으로 보도했으나,\n"
    "사실은 3천억원이기에 바로잡습니다."
)


@pytest.fixture
def desk(django_user_model):
    ensure_roles()
    user = django_user_model.objects.create_user("desk", password="pw-for-tests-only")
    user.groups.add(Group.objects.get(name=DESK))
    return user


@pytest.fixture
def article(make_article):
    return make_article("지원 대책 발표", subtitle="필수의료 지원", ago=timedelta(hours=5))


def json_lds(html: str) -> list[dict]:
    found = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(text) for text in found]


def test_a_notice_shows_right_under_the_standfirst_with_its_kind_and_time(
    client, article, desk, browser
):
    before = client.get(article.get_absolute_url(), **browser).content.decode()
    assert "수정 <time" not in before
    notice = services.notice_add(article=article, kind=Kind.CORRECTION, text=TEXT, by=desk)
    html = client.get(article.get_absolute_url(), **browser).content.decode()
    subtitle = html.index('<div class="article__subtitle">')
    aside = html.index('<aside class="correction" aria-label="정정보도">')
    assert subtitle < aside < html.index('<div class="article__meta">')
    block = html[aside : html.index("</aside>", aside)]
    assert '<strong class="correction__kind">정정보도</strong>' in block
    assert "<p>본지는 8월 26일자 기사에서 지원 규모를 3조원으로 보도했으나,</p>" in block
    assert "<p>사실은 3천억원이기에 바로잡습니다.</p>" in block
    local = timezone.localtime(notice.published_at)
    assert f"{local:%Y.%m.%d %H:%M}" in block
    assert "(수정" not in block
    # Adding the notice is an edit: the page shows 수정 at the notice's time.
    assert f'수정 <time datetime="{local.isoformat(timespec="seconds")}">' in html


def test_an_amended_notice_says_when_it_was_amended_and_a_withdrawn_one_is_gone(
    client, article, desk, browser
):
    notice = services.notice_add(
        article=article,
        kind=Kind.REPLY,
        text="반론",
        by=desk,
        now=timezone.now() - timedelta(hours=1),
    )
    services.notice_amend(notice=notice, kind=Kind.REPLY, text="고친 반론", by=desk)
    html = client.get(article.get_absolute_url(), **browser).content.decode()
    assert '<aside class="correction" aria-label="반론보도">' in html
    assert "<p>고친 반론</p>" in html and '<span class="correction__amended">(수정 <time' in html
    services.notice_withdraw(notice=notice, by=desk, reason="착오")
    html = client.get(article.get_absolute_url(), **browser).content.decode()
    assert "correction" not in html.split('<footer class="site-footer">')[0]
    assert "고친 반론" not in client.get("/corrections/").content.decode()


def test_the_json_ld_carries_the_notices(client, article, desk, browser):
    plain = json_lds(client.get(article.get_absolute_url(), **browser).content.decode())[0]
    assert "correction" not in plain
    notice = services.notice_add(article=article, kind=Kind.FOLLOW_UP, text=TEXT, by=desk)
    data = json_lds(client.get(article.get_absolute_url(), **browser).content.decode())[0]
    assert data["correction"] == [
        {
            "@type": "CorrectionComment",
            "name": "추후보도",
            "text": TEXT,
            "datePublished": timezone.localtime(notice.published_at).isoformat(timespec="seconds"),
        }
    ]
    assert data["dateModified"] == data["correction"][0]["datePublished"]


def test_the_feed_item_leads_with_the_notice(client, article, make_article, desk):
    other = make_article("다른 기사")
    services.notice_add(article=article, kind=Kind.CORRECTION, text=TEXT, by=desk)
    for url in ("/rss/", "/rss/policy/"):
        root = ElementTree.fromstring(client.get(url).content)
        items = {item.findtext("title"): item for item in root.iter("item")}
        description = items["지원 대책 발표"].findtext("description")
        assert description.startswith("[정정보도] 본지는 8월 26일자 기사에서")
        assert "[정정" not in items[other.title].findtext("description")


def test_the_corrections_page_lists_notices_newest_first_with_their_articles(
    client, make_article, desk
):
    now = timezone.now()
    older = make_article("첫 기사", ago=timedelta(hours=5))
    newer = make_article("둘째 기사", ago=timedelta(hours=5))
    services.notice_add(
        article=older, kind=Kind.REPLY, text="먼저 낸 반론", by=desk, now=now - timedelta(hours=2)
    )
    services.notice_add(article=newer, kind=Kind.CORRECTION, text="나중 정정", by=desk, now=now)
    hidden = make_article("내려간 기사")
    services.notice_add(article=hidden, kind=Kind.CORRECTION, text="내려간 기사의 정정", by=desk)
    services.article_withdraw(article=hidden, by=desk)
    response = client.get("/corrections/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 class="list-page__title" id="list-heading">정정·반론보도</h1>' in html
    assert "정정보도·반론보도·추후보도 2건" in html
    assert html.index("나중 정정") < html.index("먼저 낸 반론")
    assert f'<a href="{newer.get_absolute_url()}">둘째 기사</a>' in html
    assert "내려간 기사의 정정" not in html
    assert '<a href="/corrections/">정정·반론보도</a>' in html  # the footer link
    assert "public" in response["Cache-Control"]


def test_the_corrections_page_without_notices_says_so(client):
    html = client.get("/corrections/").content.decode()
    assert "아직 게시된 정정·반론보도가 없습니다." in html


def test_the_corrections_page_is_paginated_and_a_page_past_the_end_is_a_404(client, article, desk):
    for number in range(PAGE_SIZE + 1):
        services.notice_add(article=article, kind=Kind.CORRECTION, text=f"정정 {number}번", by=desk)
    first = client.get("/corrections/").content.decode()
    assert "정정 20번" in first and "정정 0번" not in first
    assert 'href="?page=2"' in first
    assert "정정 0번" in client.get("/corrections/?page=2").content.decode()
    assert client.get("/corrections/?page=3").status_code == 404


def test_corrections_page_query_ceiling_and_cache(
    client, make_article, desk, django_assert_max_num_queries
):
    for number in range(30):
        article = make_article(f"기사 {number}")
        services.notice_add(article=article, kind=Kind.CORRECTION, text="정정", by=desk)
    with django_assert_max_num_queries(8):
        assert client.get("/corrections/").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get("/corrections/?page=2").status_code == 200
    with django_assert_max_num_queries(1):  # the same page again: from the page cache
        assert client.get("/corrections/").status_code == 200


def test_article_page_query_ceiling_holds_with_notices(
    client, article, desk, browser, django_assert_max_num_queries
):
    for kind in Kind.values:
        services.notice_add(article=article, kind=kind, text="알림", by=desk)
    with django_assert_max_num_queries(12 + LIVE_PARTS):
        assert client.get(article.get_absolute_url(), **browser).status_code == 200


def test_cached_pages_show_a_new_and_a_withdrawn_notice_at_once(client, article, desk, browser):
    url = article.get_absolute_url()
    for page in (url, "/corrections/", "/rss/"):
        client.get(page, **browser)  # warm every cache
    notice = services.notice_add(article=article, kind=Kind.CORRECTION, text="새 정정", by=desk)
    for page in (url, "/corrections/", "/rss/"):
        assert "새 정정" in client.get(page, **browser).content.decode(), page
    services.notice_withdraw(notice=notice, by=desk, reason="착오")
    for page in (url, "/corrections/", "/rss/"):
        assert "새 정정" not in client.get(page, **browser).content.decode(), page


def test_a_notice_on_an_article_that_is_withdrawn_leaves_the_public_list(article, desk):
    services.notice_add(article=article, kind=Kind.CORRECTION, text="정정", by=desk)
    assert CorrectionNotice.objects.public().count() == 1
    Article.objects.filter(pk=article.pk).update(status=Article.Status.WITHDRAWN)
    assert CorrectionNotice.objects.public().count() == 0
    assert CorrectionNotice.objects.shown().count() == 1
