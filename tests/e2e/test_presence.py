"""Someone else is editing: two people at two browsers open the same article's form; the second
is warned while the first has it open, and the warning goes at the second's next beat after
the first leaves. The second browser's clock is Playwright's, so a beat is not waited for."""

import re

from playwright.sync_api import expect

from .browser import screenshot, sign_in

BEAT_MS = 20_000  # articles/presence.py BEAT_SECONDS
WARNING = re.compile(
    r"^admin 님이 \d\d:\d\d부터 이 기사를 편집하고 있습니다\. "
    r"저장하면 서로의 변경을 덮어쓸 수 있습니다\.$"
)


def signed_in(new_page, server, username: str):
    page = new_page()
    page.clock.install()
    sign_in(page, username, server.password)
    page.wait_for_url("**/admin/")
    return page


def test_a_second_editor_is_warned_until_the_first_leaves(new_page, server):
    first = signed_in(new_page, server, "admin")
    first.goto("/admin/articles/article/")
    first.locator("#result_list tbody th a").first.click()
    first.locator("#id_title").wait_for()
    article_form = first.url

    second = signed_in(new_page, server, "desk")
    second.goto(article_form)
    notice = second.locator("#article-presence")

    # Shown as the form loads, not at the first beat.
    expect(notice).to_have_text(WARNING)
    expect(notice).to_have_attribute("role", "status")
    second.set_viewport_size({"width": 390, "height": 844})
    screenshot(second, "presence-phone")
    second.set_viewport_size({"width": 1280, "height": 900})
    screenshot(second, "presence-desktop")

    # The first sees the second at their own next beat.
    first.clock.run_for(BEAT_MS)
    expect(first.locator("#article-presence")).to_have_text(re.compile(r"^desk 님이 "))

    first.close(run_before_unload=True)  # pagehide: the "left" beacon
    # Long before the server's TTL: gone because the first said they left. A beat may pass
    # the beacon on its way, so the next one is allowed to be the one that clears it.
    for _ in range(2):
        with second.expect_response(re.compile(r"/presence/$")):
            second.clock.run_for(BEAT_MS)
        if not notice.text_content():
            break
    expect(notice).to_have_text("")
    assert second.errors == []
