"""The newsletter from a reader's first click to their last: the reader subscribes on the site
(footer link, consent), the confirmation mail reaches the test's SMTP server, the reader opens
its link and confirms; the desk composes an issue in the admin, sends a test to itself and
sends it; the cron's command delivers it; the reader unsubscribes in one click from the mail."""

import re
import secrets

from playwright.sync_api import expect

from .browser import horizontal_overflow, screenshot, sign_in

PHONE = {"width": 390, "height": 844}
CONFIRM_LINK = re.compile(r"(http://127\.0\.0\.1:\d+/newsletter/confirm/[^\s]+/)")


def test_a_reader_subscribes_confirms_receives_an_issue_and_unsubscribes_in_one_click(
    new_page, server, smtp_server
):
    address = f"reader-{secrets.token_hex(4)}@example.com"

    reader = new_page(viewport=PHONE, is_mobile=True)
    reader.goto("/")
    reader.locator(".site-footer").get_by_role("link", name="뉴스레터 구독").click()
    reader.wait_for_url("**/newsletter/")
    assert horizontal_overflow(reader) is None
    screenshot(reader, "newsletter-subscribe-phone")

    # Without consent the form says why, in Korean, and keeps the address typed.
    reader.get_by_label("이메일 주소").fill(address)
    reader.evaluate("document.querySelector('.newsletter-form').noValidate = true")
    reader.get_by_role("button", name="구독 신청").click()
    expect(reader.locator("#consent-error")).to_have_text(
        "개인정보 수집·이용에 동의해야 구독할 수 있습니다."
    )
    expect(reader.get_by_label("이메일 주소")).to_have_value(address)

    reader.get_by_label("개인정보 수집·이용에 동의합니다. (필수)").check()
    reader.get_by_role("button", name="구독 신청").click()
    reader.wait_for_url("**/newsletter/sent/")
    expect(reader.get_by_role("heading", level=1)).to_have_text("확인 메일을 보냈습니다")

    (confirmation,) = smtp_server.wait_for(address)
    assert "구독을 확인해 주세요" in confirmation.subject
    link = CONFIRM_LINK.search(confirmation.text).group(1)
    reader.goto(link)
    reader.get_by_role("button", name="구독 확인").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text("구독이 확인되었습니다")

    desk = new_page()
    sign_in(desk, "desk", server.password)
    desk.wait_for_url("**/admin/")
    desk.goto("/admin/newsroom/issue/add/")
    desk.locator("#id_title").fill("메디팜뉴스 오늘의 주요 뉴스")
    desk.locator("#id_period").select_option("week")
    desk.locator("#id_introduction").fill(
        "안녕하세요, 메디팜뉴스 편집국입니다.\n\n이번 주 보건·의약계의 주요 소식을 모았습니다."
    )
    desk.locator('[name="_save"]').click()
    desk.wait_for_url("**/change/")
    expect(desk.locator(".messagelist")).to_contain_text("기본 기사")
    article_rows = desk.locator(".inline-related tbody tr.has_original")
    assert article_rows.count() >= 3
    screenshot(desk, "newsletter-compose-desktop")

    desk.get_by_role("button", name="나에게 시험 발송").click()
    expect(desk.locator(".messagelist")).to_contain_text("시험 메일을 desk@example.com")
    (test_mail,) = smtp_server.wait_for("desk@example.com")
    assert test_mail.subject == "[시험 발송] 메디팜뉴스 오늘의 주요 뉴스"

    desk.get_by_role("link", name="발송…").click()
    desk.get_by_role("button", name="발송").click()
    desk.wait_for_url("**/progress/")
    expect(desk.locator("#content-main")).to_contain_text("발송 대기")

    # Cron's minute: the command sends what the desk queued.
    output = server.manage("send_newsletter")
    assert "finished issue" in output
    desk.reload()
    expect(desk.locator(".progress-sent")).to_have_text("1")
    expect(desk.locator(".progress-total")).to_have_text("1")

    (issue_mail,) = smtp_server.wait_for(address, count=2)[1:]
    assert issue_mail.subject == "메디팜뉴스 오늘의 주요 뉴스"
    assert issue_mail.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    assert "이번 주 보건·의약계의 주요 소식을 모았습니다." in issue_mail.text

    # The mail as a mail app shows it, on a phone and a desktop.
    for name, options in (("phone", {"viewport": PHONE, "is_mobile": True}), ("desktop", {})):
        viewer = new_page(**options)
        viewer.set_content(issue_mail.html)
        expect(viewer.get_by_role("heading", level=1)).to_have_text("메디팜뉴스 오늘의 주요 뉴스")
        screenshot(viewer, f"newsletter-email-{name}")

    # One click from the mail: the page's one button, and the address is gone.
    unsubscribe = issue_mail.header("List-Unsubscribe").strip("<>")
    reader.goto(unsubscribe)
    reader.get_by_role("button", name="구독 해지").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text("구독이 해지되었습니다")
    reader.goto(unsubscribe)
    expect(reader.get_by_role("heading", level=1)).to_have_text("구독 중인 주소를 찾을 수 없습니다")

    wide = new_page()
    wide.goto("/newsletter/")
    screenshot(wide, "newsletter-subscribe-desktop")
    # The refused form (400) and the spent link (404) are answers the browser logs, not faults.
    expected = re.compile(r"status of (400|404) .*/newsletter/")
    assert [error for error in reader.errors if not expected.search(error)] == []
    assert desk.errors == [] and wide.errors == []
