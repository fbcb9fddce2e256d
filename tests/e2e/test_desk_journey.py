"""Issue 15's whole journey in Chromium: a reporter uploads a photo into the library and sets
its focal point by a click; uses it as the lead photo of one article and inside the body of
another; the desk publishes both, edits the first, compares its two 판, restores the earlier one
and adds a 정정보도 to the second. A reader sees the notice on the page, in the feed and on
/corrections/; the first article's public 수정 time moved exactly twice (the edit and the
restore: not on publication, not when its photo's focal point moved, not on the compare), and
the second's once (the notice is an edit too)."""

import re
import secrets

from playwright.sync_api import expect

from .browser import screenshot, sign_in
from .test_photo_picker import EDITOR_READY, SECTION_NAME, open_new_article, photo_file


def modified(reader, url) -> str | None:
    """The 수정 time the article page shows a reader now (ISO, to the second), or None. Asked
    past the browser's cache (readers' browsers may keep a page for a minute)."""
    html = reader.request.get(url).text()
    found = re.search(r'<span>수정 <time datetime="([^"]+)">', html)
    return found.group(1) if found else None


def new_article(reporter, title: str, text: str):
    open_new_article(reporter)
    reporter.locator("#id_title").fill(title)
    reporter.locator("#id_section").select_option(label=SECTION_NAME)
    editor = reporter.frame_locator("iframe.cke_wysiwyg_frame")
    editor.locator("body").click()
    reporter.keyboard.type(text)
    reporter.keyboard.press("Enter")
    return editor


def save_and_submit(page) -> str:
    page.locator('input[name="_continue"]').click()
    expect(page.locator(".messagelist")).to_be_visible()
    assert not page.locator(".errornote").is_visible()
    url = page.url
    page.locator('input[name="_submit"]').click()
    expect(page.locator(".messagelist")).to_be_visible()
    return re.search(r"/article/(\d+)/change/", url).group(1)


