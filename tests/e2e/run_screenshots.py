"""`make screenshots`: the README's pictures of the demo newsroom, taken in Debian's Chromium
from a production-like server: the home and an article page, and the article editor with its
photo picker open (signed in as the demo reporter), the first screen on a desktop (1280×900)
and on a phone (390×844, at 2× density), as optimised PNGs in docs/screenshots/ (each well
under 300 KB, so they can live in git)."""

import io
import sys

from PIL import Image

from .browser import CHROMIUM, CHROMIUM_ARGS, missing_chromium_message, sign_in
from .conftest import reader_user_agent
from .pages import reader_pages
from .server import REPO, demo_server

FOLDER = REPO / "docs" / "screenshots"
VIEWS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}, "device_scale_factor": 1},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}
PAGES = ["home", "article", "series", "series-part", "policy"]
MAX_BYTES = 300_000


def small_png(png: bytes, *, width: int) -> bytes:
    """Scaled to `width` and optimised; reduced to 256 dithered colours only when the full
    colours would weigh more than MAX_BYTES."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    if image.width > width:
        image = image.resize((width, round(image.height * width / image.width)), Image.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    if buffer.tell() > MAX_BYTES:
        buffer = io.BytesIO()
        palette = image.convert("P", palette=Image.Palette.ADAPTIVE, colors=256)
        palette.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def save(png: bytes, name: str, view: str, width: int) -> None:
    png = small_png(png, width=width)
    path = FOLDER / f"{name}-{view}.png"
    path.write_bytes(png)
    print(f"{path.relative_to(REPO)}  {len(png) // 1024} KB")
    if len(png) > MAX_BYTES:
        sys.exit(f"{path} is {len(png)} bytes, more than {MAX_BYTES}")


def photo_picker(page, server) -> bytes:
    """The body's image button pressed in a new article: the picker over the editor."""
    sign_in(page, "reporter", server.password)
    page.wait_for_url("**/admin/")
    page.goto("/admin/articles/article/add/")
    page.wait_for_function("() => window.CKEDITOR?.instances.id_body?.status === 'ready'")
    page.locator("#id_title").fill("희귀질환 신약 접근성 개선안 국회 토론회")
    page.locator(".cke_button__image").click()
    status = page.locator("dialog.photo-picker [role=status]")
    page.wait_for_function(
        "el => el.textContent && !el.textContent.includes('…')", arg=status.element_handle()
    )
    page.wait_for_load_state("networkidle")
    return page.screenshot()


def main() -> int:
    if not CHROMIUM.exists():
        sys.exit(missing_chromium_message())
    from playwright.sync_api import sync_playwright

    FOLDER.mkdir(parents=True, exist_ok=True)
    with demo_server("screenshots") as (server, _):
        urls = reader_pages(server)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            for view, options in VIEWS.items():
                context = browser.new_context(
                    base_url=server.url,
                    locale="ko-KR",
                    timezone_id="Asia/Seoul",
                    # A still picture: the weather ticker does not scroll.
                    reduced_motion="reduce",
                    user_agent=reader_user_agent(browser),
                    **options,
                )
                page = context.new_page()
                width = options["viewport"]["width"]
                for name in PAGES:
                    page.goto(urls[name])
                    page.wait_for_load_state("networkidle")
                    save(page.screenshot(), name, view, width)
                save(photo_picker(page, server), "photo-picker", view, width)
                context.close()
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
