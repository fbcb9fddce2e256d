"""Viewable impressions in a real browser: the ad manager sells a campaign with a goal and a cap
of 3 a day (two banners in the footer's band) beside another advertiser's campaign (the demo's
runs there too); a reader on a phone scrolls to the footer and stays over a second (viewable),
scrolls past it in a moment (served, not viewable), opens a third page without scrolling
(served), and the fourth page view shows another campaign's banner (the cap). The report counts
3 served and 1 viewable; the advertiser opens the signed report link and sees the chart (desktop
and phone) until the ad manager revokes it."""

import re
import secrets

from .browser import DESKTOP, PHONE, sign_in
from .run_screenshots import FOLDER, VIEWS, small_png
from .test_journeys import image_file, local_date, select_option_containing

SLOT_CODE = "footer"  # 1200×90, below the fold on every page
FOOTER = f".banner-slot--{SLOT_CODE} .banner"


def add_campaign(manager, tmp_path, *, advertiser, name, priority, alts, goal="", cap=""):
    manager.goto("/admin/banners/advertiser/add/")
    manager.locator("#id_name").fill(advertiser)
    manager.locator('input[name="_save"]').click()
    manager.locator(".messagelist .success").wait_for()
    manager.goto("/admin/banners/campaign/add/")
    manager.locator("#id_advertiser").select_option(label=advertiser)
    manager.locator("#id_name").fill(name)
    manager.locator("#id_priority").select_option(label=priority)
    manager.locator("#id_starts_at_0").fill(local_date(-1))
    manager.locator("#id_starts_at_1").fill("00:00:00")
    manager.locator("#id_ends_at_0").fill(local_date(30))
    manager.locator("#id_ends_at_1").fill("00:00:00")
    manager.locator("#id_goal_impressions").fill(goal)
    manager.locator("#id_daily_cap").fill(cap)
    for index, alt in enumerate(alts):
        manager.locator("#banners-group .add-row a").click()
        manager.locator(f"#id_banners-{index}-name").fill(f"{name} {index}")
        colour = (30 + 90 * index, 90, 150)
        manager.locator(f"#id_banners-{index}-image").set_input_files(
            str(image_file(tmp_path, f"{name}-{index}.png", (1200, 90), colour))
        )
        manager.locator(f"#id_banners-{index}-alt_text").fill(alt)
        manager.locator(f"#id_banners-{index}-target_url").fill("https://example.com/ad/")
    manager.locator('input[name="_continue"]').click()
    manager.locator(".messagelist .success").wait_for()
    links = manager.get_by_role("link", name="슬롯 고르기")
    pages = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert len(pages) == len(alts)
    for url in pages:
        manager.goto(url)
        select_option_containing(manager.locator("#id_placements-0-slot"), f"({SLOT_CODE},")
        manager.locator('input[name="_save"]').click()
        manager.locator(".messagelist .success").wait_for()


def save_screenshot(page, name: str, view: str) -> None:
    width = VIEWS[view]["viewport"]["width"]
    png = page.screenshot(full_page=True)
    FOLDER.mkdir(parents=True, exist_ok=True)
    (FOLDER / f"{name}-{view}.png").write_bytes(small_png(png, width=width))


def figure(text: str, label: str) -> int:
    match = re.search(rf"{label} ([\d,]+)회", text)
    assert match, (label, text)
    return int(match.group(1).replace(",", ""))


