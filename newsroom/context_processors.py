from django.conf import settings

from .models import SiteInfo


def site(request):
    """The site name and publisher details for base.html (cached; at most one query)."""
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "site_info": SiteInfo.current(),
    }
