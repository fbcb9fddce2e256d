"""The upload pipeline (newsroom/pictures.py), the editing area's pictures and the lead image."""

import io
import re
import struct
import zlib
from html import unescape
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from articles.models import Article, Photo
from articles.photos import RENDITIONS
from articles.services import photo_add
from newsroom.pictures import ImageRejected, process_image

from .helpers import ADD_URL, form_data, image_bytes


def stored_files(media_root) -> list[Path]:
    return [path for path in Path(media_root).rglob("*") if path.is_file()]


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type)


def jpeg_with_orientation_and_gps(size=(40, 20), orientation=6) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "NewsCam"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (37.0, 33.0, 59.0)
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 200, 10)).save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def png_claiming_size(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge picture: a decompression bomb's calling card."""
    data = bytearray(image_bytes("PNG", size=(1, 1), mode="L", colour=0))
    struct.pack_into(">II", data, 16, width, height)
    struct.pack_into(">I", data, 29, zlib.crc32(bytes(data[12:29])))
    return bytes(data)


# --- the pipeline -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "extension", "mode"),
    [("JPEG", "jpg", "RGB"), ("PNG", "png", "RGBA"), ("WEBP", "webp", "RGB"), ("GIF", "gif", "P")],
)
def test_each_accepted_format_is_reencoded_in_its_own_format(fmt, extension, mode):
    colour = 5 if mode == "P" else (200, 30, 30, 255)[: len(mode)]
    processed = process_image(upload(image_bytes(fmt, mode=mode, colour=colour)))
    assert processed.extension == extension
    assert Image.open(io.BytesIO(processed.content)).format == fmt
    assert Image.open(io.BytesIO(processed.thumbnail)).format == fmt


def animated_gif(frames=3, size=(300, 100)) -> bytes:
    pictures = [Image.new("RGB", size, (40 * n, 0, 0)) for n in range(frames)]
    buffer = io.BytesIO()
    pictures[0].save(
        buffer, "GIF", save_all=True, append_images=pictures[1:], duration=120, loop=0,
        comment=b"made on a secret laptop",
    )  # fmt: skip
    return buffer.getvalue()


def test_animated_gif_keeps_its_frames_when_scaled(settings):
    settings.ARTICLE_IMAGE_MAX_WIDTH = 150
    processed = process_image(upload(animated_gif(), name="anim.gif"))
    result = Image.open(io.BytesIO(processed.content))
    assert (result.format, result.size, result.n_frames) == ("GIF", (150, 50), 3)
    assert b"secret laptop" not in processed.content
    assert Image.open(io.BytesIO(processed.thumbnail)).format == "GIF"
    assert b"secret laptop" not in processed.thumbnail


def test_an_animation_counts_every_frame_against_the_pixel_limit(settings):
    settings.ARTICLE_IMAGE_MAX_PIXELS = 300 * 100 * 2  # room for two frames, not three
    with pytest.raises(ImageRejected, match="픽셀 수가 너무 많습니다"):
        process_image(upload(animated_gif(frames=3), name="anim.gif"))


def test_format_is_judged_by_content_not_by_name():
    processed = process_image(upload(image_bytes("PNG"), name="looks-like.jpg"))
    assert processed.extension == "png"


def test_exif_orientation_is_applied_and_all_metadata_is_stripped():
    original = jpeg_with_orientation_and_gps(size=(40, 20), orientation=6)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # sanity
    processed = process_image(upload(original))
    result = Image.open(io.BytesIO(processed.content))
    assert result.size == (20, 40)  # turned upright
    assert dict(result.getexif()) == {}
    assert b"Exif" not in processed.content
    assert b"NewsCam" not in processed.content
    assert b"Exif" not in processed.thumbnail


def test_wide_pictures_are_scaled_to_the_maximum_width_with_a_thumbnail(settings):
    settings.ARTICLE_IMAGE_MAX_WIDTH = 100
    settings.ARTICLE_IMAGE_THUMB_WIDTH = 30
    processed = process_image(upload(image_bytes("JPEG", size=(400, 200))))
    assert (processed.width, processed.height) == (100, 50)
    assert Image.open(io.BytesIO(processed.content)).size == (100, 50)
    assert Image.open(io.BytesIO(processed.thumbnail)).size == (30, 15)


def test_narrow_pictures_keep_their_size():
    processed = process_image(upload(image_bytes("JPEG", size=(300, 200))))
    assert (processed.width, processed.height) == (300, 200)


def test_a_file_over_the_size_limit_is_refused_in_korean(settings):
    settings.ARTICLE_IMAGE_MAX_BYTES = 1024 * 1024
    big = upload(b"\xff\xd8" + b"0" * (1024 * 1024 + 1))
    with pytest.raises(ImageRejected, match="1MB 이하의 사진만"):
        process_image(big)


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7 not a picture",
        b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
        b"<?php system($_GET['c']); ?>",
        image_bytes("JPEG")[:40],  # a broken JPEG
    ],
    ids=["pdf", "svg", "php", "truncated-jpeg"],
)
def test_a_non_image_is_refused_in_korean(data):
    with pytest.raises(ImageRejected, match="이미지 파일이 아니거나 손상된 파일"):
        process_image(upload(data))


@pytest.mark.parametrize("fmt", ["BMP", "TIFF", "ICO"])
def test_other_image_formats_are_refused_in_korean(fmt):
    with pytest.raises(ImageRejected, match="JPEG, PNG, WebP, GIF 형식의 사진만"):
        process_image(upload(image_bytes(fmt, size=(32, 32))))


