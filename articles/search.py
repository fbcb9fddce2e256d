"""Keyword search over published articles: the one place that knows how search works.

Korean words carry particles and build compounds (`의료기관은`, `약사회`), and PostgreSQL's
full-text parser splits on white space only, so a word search would miss them. Every term is a
case-insensitive substring of the title, subtitle or body; all terms must match.

On PostgreSQL the substring search is served by a bigram index (articles.bigrams): a term's
bigrams must all be in the article's `search_document` (GIN index), and a term that is not one
bare two-character word is then rechecked as a substring on those candidates only. One-character
terms and terms of punctuation alone have no bigram and are plain substring scans. SQLite runs
the plain substring search: the same results on the same data.

At most COUNT_CAP matches are counted (a common word matches most of the archive; counting a
million rows for "기사 1,000,000건" is not worth a slow page): the page says "1,000건 이상".
Relevance order ranks the newest RANKED_POOL matches.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchVectorField
from django.db import connection, connections, transaction
from django.db.models import (
    BooleanField,
    Case,
    ExpressionWrapper,
    IntegerField,
    Lookup,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from . import bigrams
from .models import Article, ArticleQuerySet
from .pagination import capped_count, estimated_rows

MAX_QUERY_LENGTH = 100
MAX_TERMS = 8

NEWEST = "newest"
RELEVANCE = "relevance"
ORDERS = {NEWEST: "최신순", RELEVANCE: "정확도순"}

# Counting stops here: the page says "1,000건 이상" and offers the first 50 pages.
COUNT_CAP = 1000
# Relevance ranks this many of the newest matches (a common word matches the whole archive).
RANKED_POOL = COUNT_CAP + 1
# How a rare word is told from a common one on PostgreSQL (see _recent_hits).
PROBE_WINDOW = 1000
SPARSE_BELOW = 10
DENSE_FROM = 250
# Below this many articles (PostgreSQL's estimate) any plan is fast: no probe, no settings.
PLANNED_FROM = 20_000

# Characters that carry no meaning in a keyword search: control characters (PostgreSQL refuses
# NUL in a string) and quotes/brackets people paste around words.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PUNCTUATION_AROUND = "\"'“”‘’`()[]{}<>«»「」『』"


@dataclass
class SearchQuery:
    """A reader's query, cleaned: what was typed, the terms searched and what was changed."""

    raw: str
    text: str = ""
    terms: list[str] = field(default_factory=list)
    truncated: bool = False

    @property
    def is_empty(self) -> bool:
        return not self.terms


def parse_query(raw: str | None) -> SearchQuery:
    """Split a query into at most MAX_TERMS distinct terms of the first MAX_QUERY_LENGTH
    characters; odd characters are dropped, never an error."""
    raw = raw or ""
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", raw)).strip()
    truncated = len(text) > MAX_QUERY_LENGTH
    text = text[:MAX_QUERY_LENGTH].strip()
    terms: list[str] = []
    for word in text.split():
        term = word.strip(_PUNCTUATION_AROUND)
        if term and term.casefold() not in {t.casefold() for t in terms}:
            terms.append(term)
    if len(terms) > MAX_TERMS:
        terms, truncated = terms[:MAX_TERMS], True
    return SearchQuery(raw=raw, text=text, terms=terms, truncated=truncated)


@SearchVectorField.register_lookup
class HasAllBigrams(Lookup):
    """`search_document__has_bigrams="'의료' & '료기'"`: the tsquery (AND of bigrams) matches."""

    lookup_name = "has_bigrams"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} @@ ({rhs})::tsquery", [*lhs_params, *rhs_params]


class CappedCountQuerySet(ArticleQuerySet):
    """Search results whose count() stops at COUNT_CAP + 1 (the paginator counts them), and
    whose queries run with PostgreSQL planner settings chosen by search_articles().

    `planner_off` names the plan kinds switched off (SET LOCAL, for that query only) when the
    rows are fetched; the count always reads the GIN index (a bitmap stops after the cap).
    """

    planner_off: tuple[str, ...] = ()
    count_planner_off: tuple[str, ...] = ()

    def _clone(self):
        clone = super()._clone()
        clone.planner_off = self.planner_off
        clone.count_planner_off = self.count_planner_off
        return clone

    def _with_planner(self, settings, run):
        if not settings:
            return run()
        connection = connections[self.db]
        with transaction.atomic(using=self.db):
            with connection.cursor() as cursor:
                cursor.execute("; ".join(f"SET LOCAL {setting} = off" for setting in settings))
            try:
                return run()
            finally:
                # SET LOCAL lasts until the outermost transaction ends: inside someone else's
                # transaction (a test, ATOMIC_REQUESTS) the settings must not outlive the query.
                if connection.needs_rollback is False and len(connection.savepoint_ids) > 0:
                    with connection.cursor() as cursor:
                        cursor.execute("; ".join(f"RESET {setting}" for setting in settings))

    def explain(self, **options):
        """EXPLAIN as the rows are really fetched (with the planner settings)."""
        return self._with_planner(
            self.planner_off, lambda: super(CappedCountQuerySet, self).explain(**options)
        )

    def _fetch_all(self):
        if self._result_cache is None:
            self._with_planner(self.planner_off, super()._fetch_all)
        else:
            super()._fetch_all()

    def count(self):
        if self._result_cache is not None or self.query.is_sliced:
            return super().count()
        return self._with_planner(self.count_planner_off, lambda: capped_count(self, COUNT_CAP))


