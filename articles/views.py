"""The reader's pages: home, 전체기사, section, article, reporter, tag, search, the
정정·반론보도 list and the policy pages (이용약관, 개인정보처리방침 …).

Each view picks its data through `newsroom.pagecache.generation.cached()` (keyed by the content
generation, so an edit shows up at once) and renders a template; banners and the weather ticker are
rendered live on every request, outside the cached data. Every query goes through
`Article.objects.published()`: drafts, submitted, scheduled and withdrawn articles are 404s.
"""

from functools import cache as cache_result
from functools import partial, wraps

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
    set_response_etag,
)
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_safe

from newsroom import pagecache
from newsroom.pagecache.generation import LISTS, cached, cached_fragment, scope_versions
from newsroom.readers import is_reader
from newsroom.site.models import PolicyPage

from . import pagination, viewcounts
from . import search as article_search
from .models import (
    CARD_DEFERRED,
    Article,
    CorrectionNotice,
    Reporter,
    Section,
    Series,
    Tag,
    read_article_page,
    sections_and_series,
)
from .pagination import LIST_PARAMETERS
from .photos import (
    ARTICLE_SPECS,
    CARD_SPECS,
    COLUMN_SIZES,
    LEAD_SRCSET,
    attach_lead_renditions,
)
from .richtext import stored_snippet
from .templatetags.reader_tags import list_fragment, top_sections

HEADLINE_COUNT = 5
LATEST_COUNT = 10
SECTION_BLOCK_SIZE = 5
RELATED_COUNT = 6
SIDE_BLOCK_SIZE = 4
SIDE_BLOCK_COUNT = 3
# Readers' browsers and shared proxies may keep a public page this long; the server-side cache
# is invalidated at once on every change, this is the only delay a reader can see.
BROWSER_CACHE_SECONDS = 60


# --- Shared helpers -----------------------------------------------------------------------------


