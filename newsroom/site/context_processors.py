from django.conf import settings

from .models import SiteInfo


def site(request):
    """The site name and publisher details for base.html (cached; at most one query)."""
    info = SiteInfo.current()
    title = (info.name if info else "") or settings.SITE_NAME
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "site_info": info,
        "site_title": title,
        "site_description": (info.tagline if info else "") or title,
    }
