"""Every way a picture gets in (editor upload, reporter photo, banner image): the
content decides, not the name; SVG, HTML and scripts are refused; size and pixel limits hold; a
polyglot (a real image with a script or a ZIP appended, a GIFAR) is re-encoded, never stored as
it came."""

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from articles.models import Photo, Reporter
from banners.models import Banner
from tests.banners.conftest import banner_form

pytestmark = pytest.mark.django_db

PICKER_UPLOAD_URL = "/admin/articles/article/photos/upload/"

SCRIPT = b'<script>alert(document.cookie)</script><?php system($_GET["c"]); ?>'


def picture(fmt: str, size=(300, 250)) -> bytes:
    buffer = io.BytesIO()
    mode = "P" if fmt == "GIF" else "RGB"
    Image.new(mode, size, (10, 120, 200) if mode == "RGB" else 3).save(buffer, fmt)
    return buffer.getvalue()


def zip_payload() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
        archive.writestr("Evil.class", b"\xca\xfe\xba\xbe" + b"\0" * 32)
    return buffer.getvalue()


POLYGLOTS = {
    "jpeg+script": picture("JPEG") + SCRIPT,
    "png+script": picture("PNG") + SCRIPT,
    "gif+script": picture("GIF") + SCRIPT,
    "jpeg+zip": picture("JPEG") + zip_payload(),
    "gifar": picture("GIF") + zip_payload(),
}
PAYLOAD_MARKERS = (b"<script", b"<?php", b"PK\x03\x04", b"META-INF", b"\xca\xfe\xba\xbe")

REFUSED = {
    "php named .jpg": ("shell.jpg", b"<?php system($_GET['c']); ?>"),
    "html named .jpg": ("page.jpg", b"<!doctype html><script>alert(1)</script>"),
    "svg": ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    "svg named .png": ("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    "html": ("ad.html", b"<html><body onload=alert(1)></body></html>"),
}


# --- one upload through each door; each returns the stored bytes or None when refused ---------


def editor_upload(client, upload, **_):
    """The editor's photo picker: into the photo library (articles/picker.py)."""
    response = client.post(PICKER_UPLOAD_URL, {"file": upload, "caption": "사진", "credit": "연합"})
    answer = response.json()
    if response.status_code != 201:
        assert response.status_code == 400, answer
        return None, answer["error"]
    photo = Photo.objects.get(pk=answer["photo"]["id"])
    return photo.image.read(), ""


def reporter_photo(client, upload, **_):
    user = get_user_model().objects.create_user("photo.reporter", password="pw-1234-for-tests")
    data = {"user": user.pk, "name": "김서연", "email": "kim@example.com", "is_active": "on"}
    response = client.post("/admin/articles/reporter/add/", {**data, "photo": upload})
    reporter = Reporter.objects.filter(user=user).first()
    if reporter is None:
        assert response.status_code == 200
        return None, response.content.decode()
    return reporter.photo.read(), ""


def banner_image(client, upload, **_):
    data = banner_form(advertiser=_["advertiser"], slot=_["slot"])
    response = client.post("/admin/banners/banner/add/", {**data, "image": upload})
    banner = Banner.objects.first()
    if banner is None:
        assert response.status_code == 200
        return None, response.content.decode()
    return banner.image.read(), ""


DOORS = {
    "editor upload": editor_upload,
    "reporter photo": reporter_photo,
    "banner image": banner_image,
}


@pytest.fixture
def send(admin_client, section, advertiser, slot, media_root):
    def send(door: str, name: str, content: bytes, content_type: str = "image/jpeg"):
        upload = SimpleUploadedFile(name, content, content_type=content_type)
        return DOORS[door](
            admin_client,
            upload,
            section=section,
            advertiser=advertiser,
            slot=slot,
            media_root=media_root,
        )

    return send


def stored_files(media_root) -> list[Path]:
    root = Path(media_root)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("polyglot", POLYGLOTS)
def test_a_polyglot_is_reencoded_without_its_payload(send, door, polyglot):
    original = POLYGLOTS[polyglot]
    stored, message = send(door, "photo.jpg", original)
    assert stored is not None, message[:500]
    assert stored != original
    for marker in PAYLOAD_MARKERS:
        assert marker not in stored, (polyglot, door, marker)
    image = Image.open(io.BytesIO(stored))
    image.load()
    assert image.size == (300, 250)
    # Nothing follows the image's own end: the file is exactly what the encoder wrote.
    assert not zipfile.is_zipfile(io.BytesIO(stored))


@pytest.mark.parametrize("door", DOORS)
def test_a_png_named_jpg_is_accepted_and_stored_as_png(send, door):
    stored, message = send(door, "photo.jpg", picture("PNG"))
    assert stored is not None, message[:500]
    assert Image.open(io.BytesIO(stored)).format == "PNG"


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("case", REFUSED)
def test_scripts_html_and_svg_are_refused_whatever_their_name(send, door, case, media_root):
    name, content = REFUSED[case]
    stored, message = send(door, name, content, "image/jpeg")
    assert stored is None
    assert "이미지 파일이 아" in message  # "이미지 파일이 아니거나 …" / "이미지 파일이 아닙니다"
    assert stored_files(media_root) == []


@pytest.mark.parametrize("door", DOORS)
def test_too_many_pixels_are_refused_before_decoding(send, door, settings, media_root):
    settings.ARTICLE_IMAGE_MAX_PIXELS = 300 * 250 - 1
    stored, message = send(door, "big.png", picture("PNG"))
    assert stored is None
    assert "픽셀 수가 너무 많습니다" in message
    assert stored_files(media_root) == []


@pytest.mark.parametrize("door", DOORS)
def test_a_file_over_the_size_limit_is_refused(send, door, settings, media_root):
    settings.ARTICLE_IMAGE_MAX_BYTES = 1024 * 1024
    big = picture("PNG") + b"\0" * (2 * 1024 * 1024 + 1)  # over both limits (banners: 2MB)
    stored, message = send(door, "big.png", big)
    assert stored is None
    assert "MB" in message and ("너무 큽니다" in message or "이하여야" in message)
    assert stored_files(media_root) == []


def test_the_editor_upload_answers_json_a_browser_cannot_render_as_html(admin_client):
    upload = SimpleUploadedFile("x.jpg", REFUSED["html named .jpg"][1], "image/jpeg")
    response = admin_client.post(PICKER_UPLOAD_URL, {"file": upload, "caption": "사진"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    json.loads(response.content)
