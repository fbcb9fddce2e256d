import re

import pytest
import time_machine
from django.template import Context, Template
from django.test import RequestFactory

from tests.user_agents import BROWSER

from .conftest import NOW

pytestmark = pytest.mark.django_db


def rendered_image_size(code: str) -> tuple[int, int]:
    request = RequestFactory().get("/", **BROWSER)
    html = Template("{% load banner_tags %}{% banner_slot code %}").render(
        Context({"request": request, "code": code})
    )
    match = re.search(r'<img [^>]*width="(\d+)" height="(\d+)"', html)
    assert match, html
    return int(match.group(1)), int(match.group(2))


def test_high_density_banner_is_shown_at_its_slots_size(make_banner, place, slot):
    place(make_banner(size=(600, 500)), slot)  # twice the 300×250 slot

    with time_machine.travel(NOW, tick=False):
        assert rendered_image_size(slot.code) == (300, 250)


def test_banner_no_wider_than_its_slot_keeps_its_own_size(make_banner, place, slot):
    place(make_banner(size=(250, 200)), slot)

    with time_machine.travel(NOW, tick=False):
        assert rendered_image_size(slot.code) == (250, 200)