def reader_page(view=None, *, reads: frozenset[str] = frozenset(), stored: bool = True):
    """Cache headers for public pages: anonymous readers get a short public max-age and the
    page cache may keep the page (newsroom.pagecache.pages); someone with a session (staff who just
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


def _found(name: str, load, missing: str, *, scopes=()):
    """The object `load()` finds, cached under `name` for the content generation and `scopes`
    (a missing one too), or a 404 saying `missing`."""
    found = cached(name, load, scopes=scopes)
    if found is None:
        raise Http404(missing)
    return found


def _list_page(
    request,
    template: str,
    name: str,
    articles,
    *,
    count_cap=None,
    prepare=attach_lead_renditions,
    **context,
):
    """A list page: the page `?page=` asks for of `articles()` (see pagination.cached_page),
    rendered with `context`; `prepare` runs on its rows before they are cached (by default:
    the article cards' pictures, in one query)."""
    number = pagination.page_number(request)
    page = pagination.cached_page(name, articles, number, count_cap=count_cap, prepare=prepare)
    canonical_url = pagination.canonical_for_page(request, number)
    return render(request, template, {**context, "page": page, "canonical_url": canonical_url})


def section_blocks(size: int = SECTION_BLOCK_SIZE, *, exclude=()) -> list[dict]:
    """The home page's sections with their newest articles. Articles in `exclude` (the
    headlines already shown above) are left out, so nothing shows twice."""
    exclude = sorted(exclude)

    def build():
        on_home = [section for section in top_sections() if section.on_home]
        newest = (
            Article.objects.published()
            .select_related("lead_photo")
            .defer(*CARD_DEFERRED)
            .newest_by_section(on_home, size, exclude=exclude)
        )
        return [
            {"section": section, "articles": articles} for section, articles in newest if articles
        ]

    return cached(f"section-blocks:{size}:{','.join(map(str, exclude))}", build)


# --- Pages --------------------------------------------------------------------------------


HOME_PARTS = ("headlines", "latest", "section_blocks")


def _home_data() -> dict:
    headlines = list(Article.objects.headlines().for_cards()[:HEADLINE_COUNT])
    if not headlines:
        # No headline chosen by the desk: the newest article leads the page.
        headlines = list(Article.objects.published().for_cards()[:1])
    shown = {article.pk for article in headlines}
    latest = [
        article
        for article in Article.objects.published().for_cards()[: LATEST_COUNT + HEADLINE_COUNT]
        if article.pk not in shown
    ][:LATEST_COUNT]
    blocks = section_blocks(exclude=[a.pk for a in headlines])
    # Every picture of the page in one query: the top headline drawn wide (LEAD_SRCSET), each
    # section block's first article at 480, the others as cards.
    pictured = [*headlines, *latest, *(block["articles"][0] for block in blocks)]
    attach_lead_renditions(pictured, (*CARD_SPECS, *LEAD_SRCSET))
    return {"headlines": headlines, "latest": latest, "section_blocks": blocks}


@reader_page
def home(request):
    # Read only when the page's fragment is not kept (the template's {% fragment "home" %}):
    # a home page then costs no article query at all.
    data = cache_result(lambda: cached("home", _home_data))
    return render(
        request,
        "articles/home.html",
        {name: SimpleLazyObject(lambda name=name: data()[name]) for name in HOME_PARTS},
    )


@reader_page(reads=LIST_PARAMETERS)
def latest(request):
    """전체기사: every published article, newest first."""
    return _list_page(
        request,
        "articles/latest.html",
        "latest-list",
        lambda: Article.objects.published().for_cards(),
        show_section=True,
        is_latest=True,
    )


@reader_page(reads=LIST_PARAMETERS)
def section(request, slug):
    """A section's articles and its subsections', newest first."""
    section = _found(
        f"section:{slug}", lambda: Section.objects.find_with_child_ids(slug), "없는 섹션입니다."
    )
    return _list_page(
        request,
        "articles/section.html",
        f"section-list:{section.pk}",
        lambda: Article.objects.published().for_cards().in_section(section),
        section=section,
        current_section=section,
    )


@reader_page(reads=LIST_PARAMETERS)
def reporter(request, pk):
    reporter = _found(
        f"reporter:{pk}", lambda: Reporter.objects.filter(pk=pk).first(), "없는 기자입니다."
    )
    return _list_page(
        request,
        "articles/reporter.html",
        f"reporter-list:{pk}",
        lambda: Article.objects.published().for_cards().filter(reporters=reporter),
        reporter=reporter,
        show_section=True,
    )


@reader_page(reads=LIST_PARAMETERS)
def tag(request, slug):
    tag = _found(f"tag:{slug}", lambda: Tag.objects.filter(slug=slug).first(), "없는 태그입니다.")
    return _list_page(
        request,
        "articles/tag.html",
        f"tag-list:{tag.pk}",
        lambda: Article.objects.published().for_cards().filter(tags=tag),
        count_cap=pagination.TAG_COUNT_CAP,
        tag=tag,
        show_section=True,
    )


@reader_page(reads=LIST_PARAMETERS)
def corrections(request):
    """정정·반론·추후보도: every standing notice on a public article, newest first."""
    return _list_page(
        request,
        "articles/corrections.html",
        "corrections-list",
        lambda: (
            CorrectionNotice.objects.public()
            .select_related("article")
            .only(*CORRECTION_LIST_FIELDS)
        ),
        prepare=None,  # notices: no pictures
    )


@reader_page
def series_index(request):
    """기획·연재: every series with a published part, the one updated last first."""
    shelf = cached("series-index", lambda: list(Series.objects.with_parts()))  # lists
    return render(request, "articles/series_index.html", {"series_list": shelf})


@reader_page(reads=LIST_PARAMETERS)
def series(request, pk):
    """기획·연재: the series' published articles, first part first."""
    series = _found(
        f"series:{pk}", lambda: Series.objects.filter(pk=pk).first(), "없는 기획·연재입니다."
    )
    return _list_page(
        request,
        "articles/series.html",
        f"series-list:{pk}",
        lambda: (
            Article.objects.published()
            .for_cards()
            .filter(series=series)
            .order_by("published_at", "id")
        ),
        series=series,
        show_section=True,
    )


def series_place(article: Article) -> dict | None:
    """Where the article stands in its series: "연재 3/7", the previous and the next part
    (published parts only, in the order they were published). One query per series, kept like
    the shared blocks (also with the page cache off) until a part of it changes."""
    if not article.series_id or not article.is_public():
        return None
    parts = cached_fragment(
        f"series-parts:{article.series_id}",
        lambda: list(
            Article.objects.published()
            .filter(series_id=article.series_id)
            .order_by("published_at", "id")
            .values("id", "title")
        ),
        scopes=(f"series:{article.series_id}",),
    )
    ids = [part["id"] for part in parts]
    if article.pk not in ids:
        return None
    index = ids.index(article.pk)
    return {
        "series": article.series,
        "number": index + 1,
        "total": len(parts),
        "previous": parts[index - 1] if index > 0 else None,
        "next": parts[index + 1] if index + 1 < len(parts) else None,
    }


# What a line of the corrections list shows: the notice, its article's title and address.
CORRECTION_LIST_FIELDS = (
    "kind", "text", "published_at", "amended_at", "withdrawn_at", "article__id", "article__title",
)  # fmt: skip


@reader_page
def policy(request, kind):
    """개인정보처리방침, 청소년보호정책, 이용약관, 이메일무단수집거부: one page each."""
    if kind not in PolicyPage.Kind.values:
        raise Http404("없는 페이지입니다.")
    page = cached(f"policy:{kind}", lambda: PolicyPage.objects.filter(kind=kind).first(), scopes=())
    if page is None:
        raise Http404("아직 게시되지 않은 페이지입니다.")
    return render(request, "newsroom/policy.html", {"policy": page})


def count_view(request, article: Article | int) -> None:
    """One more view by a reader (not a bot), added atomically and in batches
    (articles.viewcounts). Runs on every request, cached page or not (the page cache's hit
    action "article-view")."""
    if not is_reader(request):
        return
    viewcounts.add_view(article if isinstance(article, int) else article.pk)


def _same_section_latest(article: Article) -> list[Article]:
    """Fallback related articles: the newest of the same section but the article itself. One
    list per section, kept like the shared blocks (also with the page cache off), so the long
    tail of articles without related ones asks the database nothing for it."""
    if not article.section_id:
        return []
    newest = cached_fragment(
        f"same-section:{article.section_id}",
        # Kept with their thumbnails, as every kept list is: the page reads no picture for them.
        lambda: attach_lead_renditions(
            Article.objects.published()
            .filter(section_id=article.section_id)
            .for_cards()[: RELATED_COUNT + 1],
            CARD_SPECS,
        ),
        scopes=(f"section:{article.section_id}",),
    )
    return [item for item in newest if item.pk != article.pk][:RELATED_COUNT]


def _same_section_box(article: Article, related: list[Article]) -> str:
    """The related-articles box of `_same_section_latest(article)` as HTML, kept like the list
    it shows (for the section's version): the articles it shows name it, so every article of
    the section outside its newest shares one copy."""
    return cached_fragment(
        f"same-section-box:{article.section_id}:{','.join(str(item.pk) for item in related)}",
        lambda: render_to_string("includes/_related.html", {"related": related}),
        scopes=(f"section:{article.section_id}",),
    )


def article_context(article: Article, *, preview: bool = False) -> dict:
    saved = article.pk is not None
    # The article page's article has them from its own row (with_page_relations); a preview
    # reads them.
    loaded = hasattr(article, "page_reporters")
    reporters = article.page_reporters if loaded else list(article.reporters.all()) if saved else []
    tags = article.page_tags if loaded else list(article.tags.all()) if saved else []
    # Prefetched standing notices on the public page; a preview reads them (withdrawn left out).
    corrections = (
        [notice for notice in article.corrections.all() if notice.is_shown]
        if saved and getattr(article, "has_corrections", True)
        else []
    )
    # Loaded with the article and cached with it: one whose time has not come is left out here.
    related = (
        [
            item
            for item in (article.page_related if loaded else article.related.all())
            if item.is_public()
        ][:RELATED_COUNT]
        if saved
        else []
    )
    related_html = ""
    if not related and not preview:
        related = _same_section_latest(article)
        related_html = _same_section_box(article, related) if related else ""
    # The lead photo's sizes (the page, its link preview) and the related articles' pictures
    # (the section's newest come with theirs).
    attach_lead_renditions(
        [item for item in (article, *related) if not hasattr(item, "lead_renditions")],
        ARTICLE_SPECS,
    )
    return {
        "article": article,
        # An unsaved article (a preview before the first save) has no address yet.
        "article_url": article.get_absolute_url() if saved else "",
        "reporters": reporters,
        "tags": tags,
        "corrections": corrections,
        "related": related,
        "related_html": related_html,
        "is_preview": preview,
        "preview_robots": "noindex, nofollow" if preview else "",
        "current_section": article.section,
        "series_place": series_place(article) if saved else None,
        "column_sizes": COLUMN_SIZES,
    }


def render_side_blocks(request, argument: str = "") -> str:
    """The live part "side-blocks": the article page's compact section blocks, cached as HTML
    for the current article lists (so the page around them outlives other articles' publishes)."""

    def render():
        blocks = section_blocks(size=SIDE_BLOCK_SIZE)[:SIDE_BLOCK_COUNT]
        return "".join(
            render_to_string("includes/_section_block.html", {"block": block, "compact": True})
            for block in blocks
        )

    return list_fragment("side-blocks", render)


def render_article(request, article: Article, *, preview: bool = False):
    """The article page; the admin's preview renders through here too, so a preview is exactly
    what readers will see (never cached, never counted, never indexed)."""
    if preview:
        # The desk's unsaved text: the snippet is stored on save, so cut it from the form's.
        article.snippet = stored_snippet(article.body)
    context = article_context(article, preview=preview)
    response = render(request, "articles/detail.html", context)
    if preview:
        add_never_cache_headers(response)
        response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _shared_rows():
    """Every section and series (articles.models.sections_and_series), kept like the shared
    blocks for the content generation, which a section's or a series' change bumps."""
    return cached_fragment("sections-and-series", sections_and_series, scopes=())


def _read_article(pk: int) -> Article | None:
    return read_article_page(pk, shared=_shared_rows())


def _article_for_page(request, pk: int) -> Article:
    """The article page's article, kept in the cache for its scope `article:<id>` (a missing one
    too), or a 404. A page the page cache will keep reads it from the database: the next reader
    gets the whole page, and the article kept beside it would be a second pickle and two round
    trips on every miss of a long tail where each page is read once (the scope is still
    recorded, so the article's own edit makes the page stale)."""
    scopes = (f"article:{pk}",)
    if pagecache.stores_page(request):
        scope_versions(scopes)
        article = _read_article(pk)
        if article is not None:
            return article
    return _found(f"article:{pk}", lambda: _read_article(pk), "없는 기사입니다.", scopes=scopes)


@reader_page
def detail(request, pk):
    # Cached whatever its publish time, and asked per request whether its time has come: a
    # scheduled article's page appears on time, with nothing to invalidate at that moment.
    article = _article_for_page(request, pk)
    if not article.is_public():
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
        page = _found(
            f"search:{order}:{number}:{chr(31).join(query.terms)}",
            lambda: pagination.paginate(article_search.search_articles(query, order=order), number),
            pagination.NO_SUCH_PAGE,
            scopes=(LISTS,),
        )
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
        "Disallow: /partner/",
        "",
        f"Sitemap: {absolute('/sitemap.xml')}",
        f"Sitemap: {absolute('/sitemap-news.xml')}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
