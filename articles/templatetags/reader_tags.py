"""Template helpers of the reader's pages: card images, search highlighting, JSON-LD, links, and
the boxes every page shows (the section menu, 많이 본 뉴스)."""

import json
import re
from datetime import timedelta
from functools import lru_cache
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from newsroom import pagecache
from newsroom.pagecache.generation import LISTS, cached, cached_fragment

from .. import photos, richtext
from ..models import Article, Section

register = template.Library()

SNIPPET_LENGTH = 150
MOST_READ_COUNT = 10
MOST_READ_DAYS = 7


def readable_text(article) -> str:
    """The whole body as plain text with a space between paragraphs (search results cut their
    window from it; cards use the stored snippet)."""
    cached_text = getattr(article, "_readable_text", None)
    if cached_text is None:
        cached_text = richtext.readable_text(article.body)
        article._readable_text = cached_text
    return cached_text


@register.filter
def summary(article, length: int = 120) -> str:
    """A plain-text snippet of the body for cards, descriptions and feeds (Article.summary:
    from the stored snippet, the body is not read)."""
    return article.summary(int(length))


@register.filter
def rendition(article, spec: str):
    """The `spec` rendition of the article's lead photo (articles.photos.RENDITIONS), or None.
    Lists attach them in one query (articles.photos.attach_lead_renditions); nothing here reads
    the database."""
    return getattr(article, "lead_renditions", {}).get(spec)


@register.filter
def card_image(article):
    """The picture a card shows: the lead photo's thumbnail, or None."""
    return rendition(article, "thumb")


@register.filter
def lead_srcset(article) -> str:
    """The `srcset` of the article's lead photo at the article's widths (LEAD_SRCSET)."""
    return photos.srcset(getattr(article, "lead_renditions", {}), photos.LEAD_SRCSET)


@register.filter
def absolute(url: str) -> str:
    """`/news/1/` → `https://news.example.com/news/1/` (SITE_URL); absolute URLs stay."""
    if not url:
        return ""
    if url.startswith(("http://", "https://")):
        return url
    return f"{settings.SITE_URL}{url}"


def _term_pattern(terms) -> re.Pattern | None:
    terms = sorted({t for t in terms or [] if t}, key=len, reverse=True)
    if not terms:
        return None
    return re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)


def _highlight(text: str, pattern: re.Pattern | None) -> str:
    if pattern is None:
        return escape(text)
    parts, last = [], 0
    for match in pattern.finditer(text):
        parts.append(escape(text[last : match.start()]))
        parts.append(f"<mark>{escape(match.group())}</mark>")
        last = match.end()
    parts.append(escape(text[last:]))
    return "".join(parts)


@register.filter
def highlight(text, terms):
    """Escape `text` and wrap every occurrence of a search term in <mark>."""
    return mark_safe(_highlight(str(text or ""), _term_pattern(terms)))  # noqa: S308 -- escaped


@register.filter
def search_snippet(article, terms):
    """A plain-text window of the body around the first term found, highlighted."""
    text = readable_text(article)
    pattern = _term_pattern(terms)
    match = pattern.search(text) if pattern else None
    if match is None or match.start() < SNIPPET_LENGTH // 3:
        start = 0
    else:
        start = match.start() - SNIPPET_LENGTH // 3
    window = text[start : start + SNIPPET_LENGTH]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + SNIPPET_LENGTH < len(text) else ""
    return mark_safe(prefix + _highlight(window, pattern) + suffix)  # noqa: S308 -- escaped


@register.simple_tag(takes_context=True)
def page_query(context, number) -> str:
    """The query string of page `number` (page 1 has none): the parameters the view read, as it
    read them (`page_params`, e.g. the search's cut query), never the request's own query
    string. A link is never longer than what the page understood, so a long query cannot turn
    into a link that the server refuses as too long (414)."""
    params = dict(context.get("page_params") or {})
    if int(number) > 1:
        params["page"] = number
    encoded = urlencode(params)
    return f"?{encoded}" if encoded else "?"


def top_sections() -> list[Section]:
    """Every top-level section, in the desk's order, cached for the content generation: the
    menu and the home page's section blocks read the same list."""
    return cached(
        "top-sections", lambda: list(Section.objects.filter(parent__isnull=True)), scopes=()
    )


@register.inclusion_tag("includes/_section_nav.html", takes_context=True)
def section_navigation(context, current=None):
    sections = [section for section in top_sections() if section.in_navigation]
    current_slug = "*latest" if context.get("is_latest") else getattr(current, "slug", None)
    return {"sections": sections, "current_slug": current_slug}


def most_read() -> list[Article]:
    """많이 본 뉴스: the most viewed articles published in the last MOST_READ_DAYS days, cached
    for the content generation."""

    def build():
        since = timezone.now() - timedelta(days=MOST_READ_DAYS)
        return list(Article.objects.published().most_read(since)[:MOST_READ_COUNT])

    return cached("most-read", build)


