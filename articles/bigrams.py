"""The search index's text: the distinct character bigrams of an article's plain text.

Korean words carry particles and build compounds (`의료기관은`, `약사회`), so a word index would
miss them; PostgreSQL's n-gram extensions (pg_bigm, PGroonga) are not on stock servers. Instead
every article stores the set of its two-character pieces (`의료기관은` → 의료 료기 기관 관은) in
a `tsvector` column with a GIN index (articles.models.Article.search_document). A query word of
two or more characters matches an article only if all its bigrams are there; a two-character
word is exactly one bigram, so that is exact substring search, and longer words are rechecked
for contiguity by articles.search. A one-character word is stored as itself (a unigram).

Text is normalized the same way on both sides: NFC, lower case, split on anything that is not a
letter or a digit.
"""

import re
import unicodedata

# Runs of letters and digits (any script); `_` is a word character for \w but not a letter.
_TOKEN = re.compile(r"[^\W_]+")


def tokens(text: str) -> list[str]:
    """The lower-cased runs of letters and digits in `text`."""
    return _TOKEN.findall(unicodedata.normalize("NFC", text or "").lower())


def token_bigrams(token: str) -> list[str]:
    """A token's bigrams in order (a one-character token is its own unigram)."""
    if len(token) < 2:
        return [token] if token else []
    return [token[i : i + 2] for i in range(len(token) - 1)]


def bigram_set(*texts: str) -> set[str]:
    grams: set[str] = set()
    for text in texts:
        for token in tokens(text):
            if len(token) < 2:
                grams.add(token)
            else:
                grams.update(token[i : i + 2] for i in range(len(token) - 1))
    return grams


def tsvector_text(grams) -> str:
    """PostgreSQL's tsvector input for a set of lexemes (sorted, so the text is stable).

    Lexemes are letters and digits only (see `tokens`), so none needs quoting.
    """
    return " ".join(sorted(grams))


def tsquery_text(grams) -> str:
    """A tsquery that needs every lexeme of `grams` (AND)."""
    return " & ".join(sorted(grams))


def search_document(title: str, subtitle: str, body_html: str) -> str:
    """The stored search index text (tsvector input) of an article's fields."""
    from .richtext import plain_text

    # plain_text() drops every tag and the contents of script/style, like the sanitizer.
    return tsvector_text(bigram_set(title or "", subtitle or "", plain_text(body_html or "")))


def fill_search_documents(model, *, only_missing: bool = True, batch_size: int = 1000) -> int:
    """(Re)build `search_document` of `model`'s rows in batches; returns how many were written.

    Takes the model class so a migration can pass its historical model.
    """
    rows = model._default_manager.order_by("pk")
    if only_missing:
        rows = rows.filter(search_document__isnull=True)
    written, last_pk = 0, 0
    while True:
        batch = list(
            rows.filter(pk__gt=last_pk).only("pk", "title", "subtitle", "body")[:batch_size]
        )
        if not batch:
            return written
        for article in batch:
            article.search_document = search_document(article.title, article.subtitle, article.body)
        model._default_manager.bulk_update(batch, ["search_document"], batch_size=batch_size)
        written += len(batch)
        last_pk = batch[-1].pk
