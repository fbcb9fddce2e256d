"""The article editor in Chromium: a wide library photo stays inside the editing area."""

import io

import pytest
from PIL import Image

from .browser import DESKTOP, PHONE, horizontal_overflow, screenshot, sign_in

# The photo picker's upload into the library (articles/picker.py), as the picker sends it: by
# fetch, with the form's CSRF token; the answer's photo as the picker inserts it.
UPLOAD = """async (bytes) => {
    const token = document.querySelector('input[name=csrfmiddlewaretoken]').value;
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)], {type: 'image/jpeg'}), 'wide.jpg');
    form.append('caption', '가로 2400픽셀 사진');
    const answer = await fetch('/admin/articles/article/photos/upload/',
        {method: 'POST', body: form, headers: {'X-CSRFToken': token}});
    const photo = (await answer.json()).photo;
    return {src: photo.body.src, figure: NewsroomPhotoPicker.figureHtml(photo)};
}"""
SET_BODY = "html => new Promise(done => CKEDITOR.instances.id_body.setData(html, {callback: done}))"
EDITING_AREA = """() => {
    const doc = document.querySelector('iframe.cke_wysiwyg_frame').contentDocument;
    const images = [...doc.images].filter(image => image.naturalWidth > 1);
    return {
        width: doc.documentElement.clientWidth,
        scrollWidth: doc.documentElement.scrollWidth,
        natural: images.map(image => image.naturalWidth),
        shown: images.map(image => image.getBoundingClientRect().right),
    };
}"""


def wide_photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2400, 1350), (40, 90, 150)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.mark.parametrize(("size", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_a_wide_photo_is_shown_at_the_editing_areas_width(new_page, server, size, viewport):
    page = new_page(viewport=viewport, is_mobile=viewport is PHONE)
    sign_in(page, "reporter", server.password)
    page.wait_for_url("**/admin/")
    page.goto("/admin/articles/article/add/")
    page.wait_for_function("() => window.CKEDITOR?.instances.id_body?.status === 'ready'")

    photo = page.evaluate(UPLOAD, list(wide_photo()))
    url = photo["src"]
    # A library photo as the picker inserts it, and a picture of an older body written at
    # 1600 px with its width attribute.
    page.evaluate(
        SET_BODY,
        "<p>본문 첫 문단입니다.</p>"
        + photo["figure"]
        + f'<p><img alt="" height="900" src="{url}" width="1600" /></p>',
    )
    page.frame_locator("iframe.cke_wysiwyg_frame").locator(f'img[src="{url}"]').last.wait_for()
    page.wait_for_function(
        "() => [...document.querySelector('iframe.cke_wysiwyg_frame').contentDocument.images]"
        ".filter(image => image.naturalWidth > 1).length === 2"
    )

    area = page.evaluate(EDITING_AREA)
    # The older picture is the 800-px body rendition at width="1600"; the figure's picture is
    # whichever candidate of its srcset the browser chose for the area's width.
    assert area["natural"][1] == 800
    assert len(area["shown"]) == 2
    assert all(right <= area["width"] for right in area["shown"]), area
    assert area["scrollWidth"] == area["width"], area
    assert horizontal_overflow(page) is None
    screenshot(page, f"editor-wide-photo-{size}")
