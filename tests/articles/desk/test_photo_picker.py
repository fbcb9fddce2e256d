"""The article editor's photo picker: its JSON endpoints (articles/picker.py) and what the body's
image button is wired to (articles/richtext.py, CKEDITOR_CONFIGS)."""

import io
import json
import re
from html import escape, unescape
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.crypto import get_random_string
from PIL import ExifTags, Image

from articles import services
from articles.models import Article, Photo, PhotoRendition
from articles.picker import PER_PAGE
from tests.security.htmlcheck import executable_parts

from .helpers import ADD_URL, change_url, form_data, image_bytes

pytestmark = pytest.mark.django_db

SEARCH_URL = "/admin/articles/article/photos/"
UPLOAD_URL = "/admin/articles/article/photos/upload/"


def stored_files(media_root) -> list[Path]:
    root = Path(media_root)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def upload(data: bytes | None = None, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, image_bytes() if data is None else data, content_type)


def add_photo(by, caption="", credit="", size=(64, 48), **fields) -> Photo:
    picture = image_bytes("JPEG", size=size)
    return services.photo_add(
        upload=upload(picture), by=by, caption=caption, credit=credit, **fields
    )


@pytest.fixture
def csrf_client():
    client = Client(enforce_csrf_checks=True)
    token = get_random_string(32)
    client.cookies["csrftoken"] = token
    client.csrf_token = token
    return client


def post_photo(client, data=None, **fields):
    payload = {"caption": "보건복지부 브리핑", "credit": "김서연 기자", **fields}
    if data is not False:
        payload["file"] = upload(data)
    return client.post(UPLOAD_URL, payload, HTTP_X_CSRFTOKEN=getattr(client, "csrf_token", ""))


# --- search -----------------------------------------------------------------------------------


def test_a_reporter_gets_the_newest_photos_with_what_the_editor_inserts(client, reporter_user):
    older = add_photo(reporter_user, caption="국회 본회의", credit="박사진 기자", size=(1200, 800))
    newer = add_photo(reporter_user, caption="응급실 앞", credit="연합")
    client.force_login(reporter_user)
    response = client.get(SEARCH_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]  # never cached: the admin's views
    answer = response.json()
    assert [p["id"] for p in answer["photos"]] == [newer.pk, older.pk]
    assert answer["next_page"] is None
    photo = answer["photos"][1]
    renditions = {r.spec: r for r in older.renditions.all()}
    assert photo["caption"] == "국회 본회의"
    assert photo["credit"] == "박사진 기자"
    assert (photo["width"], photo["height"]) == (1200, 800)
    assert photo["thumb"] == {
        "url": renditions["thumb"].file.url,
        "width": 320,
        "height": 180,
    }
    assert photo["body"] == {
        "src": renditions["body800"].file.url,
        "srcset": f"{renditions['body480'].file.url} 480w, {renditions['body800'].file.url} 800w",
        "sizes": "(max-width: 800px) 100vw, 800px",
        "width": 800,
        "height": 533,
    }


def test_a_small_photo_offers_one_candidate_per_width(client, reporter_user):
    add_photo(reporter_user, caption="작은 사진", size=(300, 200))
    client.force_login(reporter_user)
    body = client.get(SEARCH_URL).json()["photos"][0]["body"]
    assert body["srcset"].count("300w") == 1
    assert (body["width"], body["height"]) == (300, 200)


def test_search_finds_a_korean_substring_of_caption_credit_or_keywords(client, reporter_user):
    by_caption = add_photo(reporter_user, caption="서울대병원 응급의학과 전경")
    by_credit = add_photo(reporter_user, caption="다른 사진", credit="응급의료센터 제공")
    by_keyword = add_photo(reporter_user, caption="세 번째", keywords="병원,응급실")
    add_photo(reporter_user, caption="국회 본회의")
    client.force_login(reporter_user)
    answer = client.get(SEARCH_URL, {"q": " 응급 "}).json()
    assert answer["query"] == "응급"
    assert {p["id"] for p in answer["photos"]} == {by_caption.pk, by_credit.pk, by_keyword.pk}
    assert client.get(SEARCH_URL, {"q": "없는 말"}).json()["photos"] == []


def test_search_pages_through_the_library_without_counting_it(
    client, reporter_user, django_assert_max_num_queries
):
    photos = [add_photo(reporter_user, caption=f"사진 {n}") for n in range(PER_PAGE + 2)]
    client.force_login(reporter_user)
    first = client.get(SEARCH_URL).json()
    assert len(first["photos"]) == PER_PAGE
    assert first["next_page"] == 2
    second = client.get(SEARCH_URL, {"page": "2"}).json()
    assert [p["id"] for p in second["photos"]] == [photos[1].pk, photos[0].pk]
    assert second["next_page"] is None
    # The session, the user, their permissions (2), the photos, their renditions.
    with django_assert_max_num_queries(6) as captured:
        client.get(SEARCH_URL, {"q": "사진"})
    assert not any("COUNT(" in q["sql"].upper() for q in captured.captured_queries)


