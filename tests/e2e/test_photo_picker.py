"""The article editor's photo picker in Chromium (articles/static/articles/admin/photo-picker.js):
a reporter opens a new article, opens the picker from the body's image button, uploads a photo
into the library and inserts it into the body, picks the lead photo from the library with the
same picker, saves; the desk publishes and a reader's page shows both pictures. And the picker
by keyboard: a modal dialog with a name, focus kept inside, tabs by arrow keys, Escape back to
the editor."""

import io
import re
import secrets

from PIL import Image
from playwright.sync_api import expect

from .browser import DESKTOP, PHONE, horizontal_overflow, screenshot, sign_in

SECTION_NAME = "제약ㆍ약사"
EDITOR_READY = "() => window.CKEDITOR?.instances.id_body?.status === 'ready'"
EDITOR_DATA = "() => CKEDITOR.instances.id_body.getData()"


def photo_file(tmp_path, name: str, size=(1600, 900), colour=(30, 110, 160)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    path = tmp_path / name
    path.write_bytes(buffer.getvalue())
    return path


def open_new_article(page):
    page.goto("/admin/articles/article/add/")
    page.wait_for_function(EDITOR_READY)


def test_a_reporter_puts_library_photos_in_the_body_and_the_lead(new_page, server, tmp_path):
    token = secrets.token_hex(3)
    title = f"희귀질환 신약 접근성 개선안 {token}"
    caption = f"국회 토론회 <b>참석자</b> {token}"  # markup in a caption stays text
    credit = "김서연 기자"

    reporter = new_page()
    sign_in(reporter, "reporter", server.password)
    reporter.wait_for_url("**/admin/")
    open_new_article(reporter)
    reporter.locator("#id_title").fill(title)
    reporter.locator("#id_section").select_option(label=SECTION_NAME)
    editor = reporter.frame_locator("iframe.cke_wysiwyg_frame")
    editor.locator("body").click()
    reporter.keyboard.type("환자단체와 제약업계가 한자리에 모였다.")
    reporter.keyboard.press("Enter")

    # The body's image button opens our picker; the photo is uploaded into the library there.
    reporter.locator(".cke_button__image").click()
    picker = reporter.get_by_role("dialog", name="본문에 사진 넣기")
    expect(picker).to_be_visible()
    picker.get_by_role("tab", name="새 사진 올리기").click()
    picker.get_by_label("사진 파일").set_input_files(str(photo_file(tmp_path, "forum.jpg")))
    picker.get_by_role("button", name="올리고 본문에 넣기").click()
    # Without a caption the picker asks for one (it is the picture's text for screen readers).
    expect(picker.get_by_role("alert")).to_contain_text("사진 설명을 입력하세요")
    picker.get_by_label("사진 설명 (필수)").fill(caption)
    picker.get_by_label("촬영·출처").fill(credit)
    picker.get_by_role("button", name="올리고 본문에 넣기").click()
    expect(picker).to_have_count(0)

    figure = editor.locator("figure.photo")
    expect(figure).to_have_count(1)
    expect(figure.locator("figcaption")).to_have_text(f"{caption} {credit}")
    data = reporter.evaluate(EDITOR_DATA)
    photo_id = re.search(r'<figure class="photo" data-photo="(\d+)">', data).group(1)
    assert re.search(r'srcset="[^"]+_body480\.jpg 480w, [^"]+_body800\.jpg 800w"', data), data
    assert 'sizes="(max-width: 800px) 100vw, 800px"' in data
    assert 'width="800"' in data and 'height="450"' in data
    assert "&lt;b&gt;참석자&lt;/b&gt;" in data and "<b>" not in data
    assert '<span class="credit">김서연 기자</span>' in data

    # The lead photo: the same picker, in "lead" mode, finds the photo just uploaded.
    lead = reporter.locator(".lead-photo")
    lead.get_by_role("button", name="사진 고르기·올리기").click()
    chooser = reporter.get_by_role("dialog", name="대표 사진 고르기")
    chooser.get_by_label("설명·촬영·키워드로 찾기").fill(token)
    chooser.get_by_role("button", name="찾기", exact=True).click()
    expect(chooser.get_by_role("status")).to_contain_text("1장")
    chooser.get_by_role("button", name=re.compile(re.escape(token))).click()
    expect(chooser).to_have_count(0)
    expect(lead.locator("img")).to_have_attribute("src", re.compile(r"_thumb\.jpg$"))
    expect(lead.locator("figcaption")).to_contain_text(caption)
    assert reporter.locator("input[name=lead_photo]").input_value() == photo_id

    # 지우기 clears it; choosing again puts it back.
    lead.get_by_role("button", name="대표 사진 지우기").click()
    assert reporter.locator("input[name=lead_photo]").input_value() == ""
    expect(lead.locator("figure")).to_be_hidden()
    lead.get_by_role("button", name="사진 고르기·올리기").click()
    chooser.get_by_role("button", name=re.compile(re.escape(token))).click()
    assert reporter.locator("input[name=lead_photo]").input_value() == photo_id

    reporter.locator('input[name="_continue"]').click()
    expect(reporter.locator(".messagelist")).to_be_visible()
    assert not reporter.locator(".errornote").is_visible()
    expect(editor.locator("figure.photo figcaption")).to_contain_text(caption)
    expect(reporter.locator(".lead-photo figcaption")).to_contain_text(caption)
    change_url = reporter.url
    reporter.locator('input[name="_submit"]').click()
    expect(reporter.locator(".messagelist")).to_be_visible()

    # The desk publishes it; a reader sees the body photo (with its srcset) and the lead photo.
    desk = new_page()
    sign_in(desk, "desk", server.password)
    desk.wait_for_url("**/admin/")
    desk.goto(change_url)
    desk.locator('input[name="_publish"]').click()
    expect(desk.locator(".messagelist")).to_be_visible()
    article_id = re.search(r"/article/(\d+)/change/", change_url).group(1)

    reader = new_page()
    reader.goto(f"/news/{article_id}/")
    body_photo = reader.locator(f'main figure.photo[data-photo="{photo_id}"]')
    expect(body_photo.locator("img")).to_have_attribute("srcset", re.compile(r"480w, .* 800w"))
    expect(body_photo.locator("figcaption")).to_contain_text(caption)
    pictures = reader.locator("main img")
    assert pictures.count() >= 2, "the lead photo and the body's photo"
    for index in range(pictures.count()):  # lazy pictures load when scrolled to
        picture = pictures.nth(index)
        picture.scroll_into_view_if_needed()
        reader.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=picture.element_handle()
        )
    lead_sources = [pictures.nth(i).get_attribute("src") or "" for i in range(pictures.count())]
    assert any(re.search(r"_(w480|w800|w1200)\.jpg$", src) for src in lead_sources), lead_sources
    assert reporter.errors == [] and desk.errors == [] and reader.errors == []


