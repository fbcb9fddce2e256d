"""Debian's Chromium, driven by Playwright, and what the journeys share: the screenshot folder,
keyboard helpers and the overflow check. No browser is ever downloaded."""

import os
from pathlib import Path

from .server import REPO

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
# Debian's Chromium as root needs --no-sandbox; the rest keep it from calling out to Google
# (the machine's network is closed, and a test must not depend on it anyway).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
]
ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", REPO / "artifacts"))
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


def missing_chromium_message() -> str:
    return (
        f"Chromium is not at {CHROMIUM}: `make e2e` installs Debian's chromium and "
        "fonts-noto-cjk (as root), or run `sudo apt-get install -y chromium fonts-noto-cjk`"
    )


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as artifacts/<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def horizontal_overflow(page) -> dict | None:
    """None when the page fits its viewport's width, otherwise the widths and the widest
    element, so a failure names the culprit.

    The width is the viewport's as set (375 on the phone), not `window.innerWidth`: a mobile
    browser zooms out to show content that overflows, and innerWidth grows with it."""
    return page.evaluate(
        """width => {
            const doc = document.documentElement;
            if (doc.scrollWidth <= width) return null;
            let widest = null;
            for (const el of document.body.querySelectorAll('*')) {
                const right = el.getBoundingClientRect().right;
                if (right > width && (!widest || right > widest.right)) {
                    widest = {right, tag: el.tagName.toLowerCase(), cls: String(el.className)};
                }
            }
            return {scrollWidth: doc.scrollWidth, width, innerWidth: window.innerWidth, widest};
        }""",
        page.viewport_size["width"],
    )


FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return {
        tag: el.tagName.toLowerCase(),
        text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 80),
        href: el.getAttribute('href'),
        inMain: !!el.closest('main'),
        visible: box.width > 0 && box.height > 0 && style.visibility !== 'hidden'
            && box.right > 0 && box.bottom > 0
            && box.left < window.innerWidth && box.top < window.innerHeight,
    };
}"""


def press_tab(page) -> dict | None:
    """Press Tab and describe the element that has the focus now."""
    page.keyboard.press("Tab")
    return page.evaluate(FOCUSED)


def sign_in(page, username: str, password: str) -> None:
    """Sign in on the admin's login page (the caller waits for where it should land)."""
    page.goto("/admin/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator('#login-form [type="submit"]').click()


def open_article(page) -> None:
    """The first article the home page links to, reached as a reader reaches it."""
    page.goto("/")
    page.locator('main a[href^="/news/"]').first.click()
    page.wait_for_url("**/news/**")


def open_section(page) -> None:
    """The section of the first article, through the article's section link."""
    open_article(page)
    page.locator('main a[href^="/section/"]').first.click()
    page.wait_for_url("**/section/**")


def open_policy(page) -> None:
    """The first policy page the footer links (이용약관)."""
    page.goto("/")
    page.locator('footer a[href^="/policy/"]').first.click()
    page.wait_for_url("**/policy/**")


def open_series(page) -> None:
    """The first series, through the top bar's 기획·연재."""
    page.goto("/")
    page.locator('.topbar a[href="/series/"]').click()
    page.wait_for_url("**/series/")
    page.locator('main a[href^="/series/"]').first.click()
    page.wait_for_url("**/series/*/")


def open_series_part(page) -> None:
    """The first part of the first series (the article page with the series' box)."""
    open_series(page)
    page.locator('main a[href^="/news/"]').first.click()
    page.wait_for_url("**/news/**")


READER_PAGES = {
    "home": lambda page: page.goto("/"),
    "section": open_section,
    "article": open_article,
    "policy": open_policy,
    "series": open_series,
    "series-part": open_series_part,
    "corrections": lambda page: page.goto("/corrections/"),
    "newsletter": lambda page: page.goto("/newsletter/"),
}
