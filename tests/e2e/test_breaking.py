"""속보 from the desk to every reader: the desk sets the banner in the admin; a reader's next
request, served from the page cache (the same stored page: its ETag is unchanged), shows it, on
a phone and on a desktop. Other workers may keep the previous rows for PAGE_CACHE_LOCAL_SECONDS
(1 s), the bound behind "within a second"; the reader retries within that bound plus the time a
busy machine takes to serve a page (no wall-clock assertion: speed is measured in benchmarks)."""

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

    # A reader whose browser has kept nothing asks for the same cached page (a new browser
    # each try: a reload would revalidate the browser's own copy and get a 304).
    for _ in range(10):  # another worker's one-second memo of the rows
        phone = new_page(viewport=PHONE, is_mobile=True)
        response = phone.goto("/")
        banner = phone.get_by_role("region", name="속보")
        if banner.count():
            break
        phone.wait_for_timeout(300)
    expect(banner).to_contain_text(HEADLINE)
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
