"""Keep the site's details honest: the publisher's footer, feeds and sitemaps (which carry the
paper's name) show a `SiteInfo` or policy page change at once."""

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

from newsroom.pagecache.generation import bump_generation

from . import breaking
from .models import SITE_INFO_CACHE_KEY, BreakingNews, PolicyPage, SiteInfo


def _forget_site_info(sender, **kwargs):
    cache.delete(SITE_INFO_CACHE_KEY)
    bump_generation()


def _policy_changed(sender, **kwargs):
    # The page and every footer that links it show the change at once.
    bump_generation()


def _breaking_changed(sender, **kwargs):
    # A live part: no page is thrown away, every page shows the new banner when next served.
    breaking.forget()


def connect() -> None:
    post_save.connect(_forget_site_info, sender=SiteInfo, dispatch_uid="site-info-save")
    post_delete.connect(_forget_site_info, sender=SiteInfo, dispatch_uid="site-info-delete")
    post_save.connect(_policy_changed, sender=PolicyPage, dispatch_uid="policy-page-save")
    post_delete.connect(_policy_changed, sender=PolicyPage, dispatch_uid="policy-page-delete")
    post_save.connect(_breaking_changed, sender=BreakingNews, dispatch_uid="breaking-save")
    post_delete.connect(_breaking_changed, sender=BreakingNews, dispatch_uid="breaking-delete")