def test_a_page_of_photos_reads_their_renditions_in_one_query(
    client, reporter_user, django_assert_max_num_queries
):
    for n in range(PER_PAGE):
        add_photo(reporter_user, caption=f"사진 {n}")
    client.force_login(reporter_user)
    with django_assert_max_num_queries(6) as captured:
        assert len(client.get(SEARCH_URL).json()["photos"]) == PER_PAGE
    reads = [q["sql"] for q in captured.captured_queries if "photorendition" in q["sql"]]
    assert len(reads) == 1


@pytest.mark.parametrize("page", ["0", "-1", "abc", "²", "1_0", "9" * 30, ""])
def test_a_bad_page_number_reads_as_the_first_page(client, reporter_user, page):
    add_photo(reporter_user, caption="사진")
    client.force_login(reporter_user)
    response = client.get(SEARCH_URL, {"page": page})
    assert response.status_code == 200
    assert response.json()["page"] == 1


def test_a_page_past_the_end_is_empty_not_an_error(client, reporter_user):
    add_photo(reporter_user, caption="사진")
    client.force_login(reporter_user)
    answer = client.get(SEARCH_URL, {"page": "999999999"}).json()
    assert answer["photos"] == [] and answer["next_page"] is None


def test_search_accepts_only_get(client, reporter_user):
    client.force_login(reporter_user)
    assert client.post(SEARCH_URL).status_code == 405


# --- who may use it ---------------------------------------------------------------------------


def test_anonymous_visitors_are_led_to_the_login_page(client, csrf_client, media_root):
    response = client.get(SEARCH_URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    response = post_photo(csrf_client)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert stored_files(media_root) == []


def test_staff_who_may_not_write_articles_get_403(client, csrf_client, admanager_user, media_root):
    add_photo(None, caption="광고팀이 보면 안 되는 사진")
    client.force_login(admanager_user)
    response = client.get(SEARCH_URL)
    assert response.status_code == 403
    assert "권한이 없습니다" in response.json()["error"]
    assert "광고팀" not in response.content.decode()
    csrf_client.force_login(admanager_user)
    before = stored_files(media_root)
    response = post_photo(csrf_client)
    assert response.status_code == 403
    assert "권한이 없습니다" in response.json()["error"]
    assert stored_files(media_root) == before
    assert Photo.objects.count() == 1


def test_a_writer_without_the_library_permission_cannot_upload(csrf_client, make_user, media_root):
    from django.contrib.auth.models import Permission

    user = make_user("writer")
    user.user_permissions.add(Permission.objects.get(codename="add_article"))
    csrf_client.force_login(user)
    response = post_photo(csrf_client)
    assert response.status_code == 403
    assert stored_files(media_root) == []


@pytest.mark.parametrize("role", ["reporter_user", "desk_user"])
def test_reporters_and_the_desk_may_search_and_upload(request, csrf_client, role):
    user = request.getfixturevalue(role)
    csrf_client.force_login(user)
    assert post_photo(csrf_client).status_code == 201
    assert len(csrf_client.get(SEARCH_URL).json()["photos"]) == 1


# --- upload -----------------------------------------------------------------------------------


def jpeg_with_gps(size=(40, 20)) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "NewsCam"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 200, 10)).save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def test_a_reporter_uploads_a_photo_into_the_library(csrf_client, reporter_user, media_root):
    csrf_client.force_login(reporter_user)
    response = post_photo(csrf_client, jpeg_with_gps(), caption=" 응급실 앞 ", credit="김서연 기자")
    assert response.status_code == 201
    answer = response.json()["photo"]
    photo = Photo.objects.get()
    assert answer["id"] == photo.pk
    assert (photo.caption, photo.credit) == ("응급실 앞", "김서연 기자")
    assert photo.uploaded_by == reporter_user
    assert answer["caption"] == "응급실 앞"
    body = {r.file.url for r in photo.renditions.filter(spec__in=["body480", "body800"])}
    assert answer["body"]["src"] in body  # a 40-px picture: both are 40 px wide
    assert answer["thumb"]["url"] == photo.renditions.get(spec="thumb").file.url
    with photo.image.open("rb") as stored:
        content = stored.read()
    assert b"NewsCam" not in content and b"Exif" not in content
    assert "photo.jpg" not in photo.image.name  # a name of our own


