"""Keyword search over published articles: the one place that knows how search works.

Korean words carry particles and build compounds (`의료기관은`, `약사회`), and PostgreSQL's
full-text parser splits on white space only, so a word search would miss them. For now every
term is a case-insensitive substring match on title, subtitle and body (works the same on
SQLite and PostgreSQL); all terms must match. A faster index can replace the inside of
`search_articles()` later without touching the views or templates.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from .models import Article

MAX_QUERY_LENGTH = 100
MAX_TERMS = 8

NEWEST = "newest"
RELEVANCE = "relevance"
ORDERS = {NEWEST: "최신순", RELEVANCE: "정확도순"}

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


def _matches(term: str) -> Q:
    return Q(title__icontains=term) | Q(subtitle__icontains=term) | Q(body__icontains=term)


def search_articles(query: SearchQuery, *, order: str = NEWEST) -> QuerySet[Article]:
    """Published articles matching every term, newest first or most relevant first.

    Relevance: a term in the title counts 3, in the subtitle 2, in the body 1, summed over the
    terms; ties go to the newer article.
    """
    articles = Article.objects.published().select_related("section")
    if query.is_empty:
        return articles.none()
    condition = Q()
    for term in query.terms:
        condition &= _matches(term)
    articles = articles.filter(condition)
    if order == RELEVANCE:
        score = Value(0)
        for term in query.terms:
            score = (
                score
                + Case(When(title__icontains=term, then=3), default=0, output_field=IntegerField())
                + Case(
                    When(subtitle__icontains=term, then=2), default=0, output_field=IntegerField()
                )
                + Case(When(body__icontains=term, then=1), default=0, output_field=IntegerField())
            )
        return articles.annotate(score=Coalesce(score, 0)).order_by(
            "-score", "-published_at", "-id"
        )
    return articles.order_by("-published_at", "-id")
