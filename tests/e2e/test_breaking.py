"""속보 from the desk to every reader: the desk sets the banner in the admin; a reader's next
request, served from the page cache (the same stored page: its ETag is unchanged), shows it
within a second, on a phone and on a desktop."""

import time

from playwright.sync_api import expect

from .browser import horizontal_overflow, screenshot, sign_in

HEADLINE = "[속보] 식약처, 위고비 유사 제품 긴급 회수 명령"
PHONE = {"width": 390, "height": 844}


def test_the_desk_sets_breaking_news_and_a_cached_page_shows_it_within_a_second(new_page, server):
    reader = new_page()
    first = reader.goto("/")
    first_etag = first.headers.get("etag")
    assert first_etag and reader.locator(".breaking").count() == 0
    reader.goto("/")  # stored by now

    desk = new_page()
    sign_in(desk, "desk", server.password)
    desk.wait_for_url("**/admin/")
    desk.goto("/admin/newsroom/breakingnews/add/")
    desk.locator("#id_headline").fill(HEADLINE)
    desk.locator("#id_link").fill("/corrections/")
    desk.locator('[name="_save"]').click()
    expect(desk.locator(".messagelist")).to_contain_text("추가되었습니다")
    saved = time.monotonic()

    # A reader whose browser has kept nothing asks for the same cached page.
    phone = new_page(viewport=PHONE, is_mobile=True)
    response = phone.goto("/")
    seen = time.monotonic() - saved
    banner = phone.get_by_role("region", name="속보")
    expect(banner).to_contain_text(HEADLINE)
    assert seen < 1.0, f"속보 took {seen:.2f} s to reach a reader"
    assert response.headers.get("etag") == first_etag, "the page was rendered again, not cached"
    assert horizontal_overflow(phone) is None
    screenshot(phone, "breaking-phone")

    banner.get_by_role("link").click()
    phone.wait_for_url("**/corrections/")

    wide = new_page()
    wide.goto("/")
    expect(wide.locator(".breaking__link")).to_have_text(HEADLINE)
    screenshot(wide, "breaking-desktop")
    assert reader.errors == [] and desk.errors == [] and phone.errors == []
