"""The photo library's admin (사진): the grid, search, filters, the add and change forms, the
focal point, where a photo is used, and the refusal to delete a photo in use."""

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from articles import services
from articles.management.commands.generate_photos import generate
from articles.models import Article, Photo, PhotoRendition
from articles.pagination import IdsFirstPaginator
from articles.photos import focal_key
from newsroom.timezones import KST

from .helpers import image_bytes

pytestmark = pytest.mark.django_db

Status = Article.Status
LIST_URL = "/admin/articles/photo/"
ADD_URL = "/admin/articles/photo/add/"


def change_url(photo):
    return f"/admin/articles/photo/{photo.pk}/change/"


def delete_url(photo):
    return f"/admin/articles/photo/{photo.pk}/delete/"


@pytest.fixture
def make_photo():
    def make(by=None, *, caption="사진 설명", credit="", keywords="", size=(320, 200), **fields):
        upload = SimpleUploadedFile("p.jpg", image_bytes(size=size), "image/jpeg")
        photo = services.photo_add(
            upload=upload, by=by, caption=caption, credit=credit, keywords=keywords, **fields
        )
        if by is not None and photo.uploaded_by_id is None:
            Photo.objects.filter(pk=photo.pk).update(uploaded_by=by)
        return photo

    return make


@pytest.fixture
def desk(client, desk_user):
    client.force_login(desk_user)
    return client


def change_data(photo, **overrides):
    data = {
        "caption": photo.caption,
        "credit": photo.credit,
        "licence": photo.licence,
        "taken_at_0": "",
        "taken_at_1": "",
        "keywords": photo.keywords,
        "focal_x": photo.focal_x,
        "focal_y": photo.focal_y,
    }
    data.update(overrides)
    return data


def cards(html: str) -> list[str]:
    return re.findall(r'<tr class="photo-card">(.*?)</tr>', html, re.S)


# --- the grid --------------------------------------------------------------------------------


def test_grid_shows_each_photo_as_a_thumbnail_with_caption_credit_size_and_use(
    desk, make_photo, make_article, desk_user
):
    used = make_photo(caption="백신 접종 현장", credit="김서연 기자", size=(640, 400))
    make_photo(caption="약국 앞 풍경", credit="자료사진")
    make_article(by=desk_user, lead_photo=used)
    response = desk.get(LIST_URL)
    assert response.status_code == 200
    html = response.content.decode()
    found = cards(html)
    assert len(found) == 2
    newest, oldest = found  # newest first
    assert "약국 앞 풍경" in newest and "자료사진" in newest and "미사용" in newest
    assert "백신 접종 현장" in oldest and "김서연 기자" in oldest and "사용 중" in oldest
    assert "640×400" in oldest
    thumb = PhotoRendition.objects.get(photo=used, spec="thumb")
    assert f'src="{thumb.file.url}"' in oldest
    assert f'href="{change_url(used)}"' in oldest
    assert 'name="_selected_action"' in oldest  # the delete action works on the grid


def test_body_use_marks_a_photo_in_use_too(desk, make_photo, make_article, desk_user):
    photo = make_photo(caption="본문에 들어간 사진")
    make_article(by=desk_user).body_photos.add(photo)
    (card,) = cards(desk.get(LIST_URL).content.decode())
    assert "사용 중" in card


def test_grid_pages_hold_sixty_photos(desk, make_photo):
    generate(61, batch_size=50)
    html = desk.get(LIST_URL).content.decode()
    assert len(cards(html)) == 60
    assert "?p=2" in html
    assert len(cards(desk.get(LIST_URL, {"p": 2}).content.decode())) == 1


@pytest.mark.parametrize(
    "params",
    [{}, {"q": "백신"}, {"use": "unused"}, {"use": "used"}, {"credit": "김서연 기자"}, {"p": 2}],
    ids=["first", "search", "unused", "used", "credit", "page2"],
)
def test_grid_of_sixty_stays_within_its_query_budget(
    desk, make_article, desk_user, params, django_assert_max_num_queries
):
    make_article(by=desk_user)  # generated photos are used in the bodies of articles
    generate(130, batch_size=100)
    # session, user, permissions (user, groups), count, page, renditions of the page, the
    # credit filter's choices, the savepoint pair of the change list
    with django_assert_max_num_queries(10):
        response = desk.get(LIST_URL, params)
    assert response.status_code == 200
    assert cards(response.content.decode())


