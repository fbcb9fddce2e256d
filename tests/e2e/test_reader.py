"""A reader on a phone and on a desktop: pages fit the screen, the keyboard gets everywhere."""

import re

import pytest

from .browser import (
    DESKTOP,
    PHONE,
    READER_PAGES,
    horizontal_overflow,
    press_tab,
    screenshot,
)

ARTICLE_LINK = 'main a[href^="/news/"]'
SECTION_LINK = 'main a[href^="/section/"]'
MAX_TAB_STOPS = 60


def open_phone(new_page):
    return new_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)


@pytest.fixture
def phone_at_home(new_page):
    """A phone showing the home page."""
    page = open_phone(new_page)
    page.goto("/")
    return page


def test_home_page_fits_a_phone_screen(new_page):
    page = open_phone(new_page)
    response = page.goto("/")

    assert response.status == 200
    assert page.locator("h1").count() == 1
    assert page.locator(ARTICLE_LINK).count() > 0, "the demo newsroom's articles are listed"
    assert horizontal_overflow(page) is None
    assert page.errors == []
    screenshot(page, "home-phone")


def test_skip_link_is_the_first_tab_stop_and_takes_the_keyboard_to_the_main_content(phone_at_home):
    page = phone_at_home

    first = press_tab(page)
    assert first["text"] == "본문 바로가기"
    assert first["visible"], "the skip link shows itself when it has the focus"

    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#main$"))
    after = press_tab(page)
    assert after["inMain"], f"the next Tab stop is inside <main>, not {after}"


@pytest.mark.parametrize("name", list(READER_PAGES))
def test_every_tab_stop_is_visible_on_a_phone(new_page, name):
    page = open_phone(new_page)
    READER_PAGES[name](page)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.evaluate("() => window.scrollTo(0, 0)")

    seen = []
    for _ in range(MAX_TAB_STOPS):
        focused = press_tab(page)
        if focused is None or (seen and focused == seen[0]):
            break  # the focus left the page or came round again
        assert focused["visible"], f"Tab stop {len(seen) + 1} is focused but not visible: {focused}"
        seen.append(focused)
    assert len(seen) >= 2, "the skip link and at least one link of the page"


def test_a_reader_opens_an_article_from_the_home_page_with_the_keyboard_alone(phone_at_home):
    page = phone_at_home

    for _ in range(MAX_TAB_STOPS):
        focused = press_tab(page)
        if focused and focused["inMain"] and (focused["href"] or "").startswith("/news/"):
            break
    else:
        raise AssertionError("no article link in <main> was reached with Tab")
    page.keyboard.press("Enter")

    page.wait_for_url(f"**{focused['href']}")
    assert page.locator("h1").inner_text().strip() == focused["text"]
    assert horizontal_overflow(page) is None
    assert page.errors == []
    screenshot(page, "article-phone")


def test_section_page_fits_a_phone_screen(phone_at_home):
    page = phone_at_home
    page.locator(ARTICLE_LINK).first.click()
    section_link = page.locator(SECTION_LINK).first
    section_name = section_link.inner_text().strip()

    section_link.click()

    page.wait_for_url("**/section/**")
    assert section_name in page.locator("h1").inner_text()
    assert page.locator(ARTICLE_LINK).count() > 0
    assert horizontal_overflow(page) is None
    assert page.errors == []
    screenshot(page, "section-phone")


def test_desktop_pages_render_without_script_errors(new_page):
    page = new_page(viewport=DESKTOP)
    page.goto("/")
    screenshot(page, "home")

    page.locator(ARTICLE_LINK).first.click()
    page.wait_for_url("**/news/**")
    screenshot(page, "article")
    page.locator(SECTION_LINK).first.click()
    page.wait_for_url("**/section/**")
    screenshot(page, "section")

    assert page.errors == []
    assert horizontal_overflow(page) is None


def test_a_reader_searches_with_the_keyboard_on_a_phone(phone_at_home):
    page = phone_at_home

    page.get_by_label("기사 검색").focus()
    page.keyboard.type("의료")
    page.keyboard.press("Enter")

    page.wait_for_url("**/search/**")
    assert page.locator('main a[href^="/news/"]').count() > 0
    assert page.locator("main mark").count() > 0, "the search terms are highlighted"
    assert horizontal_overflow(page) is None
    assert page.errors == []
    screenshot(page, "search-phone")
