"""The full-text feed for partners (portals and partner sites that carry our articles).

RSS 2.0 with the whole body (`content:encoded`, sanitized like the page, addresses absolute),
the lead photo with its caption and credit (`media:content`), the bylines (`dc:creator`), the
section (`category`) and the article's correction notices. Only a partner holding a key an
administrator issued gets it (`Authorization: Bearer <key>`, or `?key=` for portals that can only
be given a URL); a wrong, revoked or missing key gets 403. Every fetch is logged (partner, time,
items).

It reads the newest FEED_SIZE published articles from the (status, -published_at, -id) index,
never the archive, so it costs the same at a million articles. The rendered feed is kept per
content generation (the same for every partner); the key check and the log run per request, and
the answer is private (never kept by a shared cache).
"""

import logging
import mimetypes

from django.db.models import Prefetch
from django.http import HttpResponse, HttpResponseForbidden
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.feedgenerator import Rss201rev2Feed
from django.utils.html import escape
from django.views.decorators.http import require_GET

from newsroom.pagecache.generation import (
    LISTS,
    generation_key,
    page_cache,
    page_cache_seconds,
)

from .feeds import LatestArticlesFeed, feed_text
from .models import Article, CorrectionNotice, FeedPartner, PartnerFetch
from .photos import renditions_for
from .richtext import syndication_html
from .templatetags.reader_tags import absolute

logger = logging.getLogger(__name__)

FEED_SIZE = 50
# The lead photo partners get: the article width at its largest, cut around the focal point.
PHOTO_SPEC = "w1200"
REFUSED = "제휴 피드 키가 없거나 올바르지 않습니다. 발급받은 키를 확인하세요."


class FullTextRss(Rss201rev2Feed):
    """RSS 2.0 with the content, Media RSS and Dublin Core namespaces."""

    def rss_attributes(self):
        attributes = super().rss_attributes()
        attributes["xmlns:content"] = "http://purl.org/rss/1.0/modules/content/"
        attributes["xmlns:media"] = "http://search.yahoo.com/mrss/"
        attributes["xmlns:dc"] = "http://purl.org/dc/elements/1.1/"
        return attributes

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for creator in item["creators"]:
            handler.addQuickElement("dc:creator", creator)
        handler.addQuickElement("content:encoded", item["content_encoded"])
        photo = item["photo"]
        if photo:
            attributes = {
                "url": photo["url"],
                "medium": "image",
                "width": str(photo["width"]),
                "height": str(photo["height"]),
            }
            media_type = mimetypes.guess_type(photo["url"])[0]
            if media_type:
                attributes["type"] = media_type
            handler.startElement("media:content", attributes)
            if photo["caption"]:
                handler.addQuickElement("media:description", photo["caption"], {"type": "plain"})
            if photo["credit"]:
                handler.addQuickElement("media:credit", photo["credit"])
            handler.endElement("media:content")


class PartnerFeed(LatestArticlesFeed):
    """The public feed's channel and items, with the whole text and the lead photo."""

    feed_type = FullTextRss

    def title(self, obj=None):
        return feed_text(f"{self._site_name()} 제휴 전문 피드")

    def feed_url(self, obj=None):
        return absolute("/partner/rss/")

    def articles(self):
        return (
            Article.objects.published()
            .for_listing()
            .with_body()
            .select_related("lead_photo")
            .prefetch_related(Prefetch("corrections", queryset=CorrectionNotice.objects.shown()))
        )

    def items(self, obj=None):
        articles = list(self.articles()[:FEED_SIZE])
        self._renditions = renditions_for([a.lead_photo for a in articles], [PHOTO_SPEC])
        return articles

    def item_extra_kwargs(self, item):
        return {
            "creators": [feed_text(reporter.name) for reporter in item.reporters.all()],
            "content_encoded": self._content(item),
            "photo": self._photo(item),
        }

    def _content(self, item) -> str:
        # A notice leads the text, as it leads the page.
        notices = "".join(
            f'<p class="correction"><strong>[{notice.get_kind_display()}]</strong> '
            f"{escape(' '.join(notice.paragraphs))}</p>"
            for notice in item.corrections.all()
        )
        return notices + syndication_html(item.body, absolute=absolute)

    def _photo(self, item) -> dict | None:
        photo = item.lead_photo
        if photo is None:
            return None
        rendition = self._renditions.get(photo.pk, {}).get(PHOTO_SPEC)
        picture = rendition.file if rendition else photo.image
        caption = getattr(item, "lead_photo_caption", "") or photo.caption
        return {
            "url": absolute(picture.url),
            "width": rendition.width if rendition else photo.width,
            "height": rendition.height if rendition else photo.height,
            "caption": caption,
            "credit": photo.credit,
        }


def _key(request) -> str:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return request.GET.get("key", "").strip()


def _rendered(request) -> tuple[bytes, str, int]:
    key = generation_key("partner-feed", scopes=(LISTS,))
    stored = page_cache().get(key) if page_cache_seconds() else None
    if stored is not None:
        return stored
    feed = PartnerFeed()
    response = feed(request)
    stored = (response.content, response["Content-Type"], response.content.count(b"<item>"))
    if page_cache_seconds():
        page_cache().set(key, stored, page_cache_seconds())
    return stored


@require_GET
def partner_feed(request):
    key = _key(request)
    partner = FeedPartner.objects.with_key(key).only("pk", "name").first() if key else None
    if partner is None:
        logger.warning("partner feed refused (%s)", "wrong key" if key else "no key")
        return HttpResponseForbidden(REFUSED, content_type="text/plain; charset=utf-8")
    content, content_type, items = _rendered(request)
    PartnerFetch.objects.create(partner=partner, fetched_at=timezone.now(), items=items)
    response = HttpResponse(content, content_type=content_type)
    patch_cache_control(response, private=True, no_cache=True)
    return response
