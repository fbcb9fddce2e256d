"""Django finds the newsroom app's models here; they live with the parts they belong to:
the site's own data in newsroom/site/models.py, the newsletter's in newsroom/newsletter/."""

from .newsletter.models import Delivery, Issue, IssueArticle, Subscriber
from .site.models import SITE_INFO_CACHE_KEY, BreakingNews, PolicyPage, SiteInfo

__all__ = [
    "SITE_INFO_CACHE_KEY",
    "BreakingNews",
    "Delivery",
    "Issue",
    "IssueArticle",
    "PolicyPage",
    "SiteInfo",
    "Subscriber",
]
