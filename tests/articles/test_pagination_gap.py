"""A long list's pagination elides pages with "…" (Django's ellipsis is translated to "..." in
Korean, which the page-link tag once tried to read as a number: a 500)."""

import pytest
from django.utils import timezone

from articles.models import Article
from articles.pagination import PAGE_SIZE

pytestmark = pytest.mark.django_db


def test_a_list_of_many_pages_shows_the_gap_and_links_around_it(client, section):
    now = timezone.now()
    Article.objects.bulk_create(
        Article(
            title=f"기사 {n}",
            body="<p>본문</p>",
            section=section,
            status=Article.Status.PUBLISHED,
            published_at=now - timezone.timedelta(minutes=n + 1),
        )
        for n in range(PAGE_SIZE * 12)
    )
    response = client.get("/news/", {"page": 6})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="pagination__gap"') == 2
    assert 'href="?page=12"' in html and 'href="?"' in html