def test_a_decompression_bomb_is_refused_before_decoding():
    with pytest.raises(ImageRejected, match="픽셀 수가 너무 많습니다"):
        process_image(upload(png_claiming_size(30000, 30000), name="bomb.png"))


@pytest.mark.parametrize("size", [(40, 40), (64, 48)], ids=["pillow-warning", "pillow-error"])
def test_pillows_own_bomb_guard_also_gives_the_korean_message(monkeypatch, settings, size):
    settings.ARTICLE_IMAGE_MAX_PIXELS = 10**9
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(ImageRejected, match="픽셀 수가 너무 많습니다"):
        process_image(upload(image_bytes("PNG", size=size)))


def test_an_empty_file_is_refused_in_korean():
    with pytest.raises(ImageRejected, match="빈 파일"):
        process_image(upload(b""))


# --- the editing area -------------------------------------------------------------------------
# The editor's picture upload is the photo picker's (tests/articles/desk/test_photo_picker.py).


@pytest.mark.django_db
def test_the_editor_shows_pictures_at_most_as_wide_as_its_column(client, reporter_user):
    """A 1600-px picture with width="1600" fits the editing area (CKEditor's contentsCss)."""
    client.force_login(reporter_user)
    html = unescape(client.get(ADD_URL).content.decode())
    styles = re.search(r'"contentsCss": \[([^\]]*)\]', html).group(1)
    # The editor's own styles first, ours after them.
    assert styles == (
        '"/static/ckeditor/ckeditor/contents.css", "/static/articles/admin/editor-content.css"'
    )
    response = client.get("/static/articles/admin/editor-content.css")
    assert response.status_code == 200
    css = b"".join(response.streaming_content).decode()
    assert "img { max-width: 100%; height: auto; }" in css


# --- a picture put into the photo library (the lead photo's source) ------------------------------


@pytest.mark.django_db
def test_library_and_body_pictures_are_scaled_by_one_rule(client, desk_user, settings, media_root):
    wide = image_bytes("JPEG", size=(2400, 1200))
    client.force_login(desk_user)
    response = client.post(
        "/admin/articles/article/photos/upload/", {"file": upload(wide), "caption": "넓은 사진"}
    )
    photo = Photo.objects.get(pk=response.json()["photo"]["id"])
    body_picture = Image.open(media_root / photo.image.name)
    lead = photo_add(upload=upload(wide, name="wide.jpg"), by=None)
    with lead.image.open("rb") as picture:
        lead_size = Image.open(picture).size
    assert body_picture.size == lead_size == (settings.ARTICLE_IMAGE_MAX_WIDTH, 800)
    assert (lead.width, lead.height) == lead_size


@pytest.mark.django_db
def test_a_library_photo_is_cleaned_and_gets_its_renditions(settings):
    settings.ARTICLE_IMAGE_MAX_WIDTH = 200
    photo = photo_add(
        upload=upload(jpeg_with_orientation_and_gps(size=(800, 400)), name="IMG_01.jpg"),
        by=None,
    )
    with photo.image.open("rb") as picture:
        content = picture.read()
    assert Image.open(io.BytesIO(content)).size == (200, 400)  # upright, then scaled
    assert b"Exif" not in content
    assert "IMG_01" not in photo.image.name  # the uploader's file name is not kept
    thumb = photo.renditions.get(spec="thumb")
    with thumb.file.open("rb") as picture:
        assert Image.open(picture).size == (thumb.width, thumb.height) == (200, 112)


@pytest.mark.django_db
def test_a_bad_picture_is_refused_in_korean_and_nothing_is_stored(media_root):
    with pytest.raises(ImageRejected, match="이미지 파일이 아니거나 손상된 파일"):
        photo_add(upload=upload(b"not a picture at all", name="x.jpg"), by=None)
    assert not Photo.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_a_picture_pasted_as_data_url_is_refused_not_silently_dropped(client, desk_user):
    client.force_login(desk_user)
    body = '<p>본문</p><p><img src="data:image/png;base64,iVBORw0KGgo=" alt=""></p>'
    response = client.post(ADD_URL, form_data(Article(title="붙여 넣은 사진"), body=body))
    assert response.status_code == 200
    assert "붙여 넣은 사진이 올라가지 않은 채" in response.content.decode()
    assert not Article.objects.exists()


# --- renditions for photos that came in without them (the migration's) --------------------------


@pytest.mark.django_db
def test_make_photo_renditions_fills_only_missing_ones(make_photo, capsys):
    from django.core.management import call_command

    photo = make_photo()
    photo.renditions.filter(spec__in=["og", "thumb"]).delete()
    call_command("make_photo_renditions")
    assert set(photo.renditions.values_list("spec", flat=True)) == set(RENDITIONS)
    assert "사진 규격 2개" in capsys.readouterr().out
    files = sorted(r.file.name for r in photo.renditions.all())
    call_command("make_photo_renditions")
    assert sorted(r.file.name for r in photo.renditions.all()) == files
    assert "사진 규격 0개" in capsys.readouterr().out


@pytest.mark.django_db
def test_make_photo_renditions_fails_with_one_line_naming_the_broken_photo(media_root):
    from django.core.files.base import ContentFile
    from django.core.management import CommandError, call_command

    photo = Photo(width=10, height=10)
    photo.image.save("broken.jpg", ContentFile(b"not a picture"))
    with pytest.raises(CommandError, match=rf"만들지 못한 사진 1장: {photo.pk}\("):
        call_command("make_photo_renditions")
