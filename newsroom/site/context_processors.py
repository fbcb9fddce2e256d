from django.conf import settings

from .models import PolicyPage, SiteInfo

# The footer's links to the policy pages: the same on every page, no query. The privacy policy
# is set apart, as the 개인정보 보호위원회's guidance asks of its link.
POLICY_KINDS = [(kind, kind.label, kind == PolicyPage.Kind.PRIVACY) for kind in PolicyPage.ORDER]


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
        # Called by the footer only (error pages render without the site's URLs).
        "policy_links": policy_links,
    }


def policy_links() -> list[dict]:
    return [
        {"url": PolicyPage(kind=kind).get_absolute_url(), "label": label, "prominent": bold}
        for kind, label, bold in POLICY_KINDS
    ]
