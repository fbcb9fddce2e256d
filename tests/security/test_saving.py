"""An editor's or ad manager's save that fails keeps what they typed (issue 8, faults)."""

from unittest import mock

import pytest
from django.contrib.admin import helpers
from django.db import OperationalError
from django.utils.html import escape

from articles.admin import ArticleAdmin
from articles.models import Article
from banners.admin import BannerAdmin
from banners.models import Banner
from newsroom.admin.saving import SAVE_FAILED
from tests.banners.conftest import ad_tag_form

from .conftest import article_form

pytestmark = pytest.mark.django_db

ADD = "/admin/articles/article/add/"
TYPED = {
    "title": "식약처, 비대면 진료 의약품 배송 허용 범위 확대 검토",
    "subtitle": '약사회 "안전성 검증 먼저" & 환자단체 환영',
    "body": "<p>식품의약품안전처가 30분 동안 쓴 기사 본문입니다. <strong>굵게</strong></p>",
    "lead_photo_caption": "식약처 청사 <전경>",
}


def assert_typed_text_is_back(html: str) -> None:
    for name, value in TYPED.items():
        assert escape(value) in html, name


def fail_once():
    error = OperationalError("server closed the connection unexpectedly")
    calls = {"n": 0}
    real = Article.save

    def save(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise error
        return real(self, *args, **kwargs)

    return mock.patch.object(Article, "save", save)


def test_a_validation_error_brings_the_form_back_with_everything_typed(admin_client, section):
    data = article_form(section=section, **TYPED)
    data["title"] = TYPED["title"] * 5  # over 120 characters
    response = admin_client.post(ADD, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "제목은 120자 이내로 입력하세요" in html
    assert escape(data["title"]) in html
    for name in ("subtitle", "body", "lead_photo_caption"):
        assert escape(TYPED[name]) in html, name
    assert not Article.objects.exists()


def test_a_database_error_during_the_save_brings_the_form_back_with_everything_typed(
    admin_client, section
):
    with fail_once():
        response = admin_client.post(ADD, article_form(section=section, **TYPED))
    assert response.status_code == 200
    html = response.content.decode()
    assert escape(SAVE_FAILED) in html
    assert_typed_text_is_back(html)
    assert not Article.objects.exists()  # nothing half-saved
    # Saving again, as the message asks, works.
    response = admin_client.post(ADD, article_form(section=section, **TYPED))
    assert response.status_code == 302
    assert Article.objects.get().body == TYPED["body"]


def test_a_database_error_while_changing_an_article_keeps_the_new_text_and_the_old_row(
    admin_client, section
):
    admin_client.post(ADD, article_form(section=section, **TYPED))
    article = Article.objects.get()
    changed = {**TYPED, "body": "<p>고쳐 쓴 본문, 아직 저장되지 않음</p>"}
    data = article_form(section=section, expected_version=article.version, **changed)
    with fail_once():
        response = admin_client.post(f"/admin/articles/article/{article.pk}/change/", data)
    assert response.status_code == 200
    assert escape(changed["body"]) in response.content.decode()
    article.refresh_from_db()
    assert article.body == TYPED["body"]


def test_when_the_database_stays_down_a_plain_page_shows_the_typed_text_to_copy(
    admin_client, section, caplog
):
    down = OperationalError("connection refused")
    with (
        mock.patch.object(ArticleAdmin, "save_model", side_effect=down),
        mock.patch.object(helpers.AdminForm, "__init__", side_effect=down),
    ):
        response = admin_client.post(ADD, article_form(section=section, **TYPED))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    assert "저장하지 못했습니다" in html
    for value in TYPED.values():
        assert f">{escape(value)}</textarea>" in html
    assert "admin save failed in the database (articles.Article new)" in caplog.text


def test_other_errors_are_not_hidden(admin_client, section):
    with (
        mock.patch.object(ArticleAdmin, "save_model", side_effect=ValueError("a bug")),
        pytest.raises(ValueError),
    ):
        admin_client.post(ADD, article_form(section=section, **TYPED))


def test_a_banner_save_that_fails_in_the_database_keeps_the_ad_managers_input(
    admin_client, advertiser, slot
):
    data = ad_tag_form(
        advertiser=advertiser,
        slot=slot,
        name="봄 캠페인 태그",
        alt_text="한빛제약 봄 캠페인",
        ad_tag='<script src="https://ads.example.net/a.js"></script>',
    )
    with mock.patch.object(BannerAdmin, "save_model", side_effect=OperationalError("gone")):
        response = admin_client.post("/admin/banners/banner/add/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert escape(SAVE_FAILED) in html
    assert escape(data["ad_tag"]) in html
    assert "봄 캠페인 태그" in html
    assert not Banner.objects.exists()
