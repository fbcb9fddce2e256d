"""The reader's pages: home, 전체기사, section, article, reporter, tag and search.

Each view picks its data through `newsroom.cache.cached()` (keyed by the content generation, so
an edit shows up at once) and renders a template; banners and the weather ticker are rendered
live on every request, outside the cached data. Every query goes through
`Article.objects.published()`: drafts, submitted, scheduled and withdrawn articles are 404s.
"""

from datetime import timedelta
from functools import partial, wraps

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import F, OuterRef, Prefetch, Q, Window
from django.db.models.functions import RowNumber
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
    set_response_etag,
)
from django.views.decorators.http import require_safe

from newsroom import pagecache
from newsroom.cache import cached
from newsroom.readers import is_reader

from . import pagination, viewcounts
from . import search as article_search
from .models import Article, Reporter, Section, Tag
from .pagination import LIST_PARAMETERS

HEADLINE_COUNT = 5
LATEST_COUNT = 10
SECTION_BLOCK_SIZE = 5
RELATED_COUNT = 6
# Readers' browsers and shared proxies may keep a public page this long; the server-side cache
# is invalidated at once on every change, this is the only delay a reader can see.
BROWSER_CACHE_SECONDS = 60


# --- Shared helpers -----------------------------------------------------------------------------


def reader_page(view=None, *, reads: frozenset[str] = frozenset(), stored: bool = True):
    """Cache headers for public pages: anonymous readers get a short public max-age and the
    page cache may keep the page (newsroom.pagecache); someone with a session (staff who just
    published) always gets a fresh page. The ETag is the page's without its live parts (banners,
    date, ticker), so it stays the same while the content does.

    `reads`: the query parameters the view reads (a list's `page`); a request with any other
    is never stored. `stored=False`: never stored at all (search results: one copy per query)."""
    if view is None:
        return partial(reader_page, reads=reads, stored=stored)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or response.has_header("Cache-Control"):
            return response
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            patch_cache_control(response, private=True, no_cache=True, max_age=0)
        else:
            patch_cache_control(response, public=True, max_age=BROWSER_CACHE_SECONDS)
            if stored:
                pagecache.mark_cacheable(response, reads=reads)
        patch_vary_headers(response, ["Cookie"])
        # A browser revalidating an unchanged page gets a 304 without the body.
        set_response_etag(response)
        return get_conditional_response(request, etag=response["ETag"], response=response)

    return require_safe(wrapper)


def card_queryset():
    """Published articles with what a card shows (section, bylines), in two queries."""
    return (
        Article.objects.published()
        .select_related("section")
        .prefetch_related(Prefetch("reporters", queryset=Reporter.objects.order_by("pk")))
    )


# --- Data that several pages share ----------------------------------------------------------


def section_blocks(size: int = SECTION_BLOCK_SIZE, *, exclude=()) -> list[dict]:
    """The home page's sections with their newest articles, in two queries however many
    sections there are. Articles in `exclude` (the headlines already shown above) are left out,
    so nothing shows twice."""
    exclude = sorted(exclude)

    def build():
        sections = Section.objects.filter(on_home=True, parent__isnull=True)
        if connection.vendor == "postgresql":
            newest = _newest_per_section(sections, size, exclude)
        else:
            newest = _ranked_per_section(sections, size, exclude)
        return [
            {"section": section, "articles": articles} for section, articles in newest if articles
        ]

    return cached(f"section-blocks:{size}:{','.join(map(str, exclude))}", build)


def _newest_per_section(sections, size, exclude) -> list[tuple[Section, list[Article]]]:
    """Each section with its `size` newest articles (PostgreSQL): the sections come with the
    ids of their newest articles as an array (one small index scan per section, in one query),
    then the articles themselves. A window over every published article would sort the whole
    archive (a second per page at 100,000 articles); a UNION of one branch per section costs
    more to build in Python than to run."""
    newest_ids = ArraySubquery(
        Article.objects.published()
        .filter(section_id=OuterRef("pk"))
        .exclude(pk__in=exclude)
        .order_by("-published_at", "-id")
        .values("pk")[:size]
    )
    sections = list(sections.annotate(newest_ids=newest_ids))
    wanted = [pk for section in sections for pk in section.newest_ids]
    articles = Article.objects.published().in_bulk(wanted) if wanted else {}
    blocks = []
    for section in sections:
        found = [articles[pk] for pk in section.newest_ids if pk in articles]
        for article in found:
            article.section = section
        blocks.append((section, found))
    return blocks


