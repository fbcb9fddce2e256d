"""The list machinery: one page of a long list, counted only as far as anyone needs.

Three ways of not counting everything, each written once:
- `capped_count()`: a list's count stops at a cap + 1 ("기사 10,000건 이상"); lists (through
  `ListPaginator`) and search (articles.search) count this way.
- `estimated_rows()`: PostgreSQL's own estimate of a table's rows, read without touching the
  table; the desk's change list shows it for the whole archive (`EstimatedCountPaginator`) and
  search uses it to tell a large archive from a small one.
- `_page_rows()`: a deep page picks its ids before its rows, so the skipped rows are never read.

A page is handed to templates (and to the cache) as a plain `PageOf`, never as a Paginator over
a queryset.
"""

from dataclasses import dataclass, field

from django.core.paginator import EmptyPage, Paginator
from django.db import connections, router
from django.http import Http404
from django.utils.functional import cached_property

from newsroom.pagecache.generation import cached
from newsroom.params import ascii_int

PAGE_SIZE = 20
# From this many rows skipped on, a list page picks its ids first (see `_page_rows`).
IDS_FIRST_FROM = 200
# List pages (전체기사, sections, tags, reporters) count at most this many articles: counting a
# section of 125,000 articles costs ~20 ms and the whole archive ~100 ms on every cold page, for
# a number no reader needs exactly. The page says "기사 10,000건 이상" and offers 501 pages.
LIST_COUNT_CAP = 10_000
# Tag pages join the tag links: counting 10,001 articles of a tag on a tenth of the archive reads
# ~100,000 links (~45 ms at 1,000,000 articles). A tag page is related reading, like a search:
# it counts to 1,000, as search does (~5 ms).
TAG_COUNT_CAP = 1_000
# What a list page reads from its query.
LIST_PARAMETERS = frozenset({"page"})
NO_SUCH_PAGE = "없는 페이지입니다."


@dataclass
class PageOf:
    """One page of a list, as plain data (cacheable, unlike a Paginator over a queryset)."""

    articles: list
    number: int
    num_pages: int
    count: int
    page_range: list = field(default_factory=list)
    count_cap: int | None = None

    @property
    def count_label(self) -> str:
        """`1,234건`, or `10,000건 이상` when counting stopped at the cap."""
        if self.count_cap is not None and self.count > self.count_cap:
            return f"{self.count_cap:,}건 이상"
        return f"{self.count:,}건"

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def page_number(request) -> int:
    """The `page` parameter; anything but a positive whole number is a 404."""
    number = ascii_int(request.GET.get("page", "1"), max_digits=6)
    if number is None or number < 1:
        raise Http404(NO_SUCH_PAGE)
    return number


def canonical_for_page(request, number: int) -> str:
    """A list page's canonical path: page 1 is the bare path, later pages keep `?page=N`."""
    return request.path if number == 1 else f"{request.path}?page={number}"


# --- Counting ---------------------------------------------------------------------------------


def capped_count(queryset, cap: int) -> int:
    """How many rows `queryset` has, counted up to `cap` + 1 at most: a result above `cap` means
    "more than `cap`". Only the ids are read, along the list's index where it has one, so the
    cost is flat however long the archive is."""
    return queryset.order_by().values("pk")[: cap + 1].count()


def estimated_rows(model, *, using: str | None = None) -> int | None:
    """PostgreSQL's own estimate of the rows of `model`'s table (pg_class.reltuples, kept by
    ANALYZE and autovacuum; -1 before the first), read without touching the table. None on
    other databases, which keep no such estimate."""
    connection = connections[using or router.db_for_read(model)]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
            [model._meta.db_table],
        )
        row = cursor.fetchone()
    return row[0] if row else None


