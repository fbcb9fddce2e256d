"""The article's library photos at the desk: the lead photo (chosen by its number until the
form's own chooser comes), its caption, the body's photos kept in step on every save, and the
revisions that keep them."""

import re

import pytest

from articles import services
from articles.models import Article, ArticleEvent
from articles.photos import BODY_SRCSET

from .helpers import change_url, form_data
from .test_revisions import client_for, compare_url, restore_url, save

pytestmark = pytest.mark.django_db

Action = ArticleEvent.Action


@pytest.fixture
def desk(desk_user):
    return client_for(desk_user)


@pytest.fixture
def draft(make_article, reporter_user):
    article = make_article(by=reporter_user, body="<p>보건복지부 장관이 발표했다.</p>")
    services.revision_record(article=article, by=reporter_user)
    return article


def figure(photo_id, src="/media/anything.jpg", caption="현장 사진"):
    return (
        f'<figure class="photo" data-photo="{photo_id}"><img src="{src}" alt="">'
        f'<figcaption>{caption} <span class="credit">ⓒ 뉴스룸</span></figcaption></figure>'
    )


def test_the_lead_photo_is_chosen_by_its_number_and_kept_in_the_revision(desk, draft, make_photo):
    photo = make_photo(caption="브리핑 현장")
    save(desk, draft, lead_photo=photo.pk, lead_photo_caption="장관이 발표하고 있다")
    assert draft.lead_photo == photo
    assert draft.lead_caption == "장관이 발표하고 있다"
    newest = draft.revisions.first()
    assert (newest.number, newest.lead_photo, newest.lead_photo_caption) == (
        2,
        photo,
        "장관이 발표하고 있다",
    )


def test_a_lead_photo_number_that_is_not_in_the_library_is_refused_in_korean(desk, draft):
    data = form_data(draft, lead_photo="987654")
    response = desk.post(change_url(draft), data)
    assert response.status_code == 200
    assert "사진DB에 없는 사진 번호입니다." in response.content.decode()
    response = desk.post(change_url(draft), form_data(draft, lead_photo="1 OR 1=1"))
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.lead_photo is None


def test_compare_shows_a_changed_lead_photo_and_restore_brings_it_back(desk, draft, make_photo):
    first, second = make_photo(caption="첫 사진"), make_photo(caption="둘째 사진", credit="복지부")
    save(desk, draft, lead_photo=first.pk)
    save(desk, draft, lead_photo=second.pk)
    html = desk.get(compare_url(draft, 2, 3)).content.decode()
    text = re.sub(r"<[^>]+>", "", html)
    assert f"사진 {first.pk}번" in text and f"사진 {second.pk}번" in text
    assert "ⓒ 복지부" in text
    assert "<del>첫</del>" in html and "<ins>둘째</ins>" in html  # the caption readers read
    assert desk.post(restore_url(draft, 2)).status_code == 302
    draft.refresh_from_db()
    assert draft.lead_photo == first
    assert draft.revisions.first().lead_photo == first


def test_the_body_photos_follow_the_body_on_every_save(desk, draft, make_photo):
    photo, other = make_photo(), make_photo()
    save(desk, draft, body=f"<p>앞</p>{figure(photo.pk)}{figure(other.pk)}<p>뒤</p>")
    assert set(draft.body_photos.all()) == {photo, other}
    # The picture is the photo's own body renditions, whatever src the editor sent.
    renditions = {r.spec: r for r in photo.renditions.filter(spec__in=BODY_SRCSET)}
    body800 = renditions["body800"]
    assert (
        f'<img src="{body800.url}" srcset="{renditions["body480"].url} 480w, {body800.url} 800w" '
        f'sizes="(min-width: 960px) 828px, calc(100vw - 32px)" alt="사진 설명입니다" '
        f'width="{body800.width}" height="{body800.height}" loading="lazy">'
    ) in draft.body
    assert "/media/anything.jpg" not in draft.body
    assert '현장 사진 <span class="credit">ⓒ 뉴스룸</span>' in draft.body  # the editor's caption
    save(desk, draft, body=f"<p>앞</p>{figure(other.pk)}<p>뒤</p>")
    assert list(draft.body_photos.all()) == [other]
    assert list(photo.in_bodies.all()) == []


def test_a_save_without_change_after_fitting_records_nothing(desk, draft, make_photo):
    photo = make_photo()
    save(desk, draft, body=f"<p>앞</p>{figure(photo.pk)}")
    revisions, events = draft.revisions.count(), draft.events.count()
    save(desk, draft)  # the body as stored, fitted, comes back unchanged
    assert (draft.revisions.count(), draft.events.count()) == (revisions, events)


def test_a_made_up_photo_number_brings_nothing_into_the_page(desk, draft):
    save(desk, draft, body=figure(999999, src="https://evil.example/x.jpg"))
    assert not draft.body_photos.exists()
    assert "data-photo" not in draft.body
    assert "999999" not in draft.body


def test_restore_puts_the_old_body_photos_back_in_step(desk, desk_user, draft, make_photo):
    photo = make_photo()
    save(desk, draft, body=f"<p>사진 있는 본문</p>{figure(photo.pk)}")
    save(desk, draft, body="<p>사진을 뺀 본문</p>")
    assert not draft.body_photos.exists()
    services.article_restore(article=draft, revision=draft.revisions.get(number=2), by=desk_user)
    draft.refresh_from_db()
    assert list(draft.body_photos.all()) == [photo]


def test_the_form_still_opens_for_an_article_with_a_lead_photo(desk, draft, make_photo):
    draft.lead_photo = make_photo()
    draft.save()
    html = desk.get(change_url(draft)).content.decode()
    assert f'name="lead_photo" id="id_lead_photo" value="{draft.lead_photo_id}"' in html
    assert 'name="lead_photo_caption"' in html
    assert Article.objects.get(pk=draft.pk).lead_photo_id == draft.lead_photo_id
