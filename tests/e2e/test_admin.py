"""The editorial admin's door: each demo role signs in and out."""

import pytest

from .browser import screenshot, sign_in

ROLES = ["desk", "reporter", "admanager"]


def test_admin_login_page_is_in_korean(page):
    page.goto("/admin/login/")

    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.get_by_label("사용자 이름").is_visible()
    assert page.get_by_label("비밀번호").is_visible()
    screenshot(page, "admin-login")


@pytest.mark.parametrize("username", ROLES)
def test_each_demo_account_signs_in_to_the_admin(page, server, username):
    sign_in(page, username, server.password)

    page.wait_for_url("**/admin/")
    # text_content, not inner_text: the admin shows the name in capitals with CSS.
    assert page.locator("#user-tools strong").text_content() == username
    assert page.errors == []
    screenshot(page, f"admin-{username}")


def test_a_wrong_password_is_refused_with_a_korean_message(page):
    sign_in(page, "desk", "not-the-password")

    assert page.url.endswith("/admin/login/")
    error = page.locator(".errornote")
    assert error.is_visible()
    assert "비밀번호" in error.inner_text()


def test_signing_out_ends_the_session(page, server):
    sign_in(page, "desk", server.password)
    page.wait_for_url("**/admin/")

    page.locator("#logout-form button").click()
    page.goto("/admin/")

    assert "/admin/login/" in page.url
