"""`make screenshots-photos`: the photo library's pictures for docs/screenshots/, taken in Debian's
Chromium from a production-like demo server with generated library photos: the grid
(photo-library-desktop.png, -phone.png) and a photo's change form after a click on the picture
set its focal point (photo-focal-desktop.png, -phone.png)."""

import sys
from urllib.parse import urlsplit

from .browser import CHROMIUM, CHROMIUM_ARGS, missing_chromium_message, sign_in
from .run_screenshots import MAX_BYTES, VIEWS, small_png
from .server import REPO, _manage, demo_server, server_env

FOLDER = REPO / "docs" / "screenshots"
PHOTOS = 48


def save(png: bytes, name: str, width: int) -> None:
    png = small_png(png, width=width)
    path = FOLDER / f"{name}.png"
    path.write_bytes(png)
    print(f"{path.relative_to(REPO)}  {len(png) // 1024} KB")
    if len(png) > MAX_BYTES:
        sys.exit(f"{path} is {len(png)} bytes, more than {MAX_BYTES}")


def main() -> int:
    if not CHROMIUM.exists():
        sys.exit(missing_chromium_message())
    from playwright.sync_api import sync_playwright

    FOLDER.mkdir(parents=True, exist_ok=True)
    with demo_server("photo-screenshots") as (server, _):
        env = server_env(
            workdir=server.workdir, port=urlsplit(server.url).port, password=server.password
        )
        _manage(env, "generate_photos", str(PHOTOS), "--used-share", "0.4")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            for view, options in VIEWS.items():
                width = options["viewport"]["width"]
                context = browser.new_context(
                    base_url=server.url, locale="ko-KR", timezone_id="Asia/Seoul", **options
                )
                page = context.new_page()
                sign_in(page, "desk", server.password)
                page.wait_for_url("**/admin/")
                page.goto("/admin/articles/photo/")
                page.wait_for_load_state("networkidle")
                save(page.screenshot(), f"photo-library-{view}", width)
                page.locator(".photo-card-link").nth(2).click()
                page.wait_for_selector(".focal-picker.is-active")
                picture = page.locator(".focal-image")
                box = picture.bounding_box()
                picture.click(position={"x": box["width"] * 0.72, "y": box["height"] * 0.3})
                page.locator(".focal-picker").scroll_into_view_if_needed()
                page.wait_for_timeout(300)
                save(page.screenshot(full_page=True), f"photo-focal-{view}", width)
                context.close()
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
