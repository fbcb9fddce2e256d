"""`{% banner_slot "code" %}`: renders one banner slot of the page.

Slot codes used by the templates (the reference page's layout): top, header-left,
header-right, article-side-1, article-side-2, article-side-3, article-inline, home-between-1,
home-between-2, footer. Until the banners app delivers banners, every slot renders nothing.
"""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def banner_slot(context, code: str) -> str:
    return ""
