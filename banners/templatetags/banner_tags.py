"""`{% banner_slot "code" %}`: renders one banner slot of the page.

Slot codes used by the templates (the reference page's layout): top, header-left,
header-right, article-side-1, article-side-2, article-side-3, article-inline, home-between-1,
home-between-2, footer.

All slots of a page share one read of the live placements (kept on the request, and in the cache
between requests) and one `Visit` (the reader and the counters the choice needs, read once per
request, on a page-cache hit with the page itself: `counter_keys`). An empty slot renders
nothing; a broken banner renders nothing and is logged.
"""

import logging

from django import template
from django.template.loader import render_to_string
from django.utils import timezone

from banners import audience, services, viewability
from newsroom import pagecache
from newsroom.pagecache.generation import local_memo

register = template.Library()
logger = logging.getLogger(__name__)

REQUEST_ATTRIBUTE = "_banner_deliveries"
VISIT_ATTRIBUTE = "_banner_visit"
MOMENT_ATTRIBUTE = "_banner_moment"
# Rendered slots by (live set, slot, chosen placements): a draw repeats often, its HTML does not
# need rendering again.
_rendered = local_memo()


def _moment(request):
    """The request's one moment: every slot of a page is drawn, counted and signed at it."""
    if request is None:
        return timezone.now()
    now = getattr(request, MOMENT_ATTRIBUTE, None)
    if now is None:
        now = timezone.now()
        setattr(request, MOMENT_ATTRIBUTE, now)
    return now


def _deliveries(request, now):
    if request is None:
        return services.live_deliveries(now)
    deliveries = getattr(request, REQUEST_ATTRIBUTE, None)
    if deliveries is None:
        deliveries = services.live_deliveries(now)
        setattr(request, REQUEST_ATTRIBUTE, deliveries)
    return deliveries


def _visit(request, deliveries, now) -> services.Visit:
    visit = getattr(request, VISIT_ATTRIBUTE, None) if request is not None else None
    if visit is None:
        reader = audience.reader_id(request, now=now)
        visit = services.lazy_visit(
            deliveries, reader=reader, now=now, known=lambda: pagecache.prefetched(request)
        )
        if request is not None:
            setattr(request, VISIT_ATTRIBUTE, visit)
    return visit


def counter_keys(request) -> list[str]:
    """The counters this request's slots will read (the page cache's lookup fetches them with
    the page: newsroom.pagecache.pages.register_lookup_read)."""
    now = _moment(request)
    deliveries = _deliveries(request, now)
    visit = _visit(request, deliveries, now)
    return services.counter_keys(deliveries, visit=visit, now=now)


def render_slot(request, code: str) -> str:
    """One slot for one request: a fresh draw from the live set, its impressions counted.
    Also the page cache's live part "banner" (a cached page draws on every request)."""
    try:
        now = _moment(request)
        deliveries = _deliveries(request, now)
        delivery = deliveries.get(code)
        if delivery is None:
            return ""
        visit = _visit(request, deliveries, now)
        chosen = services.choose_banners(delivery, now=now, visit=visit)
        if not chosen:
            return ""
        html = _rendered.get(
            (code, delivery.width, delivery.height, tuple(chosen)),
            lambda: render_to_string("banners/_slot.html", {"slot": delivery, "banners": chosen}),
        )
    except Exception:  # the page must render without its banners
        logger.exception("banner slot %r failed", code)
        return ""
    if visit.reader is None:  # not a reader (newsroom/readers.py): not counted, no view token
        for index in range(len(chosen)):
            html = html.replace(_view_marker(index), "", 1)
        return html
    services.count_served(chosen, now=now, reader=visit.reader, day=visit.today)
    view = viewability.page_view(request)
    for index, banner in enumerate(chosen):
        token = viewability.make_token(
            banner_id=banner.banner_id, slot_id=banner.slot_id, view=view, now=now
        )
        html = html.replace(_view_marker(index), f' data-view="{token}"', 1)
    return html


def _view_marker(index: int) -> str:
    """Where a banner's view token goes in the memoized slot HTML: `<` cannot come from any
    text of a banner (escaped), only from _banner.html."""
    return f' data-view="<v{index}>"'


@register.simple_tag(takes_context=True)
def banner_slot(context, code: str) -> str:
    return pagecache.live_part(context.get("request"), "banner", code)


@register.filter
def display_size(banner, slot) -> tuple[int, int]:
    """The banner's size on the page: its own, or scaled down to the slot's width (keeping its
    proportions) when it is wider, as a high-density creative (2× the slot, sharp on phones'
    screens) is."""
    width, height = banner.width or slot.width, banner.height or slot.height
    if slot.width and width > slot.width:
        height, width = round(height * slot.width / width), slot.width
    return width, height