def _ranked_per_section(sections, size, exclude) -> list[tuple[Section, list[Article]]]:
    """The same with one window query ranking every section's articles at once (databases
    without arrays, e.g. SQLite)."""
    sections = list(sections)
    if not sections:
        return []
    ranked = (
        Article.objects.published()
        .filter(section__in=sections)
        .exclude(pk__in=exclude)
        .select_related("section")
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=F("section_id"),
                order_by=[F("published_at").desc(), F("id").desc()],
            )
        )
        .filter(rank__lte=size)
        .order_by("section_id", "rank")
    )
    by_section: dict[int, list[Article]] = {}
    for article in ranked:
        by_section.setdefault(article.section_id, []).append(article)
    return [(section, by_section.get(section.pk, [])) for section in sections]


# --- Pages --------------------------------------------------------------------------------


def _home_data() -> dict:
    headlines = list(Article.objects.headlines().select_related("section")[:HEADLINE_COUNT])
    if not headlines:
        # No headline chosen by the desk: the newest article leads the page.
        headlines = list(Article.objects.published().select_related("section")[:1])
    shown = {article.pk for article in headlines}
    latest = [
        article
        for article in Article.objects.published().select_related("section")[
            : LATEST_COUNT + HEADLINE_COUNT
        ]
        if article.pk not in shown
    ][:LATEST_COUNT]
    return {"headlines": headlines, "latest": latest}


@reader_page
def home(request):
    data = cached("home", _home_data)
    return render(
        request,
        "articles/home.html",
        {
            **data,
            "section_blocks": section_blocks(exclude=[a.pk for a in data["headlines"]]),
        },
    )


@reader_page(reads=LIST_PARAMETERS)
def latest(request):
    """전체기사: every published article, newest first."""
    number = pagination.page_number(request)
    page = pagination.cached_page("latest-list", card_queryset, number)
    return render(
        request,
        "articles/latest.html",
        {
            "page": page,
            "show_section": True,
            "is_latest": True,
            "canonical_url": pagination.canonical_for_page(request, number),
        },
    )


def _section_or_404(slug: str) -> Section:
    section = cached(f"section:{slug}", lambda: _load_section(slug))
    if section is None:
        raise Http404("없는 섹션입니다.")
    return section


def _load_section(slug: str) -> Section | None:
    """The section with its subsections' ids (`child_ids`), in one query."""
    found = list(Section.objects.filter(Q(slug=slug) | Q(parent__slug=slug)))
    section = next((s for s in found if s.slug == slug), None)
    if section is not None:
        section.child_ids = [s.pk for s in found if s.parent_id == section.pk]
    return section


def _section_and_children(section: Section) -> list[int]:
    """The section's id and its subsections' ids: a plain `section_id IN (…)` lets PostgreSQL
    walk the (section, status, published_at) index, where `OR parent = …` needs a join and
    reads the whole archive for a deep page."""
    return [section.pk, *getattr(section, "child_ids", [])]


@reader_page(reads=LIST_PARAMETERS)
def section(request, slug):
    section = _section_or_404(slug)
    number = pagination.page_number(request)
    page = pagination.cached_page(
        f"section-list:{section.pk}",
        lambda: card_queryset().filter(section_id__in=_section_and_children(section)),
        number,
    )
    return render(
        request,
        "articles/section.html",
        {
            "section": section,
            "current_section": section,
            "page": page,
            "canonical_url": pagination.canonical_for_page(request, number),
        },
    )


@reader_page(reads=LIST_PARAMETERS)
def reporter(request, pk):
    reporter = cached(f"reporter:{pk}", lambda: Reporter.objects.filter(pk=pk).first())
    if reporter is None:
        raise Http404("없는 기자입니다.")
    number = pagination.page_number(request)
    page = pagination.cached_page(
        f"reporter-list:{pk}", lambda: card_queryset().filter(reporters=reporter), number
    )
    return render(
        request,
        "articles/reporter.html",
        {
            "reporter": reporter,
            "page": page,
            "show_section": True,
            "canonical_url": pagination.canonical_for_page(request, number),
        },
    )


@reader_page(reads=LIST_PARAMETERS)
def tag(request, slug):
    tag = cached(f"tag:{slug}", lambda: Tag.objects.filter(slug=slug).first())
    if tag is None:
        raise Http404("없는 태그입니다.")
    number = pagination.page_number(request)
    page = pagination.cached_page(
        f"tag-list:{tag.pk}",
        lambda: card_queryset().filter(tags=tag),
        number,
        count_cap=pagination.TAG_COUNT_CAP,
    )
    return render(
        request,
        "articles/tag.html",
        {
            "tag": tag,
            "page": page,
            "show_section": True,
            "canonical_url": pagination.canonical_for_page(request, number),
        },
    )