def test_the_picker_works_by_keyboard_and_on_a_phone(new_page, server, tmp_path):
    for viewport in (DESKTOP, PHONE):
        page = new_page(viewport=viewport, is_mobile=viewport is PHONE, has_touch=True)
        sign_in(page, "reporter", server.password)
        page.wait_for_url("**/admin/")
        open_new_article(page)
        page.frame_locator("iframe.cke_wysiwyg_frame").locator("body").click()
        page.locator(".cke_button__image").click()
        picker = page.get_by_role("dialog", name="본문에 사진 넣기")
        expect(picker).to_be_visible()
        assert page.evaluate(
            "() => document.querySelector('dialog.photo-picker').matches(':modal')"
        )
        # The search box has the focus and its label; the results are announced.
        assert page.evaluate("() => document.activeElement.type") == "search"
        expect(picker.get_by_role("status")).not_to_have_text("찾는 중…")
        # The tabs follow the tab pattern: arrow keys move between them.
        picker.get_by_role("tab", name="사진 DB에서 찾기").focus()
        page.keyboard.press("ArrowRight")
        upload_tab = picker.get_by_role("tab", name="새 사진 올리기")
        expect(upload_tab).to_be_focused()
        expect(upload_tab).to_have_attribute("aria-selected", "true")
        expect(picker.get_by_role("tabpanel", name="새 사진 올리기")).to_be_visible()
        expect(picker.get_by_role("tabpanel", name="사진 DB에서 찾기")).to_be_hidden()
        # Tab reaches nothing behind the modal dialog (past its last control the browser's own
        # controls take the focus, then the dialog's first again).
        for _ in range(14):
            page.keyboard.press("Tab")
            where = page.evaluate(
                "() => { const el = document.activeElement;"
                " return !el || el === document.body ? 'browser'"
                " : el.closest('dialog.photo-picker') ? 'picker' : el.outerHTML.slice(0, 80); }"
            )
            assert where in ("picker", "browser"), f"the focus reached {where}"
        # The dialog fits the screen, and the page behind it does not scroll sideways.
        box = picker.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 0.5, box
        assert horizontal_overflow(page) is None
        # A refused file answers its Korean reason in the dialog.
        bad = tmp_path / "not-a-photo.jpg"
        bad.write_bytes(b"<svg onload=alert(1)></svg>")
        picker.get_by_label("사진 파일").set_input_files(str(bad))
        picker.get_by_label("사진 설명 (필수)").fill("잘못된 파일")
        picker.get_by_role("button", name="올리고 본문에 넣기").click()
        expect(picker.get_by_role("alert")).to_contain_text("이미지 파일이 아니거나")
        screenshot(page, f"photo-picker-refused-{'phone' if viewport is PHONE else 'desktop'}")
        # Escape closes it and gives the focus back to the editor.
        page.keyboard.press("Escape")
        expect(picker).to_have_count(0)
        page.wait_for_function(
            "() => document.activeElement?.classList.contains('cke_wysiwyg_frame')"
        )
        assert "figure" not in page.evaluate(EDITOR_DATA)
        # The refused upload's 400 is the one console message Chromium writes.
        others = [
            e for e in page.errors if "400 (Bad Request)" not in e or "/photos/upload/" not in e
        ]
        assert others == [], page.errors
