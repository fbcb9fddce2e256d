"""Helpers for the desk tests: test pictures and what the admin's article form posts."""

import io

from django.utils import timezone
from PIL import Image


def image_bytes(fmt="JPEG", size=(64, 48), mode="RGB", colour=(200, 30, 30), **save_options):
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, fmt, **save_options)
    return buffer.getvalue()


def form_data(article, **overrides):
    """What the admin's change form posts for this article, with the given changes."""
    local = timezone.localtime(article.published_at) if article.published_at else None
    data = {
        "title": article.title,
        "subtitle": article.subtitle,
        "section": article.section_id or "",
        "reporters": [r.pk for r in article.reporters.all()] if article.pk else [],
        "body": article.body,
        "lead_photo": article.lead_photo_id or "",
        "lead_photo_caption": article.lead_photo_caption,
        "tags": [],
        "related": [],
        "published_at_0": f"{local:%Y-%m-%d}" if local else "",
        "published_at_1": f"{local:%H:%M:%S}" if local else "",
        "headline_order": article.headline_order,
        "expected_version": article.version if article.pk else "",
    }
    if article.is_headline:
        data["is_headline"] = "on"
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def change_url(article):
    return f"/admin/articles/article/{article.pk}/change/"


ADD_URL = "/admin/articles/article/add/"
LIST_URL = "/admin/articles/article/"