def _public_article(pk: int) -> Article | None:
    return (
        Article.objects.published()
        .select_related("section__parent")
        .prefetch_related(
            Prefetch("reporters", queryset=Reporter.objects.order_by("pk")),
            "tags",
            Prefetch(
                "related",
                queryset=Article.objects.published()
                .select_related("section")
                .order_by("-published_at"),
            ),
        )
        .filter(pk=pk)
        .first()
    )


def count_view(request, article: Article | int) -> None:
    """One more view by a reader (not a bot), added atomically and in batches
    (articles.viewcounts). Runs on every request, cached page or not (the page cache's hit
    action "article-view")."""
    if not is_reader(request):
        return
    viewcounts.add_view(article if isinstance(article, int) else article.pk)


def _same_section_latest(article: Article) -> list[Article]:
    """Fallback related articles: the newest of the same section."""
    if not article.section_id:
        return []
    return list(
        Article.objects.published()
        .filter(section_id=article.section_id)
        .exclude(pk=article.pk)
        .select_related("section")[:RELATED_COUNT]
    )


def article_context(article: Article, *, preview: bool = False) -> dict:
    saved = article.pk is not None
    reporters = list(article.reporters.all()) if saved else []
    tags = list(article.tags.all()) if saved else []
    related = list(article.related.all())[:RELATED_COUNT] if saved else []
    if preview:
        related = [item for item in related if item.is_public()]
    if not related and not preview:
        related = cached(f"same-section:{article.pk}", lambda: _same_section_latest(article))
    return {
        "article": article,
        # An unsaved article (a preview before the first save) has no address yet.
        "article_url": article.get_absolute_url() if saved else "",
        "reporters": reporters,
        "tags": tags,
        "related": related,
        "is_preview": preview,
        "preview_robots": "noindex, nofollow" if preview else "",
        "current_section": article.section,
        "was_modified": bool(
            article.published_at
            and article.updated_at
            and article.updated_at - article.published_at > timedelta(minutes=1)
        ),
    }


def render_article(request, article: Article, *, preview: bool = False):
    """The article page; the admin's preview renders through here too, so a preview is exactly
    what readers will see (never cached, never counted, never indexed)."""
    context = article_context(article, preview=preview)
    context["side_blocks"] = section_blocks(size=4)[:3]
    response = render(request, "articles/detail.html", context)
    if preview:
        add_never_cache_headers(response)
        response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@reader_page
def detail(request, pk):
    article = cached(f"article:{pk}", lambda: _public_article(pk))
    if article is None:
        raise Http404("없는 기사입니다.")
    count_view(request, article)
    response = render_article(request, article)
    pagecache.add_hit_action(response, "article-view", article.pk)
    return response


@reader_page(stored=False)
def search(request):
    query = article_search.parse_query(request.GET.get("q"))
    order = request.GET.get("sort", article_search.NEWEST)
    if order not in article_search.ORDERS:
        order = article_search.NEWEST
    page = None
    if not query.is_empty:
        number = pagination.page_number(request)
        # Popular searches repeat: the same words, order and page come from the cache.
        page = cached(
            f"search:{order}:{number}:{chr(31).join(query.terms)}",
            lambda: pagination.paginate(article_search.search_articles(query, order=order), number),
        )
        if page is None:
            raise Http404(pagination.NO_SUCH_PAGE)
    return render(
        request,
        "articles/search.html",
        {
            "query": query,
            "order": order,
            # Page links carry the query as searched (cut to MAX_QUERY_LENGTH), not as sent.
            "page_params": {"q": query.text, "sort": order},
            "orders": article_search.ORDERS,
            "page": page,
            # A common word's count stops at the cap: "기사 1,000건 이상".
            "count_capped": page is not None and article_search.count_is_capped(page.count),
            "count_cap": f"{article_search.COUNT_CAP:,}",
        },
    )


@require_safe
def robots_txt(request):
    """robots.txt: everything public may be crawled except search results and the desk."""
    from .templatetags.reader_tags import absolute

    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /search/",
        "Disallow: /ckeditor/",
        "",
        f"Sitemap: {absolute('/sitemap.xml')}",
        f"Sitemap: {absolute('/sitemap-news.xml')}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