def list_fragment(name: str, render) -> str:
    """`render()`'s HTML, cached for the current article lists (shared cache, and this
    process's memo for PAGE_CACHE_LOCAL_SECONDS), also with the page cache off."""
    return cached_fragment(name, render, scopes=(LISTS,))


def render_most_read(request, argument: str = "") -> str:
    """The live part "most-read": the 많이 본 뉴스 box."""
    return list_fragment(
        "most-read",
        lambda: render_to_string("includes/_most_read.html", {"most_read": most_read()}),
    )


@register.simple_tag(takes_context=True)
def most_read_box(context):
    """The 많이 본 뉴스 box of the side column (home, lists, article, search): a live part, so a
    cached page stays valid when another article is published and the box still changes."""
    return pagecache.live_part(context.get("request"), "most-read")


@register.simple_tag(takes_context=True)
def side_section_blocks(context):
    """The article page's side column section blocks: a live part like most_read_box."""
    return pagecache.live_part(context.get("request"), "side-blocks")


@register.filter
def iso_datetime(value) -> str:
    """`2025-08-26T14:05:00+09:00`: Korea's time, whole seconds (HTML's datetime attribute,
    JSON-LD and sitemaps)."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


_iso = iso_datetime


@register.simple_tag(takes_context=True)
def article_json_ld(context, article, reporters, image_url=""):
    """`<script type="application/ld+json">` with the article as a schema.org NewsArticle. Its
    image: the lead photo at 16:9 and as the 1200×630 link preview, else `image_url`."""
    site_info = context.get("site_info")
    publisher_name = getattr(site_info, "name", "") or settings.SITE_NAME
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": absolute(article.get_absolute_url())},
        "headline": article.title[:110],
        "description": summary(article, 160),
        "datePublished": _iso(article.published_at),
        "dateModified": _iso(article.last_modified),
        "inLanguage": "ko-KR",
        "author": [
            {
                "@type": "Person",
                "name": reporter.name,
                "url": absolute(reporter.get_absolute_url()),
            }
            for reporter in reporters
        ]
        or [{"@type": "Organization", "name": publisher_name}],
        "publisher": {
            "@type": "Organization",
            "name": publisher_name,
            "logo": {
                "@type": "ImageObject",
                "url": _logo_url(settings.STATIC_URL, settings.SITE_URL),
            },
        },
    }
    renditions = getattr(article, "lead_renditions", {})
    images = [absolute(renditions[spec].url) for spec in ("w1200", "og") if spec in renditions]
    if images or image_url:
        data["image"] = images or [image_url]
    corrections = context.get("corrections")
    if corrections:
        data["correction"] = [
            {
                "@type": "CorrectionComment",
                "name": notice.get_kind_display(),
                "text": notice.text,
                "datePublished": _iso(notice.published_at),
                **({"dateModified": _iso(notice.amended_at)} if notice.amended_at else {}),
            }
            for notice in corrections
        ]
    if article.section_id:
        data["articleSection"] = article.section.name
    crumbs = [{"name": "홈", "url": absolute("/")}]
    if article.section_id:
        if article.section.parent_id:
            parent = article.section.parent
            crumbs.append({"name": parent.name, "url": absolute(parent.get_absolute_url())})
        crumbs.append(
            {"name": article.section.name, "url": absolute(article.section.get_absolute_url())}
        )
    breadcrumb = {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": crumb["name"], "item": crumb["url"]}
            for n, crumb in enumerate(crumbs, start=1)
        ],
    }
    return format_html(
        '<script type="application/ld+json">{}</script>\n'
        '<script type="application/ld+json">{}</script>',
        _json_for_script(data),
        _json_for_script(breadcrumb),
    )


@lru_cache(maxsize=64)
def _static_url(static_url: str, path: str) -> str:
    return static(path)


@register.simple_tag
def static_file(path: str) -> str:
    """`{% static %}`, made once per process and path (and STATIC_URL): a page's few constant
    files (the default link-preview image) need no storage lookup per render."""
    return _static_url(settings.STATIC_URL, path)


@lru_cache(maxsize=4)
def _logo_url(static_url: str, site_url: str) -> str:
    """The publisher's logo, absolute: the same for every article while the static files and
    the site's address are (the arguments key the memo)."""
    return absolute(static("img/logo.png"))


def _json_for_script(data) -> str:
    # Three replace() calls: str.translate() with a dict maps every character in Python.
    encoded = (
        json.dumps(data, ensure_ascii=False)
        .replace(">", "\\u003E")
        .replace("<", "\\u003C")
        .replace("&", "\\u0026")
    )
    return mark_safe(encoded)  # noqa: S308 -- <, > and & are escaped above
