"""The ad manager sells a campaign with a goal and a cap of 3 a day, with two banners; a reader
on a phone sees it three times that day, and the fourth page view shows another campaign's
banner. The report and the slot calendar show the campaign against its goal."""

import secrets

from .browser import PHONE, screenshot, sign_in
from .test_journeys import image_file, local_date, select_option_containing

SLOT_CODE = "article-inline"  # 640×120, one banner, on article pages; the demo has one there


def test_a_capped_campaign_gives_the_fourth_view_to_another_campaign(new_page, server, tmp_path):
    token = secrets.token_hex(3)
    advertiser = f"온누리약품 {token}"
    campaign = f"온누리 상반기 {token}"
    alts = [f"온누리약품 광고 {token} A", f"온누리약품 광고 {token} B"]

    manager = new_page()
    sign_in(manager, "admanager", server.password)
    manager.wait_for_url("**/admin/")
    manager.goto("/admin/banners/advertiser/add/")
    manager.locator("#id_name").fill(advertiser)
    manager.locator('input[name="_save"]').click()
    manager.locator(".messagelist .success").wait_for()

    # The campaign: guaranteed, a goal over a month, at most 3 a reader a day; two banners.
    manager.goto("/admin/banners/campaign/add/")
    manager.locator("#id_advertiser").select_option(label=advertiser)
    manager.locator("#id_name").fill(campaign)
    manager.locator("#id_priority").select_option(label="보장형")
    manager.locator("#id_starts_at_0").fill(local_date(-1))
    manager.locator("#id_starts_at_1").fill("00:00:00")
    manager.locator("#id_ends_at_0").fill(local_date(30))
    manager.locator("#id_ends_at_1").fill("00:00:00")
    manager.locator("#id_goal_impressions").fill("30000")
    manager.locator("#id_daily_cap").fill("3")
    for index, alt in enumerate(alts):
        manager.locator("#banners-group .add-row a").click()
        manager.locator(f"#id_banners-{index}-name").fill(f"{campaign} {index}")
        manager.locator(f"#id_banners-{index}-image").set_input_files(
            str(image_file(tmp_path, f"b{index}.png", (640, 120), (30 + 90 * index, 90, 150)))
        )
        manager.locator(f"#id_banners-{index}-alt_text").fill(alt)
        manager.locator(f"#id_banners-{index}-target_url").fill("https://example.com/onnuri/")
    manager.locator('input[name="_continue"]').click()
    manager.locator(".messagelist .success").wait_for()
    screenshot(manager, "campaign-form")

    # Each banner goes into the slot on its own page.
    links = manager.get_by_role("link", name="슬롯 고르기")
    pages = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert len(pages) == 2
    for url in pages:
        manager.goto(url)
        select_option_containing(manager.locator("#id_placements-0-slot"), f"({SLOT_CODE},")
        manager.locator('input[name="_save"]').click()
        manager.locator(".messagelist .success").wait_for()

    # A reader on a phone opens an article four times (each a fresh tab: the browser keeps a
    # public page for its max-age); the same address and browser are the same reader.
    reader = new_page(viewport=PHONE, is_mobile=True)
    reader.goto("/")
    article = reader.locator('main a[href^="/news/"]').first.get_attribute("href")
    seen = []
    for view in range(4):
        reader = new_page(viewport=PHONE, is_mobile=True)
        reader.goto(article)
        slot = reader.locator(f".banner-slot--{SLOT_CODE} img")
        slot.first.wait_for(state="attached")
        seen.append(slot.first.get_attribute("alt"))
        if view == 2:
            slot.first.scroll_into_view_if_needed()
            screenshot(reader, "campaign-reader-phone")
    assert all(alt in alts for alt in seen[:3]), seen
    assert seen[3] not in alts, seen  # capped: another campaign's banner

    # The report: the campaign against its goal.
    manager.goto("/admin/banners/bannerstat/")
    row = manager.locator("table.banner-campaigns tr", has_text=campaign)
    cells = row.locator("td")
    assert cells.nth(3).inner_text().strip() == "30,000 (기간 전체)"
    assert int(cells.nth(4).inner_text().replace(",", "")) == 3  # delivered
    screenshot(manager, "campaign-report")
    manager.goto("/admin/banners/bannerslot/calendar/")
    assert manager.get_by_text(f"[보장형] {campaign}").first.is_visible()
    screenshot(manager, "campaign-calendar")
