"""The editorial desk's and the ad manager's journeys, end to end in Chromium: a reporter writes
in CKEditor, the desk publishes and later withdraws, readers find the article (and then no
longer) everywhere; an ad manager places a banner that a reader sees and clicks, and the report
counts the click. The selectors follow the admin's own: Django's field ids (#id_title), the
workflow buttons' names (_submit, _publish, _withdraw), the search box's label, CKEditor 4's
editing iframe (.cke_wysiwyg_frame) and its dialogs; adapt them in the helpers below, in one
place.
"""

import io
import re
import secrets
from datetime import datetime, timedelta
from urllib.parse import quote

from PIL import Image

from newsroom.timezones import KST

from .browser import screenshot, sign_in

SECTION_NAME = "제약ㆍ약사"
SECTION_SLUG = "pharma"
# Each browser journey that sells a guaranteed campaign owns its slot, so that no journey's
# leftover campaign competes with another's: the ad manager's journey sells "top", the capped
# campaign "article-inline", the viewability journey "footer".
BANNER_SLOT_CODE = "top"


def image_file(tmp_path, name: str, size: tuple[int, int], colour: tuple[int, int, int]):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    path = tmp_path / name
    path.write_bytes(buffer.getvalue())
    return path


def local_date(days: int = 0) -> str:
    return (datetime.now(KST) + timedelta(days=days)).strftime("%Y-%m-%d")


# --- the editorial admin ----------------------------------------------------------------------


class ArticleAdmin:
    """The article screens of the admin, as one person at one browser sees them."""

    changelist = "/admin/articles/article/"

    def __init__(self, page):
        self.page = page

    def open_new(self):
        self.page.goto(f"{self.changelist}add/")
        self.page.locator("#id_title").wait_for()

    def open(self, title: str):
        self.page.goto(f"{self.changelist}?q={quote(title)}")
        self.page.locator("#result_list").get_by_role("link", name=title, exact=True).click()
        self.page.locator("#id_title").wait_for()

    def status_in_list(self, title: str) -> str:
        self.page.goto(f"{self.changelist}?q={quote(title)}")
        row = self.page.locator("#result_list tbody tr", has_text=title)
        return row.locator(".field-status_column").inner_text().strip()

    def press(self, move: str):
        """A workflow button (_submit, _publish, _withdraw …); the server checks it again."""
        self.page.locator(f'input[type="submit"][name="{move}"]').click()
        self.page.locator(".messagelist").wait_for()
        assert not self.page.locator(".errornote").is_visible(), self.page.locator(".errornote")

    def write_body(self, *, text: str, bold: str, link: str, image, caption: str, credit: str):
        """Write in CKEditor 4 the way a reporter does: typing, Ctrl+B, the link dialog and
        the image button's photo picker (upload into the photo library, with a caption)."""
        page = self.page
        editor = page.frame_locator("iframe.cke_wysiwyg_frame")
        editor.locator("body").click()
        page.keyboard.type(text)
        page.keyboard.press("Enter")
        page.keyboard.press("Control+B")
        page.keyboard.type(bold)
        page.keyboard.press("Control+B")
        page.keyboard.press("Enter")

        page.locator(".cke_button__link").click()
        dialog = page.locator(".cke_dialog:visible")
        dialog.get_by_label("URL").fill(link)
        dialog.locator(".cke_dialog_ui_button_ok").click()
        dialog.wait_for(state="hidden")
        page.keyboard.press("End")
        page.keyboard.press("Enter")

        page.locator(".cke_button__image").click()
        picker = page.get_by_role("dialog", name="본문에 사진 넣기")
        picker.get_by_role("tab", name="새 사진 올리기").click()
        picker.get_by_label("사진 파일").set_input_files(str(image))
        picker.get_by_label("사진 설명 (필수)").fill(caption)
        picker.get_by_label("촬영·출처").fill(credit)
        picker.get_by_role("button", name="올리고 본문에 넣기").click()
        picker.wait_for(state="detached", timeout=15_000)
        editor.locator("figure.photo figcaption", has_text=caption).wait_for()