def test_a_search_is_counted_only_to_the_cap_and_says_so(desk, monkeypatch):
    generate(130, batch_size=130)  # every generated caption ends in "다."
    monkeypatch.setattr(IdsFirstPaginator, "COUNT_CAP", 61)
    html = desk.get(LIST_URL, {"q": "다."}).content.decode()
    assert "찾은 사진 61장 이상" in html
    assert re.search(r'<p class="paginator">.*사진 61장 이상', html, re.S)
    assert len(cards(html)) == 60
    assert "p=2" in html and "p=3" not in html  # pages as far as the count went
    unfiltered = desk.get(LIST_URL).content.decode()
    assert "사진 130장" in unfiltered and "장 이상" not in unfiltered


def test_search_finds_a_korean_substring_of_caption_credit_or_keywords(desk, make_photo):
    make_photo(caption="식약처장이 백신 현장을 둘러보고 있다")
    make_photo(caption="약국", credit="보건복지부 제공")
    make_photo(caption="회의", keywords="희귀질환, 신약")
    make_photo(caption="관계없는 사진")

    def found(term):
        return len(cards(desk.get(LIST_URL, {"q": term}).content.decode()))

    assert found("백신") == 1  # inside a caption's word
    assert found("복지부") == 1  # inside the credit
    assert found("질환") == 1  # inside a keyword
    assert found("사진") == 1
    assert found("코끼리") == 0
    assert "조건에 맞는 사진이 없습니다" in desk.get(LIST_URL, {"q": "코끼리"}).content.decode()


def test_filters_by_credit_month_and_use(desk, make_photo, make_article, desk_user):
    a = make_photo(caption="김 기자 사진", credit="김서연 기자")
    b = make_photo(caption="제공 사진", credit="한빛제약 제공")
    Photo.objects.filter(pk=b.pk).update(uploaded_at=datetime(2025, 3, 31, 23, 30, tzinfo=KST))
    make_article(by=desk_user, lead_photo=a)

    def captions(**params):
        html = desk.get(LIST_URL, params).content.decode()
        return sorted(re.findall(r'<span class="photo-caption">(.*?)</span>', html))

    assert captions(credit="김서연 기자") == ["김 기자 사진"]
    assert captions(credit="한빛제약 제공") == ["제공 사진"]
    # Months by the newsroom's calendar (Asia/Seoul): 23:30 on 31 March is March.
    assert captions(month="2025-03") == ["제공 사진"]
    assert captions(month="2025-04") == []
    old = make_photo(caption="오래된 사진")
    Photo.objects.filter(pk=old.pk).update(uploaded_at=timezone.now() - timedelta(days=800))
    assert "오래된 사진" in captions(month="older")
    assert "김 기자 사진" not in captions(month="older")
    Photo.objects.filter(pk=old.pk).delete()
    assert captions(use="used") == ["김 기자 사진"]
    assert captions(use="unused") == ["제공 사진"]
    listing = desk.get(LIST_URL).content.decode()
    assert "촬영·출처" in listing and "올린 달" in listing and "사용 여부" in listing


@pytest.mark.parametrize("month", ["2025-13", "0000-01", "x", "2025-3", "９９９９-01"])
def test_a_bad_month_is_the_admins_bad_filter_page_not_a_500(desk, make_photo, month):
    make_photo()
    response = desk.get(LIST_URL, {"month": month})
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


# --- adding ----------------------------------------------------------------------------------


def test_upload_goes_through_the_pipeline_and_opens_the_photo_to_set_its_focal_point(
    desk, desk_user
):
    upload = SimpleUploadedFile("camera.jpg", image_bytes(size=(800, 600)), "image/jpeg")
    response = desk.post(
        ADD_URL,
        {
            "image": upload,
            "caption": "새로 올린 사진",
            "credit": "박데스크",
            "licence": "",
            "keywords": "백신",
            "taken_at_0": "",
            "taken_at_1": "",
        },
    )
    photo = Photo.objects.get()
    assert response.status_code == 302
    assert response["Location"] == change_url(photo)
    assert photo.caption == "새로 올린 사진" and photo.uploaded_by == desk_user
    assert (photo.width, photo.height) == (800, 600)
    assert not photo.image.name.endswith("camera.jpg")  # a name of our own
    assert set(photo.renditions.values_list("spec", flat=True)) >= {"thumb", "og", "w800"}


