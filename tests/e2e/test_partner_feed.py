"""A partner's full-text feed from the administrator to the partner: the administrator adds the
partner in the admin and copies the key shown once; the partner's fetch with that key gets the
whole text (parsed by feedparser, as a portal's ingester would), a wrong key gets 403, and the
fetch is in the log."""

import feedparser
from playwright.sync_api import expect

from .browser import screenshot, sign_in


def test_an_administrator_issues_a_key_and_the_partner_fetches_the_full_text(new_page, server):
    admin = new_page()
    sign_in(admin, "admin", server.password)
    admin.wait_for_url("**/admin/")
    admin.goto("/admin/articles/feedpartner/add/")
    admin.locator("#id_name").fill("헬스포털 뉴스")
    admin.locator('[name="_save"]').click()
    key = admin.locator("#partner-key").input_value()
    assert key.startswith("nrp_")
    expect(admin.locator(".errornote")).to_contain_text("한 번만 보여 줍니다")
    screenshot(admin, "partner-key-desktop")

    partner = admin.context.browser.new_context(base_url=server.url)
    try:
        answer = partner.request.get("/partner/rss/", headers={"Authorization": f"Bearer {key}"})
        assert answer.status == 200
        feed = feedparser.parse(answer.body())
        assert not feed.bozo and feed.entries
        assert all(entry.content[0].value for entry in feed.entries)
        wrong = partner.request.get("/partner/rss/", headers={"Authorization": "Bearer nrp_x"})
        assert wrong.status == 403 and "제휴 피드 키" in wrong.text()
    finally:
        partner.close()

    admin.goto("/admin/articles/partnerfetch/")
    expect(admin.locator("#result_list tbody tr")).to_have_count(1)
    expect(admin.locator("#result_list")).to_contain_text("헬스포털 뉴스")
    assert admin.errors == []