def test_reporter_writes_desk_publishes_readers_find_it_and_withdrawal_removes_it(
    new_page, server, tmp_path
):
    token = secrets.token_hex(3)
    title = f"희귀의약품 공급망 점검 착수 {token}"
    bold = "긴급도입 절차를 단축한다"
    link = "https://www.mfds.go.kr/"
    caption = f"식약처 회의 모습 {token}"
    lead_caption = f"대표 사진 설명 {token}"

    # The reporter writes, with formatting, a link, an uploaded image with its caption and a
    # lead photo, saves, and sends it to the desk.
    reporter = new_page()
    sign_in(reporter, "reporter", server.password)
    reporter.wait_for_url("**/admin/")
    articles = ArticleAdmin(reporter)
    articles.open_new()
    reporter.locator("#id_title").fill(title)
    reporter.locator("#id_subtitle").fill("식약처, 공급 중단 우려 품목 전수 조사")
    reporter.locator("#id_section").select_option(label=SECTION_NAME)
    articles.write_body(
        text="식품의약품안전처가 희귀의약품 공급망 점검에 나섰다.",
        bold=bold,
        link=link,
        image=image_file(tmp_path, "meeting.png", (960, 540), (40, 90, 160)),
        caption=caption,
        credit="식약처 제공",
    )
    # The lead photo: the demo library's first photo (choosing it in the picker is
    # test_photo_picker's journey), with this article's own caption under it.
    reporter.locator("input[name=lead_photo]").evaluate("input => { input.value = '1'; }")
    reporter.locator("#id_lead_photo_caption").fill(lead_caption)
    # Saved as a draft first (저장 및 편집 계속): the sanitised body comes back into the editor.
    articles.press("_continue")
    saved = reporter.frame_locator("iframe.cke_wysiwyg_frame").locator("body")
    saved.locator("strong", has_text=bold).wait_for()  # CKEditor loads the saved body
    assert saved.locator("strong", has_text=bold).count() == 1
    assert saved.locator(f'a[href="{link}"]').count() == 1
    assert saved.locator("figure figcaption", has_text=caption).count() == 1
    saved.evaluate("body => body.ownerDocument.defaultView.scrollTo(0, 0)")
    screenshot(reporter, "admin-editor")
    articles.press("_submit")
    assert articles.status_in_list(title) == "출고대기"

    # The desk publishes it now.
    desk = new_page()
    sign_in(desk, "desk", server.password)
    desk.wait_for_url("**/admin/")
    desk_articles = ArticleAdmin(desk)
    desk_articles.open(title)
    desk_articles.press("_publish")
    assert desk_articles.status_in_list(title) == "게재"

    # A reader finds it on the home page, in its section's block and page, in search and RSS.
    reader = new_page()
    reader.goto("/")
    reader.get_by_role("link", name=title).first.click()
    reader.wait_for_url(re.compile(r"/news/\d+/$"))
    article_path = reader.url.removeprefix(server.url)
    body = reader.locator("main")
    assert body.locator("strong", has_text=bold).count() == 1
    assert body.locator(f'a[href="{link}"]').count() == 1
    assert body.locator("figure figcaption", has_text=caption).count() == 1
    pictures = reader.locator("main img")
    assert pictures.count() >= 2, "the lead photo and the body's picture"
    for index in range(pictures.count()):  # lazy pictures load when scrolled to
        picture = pictures.nth(index)
        picture.scroll_into_view_if_needed()
        reader.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=picture.element_handle()
        )
    assert reader.get_by_text(lead_caption).is_visible()
    screenshot(reader, "article-published")

    reader.goto("/")
    block = reader.locator("section", has=reader.get_by_role("heading", name=SECTION_NAME))
    assert block.get_by_role("link", name=title).count() >= 1, "in the section's home block"
    reader.goto(f"/section/{SECTION_SLUG}/")
    assert reader.get_by_role("link", name=title).count() >= 1
    reader.get_by_label("기사 검색").fill(f"희귀의약품 {token}")
    reader.get_by_label("기사 검색").press("Enter")
    reader.wait_for_url("**/search/**")
    assert reader.locator(f'main a[href="{article_path}"]').count() >= 1
    assert title in reader.request.get("/rss/").text()
    assert title in reader.request.get(f"/rss/{SECTION_SLUG}/").text()

    # The desk withdraws it: gone from every public page, the article's URL is a 404.
    desk_articles.open(title)
    desk_articles.press("_withdraw")
    assert desk_articles.status_in_list(title) == "게재중지"

    # A reader arriving now (the first one's browser may keep pages for their public max-age).
    later = new_page()
    assert later.request.get(article_path).status == 404
    for path in ["/", f"/section/{SECTION_SLUG}/", f"/search/?q={quote(token)}"]:
        later.goto(path)
        assert later.get_by_role("link", name=title).count() == 0, f"still listed on {path}"
    assert title not in later.request.get("/rss/").text()
    assert title not in later.request.get(f"/rss/{SECTION_SLUG}/").text()


# --- the ad manager ---------------------------------------------------------------------------


