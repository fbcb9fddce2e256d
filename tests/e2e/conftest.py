import os
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from .browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, DESKTOP, missing_chromium_message
from .server import ServerError, start_server


def pytest_sessionstart(session):
    # Never skipped: without Chromium the suite fails at once with one line saying how to fix it
    # (in CI, where CI=true, and on a workstation alike).
    if not CHROMIUM.exists():
        where = " (CI)" if os.environ.get("CI", "").lower() in {"1", "true", "yes"} else ""
        pytest.exit(f"e2e{where}: {missing_chromium_message()}", returncode=1)


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server the newsroom's server sends its mail to (the newsletter journey reads
    what arrives)."""
    from tests.smtp import SMTPServer

    smtp = SMTPServer().start()
    yield smtp
    smtp.stop()


@pytest.fixture(scope="session")
def server(tmp_path_factory, smtp_server):
    mail = {
        "EMAIL_HOST": smtp_server.host,
        "EMAIL_PORT": str(smtp_server.port),
        "NEWSLETTER_FROM_EMAIL": "메디팜뉴스 뉴스레터 <newsletter@example.com>",
    }
    try:
        server = start_server(tmp_path_factory.mktemp("newsroom-e2e"), env=mail)
    except ServerError as exc:
        pytest.exit(f"e2e: the newsroom server did not start: {exc}", returncode=1)
    yield server
    server.stop()


@dataclass
class AdvertiserSite:
    url: str
    visits: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def advertiser_site():
    """An advertiser's landing page on 127.0.0.1 (tests never leave the machine); `visits`
    lists the paths it was asked for."""
    site = AdvertiserSite(url="")

    class Landing(BaseHTTPRequestHandler):
        def do_GET(self):
            site.visits.append(self.path)
            body = (
                "<!doctype html><html lang=ko><meta charset=utf-8><title>광고주</title>"
                "<h1>광고주 페이지</h1>"
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Landing)
    site.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield site
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


def record_console_error(page, message) -> None:
    if message.type != "error":
        return
    url = message.location.get("url") or ""
    # Chromium asks for /favicon.ico at a moment of its own choosing; the missing icon is a
    # finding of Lighthouse's (docs/quality.md), not a race for every test to lose.
    if url.endswith("/favicon.ico"):
        return
    page.errors.append(f"{message.text} ({url})")


def reader_user_agent(browser) -> str:
    return (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        f"Chrome/{browser.version} Safari/537.36"
    )


@pytest.fixture
def new_page(browser, server, request):
    """Open pages in fresh browser contexts (no shared cookies) as a Korean reader in Seoul;
    `new_page(viewport=PHONE, is_mobile=True)` for a phone. A failing test leaves a screenshot
    of every page it opened in artifacts/failures/."""
    contexts = []

    def open_page(**options):
        options.setdefault("viewport", DESKTOP)
        # A reader's Chrome, not "HeadlessChrome": the site rightly treats headless browsers
        # as bots (banner clicks and impressions are not counted for bots).
        options.setdefault("user_agent", reader_user_agent(browser))
        context = browser.new_context(
            base_url=server.url, locale="ko-KR", timezone_id="Asia/Seoul", **options
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.on("console", lambda msg: record_console_error(page, msg))
        return page

    yield open_page
    report = getattr(request.node, "rep_call", None)
    for number, context in enumerate(contexts):
        if report is not None and report.failed:
            folder = ARTIFACTS / "failures"
            folder.mkdir(parents=True, exist_ok=True)
            for index, page in enumerate(context.pages):
                page.screenshot(path=str(folder / f"{request.node.name}-{number}-{index}.png"))
        context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def page(new_page):
    return new_page()