class ListPaginator(Paginator):
    """A paginator whose count stops at `count_cap` + 1 (`capped_count`)."""

    def __init__(self, *args, count_cap: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_cap = count_cap

    @cached_property
    def count(self) -> int:
        return capped_count(self.object_list, self.count_cap)


class EstimatedCountPaginator(Paginator):
    """The desk's change-list paginator: the unfiltered total of a big table is PostgreSQL's
    estimate (`estimated_rows`) instead of a `COUNT(*)` that reads every row at every page view.
    Filtered lists, searches and small tables are counted exactly."""

    # Below this many rows an exact count is cheap, and a test database is never estimated.
    ESTIMATE_FROM = 100_000

    @cached_property
    def count(self):
        queryset = self.object_list
        if not queryset.query.where:
            rows = estimated_rows(queryset.model, using=queryset.db)
            if rows is not None and rows >= self.ESTIMATE_FROM:
                return rows
        return super().count


class IdsFirstPaginator(EstimatedCountPaginator):
    """EstimatedCountPaginator whose deep pages pick their ids first (`_page_rows`): OFFSET
    90,000 over full rows reads and builds every skipped row, with whatever the list's
    SELECT works out for each (the photo library's use marks are two EXISTS a row). A filtered
    or searched list is counted to `COUNT_CAP` + 1 only (`capped_count`, as search counts):
    a two-syllable word found in a fifth of 100,000 photos costs ~7 ms to count to 1,001 and
    ~80 ms to count exactly; its pages stop at the cap and the search narrows it."""

    COUNT_CAP = TAG_COUNT_CAP

    @cached_property
    def count(self):
        if self.object_list.query.where:
            return capped_count(self.object_list, self.COUNT_CAP)
        return super().count

    @property
    def count_is_capped(self) -> bool:
        return bool(self.object_list.query.where) and self.count > self.COUNT_CAP

    def page(self, number):
        number = self.validate_number(number)
        offset = (number - 1) * self.per_page
        if offset < IDS_FIRST_FROM:
            return super().page(number)
        return self._get_page(_page_rows(self.object_list, offset, self.per_page), number, self)


# --- Pages ------------------------------------------------------------------------------------


def paginate(
    queryset,
    number: int,
    *,
    per_page: int = PAGE_SIZE,
    ids_first: bool = False,
    count_cap: int | None = None,
) -> PageOf | None:
    """The page `number` of `queryset`, or None when it is out of range (page 1 always exists).

    `ids_first`: a deep page picks its ids before its rows (`_page_rows`), and the count stops
    at `count_cap` (LIST_COUNT_CAP); for list querysets ordered along one of the article list
    indexes."""
    count_cap = LIST_COUNT_CAP if count_cap is None else count_cap
    if ids_first:
        paginator = ListPaginator(queryset, per_page, count_cap=count_cap)
    else:
        paginator = Paginator(queryset, per_page)
    try:
        page = paginator.page(number)
    except EmptyPage:
        return None
    offset = page.start_index() - 1
    if ids_first and offset >= IDS_FIRST_FROM:
        articles = _page_rows(queryset, offset, per_page)
    else:
        articles = list(page.object_list)
    return PageOf(
        articles=articles,
        number=page.number,
        num_pages=paginator.num_pages,
        count=paginator.count,
        count_cap=count_cap if ids_first else None,
        # The gap is Paginator.ELLIPSIS, a lazy translation: stored as the plain "…" the
        # template compares with (a lazy string does not survive the cache as itself).
        page_range=[
            n if isinstance(n, int) else "…"
            for n in paginator.get_elided_page_range(number, on_each_side=2, on_ends=1)
        ],
    )


def _page_rows(queryset, offset: int, limit: int) -> list:
    """`queryset[offset:offset + limit]` as a "deferred join": the page's ids first, read in
    order from the list index alone (no row of the skipped articles is fetched from the table:
    OFFSET 10,000 over full rows reads 10,000 rows, ~100 ms), then those rows by id."""
    ids = list(
        queryset.prefetch_related(None).values_list("pk", flat=True)[offset : offset + limit]
    )
    rows = {article.pk: article for article in queryset.filter(pk__in=ids)}
    # An article withdrawn between the two queries is simply left out.
    return [rows[pk] for pk in ids if pk in rows]


def cached_page(
    name: str, articles, number: int, *, count_cap: int | None = None, prepare=None
) -> PageOf:
    """Page `number` of the list `articles()` (a queryset builder, called only on a cache miss),
    cached under `name` for the content generation; a page that does not exist is a 404.
    `prepare(rows)`, when given, runs on the page's rows before they are cached (the pictures
    of a list of cards, in one query)."""

    def load(number: int) -> PageOf | None:
        page = paginate(articles(), number, ids_first=True, count_cap=count_cap)
        if page is not None and prepare is not None:
            prepare(page.articles)
        return page

    def build(number: int) -> PageOf | None:
        return cached(f"{name}:p{number}", lambda: load(number))

    # A number past the last page is refused before anything is cached for it: page 1 (which
    # always exists) knows how many there are, so `?page=<random>` adds no cached entry.
    if number > 1 and number > build(1).num_pages:
        raise Http404(NO_SUCH_PAGE)
    page = build(number)
    if page is None:
        raise Http404(NO_SUCH_PAGE)
    return page