def select_option_containing(select, text: str):
    """Pick the option whose label contains `text` (slot labels read "이름 (code, 728×90)")."""
    value = select.evaluate(
        "(el, text) => [...el.options].find(o => o.textContent.includes(text))?.value", text
    )
    assert value, f"no option containing {text!r}"
    select.select_option(value)


def test_ad_manager_places_a_banner_that_readers_click_and_the_report_counts(
    new_page, server, advertiser_site, tmp_path
):
    token = secrets.token_hex(3)
    advertiser = f"한빛제약 {token}"
    banner_name = f"겨울 캠페인 {token}"
    alt = f"한빛제약 독감 백신 캠페인 {token}"
    landing_url = f"{advertiser_site.url}/campaign/{token}/"

    manager = new_page()
    sign_in(manager, "admanager", server.password)
    manager.wait_for_url("**/admin/")

    manager.goto("/admin/banners/advertiser/add/")
    manager.locator("#id_name").fill(advertiser)
    manager.locator('input[name="_save"]').click()
    manager.locator(".messagelist .success").wait_for()

    # The campaign sold (guaranteed, before the demo's standard and house ads).
    manager.goto("/admin/banners/campaign/add/")
    manager.locator("#id_advertiser").select_option(label=advertiser)
    manager.locator("#id_name").fill(f"{advertiser} 캠페인")
    manager.locator("#id_priority").select_option(label="보장형")
    manager.locator("#id_starts_at_0").fill(local_date(-1))
    manager.locator("#id_starts_at_1").fill("00:00:00")
    manager.locator("#id_ends_at_0").fill(local_date(30))
    manager.locator("#id_ends_at_1").fill("00:00:00")
    manager.locator('input[name="_save"]').click()
    manager.locator(".messagelist .success").wait_for()

    # The banner, its period, and one slot with the placement's own dates.
    manager.goto("/admin/banners/banner/add/")
    manager.locator("#id_campaign").select_option(label=f"{advertiser} 캠페인")
    manager.locator("#id_name").fill(banner_name)
    manager.locator("#id_image").set_input_files(
        str(image_file(tmp_path, "banner.png", (1200, 90), (0, 120, 90)))
    )
    manager.locator("#id_alt_text").fill(alt)
    manager.locator("#id_target_url").fill(landing_url)
    manager.locator("#id_opens_new_window").check()
    manager.locator("#id_starts_at_0").fill(local_date(-1))
    manager.locator("#id_starts_at_1").fill("00:00:00")
    manager.locator("#id_ends_at_0").fill(local_date(14))
    manager.locator("#id_ends_at_1").fill("00:00:00")
    select_option_containing(manager.locator("#id_placements-0-slot"), f"({BANNER_SLOT_CODE},")
    manager.locator("#id_placements-0-starts_at_0").fill(local_date(-1))
    manager.locator("#id_placements-0-starts_at_1").fill("00:00:00")
    manager.locator("#id_placements-0-ends_at_0").fill(local_date(7))
    manager.locator("#id_placements-0-ends_at_1").fill("00:00:00")
    manager.locator('input[name="_save"]').click()
    manager.locator(".messagelist .success").wait_for()

    # A reader sees it (the slot may rotate among several banners) and clicks it; the
    # advertiser's page is a little server on this machine, since tests never leave it.
    # Each try is a new visitor: one browser keeps the public page for its max-age, so reloading
    # in the same context would show the same draw of the rotation every time.
    for _ in range(30):
        reader = new_page()
        reader.goto("/")
        banner = reader.locator(f'a[href^="/banners/c/"]:has(img[alt="{alt}"])')
        if banner.count():
            break
    else:
        raise AssertionError("the new banner never showed on the home page")
    banner.first.scroll_into_view_if_needed()
    screenshot(reader, "home-with-banner")
    with reader.expect_popup() as opened:  # the banner opens the advertiser in a new tab
        banner.first.click()
    landing = opened.value
    landing.wait_for_url(landing_url)
    assert landing.get_by_role("heading", name="광고주 페이지").is_visible()
    assert f"/campaign/{token}/" in advertiser_site.visits

    # The report counts the click.
    manager.goto("/admin/banners/bannerstat/")
    table = manager.locator("table.banner-figures:not(.banner-campaigns)").first
    columns = [text.strip() for text in table.locator("thead th").all_inner_texts()]
    cells = table.locator("tr", has_text=banner_name).locator("th, td")
    assert cells.nth(columns.index("클릭")).inner_text().strip() == "1", "one click"
    served = cells.nth(columns.index("노출")).inner_text().replace(",", "")
    assert int(served) >= 1, "at least one impression"
    screenshot(manager, "banner-report")
