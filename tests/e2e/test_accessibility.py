"""axe-core finds no serious or critical violation on the pages readers and editors open first.

More pages join the list as they are built (search: see test_journeys_pending.py)."""

import pytest

from .axe import BLOCKING_IMPACTS, axe_violations, describe
from .browser import PHONE


def open_article(page):
    page.goto("/")
    page.locator('main a[href^="/news/"]').first.click()
    page.wait_for_url("**/news/**")


def open_section(page):
    open_article(page)
    page.locator('main a[href^="/section/"]').first.click()
    page.wait_for_url("**/section/**")


PAGES = {
    "home": lambda page: page.goto("/"),
    "section": open_section,
    "article": open_article,
    "admin-login": lambda page: page.goto("/admin/login/"),
}


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_serious_accessibility_violation(new_page, name, viewport):
    page = new_page(viewport=PHONE) if viewport == "phone" else new_page()
    PAGES[name](page)

    violations = axe_violations(page)

    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe-core on {name} ({viewport}):\n{describe(blocking)}"