def test_photo_library_revisions_and_a_correction_from_reporter_to_reader(
    new_page, server, tmp_path
):
    token = secrets.token_hex(3)
    caption = f"보건복지위원회 전체회의 {token}"

    # A reporter puts a photo into the library and moves its focal point with a click.
    reporter = new_page()
    sign_in(reporter, "reporter", server.password)
    reporter.wait_for_url("**/admin/")
    reporter.goto("/admin/articles/photo/add/")
    reporter.locator("#id_image").set_input_files(str(photo_file(tmp_path, "committee.jpg")))
    reporter.locator("#id_caption").fill(caption)
    reporter.locator("#id_credit").fill("김서연 기자")
    reporter.locator('[name="_save"]').click()
    reporter.wait_for_selector(".focal-picker.is-active")
    picture = reporter.locator(".focal-image")
    box = picture.bounding_box()
    picture.click(position={"x": box["width"] * 0.25, "y": box["height"] * 0.4})
    assert float(reporter.locator("#id_focal_x").input_value()) < 0.3
    reporter.locator('[name="_continue"]').click()
    expect(reporter.locator(".messagelist")).to_be_visible()
    assert float(reporter.locator("#id_focal_x").input_value()) < 0.3  # kept

    # Article A: that photo as its lead photo, chosen in the library.
    new_article(reporter, f"필수의료 수가 개편안 공개 {token}", "복지부가 개편안을 공개했다.")
    lead = reporter.locator(".lead-photo")
    lead.get_by_role("button", name="사진 고르기·올리기").click()
    chooser = reporter.get_by_role("dialog", name="대표 사진 고르기")
    chooser.get_by_label("설명·촬영·키워드로 찾기").fill(token)
    chooser.get_by_role("button", name="찾기", exact=True).click()
    chooser.get_by_role("button", name=re.compile(re.escape(token))).click()
    expect(chooser).to_have_count(0)
    article_a = save_and_submit(reporter)

    # Article B: the same photo inside its body, through the body's image button.
    editor = new_article(reporter, f"전문위원 간담회 열려 {token}", "간담회가 열렸다.")
    reporter.locator(".cke_button__image").click()
    picker = reporter.get_by_role("dialog", name="본문에 사진 넣기")
    picker.get_by_label("설명·촬영·키워드로 찾기").fill(token)
    picker.get_by_role("button", name="찾기", exact=True).click()
    picker.get_by_role("button", name=re.compile(re.escape(token))).click()
    expect(editor.locator("figure.photo")).to_have_count(1)
    article_b = save_and_submit(reporter)

    # The desk publishes both.
    desk = new_page()
    sign_in(desk, "desk", server.password)
    desk.wait_for_url("**/admin/")
    for number in (article_a, article_b):
        desk.goto(f"/admin/articles/article/{number}/change/")
        desk.wait_for_function(EDITOR_READY)
        desk.locator('input[name="_publish"]').click()
        expect(desk.locator(".messagelist")).to_be_visible()

    reader = new_page()
    url_a, url_b = f"/news/{article_a}/", f"/news/{article_b}/"
    moves_a = [modified(reader, url_a)]
    assert moves_a == [None]  # publication is no 수정
    reader.goto(url_b)
    expect(reader.locator("main figure.photo figcaption")).to_contain_text(caption)

    # The desk edits A's title; then compares the two 판 and restores the earlier one.
    desk.goto(f"/admin/articles/article/{article_a}/change/")
    desk.wait_for_function(EDITOR_READY)
    desk.locator("#id_title").fill(f"필수의료 수가 개편안 최종 공개 {token}")
    desk.locator('input[name="_continue"]').click()
    expect(desk.locator(".messagelist")).to_be_visible()
    moves_a.append(modified(reader, url_a))
    desk.goto(f"/admin/articles/article/{article_a}/revisions/")
    desk.get_by_role("button", name="고른 두 판 비교").click()
    expect(desk.locator("ins").first).to_contain_text("최종")
    screenshot(desk, "revisions-compare-desktop")
    moves_a.append(modified(reader, url_a))  # comparing changes nothing
    desk.goto(f"/admin/articles/article/{article_a}/revisions/")
    desk.locator(".restore-link").last.click()
    desk.wait_for_timeout(1100)  # a second later: the 수정 time is shown to the second
    desk.get_by_role("button", name=re.compile(r"판으로 복원")).click()
    expect(desk.locator(".messagelist")).to_be_visible()
    moves_a.append(modified(reader, url_a))
    reader = new_page()  # a reader whose browser has kept nothing
    reader.goto(url_a)
    expect(reader.locator("#article-title")).to_have_text(f"필수의료 수가 개편안 공개 {token}")
    lead_picture = reader.locator("main .article__figure img")
    expect(lead_picture).to_have_attribute("srcset", re.compile(r"_w480\w*\.jpg 480w"))

    # The desk adds a 정정보도 to B.
    desk.goto(f"/admin/articles/article/{article_b}/change/")
    desk.get_by_role("link", name="정정·반론보도 추가").click()
    desk.locator("#id_kind").select_option(label="정정보도")
    desk.locator("#id_text").fill(f"간담회 참석자 수를 바로잡습니다. {token}")
    desk.locator('[name="_save"]').click()
    expect(desk.locator(".messagelist")).to_contain_text("추가되었습니다")
    moves_a.append(modified(reader, url_a))

    # A's 수정: none, the edit, the same after the compare, the restore, the same after B's
    # notice: it moved exactly twice.
    assert moves_a[0] is None and None not in moves_a[1:], moves_a
    assert moves_a[1] == moves_a[2] and moves_a[3] == moves_a[4], moves_a
    assert len(set(moves_a)) == 3, moves_a

    reader = new_page()
    reader.goto(url_b)
    expect(reader.locator('aside.correction[aria-label="정정보도"]')).to_contain_text(token)
    expect(reader.locator(".article__times")).to_contain_text("수정")
    screenshot(reader, "corrected-article-desktop")
    reader.goto("/corrections/")
    expect(reader.locator(".correction-list__title").first).to_contain_text(token)
    assert (
        f"[정정보도] 간담회 참석자 수를 바로잡습니다. {token}" in reader.request.get("/rss/").text()
    )
    assert reporter.errors == [] and desk.errors == [] and reader.errors == []
