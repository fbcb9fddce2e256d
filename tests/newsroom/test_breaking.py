"""속보 (issue 17): the desk's one-line banner over every page, a live part of the page cache,
so a cached page shows it at once and loses it at its expiry with no save."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from newsroom.site.models import BreakingNews, validate_breaking_link
from newsroom.site.roles import AD_MANAGER, DESK, REPORTER
from tests.factories import publish, staff_user
from tests.security.htmlcheck import XSS_VECTORS as VECTORS
from tests.security.htmlcheck import executable_parts
from tests.user_agents import BROWSER

from .test_page_cache import cached_get

pytestmark = pytest.mark.django_db


def breaking(headline="[속보] 식약처, 비만치료제 긴급 안전성 서한", link="/news/", **times):
    now = timezone.now()
    times.setdefault("starts_at", now - timedelta(minutes=1))
    times.setdefault("expires_at", now + timedelta(hours=1))
    return BreakingNews.objects.create(headline=headline, link=link, **times)


def banner_of(html: str) -> str:
    start = html.find('<div class="breaking"')
    return "" if start < 0 else html[start : html.index("</div>\n</div>", start)]


def test_a_new_breaking_banner_shows_at_once_on_every_cached_page(client):
    article = publish("속보 전의 기사")
    urls = ["/", article.get_absolute_url(), "/search/?q=기사", "/corrections/"]
    for url in urls:
        assert banner_of(cached_get(client, url).content.decode()) == ""
    breaking(link=article.get_absolute_url())
    for url in urls:
        banner = banner_of(client.get(url, **BROWSER).content.decode())
        assert "식약처, 비만치료제 긴급 안전성 서한" in banner, url
        assert f'href="{article.get_absolute_url()}"' in banner
        assert 'aria-label="속보"' in banner


def test_the_banner_goes_away_by_itself_at_its_expiry_with_no_save(client):
    now = timezone.now()
    breaking(expires_at=now + timedelta(minutes=10))
    assert "긴급 안전성 서한" in banner_of(cached_get(client, "/").content.decode())
    with time_machine.travel(now + timedelta(minutes=11), tick=False):
        assert banner_of(client.get("/", **BROWSER).content.decode()) == ""


def test_a_banner_due_later_appears_at_its_start(client):
    now = timezone.now()
    breaking(starts_at=now + timedelta(minutes=5), expires_at=now + timedelta(hours=1))
    assert banner_of(cached_get(client, "/").content.decode()) == ""
    with time_machine.travel(now + timedelta(minutes=6), tick=False):
        assert "긴급 안전성 서한" in banner_of(client.get("/", **BROWSER).content.decode())


def test_switched_off_or_deleted_it_leaves_every_page_at_once(client):
    item = breaking()
    assert "긴급" in banner_of(cached_get(client, "/").content.decode())
    item.is_active = False
    item.save()
    assert banner_of(client.get("/", **BROWSER).content.decode()) == ""
    second = breaking(headline="두 번째 속보")
    assert "두 번째 속보" in banner_of(client.get("/", **BROWSER).content.decode())
    second.delete()
    assert banner_of(client.get("/", **BROWSER).content.decode()) == ""


def test_of_two_banners_on_the_latest_started_shows(client):
    now = timezone.now()
    breaking(headline="먼저 올린 속보", starts_at=now - timedelta(minutes=30))
    breaking(headline="나중 속보", starts_at=now - timedelta(minutes=2))
    banner = banner_of(client.get("/").content.decode())
    assert "나중 속보" in banner and "먼저 올린 속보" not in banner


def test_a_cached_page_with_a_banner_is_served_without_the_database(client):
    breaking()
    cached_get(client, "/")
    client.get("/", **BROWSER)  # the banner's rows are in the cache now
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/", **BROWSER).content.decode()
    assert "긴급 안전성 서한" in banner_of(html)
    assert queries.captured_queries == []


@pytest.mark.parametrize(
    "link",
    [
        "/news/articles/1/",
        "/search/?q=%EC%86%8D%EB%B3%B4",
        "https://www.mfds.go.kr/brd/m_99/view.do?seq=1",
        "http://example.com/",
    ],
)
def test_links_to_our_pages_or_to_web_addresses_are_accepted(link):
    validate_breaking_link(link)


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "//evil.example/",
        "/\\evil.example/",
        "https:///nohost",
        " /news/",
        "/news/\r\nSet-Cookie: x=1",
        "news/articles/1/",
        "ftp://example.com/",
        "/news/ articles",
    ],
)
def test_links_a_browser_could_run_or_read_as_another_site_are_refused(link):
    with pytest.raises(ValidationError) as refused:
        validate_breaking_link(link)
    assert "연결 주소는" in refused.value.messages[0]


def _form(**fields):
    now = timezone.localtime()
    # A minute ago, date and time alike (just after midnight that minute is yesterday's).
    start = now - timedelta(minutes=1)
    data = {
        "headline": "[속보] 보건복지부, 의대 정원 발표",
        "link": "/news/",
        "starts_at_0": f"{start:%Y-%m-%d}",
        "starts_at_1": f"{start:%H:%M:%S}",
        "expires_at_0": f"{now + timedelta(hours=2):%Y-%m-%d}",
        "expires_at_1": f"{now + timedelta(hours=2):%H:%M:%S}",
        "is_active": "on",
    }
    data.update(fields)
    return data


def test_the_desk_sets_a_banner_in_the_admin_and_readers_see_it(client):
    desk = staff_user("desk", role=DESK)
    client.force_login(desk)
    form = client.get("/admin/newsroom/breakingnews/add/")
    assert form.status_code == 200
    # The form starts with now and an expiry a few hours later.
    assert 'name="expires_at_0"' in form.content.decode()
    response = client.post("/admin/newsroom/breakingnews/add/", _form())
    assert response.status_code == 302
    item = BreakingNews.objects.get()
    assert item.created_by == desk
    client.logout()
    assert "의대 정원 발표" in banner_of(client.get("/").content.decode())


def test_the_form_refuses_a_bad_link_or_an_expiry_before_the_start_in_korean(client):
    client.force_login(staff_user("desk", role=DESK))
    refused = client.post("/admin/newsroom/breakingnews/add/", _form(link="javascript:alert(1)"))
    assert refused.status_code == 200 and "연결 주소는" in refused.content.decode()
    now = timezone.localtime()
    backwards = _form(expires_at_0=f"{now - timedelta(days=1):%Y-%m-%d}")
    refused = client.post("/admin/newsroom/breakingnews/add/", backwards)
    assert "게시 종료는 게시 시작보다 뒤여야 합니다." in refused.content.decode()
    assert not BreakingNews.objects.exists()


@pytest.mark.parametrize("role", [REPORTER, AD_MANAGER])
def test_other_roles_can_neither_see_nor_set_a_banner(client, role):
    client.force_login(staff_user("someone", role=role))
    assert client.get("/admin/newsroom/breakingnews/").status_code == 403
    assert client.post("/admin/newsroom/breakingnews/add/", _form()).status_code == 403
    assert not BreakingNews.objects.exists()


def test_the_xss_corpus_through_the_headline_leaves_nothing_executable(client):
    item = breaking()
    problems = []
    for vector in VECTORS:
        item.headline = vector[:120]
        item.save()
        banner = banner_of(client.get("/").content.decode())
        assert banner, f"no banner shown for {vector!r}: the check below would pass on nothing"
        problems += [f"{vector!r}: {part}" for part in executable_parts(banner)]
    assert not problems, "\n".join(problems)