@pytest.mark.parametrize(
    ("data", "fields", "message"),
    [
        (b"GIF89a but not really", {}, "이미지 파일이 아니거나"),
        (b"%PDF-1.7 not a picture", {}, "이미지 파일이 아니거나"),
        (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", {}, "이미지 파일이 아"),
        (image_bytes("BMP", size=(16, 16)), {}, "JPEG, PNG, WebP, GIF 형식의 사진만"),
        (b"", {}, "빈 파일"),
        (False, {}, "올릴 사진 파일을 선택하세요"),
        (None, {"caption": "  "}, "사진 설명을 입력하세요"),
        (None, {"caption": "가" * 301}, "사진 설명은 300자 이내"),
        (None, {"credit": "가" * 101}, "촬영·출처는 100자 이내"),
    ],
    ids=["non-image", "pdf", "svg", "bmp", "empty", "no-file", "no-caption", "long-caption",
         "long-credit"],
)  # fmt: skip
def test_a_refused_upload_answers_its_korean_reason_and_stores_nothing(
    csrf_client, reporter_user, media_root, data, fields, message
):
    csrf_client.force_login(reporter_user)
    response = post_photo(csrf_client, data, **fields)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert message in response.json()["error"]
    assert stored_files(media_root) == []
    assert not Photo.objects.exists()


def test_a_file_over_the_size_limit_is_refused(csrf_client, reporter_user, media_root, settings):
    settings.ARTICLE_IMAGE_MAX_BYTES = 1024 * 1024
    csrf_client.force_login(reporter_user)
    response = post_photo(csrf_client, image_bytes("PNG") + b"\0" * (1024 * 1024 + 1))
    assert response.status_code == 400
    assert "1MB 이하의 사진만" in response.json()["error"]
    assert stored_files(media_root) == []


def test_a_picture_with_too_many_pixels_is_refused(
    csrf_client, reporter_user, media_root, settings
):
    settings.ARTICLE_IMAGE_MAX_PIXELS = 64 * 48 - 1
    csrf_client.force_login(reporter_user)
    response = post_photo(csrf_client, image_bytes("PNG", size=(64, 48)))
    assert response.status_code == 400
    assert "픽셀 수가 너무 많습니다" in response.json()["error"]
    assert stored_files(media_root) == []


def test_upload_without_the_csrf_token_is_refused(reporter_user, media_root):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reporter_user)
    response = client.post(UPLOAD_URL, {"file": upload(), "caption": "사진"})
    assert response.status_code == 403
    assert stored_files(media_root) == []


def test_upload_accepts_only_post(client, reporter_user):
    client.force_login(reporter_user)
    assert client.get(UPLOAD_URL).status_code == 405
    assert client.put(UPLOAD_URL).status_code == 405


def test_upload_answer_never_echoes_ckeditors_callback_number(csrf_client, reporter_user):
    csrf_client.force_login(reporter_user)
    response = csrf_client.post(
        UPLOAD_URL + "?CKEditor=id_body&CKEditorFuncNum=1);alert(document.domain)//&langCode=ko",
        {"file": upload(), "caption": "사진"},
        HTTP_X_CSRFTOKEN=csrf_client.csrf_token,
    )
    assert response.status_code == 201
    assert b"alert" not in response.content
    assert b"callFunction" not in response.content


# --- a caption with markup: text in the JSON, text in the body --------------------------------

HOSTILE = '"><img src=x onerror=alert(1)><script>alert(2)</script>'


def figure_html(photo: dict) -> str:
    """The <figure> the picker inserts (photo-picker.js figureHtml: nodes, so text is text)."""
    body = photo["body"]
    return (
        f'<figure class="photo" data-photo="{photo["id"]}"><img src="{escape(body["src"])}" '
        f'srcset="{escape(body["srcset"])}" sizes="{escape(body["sizes"])}" '
        f'alt="{escape(photo["caption"])}" width="{body["width"]}" height="{body["height"]}">'
        f"<figcaption>{escape(photo['caption'], quote=False)} "
        f'<span class="credit">{escape(photo["credit"], quote=False)}</span></figcaption></figure>'
    )


def test_a_hostile_caption_is_text_in_the_json_and_in_the_stored_body(
    client, csrf_client, reporter_user
):
    csrf_client.force_login(reporter_user)
    response = post_photo(csrf_client, caption=HOSTILE, credit="<b>연합</b>")
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    photo = response.json()["photo"]
    assert photo["caption"] == HOSTILE  # a string value, not markup
    found = csrf_client.get(SEARCH_URL, {"q": "onerror"}).json()["photos"]
    assert found[0]["caption"] == HOSTILE

    client.force_login(reporter_user)
    body = "<p>첫 문단</p>" + figure_html(photo)
    response = client.post(ADD_URL, form_data(Article(title="사진 기사"), section="", body=body))
    assert response.status_code == 302, response.content.decode()[:2000]
    stored = Article.objects.get(title="사진 기사").body
    assert executable_parts(stored) == []
    assert "<img src=x" not in stored and "<b>" not in stored
    assert "&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;" in stored
    assert f'<figure class="photo" data-photo="{photo["id"]}">' in stored
    assert f'srcset="{photo["body"]["srcset"]}"' in stored
    assert '<span class="credit">&lt;b&gt;연합&lt;/b&gt;</span>' in stored


