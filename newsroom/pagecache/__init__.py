"""The page cache and what lives beside it.

- `pages`: whole reader pages for anonymous readers, with their live parts (banners, the date
  bar, the weather ticker) filled in on every hit; the middleware.
- `generation`: the content generation in every cache key, `bump_generation()` (the one way to
  make readers see a change) and `cached()`/`cache_response()` for the pieces of a page;
  `cached_fragment()` for the blocks every page shares, kept also with the page cache off.
- `counters`: counts (banner impressions, article views) added up per request and sent to the
  shared cache in one round trip.
- `redis_cache`: what django-redis is configured with so that a dead Redis reads as an empty
  cache (a pause before reconnecting, counters that fail like a missing key, one log line a
  minute).

Apps use the names below; the modules' own tests reach into them directly.
"""

from .pages import (
    add_hit_action,
    fill_pieces,
    live_part,
    mark_cacheable,
    page_key,
    prefetched,
    register_hit_action,
    register_live_part,
    register_lookup_read,
    render_pieces,
    split_page,
    stores_page,
)

__all__ = [
    "add_hit_action",
    "fill_pieces",
    "live_part",
    "mark_cacheable",
    "page_key",
    "prefetched",
    "register_hit_action",
    "register_live_part",
    "register_lookup_read",
    "render_pieces",
    "split_page",
    "stores_page",
]
