"""RSS 2.0 feeds: the whole paper and each section.

Dates are given in Korea's time (`+0900`); the guid is the article's permanent URL (its id never
changes, so a corrected title never shows up as a new item in feed readers). An item with a lead
photo carries it twice: as the RSS enclosure, and as Media RSS `media:content` with its size,
caption and credit (what portals and feed readers show as the item's picture).
"""

import mimetypes

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.feedgenerator import Rss201rev2Feed
from django.utils.html import escape

from newsroom.models import SiteInfo

from .models import Article, CorrectionNotice, Section
from .photos import attach_lead_renditions
from .templatetags.reader_tags import absolute, summary

FEED_SIZE = 30
# The size of the lead photo an item carries: the article page's widest.
FEED_IMAGE = "w1200"
MEDIA_RSS = "http://search.yahoo.com/mrss/"


class NewsFeedGenerator(Rss201rev2Feed):
    """RSS 2.0 with Media RSS's `media:content` for an item's photo."""

    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:media": MEDIA_RSS}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        media = item.get("media")
        if not media:
            return
        handler.startElement("media:content", media["attributes"])
        if media["caption"]:
            handler.addQuickElement("media:description", media["caption"], {"type": "plain"})
        if media["credit"]:
            handler.addQuickElement("media:credit", media["credit"])
        handler.endElement("media:content")


def feed_text(text: str) -> str:
    """Plain text for a title, an author, a category or the copyright: many readers render
    them as HTML, so `<` and `>` are written as entities (an `&` stays as it is: readers
    differ on it, tags matter)."""
    return text.replace("<", "&lt;").replace(">", "&gt;")


class LatestArticlesFeed(Feed):
    feed_type = NewsFeedGenerator
    language = "ko"

    def _site_name(self) -> str:
        info = SiteInfo.current()
        return info.name if info else settings.SITE_NAME

    def title(self, obj=None):
        return feed_text(f"{self._site_name()} 전체기사")

    def link(self, obj=None):
        return absolute("/")

    def description(self, obj=None):
        info = SiteInfo.current()
        # RSS descriptions are HTML to readers: plain text is escaped.
        return escape((info.tagline if info else "") or f"{self._site_name()}의 최신 기사")

    def feed_url(self, obj=None):
        return absolute("/rss/")

    def feed_copyright(self, obj=None):
        return feed_text(f"{self._site_name()} 무단전재 및 재배포 금지")

    def articles(self):
        return (
            Article.objects.published()
            .for_listing()
            .prefetch_related(Prefetch("corrections", queryset=CorrectionNotice.objects.shown()))
        )

    def items(self, obj=None):
        return attach_lead_renditions(self.articles()[:FEED_SIZE], (FEED_IMAGE,))

    def item_title(self, item):
        return feed_text(item.title)

    def item_description(self, item):
        # The summary is plain text (it may hold `<script>` written as text in the body);
        # readers render descriptions as HTML.
        # A correction notice leads the item, as it leads the page ("[정정보도] …").
        notices = [notice.plain for notice in item.corrections.all()]
        return escape("\n\n".join([*notices, summary(item, 300)]))

    def item_link(self, item):
        return absolute(item.get_absolute_url())

    def item_guid(self, item):
        return absolute(item.get_absolute_url())

    item_guid_is_permalink = True

    def item_pubdate(self, item):
        # Aware and in Korea's time, so the RFC 822 date reads `+0900`.
        return timezone.localtime(item.published_at)

    def item_updateddate(self, item):
        # The reader-visible 수정 time (Article.last_modified), never a workflow step's save.
        return timezone.localtime(item.last_modified) if item.last_modified else None

    def item_author_name(self, item):
        names = [f"{reporter.name} 기자" for reporter in item.reporters.all()]
        return feed_text(", ".join(names)) or None

    def item_author_email(self, item):
        reporters = list(item.reporters.all())
        return reporters[0].email if len(reporters) == 1 else None

    def item_categories(self, item):
        return [feed_text(item.section.name)] if item.section else []

    def _image(self, item):
        # Items of a feed that reads its pictures its own way (the partner feed) carry none.
        return getattr(item, "lead_renditions", {}).get(FEED_IMAGE)

    def item_enclosure_url(self, item):
        image = self._image(item)
        return absolute(image.url) if image else None

    def item_enclosure_length(self, item):
        image = self._image(item)
        try:
            return image.file.size if image else 0
        except OSError:
            return 0

    def item_enclosure_mime_type(self, item):
        image = self._image(item)
        return (mimetypes.guess_type(image.file.name)[0] or "image/jpeg") if image else None

    def item_extra_kwargs(self, item):
        image = self._image(item)
        if image is None:
            return {}
        attributes = {
            "url": absolute(image.url),
            "medium": "image",
            "type": self.item_enclosure_mime_type(item),
            "width": str(image.width),
            "height": str(image.height),
        }
        # Text nodes: the XML writer escapes them; `<` and `>` as in every plain field.
        return {
            "media": {
                "attributes": attributes,
                "caption": feed_text(item.lead_caption),
                "credit": feed_text(item.lead_photo.credit),
            }
        }


class SectionFeed(LatestArticlesFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Section, slug=slug)

    def title(self, obj=None):
        return feed_text(f"{self._site_name()} {obj.name}")

    def link(self, obj=None):
        return absolute(obj.get_absolute_url())

    def description(self, obj=None):
        return escape(f"{self._site_name()} {obj.name} 분야의 최신 기사")

    def feed_url(self, obj=None):
        return absolute(f"/rss/{obj.slug}/")

    def items(self, obj=None):
        if obj is None:
            raise Http404
        articles = self.articles().filter(Q(section=obj) | Q(section__parent=obj))[:FEED_SIZE]
        return attach_lead_renditions(articles, (FEED_IMAGE,))