@pytest.mark.parametrize(
    "data, message",
    [
        (b"%PDF-1.4 not a picture", "이미지 파일이 아니거나 손상된 파일입니다"),
        (b"", "빈 파일"),
    ],
    ids=["not-an-image", "empty"],
)
def test_a_refused_file_is_a_korean_message_on_the_form_and_nothing_is_stored(
    desk, media_root, data, message
):
    upload = SimpleUploadedFile("photo.jpg", data, "image/jpeg")
    response = desk.post(ADD_URL, {"image": upload, "caption": "설명", "keywords": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert not Photo.objects.exists()
    assert not [p for p in Path(media_root).rglob("*") if p.is_file()]


def test_add_without_a_file_asks_for_one(desk):
    response = desk.post(ADD_URL, {"caption": "설명"})
    assert response.status_code == 200
    assert "올릴 사진 파일을 선택하세요." in response.content.decode()


# --- the change form -------------------------------------------------------------------------


def test_change_form_shows_size_uploader_time_renditions_and_where_used(
    desk, make_photo, make_article, desk_user, reporter_user
):
    photo = make_photo(reporter_user, caption="현장 사진", size=(640, 400))
    lead = make_article(by=desk_user, title="대표 사진으로 쓴 기사", lead_photo=photo)
    body = make_article(by=desk_user, title="본문에 넣은 기사", status=Status.PUBLISHED)
    body.body_photos.add(photo)
    html = desk.get(change_url(photo)).content.decode()
    assert "640×400" in html
    assert "김서연" in html  # the uploader's byline
    assert "올린 일시" in html
    for spec in ("thumb", "w480", "w800", "w1200", "og", "body480", "body800"):
        assert f">{spec}</a>" in html
    assert f'href="/admin/articles/article/{lead.pk}/change/">대표 사진으로 쓴 기사</a>' in html
    assert f'href="/admin/articles/article/{body.pk}/change/">본문에 넣은 기사</a>' in html
    assert "(대표 사진, 작성중)" in html and "(본문, 게재)" in html
    # The focal point: the picture to click, the marker, the crop previews, the inputs, our JS.
    assert "data-focal-picker" in html and 'class="focal-marker"' in html
    assert "16:9" in html and "1200×630" in html
    assert 'name="focal_x"' in html and 'name="focal_y"' in html
    assert "articles/admin/photo-focal.js" in html
    assert "<script>" not in html.split("</head>", 1)[1]  # no inline script in the page body


def test_where_used_names_only_articles_the_user_may_see(
    client, make_photo, make_article, reporter_user, other_reporter_user
):
    photo = make_photo(reporter_user)
    make_article(by=other_reporter_user, title="남의 초고", lead_photo=photo)
    mine = make_article(by=reporter_user, title="내 기사")
    mine.body_photos.add(photo)
    client.force_login(reporter_user)
    html = client.get(change_url(photo)).content.decode()
    assert "내 기사" in html
    assert "남의 초고" not in html
    assert "볼 수 없는 다른 기자의 기사 1건" in html


def test_unused_photo_says_so(desk, make_photo):
    html = desk.get(change_url(make_photo())).content.decode()
    assert "아직 어느 기사에도 쓰이지 않았습니다 (미사용)." in html


def test_change_form_stays_within_its_query_budget(
    desk, make_photo, make_article, desk_user, django_assert_max_num_queries
):
    photo = make_photo(desk_user)
    for number in range(5):
        make_article(by=desk_user, title=f"기사 {number}").body_photos.add(photo)
    with django_assert_max_num_queries(12):
        assert desk.get(change_url(photo)).status_code == 200


def test_saving_the_description_keeps_the_renditions(desk, make_photo, desk_user):
    photo = make_photo(desk_user)
    before = set(photo.renditions.values_list("pk", flat=True))
    response = desk.post(
        change_url(photo), change_data(photo, caption="고친 설명", keywords="신약, 백신")
    )
    assert response.status_code == 302
    photo.refresh_from_db()
    assert (photo.caption, photo.keywords) == ("고친 설명", "신약, 백신")
    assert set(photo.renditions.values_list("pk", flat=True)) == before


def test_a_new_focal_point_cuts_the_crops_again_and_drops_the_old_files(
    desk, make_photo, desk_user, media_root
):
    photo = make_photo(desk_user, size=(800, 300))
    old = PhotoRendition.objects.get(photo=photo, spec="w800")
    old_path = Path(old.file.path)
    whole = PhotoRendition.objects.get(photo=photo, spec="body800")
    response = desk.post(change_url(photo), change_data(photo, focal_x="0.9", focal_y="0.2"))
    assert response.status_code == 302
    photo.refresh_from_db()
    assert (photo.focal_x, photo.focal_y) == (0.9, 0.2)
    new = PhotoRendition.objects.get(photo=photo, spec="w800")
    assert new.focal_key == focal_key(photo) == "0.900,0.200"
    assert not PhotoRendition.objects.filter(pk=old.pk).exists()
    assert not old_path.exists()
    assert PhotoRendition.objects.filter(pk=whole.pk).exists()  # the whole picture stays


@pytest.mark.parametrize("value", ["1.5", "-0.1", "abc", "nan"])
def test_a_focal_point_outside_the_picture_is_a_korean_message(desk, make_photo, value):
    photo = make_photo()
    response = desk.post(change_url(photo), change_data(photo, focal_x=value))
    assert response.status_code == 200
    html = response.content.decode()
    assert "0에서 1 사이" in html
    photo.refresh_from_db()
    assert photo.focal_x == 0.5


# --- deleting --------------------------------------------------------------------------------


def test_a_photo_in_use_cannot_be_deleted_and_the_page_says_where(
    desk, make_photo, make_article, desk_user
):
    photo = make_photo(desk_user)
    make_article(by=desk_user, title="사진을 쓰는 기사", lead_photo=photo)
    page = desk.get(delete_url(photo))
    assert page.status_code == 200
    html = page.content.decode()
    assert "삭제할 수 없습니다" in html
    assert "사진을 쓰는 기사" in html
    assert 'type="submit"' not in html.split('id="content"', 1)[1]
    desk.post(delete_url(photo), {"post": "yes"})
    assert Photo.objects.filter(pk=photo.pk).exists()


def test_a_photo_in_a_body_cannot_be_deleted_either(desk, make_photo, make_article, desk_user):
    photo = make_photo(desk_user)
    article = make_article(by=desk_user, title="본문에 쓴 기사")
    article.body_photos.add(photo)
    desk.post(delete_url(photo), {"post": "yes"})
    assert Photo.objects.filter(pk=photo.pk).exists()
    assert article.body_photos.filter(pk=photo.pk).exists()  # the link is not cut either


def test_an_unused_photo_is_deleted_with_its_files(
    desk, make_photo, desk_user, django_capture_on_commit_callbacks
):
    photo = make_photo(desk_user)
    files = [Path(photo.image.path)] + [Path(r.file.path) for r in photo.renditions.all()]
    assert all(path.exists() for path in files)
    page = desk.get(delete_url(photo)).content.decode()
    assert 'type="submit"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(delete_url(photo), {"post": "yes"})
    assert response.status_code == 302
    assert not Photo.objects.filter(pk=photo.pk).exists()
    assert not PhotoRendition.objects.filter(photo_id=photo.pk).exists()
    assert not any(path.exists() for path in files)


def bulk_delete(client, photos, confirm=True):
    data = {"action": "delete_selected", "_selected_action": [p.pk for p in photos]}
    if confirm:
        data["post"] = "yes"
    return client.post(LIST_URL, data)


def test_bulk_delete_refuses_when_a_selected_photo_is_in_use(
    desk, make_photo, make_article, desk_user
):
    used, unused = make_photo(desk_user, caption="쓰이는 사진"), make_photo(desk_user)
    make_article(by=desk_user, title="쓰는 기사").body_photos.add(used)
    page = bulk_delete(desk, [used, unused], confirm=False).content.decode()
    assert "아무것도 삭제하지 않습니다" in page and "쓰는 기사" in page and "쓰이는 사진" in page
    bulk_delete(desk, [used, unused])
    assert Photo.objects.filter(pk__in=[used.pk, unused.pk]).count() == 2


def test_bulk_delete_of_unused_photos_deletes_them_through_the_service(
    desk, make_photo, desk_user, django_capture_on_commit_callbacks
):
    photos = [make_photo(desk_user), make_photo(desk_user)]
    paths = [Path(p.image.path) for p in photos]
    with django_capture_on_commit_callbacks(execute=True):
        bulk_delete(desk, photos)
    assert not Photo.objects.exists()
    assert not any(path.exists() for path in paths)


@pytest.mark.postgres
def test_postgres_search_reads_the_letter_pair_index_and_finds_exactly_the_like_matches(
    make_photo,
):
    make_photo(caption="백신 접종 현장", credit="Kim Seoyeon", keywords="희귀질환, 신약")
    make_photo(caption="약국", credit="보건복지부 제공", keywords="")
    make_photo(caption="신약 개발", credit="", keywords="백신")
    terms = [
        "백신",
        "백",
        "신약",
        "kim",
        "SEOYEON",
        "희귀질환",
        "복지부 제공",
        "현장 Kim",
        "코끼리",
    ]
    for term in terms:
        like = Photo.objects.filter(
            Q(caption__icontains=term) | Q(credit__icontains=term) | Q(keywords__icontains=term)
        )
        assert set(Photo.objects.search(term)) == set(like), term
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a three-row table is read whole
        plan = Photo.objects.search("백신").order_by().explain()
    assert "photo_search_grams_gin" in plan