def test_markup_slipped_into_an_inserted_figure_is_dropped_on_save(client, reporter_user):
    """Whatever a browser sends (a tampered picker, a pasted figure), only the allowed markup
    of a library photo is stored."""
    client.force_login(reporter_user)
    body = (
        '<figure class="photo evil" data-photo="1 onload=x" onclick="alert(1)" style="x">'
        '<img src="javascript:alert(1)" srcset="javascript:alert(1) 1w" onerror="alert(1)" '
        'sizes="</style><script>" alt="a" width="800" height="450">'
        '<figcaption>설명 <span class="credit" onmouseover="alert(1)">연합</span>'
        "<script>alert(3)</script></figcaption></figure>"
    )
    response = client.post(ADD_URL, form_data(Article(title="사진 기사"), section="", body=body))
    assert response.status_code == 302
    stored = Article.objects.get(title="사진 기사").body
    assert executable_parts(stored) == []
    for bad in ("onclick", "onerror", "onmouseover", "onload", "javascript:", "<script", "style="):
        assert bad not in stored, (bad, stored)
    assert '<span class="credit" rel' not in stored
    assert '<span class="credit">연합</span>' in stored


# --- the body's image button ------------------------------------------------------------------


def editor_config(html: str) -> dict:
    raw = re.search(r'data-config="([^"]*)"', html).group(1)
    return json.loads(unescape(raw))


def test_the_image_button_opens_our_picker_and_nothing_of_ckeditors(client, reporter_user):
    client.force_login(reporter_user)
    html = client.get(ADD_URL).content.decode()
    config = editor_config(html)
    assert "newsroomphoto" in config["extraPlugins"].split(",")
    assert config["photoSearchUrl"] == SEARCH_URL
    assert config["photoUploadUrl"] == UPLOAD_URL
    removed = set(config["removePlugins"].split(","))
    assert {"image", "image2", "filebrowser", "uploadimage", "uploadwidget", "filetools"} <= removed
    assert not [key for key in config if key.startswith("filebrowser") or key == "uploadUrl"]
    assert "image2" not in config["extraPlugins"]
    plain = unescape(html)
    assert "/ckeditor/" not in plain.replace("/static/ckeditor/", "")
    # CKEditor loads the plugin from our static files; the picker after ckeditor.js.
    resources = json.loads(
        unescape(re.search(r'data-external-plugin-resources="([^"]*)"', html)[1])
    )
    assert resources == [["newsroomphoto", "/static/articles/admin/", "photo-plugin.js"]]
    assert plain.index("ckeditor/ckeditor/ckeditor.js") < plain.index(
        "articles/admin/photo-picker.js"
    )
    assert "articles/admin/photo-picker.css" in plain


def test_the_pickers_files_are_served(client):
    for path in ("photo-plugin.js", "photo-picker.js", "photo-picker.css"):
        response = client.get(f"/static/articles/admin/{path}")
        assert response.status_code == 200, path
        text = b"".join(response.streaming_content).decode()
        assert "http://" not in text and "https://" not in text  # no third-party script


def test_the_policy_editor_has_no_picker():
    from newsroom.site.models import PolicyPage

    field = PolicyPage._meta.get_field("body").formfield()
    widget = field.widget
    assert not widget.photos
    assert "articles/admin/photo-picker.js" not in str(widget.media)


def test_a_saved_body_photo_stays_as_inserted(client, reporter_user, make_article):
    photo = add_photo(reporter_user, caption="응급실 앞", credit="김서연 기자", size=(900, 600))
    client.force_login(reporter_user)
    answer = client.get(SEARCH_URL).json()["photos"][0]
    article = make_article(by=reporter_user)
    body = "<p>첫 문단</p>" + figure_html(answer)
    response = client.post(change_url(article), form_data(article, body=body))
    assert response.status_code == 302
    article.refresh_from_db()
    assert f'data-photo="{photo.pk}"' in article.body
    assert answer["body"]["srcset"] in article.body
    caption = '<figcaption>응급실 앞 <span class="credit">김서연 기자</span></figcaption>'
    assert caption in article.body
    assert PhotoRendition.objects.filter(photo=photo).count() >= 3
