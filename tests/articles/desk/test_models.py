from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from articles.models import Article, Section

pytestmark = pytest.mark.django_db

Status = Article.Status
NOON = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # 12:00 in Seoul


def test_the_papers_sections_exist_with_their_exact_spelling():
    names = set(Section.objects.values_list("name", flat=True))
    assert {"행정", "제약ㆍ약사", "의료·병원", "기타"} <= names
    assert "\u318d" in Section.objects.get(slug="pharma").name  # ㆍ, not ·
    assert "\u00b7" in Section.objects.get(slug="hospital").name  # ·


def test_published_shows_only_published_articles_whose_time_has_come(make_article):
    with time_machine.travel(NOON, tick=False):
        visible = make_article(status=Status.PUBLISHED, published_at=NOON - timedelta(minutes=1))
        make_article(status=Status.DRAFT)
        make_article(status=Status.SUBMITTED)
        make_article(status=Status.WITHDRAWN, published_at=NOON - timedelta(days=1))
        make_article(status=Status.PUBLISHED, published_at=NOON + timedelta(minutes=1))
        assert list(Article.objects.published()) == [visible]


def test_scheduled_article_is_hidden_until_its_time(make_article):
    at = NOON + timedelta(hours=2)
    article = make_article(status=Status.PUBLISHED, published_at=at)
    with time_machine.travel(at - timedelta(seconds=1), tick=False):
        assert not Article.objects.published().filter(pk=article.pk).exists()
        assert article.is_scheduled
        assert not article.is_public()
    with time_machine.travel(at, tick=False):
        assert Article.objects.published().filter(pk=article.pk).exists()
        assert not article.is_scheduled
        assert article.is_public()


def test_every_save_is_a_new_version(make_article):
    article = make_article()
    assert article.version == 1
    article.title = "둘째 판"
    article.save()
    article.save(update_fields=["title"])
    article.refresh_from_db()
    assert article.version == 3


def test_counting_a_view_is_not_a_new_version(make_article):
    article = make_article()
    article.view_count += 1
    article.save(update_fields=["view_count"])
    article.refresh_from_db()
    assert (article.view_count, article.version) == (1, 1)


def test_public_url_is_the_id_and_survives_a_title_change(make_article):
    article = make_article(status=Status.PUBLISHED)
    url = article.get_absolute_url()
    assert url == f"/news/{article.pk}/"
    article.title = "제목을 고쳤다"
    article.save()
    assert article.get_absolute_url() == url


def test_an_article_belongs_to_its_writer_and_its_bylines(
    make_article, reporter_user, other_reporter_user, desk_user
):
    article = make_article(by=reporter_user)
    assert article.is_owned_by(reporter_user)
    assert not article.is_owned_by(other_reporter_user)
    article.reporters.add(other_reporter_user.reporter)
    assert article.is_owned_by(other_reporter_user)
    assert not article.is_owned_by(desk_user)


def test_byline_is_name_reporter_and_email(reporter_user):
    assert reporter_user.reporter.byline == "김서연 기자 reporter@example.com"


def test_a_published_article_needs_a_section_and_a_title(make_article):
    article = make_article(status=Status.PUBLISHED, section=None, title="  ")
    with pytest.raises(ValidationError) as error:
        article.full_clean()
    assert error.value.message_dict["section"] == ["게재하려면 섹션을 선택하세요."]
    assert "title" in error.value.message_dict


def test_headlines_are_published_headline_articles_in_their_order(make_article):
    second = make_article(status=Status.PUBLISHED, is_headline=True, headline_order=2)
    first = make_article(status=Status.PUBLISHED, is_headline=True, headline_order=1)
    make_article(status=Status.DRAFT, is_headline=True, headline_order=0)
    make_article(status=Status.PUBLISHED, is_headline=False)
    assert list(Article.objects.headlines()) == [first, second]


def test_an_editorial_save_keeps_the_views_counted_since_the_article_was_loaded(make_article):
    from django.db.models import F

    from articles.models import Article

    article = make_article(status=Article.Status.PUBLISHED)
    stale = Article.objects.get(pk=article.pk)
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 5)
    stale.title = "수정한 제목"
    stale.save()
    fresh = Article.objects.get(pk=article.pk)
    assert (fresh.title, fresh.view_count) == ("수정한 제목", 5)