def test_viewable_impressions_cap_and_the_advertisers_signed_report(new_page, server, tmp_path):
    token = secrets.token_hex(3)
    advertiser = f"바른의료기 {token}"
    campaign = f"바른 하반기 {token}"
    alts = [f"바른의료기 광고 {token} A", f"바른의료기 광고 {token} B"]
    other_alt = f"다른 캠페인 광고 {token}"

    manager = new_page()
    sign_in(manager, "admanager", server.password)
    manager.wait_for_url("**/admin/")
    add_campaign(
        manager,
        tmp_path,
        advertiser=advertiser,
        name=campaign,
        priority="보장형",
        alts=alts,
        goal="30000",
        cap="3",
    )
    add_campaign(
        manager,
        tmp_path,
        advertiser=f"다른 광고주 {token}",
        name=f"다른 캠페인 {token}",
        priority="일반",
        alts=[other_alt],
    )

    reader = new_page(viewport=PHONE, is_mobile=True)
    reader.goto("/")
    article = reader.locator('main a[href^="/news/"]').first.get_attribute("href")

    def open_article():
        page = new_page(viewport=PHONE, is_mobile=True)
        page.goto(article)
        banner = page.locator(FOOTER).first
        banner.wait_for(state="attached")
        assert banner.locator(".banner__label").inner_text() == "광고"
        return page, banner

    # 1. Scrolled to the footer and kept there: viewable; the beacon carries its token.
    page, banner = open_article()
    assert banner.locator("img").get_attribute("alt") in alts
    assert page.evaluate(
        "(el) => el.getBoundingClientRect().top > innerHeight", banner.element_handle()
    )
    assert banner.get_attribute("data-view")  # the server's signed token for this impression
    beacons = []
    page.on(
        "response",
        lambda r: beacons.append(r.status) if r.url.endswith("/banners/v/") else None,
    )
    banner.scroll_into_view_if_needed()
    page.locator(f"{FOOTER}[data-viewed]").wait_for(state="attached", timeout=3000)
    page.wait_for_timeout(3500)  # the script sends its batch every 3 s
    assert beacons and set(beacons) == {204}, beacons
    page.close()

    # 2. Scrolled past in a moment: served, never viewable.
    page, banner = open_article()
    banner.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(2000)
    assert banner.get_attribute("data-viewed") is None
    page.close()

    # 3. Opened, not scrolled: served only.
    page, banner = open_article()
    page.wait_for_timeout(1500)
    assert banner.get_attribute("data-viewed") is None
    page.close()

    # 4. The cap of 3 a day: the fourth page view shows the other campaign's banner.
    page, banner = open_article()
    assert banner.locator("img").get_attribute("alt") not in alts  # ours is capped
    page.close()

    # The report: 3 served, 1 viewable for the campaign; its charts.
    manager.goto("/admin/banners/bannerstat/")
    manager.locator("select[name=campaign]").select_option(label=campaign)
    manager.locator(".banner-filter button").click()
    total = manager.locator(".banner-total").inner_text()
    assert figure(total, "노출") == 3, total
    assert figure(total, "가시 노출") == 1, total
    assert manager.locator("svg.banner-chart").count() == 3
    assert "목표 대비 누적 노출" in manager.locator("svg.banner-chart title").nth(2).text_content()
    save_screenshot(manager, "viewability-report", "desktop")
    manager.set_viewport_size(PHONE)
    save_screenshot(manager, "viewability-report", "phone")
    manager.set_viewport_size(DESKTOP)

    # The advertiser's signed link, issued by the ad manager.
    manager.goto("/admin/banners/reportlink/add/")
    manager.locator("#id_advertiser").select_option(label=advertiser)
    manager.locator("#id_campaign").select_option(label=campaign)
    manager.locator('input[name="_save"]').click()
    message = manager.locator(".messagelist .success").first.inner_text()
    url = re.search(r"https?://\S+/banners/report/\S+/", message).group(0)
    assert "사용 중" in manager.locator("#result_list").inner_text()

    for view in ("desktop", "phone"):
        options = VIEWS[view]
        advertiser_page = new_page(
            viewport=options["viewport"], is_mobile=options.get("is_mobile", False)
        )
        response = advertiser_page.goto(url)
        assert response.status == 200
        assert advertiser_page.locator("h1").inner_text() == f"{advertiser} 광고 보고서"
        chart = advertiser_page.locator("svg.banner-chart").first
        assert chart.is_visible()
        total = advertiser_page.locator(".report-total").inner_text()
        assert figure(total, "노출") == 3 and figure(total, "가시 노출") == 1, total
        assert "다른 캠페인" not in advertiser_page.content()
        save_screenshot(advertiser_page, "advertiser-report", view)
        assert advertiser_page.errors == []

    # 폐기: the link stops working.
    manager.goto("/admin/banners/reportlink/")
    manager.locator("#result_list tbody tr").first.locator("input.action-select").check()
    manager.locator("select[name=action]").select_option("revoke")
    manager.locator("button[name=index]").click()
    manager.locator(".messagelist .success").wait_for()
    revoked = new_page()
    assert revoked.goto(url).status == 403
    assert "폐기된 보고서 링크입니다" in revoked.content()
