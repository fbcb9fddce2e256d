"""A 정정보도 from the desk to the reader: the desk opens a published article's form, follows
"정정·반론보도 추가", writes the notice and saves; a reader then sees it under the standfirst of
the article page (phone and desktop), on /corrections/ and in the feed."""

import re

from playwright.sync_api import expect

from .browser import horizontal_overflow, open_article, screenshot, sign_in

TEXT = "본지는 이 기사에서 지원 규모를 잘못 보도했기에 바로잡습니다.\n정확한 규모는 3천억원입니다."
PHONE = {"width": 390, "height": 844}


def test_the_desk_adds_a_correction_and_readers_see_it_everywhere(new_page, server):
    before = new_page()
    open_article(before)
    article_url = before.url
    article_id = re.search(r"/news/(\d+)/", article_url).group(1)
    title = before.locator("#article-title").text_content()

    desk = new_page()
    sign_in(desk, "desk", server.password)
    desk.wait_for_url("**/admin/")
    desk.goto(f"/admin/articles/article/{article_id}/change/")
    desk.get_by_role("link", name="정정·반론보도 추가").click()
    desk.locator("#id_kind").select_option(label="정정보도")
    desk.locator("#id_text").fill(TEXT)
    desk.locator('[name="_save"]').click()
    expect(desk.locator(".messagelist")).to_contain_text("추가되었습니다")
    desk.goto(f"/admin/articles/article/{article_id}/change/")
    expect(desk.locator(".article-corrections")).to_contain_text("정정·반론보도 1건")

    # A reader who has not seen the page in the last minute (browsers may keep it that long).
    reader = new_page()
    reader.goto(article_url)
    notice = reader.locator('aside.correction[aria-label="정정보도"]')
    expect(notice).to_contain_text("바로잡습니다.")
    expect(reader.locator(".article__times")).to_contain_text("수정")
    screenshot(reader, "correction-article-desktop")
    reader.set_viewport_size(PHONE)
    assert horizontal_overflow(reader) is None
    screenshot(reader, "correction-article-phone")

    reader.goto("/corrections/")
    expect(reader.locator(".correction-list__title").first).to_have_text(title)
    assert horizontal_overflow(reader) is None
    screenshot(reader, "corrections-phone")
    reader.set_viewport_size({"width": 1280, "height": 900})
    screenshot(reader, "corrections-desktop")

    feed = reader.request.get("/rss/").text()
    assert "[정정보도] 본지는 이 기사에서" in feed
    assert reader.errors == [] and desk.errors == []
