"""The policy pages the law and the portals expect (issue 17): edited by an administrator,
sanitized like articles, linked from every page's footer, cached and shown at once when
changed."""

from datetime import date

import pytest
from django.test import Client

from newsroom.site.demo import ensure_policy_pages
from newsroom.site.models import PolicyPage
from newsroom.site.roles import DESK
from tests.factories import staff_user
from tests.security.htmlcheck import XSS_VECTORS as VECTORS
from tests.security.htmlcheck import executable_parts

pytestmark = pytest.mark.django_db

KINDS = {
    "terms": "이용약관",
    "privacy": "개인정보처리방침",
    "youth": "청소년보호정책",
    "no-email-collection": "이메일무단수집거부",
}


def test_every_page_links_the_four_policy_pages_with_the_privacy_policy_set_apart(client):
    html = client.get("/").content.decode()
    footer = html[html.index('<footer class="site-footer"') :]
    for kind, label in KINDS.items():
        assert f'href="/policy/{kind}/"' in footer and label in footer
    assert '<a href="/policy/privacy/"><strong>개인정보처리방침</strong></a>' in footer


def test_policy_page_shows_its_text_and_effective_date(client):
    ensure_policy_pages()
    PolicyPage.objects.filter(kind="privacy").update(effective_on=date(2026, 3, 1))
    response = client.get("/policy/privacy/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<h1 class="policy__title" id="policy-title">개인정보처리방침</h1>' in html
    assert "2026년 3월 1일" in html and 'datetime="2026-03-01"' in html
    assert "개인정보 보호책임자" in html


@pytest.mark.parametrize("url", ["/policy/cookies/", "/policy/privacy/"])
def test_unknown_or_unwritten_policy_page_is_a_404(client, url):
    assert client.get(url).status_code == 404


def test_demo_fills_all_four_pages_once(client):
    ensure_policy_pages()
    ensure_policy_pages()
    assert sorted(PolicyPage.objects.values_list("kind", flat=True)) == sorted(KINDS)
    for kind in KINDS:
        assert client.get(f"/policy/{kind}/").status_code == 200


def test_policy_page_reads_at_most_a_few_queries(client, django_assert_max_num_queries):
    ensure_policy_pages()
    # The page itself, then what every page reads (site info, navigation, banners, ticker,
    # 속보) with a cold cache.
    with django_assert_max_num_queries(6):
        assert client.get("/policy/terms/").status_code == 200


def test_an_edit_shows_at_once_on_the_cached_page(client):
    ensure_policy_pages()
    assert "제1조 (목적)" in client.get("/policy/terms/").content.decode()
    page = PolicyPage.objects.get(kind="terms")
    page.body = "<h2>제1조 (새 목적)</h2><p>바뀐 약관</p>"
    page.save()
    html = client.get("/policy/terms/").content.decode()
    assert "제1조 (새 목적)" in html and "제1조 (목적)" not in html


def test_the_xss_corpus_through_the_admin_form_leaves_nothing_executable(client):
    """Every vector of the corpus, saved by an administrator through the admin form, then the
    page parsed: nothing that could run (tests/security/htmlcheck.py)."""
    ensure_policy_pages()
    client.force_login(staff_user("root", superuser=True))
    page = PolicyPage.objects.get(kind="youth")
    reader = Client()
    problems = []
    for vector in VECTORS:
        response = client.post(
            f"/admin/newsroom/policypage/{page.pk}/change/",
            {"body": f"<p>{vector}</p>{vector}", "effective_on": "2026-12-01"},
        )
        assert response.status_code == 302, vector
        html = reader.get("/policy/youth/").content.decode()
        problems += [f"{vector!r}: {part}" for part in executable_parts(html)]
    assert not problems, "\n".join(problems)


def test_an_administrator_edits_a_policy_page_in_the_admin(client):
    ensure_policy_pages()
    client.force_login(staff_user("root", superuser=True))
    page = PolicyPage.objects.get(kind="terms")
    url = f"/admin/newsroom/policypage/{page.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"body": "<p>개정 약관<script>alert(1)</script></p>", "effective_on": "2026-12-01"}
    )
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.body == "<p>개정 약관</p>" and page.effective_on == date(2026, 12, 1)
    assert page.kind == "terms"


def test_the_desk_cannot_open_or_change_the_policy_pages(client):
    ensure_policy_pages()
    client.force_login(staff_user("desk", role=DESK))
    page = PolicyPage.objects.get(kind="terms")
    assert client.get("/admin/newsroom/policypage/").status_code == 403
    url = f"/admin/newsroom/policypage/{page.pk}/change/"
    assert client.post(url, {"body": "<p>x</p>", "effective_on": "2026-12-01"}).status_code == 403
    page.refresh_from_db()
    assert "제1조" in page.body
