"""axe-core finds no serious or critical violation on the pages readers and editors open first.

More pages join the list as they are built (search: see test_journeys_pending.py)."""

import pytest

from .axe import BLOCKING_IMPACTS, axe_violations, describe
from .browser import PHONE, READER_PAGES

PAGES = {
    **READER_PAGES,
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
