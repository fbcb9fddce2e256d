from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from articles import services
from articles.models import Article, ArticleEvent

pytestmark = pytest.mark.django_db

Status = Article.Status
Action = ArticleEvent.Action
NOON = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


def actions(article):
    return list(article.events.order_by("at", "id").values_list("action", "actor_name"))


def test_draft_goes_to_the_desk_and_is_published_with_each_step_in_the_history(
    make_article, reporter_user, desk_user
):
    article = make_article(by=reporter_user)
    with time_machine.travel(NOON, tick=False):
        services.article_submit(article=article, by=reporter_user)
        assert article.status == Status.SUBMITTED
        services.article_publish(article=article, by=desk_user)
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED
    assert article.published_at == NOON
    assert actions(article) == [(Action.SUBMITTED, "김서연"), (Action.PUBLISHED, "박데스크")]


def test_reporter_cannot_publish_schedule_withdraw_or_set_a_headline(make_article, reporter_user):
    article = make_article(by=reporter_user, status=Status.SUBMITTED)
    with pytest.raises(PermissionDenied):
        services.article_publish(article=article, by=reporter_user)
    with pytest.raises(PermissionDenied):
        services.article_schedule(article=article, by=reporter_user, at=NOON + timedelta(days=400))
    published = make_article(by=reporter_user, status=Status.PUBLISHED)
    with pytest.raises(PermissionDenied):
        services.article_withdraw(article=published, by=reporter_user)
    with pytest.raises(PermissionDenied):
        services.article_set_headline(article=published, by=reporter_user)
    article.refresh_from_db()
    assert article.status == Status.SUBMITTED
    assert not ArticleEvent.objects.exists()


def test_reporter_cannot_submit_someone_elses_draft(
    make_article, reporter_user, other_reporter_user
):
    article = make_article(by=other_reporter_user)
    with pytest.raises(PermissionDenied):
        services.article_submit(article=article, by=reporter_user)


def test_publishing_without_a_section_is_refused_in_korean(make_article, desk_user):
    article = make_article(section=None, status=Status.SUBMITTED)
    with pytest.raises(ValidationError) as error:
        services.article_publish(article=article, by=desk_user)
    assert error.value.message_dict == {"section": ["게재하려면 섹션을 선택하세요."]}
    article.refresh_from_db()
    assert article.status == Status.SUBMITTED


def test_scheduling_in_the_past_is_refused_in_korean(make_article, desk_user):
    article = make_article(status=Status.SUBMITTED)
    with time_machine.travel(NOON, tick=False), pytest.raises(ValidationError) as error:
        services.article_schedule(article=article, by=desk_user, at=NOON - timedelta(minutes=1))
    assert "이미 지났습니다" in error.value.message_dict["published_at"][0]
    article.refresh_from_db()
    assert article.status == Status.SUBMITTED


def test_scheduled_article_appears_by_itself_at_its_time(make_article, desk_user):
    article = make_article(status=Status.SUBMITTED)
    at = NOON + timedelta(hours=3)
    with time_machine.travel(NOON, tick=False):
        services.article_schedule(article=article, by=desk_user, at=at)
        assert not Article.objects.published().filter(pk=article.pk).exists()
    with time_machine.travel(at, tick=False):
        assert Article.objects.published().filter(pk=article.pk).exists()
    assert article.events.get().action == Action.SCHEDULED
    assert article.events.get().note == "2026-11-25 15:00 게재 예약"  # shown in Seoul time


def test_publishing_a_scheduled_article_now_moves_its_time_to_now(make_article, desk_user):
    with time_machine.travel(NOON, tick=False):
        article = make_article(status=Status.PUBLISHED, published_at=NOON + timedelta(days=1))
        services.article_publish(article=article, by=desk_user)
        assert article.published_at == NOON
        assert article.is_public()


def test_withdrawn_article_leaves_the_site_and_keeps_its_first_time_when_republished(
    make_article, desk_user
):
    first = NOON - timedelta(days=2)
    article = make_article(status=Status.PUBLISHED, published_at=first, is_headline=True)
    with time_machine.travel(NOON, tick=False):
        services.article_withdraw(article=article, by=desk_user)
        assert not Article.objects.published().filter(pk=article.pk).exists()
        assert Article.objects.filter(pk=article.pk).exists()  # withdrawn, not deleted
        assert not article.is_headline  # a withdrawn article leaves the headlines too
        services.article_publish(article=article, by=desk_user)
    assert article.published_at == first
    assert [a for a, _ in actions(article)] == [Action.WITHDRAWN, Action.PUBLISHED]


def test_only_published_articles_can_be_withdrawn_or_made_headlines(make_article, desk_user):
    draft = make_article()
    with pytest.raises(ValidationError):
        services.article_withdraw(article=draft, by=desk_user)
    with pytest.raises(ValidationError):
        services.article_set_headline(article=draft, by=desk_user)


def test_desk_returns_a_submitted_article_to_its_reporter(make_article, desk_user):
    article = make_article(status=Status.SUBMITTED)
    services.article_return(article=article, by=desk_user, note="출처 보강 필요")
    assert article.status == Status.DRAFT
    assert article.events.get().note == "출처 보강 필요"


def test_only_a_draft_can_be_submitted(make_article, reporter_user):
    article = make_article(by=reporter_user, status=Status.SUBMITTED)
    with pytest.raises(ValidationError, match="작성중인 기사만"):
        services.article_submit(article=article, by=reporter_user)


def test_headline_set_and_cleared_with_history(make_article, desk_user):
    article = make_article(status=Status.PUBLISHED)
    services.article_set_headline(article=article, by=desk_user, order=3)
    assert (article.is_headline, article.headline_order) == (True, 3)
    services.article_clear_headline(article=article, by=desk_user)
    assert not article.is_headline
    assert [a for a, _ in actions(article)] == [Action.HEADLINE_SET, Action.HEADLINE_CLEARED]


def test_history_keeps_the_name_after_the_account_is_gone(make_article, make_user):
    from newsroom.site.roles import DESK

    editor = make_user("temp_desk", DESK)
    article = make_article(status=Status.SUBMITTED)
    services.article_publish(article=article, by=editor)
    editor.delete()
    event = article.events.get()
    assert event.actor is None
    assert event.actor_name == "temp_desk"


def test_available_moves_follow_role_and_status(make_article, reporter_user, desk_user):
    draft = make_article(by=reporter_user)
    assert services.available_moves(article=draft, user=reporter_user) == ["_submit"]
    assert services.available_moves(article=draft, user=desk_user) == [
        "_submit",
        "_publish",
        "_schedule",
    ]
    live = make_article(by=reporter_user, status=Status.PUBLISHED)
    assert services.available_moves(article=live, user=reporter_user) == []
    assert services.available_moves(article=live, user=desk_user) == ["_withdraw"]
