"""Django finds the newsroom app's models here; they live with the site's own data in
newsroom/site/models.py."""

from .site.models import SITE_INFO_CACHE_KEY, BreakingNews, PolicyPage, SiteInfo

__all__ = ["SITE_INFO_CACHE_KEY", "BreakingNews", "PolicyPage", "SiteInfo"]
