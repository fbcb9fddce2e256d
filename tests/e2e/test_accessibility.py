"""axe-core finds no serious or critical violation on the pages readers and editors open first:
the home, a section, an article, a search result and the admin's login, on a desktop and a
phone."""

from urllib.parse import quote

import pytest

from .axe import AXE_CONTEXT, BLOCKING_IMPACTS, axe_violations, describe
from .browser import PHONE, READER_PAGES, horizontal_overflow

PAGES = {
    **READER_PAGES,
    "search": lambda page: page.goto(f"/search/?q={quote('의료')}"),
    "admin-login": lambda page: page.goto("/admin/login/"),
}


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_serious_accessibility_violation(new_page, name, viewport):
    options = {"viewport": PHONE, "is_mobile": True} if viewport == "phone" else {}
    page = new_page(**AXE_CONTEXT, **options)
    PAGES[name](page)

    violations = axe_violations(page)

    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe-core on {name} ({viewport}):\n{describe(blocking)}"
    assert horizontal_overflow(page) is None