def count_is_capped(count: int) -> bool:
    """Whether a search count stopped at the cap (there are more than COUNT_CAP results)."""
    return count > COUNT_CAP


def _contains(term: str) -> str:
    """The lookup that finds `term` as a substring ignoring case: `contains` for a term without
    letter case (Korean, digits), which spares the database an UPPER() copy of every body it
    tests (a third of a rare word's count); `icontains` otherwise."""
    return "contains" if term.upper() == term.lower() else "icontains"


def _substring(term: str) -> Q:
    lookup = _contains(term)
    return (
        Q(**{f"title__{lookup}": term})
        | Q(**{f"subtitle__{lookup}": term})
        | Q(**{f"body__{lookup}": term})
    )


def _matches(term: str) -> Q:
    """Articles containing `term` as a substring of the title, subtitle or body."""
    if connection.vendor != "postgresql":
        return _substring(term)
    words = bigrams.tokens(term)
    grams = set()
    for word in words:
        if len(word) >= 2:
            grams.update(bigrams.token_bigrams(word))
    if not grams:
        # One-character words and punctuation: no bigram to look up, a substring scan.
        return _substring(term)
    condition = Q(search_document__has_bigrams=bigrams.tsquery_text(grams))
    # A bare two-character word is one bigram: the index answer is exact. Longer words need
    # their bigrams next to each other and in order, and punctuation or case must match too.
    exact = len(words) == 1 and len(words[0]) == 2 and term.lower() == words[0]
    if exact:
        return condition
    # The recheck hidden from the planner's estimates (COALESCE of the test): it guesses 1 row
    # for `LIKE '%…%'` three times over, and would then read every match to sort them.
    recheck = Coalesce(ExpressionWrapper(_substring(term), output_field=BooleanField()), False)
    return condition & Q(recheck)


def matching(query: SearchQuery) -> Q:
    """The condition "contains every term" (the desk's article search uses it too)."""
    condition = Q()
    for term in query.terms:
        condition &= _matches(term)
    return condition


def _recent_hits(matches: QuerySet) -> int:
    """How many of the newest PROBE_WINDOW articles match, counted up to DENSE_FROM
    (PostgreSQL with a large archive only).

    The planner cannot know how rare a bigram combination is: it guesses at most 0.5 % of
    rows, and for a newest-first page of 20 it then walks the published_at index testing every
    article, which for a rare or missing word means reading the whole archive (tens of
    seconds). So we look: fewer than SPARSE_BELOW matches among the newest PROBE_WINDOW
    articles means a rare word, read from the GIN index and sorted (few rows); otherwise the
    newest-first walk finds a page within a few hundred rows. From DENSE_FROM on, the walk
    also reaches the count's cap sooner than a bitmap of every match is built.
    """
    newest = Article.objects.published().order_by("-published_at", "-id").values("pk")
    probe = matches.filter(pk__in=newest[:PROBE_WINDOW]).order_by().values("pk")
    return len(probe[:DENSE_FROM])


def _uses_index(query: SearchQuery) -> bool:
    return connection.vendor == "postgresql" and any(
        len(word) >= 2 for term in query.terms for word in bigrams.tokens(term)
    )


def _archive_is_large() -> bool:
    """Plans only matter for a big archive: PostgreSQL's row estimate of the article table
    (articles.pagination.estimated_rows) against PLANNED_FROM."""
    rows = estimated_rows(Article)
    return rows is not None and rows >= PLANNED_FROM


def search_articles(query: SearchQuery, *, order: str = NEWEST) -> QuerySet[Article]:
    """Published articles matching every term, newest first or most relevant first.

    Relevance: a term in the title counts 3, in the subtitle 2, in the body 1, summed over the
    terms; ties go to the newer article. Only the newest RANKED_POOL matches are ranked.
    """
    articles = Article.objects.published().select_related("section")
    if query.is_empty:
        return articles.none()
    articles = articles.filter(matching(query))
    planner_off, count_planner_off = (), ()
    if _uses_index(query) and _archive_is_large():
        # The planner cannot tell a rare word from a common one (see _recent_hits), so we say
        # which plan to use: rare, from the GIN index then sorted; common, newest first along
        # published_at, testing each article until the page is full.
        hits = _recent_hits(articles)
        walk, from_gin = (
            ("enable_bitmapscan", "enable_seqscan"),
            ("enable_indexscan", "enable_seqscan"),
        )
        planner_off = from_gin if hits < SPARSE_BELOW else walk
        count_planner_off = walk if hits >= DENSE_FROM else from_gin
    if order == RELEVANCE:
        pool = articles.order_by("-published_at", "-id").values("pk")[:RANKED_POOL]
        articles = Article.objects.published().select_related("section").filter(pk__in=pool)
        score = Value(0)
        for term in query.terms:
            lookup = _contains(term)
            for name, points in (("title", 3), ("subtitle", 2), ("body", 1)):
                score = score + Case(
                    When(**{f"{name}__{lookup}": term}, then=points),
                    default=0,
                    output_field=IntegerField(),
                )
        articles = articles.annotate(score=Coalesce(score, 0)).order_by(
            "-score", "-published_at", "-id"
        )
    else:
        articles = articles.order_by("-published_at", "-id")
    results = articles._chain()
    results.__class__ = CappedCountQuerySet
    results.planner_off, results.count_planner_off = planner_off, count_planner_off
    return results
